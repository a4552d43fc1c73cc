"""Word and grammar helpers a reading is built with: which words are the business
parser's, what a word beside a piece says (an order, a limit, a direction), and the
small conversions of values and queries the readings share.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from parley.engine.nl.lexicon import Concept
from parley.engine.nl.operators import Operator
from parley.engine.nl.readings.pieces import Frame, Hazard, Piece
from parley.engine.nl.text import Token, fold, parse_number
from parley.engine.nl.timephrases import find_time
from parley.engine.semantic.ontology import Attribute, Ontology
from parley.engine.semantic.query import QueryFilter, SemanticQuery

#: Words of the business questions the parser after the readings reads, and they do not.
_BUSINESS_WORDS = frozenset({"vs", "versus", "compare", "compared", "comparing", "share",
                             "percentage", "percent", "%", "growth", "change", "trend",
                             "monthly", "weekly", "daily", "yearly", "quarterly", "annual",
                             "annually", "spend", "spent", "sold", "selling", "much"})


#: Verbs that ask for something when they open a question, and relate rows elsewhere
#: ("employees who report to Payam").
OPENING_REQUESTS = frozenset({"report", "state", "name", "count"})

#: The column an adjective grades when the subject has none named by its own word.
ADJECTIVE_FALLBACKS: dict[str, tuple[str, ...]] = {"price": ("cost",)}

#: Participles that say how often without "often": "the most used", "chosen the most".
USE_WORDS = frozenset({"used", "chosen", "picked", "selected", "requested"})


def inflected(tokens: Sequence[Token], piece: Piece, concept: Concept) -> bool:
    """A lower-case word matching a one-word value only by its inflection ("products" for
    'Product'): a common noun more than the value."""
    words = tokens[piece.start:piece.end]
    value = fold(str(concept.value))
    return (len(words) == 1 and words[0].text.islower() and " " not in value
            and words[0].norm != value)


def by_standing(frame: Frame, op: Operator, field: str) -> str:
    """"the highest rank" is rank 1: on a rank column, the highest or lowest standing is
    the smallest or largest number ("the maximum rank" stays the largest number)."""
    words = set(re.split(r"[_\W]+", field.rpartition(".")[2].lower()))
    said = frame.tokens[op.end - 1].norm
    if words & {"rank", "ranking"} and said in {"highest", "lowest"}:
        return "min" if op.arg == "max" else "max"
    return op.arg


def beyond_readings(frame: Frame) -> bool:
    """Whether the question uses what only the business parser reads: a grouping "by",
    a comparison of periods or values, a time phrase, a named metric."""
    words = [t.norm for t in frame.tokens]
    in_operators = {i for o in frame.operators for i in range(o.start, o.end)}
    grouping_by = any(w == "by" and i not in in_operators for i, w in enumerate(words))
    timed = bool(find_time(frame.tokens, dt.date.today()).used)
    return frame.names_metric or grouping_by or timed or bool(set(words) & _BUSINESS_WORDS)


def words_say_everything(words: Sequence[str]) -> bool:
    """"all the information", "the details of": every column."""
    return bool(set(words) & {"information", "info", "details", "everything", "attributes"})




def stored(concept: Concept, ontology: Ontology) -> str:
    """The value as the data writes it ("linda" asked, "Linda" stored), when known."""
    _, attribute = ontology.resolve(concept.field)
    wanted = fold(str(concept.value))
    return next((v for v in attribute.values if fold(v) == wanted), str(concept.value))


def past_count(frame: Frame, index: int) -> int:
    """Past a "number of" at ``index`` ("the maximum number of points")."""
    counting = next((o for o in frame.operators if o.kind == "count" and o.start == index), None)
    return counting.end if counting is not None else index


def next_aggregate_target(frame: Frame, op: Operator) -> str | None:
    """"max and min age": the column after the next aggregation word."""
    later = [o for o in frame.operators if o.start >= op.end and o.kind in
             {"aggregate", "extreme"}]
    if not later:
        return None
    chained = later[0]
    for following in later[1:]:
        # "the average, minimum and maximum age": the column after the last of them.
        gap = [t.norm for t in frame.tokens[chained.end:following.start]]
        if gap not in ([], ["and"], ["or"]):
            break
        chained = following
    if chained is not later[0]:
        gap = [t.norm for t in frame.tokens[op.end:later[0].start]]
        if gap in ([], ["and"], ["or"]):
            after = frame.next_piece(past_count(frame, chained.end), limit=2)
            if after is not None and after.names_column and len(
                {c.name for c in after.concepts}
            ) == 1:
                return "." + after.concepts[0].name
    between = [t.norm for t in frame.tokens[op.end:later[0].start]]
    if between not in (["and"], ["or"], []):
        return None
    if not between and not re.search(
        rf"\b{re.escape(frame.tokens[op.end - 1].text)}\s*,", frame.question, re.IGNORECASE
    ):
        return None  # "the greatest total amount": a ranking by the total, not two figures
    after = frame.next_piece(past_count(frame, later[0].end), limit=2)
    if after is None or not after.names_column:
        return None
    return "." + after.concepts[0].name if len({c.name for c in after.concepts}) == 1 else None


def alphabetical(frame: Frame, op: Operator) -> bool:
    return any(t.norm.startswith("alphabetic") for t in frame.tokens[op.start : op.end])


def fields_of(query: SemanticQuery) -> list[str]:
    """The column names a query uses (without their objects)."""
    refs = [*query.list_fields, *(d.field for d in query.dimensions),
            *(f.field for f in query.filters), *(o.key for o in query.order),
            *(m.field or "" for m in query.metrics)]
    return [ref.rpartition(".")[2] for ref in refs]



def comparative(frame: Frame, op: Operator) -> bool:
    """"older than", not "the oldest": the adjective compares with a number."""
    return frame.tokens[op.end - 1].norm == "than"


def limit_from(frame: Frame, op: Operator) -> int | None:
    """"the 3 oldest", "top 5 ... with the most": a number just before a superlative;
    else "the three products that have the most problems": a number just before the
    rows ranked."""
    for index in (op.start - 1, op.start - 2):
        piece = frame.piece_at(index) if index >= 0 else None
        if piece is not None and piece.kind == "number" and piece.number and not piece.used:
            piece.used = True
            return as_int(piece.number)
    for piece in frame.pieces:
        if piece.kind != "number" or piece.used or not piece.number or piece.start > op.start:
            continue
        counted = frame.piece_at(piece.end)
        if counted is not None and counted.kind == "object" and piece.number == int(piece.number):
            piece.used = True
            return as_int(piece.number)
    return None


def order_keys_after(frame: Frame, piece: Piece) -> list[Piece]:
    """The columns an order names after its first, joined by "and" ("by year and class")."""
    keys: list[Piece] = []
    while piece.end < len(frame.tokens) and frame.tokens[piece.end].norm in {"and", "then"}:
        following = frame.next_piece(piece.end + 1, limit=1)
        if following is None or not following.names_column or following.used:
            break
        keys.append(following)
        piece = following
    return keys


def direction_after(frame: Frame, piece: Piece) -> bool | None:
    for op in frame.operators:
        if op.kind == "order" and op.arg and piece.end <= op.start <= piece.end + 2:
            return op.arg == "desc"
    return None


def numeric_values(attribute: Attribute) -> bool:
    values = attribute.values
    return bool(values) and all(parse_number(v.strip()) is not None for v in values[:50])


def as_int(number: float | None) -> int:
    assert number is not None
    return int(number)


def as_value(number: float | None) -> int | float:
    assert number is not None
    return int(number) if float(number).is_integer() else number



def objects_of(query: SemanticQuery) -> set[str]:
    fields = [*query.list_fields, *(d.field for d in query.dimensions),
              *(f.field for f in query.filters), *(m.field or "" for m in query.metrics)]
    return {f.split(".", 1)[0] for f in fields if "." in f}


def joined_filters(
    frame: Frame, filters: list[QueryFilter], *, many: Callable[[str], bool]
) -> list[QueryFilter]:
    """Filters joined by "or" on one column become one IN; two values of one column joined
    by "and" ("ships with both Panama and Malta flags") cannot both hold of one row:
    declined, unless ``many`` says the column's rows are many to each row asked about, and
    "both" says that some of them hold each ("customers with both savings and checking
    accounts")."""
    words = [t.norm for t in frame.tokens]
    kept: list[QueryFilter] = []
    for item in filters:
        if any(item == other for other in kept):
            continue
        same = [k for k in kept if k.field == item.field]
        if same and "both" in words and "or" not in words and many(item.field):
            previous = same[-1]
            kept[kept.index(previous)] = previous.model_copy(update={"apart": True})
            kept.append(item.model_copy(update={"apart": True}))
            continue
        if same and item.op == "eq" and same[-1].op in {"eq", "in"}:
            if "or" in words:
                previous = same[-1]
                kept[kept.index(previous)] = QueryFilter(
                    field=item.field, op="in", values=[*previous.values, *item.values])
                continue
            raise Hazard("two values of one column that cannot both hold")
        if same and "or" in words:
            raise Hazard("conditions joined by 'or'")
        kept.append(item)
    if len({k.field for k in kept}) > 1 and "or" in words:
        raise Hazard("conditions joined by 'or'")
    return kept
