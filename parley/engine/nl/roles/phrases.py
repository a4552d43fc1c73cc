"""Words around a position: the phrases, counts and comparisons the role readers look for.

Every helper takes the question's normalised words and a position, and looks only at
the words, never at the reading, so each can be tried on a list of words alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from parley.engine.nl.evidence import Match
from parley.engine.nl.text import parse_number
from parley.engine.nl.vocabulary import (
    AGGREGATION_WORDS,
    BOTTOM,
    COUNT_PHRASES,
    GREATER,
    LIST,
    OLDEST,
    RECENT,
    TIME_EXTREMES,
    TOP,
)
from parley.engine.semantic.query import Aggregation, FilterOp


def phrase_at(words: Sequence[str], i: int, phrases: Sequence[tuple[str, ...]]) -> int:
    """The length of the first phrase found at position i, or 0."""
    for phrase in sorted(phrases, key=len, reverse=True):
        if tuple(words[i : i + len(phrase)]) == phrase:
            return len(phrase)
    return 0


def contains(words: Sequence[str], phrase: tuple[str, ...]) -> bool:
    """Whether ``phrase`` occurs anywhere in ``words``.

    >>> contains(["month", "over", "month", "growth"], ("month", "over", "month"))
    True
    """
    return any(tuple(words[i : i + len(phrase)]) == phrase for i in range(len(words)))


def preceding(words: Sequence[str], start: int, skip: int = 3) -> list[str]:
    """Up to ``skip`` words before ``start``, nearest first."""
    return [words[j] for j in range(start - 1, max(start - 1 - skip, -1), -1)]


def is_number(word: str) -> bool:
    """Whether a word is a number, in figures or in words.

    >>> is_number("1,500"), is_number("five"), is_number("orders")
    (True, True, False)
    """
    return parse_number(word) is not None


def aggregation_before(
    words: Sequence[str], start: int, modifiers: set[int] | None = None
) -> Aggregation | None:
    """The aggregation word before a phrase, past its modifiers ("average shipping cost")."""
    skip = modifiers or set()
    for k, w in enumerate(preceding(words, start, 4)):
        if start - 1 - k in skip:
            continue
        said = _aggregation_of(w)
        if said is not None:
            return said
        if w not in {"the", "of", "a", "an", "most"}:
            break
    return None


def coordinated_aggregation(
    words: Sequence[str], start: int, modifiers: set[int] | None = None
) -> Aggregation | None:
    """The aggregation said just before the one right before a phrase, joined to it by
    "and" ("the earliest and the latest refit dates", "minimum and maximum price"): the
    phrase is asked for twice.

    >>> coordinated_aggregation("the earliest and the latest refit dates".split(), 5)
    'min'
    >>> coordinated_aggregation("the latest refit dates".split(), 2) is None
    True
    """
    skip = modifiers or set()
    index = start - 1
    while index >= 0 and (index in skip or words[index] in {"the", "of", "a", "an"}):
        index -= 1
    if index < 0 or aggregation_before(words, index + 1, modifiers) is None:
        return None
    second = _aggregation_of(words[index])
    index -= 1
    while index >= 0 and words[index] in {"the", "and"}:
        index -= 1
    if index < 0 or "and" not in words[index + 1:start]:
        return None
    first = _aggregation_of(words[index])
    return first if first is not None and first != second else None


def _aggregation_of(word: str) -> Aggregation | None:
    if word in AGGREGATION_WORDS:
        return AGGREGATION_WORDS[word]
    return TIME_EXTREMES.get(word)


def count_phrase_before(words: Sequence[str], start: int, after: int = 0) -> bool:
    """Whether a count phrase ("how many", "number of") stands in the five words before
    ``start``, and not before ``after`` (the end of the previous match).

    >>> count_phrase_before("how many active customers".split(), 3)
    True
    """
    window = words[max(start - 5, after, 0) : start]
    return any(phrase_at(window, j, COUNT_PHRASES) for j in range(len(window)))


def listing_word_before(words: Sequence[str], start: int) -> bool:
    """Whether a word that lists rows ("show", "latest") comes anywhere before ``start``."""
    return any(w in LIST or w in RECENT or w in OLDEST for w in words[:start])


def heads_a_ranking(words: Sequence[str], start: int) -> bool:
    """True for the head noun of a ranking: "top 10 customers", "which 3 reps"."""
    for k, w in enumerate(preceding(words, start, 4)):
        if w in TOP or w in BOTTOM:
            return True
        if w in {"which", "what"} and k >= 1:
            # "which 3 sales reps": a count of groups asked for by number.
            return is_number(words[start - 1])
        if not (is_number(w) or w in {"the", "my", "our", "selling", "performing", "popular"}):
            return False
    return False


def comparison_after(
    words: Sequence[str], end: int, used: set[int] | None = None
) -> tuple[FilterOp, list[object]] | None:
    """The comparison right after a phrase, past linking words ("revenue of more than
    500"); its position is added to ``used`` when given.

    >>> comparison_after("revenue is more than 500".split(), 1)
    ('gt', [500])
    """
    j = end
    while j < len(words) and words[j] in {
        "is",
        "was",
        "are",
        "were",
        "of",
        "with",
        "a",
        "total",
        "for",
        "worth",
        "valued",
        "in",
    }:
        j += 1
    found = comparison_at(words, j)
    if found and used is not None:
        used.add(j)
    return found


def comparison_at(words: Sequence[str], j: int) -> tuple[FilterOp, list[object]] | None:
    """The comparison with a number that starts at ``j``, if any.

    >>> comparison_at("between 10 and 20".split(), 0)
    ('between', [10.0, 20.0])
    >>> comparison_at("more than a few".split(), 0) is None
    True
    """
    size = phrase_at(words, j, list(GREATER))
    if not size:
        if words[j : j + 1] == ["between"]:
            low = parse_number(words[j + 1]) if j + 1 < len(words) else None
            high = parse_number(words[j + 3]) if j + 3 < len(words) else None
            if low is not None and high is not None and words[j + 2] == "and":
                between: FilterOp = "between"
                return between, [low, high]
        return None
    op = cast(FilterOp, GREATER[tuple(words[j : j + size])])
    number = parse_number(words[j + size]) if j + size < len(words) else None
    if number is None:
        return None
    return op, [int(number) if number.is_integer() else number]


def things_after_the_number(
    matches: Sequence[Match], words: Sequence[str], start: int
) -> bool:
    """Whether the first number from ``start`` on is followed by the name of things
    ("bought more than 2 cars"): a count of them, not money or a size."""
    number = next((j for j in range(start, min(start + 5, len(words))) if is_number(words[j])),
                  None)
    return number is not None and any(m.start == number + 1 and "object" in m.kinds
                                      for m in matches)
