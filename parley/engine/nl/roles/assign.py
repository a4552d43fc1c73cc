"""Each match's role, decided by the operator words around it: "by" makes a dimension,
"top" a ranking, "how many" a count, "average" an aggregation, "not" a negated filter.
"""

from __future__ import annotations

from parley.engine.nl.evidence import Match
from parley.engine.nl.lexicon import Concept
from parley.engine.nl.roles.matches import is_measure, names_measure, names_time, value_text
from parley.engine.nl.roles.phrases import (
    aggregation_before,
    comparison_after,
    contains,
    coordinated_aggregation,
    count_phrase_before,
    heads_a_ranking,
    is_number,
    listing_word_before,
    phrase_at,
    preceding,
    things_after_the_number,
)
from parley.engine.nl.roles.reading import Ambiguity, FilterPart, MetricPart, Reading
from parley.engine.nl.text import parse_number
from parley.engine.nl.vocabulary import DISTINCT, GROUP, GROUP_PHRASES, NEGATE, SUPERLATIVES
from parley.naming import stem

#: Words right before a measure that rank rows by it: "the most units", "the highest sales".
_RANKING_BEFORE = frozenset({"most", "fewest", "least", "highest", "lowest", "largest",
                             "smallest", "biggest", "greatest"})



def counts_a_singular_column(said: str, column: str) -> bool:
    """"how many advisors" of a column ``Advisor``: the plural of what one value names, so
    the values are counted, not added up (a column ``points`` would be added up).

    >>> counts_a_singular_column("advisors", "Advisor")
    True
    >>> counts_a_singular_column("points", "points")
    False
    """
    word, name = said.lower(), column.lower()
    plural_of_it = word.endswith("s") and not name.endswith("s")
    return word != name and plural_of_it and stem(word) == stem(name)


def assign_roles(reading: Reading, words: list[str]) -> None:
    """Give each match of ``reading`` its role, left to right."""
    matches = reading.matches
    group_next = False
    # Dates and objects that qualify the next word ("shipping cost", "order value").
    modifiers = {
        j
        for m in matches
        if all(
            c.kind == "object" or (c.kind == "attribute" and c.role == "time") for c in m.concepts
        )
        for j in range(m.start, m.end)
    }
    for index, m in enumerate(matches):
        before = preceding(words, m.start)
        prev_match_end = matches[index - 1].end if index else 0
        between = words[prev_match_end : m.start]
        near = [w for w in before if w not in {"the", "a", "an", "their", "its"}][:1]
        if any(
            phrase_at(words, j, GROUP_PHRASES) for j in range(max(m.start - 4, 0), m.start)
        ) or (near and near[0] in GROUP):
            group_next = True
        elif group_next and between and not set(between) <= {"and", ",", "then", "&", "or"}:
            group_next = False
        negated = any(w in NEGATE for w in before[:3]) or contains(
            before[:3][::-1], ("other", "than")
        )
        negation_at = [m.start - 1 - k for k, w in enumerate(before[:3]) if w in NEGATE]
        kinds = m.kinds
        attribute = m.of_kind("attribute")
        obj = m.of_kind("object")
        metric_concepts = m.of_kind("metric")
        following = matches[index + 1] if index + 1 < len(matches) else None
        if (
            obj
            and not attribute
            and following is not None
            and following.start == m.end
            and any(
                c.kind == "attribute" and c.object == obj[0].object and c.role != "time"
                for c in following.concepts
            )
        ):
            # "customer industry": the object qualifies its own column, which plays the role.
            reading.mentioned.append(obj[0])
            continue

        comparison = (
            comparison_after(words, m.end) if (attribute or metric_concepts) and not obj else None
        )
        if comparison:
            comparison_after(words, m.end, reading.compared)
            op, values = comparison
            if m.text in {"cost", "costs"} and words[m.start - 1 : m.start] in (
                ["that"],
                ["which"],
                ["does"],
                ["do"],
                ["who"],
            ):
                # "products that cost more than 500": what they cost a buyer, their price.
                reading.cost_as_price = True
            # A column compared row by row ("priced above 100") unless only a metric fits.
            target: list[Concept] = [c for c in attribute if is_measure(c)] or metric_concepts
            if target:
                reading.conditions.append(FilterPart(target[0], op, values))
                if len({c.field for c in target}) > 1:
                    reading.ambiguities.append(Ambiguity(m.text, target))
                continue

        if obj and not attribute and not metric_concepts:
            sized = comparison_after(words, m.end)
            if sized and things_after_the_number(reading.matches, words, m.end):
                sized = None  # "bought more than 2 cars": a count of cars, not a size
            if sized:
                # "invoices over 10k", "orders over 500": the object's size, its money.
                comparison_after(words, m.end, reading.compared)
                reading.sized.append(FilterPart(obj[0], sized[0], sized[1]))

        if "value" in kinds and not (
            kinds & {"attribute", "object", "metric"} and not m.fuzzy and value_text(m) != m.text
        ) and not (group_next and _names_other_rows(m)):
            found = m.of_kind("value")
            reading.filters.append(
                FilterPart(found[0], "ne" if negated else "eq", [found[0].value])
            )
            following = matches[index + 1] if index + 1 < len(matches) else None
            measured_next = (
                following is not None
                and following.start == m.end
                and (
                    following.of_kind("metric")
                    or any(is_measure(c) for c in following.concepts)
                )
            )
            if group_next and not negated and not measured_next:
                # "defects per plant": per site, of the sites that are plants.
                reading.group_objects.append(Concept("object", found[0].object, found[0].object))
                group_next = False
            reading.negations.update(negation_at)
            if len({c.field for c in found}) > 1:
                reading.ambiguities.append(Ambiguity(m.text, found))
            continue

        aggregation = aggregation_before(words, m.start, modifiers)
        if (
            attribute
            and not obj
            and aggregation
            and (names_measure(m) or (aggregation in {"min", "max"} and names_time(m)))
        ):
            # "average unit price", "highest price", "earliest order date": an aggregate of
            # the column itself.
            targets = [c for c in attribute if is_measure(c) or names_time(m)]
            superlative = words[m.start - 1] if m.start else ""
            count_before = m.start >= 2 and is_number(words[m.start - 2])
            if (
                names_time(m)
                and aggregation in {"min", "max"}
                and (count_before or (reading.list_words and m.text.endswith("s")))
            ):
                # "the 5 newest hires", "who are the latest signups": the rows, by that date.
                by_date = next(c for c in targets if c.role == "time")
                reading.list_object = Concept("object", by_date.object, by_date.object)
                reading.time_field = by_date
                reading.recency = aggregation == "max"
                if count_before:
                    reading.limit = int(parse_number(words[m.start - 2]) or 0) or None
                continue
            first = coordinated_aggregation(words, m.start, modifiers)
            if first is not None:
                # "the earliest and the latest refit dates": both figures, in that order.
                reading.metrics.append(MetricPart(aggregation=first, target=targets[0]))
            elif aggregation in {"min", "max"} and superlative in SUPERLATIVES and not (
                group_next
            ):
                reading.superlative = (targets, aggregation == "max", m.start - 1)
            reading.metrics.append(MetricPart(aggregation=aggregation, target=targets[0]))
            reading.aggregated.add(m.start - 1)
            if len({c.field for c in targets}) > 1:
                reading.ambiguities.append(Ambiguity(m.text, targets, aggregate=True))
            continue

        counted_from = max((x.end for x in matches[:index] if "value" not in x.kinds), default=0)
        counted = (
            bool(obj)
            and reading.count_words
            and count_phrase_before(words, m.start, counted_from)
        )
        # "which product sold the most units": the measure ranks the rows listed.
        ranks = m.start > 0 and words[m.start - 1] in _RANKING_BEFORE
        if (
            metric_concepts
            and not (reading.list_object and names_measure(m) and not ranks)
            # "how many shipments": rows counted, whatever measure the word also names.
            and not counted
            and not (reading.count_words and count_phrase_before(words, m.start, counted_from)
                     and any(counts_a_singular_column(m.text, c.name) for c in attribute))
        ):
            metric = metric_concepts[0]
            if len({c.name for c in metric_concepts}) > 1:
                reading.ambiguities.append(Ambiguity(m.text, metric_concepts))
            if group_next and not reading.metrics and reading.group_objects:
                # "top customers by revenue": the metric ranks the groups.
                reading.ranking = True
            reading.metrics.append(MetricPart(concept=metric, aggregation=aggregation))
            group_next = False
            continue

        if group_next or heads_a_ranking(words, m.start):
            if attribute and not obj:
                reading.dimensions.append(attribute[0])
                if len({c.field for c in attribute}) > 1:
                    reading.ambiguities.append(Ambiguity(m.text, attribute))
            elif obj:
                previous = matches[index - 1] if index else None
                if (
                    previous is not None
                    and previous.end == m.start
                    and reading.group_objects
                    and previous.of_kind("object")
                    and reading.group_objects[-1] == previous.of_kind("object")[0]
                ):
                    # "by employee department": the department (of the employee).
                    reading.mentioned.append(reading.group_objects.pop())
                reading.group_objects.append(obj[0])
            continue
        if counted:
            distinct = any(w in DISTINCT for w in before[:2])
            reading.metrics.append(
                MetricPart(aggregation="count_distinct" if distinct else "count", target=obj[0])
            )
            continue
        if attribute and not obj:
            distinct = any(w in DISTINCT for w in before[:2]) or (
                reading.count_words and count_phrase_before(words, m.start, counted_from)
            )
            if distinct and names_time(m):
                # "number of hires": how many rows that event dates, counted by object.
                dated = [c for c in attribute if c.role == "time"]
                reading.time_field = dated[0]
                reading.events.append(Concept("object", dated[0].object, dated[0].object))
                if len({c.field for c in dated}) > 1:
                    reading.ambiguities.append(Ambiguity(m.text, dated))
            elif distinct:
                reading.metrics.append(
                    MetricPart(aggregation="count_distinct", target=attribute[0])
                )
                if len({c.field for c in attribute}) > 1:
                    reading.ambiguities.append(Ambiguity(m.text, attribute, aggregate=True))
            elif names_time(m) and reading.time_field is None:
                dated = [c for c in attribute if c.role == "time"]
                reading.time_field = dated[0]
                if len({c.field for c in dated}) > 1:
                    # "signed up": accounts' or users' creation date? The question decides.
                    reading.ambiguities.append(Ambiguity(m.text, dated))
                if m.text not in {"date", "day", "time"}:
                    reading.events.append(Concept("object", dated[0].object, dated[0].object))
            else:
                reading.fields.append(attribute[0])
                if len({c.field for c in attribute}) > 1:
                    reading.ambiguities.append(Ambiguity(m.text, attribute))
            continue
        if obj:
            previous = matches[index - 1] if index else None
            if (
                previous is not None
                and previous.end == m.start
                and reading.list_object is not None
                and previous.of_kind("object")
                and reading.list_object == previous.of_kind("object")[0]
            ):
                # "account rep": the last noun is the thing listed, the first qualifies it.
                reading.mentioned.append(reading.list_object)
                reading.list_object = obj[0]
            elif (
                reading.list_object is None
                and not reading.metrics
                and (
                    listing_word_before(words, m.start)
                    or (
                        not reading.count_words
                        and words[m.end : m.end + 1] in (["that"], ["which"], ["who"], ["whose"])
                    )
                )
            ):
                # "show the orders", "products that cost more than 500": rows, listed.
                reading.list_object = obj[0]
            else:
                reading.mentioned.append(obj[0])


def _names_other_rows(m: Match) -> bool:
    """Whether a word after "each" names a table's rows as well as a value another table
    holds ("each operator" of operators, not the delays whose category is 'Operator')."""
    named = {c.object for c in m.of_kind("object")}
    return bool(named) and all(c.object not in named for c in m.of_kind("value"))
