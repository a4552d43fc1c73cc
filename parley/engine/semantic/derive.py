"""Derive an ontology from a source's schema: the semantic layer nobody had to write.

Tables become objects, columns attributes with a role (identifier, time, measure,
dimension), declared foreign keys and name-matched keys become relationships, and each
object gets its count, sums and averages, plus revenue and profit when the columns say
how to compute them. Labels and synonyms come from the names (``dept_name`` →
"department name") and the business thesaurus ("client" for customer).

The rules prefer leaving something out to guessing wrong: a derived synonym or
relationship that is wrong in one schema makes a wrong answer, and users can add what is
missing in the YAML export.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlglot import exp

from parley.engine.semantic.ontology import (
    Attribute,
    AttributeRole,
    Metric,
    MetricFormat,
    Object,
    Ontology,
    Relationship,
)
from parley.engine.semantic.thesaurus import is_entity_term, synonyms_for
from parley.naming import (
    expand_abbreviations,
    names_a_year,
    plural,
    singular,
    split_identifier,
    stem,
)
from parley.sources.base import ColumnInfo, KeyOverlap, SchemaInfo, TableInfo
from parley.sources.keys import (
    CODE_WORDS,
    KEY_WORDS,
    MIN_SAMPLED_BARE,
    RANK_BARE,
    KeyCandidate,
    candidate_keys,
    entity_words,
    min_overlap,
)

_SUBSTITUTIONS = 3
_NUMERIC = frozenset({"integer", "decimal", "float"})
#: Prefixes that say what kind of table it is, not what its rows are ("Ref_Locations").
_TABLE_PREFIXES = frozenset({"dim", "fact", "fct", "tbl", "stg", "vw", "ref", "reference",
                             "lu", "lkp", "lookup"})
_KEY_WORDS = KEY_WORDS
_CODE_WORDS = CODE_WORDS
#: Integers that are parts of a date ("year", "fiscal_year") group rows; they are not summed.
_TIME_PART_WORDS = frozenset({"year", "month", "quarter", "week", "day", "weekday", "hour"})
#: Numbers that are labels, not quantities.
_NUMERIC_LABEL_WORDS = frozenset(
    {
        "zip",
        "postal",
        "postcode",
        "phone",
        "telephone",
        "fax",
        "latitude",
        "longitude",
        "lat",
        "lon",
        "lng",
        "version",
        "sequence",
        "seq",
        "rank",
    }
)
_FLAG_PREFIXES = frozenset({"is", "has", "was", "can", "flag"})
#: Measures that mean something only averaged: a total of prices or ages is not an answer.
_NON_ADDITIVE_WORDS = frozenset(
    {
        "price",
        "rate",
        "ratio",
        "percent",
        "percentage",
        "age",
        "rating",
        "score",
        "level",
        "average",
        "mean",
        "median",
        "index",
    }
)
_MEASURE_WORDS = frozenset(
    {
        "quantity",
        "units",
        "count",
        "amount",
        "price",
        "cost",
        "total",
        "revenue",
        "sales",
        "salary",
        "budget",
        "hours",
        "days",
        "age",
        "rating",
        "score",
        "level",
        "weight",
        "duration",
        "balance",
        "fee",
        "discount",
        "tax",
        "profit",
        "margin",
        "spend",
        "pay",
        "wage",
        "bonus",
        "stock",
        "number",
        "value",
    }
)
_MONEY_WORDS = frozenset(
    {
        "price",
        "cost",
        "amount",
        "revenue",
        "sales",
        "salary",
        "pay",
        "total",
        "spend",
        "budget",
        "fee",
        "income",
        "wage",
        "wages",
        "bonus",
        "profit",
        "balance",
        "tax",
        "freight",
        "commission",
        "payment",
        "turnover",
        "compensation",
        "expense",
    }
)
_NOT_MONEY_WORDS = frozenset(
    {
        "quantity",
        "units",
        "count",
        "number",
        "hours",
        "days",
        "percent",
        "pct",
        "rate",
        "ratio",
        "score",
        "rating",
        "weight",
    }
)
#: Single-word labels that say little alone: qualified by the object ("payment amount").
_GENERIC_LABELS = frozenset(
    {"amount", "value", "total", "name", "date", "type", "id", "code", "number", "count"}
)
_REVENUE_LABELS = frozenset(
    {
        "revenue",
        "sales",
        "turnover",
        "gross sales",
        "net sales",
        "total sales",
        "total revenue",
        "net revenue",
        "gross revenue",
        "sales amount",
    }
)
_AMOUNT_LABELS = frozenset(
    {
        "amount",
        "total",
        "total amount",
        "net amount",
        "gross amount",
        "order total",
        "order amount",
        "sale amount",
        "invoice amount",
        "invoice total",
        "grand total",
        "line total",
        "line amount",
        "subtotal",
        "total price",
        "extended price",
    }
)
_SALE_LIKE_WORDS = frozenset(
    {"order", "sale", "invoice", "transaction", "purchase", "booking", "line"}
)
_SALE_LIKE_STEMS = frozenset(stem(word) for word in _SALE_LIKE_WORDS)
_UNIT_COST_LABELS = frozenset({"unit cost", "cost price", "cost per unit", "unit cogs"})
#: A date of birth: never when a row came to be.
_BIRTH_WORDS = frozenset({"birth", "dob", "birthday", "born"})
_EXCLUDED_TIME_WORDS = _BIRTH_WORDS | {
    "updated",
    "modified",
    "deleted",
    "login",
    "expires",
    "expiry",
    "synced",
    "loaded",
    "etl",
    "changed",
}
_LATE_TIME_WORDS = frozenset(
    {
        "end",
        "due",
        "term",
        "termination",
        "closed",
        "finished",
        "to",
        "until",
        "exit",
        "cancelled",
        "canceled",
        "valid",
    }
)
_EVENT_TIME_NAMES = frozenset(
    {
        "date",
        "created at",
        "created",
        "created on",
        "creation date",
        "transaction date",
        "event date",
        "timestamp",
        "occurred at",
        "day",
        "event time",
    }
)


@dataclass(frozen=True, slots=True)
class _Table:
    """A table with the words derived from its name."""

    info: TableInfo
    obj: Object
    words: tuple[str, ...]


def derive_ontology(schema: SchemaInfo, *, source: str) -> Ontology:
    """The ontology of ``schema``: objects, attributes, relationships and metrics."""
    tables = [_derive_object(table) for table in schema.tables]
    objects = [table.obj for table in tables]
    relationships = _derive_relationships(tables, schema)
    _mark_inferred_keys(objects, relationships)
    metrics = _derive_metrics(tables)
    metrics += _average_value_metrics(objects, metrics, relationships)
    return Ontology(
        source=source,
        dialect=schema.dialect,
        objects=objects,
        metrics=metrics,
        relationships=relationships,
    )


def _mark_inferred_keys(objects: list[Object], relationships: list[Relationship]) -> None:
    """A number found to refer to another table's key identifies; it is not summed."""
    by_name = {obj.name: obj for obj in objects}
    for relationship in relationships:
        if relationship.origin != "name_match":
            continue
        for column in relationship.from_columns:
            attribute = by_name[relationship.from_object].attribute(column)
            if attribute is not None and attribute.role == "measure":
                attribute.role = "identifier"


def _average_value_metrics(
    objects: list[Object], metrics: list[Metric], relationships: list[Relationship]
) -> list[Metric]:
    """Average order value: revenue of line items per dated header they belong to.

    When revenue lives on undated lines (order items) that refer to a dated header
    (orders), the value per header is a standard measure of its own.
    """
    by_name = {o.name: o for o in objects}
    revenue = next((m for m in metrics if m.name == "revenue"), None)
    if revenue is None or by_name[revenue.object].default_time:
        return []
    for rel in relationships:
        header = by_name.get(rel.to_object)
        if rel.from_object != revenue.object or header is None or not header.default_time:
            continue
        if len(rel.from_columns) != 1:
            continue
        label = f"average {header.label} value"
        return [
            Metric(
                name=_snake(label),
                label=label,
                object=revenue.object,
                expression=f"{revenue.expression} / COUNT(DISTINCT {rel.from_columns[0]})",
                synonyms=_unique(
                    [
                        f"avg {header.label} value",
                        f"mean {header.label} value",
                        f"average {header.label} size",
                        f"average {header.label} amount",
                        f"{header.label} value average",
                        "average basket",
                        "average ticket",
                        *(["aov"] if header.label in {"order", "purchase", "sale"} else []),
                    ]
                ),
                format="currency",
                additive=False,
                description=f"Revenue divided by the number of distinct {header.plural}.",
            )
        ]
    return []


# --- words ------------------------------------------------------------------------------


def _words(identifier: str) -> list[str]:
    return expand_abbreviations(split_identifier(identifier))


def _unique(items: Iterable[str], *, exclude: Iterable[str] = ()) -> list[str]:
    excluded = {item.lower() for item in exclude}
    seen: list[str] = []
    for item in items:
        if item and item.lower() not in excluded and item not in seen:
            seen.append(item)
    return seen


def _phrase_synonyms(phrase: str) -> list[str]:
    """Thesaurus synonyms of a phrase, or of its words substituted one at a time."""
    whole = synonyms_for(phrase)
    if whole:
        return whole
    words = phrase.split()
    found: list[str] = []
    if len(words) > 1:
        for position, word in enumerate(words):
            if not is_entity_term(word):
                continue
            # The most usual few only: rare synonyms in a compound read as noise.
            for alternative in synonyms_for(word)[:_SUBSTITUTIONS]:
                found.append(" ".join([*words[:position], alternative, *words[position + 1 :]]))
    return found


def _snake(label: str) -> str:
    return "_".join(label.split())


# --- objects and attributes -------------------------------------------------------------


def _derive_object(table: TableInfo) -> _Table:
    words = _words(table.name)
    if len(words) > 1 and words[0] in _TABLE_PREFIXES:
        words = words[1:]
    label = singular(" ".join(words))
    label_words = tuple(label.split())
    fk_columns = {column for fk in table.foreign_keys for column in fk.columns}
    primary_key = list(table.primary_key) or [c.name for c in table.columns if c.primary_key]
    attributes = _own_words_kept([
        _derive_attribute(table, column, label_words, primary_key, fk_columns)
        for column in table.columns
    ], label_words)
    natural_names = _natural_key_names(table, primary_key)
    obj = Object(
        name=table.name,
        label=label,
        plural=plural(label),
        synonyms=_unique([*_phrase_synonyms(label), *natural_names],
                         exclude=[label, plural(label)]),
        attributes=attributes,
        primary_key=primary_key,
        # Rows keyed by a word are named by it: the allergy types list allergies.
        display_attribute=primary_key[0] if natural_names else (_display_attribute(
            attributes, label_words, _distinct_counts(table))
            or _year_naming_rows(attributes, primary_key)),
        default_time=_default_time(attributes, label_words),
        row_count=table.row_count,
        schema_name=table.schema,
        view=table.is_view,
    )
    return _Table(info=table, obj=obj, words=label_words)


def _natural_key_names(table: TableInfo, primary_key: list[str]) -> list[str]:
    """A table keyed by a word ("Allergy" of the allergy types) holds the things that word
    names: "allergies" are its rows. Codes, ids and numbers name nothing."""
    if len(primary_key) != 1:
        return []
    column = next((c for c in table.columns if c.name == primary_key[0]), None)
    words = _words(primary_key[0])
    if column is None or column.type != "text" or not words or (
        words[-1] in _KEY_WORDS | _CODE_WORDS | {"no", "number", "name", "type"}
    ):
        return []
    values = column.distinct_values or ()
    if not values or sum(_a_word(v) for v in values) * 5 < len(values) * 4:
        return []  # codes ("ACCT-211", "C1"), not words, are not what rows are called
    name = singular(" ".join(words))
    return [name, plural(name)]


def _a_word(value: str) -> bool:
    return any(c.islower() for c in value) and not any(c.isdigit() for c in value)


def _own_words_kept(attributes: list[Attribute], table_words: tuple[str, ...]) -> list[Attribute]:
    """A synonym from the thesaurus is not a word another column of the table is named by
    (the table's own name aside): beside ``cell_mobile_phone_number``, "mobile" is not also
    ``phone_number``; beside ``rating_date`` of ratings, "rating" may still be ``stars``."""
    named = [set(a.label.split()) - set(table_words) for a in attributes]
    kept: list[Attribute] = []
    for index, attribute in enumerate(attributes):
        others = set().union(*(words for i, words in enumerate(named) if i != index))
        claimed = others - named[index]
        synonyms = [s for s in attribute.synonyms if not (set(s.split()) & claimed
                                                          and len(s.split()) == 1)]
        kept.append(attribute if synonyms == attribute.synonyms
                    else attribute.model_copy(update={"synonyms": synonyms}))
    return kept


def _derive_attribute(
    table: TableInfo,
    column: ColumnInfo,
    object_words: tuple[str, ...],
    primary_key: list[str],
    fk_columns: set[str],
) -> Attribute:
    words = _own_name_spelled_out(_words(column.name) or [column.name.lower()], object_words)
    role = _role(table, column, words, primary_key, fk_columns)
    label = " ".join(words)
    object_label = " ".join(object_words)
    synonyms: list[str] = []
    remainder = _without_object_prefix(words, object_words)
    if remainder is not None:
        # "customer_name" in customers is also just "name" there.
        synonyms.append(" ".join(remainder))
        if words[: len(object_words)] != list(object_words):
            synonyms.append(f"{object_label} {' '.join(remainder)}")
        if role != "identifier":
            synonyms.extend(_phrase_synonyms(" ".join(remainder)))
    elif label in _GENERIC_LABELS:
        synonyms.append(label)
        label = f"{object_label} {label}"
    elif role != "identifier" and words[0] not in object_words:
        synonyms.append(f"{object_label} {label}")
    if role != "identifier":
        # "client id" helps nobody, and every id would collect a dozen such variants.
        synonyms.extend(_phrase_synonyms(label))
    return Attribute(
        name=column.name,
        label=label,
        role=role,
        type=column.type,
        synonyms=_unique(synonyms, exclude=[label]),
        values=list(column.distinct_values or ()),
        hidden=column.type in ("json", "other"),
    )


def _own_name_spelled_out(words: list[str], object_words: tuple[str, ...]) -> list[str]:
    """A column's first word cut from its table's name is that name ("dep_date" of
    departures: the departure date).

    >>> _own_name_spelled_out(["dep", "date"], ("departure",))
    ['departure', 'date']
    """
    own = object_words[-1] if object_words else ""
    if len(words) > 1 and 3 <= len(words[0]) < len(own) and own.startswith(words[0]):
        return [own, *words[1:]]
    return words


def _without_object_prefix(words: list[str], object_words: tuple[str, ...]) -> list[str] | None:
    """The words after the object's name or last word ("rep name" in sales reps → name)."""
    for prefix in (list(object_words), [object_words[-1]] if object_words else []):
        n = len(prefix)
        if n and len(words) > n and singular(" ".join(words[:n])) == " ".join(prefix):
            return words[n:]
    return None


def _role(
    table: TableInfo,
    column: ColumnInfo,
    words: list[str],
    primary_key: list[str],
    fk_columns: set[str],
) -> AttributeRole:
    if column.type in ("date", "timestamp") and column.name not in fk_columns:
        # A date is a time even inside a composite key (daily stats by campaign and day).
        return "time"
    if column.name in primary_key or column.name in fk_columns:
        return "identifier"
    if words[-1] in _KEY_WORDS:
        return "identifier"
    if words[-1] in _CODE_WORDS and _is_unique(table, column):
        return "identifier"
    if column.type in ("date", "timestamp"):
        return "time"
    if column.type == "text" and _is_date_text(column, words):
        return "time"
    if column.type not in _NUMERIC:
        return "dimension"
    if _NUMERIC_LABEL_WORDS.intersection(words) or words[-1] in _CODE_WORDS:
        return "dimension"
    if words[-1] in _TIME_PART_WORDS or words[0] in _FLAG_PREFIXES:
        return "dimension"
    if column.distinct_count is not None and column.distinct_count <= 2:
        return "dimension"
    low_cardinality = column.distinct_count is not None and column.distinct_count <= 10
    if column.type == "integer" and low_cardinality and not _MEASURE_WORDS.intersection(words):
        return "dimension"
    return "measure"


def _is_unique(table: TableInfo, column: ColumnInfo) -> bool:
    if column.distinct_count is None or not table.row_count:
        return False
    return column.distinct_count >= 0.95 * table.row_count


def _is_date_text(column: ColumnInfo, words: list[str]) -> bool:
    """A text column that holds dates: date-like name, and values (when known) that parse."""
    named = words[-1] in ("date", "timestamp") or (len(words) > 1 and words[-1] in ("at", "on"))
    if not named:
        return False
    if not column.distinct_values:
        return True
    for value in column.distinct_values:
        try:
            dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return False
    return True


def _distinct_counts(table: TableInfo) -> dict[str, int]:
    counts: dict[str, int] = {}
    for column in table.columns:
        if column.distinct_count is not None:
            counts[column.name] = column.distinct_count
        elif column.distinct_values is not None:
            counts[column.name] = len(column.distinct_values)
    return counts


def _year_naming_rows(attributes: list[Attribute], primary_key: list[str]) -> str | None:
    """The one year column of rows that are periods: a season (its key, its year, its
    first and last days) is called by its year ("the matches of each season": 2022).

    Rows with anything else of their own (a patrol's type, an order's amount) are events
    a year only dates."""
    years = [a.name for a in attributes if names_a_year(a.name) and a.name not in primary_key
             and a.type == "integer"]
    others = [a for a in attributes if a.name not in primary_key and a.name not in years
              and a.role != "identifier"]
    if len(years) != 1 or any(a.role != "time" for a in others):
        return None
    return years[0]


def _display_attribute(
    attributes: list[Attribute], object_words: tuple[str, ...], distinct: dict[str, int]
) -> str | None:
    """The text column that names a row, by how name-like its name is."""
    ranked: list[tuple[int, int, str]] = []
    object_label = " ".join(object_words)
    for position, attribute in enumerate(attributes):
        words = _words(attribute.name)
        # A key that is a name ("dept_name" of departments keyed by it) names its rows too.
        named_key = attribute.role == "identifier" and words[-1:] in (["name"], ["title"])
        if (attribute.role != "dimension" and not named_key) or attribute.type != "text" or (
            attribute.hidden
        ):
            continue
        phrase = " ".join(words)
        if phrase in ("name", "full name", "display name") or words == [*object_words, "name"]:
            rank = 0
        elif phrase in ("title", "label") or singular(phrase) == object_label or words == [
            *object_words, "title"
        ]:
            rank = 1
        elif words[-1] == "name" and words[0] not in ("first", "last", "middle", "user", "nick"):
            rank = 2
        elif words[-1] == "name" and words[0] in ("first", "last"):
            # Of a first/last pair, the one that tells rows apart better.
            rank = 3
        elif words == [*object_words, "number"] and distinct.get(attribute.name, 0) > 1:
            # "the route with the most stops" of routes with a text "route_no": "NJ 469".
            rank = 4
        else:
            continue
        uniqueness = -distinct.get(attribute.name, 0)
        ranked.append((rank, uniqueness if rank == 3 else position, attribute.name))
    return min(ranked)[2] if ranked else None


def _default_time(attributes: list[Attribute], object_words: tuple[str, ...]) -> str | None:
    """The column that dates a row: the object's own date, an event date, any other."""
    times = [attribute for attribute in attributes if attribute.role == "time"]
    ranked: list[tuple[int, int, str]] = []
    own = stem(object_words[-1]) if object_words else ""
    for position, attribute in enumerate(times):
        words = _words(attribute.name)
        if _EXCLUDED_TIME_WORDS.intersection(words):
            continue
        if stem(words[0]) == own:
            rank = 0
        elif " ".join(words) in _EVENT_TIME_NAMES:
            rank = 1
        elif _LATE_TIME_WORDS.intersection(words):
            rank = 3
        else:
            rank = 2
        ranked.append((rank, position, attribute.name))
    if ranked:
        return min(ranked)[2]
    if len(times) == 1 and not _BIRTH_WORDS.intersection(_words(times[0].name)):
        # An update stamp may still date rows that have nothing else; a birth date never
        # does ("players on the roster in 2024" are not the ones born then).
        return times[0].name
    return None


# --- relationships ----------------------------------------------------------------------


def _derive_relationships(tables: list[_Table], schema: SchemaInfo) -> list[Relationship]:
    """Declared foreign keys, then keys inferred from names and checked on the data."""
    by_name = {table.info.name: table for table in tables}
    relationships: list[Relationship] = []
    for table in tables:
        for fk in table.info.foreign_keys:
            target = by_name.get(fk.referred_table) or by_name.get(
                fk.referred_table.rpartition(".")[2]
            )
            if target is None:
                continue
            to_columns = list(fk.referred_columns) or target.obj.primary_key
            if len(to_columns) != len(fk.columns):
                continue
            relationships.append(
                Relationship(
                    from_object=table.info.name,
                    from_columns=list(fk.columns),
                    to_object=target.info.name,
                    to_columns=to_columns,
                    origin="foreign_key",
                    label=_role_label(fk.columns, target) if len(fk.columns) == 1 else "",
                )
            )
    return relationships + _inferred_relationships(by_name, schema, relationships)


def _inferred_relationships(
    by_name: dict[str, _Table], schema: SchemaInfo, declared: list[Relationship]
) -> list[Relationship]:
    """Relationships no foreign key declares: name-matched keys the data agrees with.

    Each candidate of ``parley.sources.keys.candidate_keys`` (same key name, a name plus
    ``id`` that names the table, a role before it, the bare table name) is kept when the
    values measured at introspection agree: at least ``min_overlap(rank)`` of the sampled
    values found in the key (0.8 when the names already say the link, 0.9 otherwise), and
    the key unique. Without a measurement (nothing sampled, an empty target table, a query
    that timed out, a schema read without data) only the strong name patterns count.
    Per column, the strongest name match wins, then the higher overlap; a tie is left out.
    A declared foreign key always wins, and of two keys that refer to each other (one to
    one) only the one the names or the data point at is kept.
    """
    evidence = (
        None
        if schema.key_overlaps is None
        else {
            (o.from_table, o.from_column, o.to_table, o.to_column): o for o in schema.key_overlaps
        }
    )
    taken = {(r.from_object, tuple(r.from_columns)) for r in declared}
    declared_links = {
        link
        for r in declared
        for link in (
            (r.from_object, tuple(r.from_columns), r.to_object, tuple(r.to_columns)),
            (r.to_object, tuple(r.to_columns), r.from_object, tuple(r.from_columns)),
        )
    }
    groups: dict[tuple[str, str], list[tuple[KeyCandidate, float | None]]] = {}
    for candidate in candidate_keys(schema.tables, schema.dialect):
        if candidate.from_table not in by_name or candidate.to_table not in by_name:
            continue
        if (candidate.from_table, (candidate.from_column,)) in taken:
            continue
        link = (
            candidate.from_table,
            (candidate.from_column,),
            candidate.to_table,
            (candidate.to_column,),
        )
        if link in declared_links:
            continue
        empty_target = by_name[candidate.to_table].info.row_count == 0
        verdict = _verdict(candidate, None if empty_target else evidence)
        if verdict is not None:
            groups.setdefault((candidate.from_table, candidate.from_column), []).append(
                (candidate, verdict[0])
            )
    chosen: dict[tuple[str, str, str, str], tuple[KeyCandidate, float | None]] = {}
    for group in groups.values():
        # The strongest names, a declared key before one only the data shows unique.
        best = min((c.rank, not c.declared_key) for c, _ in group)
        top = [(c, overlap) for c, overlap in group if (c.rank, not c.declared_key) == best]
        highest = max(-1.0 if overlap is None else overlap for _, overlap in top)
        top = [(c, o) for c, o in top if (-1.0 if o is None else o) == highest]
        if len(top) == 1:
            chosen[top[0][0].key] = top[0]
    relationships: list[Relationship] = []
    for key, (candidate, overlap) in chosen.items():
        reverse = chosen.get((key[2], key[3], key[0], key[1]))
        if reverse is not None and not _wins_one_to_one(candidate, reverse[0], by_name):
            continue
        target = by_name[candidate.to_table]
        relationships.append(
            Relationship(
                from_object=candidate.from_table,
                from_columns=[candidate.from_column],
                to_object=candidate.to_table,
                to_columns=[candidate.to_column],
                origin="name_match",
                label=_role_label((candidate.from_column,), target),
                overlap=None if overlap is None else round(overlap, 3),
            )
        )
    return relationships


def _verdict(
    candidate: KeyCandidate, evidence: dict[tuple[str, str, str, str], KeyOverlap] | None
) -> tuple[float | None] | None:
    """(overlap,) when the candidate is kept (overlap None: on its names alone), else None."""
    measured = evidence.get(candidate.key) if evidence is not None else None
    if measured is not None and measured.overlap is not None:
        if not (candidate.declared_key or measured.target_unique):
            return None
        if candidate.rank == RANK_BARE and measured.sampled < MIN_SAMPLED_BARE:
            return None
        return (measured.overlap,) if measured.overlap >= min_overlap(candidate.rank) else None
    return (None,) if candidate.names_suffice else None


def _wins_one_to_one(
    candidate: KeyCandidate, reverse: KeyCandidate, by_name: dict[str, _Table]
) -> bool:
    """Of two keys that refer to each other, the one whose names are stronger, else the
    one from the smaller table (the subset: savings accounts of all accounts)."""
    if candidate.rank != reverse.rank:
        return candidate.rank < reverse.rank
    rows = by_name[candidate.from_table].info.row_count
    other = by_name[reverse.from_table].info.row_count
    return rows is not None and other is not None and rows < other


def _entity_words(column_name: str) -> list[str]:
    return entity_words(_words(column_name))[0]


def _role_label(columns: Iterable[str], target: _Table) -> str:
    """The role a key plays when it is not just the target's name ("manager")."""
    (column,) = columns
    words = _entity_words(column)
    if not words:
        return ""
    phrase = singular(" ".join(words))
    label = target.obj.label
    if label == phrase or label.endswith(" " + phrase) or phrase in target.obj.synonyms:
        # "rep" in sales reps, "sales rep" itself: the target's own name, not a role.
        return ""
    return phrase


# --- metrics ----------------------------------------------------------------------------


def _format_for(words: Iterable[str]) -> MetricFormat:
    word_set = set(words)
    if _MONEY_WORDS.intersection(word_set) and not _NOT_MONEY_WORDS.intersection(word_set):
        return "currency"
    return "number"


def _column_sql(name: str) -> exp.Column:
    # Mixed-case names keep their case only when quoted (PostgreSQL folds to lower case).
    return exp.column(exp.to_identifier(name, quoted=True if name != name.lower() else None))


def _sum(expression: exp.Expression) -> str:
    return exp.Sum(this=expression).sql(dialect="duckdb")


def _bare_label(attribute: Attribute) -> str:
    return " ".join(_words(attribute.name))


def _is_sale_like(table: _Table) -> bool:
    # Stems on both sides: "sales" and "invoices" stem to "sal" and "invoic".
    return bool(_SALE_LIKE_STEMS.intersection(stem(word) for word in table.words))


@dataclass(slots=True)
class _Derived:
    """Columns of one table that compute revenue and profit, when it has them."""

    quantity: Attribute | None = None
    price: Attribute | None = None
    unit_cost: Attribute | None = None
    amount: Attribute | None = None
    cost: Attribute | None = None


def _money_columns(table: _Table) -> _Derived:
    found = _Derived()
    for attribute in table.obj.attributes:
        if attribute.role != "measure" or attribute.hidden:
            continue
        bare = _bare_label(attribute)
        words = bare.split()
        if found.quantity is None and ("quantity" in words or "units" in (words[0], words[-1])):
            found.quantity = attribute
        elif found.price is None and "price" in words and bare not in _AMOUNT_LABELS:
            found.price = attribute
        elif found.unit_cost is None and bare in _UNIT_COST_LABELS:
            found.unit_cost = attribute
        elif found.amount is None and (
            bare in _REVENUE_LABELS or (bare in _AMOUNT_LABELS and _is_sale_like(table))
        ):
            found.amount = attribute
        if bare in ("cost", "total cost", "cost amount"):
            found.cost = attribute
    if found.amount is None and found.quantity is None and found.price is not None and (
        _is_sale_like(table) and bare_sale_price(found.price)
    ):
        # A sale of one thing at a price ("sales.sale_price"): the price is its amount.
        found.amount = found.price
    return found


def bare_sale_price(attribute: Attribute) -> bool:
    """Whether a price column is what the row sold for ("sale price", "price", "selling
    price"), not a list or unit price that a quantity would multiply."""
    return _bare_label(attribute) in {"price", "sale price", "selling price", "sold price",
                                      "final price", "transaction price"}


def _derive_metrics(tables: list[_Table]) -> list[Metric]:
    metrics: list[Metric] = []
    money = {table.info.name: _money_columns(table) for table in tables}
    revenue_owner = _revenue_owner(tables, money)
    shared = Counter(
        attribute.name
        for table in tables
        for attribute in table.obj.attributes
        if attribute.role == "measure" and not attribute.hidden
    )
    for table in tables:
        metrics.append(_count_metric(table))
        columns = money[table.info.name]
        derived = _revenue_and_profit(table, columns, revenue_owner)
        metrics.extend(derived)
        has_line_revenue = columns.quantity is not None and columns.price is not None
        revenue_column = (
            columns.amount if revenue_owner == table.info.name and not has_line_revenue else None
        )
        for attribute in table.obj.attributes:
            if attribute.role != "measure" or attribute.hidden:
                continue
            qualify = shared[attribute.name] > 1
            metrics.extend(
                _measure_metrics(table, attribute, qualify, is_revenue=attribute is revenue_column)
            )
    return _unique_names(metrics)


def _revenue_owner(tables: list[_Table], money: dict[str, _Derived]) -> str | None:
    """The table whose revenue is "revenue": line items first, then sales amounts."""
    line_tables = [t for t in tables if money[t.info.name].quantity and money[t.info.name].price]
    amount_tables = [t for t in tables if money[t.info.name].amount]
    for group in (line_tables, amount_tables):
        if group:
            sale_like = [t for t in group if _is_sale_like(t)]
            return (sale_like or group)[0].info.name
    return None


def _revenue_and_profit(table: _Table, columns: _Derived, owner: str | None) -> list[Metric]:
    metrics: list[Metric] = []
    name = table.info.name
    snake = _snake(table.obj.label)
    if columns.quantity and columns.price:
        quantity, price = _column_sql(columns.quantity.name), _column_sql(columns.price.name)
        metrics.append(
            Metric(
                name="revenue" if owner == name else f"{snake}_revenue",
                label="revenue" if owner == name else f"{table.obj.label} revenue",
                object=name,
                expression=_sum(exp.Mul(this=quantity, expression=price)),
                synonyms=_unique(["revenue", *synonyms_for("revenue")], exclude=["revenue"])
                if owner == name
                else [],
                format="currency",
                description=(
                    f"Sum of {columns.quantity.label} × {columns.price.label} "
                    f"over {table.obj.plural}."
                ),
            )
        )
        if columns.unit_cost:
            margin = exp.Paren(
                this=exp.Sub(this=price.copy(), expression=_column_sql(columns.unit_cost.name))
            )
            metrics.append(
                Metric(
                    name="profit" if owner == name else f"{snake}_profit",
                    label="profit" if owner == name else f"{table.obj.label} profit",
                    object=name,
                    expression=_sum(exp.Mul(this=quantity.copy(), expression=margin)),
                    synonyms=synonyms_for("profit") if owner == name else [],
                    format="currency",
                    description=(
                        f"Sum of {columns.quantity.label} × ({columns.price.label} − "
                        f"{columns.unit_cost.label}) over {table.obj.plural}."
                    ),
                )
            )
    elif columns.amount and columns.cost and columns.amount is not columns.cost:
        difference = exp.Sub(
            this=_column_sql(columns.amount.name), expression=_column_sql(columns.cost.name)
        )
        metrics.append(
            Metric(
                name="profit" if owner == name else f"{snake}_profit",
                label="profit" if owner == name else f"{table.obj.label} profit",
                object=name,
                expression=_sum(difference),
                synonyms=synonyms_for("profit") if owner == name else [],
                format="currency",
                description=(
                    f"Sum of {columns.amount.label} − {columns.cost.label} over {table.obj.plural}."
                ),
            )
        )
    return metrics


def _count_metric(table: _Table) -> Metric:
    obj = table.obj
    synonyms = [
        f"{obj.label} count",
        f"{obj.plural} count",
        f"how many {obj.plural}",
        f"count of {obj.plural}",
        f"total {obj.plural}",
    ]
    for synonym in obj.synonyms:
        many = plural(synonym)
        synonyms.extend([f"number of {many}", f"how many {many}"])
    synonyms.extend(synonyms_for(f"{obj.label} count"))
    label = f"number of {obj.plural}"
    return Metric(
        name=f"{_snake(obj.label)}_count",
        label=label,
        object=obj.name,
        expression="COUNT(*)",
        synonyms=_unique(synonyms, exclude=[label]),
        format="number",
        additive=True,
        description=f"Number of {obj.plural}.",
    )


def _measure_metrics(
    table: _Table, attribute: Attribute, qualify: bool, *, is_revenue: bool
) -> list[Metric]:
    obj = table.obj
    column = _column_sql(attribute.name)
    label = attribute.label
    column_key = _snake(" ".join(split_identifier(attribute.name)))
    if qualify and not label.startswith(obj.label):
        qualified_label = f"{obj.label} {label}"
        key = f"{_snake(obj.label)}_{column_key}"
    else:
        qualified_label, key = label, column_key
    words = _words(attribute.name)
    # Per-unit values ("unit_price", "cost_per_hour") and ratings are averaged, not summed.
    additive = _NON_ADDITIVE_WORDS.isdisjoint(words) and not {"unit", "per"} & set(words)
    metric_format = _format_for(words)
    names = [label, *attribute.synonyms]
    metrics: list[Metric] = []
    if is_revenue:
        metrics.append(
            Metric(
                name="revenue",
                label="revenue",
                object=obj.name,
                expression=_sum(column),
                synonyms=_unique(
                    [*synonyms_for("revenue"), f"total {label}", *names], exclude=["revenue"]
                ),
                format="currency",
                description=f"Sum of {label} over {obj.plural}.",
            )
        )
    elif additive:
        sum_label = f"total {qualified_label}"
        metrics.append(
            Metric(
                name=f"total_{key}",
                label=sum_label,
                object=obj.name,
                expression=_sum(column),
                synonyms=_unique(
                    [*names, *(f"total {n}" for n in names), f"sum of {label}"],
                    exclude=[sum_label],
                ),
                format=metric_format,
                description=f"Sum of {label} over {obj.plural}.",
            )
        )
    avg_label = f"average {qualified_label}"
    metrics.append(
        Metric(
            name=f"avg_{key}",
            label=avg_label,
            object=obj.name,
            expression=exp.Avg(this=column.copy()).sql(dialect="duckdb"),
            synonyms=_unique(
                [
                    *(f"average {n}" for n in names),
                    f"avg {label}",
                    f"mean {label}",
                    *([] if additive else names),
                ],
                exclude=[avg_label],
            ),
            format=metric_format,
            additive=False,
            description=f"Average {label} per {obj.label}.",
        )
    )
    return metrics


def _unique_names(metrics: list[Metric]) -> list[Metric]:
    seen: set[str] = set()
    unique: list[Metric] = []
    for metric in metrics:
        name = metric.name
        if name in seen:
            name = f"{metric.name}_{metric.object}"
        seen.add(name)
        unique.append(metric if name == metric.name else metric.model_copy(update={"name": name}))
    return unique
