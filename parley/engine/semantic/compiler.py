"""The compiler: a SemanticQuery over an ontology becomes one SELECT in a source's dialect.

The SQL is built as a sqlglot tree and written out for the dialect at the end. Metrics of
one object are aggregated in one SELECT whose joins to other objects are all many-to-one,
so no row is counted twice; conditions that need a one-to-many step become ``EXISTS``
subqueries (``NOT EXISTS`` of the positive condition for a negated one, and for "no
related rows"), and a dimension that needs one is refused with a message naming it. Metrics
of different objects are aggregated separately (one CTE each) and joined on the dimension
keys afterwards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import sqlglot
from sqlglot import exp

from parley.engine.semantic import _sql
from parley.engine.semantic.joins import JoinTree, nearest_time_field
from parley.engine.semantic.ontology import Object, Ontology
from parley.engine.semantic.output import OutputColumn
from parley.engine.semantic.query import (
    RELATED_OPS,
    MetricRef,
    OrderItem,
    QueryFilter,
    SemanticQuery,
)
from parley.errors import InvalidInput
from parley.naming import plural

__all__ = ["CompiledQuery", "compile_query"]

_AGGREGATIONS: dict[str, tuple[type[exp.AggFunc], str]] = {
    "sum": (exp.Sum, "total {}"),
    "avg": (exp.Avg, "average {}"),
    "count": (exp.Count, "number of {}"),
    "count_distinct": (exp.Count, "number of distinct {}"),
    "min": (exp.Min, "lowest {}"),
    "max": (exp.Max, "highest {}"),
}
BULKY_TYPES = ("json", "other")


@dataclass(frozen=True)
class CompiledQuery:
    #: The statement as a sqlglot tree, for the guard (which would otherwise parse ``sql``).
    tree: exp.Expr
    columns: tuple[OutputColumn, ...]
    base_object: str | None
    #: The time attribute that time filters used, ``"object.attribute"``.
    time_field: str | None
    dialect: str

    @cached_property
    def sql(self) -> str:
        return self.tree.sql(dialect=self.dialect, pretty=True)


@dataclass
class _Metric:
    key: str
    object: str
    expression: exp.Expr
    column: OutputColumn


@dataclass
class _Dimension:
    key: str
    object: str
    expression: exp.Expr
    column: OutputColumn
    #: The object's primary key when grouping by its display attribute, so that two
    #: rows with the same name stay two groups.
    identity: exp.Expr | None = None


@dataclass(frozen=True)
class _Period:
    label: str
    slug: str
    start: dt.date | None
    end: dt.date | None


def compile_query(query: SemanticQuery, ontology: Ontology, *, dialect: str) -> CompiledQuery:
    """Compile ``query`` into SQL for ``dialect`` (a sqlglot dialect name)."""
    try:
        sqlglot.Dialect.get_or_raise(dialect)
    except ValueError as error:
        raise InvalidInput(f"unknown SQL dialect {dialect!r}") from error
    if query.is_list:
        return _compile_list(query, ontology, dialect)
    if query.average_over is not None:
        return _compile_average_over(query, ontology, dialect)
    if query.count_over is not None:
        return _compile_count_over(query, ontology, dialect)
    if query.together:
        return _compile_together(query, ontology, dialect)
    return _Compiler(query, ontology, dialect).compile()


def _derived_table(tree: exp.Expr, alias: str) -> exp.Subquery:
    """``(tree) AS alias``: a compiled query as the table an outer query reads."""
    return exp.Subquery(this=tree, alias=exp.TableAlias(this=exp.to_identifier(alias)))


def _compile_together(query: SemanticQuery, ontology: Ontology, dialect: str) -> CompiledQuery:
    """``SELECT SUM(m), ... FROM (the ranked query) AS ranked``: its rows added up."""
    inner = _Compiler(query.model_copy(update={"together": False}), ontology, dialect)
    compiled = inner.compile()
    measures = [c for c in compiled.columns if c.role == "measure"]
    select = exp.select(
        *(exp.alias_(exp.Sum(this=exp.column(c.key)), c.key) for c in measures)
    ).from_(_derived_table(compiled.tree, "ranked"))
    first = query.dimensions[0].field.split(".")[0] if query.dimensions else ""
    owner = ontology.object(first)
    rows = f"the top {query.limit} {owner.plural if owner else 'rows'}"
    columns = tuple(
        OutputColumn(c.key, "measure", f"{c.label} of {rows}", c.format, field=c.field)
        for c in measures
    )
    return CompiledQuery(select, columns, compiled.base_object, compiled.time_field, dialect)


def _compile_average_over(
    query: SemanticQuery, ontology: Ontology, dialect: str
) -> CompiledQuery:
    """``SELECT dims, AVG(m) FROM (the query per value of average_over, dims) GROUP BY
    dims``: each metric per value first, then averaged over the values."""
    assert query.average_over is not None
    inner_query = query.model_copy(update={
        "average_over": None,
        "dimensions": [*query.dimensions, query.average_over],
        "order": [], "limit": None,
    })
    inner = _Compiler(inner_query, ontology, dialect)
    if inner.metric_filters:
        raise InvalidInput("a condition on a figure averaged per value is not supported")
    compiled = inner.compile()
    outer_columns = list(compiled.columns[: len(query.dimensions)])
    over = compiled.columns[len(query.dimensions)]
    owner = ontology.object(query.average_over.field.split(".")[0])
    label = over.grain or (owner.label if owner else over.label)
    metric_columns = [
        OutputColumn(c.key, "measure", f"average {c.label} per {label}", c.format, field=c.field)
        for c in compiled.columns[len(query.dimensions) + 1:]
    ]
    keys = [c.key for c in outer_columns]
    select = _per_group(query, compiled.tree, keys, [
        exp.alias_(exp.Avg(this=exp.column(c.key)), c.key) for c in metric_columns])
    return CompiledQuery(select, (*outer_columns, *metric_columns), compiled.base_object,
                         compiled.time_field, dialect)


def _per_group(
    query: SemanticQuery, inner: exp.Expr, keys: list[str], figures: list[exp.Expr]
) -> exp.Select:
    """``SELECT keys, figures FROM (inner) AS per_value GROUP BY keys``, in the query's
    order (else by the first key) and cut at its limit: the outer query of figures made
    per value first."""
    select = exp.select(*(exp.column(key) for key in keys), *figures).from_(
        _derived_table(inner, "per_value"))
    if keys:
        select = select.group_by(*(exp.column(key) for key in keys))
    known = {*keys, *(figure.alias_or_name for figure in figures)}
    for item in query.order or ([OrderItem(key=keys[0], descending=False)] if keys else []):
        if item.key not in known:
            raise InvalidInput(
                f"cannot order by {item.key!r}: it is not a metric or dimension of the query")
        select = select.order_by(exp.Ordered(this=exp.column(item.key), desc=item.descending))
    if query.limit is not None:
        select = select.limit(_sql.positive(query.limit))
    return select


def _compile_count_over(
    query: SemanticQuery, ontology: Ontology, dialect: str
) -> CompiledQuery:
    """``SELECT dims, COUNT(*) FROM (the query per value of count_over, dims, with its
    conditions on metrics) GROUP BY dims``: the values whose figures meet them, counted."""
    assert query.count_over is not None
    inner_query = query.model_copy(update={
        "count_over": None,
        "dimensions": [*query.dimensions, query.count_over],
        "order": [], "limit": None,
    })
    compiled = _Compiler(inner_query, ontology, dialect).compile()
    outer_columns = list(compiled.columns[: len(query.dimensions)])
    owner, attribute = ontology.resolve(query.count_over.field)
    if attribute.name in {*owner.primary_key, owner.display_attribute}:
        counted, key = owner.plural, f"{owner.name}_count"  # each customer, counted
    else:
        # "how many cities have more than 3 airports": the column's values, counted.
        counted, key = plural(attribute.label), f"{attribute.name}_count"
    keys = [c.key for c in outer_columns]
    select = _per_group(query, compiled.tree, keys, [exp.alias_(exp.Count(this=exp.Star()), key)])
    column = OutputColumn(key, "measure", f"number of {counted}", "number")
    return CompiledQuery(select, (*outer_columns, column), compiled.base_object,
                         compiled.time_field, dialect)


class _Compiler:
    def __init__(self, query: SemanticQuery, ontology: Ontology, dialect: str) -> None:
        self.query = query
        self.ontology = ontology
        self.dialect = dialect
        self.metrics = [self._metric(ref, index) for index, ref in enumerate(query.metrics)]
        self.dimensions = [self._dimension(d.field, d.grain) for d in query.dimensions]
        if not self.metrics and not self.dimensions:
            raise InvalidInput("the query has no metric, dimension or list object")
        self.base = self.metrics[0].object if self.metrics else self.dimensions[0].object
        self._rename_duplicate_keys()
        metric_keys = {m.key for m in self.metrics}
        after = [f.field in metric_keys and f.op not in RELATED_OPS for f in query.filters]
        self.metric_filters = [f for f, late in zip(query.filters, after, strict=True) if late]
        if any(f.any_of is not None for f in self.metric_filters):
            raise InvalidInput("alternatives are conditions on values, not on a figure")
        self.attribute_filters = _sql.conditions_of(
            ontology, [f for f, late in zip(query.filters, after, strict=True) if not late]
        ) + [_sql.named_condition(ontology, name) for name in query.named_filters]
        self.periods = self._periods()
        self.pivot = bool(self.periods) and query.growth
        self.time_field = self._time_field(self.base) if self._uses_time else None

    # -- resolution ----------------------------------------------------------------

    def _metric(self, ref: MetricRef, index: int) -> _Metric:
        if ref.metric:
            metric = self.ontology.metric(ref.metric)
            if metric is None:
                raise InvalidInput(f"unknown metric {ref.metric!r}")
            if self.ontology.object(metric.object) is None:
                raise InvalidInput(f"metric {metric.name!r} is on unknown object {metric.object!r}")
            tree = _sql.qualify(_sql.parse_metric(metric.expression, metric.name), metric.object)
            column = OutputColumn(ref.key, "measure", metric.label, metric.format)
            return _Metric(ref.key, metric.object, tree, column)
        if ref.aggregation is None:
            raise InvalidInput("a metric needs a metric name or an aggregation")
        function, label = _AGGREGATIONS[ref.aggregation]
        target = ref.field or self._count_object(index)
        if "." not in target and ref.aggregation == "count":
            obj = self.ontology.object(target)
            if obj is None:
                raise InvalidInput(f"unknown object {target!r}")
            column = OutputColumn(ref.key, "measure", label.format(obj.plural), field=None)
            return _Metric(ref.key, obj.name, exp.Count(this=exp.Star()), column)
        obj, attribute = _sql.resolve(self.ontology, target)
        argument: exp.Expr = _sql.column(obj.name, attribute.name)
        if ref.aggregation in {"sum", "avg"} and attribute.type == "text":
            # Numbers kept in a text column: summed as numbers, in every dialect.
            argument = exp.cast(argument, exp.DataType.Type.DOUBLE)
        if ref.aggregation == "count_distinct":
            argument = exp.Distinct(expressions=[argument])
        noun = obj.plural if ref.aggregation == "count" else attribute.label
        if ref.aggregation == "count_distinct":
            counted = self._rows_named_by(obj.name, attribute.name)
            if counted is not None:
                label, noun = "number of {}", counted.plural
        column = OutputColumn(ref.key, "measure", label.format(noun), field=target)
        return _Metric(ref.key, obj.name, function(this=argument), column)

    def _rows_named_by(self, name: str, column: str) -> Object | None:
        """The rows a column's distinct values stand for: its object's own when it is the
        key, the referred object's when it refers to one ("section.course_id": courses)."""
        obj = self.ontology.object(name)
        if obj is not None and obj.primary_key == [column]:
            return obj
        targets = {r.to_object for r in self.ontology.relationships
                   if r.from_object == name and list(r.from_columns) == [column]}
        if len(targets) == 1:
            return self.ontology.object(next(iter(targets)))
        return obj if obj is not None and column in obj.primary_key else None

    def _count_object(self, index: int) -> str:
        others = [m for m in self.query.metrics[:index] if m.metric or m.field]
        if others:
            return self._metric(others[0], 0).object
        if self.query.dimensions:
            return _sql.resolve(self.ontology, self.query.dimensions[0].field)[0].name
        raise InvalidInput("a count needs a field or an object to count")

    def _dimension(self, ref: str, grain: str | None) -> _Dimension:
        obj, attribute = _sql.resolve(self.ontology, ref)
        value: exp.Expr = _sql.column(obj.name, attribute.name)
        key = f"{attribute.name}_{grain}" if grain else attribute.name
        if grain:
            if not _sql.is_time(attribute):
                raise InvalidInput(f"{ref} is not a date; it cannot be grouped by {grain}")
            value = _sql.truncate(value, grain, self.dialect)
            column = OutputColumn(
                key, "time", f"{attribute.label} ({grain})", grain=grain, field=ref
            )
            return _Dimension(key, obj.name, value, column)
        role = "time" if _sql.is_time(attribute) else attribute.role
        if role == "measure":
            role = "dimension"
        column = OutputColumn(key, role, attribute.label, field=ref)
        identity = None
        if (
            obj.display_attribute == attribute.name
            and len(obj.primary_key) == 1
            and obj.primary_key[0] != attribute.name
        ):
            identity = _sql.column(obj.name, obj.primary_key[0])
        return _Dimension(key, obj.name, value, column, identity)

    def _rename_duplicate_keys(self) -> None:
        seen = {m.key for m in self.metrics}
        if len(seen) < len(self.metrics):
            raise InvalidInput("two metrics of the query have the same name; give one an alias")
        for dimension in self.dimensions:
            if dimension.key in seen:
                dimension.key = f"{dimension.object}_{dimension.key}"
                dimension.column = OutputColumn(
                    dimension.key,
                    dimension.column.role,
                    dimension.column.label,
                    grain=dimension.column.grain,
                    field=dimension.column.field,
                )
            if dimension.key in seen:
                raise InvalidInput(f"two columns of the query would be named {dimension.key!r}")
            seen.add(dimension.key)

    def _filter(self, query_filter: QueryFilter) -> _sql.Condition:
        return _sql.filter_condition(self.ontology, query_filter)

    def _periods(self) -> list[_Period]:
        periods: list[_Period] = []
        slugs: set[str] = set()
        for index, period in enumerate(self.query.compare, start=1):
            label = period.label or _sql.period_label(period.start, period.end)
            slug = _sql.slug(label) or f"p{index}"
            if slug in slugs:
                slug = f"{slug}_{index}"
            slugs.add(slug)
            periods.append(_Period(label, slug, period.start, period.end))
        return periods

    @property
    def _uses_time(self) -> bool:
        return self.query.time_range is not None or bool(self.periods)

    def _time_field(self, base: str, fallback: str | None = None) -> str:
        """The time attribute time filters use when aggregating ``base``.

        An explicit field wins; otherwise each object uses its own nearest date, so the
        orders of "orders and revenue last month" are dated by the order date either way.
        """
        explicit = self.query.time_range.field if self.query.time_range else None
        explicit = explicit or (self.query.compare[0].field if self.query.compare else None)
        chosen = explicit or nearest_time_field(self.ontology, base) or fallback
        if chosen is None:
            label = self.query.time_range.label if self.query.time_range else ""
            raise InvalidInput(
                f"no date to apply {label or 'the time range'} to: {base} has no time attribute"
            )
        _, attribute = _sql.resolve(self.ontology, chosen)
        if not _sql.is_time(attribute):
            raise InvalidInput(f"{chosen} is not a date; it cannot take a time range")
        return chosen

    # -- one aggregate per object ----------------------------------------------------

    def _scope(self, base: str) -> tuple[_sql.Scope, exp.Expr | None]:
        """Joins and conditions for aggregating ``base``; and its period expression."""
        scope = _sql.Scope(JoinTree(self.ontology, base))
        for dimension in self.dimensions:
            self._reach(scope, dimension.object, dimension.column.field or dimension.key)
        conditions = list(self.attribute_filters)
        period_case = None
        if self._uses_time:
            time_ref = self._time_field(base, self.time_field)
            time_obj, time_attr = _sql.resolve(self.ontology, time_ref)
            time_value = _sql.column(time_obj.name, time_attr.name)
            if self.query.time_range is not None:
                time_range = self.query.time_range
                if time_range.start or time_range.end:
                    conditions.append(
                        _sql.Condition(
                            time_obj.name, _sql.within(time_value, time_range.start, time_range.end)
                        )
                    )
            if self.periods:
                self._reach(scope, time_obj.name, time_ref)
                ranges = [_sql.within(time_value, p.start, p.end) for p in self.periods]
                conditions.append(_sql.Condition(time_obj.name, exp.or_(*ranges)))
                period_case = exp.Case(
                    ifs=[
                        exp.If(this=cond, true=exp.Literal.string(p.label))
                        for p, cond in zip(self.periods, ranges, strict=True)
                    ]
                )
        for condition in conditions:
            _sql.place(scope, condition)
        return scope, period_case

    def _reach(self, scope: _sql.Scope, target: str, ref: str) -> None:
        steps = scope.tree.path(target)
        if any(step.fans_out for step in steps):
            base = self.ontology.object(scope.tree.base)
            owner = self.ontology.object(steps[-1].child)
            raise InvalidInput(
                f"{ref} cannot group {base.plural if base else scope.tree.base}: "
                f"each of them has many {owner.plural if owner else target}"
            )
        scope.joins.update(step.child for step in steps)

    def _aggregate(self, base: str, metrics: list[_Metric], *, keys: bool) -> exp.Select:
        scope, period_case = self._scope(base)
        projections: list[exp.Expr] = [
            exp.alias_(d.expression.copy(), d.key) for d in self.dimensions
        ]
        groups: list[exp.Expr] = [d.expression.copy() for d in self.dimensions]
        for index, dimension in enumerate(self.dimensions):
            if dimension.identity is not None:
                groups.append(dimension.identity.copy())
                if keys:
                    projections.append(exp.alias_(dimension.identity.copy(), f"_key_{index}"))
        if period_case is not None and not self.pivot:
            projections.append(exp.alias_(period_case.copy(), "period"))
            groups.append(period_case.copy())
        for metric in metrics:
            for key, value in self._metric_values(metric, period_case).items():
                projections.append(exp.alias_(value, key))
        if self.query.share_of and metrics and metrics[0] is self.metrics[0]:
            projections.append(exp.alias_(self._share_of(scope, metrics[0]), "share_pct"))
        select = _sql.from_scope(self.ontology, scope, exp.select(*projections))
        return select.group_by(*groups) if groups else select

    def _share_of(self, scope: _sql.Scope, metric: _Metric) -> exp.Expr:
        """``100 * metric(where share_of) / metric``: the part the matching rows make up."""
        predicates = []
        for query_filter in self.query.share_of:
            condition = self._filter(query_filter)
            if condition.predicate is None:
                raise InvalidInput(
                    f"a share of matching rows takes conditions on values, not {query_filter.op!r}"
                )
            self._reach(scope, condition.object, query_filter.field)
            predicates.append(condition.predicate)
        part = _sql.conditional(metric.expression, exp.and_(*predicates))
        return _sql.percent_of(part, metric.expression.copy())

    def _metric_keys(self, metric: _Metric) -> list[str]:
        if not self.pivot:
            return [metric.key]
        return [f"{metric.key}_{period.slug}" for period in self.periods]

    def _metric_values(self, metric: _Metric, period_case: exp.Expr | None) -> dict[str, exp.Expr]:
        if not self.pivot or period_case is None:
            return {metric.key: metric.expression.copy()}
        whens = [when.this for when in period_case.args["ifs"]]
        return {
            key: _sql.conditional(metric.expression, when)
            for key, when in zip(self._metric_keys(metric), whens, strict=True)
        }

    # -- the whole query ------------------------------------------------------------

    def compile(self) -> CompiledQuery:
        groups: dict[str, list[_Metric]] = {}
        for metric in self.metrics:
            groups.setdefault(metric.object, []).append(metric)
        if self.query.share_of and (len(groups) > 1 or self.pivot):
            raise InvalidInput("a share of matching rows needs one metric and no growth")
        select = self._single(self.base) if len(groups) <= 1 else self._combined(groups)
        return CompiledQuery(
            _sql.quote_cased(select),
            tuple(self._columns()),
            self.base,
            self.time_field,
            self.dialect,
        )

    def _single(self, base: str) -> exp.Select:
        select = self._aggregate(base, self.metrics, keys=False)
        values = {key: value for key, value in self._value_map(select).items()}
        having = [self._metric_condition(f, values) for f in self.metric_filters]
        if having:
            select = select.having(*having)
        period = values.get("period")
        rank = None
        if period is not None:
            # Every row of a group lies in the same period, so MIN picks its position.
            rank = exp.Min(
                this=exp.Case(
                    ifs=[
                        exp.If(this=when.this.copy(), true=exp.Literal.number(index))
                        for index, when in enumerate(period.args["ifs"])
                    ]
                )
            )
        return self._finish(select, values, rank)

    def _value_map(self, select: exp.Select) -> dict[str, exp.Expr]:
        return {
            projection.alias: projection.this
            for projection in select.expressions
            if isinstance(projection, exp.Alias)
        }

    def _combined(self, groups: dict[str, list[_Metric]]) -> exp.Select:
        """One aggregate CTE per object, joined on the dimension keys they share."""
        names = {obj: f"{obj}_metrics" for obj in groups}
        ordered = list(names.values())
        key_columns = [d.key for d in self.dimensions]
        key_columns += [f"_key_{i}" for i, d in enumerate(self.dimensions) if d.identity]
        if self.periods and not self.pivot:
            key_columns.append("period")
        ctes: list[tuple[str, exp.Expr]] = [
            (names[obj], self._aggregate(obj, metrics, keys=True))
            for obj, metrics in groups.items()
        ]
        values: dict[str, exp.Expr] = {}
        if key_columns:
            # Every key seen by any aggregate, so a group missing from one still shows.
            union = exp.union(
                *(exp.select(*key_columns).from_(name) for name in ordered), distinct=True
            )
            ctes.append(("dimension_keys", union))
            select = exp.select(
                *(
                    exp.alias_(_sql.column("dimension_keys", k), k)
                    for k in key_columns
                    if not k.startswith("_key_")
                )
            )
            select = select.from_("dimension_keys")
            for name in ordered:
                on = exp.and_(
                    *(
                        _sql.null_safe_eq(_sql.column("dimension_keys", k), _sql.column(name, k))
                        for k in key_columns
                    )
                )
                select = select.join(name, on=on, join_type="left")
            values.update({k: _sql.column("dimension_keys", k) for k in key_columns})
        else:
            select = exp.select().from_(ordered[0])
            for name in ordered[1:]:
                select = select.join(name, join_type="cross")
        for metric in self.metrics:
            for key in self._metric_keys(metric):
                values[key] = _sql.column(names[metric.object], key)
                select = select.select(exp.alias_(values[key].copy(), key))
        for name, cte in ctes:
            select = select.with_(name, as_=cte)
        where = [self._metric_condition(f, values) for f in self.metric_filters]
        if where:
            select = select.where(*where)
        rank = None
        if "period" in values:
            rank = exp.Case(
                this=values["period"].copy(),
                ifs=[
                    exp.If(this=exp.Literal.string(p.label), true=exp.Literal.number(index))
                    for index, p in enumerate(self.periods)
                ],
            )
        return self._finish(select, values, rank)

    def _metric_value(self, key: str, values: dict[str, exp.Expr]) -> exp.Expr:
        if self.pivot:
            key = f"{key}_{self.periods[-1].slug}"
        return values[key].copy()

    def _metric_condition(self, query_filter: QueryFilter, values: dict[str, exp.Expr]) -> exp.Expr:
        return _sql.condition(
            self._metric_value(query_filter.field, values),
            query_filter.op,
            query_filter.values,
            field=query_filter.field,
            type_family="decimal",
        )

    def _finish(
        self, select: exp.Select, values: dict[str, exp.Expr], period_rank: exp.Expr | None
    ) -> exp.Select:
        """Growth and share columns, ORDER BY and LIMIT; ``period_rank`` orders periods."""
        extra: dict[str, exp.Expr] = {}
        if self.pivot and self.metrics:
            first = self.metrics[0].key
            earliest = values[f"{first}_{self.periods[0].slug}"]
            latest = values[f"{first}_{self.periods[-1].slug}"]
            change = exp.paren(exp.Sub(this=latest.copy(), expression=earliest.copy()))
            extra["growth_pct"] = _sql.percent_of(change, earliest.copy())
        if self.query.share and self.metrics and not self.query.share_of:
            value = self._metric_value(self.metrics[0].key, values)
            total = exp.Window(this=exp.Sum(this=value.copy()), partition_by=[])
            extra["share_pct"] = _sql.percent_of(value, total)
        for key, value in extra.items():
            select = select.select(exp.alias_(value, key))
        order = self._order(period_rank, set(values) | set(extra))
        if order:
            select = select.order_by(*order)
        if self.query.limit is not None:
            select = select.limit(_sql.positive(self.query.limit))
        return select

    def _order(self, period_rank: exp.Expr | None, known: set[str]) -> list[exp.Ordered]:
        items = list(self.query.order) or self._default_order()
        metric_keys = {m.key for m in self.metrics} | {"share_pct", "growth_pct"}
        ordered: list[exp.Ordered] = []
        for item in items:
            key = item.key
            if key == "period" and period_rank is not None:
                ordered.append(self._ordered(period_rank.copy(), item.descending, None))
                continue
            if key in metric_keys and self.pivot and key not in known:
                key = f"{key}_{self.periods[-1].slug}"
            if key not in known or key.startswith("_key_"):
                raise InvalidInput(
                    f"cannot order by {item.key!r}: it is not a metric or dimension of the query"
                )
            nulls_last = item.descending and (item.key in metric_keys)
            ordered.append(
                self._ordered(exp.column(key), item.descending, False if nulls_last else None)
            )
        return ordered

    def _ordered(self, value: exp.Expr, descending: bool, nulls_first: bool | None) -> exp.Ordered:
        """An ORDER BY item; without a wish for NULLs, the dialect's own placement."""
        if nulls_first is None:
            ordering = sqlglot.Dialect.get_or_raise(self.dialect).NULL_ORDERING
            small = ordering == "nulls_are_small"
            nulls_first = small != descending if ordering != "nulls_are_last" else False
        return exp.Ordered(this=value, desc=descending, nulls_first=nulls_first)

    def _default_order(self) -> list[OrderItem]:
        items: list[OrderItem] = []
        if self.periods and not self.pivot:
            items.append(OrderItem(key="period", descending=False))
        times = [d for d in self.dimensions if d.column.role == "time"]
        if times:
            items += [OrderItem(key=d.key, descending=False) for d in times]
        elif self.dimensions and self.metrics:
            items.append(OrderItem(key=self.metrics[0].key, descending=True))
        elif self.dimensions:
            items.append(OrderItem(key=self.dimensions[0].key, descending=False))
        return items

    def _columns(self) -> list[OutputColumn]:
        columns = [d.column for d in self.dimensions]
        if self.periods and not self.pivot:
            columns.append(OutputColumn("period", "dimension", "period"))
        for metric in self.metrics:
            if self.pivot:
                for period in self.periods:
                    base = metric.column
                    columns.append(
                        OutputColumn(
                            f"{metric.key}_{period.slug}",
                            "measure",
                            f"{base.label} ({period.label})",
                            base.format,
                            field=base.field,
                        )
                    )
            else:
                columns.append(metric.column)
        if self.pivot and self.metrics:
            label = f"{self.metrics[0].column.label} growth"
            columns.append(OutputColumn("growth_pct", "measure", label, "percent"))
        if (self.query.share or self.query.share_of) and self.metrics:
            label = f"share of {self.metrics[0].column.label}"
            columns.append(OutputColumn("share_pct", "measure", label, "percent"))
        return columns


def _compile_list(query: SemanticQuery, ontology: Ontology, dialect: str) -> CompiledQuery:
    select, columns, time_field = _sql.list_select(query, ontology)
    return CompiledQuery(
        _sql.quote_cased(select), tuple(columns), query.list_object, time_field, dialect
    )
