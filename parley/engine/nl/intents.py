"""Intents that are not data questions: greetings, schema help, chart changes."""

from __future__ import annotations

from collections.abc import Sequence

from parley.engine.charts import chart_type_in, normalise_chart_type
from parley.engine.nl.text import Token

_GREETINGS = frozenset(
    {
        "hi",
        "hello",
        "hey",
        "hiya",
        "howdy",
        "greetings",
        "yo",
        "morning",
        "afternoon",
        "evening",
        "thanks",
        "thank",
        "thx",
        "cheers",
        "bye",
        "goodbye",
        "ok",
        "okay",
        "great",
        "cool",
        "nice",
        "awesome",
        "perfect",
    }
)
_GREETING_FILLER = frozenset(
    {
        "good",
        "there",
        "you",
        "so",
        "much",
        "very",
        "a",
        "lot",
        "all",
        "how",
        "are",
        "is",
        "it",
        "going",
        "parley",
        "again",
        "for",
        "that",
        "the",
        "help",
        "who",
        "what",
        "your",
        "name",
        "do",
        "doing",
    }
)
_HELP_PHRASES: tuple[tuple[str, ...], ...] = (
    ("what", "can", "i", "ask"),
    ("what", "should", "i", "ask"),
    ("what", "can", "you", "do"),
    ("what", "can", "you", "answer"),
    ("help",),
    ("what", "tables"),
    ("which", "tables"),
    ("list", "tables"),
    ("list", "the", "tables"),
    ("show", "tables"),
    ("show", "me", "the", "tables"),
    ("what", "data"),
    ("which", "data"),
    ("what", "columns"),
    ("which", "columns"),
    ("what", "fields"),
    ("what", "metrics"),
    ("which", "metrics"),
    ("what", "kind", "of", "questions"),
    ("describe",),
    ("what", "information"),
    ("what", "do", "you", "know"),
    ("schema",),
    ("data", "model"),
    ("what", "is", "in", "the"),
    ("what", "s", "in", "the"),
    ("example", "questions"),
    ("what", "attributes"),
    ("how", "do", "i", "use"),
    ("what", "dimensions"),
)
_CHART_CONTEXT = frozenset(
    {
        "chart",
        "graph",
        "plot",
        "visual",
        "visualization",
        "visualisation",
        "viz",
        "as",
        "into",
        "make",
        "show",
        "switch",
        "change",
        "use",
        "display",
        "draw",
        "render",
        "instead",
        "it",
        "this",
        "that",
        "same",
        "turn",
    }
)


_GREETING_FILLER = _GREETING_FILLER | {
    "helpful", "useful", "appreciate", "appreciated", "that", "was", "works", "worked",
    "super", "really", "day", "much",
}  # fmt: skip
_HELP_PHRASES = (
    *_HELP_PHRASES,
    ("kind", "of", "data"),
    ("sort", "of", "data"),
    ("which", "fields"),
    ("fields", "in"),
    ("columns", "in"),
    ("what", "info"),
    ("keep", "on"),
    ("know", "about"),
    ("what", "questions"),
    ("what", "can", "i", "query"),
    # "what kind of information do you have about cars?"
    *((kind, "of", what) for kind in ("kind", "kinds", "sort", "sorts", "type", "types")
      for what in ("information", "info")),
    *((what, "do", "you", "have") for what in ("information", "info", "data")),
)


def is_greeting(tokens: Sequence[Token]) -> bool:
    words = [t.norm for t in tokens]
    if not words:
        return False
    if words in (["who", "are", "you"], ["what", "are", "you"], ["how", "are", "you"]):
        return True
    return any(w in _GREETINGS for w in words) and all(
        w in _GREETINGS or w in _GREETING_FILLER for w in words
    )


def is_schema_help(tokens: Sequence[Token]) -> bool:
    words = [t.norm for t in tokens]
    return any(
        tuple(words[i : i + len(phrase)]) == phrase
        for phrase in _HELP_PHRASES
        for i in range(len(words))
    )


def requested_chart(tokens: Sequence[Token]) -> str | None:
    """The chart type a message asks for ("as a pie chart"), if it asks for one.

    The words are the chart vocabulary of ``engine.charts``; a chart name said without
    "chart" counts only where the message speaks of showing something ("as a pie").

    >>> from parley.engine.nl.text import tokenize
    >>> requested_chart(tokenize("now as a doughnut")), requested_chart(tokenize("top products"))
    ('donut', None)
    """
    words = [t.norm for t in tokens]
    text = " ".join(words)
    named = chart_type_in(text)
    if named is not None:
        as_chart = any(f"{named} {w}" in text for w in ("chart", "graph", "plot"))
        in_context = bool(set(words) & _CHART_CONTEXT) or len(words) <= 2
        if as_chart or (named not in _NOT_ON_THEIR_OWN and in_context):
            return normalise_chart_type(named)
    for i, w in enumerate(words):
        if w in {"table", "number", "kpi"} and words[i + 1 : i + 2] in (
            ["chart"],
            ["view"],
            ["format"],
        ):
            return normalise_chart_type(w)
        if w in {"table"} and words[i - 1 : i] in (["a"], ["as"]) and len(words) <= 5:
            return "table"
    return None


#: Chart names that are ordinary words too: a chart only when "chart" follows.
_NOT_ON_THEIR_OWN = frozenset({"column"})
