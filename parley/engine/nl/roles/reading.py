"""A reading: the parts of a SemanticQuery a question names, as the roles found them.

The role readers fill one ``Reading`` in turn (each step adds what its words say);
the builder and the follow-up merge then turn it into a query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parley.engine.nl.evidence import Match
from parley.engine.nl.lexicon import Concept
from parley.engine.nl.text import Token
from parley.engine.nl.timephrases import Period, TimeFindings
from parley.engine.semantic.query import Aggregation, FilterOp, Grain


@dataclass(slots=True)
class FilterPart:
    """A value filter or a comparison the question states ("not in Berlin", "over 500")."""

    concept: Concept
    op: FilterOp
    values: list[object]


@dataclass(slots=True)
class MetricPart:
    """Something measured: a metric named, or a column aggregated, or an object counted."""

    concept: Concept | None = None
    aggregation: Aggregation | None = None
    #: An attribute aggregated ad hoc, or the object counted.
    target: Concept | None = None


@dataclass(slots=True)
class Ambiguity:
    """A phrase that names several concepts, each a possible reading of it."""

    words: str
    options: list[Concept]
    #: The options are aggregated ("average price"): the nearest one to the rest wins.
    aggregate: bool = False


@dataclass(slots=True)
class Reading:
    """What one question names, each part in the role its words gave it."""

    tokens: list[Token]
    time: TimeFindings
    matches: list[Match]
    metrics: list[MetricPart] = field(default_factory=list)
    dimensions: list[Concept] = field(default_factory=list)
    #: Objects grouped by their naming attribute ("top 10 customers").
    group_objects: list[Concept] = field(default_factory=list)
    filters: list[FilterPart] = field(default_factory=list)
    #: Comparisons on metrics or measures ("revenue over 10000").
    conditions: list[FilterPart] = field(default_factory=list)
    #: Objects mentioned without another role: context for choosing between readings.
    mentioned: list[Concept] = field(default_factory=list)
    #: Attributes named without another role ("show customer names").
    fields: list[Concept] = field(default_factory=list)
    list_object: Concept | None = None
    descending: bool | None = None
    limit: int | None = None
    ranking: bool = False
    #: Order a list by recency ("last 20 orders").
    recency: bool | None = None
    share: bool = False
    growth: bool = False
    compare_words: bool = False
    count_words: bool = False
    list_words: bool = False
    instead: bool = False
    time_field: Concept | None = None
    #: Word positions used as aggregations ("highest price"), so not as rankings.
    aggregated: set[int] = field(default_factory=set)
    #: "most expensive" (True) or "cheapest" (False): a ranking on a price column.
    price_order: bool | None = None
    #: "spent more than 5000": a condition on the main metric.
    money_condition: FilterPart | None = None
    #: "how much", "spent", "sold": the question is about the main money metric.
    money_words: bool = False
    #: Objects whose dated events the question counts ("hires per year": employees).
    events: list[Concept] = field(default_factory=list)
    #: Ranking by a column of the object listed ("5 projects with the smallest budget").
    rank_attribute: Concept | None = None
    #: A superlative on a column ("smallest budget"): the column, descending, position.
    superlative: tuple[list[Concept], bool, int] | None = None
    #: "the biggest invoice": rank the object's rows by its money column.
    money_rank: bool = False
    #: "products that cost more than 500": the verb speaks of a price.
    cost_as_price: bool = False
    #: "invoices over 10k": objects compared by their money ("worth").
    sized: list[FilterPart] = field(default_factory=list)
    #: "average daily spend": an average of per-period totals.
    per_period_average: bool = False
    #: Positions of negation words that negated a value ("not", "excluding").
    negations: set[int] = field(default_factory=set)
    #: Positions of comparison words that a condition used.
    compared: set[int] = field(default_factory=set)
    #: Comparisons that qualify nothing the engine can compare ("orders over 500").
    unattached: list[str] = field(default_factory=list)
    #: A verb of money was used ("spent", "sold"), not only "how much".
    money_verbs: bool = False
    #: "them", "those", "it": the question refers to an earlier answer.
    pronoun: bool = False
    #: "the month before", "the previous quarter": a period relative to the earlier one.
    relative_unit: str | None = None
    #: An adjective that ranks by a column ("heaviest"): the column word, descending.
    adjective_rank: tuple[str, bool] | None = None
    unknown: list[str] = field(default_factory=list)
    ambiguities: list[Ambiguity] = field(default_factory=list)

    @property
    def period(self) -> Period | None:
        return self.time.period

    @property
    def grain(self) -> Grain | None:
        return self.time.grain

    def reason(self) -> str:
        """The evidence this reading used, for the answer's ``reason``."""
        parts: list[str] = []
        for m in self.matches:
            names = ", ".join(sorted({c.describe() for c in m.concepts}))
            parts.append(f"'{m.text}'{' (fuzzy)' if m.fuzzy else ''} -> {names}")
        if self.period:
            parts.append(f"time: {self.period.label}")
        for p in self.time.compare:
            parts.append(f"compare: {p.label}")
        if self.grain:
            parts.append(f"grain: {self.grain}")
        return "; ".join(parts)

    def has_content(self) -> bool:
        return bool(
            self.metrics
            or self.dimensions
            or self.group_objects
            or self.filters
            or self.conditions
            or self.list_object
            or self.time.period
            or self.time.compare
            or self.time.grain
            or self.time.series
            or self.relative_unit
            or self.limit
            or self.mentioned
            or self.fields
        )
