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
from parley.engine.nl.ambiguity import options, unresolved
from parley.engine.nl.coordination import expand_coordination
from parley.engine.nl.followup import is_followup, leads_a_follow_up, merge
from parley.engine.nl.intents import is_greeting, is_schema_help, requested_chart
from parley.engine.nl.lexicon import Concept, Lexicon, build_lexicon
from parley.engine.nl.query_building.graph import Graph
from parley.engine.nl.query_building.query import build
from parley.engine.nl.query_building.subjects import (
    query_base,
    query_objects,
)
from parley.engine.nl.query_building.unclear import Unclear
from parley.engine.nl.readings import Declined, Reader
from parley.engine.nl.roles.read import read_question
from parley.engine.nl.roles.reading import Reading
from parley.engine.nl.text import Token, tokenize
from parley.engine.nl.understanding import Context, Understanding
from parley.engine.nl.verify import SHAPE_CHECKS, contradictions
from parley.engine.semantic.ontology import Ontology
from parley.errors import InvalidInput

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
        self._graph = Graph(ontology)
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
            base = query_base(self.ontology, understanding.query)
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
        context_objects = (
            query_objects(self.ontology, context.previous) if context.previous else set()
        )
        ambiguity = unresolved(self._graph, reading, context_objects)
        if ambiguity is not None:
            labels = options(self.ontology, ambiguity)
            return Understanding(
                "clarification",
                options=labels,
                choices=self._choices(question, ambiguity.words, labels, context, today),
                problem=f"'{ambiguity.words}' could mean {_or_list(labels)}",
            )
        if (
            context.previous is None
            and (reading.pronoun or reading.relative_unit or leads_a_follow_up(reading))
            and not (reading.metrics and (reading.dimensions or reading.group_objects))
        ):
            return Understanding(
                "clarification",
                problem="the question refers to an earlier answer, and there is none yet",
            )
        followup = context.previous is not None and (
            is_followup(reading) or reading.pronoun or reading.relative_unit is not None
        )
        try:
            if followup and context.previous is not None:
                query = merge(self._graph, context.previous, reading)
                intent: Intent = "refinement"
            else:
                built = build(self._graph, reading)
                if isinstance(built, Unclear):
                    return Understanding("clarification", problem=built.problem)
                query = built
                intent = "sql_query"
        except InvalidInput as error:
            return Understanding("clarification", problem=error.message)
        return Understanding(intent, query=query, chart_type=chart, reason=self._reason(reading))

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


def _has_new_content(reading: Reading) -> bool:
    return bool(
        reading.metrics
        or reading.dimensions
        or reading.filters
        or reading.period
        or reading.group_objects
        or reading.time.grain
    )


def _quote_list(words: list[str]) -> str:
    return ", ".join(f"'{w}'" for w in words)


def _or_list(options: list[str]) -> str:
    if len(options) <= 1:
        return "".join(options)
    return ", ".join(options[:-1]) + " or " + options[-1]


def _unknown_text(reading: Reading) -> str:
    return f"I could not understand {_quote_list(reading.unknown)}" if reading.unknown else ""


