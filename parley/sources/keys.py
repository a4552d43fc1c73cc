"""Keys that link tables when no foreign key says so: candidates by name, checked on the data.

Many databases declare no foreign keys at all. Their links are still written in the names:
``orders.customer_id`` refers to ``customers.id`` or ``customers.customer_id``, ``loan.branch_id``
to the ``branch_id`` key of ``bank``, ``routes.src_apid`` to ``airports.apid``. This module
finds such **candidates** from the schema alone, then **measures** each on the data with one
bounded query: the share of the referencing column's distinct values found in the referenced
key (its *overlap*), and, when the key is not declared unique, whether it is unique.

Which candidates become relationships is decided in ``parley.engine.semantic.derive``; the
thresholds it applies live here, beside the measurement they read.

A candidate always points at a key of its target: the table's single-column primary key, a
column declared unique, or (in a table without a primary key) a key-like column (``id``,
``customer_id``, ``sku``) whose uniqueness is checked on the data. So every candidate is a
many-to-one (or one-to-one) link, and never a table to itself unless a role says so
(``parent_id``, ``manager_id``).

>>> from parley.sources.base import ColumnInfo as C, TableInfo as T
>>> tables = (
...     T("customers", (C("id", "integer"), C("name", "text")), primary_key=("id",)),
...     T("orders", (C("id", "integer"), C("customer_id", "integer")), primary_key=("id",)),
... )
>>> [(c.from_table, c.from_column, c.to_table, c.to_column, c.rank) for c in
...  candidate_keys(tables, "sqlite")]
[('orders', 'customer_id', 'customers', 'id', 0)]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from parley.naming import expand_abbreviations, split_identifier
from parley.naming import singular as _singular
from parley.sources.base import ColumnInfo, KeyOverlap, TableInfo

#: A candidate is kept when at least this share of the sampled distinct values of the
#: referencing column is found in the referenced key. Real links are near 1.0, less a few
#: orphans (rows deleted on one side, test data); unrelated keys of small tables overlap by
#: chance, but rarely this much. Names that already say the link (``customer_id`` →
#: customers, the same distinctive key name on both sides) need a little less.
MIN_OVERLAP = 0.9
MIN_OVERLAP_NAMED = 0.8
#: A candidate found by a bare entity name (``stay.patient`` → ``patient.ssn``) needs at
#: least this many distinct values seen: a single small integer proves nothing.
MIN_SAMPLED_BARE = 2
#: Rows of the referencing table read, and distinct values of it checked, per candidate.
SAMPLE_ROWS = 100_000
SAMPLE_VALUES = 1_000
#: Time allowed to one overlap query, and to all of them for one source: past the budget,
#: the remaining candidates stay unmeasured (judged by their names alone).
QUERY_TIMEOUT_S = 10.0
TOTAL_BUDGET_S = 60.0

#: How strongly the names match, strongest first.
RANK_NAMES_TARGET = 0  # the column names the target table: customer_id → customers
RANK_SAME_NAME = 1  # the same distinctive key name: orders.branch_id → bank.branch_id
RANK_ROLE = 2  # a role before the table or key name: src_apid → airports.apid
RANK_BARE = 3  # the table's name, no key word: stay.patient → patient.ssn

_TABLE_PREFIXES = frozenset({"dim", "fact", "fct", "tbl", "stg", "vw"})
KEY_WORDS = frozenset({"id", "uuid", "guid", "key"})
CODE_WORDS = frozenset({"code", "sku", "ean", "upc", "isbn", "gtin"})
#: Names that are a key in every table: the same name says nothing about a link.
_GENERIC_NAMES = frozenset({"id", "key", "code", "no", "num", "number", "name", "type", "uuid"})
#: Column roles that refer to a person ("manager_id" → the employees table).
PEOPLE_ROLES = frozenset(
    {
        "manager",
        "supervisor",
        "boss",
        "mentor",
        "reports to",
        "approver",
        "owner",
        "assignee",
        "creator",
        "created by",
        "author",
        "reviewer",
        "lead",
        "coach",
        "referrer",
        "recruiter",
        "updated by",
        "approved by",
        "rep",
        "sales rep",
        "salesperson",
        "agent",
    }
)
PEOPLE_LABELS = frozenset(
    {"employee", "user", "person", "staff", "member", "worker", "staff member", "people"}
)
SELF_ROLES = frozenset({"parent"})
_NUMERIC = frozenset({"integer", "decimal", "float"})
#: Families a key can have ("float": ids of tables loaded from CSV files often are).
_KEY_TYPES = frozenset({"integer", "decimal", "float", "text", "other"})
#: Dialects that compare a text value with a number by converting it (SQLite's affinity,
#: MySQL's implicit casts), so a key stored as text can still join an integer key.
_LOOSE_DIALECTS = frozenset({"sqlite", "mysql"})


@lru_cache(maxsize=16_384)
def singular(phrase: str) -> str:
    return _singular(phrase)


def min_overlap(rank: int) -> float:
    """The overlap a candidate of this rank needs to be kept."""
    return MIN_OVERLAP_NAMED if rank <= RANK_SAME_NAME else MIN_OVERLAP


@dataclass(frozen=True, slots=True)
class KeyCandidate:
    """A column that may refer to another table's key, and how its names say so."""

    from_table: str
    from_column: str
    to_table: str
    to_column: str
    #: ``RANK_*``: how strongly the names match (lower is stronger).
    rank: int
    #: True when the target column is declared a key (primary key or unique).
    declared_key: bool
    #: True when the names are evidence enough when the data cannot be read.
    names_suffice: bool
    from_schema: str | None = None
    to_schema: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.from_table, self.from_column, self.to_table, self.to_column


# --- words ------------------------------------------------------------------------------


@lru_cache(maxsize=16_384)
def _words_cached(identifier: str) -> tuple[str, ...]:
    words = split_identifier(identifier)
    if len(words) == 1 and len(words[0]) >= 5 and words[0].endswith("id"):
        words = [words[0][:-2], "id"]
    return tuple(expand_abbreviations(words))


def words_of(identifier: str) -> list[str]:
    """Lower-case words of an identifier, abbreviations spelled out (``cust_id`` → customer id).

    A single lower-case word glued to ``id`` is split: ``stuid`` → stu id.

    >>> words_of("custid"), words_of("Customer_ID"), words_of("paid")
    (['customer', 'id'], ['customer', 'id'], ['paid'])
    """
    return list(_words_cached(identifier))


def table_label(name: str) -> str:
    """The singular phrase a table's name stands for (``tbl_order_items`` → "order item")."""
    words = words_of(name)
    if len(words) > 1 and words[0] in _TABLE_PREFIXES:
        words = words[1:]
    return singular(" ".join(words))


def _without_index(words: list[str]) -> list[str]:
    """Words without a trailing role number (``club_id_2`` → club id)."""
    while len(words) > 1 and words[-1].isdigit():
        words = words[:-1]
    return words


def entity_words(words: list[str]) -> tuple[list[str], bool]:
    """The entity a key column names, and whether the name ends with a key word."""
    if len(words) > 1 and (words[-1] in KEY_WORDS or words[-1] in CODE_WORDS):
        return words[:-1], True
    return words, False


def _is_generic(words: list[str]) -> bool:
    return len(words) <= 1 and (not words or words[0] in _GENERIC_NAMES)


# --- candidates -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Target:
    info: TableInfo
    label: str
    name_words: tuple[str, ...]
    #: (column, declared unique) for each column that can be referred to.
    keys: tuple[tuple[ColumnInfo, bool], ...]
    sole_key: str | None


def _target(table: TableInfo) -> _Target:
    primary = list(table.primary_key) or [c.name for c in table.columns if c.primary_key]
    label = table_label(table.name)
    keys: list[tuple[ColumnInfo, bool]] = []
    if len(primary) == 1 and (column := table.column(primary[0])) is not None:
        keys.append((column, True))
    for column in table.columns:
        if column.unique and column.name not in primary:
            keys.append((column, True))
    if not primary:
        # No declared key: the columns named as its own key, whose uniqueness the data
        # must show ("id", "sku", "customer_id" or "cust_id" in customers).
        for column in table.columns:
            if not column.unique and _own_key(words_of(column.name), label):
                keys.append((column, False))
    return _Target(
        info=table,
        label=label,
        name_words=tuple(words_of(table.name)),
        keys=tuple(keys),
        sole_key=primary[0] if len(primary) == 1 else None,
    )


def _own_key(words: list[str], label: str) -> bool:
    """Whether a column named ``words`` is the key of a table labelled ``label``."""
    return _own_key_cached(tuple(words), label)


@lru_cache(maxsize=16_384)
def _own_key_cached(key_words: tuple[str, ...], label: str) -> bool:
    words = list(key_words)
    if len(words) == 1:
        return words[0] in KEY_WORDS or words[0] in CODE_WORDS
    entity, keyed = entity_words(words)
    if not keyed:
        return False
    phrase = singular(" ".join(entity))
    return phrase == label or _abbreviates(phrase, label)


def _abbreviates(phrase: str, label: str) -> bool:
    """``doc`` for doctor, ``amen`` for dorm amenity: the start of the label's last word."""
    last = label.rsplit(" ", 1)[-1]
    return " " not in phrase and len(phrase) >= 3 and last != phrase and last.startswith(phrase)


def _core(words: list[str], table_words: tuple[str, ...]) -> list[str]:
    """A key's words without the leading words it shares with its table (``sbCustId``)."""
    return list(_core_cached(tuple(words), table_words))


@lru_cache(maxsize=16_384)
def _core_cached(key_words: tuple[str, ...], table_words: tuple[str, ...]) -> tuple[str, ...]:
    words = list(key_words)
    shared = 0
    while (
        shared < len(words) - 1
        and shared < len(table_words)
        and words[shared] == table_words[shared]
    ):
        shared += 1
    core = words[shared:]
    return tuple(core if not _is_generic(core) and core != ["id"] else words)


def _types_fit(a: ColumnInfo, b: ColumnInfo, dialect: str) -> tuple[bool, bool]:
    """Whether two columns can be joined, and whether only through a loose comparison."""
    if a.type not in _KEY_TYPES or b.type not in _KEY_TYPES:
        return False, False
    if a.type == b.type and a.type != "other":
        return True, False
    if a.type in _NUMERIC and b.type in _NUMERIC:
        return True, False
    if dialect in _LOOSE_DIALECTS:
        return True, True
    return False, False


@dataclass(frozen=True, slots=True)
class _Name:
    """What a referencing column's name says, computed once per name."""

    words: tuple[str, ...]
    entity: tuple[str, ...]
    keyed: bool
    phrase: str
    #: The phrases after a role ("billing address" → address).
    role_phrases: frozenset[str]
    #: Every trailing phrase of the whole name ("host city" → host city, city).
    bare_phrases: frozenset[str]


@lru_cache(maxsize=16_384)
def _name(identifier: str) -> _Name:
    words = _without_index(words_of(identifier))
    entity, keyed = entity_words(words)
    return _Name(
        words=tuple(words),
        entity=tuple(entity),
        keyed=keyed,
        phrase=singular(" ".join(entity)),
        role_phrases=frozenset(
            singular(" ".join(entity[start:])) for start in range(1, len(entity))
        ),
        bare_phrases=frozenset(singular(" ".join(words[start:])) for start in range(len(words))),
    )


def _rank(
    column: ColumnInfo,
    source: _Target,
    target: _Target,
    key: ColumnInfo,
) -> tuple[int, bool] | None:
    """How the names say that ``column`` of ``source`` refers to ``key`` of ``target``.

    Returns (rank, names_suffice), or None when the names say nothing.
    """
    name = _name(column.name)
    words, keyed, phrase = list(name.words), name.keyed, name.phrase
    key_words = words_of(key.name)
    # The key a reference to the table is expected to point at: "id", "customer_id".
    plain = (
        key.name == target.sole_key
        or _own_key(key_words, target.label)
        or key.name.lower() == column.name.lower()
    )
    if target is source:
        # A table refers to itself only through a role ("parent_id", "manager_id").
        people = source.label in PEOPLE_LABELS
        if keyed and plain and (phrase in SELF_ROLES or (people and phrase in PEOPLE_ROLES)):
            return RANK_ROLE, True
        return None
    # customer_id → customers.id or .customer_id; a code refers to a code.
    if (
        keyed
        and phrase == target.label
        and plain
        and (key_words[-1] == words[-1] or words[-1] in KEY_WORDS)
    ):
        return RANK_NAMES_TARGET, True
    same_name = column.name.lower() == key.name.lower()
    if same_name and not _is_generic(key_words):
        return RANK_SAME_NAME, True
    if keyed:
        if (
            phrase in PEOPLE_ROLES
            and target.label in PEOPLE_LABELS
            and source.label not in PEOPLE_LABELS
        ):
            return RANK_ROLE, plain
        if target.label in name.role_phrases:
            # "billing_address_id" → addresses: the words before the name are a role.
            return RANK_ROLE, plain
        if _abbreviates(phrase, target.label):
            # An abbreviation of the table's name: "doc_id" → doctors.
            return RANK_ROLE, False
    core = _core(key_words, target.name_words)
    if not _is_generic(core) and len(words) > len(core) and words[-len(core) :] == core:
        # The key's own name after a role: "src_apid" → airports.apid.
        return RANK_ROLE, False
    if not keyed and not same_name and target.label in name.bare_phrases:
        return RANK_BARE, False
    return None


def candidate_keys(tables: Sequence[TableInfo], dialect: str) -> list[KeyCandidate]:
    """Every (column → key) pair the names and types allow, best rank per pair, in order."""
    targets = [_target(table) for table in tables]
    found: dict[tuple[str, str, str, str], KeyCandidate] = {}
    for source in targets:
        declared = {c for fk in source.info.foreign_keys for c in fk.columns}
        for column in source.info.columns:
            if column.name in declared or column.type not in _KEY_TYPES:
                continue
            for target in targets:
                for key, declared_key in target.keys:
                    if target is source and key.name == column.name:
                        continue
                    fits, loose = _types_fit(column, key, dialect)
                    if not fits:
                        continue
                    ranked = _rank(column, source, target, key)
                    if ranked is None:
                        continue
                    rank, names_suffice = ranked
                    if column.name == source.sole_key and rank == RANK_ROLE:
                        # A table's own compound key ("person_address_id") is no role.
                        continue
                    candidate = KeyCandidate(
                        from_table=source.info.name,
                        from_column=column.name,
                        to_table=target.info.name,
                        to_column=key.name,
                        rank=rank,
                        declared_key=declared_key,
                        names_suffice=names_suffice and not loose,
                        from_schema=source.info.schema,
                        to_schema=target.info.schema,
                    )
                    previous = found.get(candidate.key)
                    if previous is None or candidate.rank < previous.rank:
                        found[candidate.key] = candidate
    return list(found.values())


# --- measurement ------------------------------------------------------------------------


def overlap_sql(
    candidate: KeyCandidate,
    *,
    table_sql: Callable[[str | None, str], str],
    quote: Callable[[str], str],
) -> str:
    """One bounded query: sampled distinct values, how many are found, duplicate keys.

    The referencing column is read on at most ``SAMPLE_ROWS`` rows and ``SAMPLE_VALUES``
    distinct values; the key's uniqueness (when not declared) on at most ``SAMPLE_ROWS``.
    """
    source = table_sql(candidate.from_schema, candidate.from_table)
    target = table_sql(candidate.to_schema, candidate.to_table)
    column, key = quote(candidate.from_column), quote(candidate.to_column)
    values = (
        f"SELECT DISTINCT {column} AS v FROM (SELECT {column} FROM {source} "
        f"WHERE {column} IS NOT NULL LIMIT {SAMPLE_ROWS}) r LIMIT {SAMPLE_VALUES}"
    )
    if candidate.declared_key:
        # An indexed key: at most SAMPLE_VALUES lookups, never a scan of a big table.
        found = f"EXISTS (SELECT 1 FROM {target} t WHERE t.{key} = s.v)"
        duplicates = "0"
    else:
        # No index to look up: one pass over the key column, hashed.
        found = f"s.v IN (SELECT {key} FROM {target})"
        duplicates = (
            f"(SELECT COUNT({key}) - COUNT(DISTINCT {key}) "
            f"FROM (SELECT {key} FROM {target} LIMIT {SAMPLE_ROWS}) u)"
        )
    return f"SELECT COUNT(*), COUNT(CASE WHEN {found} THEN 1 END), {duplicates} FROM ({values}) s"


def measure_overlaps(
    candidates: Iterable[KeyCandidate],
    run: Callable[[str, float], Sequence[Any] | None],
    *,
    table_sql: Callable[[str | None, str], str],
    quote: Callable[[str], str],
    budget_s: float = TOTAL_BUDGET_S,
) -> tuple[KeyOverlap, ...]:
    """The overlap of each candidate, measured with ``run(sql, timeout_s)`` (one row back).

    ``run`` returns None when the query failed; such a candidate, and every one left when
    the time budget is spent, gets no measurement.
    """
    deadline = time.monotonic() + budget_s
    measured: list[KeyOverlap] = []
    for candidate in candidates:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        row = run(
            overlap_sql(candidate, table_sql=table_sql, quote=quote), min(QUERY_TIMEOUT_S, left)
        )
        if row is None:
            continue
        sampled, found, duplicates = (int(value or 0) for value in row[:3])
        measured.append(
            KeyOverlap(
                from_table=candidate.from_table,
                from_column=candidate.from_column,
                to_table=candidate.to_table,
                to_column=candidate.to_column,
                sampled=sampled,
                found=found,
                target_unique=duplicates == 0,
            )
        )
    return tuple(measured)


def key_overlaps(
    tables: Sequence[TableInfo],
    dialect: str,
    run: Callable[[str, float], Sequence[Any] | None],
    *,
    table_sql: Callable[[str | None, str], str],
    quote: Callable[[str], str],
) -> tuple[KeyOverlap, ...]:
    """Candidates of ``tables`` measured on the data (what ``introspect()`` records)."""
    return measure_overlaps(candidate_keys(tables, dialect), run, table_sql=table_sql, quote=quote)
