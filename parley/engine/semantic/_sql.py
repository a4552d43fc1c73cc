"""Small builders of sqlglot expressions for the compiler.

Every value a user supplies becomes a literal node; nothing is pasted into SQL text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

from parley.engine.semantic.joins import JoinStep, JoinTree, nearest_time_field
from parley.engine.semantic.ontology import Attribute, Object, Ontology
from parley.engine.semantic.output import OutputColumn
from parley.engine.semantic.query import RELATED_OPS, QueryFilter, SemanticQuery, TimeRange
from parley.errors import InvalidInput

# Truncations that sqlglot's generic DATE_TRUNC does not express well in these dialects;
# ``__t`` stands for the time column. Each returns a DATE.
BULKY_TYPES = ("json", "other")

_TRUNCATE_TEMPLATES: dict[str, dict[str, str]] = {
    "sqlite": {
        "day": "DATE(__t)",
        # 'weekday 0' moves to the next Sunday (or stays on one); six days back is Monday.
        "week": "DATE(__t, 'weekday 0', '-6 days')",
        "month": "DATE(__t, 'start of month')",
        "quarter": "DATE(__t, 'start of month', "
        "'-' || ((CAST(STRFTIME('%m', __t) AS INTEGER) - 1) % 3) || ' months')",
        "year": "DATE(__t, 'start of year')",
    },
    "mysql": {
        "day": "DATE(__t)",
        "week": "DATE_SUB(DATE(__t), INTERVAL WEEKDAY(__t) DAY)",
        "month": "DATE_SUB(DATE(__t), INTERVAL DAYOFMONTH(__t) - 1 DAY)",
        "quarter": "MAKEDATE(YEAR(__t), 1) + INTERVAL (QUARTER(__t) - 1) QUARTER",
        "year": "MAKEDATE(YEAR(__t), 1)",
    },
}
_TRUNCATE_TEMPLATES["mariadb"] = _TRUNCATE_TEMPLATES["mysql"]


def table(obj: Object) -> exp.Table:
    """The object's table, aliased by its own name."""
    return exp.Table(
        this=exp.to_identifier(obj.name),
        db=exp.to_identifier(obj.schema_name) if obj.schema_name else None,
        alias=exp.TableAlias(this=exp.to_identifier(obj.name)) if obj.schema_name else None,
    )


def column(alias: str, name: str) -> exp.Column:
    return exp.column(name, table=alias, quoted=None)


def quote_cased(tree: exp.Expr) -> exp.Expr:
    """Quote every identifier whose case matters: PostgreSQL folds unquoted names to lower
    case, so a column ``startedAt`` must be written ``"startedAt"``.

    >>> quote_cased(sqlglot.parse_one("SELECT t.startedAt FROM t")).sql("postgres")
    'SELECT t."startedAt" FROM t'
    """
    for identifier in tree.find_all(exp.Identifier):
        name = identifier.name
        if not identifier.quoted and (name != name.lower() or not name.isidentifier()):
            identifier.set("quoted", True)
    return tree


def date_literal(value: dt.date) -> exp.Expr:
    """A DATE literal: ``CAST('2025-01-01' AS DATE)``, written per dialect on output."""
    return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)


def truncate(value: exp.Expr, grain: str, dialect: str) -> exp.Expr:
    """The time ``value`` truncated to the start of its ``grain``, as a DATE."""
    template = _TRUNCATE_TEMPLATES.get(dialect, {}).get(grain)
    if template is not None:
        tree = sqlglot.parse_one(template, read=dialect)
        return tree.transform(
            lambda node: (
                value.copy() if isinstance(node, exp.Column) and node.name == "__t" else node
            )
        )
    if grain == "day":
        return exp.cast(value, exp.DataType.Type.DATE)
    unit = exp.Literal.string(grain.upper())
    trunc = exp.DateTrunc(this=value, unit=unit)  # type: ignore[no-untyped-call]
    return exp.cast(trunc, exp.DataType.Type.DATE)


def qualify(expression: exp.Expr, alias: str) -> exp.Expr:
    """Give every unqualified column of ``expression`` the table ``alias``."""
    tree = expression.copy()
    for node in tree.find_all(exp.Column):
        if not node.table:
            node.set("table", exp.to_identifier(alias))
    return tree


def parse_metric(expression: str, name: str) -> exp.Expr:
    try:
        tree = sqlglot.parse_one(expression, read="duckdb")
    except sqlglot.errors.ParseError as error:
        raise InvalidInput(f"metric {name!r} has an invalid expression: {error}") from error
    if tree.find(exp.AggFunc) is None:
        raise InvalidInput(f"metric {name!r} is not an aggregate: {expression}")
    return tree


def conditional(expression: exp.Expr, condition: exp.Expr) -> exp.Expr:
    """Restrict every aggregate of ``expression`` to the rows where ``condition`` holds.

    ``SUM(x)`` becomes ``SUM(CASE WHEN c THEN x END)``, ``COUNT(*)`` counts
    ``CASE WHEN c THEN 1 END``; aggregates ignore the NULLs of the other rows.
    """
    tree = expression.copy()
    for agg in list(tree.find_all(exp.AggFunc)):
        argument = agg.this
        if isinstance(argument, exp.Star) or argument is None:
            agg.set("this", _when(condition, exp.Literal.number(1)))
        elif isinstance(argument, exp.Distinct):
            argument.set("expressions", [_when(condition, each) for each in argument.expressions])
        else:
            agg.set("this", _when(condition, argument))
    return tree


def _when(condition: exp.Expr, value: exp.Expr) -> exp.Case:
    return exp.Case(ifs=[exp.If(this=condition.copy(), true=value.copy())])


def within(value: exp.Expr, start: dt.date | None, end: dt.date | None) -> exp.Expr:
    """``start <= value < end``; either bound may be open."""
    parts: list[exp.Expr] = []
    if start is not None:
        parts.append(exp.GTE(this=value.copy(), expression=date_literal(start)))
    if end is not None:
        parts.append(exp.LT(this=value.copy(), expression=date_literal(end)))
    if not parts:
        return exp.true()
    return exp.and_(*parts) if len(parts) > 1 else parts[0]


def null_safe_eq(left: exp.Expr, right: exp.Expr) -> exp.Expr:
    return exp.NullSafeEQ(this=left, expression=right)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def value_literal(value: Any, type_family: str) -> exp.Expr:
    """A literal for one filter value; dates of date/time columns become DATE literals."""
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.Type.TIMESTAMP)
    if isinstance(value, dt.date):
        return date_literal(value)
    if type_family in ("date", "timestamp") and isinstance(value, str):
        try:
            return date_literal(dt.date.fromisoformat(value))
        except ValueError:
            pass
    if isinstance(value, bool | int | float | str) or value is None:
        return exp.convert(value)
    raise InvalidInput(f"filter value {value!r} is not a number, text, date or boolean")


_ARITY = {"eq": 1, "ne": 1, "gt": 1, "gte": 1, "lt": 1, "lte": 1, "contains": 1, "between": 2}
_COMPARISONS: dict[str, type[exp.Binary]] = {
    "gt": exp.GT,
    "gte": exp.GTE,
    "lt": exp.LT,
    "lte": exp.LTE,
}


def condition(
    target: exp.Expr, op: str, values: list[Any], *, field: str, type_family: str
) -> exp.Expr:
    """The predicate of one filter on ``target`` (a column or an aggregate)."""
    if op in RELATED_OPS:
        raise InvalidInput(
            f"filter {op!r} on {field} compares no value: it names an object whose related "
            "rows must exist or not"
        )
    arity = _ARITY.get(op)
    if arity is not None and len(values) != arity:
        raise InvalidInput(
            f"filter {op!r} on {field} needs {arity} value{'s' if arity > 1 else ''}, "
            f"got {len(values)}"
        )
    if op in ("in", "not_in") and not values:
        raise InvalidInput(f"filter {op!r} on {field} needs at least one value")
    if op in ("eq", "ne") and values[0] is None:
        null_check: exp.Expr = exp.Is(this=target, expression=exp.null())
        return null_check if op == "eq" else exp.not_(null_check)
    literals = [value_literal(value, type_family) for value in values]
    if type_family == "text" and op in {*_COMPARISONS, "between"} and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    ):
        # "more than 5" of numbers kept as text: compared as numbers, not as strings
        # ('10' < '5').
        target = exp.cast(target, exp.DataType.Type.DOUBLE)
    if op == "eq":
        return exp.EQ(this=target, expression=literals[0])
    if op == "ne":
        return exp.NEQ(this=target, expression=literals[0])
    if op in _COMPARISONS:
        return _COMPARISONS[op](this=target, expression=literals[0])
    if op == "between":
        return exp.Between(this=target, low=literals[0], high=literals[1])
    if op == "in":
        return exp.In(this=target, expressions=literals)
    if op == "not_in":
        return exp.not_(exp.In(this=target, expressions=literals))
    if op == "contains":
        text = target if type_family == "text" else exp.cast(target, exp.DataType.Type.VARCHAR)
        return _contains(text, values[0])
    raise InvalidInput(f"unknown filter operator {op!r} on {field}")


def _contains(target: exp.Expr, value: Any) -> exp.Expr:
    escaped = re.sub(r"([!%_])", r"!\1", str(value))
    pattern = exp.Literal.string(f"%{escaped}%")
    like = exp.Like(this=exp.Lower(this=target), expression=exp.Lower(this=pattern))
    return exp.Escape(this=like, expression=exp.Literal.string("!"))


def resolve(ontology: Ontology, ref: str) -> tuple[Object, Attribute]:
    """The object and attribute of an ``"object.attribute"`` reference, or InvalidInput."""
    try:
        return ontology.resolve(ref)
    except KeyError:
        raise InvalidInput(f"unknown field {ref!r}") from None


def is_time(attribute: Attribute) -> bool:
    return attribute.role == "time" or attribute.type in ("date", "timestamp")


def join_on(step: JoinStep) -> exp.Expr:
    """The ON condition of one join step; each side is aliased by its object's name."""
    pairs = zip(step.parent_columns, step.child_columns, strict=True)
    return exp.and_(
        *(exp.EQ(this=column(step.parent, p), expression=column(step.child, c)) for p, c in pairs)
    )


def period_label(start: dt.date | None, end: dt.date | None) -> str:
    """A short label for a period without one: ``2024`` for a calendar year."""
    if start and end:
        if (start.month, start.day) == (1, 1) and end == start.replace(year=start.year + 1):
            return str(start.year)
        return f"{start.isoformat()} to {end.isoformat()}"
    if start:
        return f"since {start.isoformat()}"
    return f"before {end.isoformat()}" if end else "all time"


def percent_of(part: exp.Expr, whole: exp.Expr) -> exp.Expr:
    """``100.0 * part / NULLIF(whole, 0)``: a percentage, NULL when the whole is zero."""
    return exp.Div(
        this=exp.Mul(this=exp.Literal.number("100.0"), expression=part),
        expression=exp.Nullif(this=whole, expression=exp.Literal.number(0)),
    )


@dataclass
class Condition:
    object: str
    #: The condition on the object's columns; for a relation condition, the one its
    #: related rows must meet to count (their period), if any.
    predicate: exp.Expr | None
    #: For a negated condition ("allergy type is not food"): its positive form. Across a
    #: one-to-many step it means that no related row meets the positive form (NOT EXISTS),
    #: not that some related row has another value.
    opposite: exp.Expr | None = None
    #: For a relation condition: related rows must exist ("some") or not ("none").
    related: str | None = None
    #: Met by related rows of its own (an EXISTS of its own), not with the others.
    apart: bool = False
    #: For alternatives: the conditions of which at least one holds (then nothing else).
    alternatives: tuple[Condition, ...] = ()


@dataclass
class Subquery:
    """An (NOT) EXISTS of its own: rows reached from the scope's base by ``steps``."""

    steps: list[JoinStep]
    predicate: exp.Expr | None
    negated: bool


@dataclass
class Scope:
    """The FROM, joins and WHERE of one aggregate over one object."""

    tree: JoinTree
    joins: set[str] = field(default_factory=set)
    where: list[exp.Expr] = field(default_factory=list)
    #: Positive conditions one-to-many away, grouped by the first object that fans out:
    #: one EXISTS each, so that "orders online in 2025" is one order that is both.
    exists: dict[str, list[tuple[list[JoinStep], exp.Expr]]] = field(default_factory=dict)
    #: Negations and relation conditions: each one alone, never merged with the others.
    subqueries: list[Subquery] = field(default_factory=list)
    #: Groups of alternatives, each one condition: in WHERE, or an EXISTS of its own.
    either: list[list[exp.Expr | Subquery]] = field(default_factory=list)


def positive(limit: int) -> int:
    if limit < 1:
        raise InvalidInput(f"limit must be positive, got {limit}")
    return limit


def place(scope: Scope, condition: Condition) -> None:
    """Put a condition in WHERE, or in an EXISTS when its object is one-to-many away (a
    NOT EXISTS of its positive form when it is a negation); a relation condition is an
    EXISTS or NOT EXISTS over the whole path to its object."""
    if condition.alternatives:
        scope.either.append([_alternative(scope, c) for c in condition.alternatives])
        return
    steps = scope.tree.path(condition.object)
    if condition.related is not None:
        if not steps:
            raise InvalidInput(
                f"filter {condition.related!r} on {condition.object} needs an object related "
                f"to {scope.tree.base}, not {scope.tree.base} itself"
            )
        scope.subqueries.append(
            Subquery(steps, condition.predicate, negated=condition.related == "none"))
        return
    assert condition.predicate is not None
    fan = next((i for i, step in enumerate(steps) if step.fans_out), None)
    if fan is None:
        if condition.apart:
            raise InvalidInput(
                f"a condition on {condition.object} met apart needs rows one-to-many away "
                f"from {scope.tree.base}; each {scope.tree.base} row has one {condition.object}"
            )
        scope.joins.update(step.child for step in steps)
        scope.where.append(condition.predicate)
        return
    scope.joins.update(step.child for step in steps[:fan])
    if condition.opposite is not None:
        scope.subqueries.append(Subquery(steps[fan:], condition.opposite, negated=True))
        return
    if condition.apart:
        scope.subqueries.append(Subquery(steps[fan:], condition.predicate, negated=False))
        return
    entry = (steps[fan:], condition.predicate)
    scope.exists.setdefault(steps[fan].child, []).append(entry)


def _alternative(scope: Scope, condition: Condition) -> exp.Expr | Subquery:
    """One alternative as a whole: a predicate on joined rows, or a [NOT] EXISTS of its own
    (an EXISTS shared with other conditions would make them hold together)."""
    steps = scope.tree.path(condition.object)
    if condition.related is not None:
        if not steps:
            raise InvalidInput(f"a relation condition on {condition.object} needs another object")
        return Subquery(steps, condition.predicate, negated=condition.related == "none")
    assert condition.predicate is not None
    fan = next((i for i, step in enumerate(steps) if step.fans_out), None)
    if fan is None:
        scope.joins.update(step.child for step in steps)
        return condition.predicate
    scope.joins.update(step.child for step in steps[:fan])
    if condition.opposite is not None:
        return Subquery(steps[fan:], condition.opposite, negated=True)
    return Subquery(steps[fan:], condition.predicate, negated=False)


def conditions_of(ontology: Ontology, filters: list[QueryFilter]) -> list[Condition]:
    """The conditions of ``filters`` in their order: one each, and one for each group of
    alternatives, where its first filter stands."""
    slots: list[Condition | int] = []
    groups: dict[int, list[Condition]] = {}
    for query_filter in filters:
        condition = filter_condition(ontology, query_filter)
        if query_filter.any_of is None:
            slots.append(condition)
            continue
        if query_filter.any_of not in groups:
            slots.append(query_filter.any_of)
        groups.setdefault(query_filter.any_of, []).append(condition)
    return [
        Condition("", None, alternatives=tuple(groups[slot])) if isinstance(slot, int) else slot
        for slot in slots
    ]


def _table(ontology: Ontology, name: str) -> exp.Table:
    obj = ontology.object(name)
    if obj is None:
        raise InvalidInput(f"unknown object {name!r}")
    return table(obj)


def from_scope(ontology: Ontology, scope: Scope, select: exp.Select) -> exp.Select:
    """FROM the scope's base object, LEFT JOIN (many-to-one) the rest, WHERE its conditions."""
    tree = scope.tree
    select = select.from_(_table(ontology, tree.base))
    for name in sorted(scope.joins, key=tree.rank):
        step = tree.path(name)[-1]
        select = select.join(_table(ontology, name), on=join_on(step), join_type="left")
    where = list(scope.where)
    for entries in scope.exists.values():
        first = entries[0][0][0]
        inner = exp.select(exp.Literal.number(1)).from_(_table(ontology, first.child))
        for name in sorted({s.child for steps, _ in entries for s in steps[1:]}, key=tree.rank):
            inner = inner.join(_table(ontology, name), on=join_on(tree.path(name)[-1]))
        inner = inner.where(join_on(first), *(predicate for _, predicate in entries))
        where.append(exp.Exists(this=inner))
    for subquery in scope.subqueries:
        where.append(_subquery(ontology, subquery))
    for group in scope.either:
        where.append(exp.paren(exp.or_(*(
            _subquery(ontology, x) if isinstance(x, Subquery) else x for x in group))))
    return select.where(*where) if where else select


def _subquery(ontology: Ontology, subquery: Subquery) -> exp.Expr:
    """``[NOT] EXISTS (SELECT 1 FROM <path> WHERE <link to the outer row> [AND p])``."""
    first, *rest = subquery.steps
    inner = exp.select(exp.Literal.number(1)).from_(_table(ontology, first.child))
    for step in rest:
        inner = inner.join(_table(ontology, step.child), on=join_on(step))
    predicates = [join_on(first)]
    if subquery.predicate is not None:
        predicates.append(subquery.predicate)
    found = exp.Exists(this=inner.where(*predicates))
    return exp.not_(found) if subquery.negated else found


def filter_condition(ontology: Ontology, query_filter: QueryFilter) -> Condition:
    """The condition of one filter on an attribute, or of a relation filter on an object."""
    op, ref = query_filter.op, query_filter.field
    if op in RELATED_OPS:
        if query_filter.values:
            raise InvalidInput(
                f"filter {op!r} on {ref} takes no values: it asks whether related rows exist"
            )
        if ontology.object(ref) is None:
            example = ref.split(".")[0] if "." in ref else "orders"
            raise InvalidInput(
                f"filter {op!r} names an object (such as {example!r}), and {ref!r} is not one"
            )
        return Condition(ref, _dated(ontology, ref, query_filter.within), related=op)
    obj, attribute = resolve(ontology, ref)
    target = column(obj.name, attribute.name)
    if query_filter.against == "avg":
        return Condition(obj.name, _against(obj, attribute.name, op))
    values = query_filter.values
    if is_time(attribute) and attribute.type in ("date", "timestamp", "text"):
        years = _years_compared(target, op, values)
        if years is not None:
            return Condition(obj.name, *years, apart=query_filter.apart)
    predicate = condition(target, op, values, field=ref, type_family=attribute.type)
    opposite = None
    if op == "not_in" or (op == "ne" and values[0] is not None):
        positive = "in" if op == "not_in" else "eq"
        opposite = condition(target.copy(), positive, values, field=ref,
                             type_family=attribute.type)
    return Condition(obj.name, predicate, opposite, apart=query_filter.apart)


#: A bare number a date is compared with is a year when it is one of these.
_YEARS = range(1000, 3000)


def _years_compared(
    target: exp.Expr, op: str, values: list[Any]
) -> tuple[exp.Expr, exp.Expr | None] | None:
    """A date compared with a year, as the dates of that year ("routes introduced after
    2010": from 2011-01-01 on, not every date, as a text date is "greater" than 2010);
    None when the values are not years. Also the opposite of a "not in that year"."""
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) and v in _YEARS
                             for v in values):
        return None
    first, last = dt.date(values[0], 1, 1), dt.date(values[-1] + 1, 1, 1)
    bounds = {"eq": (first, last), "ne": (first, last), "gt": (last, None),
              "gte": (first, None), "lt": (None, first), "lte": (None, last),
              "between": (first, last)}.get(op)
    if bounds is None or (op == "between") != (len(values) == 2):
        return None
    inside = within(target, *bounds)
    if op == "ne":
        return exp.not_(inside), inside
    return inside, None


def _dated(ontology: Ontology, name: str, period: TimeRange | None) -> exp.Expr | None:
    """The related rows of a relation condition that count: those dated in ``period``
    ("no orders this year"), by a date of their own."""
    if period is None or not (period.start or period.end):
        return None
    field = period.field or nearest_time_field(ontology, name)
    owner, attribute = resolve(ontology, field) if field else (None, None)
    if owner is None or attribute is None or owner.name != name:
        raise InvalidInput(
            f"{name} rows have no date of their own to keep only those of "
            f"{period.label or 'the period'}"
        )
    if not is_time(attribute):
        raise InvalidInput(f"{field} is not a date; it cannot date the {name} rows")
    return within(column(owner.name, attribute.name), period.start, period.end)


def _against(obj: Object, name: str, op: str) -> exp.Expr:
    """``budget > (SELECT AVG(budget) FROM departments)``: the average over every row of
    the object (the guard filters the subquery's table like any other)."""
    alias = f"every_{obj.name}"
    over = exp.select(exp.Avg(this=column(alias, name))).from_(table(obj).as_(alias))
    return _COMPARISONS[op](this=column(obj.name, name), expression=exp.Subquery(this=over))


def list_select(
    query: SemanticQuery, ontology: Ontology
) -> tuple[exp.Select, list[OutputColumn], str | None]:
    """Rows of one object: its attributes and those of the objects each row refers to."""
    obj = ontology.object(query.list_object or "")
    if obj is None:
        raise InvalidInput(f"unknown object {query.list_object!r}")
    if query.metrics or query.dimensions:
        raise InvalidInput("a list query takes list fields, not metrics or dimensions")
    tree = JoinTree(ontology, obj.name)
    refs = [ref if "." in ref else f"{obj.name}.{ref}" for ref in query.list_fields] or [
        f"{obj.name}.{a.name}" for a in obj.attributes if not a.hidden and a.type not in BULKY_TYPES
    ]
    scope = Scope(tree)
    projections: list[exp.Expr] = []
    columns: list[OutputColumn] = []
    keys: dict[str, str] = {}
    time_field: str | None = None
    for ref in refs:
        owner, attribute = resolve(ontology, ref)
        steps = tree.path(owner.name)
        if any(step.fans_out for step in steps):
            raise InvalidInput(
                f"{ref} has many values per {obj.label}; list {owner.plural} instead"
            )
        scope.joins.update(step.child for step in steps)
        key = attribute.name if attribute.name not in keys else f"{owner.name}_{attribute.name}"
        keys[key] = ref
        projections.append(exp.alias_(column(owner.name, attribute.name), key))
        role = "time" if is_time(attribute) else attribute.role
        columns.append(OutputColumn(key, role, attribute.label, field=ref))
    for condition in conditions_of(ontology, query.filters):
        place(scope, condition)
    for name in query.named_filters:
        place(scope, named_condition(ontology, name))
    if query.time_range is not None and (query.time_range.start or query.time_range.end):
        time_field = query.time_range.field or nearest_time_field(ontology, obj.name)
        if time_field is None:
            raise InvalidInput(f"no date to apply the time range to: {obj.name} has no date")
        owner, attribute = resolve(ontology, time_field)
        value = column(owner.name, attribute.name)
        place(
            scope,
            Condition(owner.name, within(value, query.time_range.start, query.time_range.end)),
        )
    select = from_scope(ontology, scope, exp.select(*projections))
    order: list[exp.Ordered] = []
    for item in query.order:
        order_key = next((k for k, ref in keys.items() if item.key in (k, ref)), None)
        if order_key is None:
            raise InvalidInput(f"cannot order by {item.key!r}: it is not a listed field")
        order.append(exp.Ordered(this=exp.column(order_key), desc=item.descending))
    if query.distinct:
        # Each different row once: only listed columns may order it.
        select = select.distinct()
    else:
        if not order and obj.default_time:
            order.append(exp.Ordered(this=column(obj.name, obj.default_time), desc=True))
        order += [exp.Ordered(this=column(obj.name, pk)) for pk in obj.primary_key]
    if order:
        select = select.order_by(*order)
    if query.limit is not None:
        select = select.limit(positive(query.limit))
    return select, columns, time_field


def named_condition(ontology: Ontology, name: str) -> Condition:
    """The condition of a named filter, its own columns qualified by its object (columns of
    its subqueries are theirs)."""
    named = ontology.named_filter(name)
    if named is None:
        raise InvalidInput(f"unknown named filter {name!r}")
    if ontology.object(named.object) is None:
        raise InvalidInput(f"named filter {name!r} is on unknown object {named.object!r}")
    try:
        tree = sqlglot.parse_one(named.condition, read="duckdb")
    except sqlglot.errors.ParseError as error:
        raise InvalidInput(f"named filter {name!r} has an invalid condition: {error}") from None
    for node in list(tree.find_all(exp.Column)):
        if not node.table and node.find_ancestor(exp.Select) is None:
            node.set("table", exp.to_identifier(named.object))
    return Condition(named.object, tree)
