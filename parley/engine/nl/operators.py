"""Operator phrases: the closed vocabulary that shapes a reading, found in a question's tokens.

Every other word of a question must name something of the ontology, a value, a number,
or be one of the grammar words here that change nothing ("what", "the", "show me").
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from parley.engine.nl.text import Token

OperatorKind = Literal[
    "count", "aggregate", "extreme", "most", "distinct", "group", "order", "compare",
    "between", "negation", "top", "adjective", "each", "recent",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Operator:
    kind: OperatorKind
    start: int
    end: int
    #: The aggregation ("avg"), comparison ("gt"), direction ("desc") or adjective's column word.
    arg: str = ""
    #: For adjectives: whether the largest value comes first ("oldest": by age, descending).
    descending: bool = True


_PHRASES: dict[tuple[str, ...], tuple[OperatorKind, str]] = {}
#: "in the descending order of", "in a descending order of" (and, often, "in an ...").
_ARTICLES = ("the ", "a ", "an ", "")


def _add(kind: OperatorKind, arg: str, *phrases: str) -> None:
    for phrase in phrases:
        _PHRASES[tuple(phrase.split())] = (kind, arg)


_add("count", "", "how many", "number of", "count of", "count", "total number of",
     "the number of", "counts", "how much number", "numbers of", "the numbers of")
_add("aggregate", "avg", "average", "avg", "mean", "average of", "the average")
_add("aggregate", "sum", "total", "sum of", "sum", "combined", "in total", "total of")
_add("extreme", "max", "maximum", "max", "highest", "largest", "biggest", "greatest",
     "the maximum", "the highest", "the largest", "the biggest", "the greatest")
_add("extreme", "min", "minimum", "min", "lowest", "smallest", "least", "fewest",
     "the minimum", "the lowest", "the smallest", "the least", "the fewest")
_add("most", "desc", "most", "the most", "most number of", "the most number of",
     "largest number of", "the largest number of", "highest number of",
     "the highest number of", "greatest number of", "the greatest number of", "most amount of",
     "the most amount of", "the highest amount of", "the largest amount of",
     "the greatest amount of", "highest amount of", "largest amount of")
_add("most", "asc", "least number of", "the least number of", "fewest number of",
     "smallest number of", "the smallest number of", "lowest number of",
     "the lowest number of", "the fewest number of", "the fewest amount of",
     "the least amount of", "the smallest amount of", "the lowest amount of", "fewest amount of",
     "least amount of", "smallest amount of")
_add("recent", "desc", "most recent", "the most recent", "most recently", "the most recently",
     "latest", "the latest", "newest", "the newest", "most lately")
_add("recent", "asc", "least recent", "least recently", "earliest", "the earliest",
     "first created", "oldest created")
_add("distinct", "", "distinct", "different", "unique", "different kinds of",
     "distinct kinds of", "different sorts of")
_add("group", "", "for each", "for every", "in each", "of each", "by each", "per", "each",
     "every", "grouped by", "group by", "for all different", "across", "for the different",
     "for different", "for that", "for each of the different", "in the different")
_add("order", "", "ordered by", "order by", "sorted by", "sort by", "ranked by",
     "in order of", "in the order of", "order of", "sorted in", "ordered in")
_add("order", "asc", "in ascending order", "ascending", "in ascending order of",
     *(f"{lead}{article}ascending order of" for lead in ("in ", "") for article in _ARTICLES),
     *(f"in {article}ascending order" for article in _ARTICLES),
     "in increasing order of", "in ascending order by", "in increasing order by",
     "alphabetical order", "in alphabetical order", "alphabetically", "increasing order",
     "in increasing order", "from low to high", "from lowest to highest",
     "from the lowest to the highest", "from the smallest to the largest",
     "from smallest to largest", "increasing", "from least to most", "from the least to the most",
     "from fewest to most", "from the fewest to the most")
_add("order", "desc", "in descending order", "descending", "in descending order of",
     *(f"{lead}{article}descending order of" for lead in ("in ", "") for article in _ARTICLES),
     *(f"in {article}descending order" for article in _ARTICLES),
     "in decreasing order of", "in descending order by", "in decreasing order by",
     "decreasing order", "in decreasing order", "from high to low", "from highest to lowest",
     "from the highest to the lowest", "from the largest to the smallest",
     "from largest to smallest", "decreasing", "from most to least", "from the most to the least",
     "from most to fewest", "from the most to the fewest",
     "in reverse alphabetical order", "reverse alphabetical order",
     "descending alphabetical order", "in descending alphabetical order",
     "alphabetically descending", "in descending alphabetical")
_add("compare", "gt", "more than", "greater than", "larger than", "bigger than",
     "higher than", "over", "above", "exceeding", "exceeds", "longer than", "after")
_add("compare", "lt", "less than", "fewer than", "smaller than", "lower than", "under",
     "below", "shorter than", "before")
_add("compare", "gte", "at least", "no less than", "not less than", "or more", "or above",
     "or greater", "or higher", "or later", "or after", "greater than or equal to",
     "larger than or equal to", "more than or equal to")
_add("compare", "lte", "at most", "no more than", "not more than", "or less", "or fewer",
     "or below", "or lower", "or earlier", "or before", "less than or equal to",
     "smaller than or equal to", "up to")
_add("compare", "eq", "equal to", "equals", "exactly")
_add("between", "", "between")
_add("negation", "", "not", "no", "never", "without", "except", "excluding", "n't",
     "other than", "neither", "nor", "don't", "doesn't", "didn't", "haven't", "hasn't",
     "isn't", "aren't", "wasn't", "weren't", "outside")
_add("top", "", "top")
_add("each", "", "all")

#: Adjectives that compare or rank rows by a kind of column: the word the column's name
#: holds, and whether the largest comes first.
ADJECTIVES: dict[str, tuple[str, bool, str]] = {
    # word: (column word, descending for the superlative, comparison for "-er than")
    "oldest": ("age", True, ""), "youngest": ("age", False, ""),
    "older": ("age", True, "gt"), "younger": ("age", False, "lt"),
    "tallest": ("height", True, ""), "shortest": ("height", False, ""),
    "taller": ("height", True, "gt"), "heaviest": ("weight", True, ""),
    "lightest": ("weight", False, ""), "heavier": ("weight", True, "gt"),
    "lighter": ("weight", False, "lt"), "cheapest": ("price", False, ""),
    "cheaper": ("price", False, "lt"), "expensive": ("price", True, ""),
    "longest": ("length", True, ""), "richest": ("money", True, ""),
}  # fmt: skip

#: Words that shape nothing: request forms, articles, auxiliaries, pronouns.
GRAMMAR = frozenset({
    "what", "which", "who", "whom", "whose", "where", "is", "are", "was", "were", "be",
    "been", "being", "do", "does", "did", "the", "a", "an", "of", "for", "to", "in", "on",
    "at", "with", "and", "that", "this", "these", "those", "there", "their", "its", "his",
    "her", "it", "they", "them", "show", "list", "find", "give", "return", "tell", "display",
    "get", "me", "us", "i", "we", "please", "can", "could", "would", "you", "also", "both",
    "all", "any", "as", "well", "along", "together", "corresponding", "respectively",
    "information", "info", "details", "detail", "record", "records", "data", "entries",
    "entry", "have", "has", "had", "having", "from", "or", "out", "let", "know",
    "provide", "compute", "calculate", "determine", "identify", "see", "retrieve",
    "fetch", "look", "up", "value", "values", "one", "ones", "whole",
    "overall", "currently", "current", "exist", "exists", "existing", "registered",
    "recorded", "listed", "stored", "available", "given", "total", "amount", "each",
    "s", "so", "far", "how", "if", "it's", "what's", "some", "into", "within", "per",
    "belong", "belongs", "belonging", "associated", "related", "involved", "about", "named",
    "called", "titled", "among", "amongst", "correspond", "corresponds",
    "name", "names", "anything", "something",
})  # fmt: skip

#: Verbs that relate two objects ("students who took courses"): explained when the reading
#: joins two objects, unexplained otherwise.
RELATION_VERBS = frozenset({
    "own", "owns", "owned", "take", "takes", "took", "taken", "make", "makes", "made",
    "play", "plays", "played", "work", "works", "worked", "working", "live", "lives",
    "lived", "living", "attend", "attends", "attended", "enroll", "enrolled", "enrolls",
    "register", "registers", "participate", "participates", "participated", "visit",
    "visits", "visited", "buy", "buys", "bought", "write", "writes", "wrote", "written",
    "publish", "published", "produce", "produced", "direct", "directed", "host", "hosted",
    "hold", "holds", "held", "use", "uses", "used", "using", "contain", "contains", "contained",
    "include", "includes", "included", "serve", "serves", "served", "teach", "teaches",
    "taught", "sing", "sang", "sung", "perform", "performed", "win", "won", "receive",
    "received", "create", "created", "assign", "assigned", "located", "manage", "manages",
    "managed", "run", "runs", "operate", "operates", "operated", "join", "joined",
    "come", "comes", "came", "go", "goes", "went", "get", "got", "born", "appear",
    "appeared", "happen", "happened", "lead", "led", "leads", "sell", "sells", "sold",
    "order", "ordered", "orders", "book", "booked", "rent", "rented", "offer", "offered",
    "provide", "provided", "support", "supported", "affect", "affected", "involve",
    "release", "released", "record", "build", "built", "found", "founded", "study",
    "studies", "studied", "major", "in", "on", "at", "place", "places", "placed",
})  # fmt: skip

#: More verbs that relate two objects ("advisors that advise more than 2 students",
#: "airlines based in Russia"), explained only by where they stand: between two read
#: words, before a value, beside the rows counted. Never merely because the reading joins
#: somewhere ("customers who filed complaints of the product with the most complaints" is
#: no count per product of those customers).
PLACED_RELATION_VERBS = frozenset({
    "advise", "advises", "advised", "advising", "share", "shares", "shared", "file", "filed",
    "interact", "interacts", "interacted", "hire", "hires", "hired", "employ", "employs",
    "employed", "contribute", "contributes", "contributed", "cause", "causes", "caused",
    "supervise", "supervises", "supervised", "based", "operating", "managing", "teaching",
    "playing", "participating", "writing", "giving", "gives", "gave", "studying", "attending",
    "taking", "visiting", "hosting", "owning", "directing", "producing", "enrolling",
    "serving", "leading",
})  # fmt: skip


#: Adjectives said with "most" / "least": "the most expensive product".
_GRADED: dict[tuple[str, ...], tuple[str, bool]] = {
    ("most", "expensive"): ("price", True), ("least", "expensive"): ("price", False),
    ("most", "pricy"): ("price", True), ("most", "costly"): ("price", True),
    ("most", "populous"): ("population", True), ("least", "populous"): ("population", False),
}  # fmt: skip


def find_operators(tokens: Sequence[Token]) -> list[Operator]:
    """Operator phrases, longest first, left to right, not overlapping.

    >>> from parley.engine.nl.text import tokenize
    >>> [(o.kind, o.arg) for o in find_operators(tokenize("How many heads are older than 56?"))]
    [('count', ''), ('adjective', 'age')]
    """
    words = [t.norm for t in tokens]
    found: list[Operator] = []
    i = 0
    longest = max(len(p) for p in _PHRASES)
    while i < len(words):
        start = i + 1 if words[i] == "the" else i
        graded = _GRADED.get(tuple(words[start : start + 2]))
        if graded is not None:
            found.append(Operator("adjective", i, start + 2, graded[0], graded[1]))
            i = start + 2
            continue
        for size in range(min(longest, len(words) - i), 0, -1):
            phrase = tuple(words[i : i + size])
            if phrase in _PHRASES:
                kind, arg = _PHRASES[phrase]
                found.append(Operator(kind, i, i + size, arg))
                i += size
                break
            if size == 1 and words[i] in ADJECTIVES:
                column, descending, comparison = ADJECTIVES[words[i]]
                than = comparison and i + 1 < len(words) and words[i + 1] == "than"
                end = i + 2 if than else i + 1
                found.append(Operator("adjective", i, end, column, descending))
                i = end
                break
        else:
            i += 1
    return _first_and_last_as_extremes(found, words)


def _first_and_last_as_extremes(found: list[Operator], words: list[str]) -> list[Operator]:
    """"the earliest and the latest departure dates": two figures of the dates, their
    minimum and maximum, not a ranking of rows by them both ways.

    >>> from parley.engine.nl.text import tokenize
    >>> [(o.kind, o.arg) for o in find_operators(tokenize("the earliest and latest dates"))]
    [('extreme', 'min'), ('extreme', 'max')]
    """
    for first, second in itertools.pairwise(list(found)):
        between = set(words[first.end:second.start])
        if first.kind == second.kind == "recent" and first.arg != second.arg and (
            between and between <= {"and", "the", "or"}
        ):
            for op in (first, second):
                found[found.index(op)] = Operator(
                    "extreme", op.start, op.end, "min" if op.arg == "asc" else "max")
    return found
