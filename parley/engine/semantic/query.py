"""SemanticQuery: the contract between understanding a question and writing SQL.

The built-in parser (or an LLM provider) produces one; the compiler turns it into SQL
for the source's dialect. Field references are ``"object.attribute"`` strings naming
an ontology object (table) and one of its attributes (columns).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

Grain = Literal["day", "week", "month", "quarter", "year"]
Aggregation = Literal["sum", "avg", "count", "count_distinct", "min", "max"]
FilterOp = Literal[
    "eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between", "contains", "none", "some"
]
#: Filters on whether related rows exist, not on a value: their ``field`` names an object.
RELATED_OPS: frozenset[str] = frozenset({"none", "some"})
_ORDERED_OPS = frozenset({"gt", "gte", "lt", "lte"})
_NEGATED_OPS = frozenset({"ne", "not_in"})


class MetricRef(BaseModel):
    """A named ontology metric, or an ad-hoc aggregation of one attribute."""

    metric: str | None = None
    aggregation: Aggregation | None = None
    field: str | None = None
    #: Output column name; derived from the metric or aggregation when empty.
    alias: str = ""

    @property
    def key(self) -> str:
        if self.alias:
            return self.alias
        if self.metric:
            return self.metric
        attribute = (self.field or "rows").split(".")[-1]
        return f"{self.aggregation}_{attribute}" if self.aggregation != "count" else "count"


class DimensionRef(BaseModel):
    field: str
    #: Truncation of a time attribute; None for plain dimensions.
    grain: Grain | None = None

    @property
    def key(self) -> str:
        attribute = self.field.split(".")[-1]
        return f"{attribute}_{self.grain}" if self.grain else attribute


class TimeRange(BaseModel):
    """A half-open date interval [start, end) on a time attribute."""

    #: The time attribute; None means the main time attribute of the query's metrics.
    field: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    #: The words the user used ("last month", "Q3 2025"), for answers and charts.
    label: str = ""

    @property
    def during(self) -> str:
        """The period said after what it dates: "in the last 90 days", "in 2025"."""
        if not self.label:
            return ""
        lead = "in the" if self.label.split()[0] in {"last", "past", "next", "first"} else "in"
        return f"{lead} {self.label}"


class QueryFilter(BaseModel):
    """One condition the rows must meet.

    A value condition (``eq`` ... ``contains``) names an attribute, or a metric key (then it
    applies after aggregation). When its attribute lies one-to-many away from the rows
    measured, it asks whether *some* related row meets it (``EXISTS``), and a negated one
    (``ne``, ``not_in``) whether *no* related row has the value (``NOT EXISTS`` of the
    positive condition): "students who do not have a food allergy".

    A relation condition (``none``, ``some``) names another object and takes no values: the
    rows measured that have no related row of it ("artists without albums": ``NOT
    EXISTS``), or at least one (``EXISTS``). The related rows are reached by the join
    path every other condition takes, link tables included.

    Positive conditions one-to-many away are met by one related row together ("orders
    online in 2025" is one order that is both); an ``apart`` condition by related rows of
    its own, so two of them on one column ask for rows that have *both* ("customers with
    both savings and checking accounts": an account of each type).

    Conditions with the same ``any_of`` number are alternatives: at least one of them holds
    ("mountains with a height over 5000 or a prominence over 1000"); each group is one
    condition beside the others.

    A relation condition may count only the related rows dated ``within`` a period
    ("customers with no orders this year": ``NOT EXISTS`` an order of this year), by the
    related object's own date unless the period names another of its dates.
    """

    #: An attribute reference, a metric key, or (for ``none`` / ``some``) an object name.
    field: str
    op: FilterOp
    values: list[Any] = Field(default_factory=list)
    #: Compare with a figure of the attribute over every row of its object instead of
    #: values: ``gt`` against ``avg`` is "budget above the average budget".
    against: Literal["avg"] | None = None
    #: Met by related rows of its own, not the same related row as the other conditions.
    apart: bool = False
    #: Alternatives: of the filters with the same number, at least one holds.
    any_of: int | None = None
    #: For a relation condition: only related rows dated in this period count.
    within: TimeRange | None = None

    @model_validator(mode="after")
    def _against_alone(self) -> QueryFilter:
        if self.against is not None and (self.values or self.op not in _ORDERED_OPS):
            raise ValueError(
                f"a filter against the {self.against} takes no values and one of "
                f"{', '.join(sorted(_ORDERED_OPS))}, not {self.op!r} with {self.values!r}"
            )
        if self.apart and self.op in RELATED_OPS | _NEGATED_OPS:
            raise ValueError(
                f"an 'apart' filter is a positive condition on values, not {self.op!r}"
            )
        if self.apart and self.any_of is not None:
            raise ValueError("a filter is either met apart or one of alternatives, not both")
        if self.within is not None and self.op not in RELATED_OPS:
            raise ValueError(
                f"'within' dates the related rows of a 'none' or 'some' filter, not {self.op!r}"
            )
        return self


class OrderItem(BaseModel):
    #: A metric key or a dimension key of the query.
    key: str
    descending: bool = True


class SemanticQuery(BaseModel):
    """What the user asked for, in terms of the ontology."""

    metrics: list[MetricRef] = Field(default_factory=list)
    dimensions: list[DimensionRef] = Field(default_factory=list)
    filters: list[QueryFilter] = Field(default_factory=list)
    time_range: TimeRange | None = None
    #: Periods to compare side by side ("2024 vs 2025"); each becomes a value of a
    #: ``period`` column, in this order.
    compare: list[TimeRange] = Field(default_factory=list)
    #: Add the growth between the first and last compared period.
    growth: bool = False
    #: Add each row's share of the total of the first metric.
    share: bool = False
    #: The share of the first metric that the rows matching these filters make up
    #: ("what percentage of orders were cancelled"): a ``share_pct`` column per group.
    share_of: list[QueryFilter] = Field(default_factory=list)
    order: list[OrderItem] = Field(default_factory=list)
    limit: int | None = None
    #: For list/detail questions: the object whose rows are listed, and its columns.
    list_object: str | None = None
    list_fields: list[str] = Field(default_factory=list)
    #: For list questions: each different row once ("the different regions of clubs").
    distinct: bool = False
    #: Business definitions the rows must meet (the ontology's named filters, by name).
    named_filters: list[str] = Field(default_factory=list)
    #: Average the metrics over the values of this dimension: each metric is computed per
    #: value first ("average revenue per customer": each customer's revenue; "average
    #: daily orders": each day's count), then averaged, per group of the dimensions.
    average_over: DimensionRef | None = None
    #: Count the values of this dimension whose metrics meet the query's conditions on
    #: metrics: "how many customers spent more than 100k" is each customer's revenue, kept
    #: over 100k, then the customers counted (per group of the dimensions).
    count_over: DimensionRef | None = None
    #: Add up the rows the query returns (after its order and limit) into one row: "what
    #: share of revenue came from our top 10 customers" is the ten customers' shares,
    #: together. Needs a limit; the dimensions say which rows, not how to group.
    together: bool = False

    @model_validator(mode="after")
    def _together_of_ranked_rows(self) -> SemanticQuery:
        if self.together and (not self.metrics or self.limit is None or self.compare
                              or self.average_over is not None):
            raise ValueError(
                "together adds up the first rows of a ranking: it takes metrics and a "
                "limit, and no comparison of periods or average_over"
            )
        return self

    @model_validator(mode="after")
    def _averaged_over_values(self) -> SemanticQuery:
        if self.average_over is None:
            return self
        if not self.metrics or self.list_object or self.compare or self.growth or (
            self.share or self.share_of
        ):
            raise ValueError(
                "average_over averages metrics per value; it takes metrics and no list, "
                "comparison of periods or share"
            )
        return self

    @model_validator(mode="after")
    def _counted_over_values(self) -> SemanticQuery:
        if self.count_over is None:
            return self
        if not self.metrics or self.list_object or self.compare or self.growth or (
            self.share or self.share_of or self.average_over is not None or self.together
        ):
            raise ValueError(
                "count_over counts the values whose metrics meet the conditions; it takes "
                "metrics and no list, comparison of periods, share, average_over or together"
            )
        return self

    @model_validator(mode="after")
    def _alternatives_come_in_groups(self) -> SemanticQuery:
        groups = Counter(f.any_of for f in self.filters if f.any_of is not None)
        alone = sorted(number for number, size in groups.items() if size < 2)
        if alone:
            raise ValueError(f"any_of {alone[0]} has one filter; alternatives need two or more")
        return self

    @property
    def is_list(self) -> bool:
        return self.list_object is not None

    def counted_shown(self) -> SemanticQuery:
        """The query showing each thing ``count_over`` counts, with its figure, instead of
        counting them (itself when it counts nothing)."""
        if self.count_over is None:
            return self.model_copy(deep=True)
        return self.model_copy(deep=True, update={
            "dimensions": [*self.dimensions, self.count_over], "count_over": None})

    def describe(self) -> dict[str, Any]:
        """A JSON-ready view, for stored messages and the OntologyBlock."""
        return self.model_dump(mode="json", exclude_defaults=True)
