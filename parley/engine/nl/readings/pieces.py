"""The pieces a question is split into, and what each piece may stand for.

A question becomes a frame: its tokens, the operator phrases found in it, and its
pieces (ontology matches, quoted values, numbers). The helpers here decide which
matches are pieces at all: a verb is not a value, "the number of" a count or a column.
A reading that cannot be given declines with ``Declined`` (or a ``Hazard`` when the
reason makes every other reading suspect too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from parley.engine.nl.lexicon import Concept, Lexicon
from parley.engine.nl.operators import GRAMMAR, RELATION_VERBS, Operator
from parley.engine.nl.text import Token, fold, parse_number
from parley.engine.semantic.query import SemanticQuery


@dataclass(slots=True)
class Piece:
    start: int
    end: int
    kind: str  # "object", "attribute", "value", "number", "quoted"
    concepts: list[Concept] = field(default_factory=list)
    text: str = ""
    number: float | None = None
    used: bool = False

    @property
    def names_column(self) -> bool:
        return any(c.kind == "attribute" for c in self.concepts)

    @property
    def objects(self) -> list[str]:
        return [c.object for c in self.concepts if c.kind == "object"]


@dataclass(slots=True)
class Candidate:
    query: SemanticQuery
    confidence: float
    #: The reading in plain words ("number of heads, age over 56").
    description: str
    #: Words the reading did not explain.
    unexplained: list[str] = field(default_factory=list)


class Declined(Exception):
    """The question is outside the shapes a reading is sure of.

    A ``hazard`` is a reason to distrust any reading, not only this reader's: the
    question names a trap (a column that already counts, two values that cannot both
    hold, columns out of reach without a fan-out, a figure beside an ungrouped column).
    """

    def __init__(self, reason: str, *, hazard: bool = False) -> None:
        super().__init__(reason)
        self.hazard = hazard
        #: The question uses words only the business parser reads (set by ``read``).
        self.business = False


class Hazard(Declined):
    """A declined reading whose reason makes every other reading suspect too."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, hazard=True)
        #: A column out of the subject's reach: the objects holding it, and its piece.
        self.held_by: set[str] = set()
        self.unreached: Piece | None = None
        #: The subject the reading had chosen.
        self.subject = ""



@dataclass(slots=True)
class Frame:
    tokens: list[Token]
    operators: list[Operator]
    pieces: list[Piece]
    quoted: list[tuple[int, int, str]]
    #: A phrase named an ontology metric ("revenue"), which this reader leaves alone.
    names_metric: bool = False
    #: The question as asked (punctuation included).
    question: str = ""

    def piece_at(self, index: int) -> Piece | None:
        for piece in self.pieces:
            if piece.start <= index < piece.end:
                return piece
        return None

    def next_piece(self, index: int, *, skip_grammar: bool = True, limit: int = 4) -> Piece | None:
        """The first piece at or after ``index``, past grammar words only."""
        steps = 0
        while index < len(self.tokens) and steps <= limit:
            piece = self.piece_at(index)
            if piece is not None:
                return piece
            if not skip_grammar or self.tokens[index].norm not in _SKIPPABLE:
                return None
            index += 1
            steps += 1
        return None


_SKIPPABLE = frozenset({"the", "a", "an", "of", "all", "different", "distinct", "unique",
                        "each", "their", "its", "those", "these", "that", "for"})


FREQUENCY_WORDS = frozenset({"frequently", "often", "common", "commonly", "popular",
                              "frequent", "times", "widely"})


def event_verb(
    tokens: Sequence[Token], start: int, end: int, concepts: Sequence[Concept]
) -> bool:
    """A lone participle naming only date or number columns ("released", "affected" of a
    number of cities affected) is the verb, unless a word beside it asks about its date
    ("released most recently", "in 2010")."""
    if end - start != 1 or not participle(tokens[start].norm):
        return False
    if not all(c.kind == "attribute" and c.role in {"time", "measure"} for c in concepts):
        return False
    beside = {tokens[i].norm for i in (start - 1, end) if 0 <= i < len(tokens)}
    return not beside & {"most", "recently", "first", "last", "before", "after", "in", "on",
                         "during", "between", "since", "when", "latest", "earliest"}


def in_different(tokens: Sequence[Token], op: Operator) -> Operator:
    """"the number of matches in different competitions": one figure for each of them."""
    if op.kind == "distinct" and op.start > 0 and tokens[op.start - 1].norm in {
        "in", "for", "across", "among", "with", "by"
    } and tokens[op.start].norm in {"different", "various"}:
        return Operator("group", op.start, op.end)
    return op


def how_often(tokens: Sequence[Token], op: Operator) -> Operator:
    """"the least often", "least frequently": the fewest times, like "the most often"."""
    if (op.kind == "extreme" and op.arg == "min" and tokens[op.end - 1].norm == "least"
            and op.end < len(tokens) and tokens[op.end].norm in FREQUENCY_WORDS):
        return Operator("most", op.start, op.end, "asc")
    return op


#: Superlatives of a quantity that only countable things have: "the fewest members".
_FEW = frozenset({"fewest", "least"})
#: Superlatives that rank a count when said of "number of" rows: "the maximum number of".
_EXTREMES_OF_A_NUMBER = frozenset({"maximum", "minimum", "max", "min"})


def counted_superlatives(
    tokens: Sequence[Token], operators: list[Operator], pieces: Sequence[Piece]
) -> list[Operator]:
    """``operators`` with each superlative that counts the rows named after it read as
    "the most" / "the fewest" of them: "the department with the fewest members", "the
    role code with the least employees", "the organization with the maximum number of
    outcomes". English says "fewest" and "least" of a plural noun only of how many
    there are, and "the maximum number of" rows as "the largest number of" them.

    Only where the words right after name rows (an object) and no column: "the least
    points" of a points column, "the maximum number of rooms" of a room count column,
    stay the column's own minimum or maximum.
    """
    starts = {p.start: p for p in pieces}

    def rows_at(index: int) -> bool:
        piece = starts.get(index)
        return piece is not None and piece.kind == "object" and not piece.names_column

    found: list[Operator] = []
    skip: set[int] = set()
    for position, op in enumerate(operators):
        if position in skip:
            continue
        last = tokens[op.end - 1].norm
        if op.kind == "extreme" and last in _FEW and rows_at(op.end):
            found.append(Operator("most", op.start, op.end, "asc"))
            continue
        following = operators[position + 1] if position + 1 < len(operators) else None
        if op.kind == "extreme" and last in _EXTREMES_OF_A_NUMBER and (
            following is not None and following.kind == "count"
            and following.start == op.end
            and [t.norm for t in tokens[following.start:following.end]] == ["number", "of"]
            and rows_at(following.end)
        ):
            found.append(Operator("most", op.start, following.end,
                                  "desc" if op.arg == "max" else "asc"))
            skip.add(position + 1)
            continue
        found.append(op)
    return found


def participle(word: str) -> bool:
    """A verb form that says how a thing is involved ("used", "ordered", "booked")."""
    return word in RELATION_VERBS or (word.endswith("ed") and len(word) > 4)


def names_a_column(tokens: Sequence[Token], op: Operator, lexicon: Lexicon) -> bool:
    """"the phone number of clients" names a column; "the number of clients" counts;
    after an aggregate, "the average number of hosts" names a column called so."""
    if op.kind == "extreme" and op.end == op.start + 1 and op.end < len(tokens):
        # "storms with max speed over 1000": the column called "max speed".
        span = tokens[op.start:op.end + 1]
        named = lexicon.lookup(tuple(t.stem for t in span), tuple(t.norm for t in span))
        # ("the max speed of storms" is the largest speed; "a max speed" is no figure,
        # one row's column: "storms with a max speed greater than the average".)
        return any(c.kind == "attribute" for c in named) and not (
            op.start and tokens[op.start - 1].norm in {"the"} | _BEFORE_A_COUNT)
    if op.kind == "aggregate" and tokens[op.start].norm == "total" and op.start and (
        tokens[op.start - 1].norm in _BEFORE_A_COUNT - {"total", ","}
        or (tokens[op.start - 1].norm == "of" and op.start > 1
        and tokens[op.start - 2].norm in {"number", "numbers"})
    ):
        # "the average total passengers", "the maximum number of total passengers": a
        # column called "total ...", aggregated by the word before it.
        return _names_an_attribute(tokens, [op.start], range(
            op.end + 1, min(len(tokens), op.start + lexicon.longest) + 1), lexicon)
    if op.kind == "top":
        # "the maximum weeks on top": the words of a column's name around the operator.
        return _names_an_attribute(tokens, range(max(0, op.start - 3), op.start + 1), range(
            op.end, min(len(tokens), op.end + 3) + 1), lexicon, besides=(op.start, op.end))
    if op.kind != "count" or op.start == 0:
        return False
    if tokens[op.start].norm in {"count", "counts"}:
        # "the average room count": a column named "... count", not a count of rows.
        span = tokens[op.start - 1:op.start + 1]
        named = lexicon.lookup(tuple(t.stem for t in span), tuple(t.norm for t in span))
        return any(c.kind == "attribute" for c in named)
    if tokens[op.start].norm not in {"number", "numbers"}:
        return False
    before = tokens[op.start - 1].norm
    if before in _BEFORE_A_COUNT - {"total", ","}:
        return _names_an_attribute(tokens, [op.start], range(
            op.end + 1, min(len(tokens), op.start + lexicon.longest) + 1), lexicon)
    return before not in GRAMMAR | _BEFORE_A_COUNT


def _names_an_attribute(
    tokens: Sequence[Token], starts: Iterable[int], ends: Iterable[int], lexicon: Lexicon,
    *, besides: tuple[int, int] | None = None,
) -> bool:
    """Whether a span from one of ``starts`` to one of ``ends`` (other than ``besides``)
    names a column."""
    ends = list(ends)
    for start in starts:
        for end in ends:
            if (start, end) == besides or end <= start:
                continue
            span = tokens[start:end]
            named = lexicon.lookup(tuple(t.stem for t in span), tuple(t.norm for t in span))
            if any(c.kind == "attribute" for c in named):
                return True
    return False


#: Words before "number of" that leave it a count: "the total / average number of".
_BEFORE_A_COUNT = frozenset({"total", ",", "average", "mean", "avg", "maximum", "minimum",
                             "max", "min", "highest", "lowest", "largest", "smallest",
                             "greatest", "biggest"})


def find_span(tokens: Sequence[Token], inner: Sequence[Token], taken: set[int]) -> int | None:
    size = len(inner)
    for start in range(len(tokens) - size + 1):
        if start in taken:
            continue
        if all(tokens[start + k].norm == inner[k].norm for k in range(size)):
            return start
    return None


def names_before_synonyms(
    concepts: list[Concept], words: Sequence[Token], lexicon: Lexicon
) -> list[Concept]:
    """"order details" is the column called so, not order items by a synonym."""
    stems = tuple(t.stem for t in words)
    own = [c for c in concepts if c.kind == "attribute" and lexicon.names_wholly(stems, c)]
    if not own:
        return concepts
    owners = {c.object for c in own}
    # (An object called by its own key's name, "allergies" of the allergy types, stays.)
    return [c for c in concepts
            if c.kind != "object" or (stems, c) in lexicon.named or c.object in owners]


def plausible(
    concept: Concept, tokens: Sequence[Token], start: int, end: int, *, fuzzy: bool = False
) -> bool:
    """Whether a match may stand for ``concept``: grammar words and short lower-case
    words are not values ("in" is not the code IN), nor verbs whose stem is one
    ("shipped" is not the agent "Ship")."""
    if concept.kind != "value":
        return True
    if fuzzy:
        return False  # "rooms" is not the student "Rotom": values are read as written
    words = tokens[start:end]
    value = fold(str(concept.value))
    if len(words) == 1 and len(value.split()) > 3:
        return False  # one word ("year") does not name a long value
    if any(t.norm.endswith(("ed", "ing")) and t.norm not in value for t in words):
        return False
    if words[-1].norm.endswith("ed") and end < len(tokens) and tokens[end].norm == "by":
        return False  # "reported by the staff": a verb in the passive, not the status
    if all(t.norm in GRAMMAR or t.norm in RELATION_VERBS for t in words):
        # "the division AS": a code written as the data writes it, after its column's word.
        return _written_code(words, concept) and _column_word_before(tokens, start, concept)
    if all(parse_number(t.norm) is not None for t in words):
        return False  # "top 10" is a number, not the code "10"
    if words[0].norm in {"the", "a", "an"} and " ".join(t.norm for t in words) != value:
        # "of the mountains" is not the photo called "the mountain": a name that starts
        # with an article is written as stored, inflection included.
        return False
    if len(words) == 1:
        word = words[0]
        if len(word.norm) <= 3 and not word.norm.isdigit():
            # "students from HKG": a code in capitals as stored explains itself.
            return _written_code(words, concept) or _column_word_before(tokens, start, concept)
    return True


def _written_code(words: Sequence[Token], concept: Concept) -> bool:
    """One word in capitals, exactly as the value is stored ("AS", not "as")."""
    return (len(words) == 1 and len(words[0].written) >= 2 and words[0].written.isupper()
            and words[0].written == str(concept.value))


def _column_word_before(tokens: Sequence[Token], start: int, concept: Concept) -> bool:
    """"sex is M", "gender F": the value's own column named right before it."""
    column = set(re.split(r"[_\W]+", concept.name.lower()))
    index = start - 1
    while index >= 0 and tokens[index].norm in {"is", "=", "as", "of", "equal", "to"}:
        index -= 1
    return index >= 0 and index >= start - 3 and tokens[index].norm in column
