"""Rankings: "top 10 customers", "the smallest budget", "which plan has the fewest
subscriptions", "the last 20 orders", and the row or group each of them ranks.
"""

from __future__ import annotations

from parley.engine.nl.roles.phrases import is_number
from parley.engine.nl.roles.reading import MetricPart, Reading
from parley.engine.nl.text import parse_number
from parley.engine.nl.vocabulary import (
    ADJECTIVE_RANKS,
    BOTTOM,
    OLDEST,
    PRICE_WORDS,
    PRONOUNS,
    RECENT,
    RELATIVE_AFTER,
    RELATIVE_BEFORE,
    TIME_EXTREMES,
    TOP,
    UNIT_NAMES,
)


def read_superlative(reading: Reading, words: list[str]) -> None:
    """ "5 projects with the smallest budget" ranks projects; "the smallest budget" is a min.

    A superlative on a column of an object the question also names, with no grouping,
    ranks that object's rows by the column.
    """
    if reading.superlative is None or reading.dimensions or reading.group_objects:
        return
    targets, descending, position = reading.superlative
    named = [c for c in [reading.list_object, *reading.mentioned] if c is not None]
    pairs = [(t, c) for c in named for t in targets if t.object == c.object]
    if not pairs:
        return
    concept, owner = pairs[0]
    reading.metrics = [p for p in reading.metrics if p.target not in targets]
    reading.ambiguities = [a for a in reading.ambiguities if a.options != targets]
    owners = [owner]
    reading.aggregated.discard(position)
    reading.list_object = owners[0]
    if owners[0] in reading.mentioned:
        reading.mentioned.remove(owners[0])
    reading.rank_attribute = concept
    reading.descending = descending
    reading.ranking = True


def _read_ranked_subject(reading: Reading, words: list[str]) -> None:
    """ "which plan has the fewest subscriptions": plans ranked by how many subscriptions.

    The object asked about ("which plan") is the group; an object right after the
    superlative is what is counted. "the biggest invoice", with nothing else to rank by,
    ranks invoices by their money column (the parser finds it).
    """
    if not reading.ranking or reading.metrics:
        return
    values = {j for m in reading.matches if "value" in m.kinds for j in range(m.start, m.end)}

    def after_superlative(start: int) -> bool:
        # Look back past values and filler: "the fewest active subscriptions".
        j = start - 1
        while j >= 0 and (j in values or words[j] in {"single", "one", "the", "a"}):
            j -= 1
        return j >= 0 and words[j] in TOP | BOTTOM

    ranked = [
        m.of_kind("object")[0]
        for m in reading.matches
        if m.of_kind("object")
        and after_superlative(m.start)
        and m.of_kind("object")[0]
        in [
            *reading.group_objects,
            *reading.mentioned,
            *([reading.list_object] if reading.list_object else []),
        ]
    ]
    if not ranked:
        return
    counted = ranked[0]
    if counted == reading.list_object:
        # "what was the biggest purchase order": one object, ranked by its money.
        reading.money_rank = True
        return
    if counted in reading.mentioned:
        reading.mentioned.remove(counted)
        reading.group_objects.append(counted)
    if reading.list_object is not None and reading.list_object != counted:
        reading.group_objects.remove(counted)
        reading.group_objects.insert(0, reading.list_object)
        reading.list_object = None
        reading.metrics.append(MetricPart(aggregation="count", target=counted))
    elif not reading.mentioned and not reading.list_object and len(reading.group_objects) == 1:
        reading.group_objects.remove(counted)
        reading.list_object = counted
        reading.money_rank = True


def read_ranking(reading: Reading, words: list[str]) -> None:
    """Rankings and recency: "top 10", "the 3 best", "latest", "cheapest", "the month
    before", and then which object or column the ranking is about.
    """
    for i, w in enumerate(words):
        if w in {"least", "most"} and i > 0 and words[i - 1] == "at":
            continue  # "at least 10" is a comparison, not a ranking
        if w in {"most", "least"} and words[i + 1 : i + 2] and words[i + 1] in TIME_EXTREMES and (
            i + 1 not in reading.time.used
        ):
            continue  # "most recent" is a time, not a ranking; "the least last month" is one
        if (w in TOP or w in BOTTOM) and i not in reading.aggregated:
            reading.descending = w in TOP
            number = parse_number(words[i + 1]) if i + 1 < len(words) else None
            if number is None and i > 0:
                # "10 best selling products"
                number = parse_number(words[i - 1])
            if (
                number is not None
                and number >= 1
                and (i + 2 >= len(words) or words[i + 2] not in {"%", "percent"})
            ):
                reading.limit = int(number)
            reading.ranking = True
            break
        if w in {"which", "what"} and i + 2 < len(words) and is_number(words[i + 1]):
            number = parse_number(words[i + 1])
            if number and number >= 1:
                reading.limit = int(number)
        if (w in RECENT or w in OLDEST) and i not in reading.time.used:
            number = parse_number(words[i + 1]) if i + 1 < len(words) else None
            if number is not None and number >= 1:
                reading.limit = int(number)
                reading.recency = w in RECENT
            elif w in {"latest", "recent", "newest", "oldest", "earliest", "first", "last",
                       "youngest"} and (
                i not in reading.time.used
            ):
                reading.recency = w not in OLDEST
        if (
            is_number(w)
            and i + 1 < len(words)
            and words[i + 1] in {"most", "latest", "newest", "recent"}
        ):
            number = parse_number(w)
            if number:
                reading.limit = int(number)
                reading.recency = True if words[i + 1] != "most" else reading.recency
    for i, w in enumerate(words):
        if w in PRONOUNS:
            reading.pronoun = True
        if w in ADJECTIVE_RANKS and i not in reading.aggregated:
            reading.adjective_rank = ADJECTIVE_RANKS[w]
            reading.ranking = True
            reading.descending = ADJECTIVE_RANKS[w][1]
        if i in reading.time.used:
            continue
        if w in RELATIVE_AFTER and i and words[i - 1] in UNIT_NAMES:
            reading.relative_unit = words[i - 1]
        if (
            w in RELATIVE_BEFORE
            and i + 1 < len(words)
            and words[i + 1] in UNIT_NAMES
        ):
            reading.relative_unit = words[i + 1]
        if w in {"first", "last"} and i == len(words) - 1 and reading.recency is None:
            # "which customer signed up first"
            reading.recency = w == "last"
    for w in words:
        if w in PRICE_WORDS:
            reading.price_order = PRICE_WORDS[w]
            reading.ranking = True
            reading.descending = PRICE_WORDS[w]
    if reading.ranking and reading.limit is None:
        for m in reading.matches:
            if m.start and is_number(words[m.start - 1]) and m.of_kind("object"):
                # "the 3 departments with the lowest average salary"
                reading.limit = int(parse_number(words[m.start - 1]) or 0) or None
                break
    _read_ranked_subject(reading, words)
    if reading.ranking and not reading.group_objects and not reading.dimensions:
        # "which 5 cities generate the most revenue": the thing ranked is the one named.
        dimension_fields = [c for c in reading.fields if c.role == "dimension"]
        if reading.mentioned and reading.price_order is None:
            reading.group_objects.append(reading.mentioned.pop(0))
        elif dimension_fields:
            reading.dimensions.append(dimension_fields[0])
            reading.fields.remove(dimension_fields[0])
    if reading.recency is not None and reading.list_object is None and not reading.metrics:
        objects = reading.mentioned + reading.group_objects
        if objects:
            reading.list_object = objects[0]
            if objects[0] in reading.mentioned:
                reading.mentioned.remove(objects[0])
            if objects[0] in reading.group_objects:
                reading.group_objects.remove(objects[0])
