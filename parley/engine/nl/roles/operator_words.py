"""Operator words that act on the whole question ("share", "growth", "vs", "how many",
"spent more than"), and the comparison and negation words that qualify nothing.
"""

from __future__ import annotations

from parley.engine.nl.lexicon import Concept
from parley.engine.nl.roles.phrases import (
    comparison_after,
    comparison_at,
    contains,
    phrase_at,
    things_after_the_number,
)
from parley.engine.nl.roles.reading import FilterPart, Reading
from parley.engine.nl.vocabulary import (
    COMPARE,
    COUNT_PHRASES,
    GREATER,
    GROUP,
    GROWTH,
    INSTEAD,
    LIST,
    MONEY_VERBS,
    NEGATE,
    SHARE,
)

#: Words of a percentage, which after growth words say how the growth is given.
_PERCENT = frozenset({"%", "percent", "percentage", "pct", "of"})


def _ends_a_percent_column(reading: Reading, index: int) -> bool:
    """Whether the word at ``index`` follows the name of a column kept in percent
    ("commission" of ``commission_pct``): it says the column's unit, not a share."""
    return any(
        m.end == index and any(
            c.kind in {"attribute", "metric"} and ("pct" in c.name.lower()
                                                   or "percent" in c.name.lower())
            for c in m.concepts)
        for m in reading.matches
    )


def read_operators(reading: Reading, words: list[str], used: set[int]) -> None:
    """Operator words that act on the whole question."""
    percent_only = True
    for i, w in enumerate(words):
        if i in used:
            continue
        if w in _PERCENT and _ends_a_percent_column(reading, i):
            used.add(i)  # "commission percentage" of commission_pct: the column's own word
            continue
        if w in SHARE or (w == "of" and words[i - 1 : i] == ["percent"]):
            reading.share = True
            percent_only = percent_only and w in _PERCENT
            used.add(i)
        elif w in GROWTH:
            reading.growth = True
            used.add(i)
        elif w in COMPARE:
            reading.compare_words = True
            used.add(i)
        elif w in INSTEAD:
            reading.instead = True
            used.add(i)
        elif w in LIST and i <= 2:
            reading.list_words = True
        if phrase_at(words, i, COUNT_PHRASES):
            reading.count_words = True
        if w in MONEY_VERBS:
            reading.money_words = True
            reading.money_verbs = True
        if w == "how" and words[i + 1 : i + 2] == ["much"]:
            reading.money_words = True
        if w in ("over", "and") and words[i + 1 : i + 2] and words[i + 1] in ("over",):
            used.add(i)
    if reading.share and reading.growth and percent_only:
        reading.share = False  # "grow ... as a percentage": the growth is the percentage
    for unit in ("day", "week", "month", "quarter", "year"):
        if (unit == "year" and "yoy" in words) or contains(words, (unit, "over", unit)):
            # "month over month growth": growth along a series of that grain.
            reading.growth = True
            if not reading.time.compare and reading.time.grain is None:
                reading.time.grain = unit  # type: ignore[assignment]
            for j in range(len(words) - 2):
                if words[j : j + 3] == [unit, "over", unit]:
                    used.update({j, j + 1, j + 2})
            if "yoy" in words:
                used.add(words.index("yoy"))


def read_listed_grain(reading: Reading, words: list[str], used: set[int]) -> None:
    """ "by region and year": a time unit in a list of groups is a grain."""
    units = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
    for i, w in enumerate(words):
        if i in used or w not in units or i == 0 or words[i - 1] not in {"and", ",", "&"}:
            continue
        if any(words[j] in GROUP for j in range(i)):
            reading.time.grain = units[w]  # type: ignore[assignment]
            used.update({i, i - 1})


def read_loose_conditions(reading: Reading, words: list[str]) -> None:
    """A comparison after a verb of money ("spent more than 5000"): on the main metric."""
    for i, w in enumerate(words):
        if w in MONEY_VERBS:
            found = comparison_after(words, i + 1, reading.compared)
            if found and things_after_the_number(reading.matches, words, i + 1):
                continue  # "bought more than 2 cars": a count of cars, not money
            if found:
                reading.money_condition = FilterPart(Concept("metric", ""), found[0], found[1])
                return


def read_unattached(reading: Reading, words: list[str], used: set[int]) -> None:
    """Comparison and negation words that qualify nothing the reading holds: dropped
    silently they would change the question, so they count as unexplained words."""
    for i in range(len(words)):
        size = phrase_at(words, i, list(GREATER))
        if not size or i in reading.time.used or i in reading.compared:
            continue
        if comparison_at(words, i):
            reading.unattached.append(" ".join(words[i : i + size + 1]))
            used.update(range(i, i + size + 1))
        elif words[i] not in {"over", "under", "="} and not any(
            j in reading.time.used for j in range(i, i + size + 2)
        ):
            # "below their reorder point": a comparison with something that is no number.
            reading.unattached.append(" ".join(words[i : i + size + 3]))
            used.update(range(i, i + size))
    for i, w in enumerate(words):
        # A "not" or "never" that negates no value would be dropped silently: say so.
        if (
            (w in NEGATE or w in {"never", "no", "none"})
            and i not in reading.negations
            and (
                i not in used
                and not phrase_at(words, i, list(GREATER))
                and w not in {"minus", "remove", "drop", "omit", "omitting", "ignore", "ignoring"}
            )
        ):
            reading.unattached.append(w)
            used.add(i)
