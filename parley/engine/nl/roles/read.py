"""From evidence to a reading: a question read once, left to right, step by step.

Each step adds to one ``Reading`` what its words say: the evidence's matches, the
operator words of the whole question, each match's role, the rankings, and last the
words left unexplained, which the parser reports rather than ignores.
"""

from __future__ import annotations

import datetime as dt

from parley.engine.nl.evidence import find_matches, opening_request
from parley.engine.nl.lexicon import Lexicon
from parley.engine.nl.roles.assign import assign_roles
from parley.engine.nl.roles.matches import (
    absorb_qualifiers,
    compound_measures,
    punctuated,
    value_adverbs,
)
from parley.engine.nl.roles.operator_words import (
    read_listed_grain,
    read_loose_conditions,
    read_operators,
    read_unattached,
)
from parley.engine.nl.roles.phrases import is_number
from parley.engine.nl.roles.ranking import read_ranking, read_superlative
from parley.engine.nl.roles.reading import Reading
from parley.engine.nl.text import in_capitals, tokenize
from parley.engine.nl.timephrases import ADVERB_GRAINS, find_time
from parley.engine.nl.vocabulary import KNOWN, RELATIVE_AFTER, RELATIVE_BEFORE, UNIT_NAMES


def _relative_phrases(words: list[str]) -> set[int]:
    """"the month before", "the previous month": a period relative to another, never a
    value ('Cardiac medication (month)' is no month)."""
    found: set[int] = set()
    for i in range(len(words) - 1):
        if (words[i] in UNIT_NAMES and words[i + 1] in RELATIVE_AFTER) or (
            words[i] in RELATIVE_BEFORE and words[i + 1] in UNIT_NAMES
        ):
            found.update({i, i + 1})
    return found


def read_question(question: str, lexicon: Lexicon, today: dt.date) -> Reading:
    """What ``question`` names, each part in its role, and what it leaves unexplained."""
    tokens = tokenize(question)
    words = [t.norm for t in tokens]
    time = find_time(tokens, today, keep=value_adverbs(tokens, lexicon))
    relative = _relative_phrases(words)
    matches = absorb_qualifiers(find_matches(tokens, lexicon, time.used | relative), lexicon)
    matches = compound_measures(matches, punctuated(question), words)
    reading = Reading(tokens=tokens, time=time, matches=matches)
    used: set[int] = set(time.used)
    for m in matches:
        used.update(range(m.start, m.end))
    read_operators(reading, words, used)
    reading.per_period_average = any(
        w in {"average", "avg", "mean"} and words[i + 1 : i + 2] and words[i + 1] in ADVERB_GRAINS
        for i, w in enumerate(words)
    )
    read_listed_grain(reading, words, used)
    assign_roles(reading, words)
    read_superlative(reading, words)
    read_ranking(reading, words)
    read_loose_conditions(reading, words)
    read_unattached(reading, words, used)
    owners = {c.object for m in matches for c in m.concepts}
    qualifiers = (
        set().union(*(lexicon.object_words.get(o, set()) for o in owners)) if owners else set()
    )
    reading.unknown = [*reading.unattached]
    used.update(relative)
    request = opening_request(tokens)  # "Return the top 5 customers": a request only
    reading.unknown += [
        tokens[i].text
        for i in range(len(tokens))
        if i not in used
        and i not in request
        and (tokens[i].norm not in KNOWN or in_capitals(tokens[i], question))
        and not is_number(tokens[i].norm)
        and tokens[i].stem not in qualifiers
    ]
    for i in range(len(tokens) - 1):
        if (words[i], words[i + 1]) == ("first", "time") and not {i, i + 1} & used:
            # "first-time buyers": first orders, which no column says; not two known words.
            reading.unknown.append("first-time")
    return reading
