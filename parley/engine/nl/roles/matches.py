"""The evidence's matches as the role readers see them: joined where English joins two
names into one ("conversion revenue", "annual billing"), and what kind of thing each names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from parley.engine.nl.evidence import Match
from parley.engine.nl.lexicon import Concept, Lexicon
from parley.engine.nl.roles.phrases import is_number
from parley.engine.nl.text import Token, tokenize
from parley.engine.nl.timephrases import ADVERB_GRAINS


def absorb_qualifiers(matches: list[Match], lexicon: Lexicon) -> list[Match]:
    """ "annual billing", "the Electronics category": the word after a value that names
    the value's own column belongs to the value, not to another concept."""
    kept: list[Match] = []
    for m in matches:
        previous = kept[-1] if kept else None
        if (
            previous is not None
            and previous.end == m.start
            and "value" in previous.kinds
            and not any(
                c.kind == "object" and c.object in {v.object for v in previous.of_kind("value")}
                for c in m.concepts
            )
        ):
            value = previous.of_kind("value")[0]
            words = lexicon.attribute_words.get(value.field, set())
            stems = {t.stem for t in tokenize(m.text)}
            if stems and stems <= words:
                previous.end = m.end
                continue
        kept.append(m)
    return kept


#: Marks that separate the things a question lists; a comma inside a number ("1,500") not.
_SEPARATORS = re.compile(r",(?!\d)|[;/|()]")


def punctuated(question: str) -> set[int]:
    """Positions of the tokens that punctuation (a comma, a slash...) separates from the
    token before them: "revenue, cost" lists two things, "conversion revenue" names one."""
    found: set[int] = set()
    position = 0
    for piece in _SEPARATORS.split(question):
        if position:
            found.add(position)
        position += len(tokenize(piece))
    return found


def _measure_only(m: Match) -> bool:
    """Whether every concept the match names is measured (a metric or a measure column)."""
    return bool(m.concepts) and all(
        c.kind == "metric" or is_measure(c) for c in m.concepts
    )


def _columns(m: Match) -> set[str]:
    """The columns a measure match names: a column and its total are one."""
    return {
        c.field if c.kind == "attribute" else f"{c.object}.{_metric_column(c.name)}"
        for c in m.concepts
    }


def _metric_column(name: str) -> str:
    """The column a metric's name is made of ("total_revenue": revenue)."""
    for prefix in ("total_", "avg_", "average_", "sum_"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


#: Words that only say a quantity is counted, not what: "units", "pieces", "amount".
_GENERIC_MEASURES = frozenset(
    {"units", "unit", "pieces", "piece", "items", "quantity", "qty", "amount", "volume",
     "number", "count", "total", "value", "dollars", "euros"}
)


def compound_measures(
    matches: list[Match], punctuated: set[int], words: Sequence[str]
) -> list[Match]:
    """ "conversion revenue", "units on hand": two measure names side by side, with no
    "and" or comma between them, name one measure. English compounds put their head last,
    so the last name is the measure and the words before it only qualify it, unless the
    last is a mere unit of count ("on hand units")."""
    kept: list[Match] = []
    for m in matches:
        previous = kept[-1] if kept else None
        if (
            previous is not None
            and previous.end == m.start
            and m.start not in punctuated
            and not previous.fuzzy
            and _measure_only(previous)
            and _measure_only(m)
            and {c.field for c in previous.concepts} != {c.field for c in m.concepts}
            # Each names one column; "grade 5" is a column beside its value, no measure.
            and len(_columns(previous)) == 1
            and len(_columns(m)) == 1
            and not (m.end < len(words) and is_number(words[m.end]))
        ):
            # A generic unit ("units on hand", "on hand units") defers to the named measure.
            head = previous if m.text in _GENERIC_MEASURES else m
            text = f"{previous.text} {m.text}"
            kept[-1] = Match(previous.start, m.end, head.concepts, text, head.fuzzy)
            continue
        kept.append(m)
    return kept


def value_adverbs(tokens: list[Token], lexicon: Lexicon) -> set[int]:
    """Words like "annual" or "monthly" that are values in the data, used as values.

    They are values when the question also names their column or its object ("annual
    billing", "monthly subscriptions"), picks them out ("just the annual ones") or is
    nothing but them after a follow-up lead ("what about monthly?"); otherwise they are
    grains ("monthly revenue").
    """
    stems = {t.stem for t in tokens}
    keep: set[int] = set()
    for i, token in enumerate(tokens):
        if token.norm not in ADVERB_GRAINS:
            continue
        values = [c for c in lexicon.lookup((token.stem,), (token.norm,)) if c.kind == "value"]
        for value in values:
            words = lexicon.attribute_words.get(value.field, set()) | lexicon.object_words.get(
                value.object, set()
            )
            before = tokens[i - 1].norm if i else ""
            after = tokens[i + 1].norm if i + 1 < len(tokens) else ""
            others = {t.norm for t in tokens} - {token.norm}
            if (
                # "what about monthly?": a value put in place of another, not a grain.
                others <= {"what", "about", "how", "and", "for", "the", "ones", "instead"}
                and others & {"about", "and"}
            ) or (
                (stems - {token.stem}) & words
                or before in {"only", "just", "the"}
                or after in {"ones", "only", "plans", "plan"}
            ):
                keep.add(i)
    return keep


def value_text(m: Match) -> str:
    """The data value a match names, in the words the question would use for it."""
    value = next((c.value for c in m.concepts if c.kind == "value"), None) or ""
    return " ".join(t.norm for t in tokenize(str(value)))


def is_measure(concept: Concept) -> bool:
    """A column whose values are summed or averaged (an amount, a price)."""
    return concept.kind == "attribute" and concept.role == "measure"


def names_measure(m: Match) -> bool:
    """A phrase naming a measure column, and so also its average or total ("price")."""
    return any(is_measure(c) for c in m.concepts)


def names_time(m: Match) -> bool:
    """A phrase naming a date column ("order date", "shipped")."""
    return any(c.kind == "attribute" and c.role == "time" for c in m.concepts)
