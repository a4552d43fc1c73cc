"""Taught questions: a question saved with the reading (or SQL) it should have, reused for
later questions that say the same thing with other values.

A question is reduced to its *shape*: its words, with synonyms brought to the ontology
concept they name, small words dropped, and the values, numbers and time phrases taken out
as *slots*. Two questions of the same shape ask the same thing; the taught answer is reused
with the new question's slots put in place of the taught one's (in the SemanticQuery, or in
the SQL's literals, through sqlglot's tree).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlglot import exp, parse_one

from parley.engine.nl.lexicon import Concept, Lexicon
from parley.engine.nl.text import parse_number, tokenize
from parley.engine.nl.timephrases import Period, find_time
from parley.engine.semantic.ontology import NamedFilter, Ontology
from parley.engine.semantic.query import QueryFilter, SemanticQuery, TimeRange

SlotKind = Literal["value", "number", "time"]

#: Words that carry no meaning of their own in a question ("show me the ...").
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "in",
        "on",
        "at",
        "to",
        "by",
        "from",
        "with",
        "and",
        "or",
        "me",
        "us",
        "our",
        "my",
        "i",
        "we",
        "you",
        "please",
        "show",
        "give",
        "list",
        "tell",
        "what",
        "which",
        "whats",
        "is",
        "are",
        "was",
        "were",
        "be",
        "how",
        "many",
        "much",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "there",
        "their",
        "its",
        "it",
        "this",
        "that",
        "these",
        "those",
        "all",
        "each",
        "per",
        "every",
        "s",
        "get",
        "find",
        "display",
        "number",
        "count",
    ]
)


@dataclass(frozen=True, slots=True)
class Slot:
    """A part of a question that can change without changing what it asks."""

    kind: SlotKind
    #: The field a value belongs to (``"customers.country"``); empty for numbers and times.
    key: str
    text: str
    value: Any

    @property
    def describe(self) -> str:
        if self.kind == "time":
            return str(self.value.label or self.text)
        return str(self.value if self.kind == "value" else self.text)


@dataclass(frozen=True, slots=True)
class Shape:
    words: tuple[str, ...]
    slots: tuple[Slot, ...]

    @property
    def key(self) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        """What two questions must share to ask the same thing."""
        return self.words, tuple(sorted((s.kind, s.key) for s in self.slots))


@dataclass(frozen=True, slots=True)
class Taught:
    """One taught question, as the engine sees it."""

    id: str
    question: str
    #: The corrected reading, or None when the answer is SQL.
    query: SemanticQuery | None = None
    sql: str | None = None
    taught_by: str = ""


@dataclass(slots=True)
class Match:
    taught: Taught
    query: SemanticQuery | None
    sql: str | None
    #: The (taught, new) slot pairs that differ.
    changes: list[tuple[Slot, Slot]] = field(default_factory=list)

    @property
    def reason(self) -> str:
        kind = "reading" if self.taught.query is not None else "SQL"
        text = (
            f"Answered with the taught question {self.taught.question!r} ({kind} {self.taught.id})"
        )
        if self.changes:
            text += ", with " + ", ".join(
                f"{new.describe!r} for {old.describe!r}" for old, new in self.changes
            )
        return text + "."


def _concept_word(concepts: Sequence[Concept]) -> str:
    """One name for what a phrase names, whichever synonym was used."""
    return min(f"{c.kind}:{c.field if c.kind != 'object' else c.object}" for c in concepts)


def shape_of(question: str, lexicon: Lexicon, today: dt.date) -> Shape:
    """The shape of a question: its meaningful words and its slots, in order.

    Values come from the ontology (``customers.country = 'France'``), time phrases from the
    parser's time scanner, numbers from the words.
    """
    tokens = tokenize(question)
    found = find_time(tokens, today)
    slots: list[tuple[int, Slot]] = []
    periods = ([found.period] if found.period else []) + list(found.compare)
    if found.used and periods:
        first = min(found.used)
        text = " ".join(t.norm for t in tokens if t.index in found.used)
        for n, period in enumerate(periods):
            slots.append((first + n, Slot("time", "", text, period)))
    words: list[str] = []
    i = 0
    while i < len(tokens):
        if i in found.used:
            i += 1
            continue
        hit = _longest_phrase(tokens, i, lexicon, found.used)
        if hit is not None:
            end, concepts = hit
            values = [c for c in concepts if c.kind == "value"]
            text = " ".join(t.text for t in tokens[i:end])
            if values:
                value = values[0]
                slots.append((i, Slot("value", value.field, text, value.value)))
            else:
                words.append(_concept_word(concepts))
            i = end
            continue
        token = tokens[i]
        number = parse_number(token.norm)
        if number is not None:
            slots.append((i, Slot("number", "", token.norm, number)))
        elif token.norm not in _SMALL_WORDS and token.stem not in _SMALL_WORDS:
            words.append(token.stem)
        i += 1
    return Shape(tuple(sorted(words)), tuple(s for _, s in sorted(slots, key=lambda p: p[0])))


def _longest_phrase(
    tokens: Sequence[Any], start: int, lexicon: Lexicon, used: set[int]
) -> tuple[int, list[Concept]] | None:
    for end in range(min(len(tokens), start + lexicon.longest), start, -1):
        if any(k in used for k in range(start, end)):
            continue
        key = tuple(t.stem for t in tokens[start:end])
        concepts = lexicon.phrases.get(key) or lexicon.exact.get(
            tuple(t.norm for t in tokens[start:end])
        )
        if concepts:
            return end, concepts
    return None


def _pairs(old: Shape, new: Shape) -> list[tuple[Slot, Slot]]:
    """The taught question's slots paired with the new one's, kind by kind, in order."""
    pairs: list[tuple[Slot, Slot]] = []
    remaining = list(new.slots)
    for slot in old.slots:
        for candidate in remaining:
            if (candidate.kind, candidate.key) == (slot.kind, slot.key):
                pairs.append((slot, candidate))
                remaining.remove(candidate)
                break
    return pairs


class TaughtBook:
    """The taught questions of one application, matched against a workspace's lexicon."""

    def __init__(self, taught: Iterable[Taught]) -> None:
        self.taught = list(taught)
        #: The shapes of the taught questions, for one lexicon (held, so it is the same
        #: object, not one that took its place) and one day (time phrases move).
        self._shapes: tuple[Lexicon, dt.date, list[tuple[Shape, Taught]]] | None = None

    def __len__(self) -> int:
        return len(self.taught)

    def _shaped(self, lexicon: Lexicon, today: dt.date) -> list[tuple[Shape, Taught]]:
        cached = self._shapes
        if cached is not None and cached[0] is lexicon and cached[1] == today:
            return cached[2]
        shaped = [(shape_of(t.question, lexicon, today), t) for t in self.taught]
        self._shapes = (lexicon, today, shaped)
        return shaped

    def match(
        self, question: str, lexicon: Lexicon, today: dt.date, *, dialect: str = "duckdb"
    ) -> Match | None:
        """The taught answer to ``question`` with its values, or None when none is taught.

        The most recently taught of several matching questions wins: a correction of a
        correction replaces it.
        """
        if not self.taught:
            return None
        shape = shape_of(question, lexicon, today)
        for taught_shape, taught in reversed(self._shaped(lexicon, today)):
            if taught_shape.key != shape.key:
                continue
            changes = [(a, b) for a, b in _pairs(taught_shape, shape) if a.value != b.value]
            if taught.query is not None:
                return Match(taught, substitute_query(taught.query, changes), None, changes)
            assert taught.sql is not None
            return Match(taught, None, substitute_sql(taught.sql, changes, dialect), changes)
        return None


# --- substitution ---------------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return float(a) == float(b)
    return bool(a == b)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _replace_in_filters(filters: list[QueryFilter], old: Slot, new: Slot) -> None:
    for query_filter in filters:
        if old.kind == "value" and query_filter.field != old.key:
            continue
        replacement = new.value if old.kind == "value" else _number(new.value)
        query_filter.values = [
            replacement if _same(v, old.value) else v for v in query_filter.values
        ]


def _range(period: Period, like: TimeRange) -> TimeRange:
    return TimeRange(field=like.field, start=period.start, end=period.end, label=period.label)


def substitute_query(query: SemanticQuery, changes: Sequence[tuple[Slot, Slot]]) -> SemanticQuery:
    """The taught reading with the new question's values, numbers and periods.

    >>> from parley.engine.semantic.query import QueryFilter
    >>> q = SemanticQuery(filters=[QueryFilter(field="c.country", op="eq", values=["France"])],
    ...                   limit=5)
    >>> old = Slot("value", "c.country", "France", "France")
    >>> new = Slot("value", "c.country", "Spain", "Spain")
    >>> n5, n3 = Slot("number", "", "5", 5.0), Slot("number", "", "3", 3.0)
    >>> s = substitute_query(q, [(old, new), (n5, n3)])
    >>> s.filters[0].values, s.limit
    (['Spain'], 3)
    """
    result = query.model_copy(deep=True)
    times = [(a, b) for a, b in changes if a.kind == "time"]
    for old, new in changes:
        if old.kind in ("value", "number"):
            _replace_in_filters(result.filters, old, new)
            _replace_in_filters(result.share_of, old, new)
        if old.kind == "number" and result.limit is not None and _same(result.limit, old.value):
            result.limit = int(new.value)
    if times and result.time_range is not None and not result.compare:
        result.time_range = _range(times[0][1].value, result.time_range)
    elif times and result.compare:
        periods = [b.value for _, b in times]
        result.compare = [
            _range(periods[i], r) if i < len(periods) else r for i, r in enumerate(result.compare)
        ]
    return result


def substitute_sql(sql: str, changes: Sequence[tuple[Slot, Slot]], dialect: str = "duckdb") -> str:
    """The taught SQL with the new question's values in its literals (through the syntax
    tree: a value is never pasted into the text).

    >>> old = Slot("value", "c.country", "France", "France")
    >>> new = Slot("value", "c.country", "O'Hara", "O'Hara")
    >>> substitute_sql("SELECT COUNT(*) FROM c WHERE country = 'France' LIMIT 10", [(old, new)])
    "SELECT COUNT(*) FROM c WHERE country = 'O''Hara' LIMIT 10"
    """
    if not changes:
        return sql
    literals: list[tuple[exp.Expr, exp.Expr]] = []
    for old, new in changes:
        if old.kind == "value":
            literals.append((_string(old.value), _string(new.value)))
        elif old.kind == "number":
            literals.append((_numeral(old.value), _numeral(new.value)))
        else:
            ends = ((old.value.start, new.value.start), (old.value.end, new.value.end))
            for before, after in ends:
                if before is not None and after is not None:
                    literals.append((_string(before.isoformat()), _string(after.isoformat())))

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Literal):
            for before, after in literals:
                if isinstance(before, exp.Literal) and _same_literal(node, before):
                    return after.copy()
        return node

    return parse_one(sql, read=dialect).transform(swap).sql(dialect=dialect)


def _string(value: object) -> exp.Expr:
    return exp.Literal.string(str(value))


def _numeral(value: float) -> exp.Expr:
    return exp.Literal.number(_number(value))


def _same_literal(a: exp.Literal, b: exp.Literal) -> bool:
    if a.is_string != b.is_string:
        return False
    if a.is_string:
        return str(a.this).casefold() == str(b.this).casefold()
    try:
        return float(a.this) == float(b.this)
    except ValueError:
        return False


# --- business definitions ---------------------------------------------------------------


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Each word of ``phrase`` as the start of a word ("active customer" matches "active
    customers", "Active Customer's")."""
    words = phrase.split()
    return re.compile(
        r"\b" + r"\s+".join(re.escape(w) + r"[\w'’]*" for w in words) + r"(?!\w)",
        re.IGNORECASE,
    )


def read_definitions(question: str, ontology: Ontology) -> tuple[str, list[NamedFilter]]:
    """The question with each business definition it names put as its object's plain name,
    and the definitions named ("revenue of active customers" -> "revenue of customers",
    with the named filter "active customers").

    The parser then reads the plain question; the definitions become conditions of its
    reading.
    """
    found: list[NamedFilter] = []
    for named in sorted(
        ontology.filters, key=lambda f: -max(len(p) for p in [f.label, *f.synonyms])
    ):
        obj = ontology.object(named.object)
        if obj is None:
            continue
        for phrase in sorted([named.label, *named.synonyms], key=len, reverse=True):
            pattern = _phrase_pattern(phrase)
            if pattern.search(question):
                question = pattern.sub(obj.plural, question, count=1)
                found.append(named)
                break
    return question, found
