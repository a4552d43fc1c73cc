"""Evidence: which spans of a question name which concepts of the ontology."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from parley.engine.nl.lexicon import Concept, Lexicon
from parley.engine.nl.text import Token
from parley.engine.nl.vocabulary import KNOWN

#: Words that shape a query: alone they never name a column ("total", "number").
_OPERATOR_WORDS = frozenset({
    "the", "a", "an", "of", "in", "on", "at", "for", "to", "by", "per", "with", "and", "or",
    "is", "are", "was", "be", "it", "its", "this", "that", "all", "any", "each", "top", "total",
    "sum", "count", "number", "average", "mean", "new", "one", "most", "least", "show", "list",
})  # fmt: skip
_PRONOUN_BEFORE_US = frozenset({"show", "give", "tell", "let", "help", "for", "to", "send", "get"})
#: Verbs that open a request ("Return the top 5 customers"): never a value there, even
#: where a status is 'Returned'.
_REQUESTS = frozenset({"return", "show", "list", "give", "find", "get", "tell", "display",
                       "fetch", "pull", "retrieve", "provide"})
#: What may come before the request verb: "please return", "can you show".
_POLITE = frozenset({"please", "pls", "kindly", "can", "could", "would", "will", "you"})


@dataclass(slots=True)
class Match:
    start: int
    end: int
    concepts: list[Concept]
    text: str
    fuzzy: bool = False

    @property
    def kinds(self) -> set[str]:
        return {c.kind for c in self.concepts}

    def of_kind(self, kind: str) -> list[Concept]:
        return [c for c in self.concepts if c.kind == kind]


def find_matches(tokens: Sequence[Token], lexicon: Lexicon, skip: set[int]) -> list[Match]:
    """Longest phrases first, left to right; misspelt words matched fuzzily."""
    skip = skip | opening_request(tokens)
    matches: list[Match] = []
    i = 0
    while i < len(tokens):
        if i in skip:
            i += 1
            continue
        found = _exact(tokens, lexicon, skip, i)
        if found is None and tokens[i].norm not in KNOWN and not tokens[i].norm[:1].isdigit():
            found = _fuzzy(tokens, lexicon, skip, i)
        if found is None:
            i += 1
            continue
        matches.append(found)
        i = found.end
    return matches


def opening_request(tokens: Sequence[Token]) -> set[int]:
    """Where the question opens with a request verb, its place (after polite words).

    >>> from parley.engine.nl.text import tokenize
    >>> opening_request(tokenize("Return the top 5 customers")), opening_request(
    ...     tokenize("can you show me returns")), opening_request(tokenize("returns by month"))
    ({0}, {2}, set())
    """
    for index, token in enumerate(tokens):
        if token.norm in _REQUESTS:
            return {index}
        if token.norm not in _POLITE:
            return set()
    return set()


def _exact(tokens: Sequence[Token], lexicon: Lexicon, skip: set[int], i: int) -> Match | None:
    for size in range(min(lexicon.longest, len(tokens) - i), 0, -1):
        span = range(i, i + size)
        if any(j in skip for j in span) or any(tokens[j].after_break for j in span[1:]):
            continue
        # A lower-case "us" is the pronoun unless it stands before a noun it qualifies.
        if (
            size == 1
            and tokens[i].text == "us"
            and (i == 0 or tokens[i - 1].norm in _PRONOUN_BEFORE_US)
        ):
            continue
        stems = tuple(tokens[j].stem for j in span)
        concepts = lexicon.lookup(stems, tuple(tokens[j].norm for j in span))
        if not concepts and size == 1 and tokens[i].text.upper() in lexicon.case_sensitive:
            concepts = lexicon.lookup(lexicon.case_sensitive[tokens[i].text.upper()])
        if concepts:
            text = " ".join(tokens[j].norm for j in span)
            # A bare filler word ("total", "number") names a concept only as part of a phrase.
            if size == 1 and text in _OPERATOR_WORDS and not _strong_single(concepts):
                continue
            return Match(i, i + size, list(concepts), text)
    return None


def _strong_single(concepts: list[Concept]) -> bool:
    return any(c.kind in {"value", "object"} for c in concepts)


def _fuzzy(tokens: Sequence[Token], lexicon: Lexicon, skip: set[int], i: int) -> Match | None:
    for size in (2, 1):
        span = range(i, min(i + size, len(tokens)))
        if len(span) < size or any(j in skip for j in span) or any(
            tokens[j].after_break for j in span[1:]
        ):
            continue
        text = " ".join(tokens[j].norm for j in span)
        stems = lexicon.fuzzy(text)
        if stems:
            return Match(i, i + size, list(lexicon.lookup(stems)), text, fuzzy=True)
    return None
