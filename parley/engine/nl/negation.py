"""Negation through a relationship: what a negation denies the rows have.

"artists that do not have any album", "courses without prerequisites", "parties that have
no members", "products never ordered", "movies not reviewed by Chris Jackson": the
negation, the words that only link it to its object (an auxiliary, "have", a verb, a
preposition, a determiner), then the object denied: a thing related to the rows, or a
value of one. Only the grammar is read here; whether the object is related to the rows,
and how, is the reader's to check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from parley.engine.nl.operators import RELATION_VERBS

_HAVE = frozenset({"have", "has", "had", "having"})
_AUXILIARIES = frozenset({"do", "does", "did", "is", "are", "was", "were"})
#: Negations that carry their auxiliary: a verb follows them.
VERBAL_NEGATIONS = frozenset({"never", "don't", "doesn't", "didn't", "haven't", "hasn't", "hadn't",
                     "isn't", "aren't", "wasn't", "weren't"})
_PASSIVE = frozenset({"been", "be", "being", "ever", "yet"})
_DETERMINERS = frozenset({"any", "a", "an", "the", "single"})
#: Words between a determiner and its noun that change nothing ("an associated protein").
_QUALIFIERS = frozenset({"associated", "related", "registered", "recorded", "listed"})
_RELATIVE = frozenset({"that", "which", "whom"})
_PREPOSITIONS = frozenset({"by", "in", "to", "with", "on", "at", "from", "for", "of", "into"})


@dataclass(frozen=True, slots=True)
class Denied:
    """Where the object a negation denies begins, and the linking words before it."""

    start: int
    #: Grammar between the negation and its object ("have", "any", "been", "by"): explained
    #: by the reading. A verb is not among them: its meaning is the reader's to weigh.
    linking: tuple[int, ...]
    #: The index of the verb between them ("attend"), if any.
    verb: int | None = None


def denied_object(
    words: Sequence[str], start: int, end: int, is_piece: Callable[[int], bool]
) -> Denied | None:
    """What the negation at ``words[start:end]`` denies, when it is a relation negation.

    ``is_piece`` says whether a word belongs to something the question names.

    >>> def find(question: str, piece: set[int]) -> int | None:
    ...     words = question.split()
    ...     at = next(i for i, w in enumerate(words) if w in {"not", "no", "never", "without"})
    ...     found = denied_object(words, at, at + 1, lambda i: i in piece)
    ...     return None if found is None else found.start
    >>> find("artists that do not have any album", {0, 6})
    6
    >>> find("parties that have no members", {0, 4})
    4
    >>> find("courses without prerequisites", {0, 2})
    2
    >>> find("members who did not attend any performance", {0, 6})
    6
    >>> find("products that have never been ordered", {0, 5})
    5
    >>> find("movies not reviewed by Chris Jackson", {0, 4, 5})
    4
    >>> find("hosts who did not host any party", {0, 4, 6})
    6
    >>> find("regions that were not affected", {0, 4})
    4
    >>> find("courses that no student attended", {0, 3})
    3
    >>> find("customers who did not order anything", {0, 4})
    4
    >>> find("teachers not older than 50", {0})
    """
    negation = " ".join(words[start:end])
    index = end
    linking: list[int] = []
    verb: int | None = None
    if negation == "no" and start > 0 and words[start - 1] in _RELATIVE:
        # "courses that no student attended": the thing denied, then the verb.
        if not is_piece(index):
            return None
        after = index
        while after < len(words) and is_piece(after):
            after += 1
        while after < len(words) and words[after] in _HAVE | _PASSIVE:
            after += 1
        if after >= len(words) or not (words[after] in RELATION_VERBS
                                       or words[after].endswith("ed")):
            return None
        return Denied(index, (), after)
    if negation == "no":
        if start == 0 or words[start - 1] not in _HAVE | {"with"}:
            return None
    elif negation != "without":
        while index < len(words) and words[index] in _PASSIVE:
            linking.append(index)
            index += 1
        passive = bool(linking)
        if index >= len(words):
            return None
        word = words[index]
        auxiliary = negation in VERBAL_NEGATIONS or (start > 0 and words[start - 1] in _AUXILIARIES)
        if word in _HAVE:
            linking.append(index)
            index += 1
        elif is_piece(index) and not _before_object(words, index + 1, is_piece):
            # "never been ordered", "didn't order": the verb names the thing itself.
            if not (passive or auxiliary) or not (word.endswith("ed") or auxiliary):
                return None
            return Denied(index, tuple(linking))
        elif auxiliary or passive or word in RELATION_VERBS or word.endswith("ed"):
            verb = index
            index += 1
            if index < len(words) and words[index] in _PREPOSITIONS:
                linking.append(index)
                index += 1
        else:
            return None
    while index < len(words) and words[index] in _DETERMINERS | _QUALIFIERS:
        linking.append(index)
        index += 1
    if index >= len(words) or not is_piece(index):
        return None
    return Denied(index, tuple(linking), verb)


def _before_object(words: Sequence[str], index: int, is_piece: Callable[[int], bool]) -> bool:
    """Whether a preposition or determiner and then a named thing follow ("host *any
    party*"): the word before them is a verb, even when it also names something."""
    skipped = 0
    while index < len(words) and words[index] in _PREPOSITIONS | _DETERMINERS:
        index += 1
        skipped += 1
    # ("visit in 2026": a year is no thing visited.)
    return skipped > 0 and index < len(words) and is_piece(index) and not words[index].isdigit()
