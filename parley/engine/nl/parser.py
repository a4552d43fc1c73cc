"""The built-in question parser: question + conversation context -> Understanding.

Deterministic and offline. It answers a data question only when every meaningful word
is explained; otherwise it asks (two equally good readings) or says what it could not
understand. See DESIGN.md, "How the built-in engine understands a question".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from parley.engine.events import Intent, Option
from parley.engine.nl.coordination import expand_coordination
from parley.engine.nl.intents import is_greeting, is_schema_help, requested_chart
from parley.engine.nl.lexicon import SIZE_WORDS, Concept, Lexicon, build_lexicon
from parley.engine.nl.readings import Declined, Reader
from parley.engine.nl.roles.read import read_question
from parley.engine.nl.roles.reading import Ambiguity, FilterPart, MetricPart, Reading
from parley.engine.nl.text import Token, tokenize
from parley.engine.nl.timephrases import Period, default_grain, period_of
from parley.engine.nl.understanding import Context, Understanding
from parley.engine.nl.verify import SHAPE_CHECKS, contradictions
from parley.engine.nl.vocabulary import FOLLOW_UP_LEADS
from parley.engine.semantic.joins import JoinTree, nearest_time_field
from parley.engine.semantic.ontology import Object, Ontology
from parley.engine.semantic.query import (
    DimensionRef,
    MetricRef,
    OrderItem,
    QueryFilter,
    SemanticQuery,
    TimeRange,
)
from parley.errors import InvalidInput
from parley.naming import singular, stem

_CACHE_SIZE = 2048
#: Statement separators and comments: the marks of SQL typed into a question.
_SQL_MARKS = re.compile(
    r";|--|/\*|\*/|\b(?:SELECT|DROP|DELETE|INSERT|UPDATE|UNION|TRUNCATE)\s+(?:\*|TABLE|FROM|INTO|ALL|SELECT)\b",
    re.IGNORECASE,
)


class Parser:
    """Understands questions about one ontology."""

    def __init__(self, ontology: Ontology) -> None:
        self.ontology = ontology
        self.lexicon: Lexicon = build_lexicon(ontology)
        self.reader = Reader(ontology, self.lexicon)
        self._trees: dict[str, JoinTree] = {}
        self._cache: dict[tuple[str, str, bool, dt.date], Understanding] = {}
        #: Set while the options of a clarification are being checked (no nested offers).
        self._offering = False

    def understand(
        self, question: str, *, context: Context | None = None, today: dt.date | None = None
    ) -> Understanding:
        """What ``question`` asks, given the conversation so far.

        Understanding is a pure function of its inputs, so answers are remembered
        (a bounded cache): dashboards and retries ask the same questions again.
        """
        context = context or Context()
        today = today or dt.date.today()
        previous = context.previous.model_dump_json() if context.previous else ""
        key = (question, previous, context.has_result, today)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._understand(question, context, today)
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = cached
        if cached.query is None:
            return dataclasses.replace(cached)
        return dataclasses.replace(cached, query=cached.query.model_copy(deep=True))

    def forget(self) -> None:
        """Drop remembered understandings (benchmarks measure the cold path)."""
        self._cache.clear()

    def _understand(self, question: str, context: Context, today: dt.date) -> Understanding:
        if _SQL_MARKS.search(question):
            # Never read SQL as words: "'; DROP TABLE customers; --" is not about customers.
            return Understanding(
                "clarification",
                problem="the message looks like SQL; ask in plain words, I write the SQL",
            )
        question = expand_coordination(question, self.lexicon)
        tokens = tokenize(question)
        if not tokens:
            return Understanding("out_of_scope", problem="the message has no words in it")
        if is_greeting(tokens):
            return Understanding("greeting")
        chart = requested_chart(tokens)
        if context.previous is None and chart is None and not is_schema_help(tokens):
            try:
                candidate = self.reader.read(question)
            except Declined as declined:
                if declined.hazard:
                    return Understanding(
                        "clarification", problem=f"I would have to guess: {declined}"
                    )
            else:
                # A reading explains every word, so only the shape checks that words
                # cannot settle apply to it.
                doubts = contradictions(
                    tokens, candidate.query, ontology=self.ontology,
                    object_words=self.lexicon.object_words, checks=SHAPE_CHECKS,
                )
                if not doubts:
                    return Understanding(
                        "sql_query", query=candidate.query, reason=candidate.description
                    )
                return Understanding(
                    "clarification",
                    problem=f"I am not sure I read it right: {doubts[0]}",
                    reason=candidate.description,
                )
        reading = read_question(question, self.lexicon, today)
        understanding = self._read_old(reading, tokens, question, context, chart, today)
        if understanding.intent == "sql_query" and understanding.query is not None:
            base = _query_base(self.ontology, understanding.query)
            if base is not None:
                try:
                    self.reader.check_roles(base, understanding.query,
                                            {t.stem for t in tokens})
                except Declined as guessed:
                    return Understanding(
                        "clarification", problem=f"I would have to guess: {guessed}"
                    )
            doubts = contradictions(
                tokens,
                understanding.query,
                ontology=self.ontology,
                object_words=self.lexicon.object_words,
                named_objects=_named_objects(reading, self.ontology),
                named_columns=_named_columns(reading),
            )
            if doubts:
                return Understanding(
                    "clarification",
                    problem=f"I am not sure I read it right: {doubts[0]}",
                    reason=understanding.reason,
                )
        return understanding

    def _read_old(
        self, reading: Reading, tokens: list[Token], question: str, context: Context,
        chart: str | None, today: dt.date,
    ) -> Understanding:
        if chart and not context.has_result and not _has_new_content(reading):
            return Understanding(
                "clarification",
                problem=f"there is no result yet to show as a {chart} chart; ask a question first",
            )
        if chart and context.has_result and not _has_new_content(reading):
            return Understanding(
                "visualization_change",
                chart_type=chart,
                reason=f"asked to show the last result as a {chart} chart",
            )
        if is_schema_help(tokens) and not (reading.metrics or reading.filters):
            return Understanding("schema_help")
        return self._data_question(reading, context, chart, question, today)

    # -- data questions ---------------------------------------------------------------

    def _data_question(
        self, reading: Reading, context: Context, chart: str | None, question: str,
        today: dt.date,
    ) -> Understanding:
        if not reading.has_content() or (reading.unknown and not reading.matches):
            return Understanding(
                "out_of_scope",
                problem=_unknown_text(reading) or "nothing in it names data I know about",
            )
        if reading.unknown:
            return Understanding(
                "clarification",
                problem=f"I could not understand {_quote_list(reading.unknown)}",
            )
        if context.previous is not None:
            reading.context_objects = _query_objects(self.ontology, context.previous)
        clarification = self._resolve_ambiguities(reading, question, context, today)
        if clarification:
            return clarification
        if (
            context.previous is None
            and (reading.pronoun or reading.relative_unit or _leads_a_follow_up(reading))
            and not (reading.metrics and (reading.dimensions or reading.group_objects))
        ):
            return Understanding(
                "clarification",
                problem="the question refers to an earlier answer, and there is none yet",
            )
        followup = context.previous is not None and (
            _is_followup(reading) or reading.pronoun or reading.relative_unit is not None
        )
        try:
            if followup and context.previous is not None:
                query = self._merge(context.previous, reading)
                intent: Intent = "refinement"
            else:
                built = self._build(reading)
                if isinstance(built, Understanding):
                    return built
                query = built
                intent = "sql_query"
        except InvalidInput as error:
            return Understanding("clarification", problem=error.message)
        return Understanding(intent, query=query, chart_type=chart, reason=self._reason(reading))

    def _tree(self, base: str) -> JoinTree:
        if base not in self._trees:
            self._trees[base] = JoinTree(self.ontology, base)
        return self._trees[base]

    def _distance(self, base: str | None, target: str) -> int:
        if base is None or base == target:
            return 0
        try:
            return len(self._tree(base).path(target))
        except InvalidInput:
            return 99

    def _base_object(self, reading: Reading) -> str | None:
        for part in reading.metrics:
            if part.concept:
                return part.concept.object
            if part.target:
                return part.target.object
        for concept in reading.fields:
            if concept.role == "measure":
                return concept.object
        primary = self._primary_metric()
        found = self.ontology.metric(primary.metric or "") if primary else None
        return found.object if found else None

    def _resolve_ambiguities(
        self, reading: Reading, question: str, context: Context, today: dt.date
    ) -> Understanding | None:
        """Choose between concepts a phrase names; ask when the choice is a coin toss."""
        for ambiguity in reading.ambiguities:
            chosen = self._choose(ambiguity, reading)
            if chosen is None:
                options = [self._describe(c) for c in _unique_fields(ambiguity.options)]
                return Understanding(
                    "clarification",
                    options=options,
                    choices=self._choices(question, ambiguity.words, options, context, today),
                    problem=f"'{ambiguity.words}' could mean {_or_list(options)}",
                )
            _replace_concept(reading, ambiguity.options, chosen)
        return None

    def _choices(
        self, question: str, words: str, labels: list[str], context: Context, today: dt.date
    ) -> list[Option]:
        """Each reading as the question that asks for it ("revenue by customer region"),
        kept only when that question is answered without asking again."""
        pattern = re.compile(r"\b" + r"\W+".join(map(re.escape, words.split())) + r"\b",
                             re.IGNORECASE)
        if self._offering or not pattern.search(question):
            return []
        self._offering = True
        try:
            choices = []
            for label in labels:
                variant = pattern.sub(label, question, count=1)
                answer = self._understand(variant, context, today)
                if answer.query is not None:
                    choices.append(Option(label=label, question=variant))
        finally:
            self._offering = False
        return choices if len(choices) == len(labels) else []

    def _choose(self, ambiguity: Ambiguity, reading: Reading) -> Concept | None:
        """The most compact reading: the option nearest the rest of the question."""
        options = _unique_fields(ambiguity.options)
        if len(options) == 1:
            return options[0]
        mentioned = {c.object for c in reading.mentioned + reading.group_objects}
        if reading.list_object:
            mentioned.add(reading.list_object.object)
        for part in reading.metrics:
            if part.target is not None and part.target.kind == "object":
                mentioned.add(part.target.object)
        mentioned |= reading.context_objects
        # An event the ambiguous word itself suggested is no evidence for one of its readings.
        mentioned |= {c.object for c in reading.events} - {c.object for c in ambiguity.options}
        named = [c for c in options if c.object in mentioned]
        if len(named) == 1:
            return named[0]
        candidates = named or options
        kind = "metric" if ambiguity.aggregate else candidates[0].kind
        base = self._base_object(reading)
        own = [c for c in candidates if c.object == base]
        measured = reading.metrics or any(c.role == "measure" for c in reading.fields)
        if kind == "attribute" and len(own) == 1 and measured:
            # "leave days by type": the type of the rows being measured.
            return own[0]
        if kind == "attribute":
            # Two columns with the same name: no distance makes one of them the meant one.
            return None
        if kind == "metric":
            undecided = {c for a in reading.ambiguities if a is not ambiguity for c in a.options}
            others = {
                c.object
                for c in reading.dimensions + reading.group_objects + reading.fields
                if c not in undecided
            }
            others |= {f.concept.object for f in reading.filters if f.concept not in undecided}
            others |= {c.object for c in reading.events + reading.mentioned}
            if not others:
                return None
            scores = {c.field: sum(self._distance(c.object, o) for o in others) for c in candidates}
        else:
            if len({c.object for c in candidates}) == 1 and candidates[0].kind == "value":
                # The same value in two columns of one object ("Singapore": city and
                # country): the coarser column, whose rows include the finer one's.
                return min(candidates, key=self._distinct_values)
            base = self._base_object(reading)
            scores = {c.field: self._distance(base, c.object) for c in candidates}
        ranked = sorted(candidates, key=lambda c: scores[c.field])
        if scores[ranked[0].field] < scores[ranked[1].field]:
            return ranked[0]
        return None

    def _distinct_values(self, concept: Concept) -> int:
        _, attribute = self.ontology.resolve(concept.field)
        return len(attribute.values) or 10**9

    def _describe(self, concept: Concept) -> str:
        obj = self.ontology.object(concept.object)
        label = obj.label if obj else concept.object
        if concept.kind == "metric":
            metric = self.ontology.metric(concept.name)
            return metric.label if metric else concept.name
        if concept.kind == "value":
            attribute = obj.attribute(concept.name) if obj else None
            return f"{label} {attribute.label if attribute else concept.name} {concept.value}"
        attribute = obj.attribute(concept.name) if obj else None
        name = attribute.label if attribute else concept.name
        if name.startswith(label):
            return name
        if name.split()[0] == label.split()[-1]:
            # "sales rep" + "rep name" is the "sales rep name"
            return " ".join([*label.split(), *name.split()[1:]])
        return f"{label} {name}"

    # -- building a query -------------------------------------------------------------

    def _primary_metric(
        self, anchors: list[str] | None = None, kind: str = "income"
    ) -> MetricRef | None:
        """The money metric a question means when it names none ("top customers").

        Revenue when the ontology has it; otherwise the additive money metric nearest to
        the objects the question is about ("highest paid employees": their salary).
        """
        revenue = self.ontology.metric("revenue")
        if kind == "cost":
            costs = [
                m
                for m in self.ontology.metrics
                if m.format == "currency" and m.additive and _fits_money(m.name, "cost")
            ]
            if costs:
                near = anchors or []
                best = min(costs, key=lambda m: sum(self._distance(m.object, a) for a in near))
                return MetricRef(metric=best.name)
        if revenue is not None:
            return MetricRef(metric=revenue.name)
        money = [m for m in self.ontology.metrics if m.format == "currency" and m.additive]
        if not money:
            money = [
                m
                for m in self.ontology.metrics
                if m.additive and not m.expression.upper().startswith("COUNT")
            ]
        if not money:
            return None
        anchors = anchors or []
        best = min(money, key=lambda m: sum(self._distance(m.object, a) for a in anchors))
        return MetricRef(metric=best.name)

    def _count_metric(self, obj: Object) -> MetricRef:
        for metric in self.ontology.metrics:
            if (
                metric.object == obj.name
                and metric.expression.replace(" ", "").upper() == "COUNT(*)"
            ):
                return MetricRef(metric=metric.name)
        key = obj.primary_key[0] if obj.primary_key else obj.attributes[0].name
        return MetricRef(
            aggregation="count_distinct", field=f"{obj.name}.{key}", alias=f"{obj.name}_count"
        )

    def _metric(self, part: MetricPart, reading: Reading) -> MetricRef:
        if part.concept is not None:
            metric = self.ontology.metric(part.concept.name)
            if metric and part.aggregation and part.aggregation != "sum":
                column = _summed_column(metric.expression)
                if column:
                    return MetricRef(
                        aggregation=part.aggregation, field=f"{metric.object}.{column}"
                    )
            return MetricRef(metric=part.concept.name)
        target = part.target
        assert target is not None
        if target.kind == "object":
            return self._count_of(target, reading)
        return MetricRef(aggregation=part.aggregation or "sum", field=target.field)

    def _counting_fact(self, obj: Object, reading: Reading) -> MetricRef | None:
        """Counting customers "who ordered": distinct customers among the orders.

        Also when the question dates the count ("products sold this year") and the object
        has no date of its own: then the facts that refer to it carry the date.
        """
        candidates = [c.object for c in reading.mentioned if c.object != obj.name]
        # "articles we ordered": the event a date names ("ordered on") is a fact too.
        candidates += [
            c.object for c in reading.events if c.object not in {obj.name, *candidates}
        ]
        dated = reading.period or reading.time.compare or reading.grain or reading.time.series
        if (
            dated
            and reading.time_field is None
            and nearest_time_field(self.ontology, obj.name) is None
        ):
            candidates += [
                r.from_object
                for r in self.ontology.relationships
                if r.to_object == obj.name and nearest_time_field(self.ontology, r.from_object)
            ]
        relationships = self.ontology.relationships
        for other in candidates:
            for rel in relationships:
                if rel.from_object == other and rel.to_object == obj.name:
                    return MetricRef(
                        aggregation="count_distinct",
                        field=f"{other}.{rel.from_columns[0]}",
                        alias=f"{obj.name}_count",
                    )
            if not reading.count_words:
                continue
            # "how many parts did we order": orders name no part, their lines name both;
            # the distinct parts among the lines of those orders.
            bridges = {
                (rel.from_object, rel.from_columns[0])
                for rel in relationships
                if rel.to_object == obj.name
                and len(rel.from_columns) == 1
                and rel.from_object not in {obj.name, other}
                and any(
                    r.from_object == rel.from_object and r.to_object == other
                    for r in relationships
                )
            }
            if len(bridges) == 1:
                bridge, column = bridges.pop()
                return MetricRef(
                    aggregation="count_distinct",
                    field=f"{bridge}.{column}",
                    alias=f"{obj.name}_count",
                )
        return None

    def _display_field(self, concept: Concept) -> str:
        obj = self.ontology.object(concept.object)
        assert obj is not None
        name = obj.display_attribute or (
            obj.primary_key[0] if obj.primary_key else obj.attributes[0].name
        )
        return f"{obj.name}.{name}"

    def _time_field(self, reading: Reading, base: str | None) -> str | None:
        if reading.time_field:
            return reading.time_field.field
        return nearest_time_field(self.ontology, base) if base else None

    def _event_date(self, reading: Reading) -> None:
        """ "won deal amount by month": a value that names an event ("Closed Won") dates
        its rows by that event's own date column ("closed_at") when the object has one,
        not by the date the rows were created."""
        if reading.time_field is not None:
            return
        found: set[Concept] = set()
        for part in reading.filters:
            if part.op != "eq" or part.concept.kind != "value":
                continue
            value = part.concept.value
            obj = self.ontology.object(part.concept.object)
            if obj is None or not isinstance(value, str):
                continue
            named = {t.stem for t in tokenize(value)}
            for attribute in obj.attributes:
                if attribute.role != "time" or attribute.hidden:
                    continue
                words = [t.stem for t in tokenize(attribute.label)]
                event = {w for w in words if w not in _DATE_WORDS}
                if event and event <= named:
                    found.add(Concept("attribute", obj.name, attribute.name, role="time"))
        if len(found) == 1:
            reading.time_field = found.pop()

    def _unsized(self, reading: Reading) -> Understanding | None:
        """ "inventory value by site": the worth of a thing with no money column of its own
        (the lexicon reads "deal size" as a deal's amount) is not a count of the things."""
        words = [t.norm for t in reading.tokens]
        covered = {j for m in reading.matches for j in range(m.start, m.end)}
        for m in reading.matches:
            if m.kinds != {"object"} or m.end >= len(words) or m.end in covered:
                continue
            if words[m.end] in SIZE_WORDS or words[m.end] in {"values", "sizes"}:
                obj = self.ontology.object(m.concepts[0].object)
                label = obj.label if obj else m.text
                return Understanding(
                    "clarification",
                    problem=f"I could not tell what the {words[m.end]} of a {label} is",
                )
        return None

    def _build(self, reading: Reading) -> SemanticQuery | Understanding:
        self._event_date(reading)
        unsized = self._unsized(reading)
        if unsized is not None:
            return unsized
        if reading.per_period_average:
            # The average of daily (monthly...) totals needs a query in two steps.
            return Understanding(
                "clarification",
                problem="I cannot yet average per-day or per-month totals; ask for the totals "
                "by day or by month instead",
            )
        self._row_money_condition(reading)
        if reading.cost_as_price:
            self._cost_as_price(reading)
        refused = self._sized_objects(reading)
        if refused is not None:
            return refused
        metrics = [self._metric(part, reading) for part in reading.metrics]
        list_object = reading.list_object
        groups = list(reading.group_objects)
        series = bool(reading.grain or reading.time.series)
        if (
            list_object
            and not metrics
            and (reading.dimensions or groups or series or reading.share)
        ):
            # "orders by status": count the listed object per group.
            metrics.append(self._count_of(list_object, reading))
            list_object = None
        if list_object and (reading.money_condition or (reading.money_words and reading.ranking)):
            # "which customers spent more than 5000": customers grouped, not listed.
            groups.insert(0, list_object)
            list_object = None
        extreme = self._time_extreme(reading, list_object)
        if extreme is not None and not metrics:
            metrics.append(extreme)
            list_object = None
        if reading.adjective_rank and not metrics and reading.rank_attribute is None:
            target = list_object or (reading.mentioned[0] if reading.mentioned else None)
            column = self._column_named(target, reading.adjective_rank[0]) if target else None
            target_object = self.ontology.object(target.object) if target else None
            if column is None and target_object is not None and _age_order(
                target_object, [t.norm for t in reading.tokens]
            ):
                # Ranked by a birth date when there is no age: the list query orders it.
                reading.adjective_rank = None
            elif target is None or column is None:
                return Understanding(
                    "clarification",
                    problem=f"I could not tell which column ranks by {reading.adjective_rank[0]}",
                )
            else:
                reading.rank_attribute = column
                list_object = target
                if target in reading.mentioned:
                    reading.mentioned.remove(target)
        revenue = self.ontology.metric("revenue")
        if (
            reading.money_rank
            and not metrics
            and list_object is not None
            and revenue
            and revenue.object != list_object.object
            and self._distance(revenue.object, list_object.object) < 99
        ):
            # "the 5 largest orders": orders ranked by the revenue they bring.
            groups.insert(0, list_object)
            metrics.append(MetricRef(metric=revenue.name))
            if reading.limit is None and self._named_singular(reading, list_object):
                reading.limit = 1  # "the biggest purchase order"
            list_object = None
            reading.money_rank = False
        if reading.money_rank and not metrics and list_object is not None:
            money = self._money_column(list_object)
            if money is None:
                return Understanding(
                    "clarification",
                    problem=f"I could not tell what makes one {list_object.name} big",
                )
            reading.rank_attribute = money
        if reading.rank_attribute is not None and not metrics and list_object is not None:
            return self._list_query(reading, list_object)
        if reading.price_order is not None and not metrics:
            target = list_object or (reading.mentioned[0] if reading.mentioned else None)
            if target is None and groups:
                target = groups.pop(0)
            if target is not None:
                return self._list_query(reading, target)
        measures = [c for c in reading.fields if c.role == "measure"]
        if not metrics and measures and not reading.list_words:
            # "shipping spend per carrier": a money column named in a question that groups
            # or dates it is its total (or its average when totals mean nothing).
            metrics.append(self._column_metric(measures[0]))
            reading.fields = [c for c in reading.fields if c != measures[0]]
        if not metrics and reading.money_words and not reading.money_verbs and reading.mentioned:
            held = self._quantity_of(reading.mentioned[0])
            if held is not None:
                metrics.append(held)
                reading.mentioned.pop(0)
        if not metrics and list_object is None:
            primary = self._primary_metric(
                [c.object for c in groups + reading.mentioned], _money_kind(reading)
            )
            if (
                reading.events
                and not reading.money_verbs
                and (
                    reading.count_words
                    or series
                    or reading.growth
                    or groups
                    or reading.dimensions
                    or reading.period
                )
            ):
                # "hires per year": count the employees by their hire date.
                metrics.append(self._count_of(reading.events[0], reading))
            elif (
                (groups or reading.money_condition or reading.money_words)
                and primary
                and (reading.ranking or reading.money_words or reading.money_condition)
            ):
                metrics.append(primary)
            elif (reading.dimensions or groups or series) and reading.mentioned:
                metrics.append(self._count_of(reading.mentioned[0], reading))
            elif reading.count_words and reading.filters and not reading.mentioned:
                # "how many contractors": count the rows that have that value.
                metrics.append(self._count_of(reading.filters[0].concept, reading))
            elif reading.mentioned and not reading.list_words:
                # "online orders last month": how many of them.
                metrics.append(self._count_of(reading.mentioned[0], reading))
            elif reading.mentioned:
                list_object = reading.mentioned[0]
            elif groups and not reading.dimensions:
                list_object = groups.pop(0)
        if list_object is not None and not metrics:
            return self._list_query(reading, list_object)
        if not metrics:
            return Understanding("clarification", problem="I could not tell what to measure")
        if reading.ranking and (reading.limit or 0) > 1 and not (groups or reading.dimensions):
            return Understanding(
                "clarification",
                problem=f"I could not tell what to rank: top {reading.limit} of what",
            )
        if reading.money_condition and reading.count_words and not (groups or reading.dimensions):
            # "how many customers spent more than 100k": a count of groups, each over a
            # threshold of its own total; not something one query of ours can say yet.
            return Understanding(
                "clarification",
                problem="I cannot yet count things by a condition on their totals",
            )
        query = SemanticQuery(metrics=metrics)
        base = _query_base(self.ontology, query)
        if groups and base and all(m.aggregation == "avg" or self._is_average(m) for m in metrics):
            # "average quantity per order line": the line is what is averaged over.
            groups = [g for g in groups if g.object != base]
            if not groups and reading.ranking and reading.mentioned:
                groups = [reading.mentioned[0]]
        time_field = self._time_field(reading, base)
        for concept in reading.dimensions:
            _, attribute = self.ontology.resolve(concept.field)
            grain = (
                (reading.grain or default_grain(reading.period))
                if attribute.role == "time"
                else None
            )
            query.dimensions.append(DimensionRef(field=concept.field, grain=grain))
        for concept in groups:
            query.dimensions.append(DimensionRef(field=self._display_field(concept)))
        if series and not any(d.grain for d in query.dimensions):
            if time_field is None:
                raise InvalidInput("there is no date to follow this over time")
            grain = reading.grain or default_grain(reading.period)
            query.dimensions.insert(0, DimensionRef(field=time_field, grain=grain))
        self._apply_filters(query, reading)
        self._apply_time(query, reading, time_field)
        if reading.share:
            query.share = True
            if not query.dimensions and not query.compare:
                # "what percentage of orders were cancelled": the matching part of all.
                query.share_of = [
                    f for f in query.filters if f.field not in {m.key for m in query.metrics}
                ]
                query.filters = [f for f in query.filters if f not in query.share_of]
                query.share = False
        self._apply_order(query, reading)
        return query

    def _cost_as_price(self, reading: Reading) -> None:
        for condition in reading.conditions:
            obj = self.ontology.object(condition.concept.object)
            price = _price_attribute(obj) if obj else None
            if obj is not None and price and "cost" in condition.concept.name:
                condition.concept = Concept("attribute", obj.name, price, role="measure")

    def _sized_objects(self, reading: Reading) -> Understanding | None:
        """ "invoices over 10k": a condition on the object's own money column; "orders over
        500", where the money lives on their lines, is a condition on the orders' totals."""
        for sized in reading.sized:
            money = self._money_column(sized.concept)
            if money is not None and _fits_money(money.name, "income"):
                reading.conditions.append(FilterPart(money, sized.op, sized.values))
                continue
            revenue = self.ontology.metric("revenue")
            if revenue is None or self._distance(revenue.object, sized.concept.object) >= 99:
                return Understanding(
                    "clarification",
                    problem=f"I could not tell what about {sized.concept.object} should be "
                    f"{' '.join(map(str, sized.values))}",
                )
            if reading.count_words:
                return Understanding(
                    "clarification",
                    problem="I cannot yet count things by a condition on their totals",
                )
            # "show orders over 500": each order with its revenue, those above the line.
            reading.money_condition = FilterPart(
                Concept("metric", revenue.object, revenue.name), sized.op, sized.values
            )
            if sized.concept not in reading.group_objects:
                reading.group_objects.append(sized.concept)
            if reading.list_object == sized.concept:
                reading.list_object = None
            if sized.concept in reading.mentioned:
                reading.mentioned.remove(sized.concept)
        return None

    def _row_money_condition(self, reading: Reading) -> None:
        """ "employees who earn more than 150k": a money column of the rows themselves."""
        money = reading.money_condition
        if money is None:
            return
        objects = [c.object for c in reading.mentioned + reading.group_objects]
        objects += [
            p.target.object for p in reading.metrics if p.target and p.target.kind == "object"
        ]
        if reading.list_object:
            objects.append(reading.list_object.object)
        kind = _money_kind(reading)
        for metric in self.ontology.metrics:
            column = _summed_column(metric.expression)
            if (
                metric.format == "currency"
                and metric.object in objects
                and column
                and _fits_money(column, kind)
            ):
                _, attribute = self.ontology.resolve(f"{metric.object}.{column}")
                concept = Concept("attribute", metric.object, column, role=attribute.role)
                reading.conditions.append(FilterPart(concept, money.op, money.values))
                reading.money_condition = None
                return

    def _column_metric(self, concept: Concept) -> MetricRef:
        column = concept.name
        for metric in self.ontology.metrics:
            if metric.object == concept.object and _summed_column(metric.expression) == column:
                return MetricRef(metric=metric.name)
        for metric in self.ontology.metrics:
            expression = metric.expression.replace(" ", "")
            if metric.object == concept.object and expression == f"AVG({column})":
                return MetricRef(metric=metric.name)
        return MetricRef(aggregation="sum", field=concept.field)

    def _named_singular(self, reading: Reading, concept: Concept) -> bool:
        obj = self.ontology.object(concept.object)
        return obj is not None and any(
            m.text == obj.label for m in reading.matches if concept in m.concepts
        )

    def _quantity_of(self, concept: Concept) -> MetricRef | None:
        """ "how much stock": the amount an object holds, its main quantity column."""
        obj = self.ontology.object(concept.object)
        measures = [a for a in obj.attributes if a.role == "measure"] if obj else []
        if not measures:
            return None
        preferred = ("hand", "qty", "quantity", "units", "amount", "stock", "balance", "count")
        measures.sort(key=lambda a: not any(p in a.name.lower() for p in preferred))
        chosen = Concept("attribute", concept.object, measures[0].name, role="measure")
        return self._column_metric(chosen)

    def _money_column(self, concept: Concept) -> Concept | None:
        """The money column of an object ("the biggest invoice": its amount)."""
        for metric in self.ontology.metrics:
            column = _summed_column(metric.expression)
            if metric.object == concept.object and metric.format == "currency" and column:
                return Concept("attribute", concept.object, column, role="measure")
        return None

    def _column_named(self, concept: Concept, word: str) -> Concept | None:
        obj = self.ontology.object(concept.object)
        for attribute in obj.attributes if obj else []:
            if attribute.role == "measure" and word in attribute.name.lower():
                return Concept("attribute", concept.object, attribute.name, role="measure")
        return None

    def _time_extreme(self, reading: Reading, listed: Concept | None) -> MetricRef | None:
        """ "When was the earliest order?": the first or last date of an object."""
        words = [t.norm for t in reading.tokens]
        target = listed or (reading.mentioned[0] if reading.mentioned else None)
        if not words or words[0] != "when" or target is None or reading.recency is None:
            return None
        obj = self.ontology.object(target.object)
        if obj is None or not obj.default_time:
            return None
        return MetricRef(
            aggregation="max" if reading.recency else "min", field=f"{obj.name}.{obj.default_time}"
        )

    def _is_average(self, ref: MetricRef) -> bool:
        metric = self.ontology.metric(ref.metric or "")
        return bool(metric and metric.expression.upper().startswith("AVG("))

    def _count_of(self, concept: Concept, reading: Reading) -> MetricRef:
        obj = self.ontology.object(concept.object)
        assert obj is not None
        return self._counting_fact(obj, reading) or self._count_metric(obj)

    def _apply_filters(self, query: SemanticQuery, reading: Reading) -> None:
        filters = _merge_filters(reading.filters)
        if reading.compare_words:
            for f in filters:
                if f.op == "in" and not any(d.field == f.field for d in query.dimensions):
                    query.dimensions.append(DimensionRef(field=f.field))
        query.filters.extend(filters)
        conditions = list(reading.conditions)
        primary = self._primary_metric(
            [c.object for c in reading.group_objects + reading.mentioned], _money_kind(reading)
        )
        if reading.money_condition and primary and primary.metric:
            money = reading.money_condition
            conditions.append(
                FilterPart(Concept("metric", "", primary.metric), money.op, money.values)
            )
        for condition in conditions:
            concept = condition.concept
            if concept.kind == "metric":
                key = next((m.key for m in query.metrics if m.metric == concept.name), None)
                if key is None:
                    query.metrics.append(MetricRef(metric=concept.name))
                    key = concept.name
                query.filters.append(
                    QueryFilter(field=key, op=condition.op, values=condition.values)
                )
                if not query.dimensions and reading.mentioned:
                    query.dimensions.append(
                        DimensionRef(field=self._display_field(reading.mentioned[0]))
                    )
            else:
                query.filters.append(
                    QueryFilter(field=concept.field, op=condition.op, values=condition.values)
                )

    def _apply_time(self, query: SemanticQuery, reading: Reading, time_field: str | None) -> None:
        field_name = reading.time_field.field if reading.time_field else None
        compare = list(reading.time.compare)
        if reading.growth and not compare and reading.time.endpoints:
            compare = list(reading.time.endpoints)
        elif reading.growth and not compare and reading.period and reading.period.start:
            compare = [_previous_period(reading.period), reading.period]
        elif reading.period:
            query.time_range = _time_range(reading.period, field_name)
        if compare:
            if reading.growth:
                # Growth runs from the earlier period to the later one.
                compare.sort(key=lambda p: p.start or dt.date.min)
            query.compare = [_time_range(p, field_name) for p in compare]
            query.growth = reading.growth
        if reading.growth and not compare and not reading.grain and not reading.time.series:
            if time_field is None:
                raise InvalidInput("there is no date to measure growth over")
            query.dimensions.insert(0, DimensionRef(field=time_field, grain="year"))

    def _apply_order(self, query: SemanticQuery, reading: Reading) -> None:
        time_dimension = next((d for d in query.dimensions if d.grain), None)
        if reading.ranking and query.metrics and (query.dimensions or reading.limit):
            descending = reading.descending if reading.descending is not None else True
            query.order = [OrderItem(key=query.metrics[0].key, descending=descending)]
            limit = reading.limit
            if limit is None:
                singular = any(
                    m.text
                    == (
                        self.ontology.object(c.object) or Object(name="", label="", plural="")
                    ).label
                    for m in reading.matches
                    for c in m.concepts
                    if c in reading.group_objects
                )
                words = [t.norm for t in reading.tokens]
                singular = singular or any(
                    words[m.start - 1 : m.start] in (["which"], ["what"])
                    and m.text == m.text.rstrip("s")
                    for m in reading.matches
                    if any(c in reading.dimensions for c in m.concepts)
                )
                limit = 1 if singular else 10
            query.limit = limit
        elif time_dimension is not None:
            query.order = [OrderItem(key=time_dimension.key, descending=False)]
            query.limit = reading.limit
        elif reading.limit:
            query.limit = reading.limit

    def _list_query(self, reading: Reading, concept: Concept) -> SemanticQuery:
        obj = self.ontology.object(concept.object)
        assert obj is not None
        query = SemanticQuery(list_object=obj.name)
        if reading.fields:
            shown = [f"{obj.name}.{obj.display_attribute}"] if obj.display_attribute else []
            query.list_fields = shown + [c.field for c in reading.fields if c.field not in shown]
        self._apply_filters(query, reading)
        if any(f.field in {m.key for m in query.metrics} for f in query.filters) or query.metrics:
            raise InvalidInput(f"a list of {obj.plural} cannot be filtered on a total")
        time_field = self._time_field(reading, obj.name)
        if reading.period:
            query.time_range = _time_range(
                reading.period, reading.time_field.field if reading.time_field else None
            )
        singular = any(m.text == obj.label for m in reading.matches if concept in m.concepts)
        if reading.rank_attribute is not None:
            descending = reading.descending if reading.descending is not None else True
            query.order = [OrderItem(key=reading.rank_attribute.name, descending=descending)]
            query.limit = reading.limit or (1 if singular else 10)
            return query
        aged = _age_order(obj, [t.norm for t in reading.tokens])
        if aged is not None:
            # "the oldest employee" is the one born first, not the one hired first.
            query.order = [aged]
            if query.list_fields and aged.key not in query.list_fields:
                query.list_fields.append(f"{obj.name}.{aged.key}")
            query.limit = reading.limit or (1 if singular else 10)
            return query
        if reading.price_order is not None:
            price = _price_attribute(obj)
            if price is None:
                raise InvalidInput(f"{obj.plural} have no price to rank them by")
            query.order = [OrderItem(key=price, descending=reading.price_order)]
            query.limit = reading.limit or (1 if singular else 10)
            return query
        if time_field and time_field.startswith(f"{obj.name}."):
            descending = reading.recency is not False
            query.order = [OrderItem(key=time_field.split(".")[-1], descending=descending)]
            if query.list_fields and time_field not in query.list_fields:
                # Rows are ordered by their date, so the date is shown with them.
                query.list_fields.append(time_field)
        query.limit = reading.limit
        if query.limit is None and reading.recency is not None and singular:
            query.limit = 1  # "which customer signed up first"
        return query

    # -- follow-ups -------------------------------------------------------------------

    def _merge(self, previous: SemanticQuery, reading: Reading) -> SemanticQuery:
        query = previous.model_copy(deep=True)
        self._event_date(reading)
        dated = previous.time_range.field if previous.time_range else None
        dated = dated or next((c.field for c in previous.compare if c.field), None)
        if reading.time_field is None and not reading.metrics and dated and "." in dated:
            # "and last year?": the new period is read on the date the answer was dated by.
            owner, column = dated.split(".", 1)
            reading.time_field = Concept("attribute", owner, column, role="time")
        if reading.metrics:
            query.metrics = [self._metric(part, reading) for part in reading.metrics]
            query.order = [
                o
                for o in query.order
                if o.key in {m.key for m in query.metrics}
                or o.key in {d.key for d in query.dimensions}
            ]
        new_dimensions = [DimensionRef(field=c.field) for c in reading.dimensions]
        new_dimensions += [
            DimensionRef(field=self._display_field(c)) for c in reading.group_objects
        ]
        base = self._base_object(reading) if reading.metrics else _query_base(self.ontology, query)
        time_field = self._time_field(reading, base)
        if reading.grain and time_field:
            new_dimensions.insert(0, DimensionRef(field=time_field, grain=reading.grain))
        if new_dimensions:
            if reading.instead or (
                reading.grain
                and not reading.dimensions
                and not reading.group_objects
                and any(d.grain for d in query.dimensions)
            ):
                keep = [] if reading.instead else [d for d in query.dimensions if not d.grain]
                query.dimensions = keep + new_dimensions
                if reading.instead and len(query.dimensions) > len(new_dimensions):
                    query.dimensions = new_dimensions
            else:
                query.dimensions += [d for d in new_dimensions if d not in query.dimensions]
            query.order = [o for o in query.order if o.key in {m.key for m in query.metrics}]
            if query.list_object:
                query.list_object = None
        for f in _merge_filters(reading.filters):
            query.filters = [
                g
                for g in query.filters
                if not (g.field == f.field and f.op in {"eq", "in"} and g.op in {"eq", "in"})
            ]
            query.filters.append(f)
        for condition in reading.conditions:
            query.filters.append(
                QueryFilter(
                    field=condition.concept.field
                    if condition.concept.kind != "metric"
                    else condition.concept.name,
                    op=condition.op,
                    values=condition.values,
                )
            )
        if (
            reading.period
            and not reading.period.anchored
            and previous.time_range
            and previous.time_range.start
        ):
            # "and in Q3?" after Q4 2024 means Q3 2024.
            reading.time.period = _in_year(reading.period, previous.time_range.start.year)
        if reading.relative_unit and not reading.period and previous.time_range:
            # "what about the month before?"
            earlier = previous.time_range
            if earlier.start and earlier.end:
                prior = _previous_period(Period(earlier.start, earlier.end, earlier.label))
                reading.time.period = prior
        if reading.period or reading.time.compare:
            query.time_range = None
            query.compare = []
            query.growth = False
            self._apply_time(query, reading, time_field)
        if reading.share:
            query.share = True
        if reading.limit or reading.ranking:
            if query.metrics and query.dimensions:
                descending = reading.descending if reading.descending is not None else True
                query.order = [OrderItem(key=query.metrics[0].key, descending=descending)]
            query.limit = reading.limit or query.limit or 10
        elif new_dimensions and any(d.grain for d in query.dimensions) and not query.order:
            grain_dim = next(d for d in query.dimensions if d.grain)
            query.order = [OrderItem(key=grain_dim.key, descending=False)]
        return query

    def _reason(self, reading: Reading) -> str:
        parts: list[str] = []
        for m in reading.matches:
            names = ", ".join(sorted({c.describe() for c in m.concepts}))
            parts.append(f"'{m.text}'{' (fuzzy)' if m.fuzzy else ''} -> {names}")
        if reading.period:
            parts.append(f"time: {reading.period.label}")
        for p in reading.time.compare:
            parts.append(f"compare: {p.label}")
        if reading.grain:
            parts.append(f"grain: {reading.grain}")
        return "; ".join(parts)


def _named_objects(reading: Reading, ontology: Ontology) -> set[str]:
    """Objects a phrase names and nothing else can ("customers", not "customer name"),
    beside the columns that refer to them ("appointment", an appointment's key held by
    prescriptions, still names appointments)."""
    named: set[str] = set()
    for match in reading.matches:
        objects = {c.object for c in match.concepts if c.kind == "object"}
        if match.fuzzy or len(objects) != 1:
            continue
        target = next(iter(objects))
        others = [c for c in match.concepts if c.kind != "object"]
        if all(c.kind == "attribute" and _refers_to(ontology, c, target) for c in others):
            named.add(target)
    return named


def _refers_to(ontology: Ontology, column: Concept, target: str) -> bool:
    return any(r.from_object == column.object and r.from_columns == [column.name]
               and r.to_object == target for r in ontology.relationships)


def _named_columns(reading: Reading) -> list[set[str]]:
    """For each phrase that can only name columns, the columns it may name."""
    return [
        {c.field for c in match.concepts}
        for match in reading.matches
        if not match.fuzzy
        and match.kinds == {"attribute"}
        # A time column is named by its event ("shipped", "issued"), which says when.
        and all(c.role != "time" for c in match.concepts)
    ]


def _query_objects(ontology: Ontology, query: SemanticQuery) -> set[str]:
    """The objects a query is about, which a follow-up's words most likely refer to."""
    names = {
        f.split(".")[0]
        for f in [d.field for d in query.dimensions]
        + [f.field for f in query.filters]
        + query.list_fields
        if "." in f
    }
    base = _query_base(ontology, query)
    if base:
        names.add(base)
    return names


#: The words of a date column's name that say it is a date, not which event it dates.
_DATE_WORDS = frozenset(
    stem(w) for w in ("at", "on", "date", "time", "day", "timestamp", "datetime", "dt", "ts")
)
_SPENDING = frozenset({"spend", "spent", "spends", "spending", "cost", "costs"})
_COST_WORDS = ("spend", "cost", "expense", "paid", "payment", "fee")


_BUYERS = frozenset(
    {
        "customer",
        "client",
        "account",
        "buyer",
        "shopper",
        "purchaser",
        "user",
        "member",
        "subscriber",
        "company",
        "patient",
        "guest",
        "donor",
    }
)


def _money_kind(reading: Reading) -> str:
    """ "how much did we spend", "campaigns that spent most": costs; "which customers spent
    the most": what customers spend is our income."""
    words = {t.norm for t in reading.tokens}
    if not words & _SPENDING:
        return "income"
    if words & {"we", "our", "us", "i"}:
        return "cost"
    spenders = [
        c.object
        for c in [
            *reading.group_objects,
            *reading.mentioned,
            *([reading.list_object] if reading.list_object else []),
        ]
    ]
    buyers = [o for o in spenders if singular(o.split("_")[-1]) in _BUYERS]
    return "income" if buyers or not spenders else "cost"


def _fits_money(name: str, kind: str) -> bool:
    is_cost = any(word in name.lower() for word in _COST_WORDS)
    return is_cost if kind == "cost" else not is_cost


def _price_attribute(obj: Object) -> str | None:
    """The column "expensive" and "cheap" rank by: a price, else a cost."""
    for word in ("price", "cost"):
        for attribute in obj.attributes:
            if attribute.role == "measure" and word in attribute.name.lower():
                return attribute.name
    return None


def _has_new_content(reading: Reading) -> bool:
    return bool(
        reading.metrics
        or reading.dimensions
        or reading.filters
        or reading.period
        or reading.group_objects
        or reading.time.grain
    )


_REFINING_LEADS = (
    ("only",), ("just",), ("now",), ("and",), ("also",), ("instead",), ("what", "about"),
    ("how", "about"), ("but",), ("same",), ("make", "it"),
)  # fmt: skip


def _leads_a_follow_up(reading: Reading) -> bool:
    """ "only healthcare companies", "what about 2024?": words that edit an earlier question."""
    words = tuple(t.norm for t in reading.tokens)
    return any(words[: len(lead)] == lead for lead in _REFINING_LEADS)


def _is_followup(reading: Reading) -> bool:
    words = tuple(t.norm for t in reading.tokens)
    lead = any(words[: len(phrase)] == phrase for phrase in FOLLOW_UP_LEADS)
    measured = bool(reading.metrics) or any(c.role == "measure" for c in reading.fields)
    complete = measured and bool(
        reading.dimensions or reading.group_objects or reading.time.grain or reading.time.series
    )
    if lead or reading.instead:
        return not complete
    return not (
        measured
        or reading.list_object
        or reading.count_words
        or reading.mentioned
        or reading.group_objects
        or reading.price_order is not None
        or reading.money_words
    )


def _summed_column(expression: str) -> str | None:
    text = expression.replace(" ", "")
    if text.upper().startswith("SUM(") and text.endswith(")"):
        inner = text[4:-1]
        if inner.replace("_", "").isalnum():
            return inner
    return None


def _unique_fields(options: list[Concept]) -> list[Concept]:
    seen: dict[str, Concept] = {}
    for concept in options:
        seen.setdefault(concept.field, concept)
    return list(seen.values())


def _replace_concept(reading: Reading, options: list[Concept], chosen: Concept) -> None:
    def pick(concept: Concept) -> Concept:
        if concept in options:
            return Concept(
                chosen.kind,
                chosen.object,
                chosen.name,
                concept.value if concept.kind == "value" else chosen.value,
                role=chosen.role,
            )
        return concept

    reading.dimensions = [pick(c) for c in reading.dimensions]
    for part in reading.metrics:
        if part.concept is not None:
            part.concept = pick(part.concept)
        if part.target is not None:
            part.target = pick(part.target)
    reading.fields = [pick(c) for c in reading.fields]
    for f in reading.filters + reading.conditions:
        f.concept = pick(f.concept)
    if reading.time_field is not None and reading.time_field in options:
        reading.time_field = pick(reading.time_field)
        # The event counted is the chosen column's object.
        reading.events = [
            Concept("object", chosen.object, chosen.object)
            if e.object in {o.object for o in options}
            else e
            for e in reading.events
        ]


def _merge_filters(parts: list[FilterPart]) -> list[QueryFilter]:
    merged: dict[tuple[str, bool], QueryFilter] = {}
    for part in parts:
        negated = part.op == "ne"
        key = (part.concept.field, negated)
        if key in merged:
            existing = merged[key]
            existing.values.extend(v for v in part.values if v not in existing.values)
            existing.op = "not_in" if negated else "in"
        else:
            merged[key] = QueryFilter(
                field=part.concept.field, op=part.op, values=list(part.values)
            )
    return list(merged.values())


def _time_range(period: Period, field_name: str | None) -> TimeRange:
    return TimeRange(field=field_name, start=period.start, end=period.end, label=period.label)


def _in_year(period: Period, year: int) -> Period:
    assert period.start is not None and period.end is not None
    start = period.start.replace(year=year)
    end = period.end.replace(year=year + (period.end.year - period.start.year))
    return Period(start, end, period.label.replace(str(period.start.year), str(year)))


def _previous_period(period: Period) -> Period:
    assert period.start is not None and period.end is not None
    days = (period.end - period.start).days
    if days >= 365:
        start = period.start.replace(year=period.start.year - 1)
        end = (
            period.end.replace(year=period.end.year - 1)
            if period.end.month != 2 or period.end.day != 29
            else period.end - dt.timedelta(days=366)
        )
        return Period(start, end, f"{start.year}" if days in (365, 366) else f"{start}..{end}")
    unit = "quarter" if days > 31 else "month" if days >= 28 else "day"
    prior = period_of(unit, period.start - dt.timedelta(days=1))  # type: ignore[arg-type]
    return Period(prior.start, prior.end, prior.label)


def _query_base(ontology: Ontology, query: SemanticQuery) -> str | None:
    if query.list_object:
        return query.list_object
    for metric in query.metrics:
        if metric.metric:
            found = ontology.metric(metric.metric)
            if found:
                return found.object
        if metric.field:
            return metric.field.split(".")[0]
    return None


def _quote_list(words: list[str]) -> str:
    return ", ".join(f"'{w}'" for w in words)


def _or_list(options: list[str]) -> str:
    if len(options) <= 1:
        return "".join(options)
    return ", ".join(options[:-1]) + " or " + options[-1]


def _unknown_text(reading: Reading) -> str:
    return f"I could not understand {_quote_list(reading.unknown)}" if reading.unknown else ""


_AGE_WORDS = {"oldest": True, "youngest": False, "eldest": True}


def _age_order(obj: Object, words: list[str]) -> OrderItem | None:
    """"oldest" / "youngest" rows of an object with an age or a birth date: by that column
    (the oldest has the highest age, or the earliest birth date)."""
    said = [_AGE_WORDS[w] for w in words if w in _AGE_WORDS]
    if len(said) != 1:
        return None
    oldest = said[0]
    for attribute in obj.attributes:
        parts = set(re.split(r"[_\W]+", f"{attribute.name} {attribute.label}".lower()))
        if "age" in parts and attribute.type in {"integer", "decimal", "float"}:
            return OrderItem(key=attribute.name, descending=oldest)
    for attribute in obj.attributes:
        parts = set(re.split(r"[_\W]+", f"{attribute.name} {attribute.label}".lower()))
        if parts & {"birth", "dob", "birthday", "born"}:
            return OrderItem(key=attribute.name, descending=not oldest)
    return None
