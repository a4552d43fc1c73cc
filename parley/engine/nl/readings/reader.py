"""The reader: frames a question into pieces, reads it (again over the rows holding a
column out of the subject's reach when the first reading cannot join it), scores the
reading, and answers the join-graph questions the builder asks.
"""

from __future__ import annotations

import datetime as dt
import re

from parley.engine.nl.evidence import find_matches
from parley.engine.nl.lexicon import Lexicon
from parley.engine.nl.negation import VERBAL_NEGATIONS
from parley.engine.nl.operators import Operator, find_operators
from parley.engine.nl.readings.builder import Builder
from parley.engine.nl.readings.pieces import (
    Candidate,
    Declined,
    Frame,
    Hazard,
    Piece,
    counted_superlatives,
    event_verb,
    find_span,
    how_often,
    in_different,
    names_a_column,
    names_before_synonyms,
    plausible,
)
from parley.engine.nl.readings.words import beyond_readings, objects_of, past_count
from parley.engine.nl.text import Token, parse_number, tokenize
from parley.engine.nl.timephrases import UNITS, find_time
from parley.engine.nl.vocabulary import HAPPENED_AFTER
from parley.engine.semantic.joins import JoinStep, JoinTree
from parley.engine.semantic.ontology import Ontology, Relationship
from parley.engine.semantic.query import QueryFilter, SemanticQuery
from parley.errors import InvalidInput
from parley.naming import split_identifier, stem

#: Readings below this confidence are not answered.
THRESHOLD = 0.8
_NAMING_VERBS = frozenset({"named", "called", "titled"})
_QUOTED = re.compile(r"""(?:^|(?<=[\s(,]))["“'‘]([^"”'’]{1,80})["”'’](?=[\s?.,;:)!]|$)""")
_NEGATIVE_NUMBER = re.compile(r"(?:^|[\s(])-\d")


#: Operators that make a figure: a reading over other rows may answer them.
_FIGURES = frozenset({"count", "aggregate"})
#: Words that make a group of each value: a ranking beside them may be within each group.
_EACH = frozenset({"each", "every", "per"})
#: Operators that rank rows: a ranking of other rows breaks ties among them ("the song
#: with the lowest resolution", of many songs of that resolution).
_RANKINGS = frozenset({"extreme", "most", "top", "order", "recent", "adjective"})

_RELATIVE_LEADS = frozenset({"this", "last", "past", "previous", "next", "today", "yesterday",
                             "ytd", "current"})


def _relative_period(frame: Frame, today: dt.date | None) -> set[int]:
    """The words of a period said relative to today ("this year", "the last 90 days")."""
    found = find_time(frame.tokens, today or dt.date.today())
    periods = [p for p in (found.period, *found.compare) if p is not None]
    if not any(p.label.split()[:1] and p.label.split()[0] in _RELATIVE_LEADS for p in periods):
        return set()
    return set(found.used)


def _event_said_to_happen(frame: Frame) -> bool:
    """Whether a date column is named by its event as a verb ("who have left")."""
    words = [t.norm for t in frame.tokens]
    if any(o.kind in {"most", "extreme", "top", "order", "compare", "between", "recent"}
           for o in frame.operators):
        return False  # "the appointment that started most recently": ranked by the date
    return any(
        p.kind == "attribute" and p.start > 0 and words[p.start - 1] in HAPPENED_AFTER
        and any(c.role == "time" for c in p.concepts)
        for p in frame.pieces
    )




def _a_denied_verb(tokens: list[Token], op: Operator) -> bool:
    """"customers who haven't ordered in 2025": after a negation, "ordered in" is what is
    denied, not an ordering."""
    return op.kind == "order" and op.start > 0 and tokens[op.start].norm == "ordered" and (
        tokens[op.start - 1].norm in VERBAL_NEGATIONS | {"not", "never"})


def _keyed_as_pairs(key: set[str], pair: set[str], references: set[str]) -> str | None:
    """How a table's key makes each of its rows one pair of the rows its two columns
    ``pair`` refer to: "pair" for the pair itself or no key ("students and their dorms");
    "one" for one of the two alone, each row of that side paired once ("a store in a
    district", keyed by the store); "own" for a key of its own that refers to nothing
    ("order items", each an order paired with a product). None otherwise: a key with
    more beside the pair ("a document in a location from a date") makes each row a stay,
    and "the number of documents in each location" is not told apart from the number of
    stays."""
    if key in (pair, set()):
        return "pair"
    if len(key) == 1 and key < pair:
        return "one"
    if len(key) == 1 and not key & references:
        return "own"
    return None


def _latest_only(frame: Frame) -> bool:
    """Whether the question's one ranking is by how recent ("the patient who made the
    most recent appointment"): read over the rows holding the date, the latest of them
    names one row of the subject (checked once read: by an instant, one row kept)."""
    rankings = [o for o in frame.operators if o.kind in _RANKINGS]
    return len(rankings) == 1 and rankings[0].kind == "recent"


def _counts_compared(frame: Frame, counted: str) -> bool:
    """Whether the question compares a count of the ``counted`` rows with a number
    ("the region name with at least two storms", of storms): read over the rows holding
    the column, the condition is on each of their groups, which lists none twice."""
    for op in frame.operators:
        if op.kind != "compare":
            continue
        number = frame.next_piece(op.end, limit=0)
        rows = frame.next_piece(number.end, limit=0) if number is not None else None
        if number is not None and number.kind == "number" and rows is not None and (
            rows.kind == "object" and counted in rows.objects
        ):
            return True
    return False


class Reader:
    """Reads analytics questions about one ontology."""

    def __init__(self, ontology: Ontology, lexicon: Lexicon) -> None:
        self.ontology = ontology
        self.lexicon = lexicon
        self._trees: dict[str, JoinTree] = {}

    # -- pieces ------------------------------------------------------------------------

    def _frame(self, question: str) -> Frame:
        tokens = tokenize(question)
        quoted: list[tuple[int, int, str]] = []
        skip: set[int] = set()
        for quote in _QUOTED.finditer(question):
            inner = tokenize(quote.group(1))
            start = find_span(tokens, inner, skip)
            if start is not None and inner:
                quoted.append((start, start + len(inner), quote.group(1).strip()))
                skip.update(range(start, start + len(inner)))
        operators = [in_different(tokens, how_often(tokens, o)) for o in find_operators(tokens)
                     if not skip & set(range(o.start, o.end))
                     and not names_a_column(tokens, o, self.lexicon)
                     and not _a_denied_verb(tokens, o)]
        op_positions = {i for o in operators for i in range(o.start, o.end)}
        names_metric = False
        pieces = [Piece(s, e, "quoted", text=t) for s, e, t in quoted]
        matches = find_matches(tokens, self.lexicon, skip | op_positions)
        for match in matches:
            if match.end - match.start == 1 and tokens[match.start].norm in _NAMING_VERBS:
                continue  # "the song named 'Le Pop'": a verb, not the name columns
            concepts = [c for c in match.concepts
                        if plausible(c, tokens, match.start, match.end, fuzzy=match.fuzzy)]
            if not concepts:
                if match.end - match.start > 1 and tokens[match.start].norm in {"the", "a", "an"}:
                    # "the mountains" is no value: what "mountains" alone names, then.
                    others = set(range(len(tokens))) - set(range(match.start + 1, match.end))
                    matches += find_matches(tokens, self.lexicon, others)
                continue
            if event_verb(tokens, match.start, match.end, concepts):
                continue  # "songs released for each format": the verb, not the release date
            if any(c.kind == "metric" for c in concepts):
                names_metric = True
            if all(c.kind == "metric" for c in concepts):
                # Named metrics ("sales", "revenue") are the business parser's to read.
                named = Declined(f"{match.text!r} names a metric")
                named.business = True
                raise named
            concepts = [c for c in concepts if c.kind != "metric"]
            concepts = names_before_synonyms(concepts, tokens[match.start:match.end],
                                              self.lexicon)
            kinds = {c.kind for c in concepts}
            kind = "object" if "object" in kinds else ("value" if kinds == {"value"} else
                                                        "attribute")
            if kind == "attribute":
                concepts = [c for c in concepts if c.kind == "attribute"]
            elif kind == "object":
                concepts = [c for c in concepts if c.kind in {"object", "attribute"}]
            pieces.append(Piece(match.start, match.end, kind, concepts, match.text))
        taken = skip | op_positions | {i for p in pieces for i in range(p.start, p.end)}
        for token in tokens:
            if token.index in taken:
                continue
            number = parse_number(token.norm)
            # "one" is a pronoun ("the one with ...") unless compared ("more than one",
            # "exactly one", "at most one").
            before = [t.norm for t in tokens[max(0, token.index - 2):token.index]]
            compared = bool(before) and (before[-1] in {"than", "least", "exactly"}
                                         or before == ["at", "most"])
            if number is not None and (token.norm != "one" or compared):
                pieces.append(Piece(token.index, token.index + 1, "number", text=token.norm,
                                    number=number))
        pieces.sort(key=lambda p: p.start)
        operators = counted_superlatives(tokens, operators, pieces)
        return Frame(tokens, operators, pieces, quoted, names_metric, question)

    # -- reading -----------------------------------------------------------------------

    def read(self, question: str, *, today: dt.date | None = None) -> Candidate:
        """The best reading of ``question``; raises Declined when none is sure enough.

        A decline says whether the question uses words only the business parser reads
        (``Declined.business``): "by", "vs", a time phrase, a named metric. When it does
        not, the question was in this reader's vocabulary and no other reading is tried.
        """
        frame = self._frame(question)
        try:
            try:
                return self._read(frame, today)
            except Hazard as hazard:
                holder = self._rows_holding(hazard, frame)
                if holder is None:
                    raise
                try:
                    return self._read(self._frame(question), today,
                                      over=(holder, hazard.subject))
                except Declined:
                    raise hazard from None
        except Declined as declined:
            declined.business = beyond_readings(frame)
            if declined.business:
                # The trap was seen through words this reader does not read: the
                # business parser may read them.
                declined.hazard = False
            raise

    def _read(self, frame: Frame, today: dt.date | None,
              over: tuple[str, str] | None = None) -> Candidate:
        """One reading of ``frame``; ``over`` is (the rows read, the first subject) when
        read again over the rows holding a column the first subject could not reach."""
        # A negation is read only right before a value ("not in London"); any other is
        # left unexplained, and the reading declined.
        if _NEGATIVE_NUMBER.search(frame.question):
            raise Declined("a negative number")
        builder = Builder(self, frame, today=today, subject=over[0] if over else None)
        try:
            query = builder.build()
        except Hazard as hazard:
            hazard.subject = builder.subject
            raise
        if over is not None and (query.order or query.limit is not None):
            self._latest_of_other_rows(query, over[0], over[1])
        if over is not None:
            first = self.ontology.object(over[1])
            if first is not None and first.name in objects_of(query) and not query.dimensions:
                # Read over the holder's rows, the first subject's columns are joined to
                # them: a holder referring to no such row is none of them ("the climber
                # with the most points" of no mountain names no mountain).
                query.filters.append(QueryFilter(field=f"{first.name}.{first.primary_key[0]}",
                                                 op="ne", values=[None]))
        if _event_said_to_happen(frame):
            # "the salespersons who have left": the rows whose leaving date is set, a
            # condition the business parser reads (here it would list the date).
            raise Declined("an event said to have happened")
        relative = _relative_period(frame, today) - builder.dated
        if relative and not any(p.used and p.start <= min(relative) and max(relative) < p.end
                                for p in frame.pieces):
            # (A column named so, "the first year and last year of the parties", is read.)
            # "per dealership and service type this year": "year" read as a column; a
            # period relative to today is the business parser's to read.
            raise Declined("a period relative to today")
        if any(t.norm == "both" for t in frame.tokens) and not any(
            f.apart for f in query.filters
        ):
            # "types that have both X and Y ships" is read only as conditions met apart.
            raise Hazard("'both'")
        if query.limit is not None and len(query.dimensions) > 1 and any(
            t.norm in _EACH for t in frame.tokens
        ):
            # "for each staff member, the role with the most projects": the first of
            # each group, not the first of all pairs of them.
            raise Hazard("a ranking within each group")
        if self._average_per_parent(query, frame):
            # The business parser reads "the average number of units per order" as a
            # rate: each order's units, averaged over the orders.
            raise Declined("an average per row of another table")
        if self._grain_of_another_date(builder.subject, query, frame):
            # The business parser reads "per year" as a period of the rows' own date.
            raise Declined("a period of the rows' own date")
        if query.limit is not None and self._groups_unrelated_rows(query):
            # "the products that had complaints filed by the customer who filed the fewest
            # complaints": one customer is ranked, then their products listed; a ranking
            # of (customer, product) pairs keeps another row.
            raise Hazard("a ranking of pairs of unrelated groups")
        self.check_roles(builder.subject, query, {t.stem for t in frame.tokens})
        unexplained = builder.unexplained(query)
        confidence = 1.0 - 0.25 * len(unexplained) - builder.guesses * 0.1
        if confidence < THRESHOLD:
            raise Declined(f"unexplained: {', '.join(unexplained)}")
        return Candidate(query, confidence, builder.describe(query), unexplained)

    def _latest_of_other_rows(self, query: SemanticQuery, holder: str, first: str) -> None:
        """Decline a ranking of the rows read over (``holder``) unless it keeps the one
        latest of them by an instant of their own: "the patient who made the most recent
        appointment" (appointments start at a time) is one patient. By a year or a day,
        several rows may be the latest ("the city that hosted events in the most recent
        year"), a list of them would repeat the subject's rows, and a ranking by the
        first subject's own column ("the appointment with the most recent start date",
        read over prescriptions for their "date") keeps only rows the holder refers to.
        The rows shown must be the first subject's ("the customer who started a policy
        most recently", of customers with no naming column: not the policy's row)."""
        by_own_instants = all(
            o.key.split(".", 1)[0] == holder
            and self.ontology.resolve(o.key)[1].type == "timestamp" for o in query.order)
        shows_first = any(f.split(".", 1)[0] == first for f in query.list_fields)
        if query.limit != 1 or not query.order or not by_own_instants or not all(
            o.descending for o in query.order
        ) or not shows_first:
            raise Hazard("a ranking of other rows, which may tie")

    def _groups_unrelated_rows(self, query: SemanticQuery) -> bool:
        """Whether the query groups by columns of two objects neither of which reaches
        the other many-to-one (a customer and a product, both referred to by
        complaints): its groups are pairs of them, not one thing and what it has."""
        owners = {d.field.split(".", 1)[0] for d in query.dimensions if "." in d.field}
        return any(self.distance(a, b) is None and self.distance(b, a) is None
                   for a in owners for b in owners if a < b)

    def _rows_holding(self, hazard: Hazard, frame: Frame) -> str | None:
        """The rows to read again over when the first subject cannot reach a column:
        the one object holding it, whose rows reach the subject many-to-one ("the
        county's number of delegates": the elections counted, each with its county) or
        are paired with it by one table ("members of club X whose age is above 18":
        the students, through their memberships).

        Only for a subject the question names (not one guessed from a value), for a
        figure (a list over the holder's rows would repeat the subject's: "the names of
        students who have votes"; a ranking of them would keep one of many tied rows:
        "the artist of the song with the lowest resolution"), never for a column bound
        to the subject ("kinds of enzymes"), for a total compared ("a total amount of
        more than 5000"), over rows referring to the subject in several roles, or where
        the word also names one of the subject's own columns ("types of accounts" of
        customers with an account type: that column, misread).
        """
        piece, subject = hazard.unreached, hazard.subject
        if len(hazard.held_by) != 1 or not subject or piece is None:
            return None
        holder = next(iter(hazard.held_by))
        words_said = frozenset(t.stem for t in frame.tokens)
        if holder == subject or (self.distance(holder, subject) is None
                                 and self.pairing(holder, subject, said=words_said) is None):
            return None
        if self.in_several_roles(holder, subject):
            return None
        if not any(p.kind == "object" and subject in p.objects for p in frame.pieces):
            return None  # a subject guessed from a value ("the product", a level's name)
        key = self.ontology.object(subject)
        if key is None or len(key.primary_key) != 1:
            return None
        kinds = {o.kind for o in frame.operators}
        # "the region name with at least two storms": each region, named (not "the coast
        # with at least three vessels" of harbours: the harbours, or the coasts?).
        compared = _counts_compared(frame, subject) and self._names_each_row(piece, holder)
        if not (kinds & _FIGURES or _latest_only(frame) or compared) or (
            kinds & _RANKINGS and not _latest_only(frame)
        ):
            return None
        words = [t.norm for t in frame.tokens]
        if piece.end < len(words) and words[piece.end] in {"of", "for"}:
            owner = frame.next_piece(piece.end + 1, limit=2)
            if owner is not None and subject in owner.objects:
                return None  # "how many kinds of enzymes": the enzymes' own kinds
        aggregated = any(o.kind == "aggregate" and o.end == piece.start
                         for o in frame.operators)
        if aggregated and any(o.kind in {"compare", "between"} and
                              piece.end <= o.start <= piece.end + 1 for o in frame.operators):
            return None  # "a total amount of more than 5000": a figure compared
        said = {t.stem for t in frame.tokens[piece.start:piece.end]}
        own = {stem(w) for a in key.attributes for w in split_identifier(a.name)}
        if said & own and not (compared and self._names_wholly(said, holder, key.name)):
            return None
        return holder

    def _average_per_parent(self, query: SemanticQuery, frame: Frame) -> bool:
        """Whether "the average number of ... per <rows>" averages a column of rows many
        to each of those ("units per order", of order items): said so, the average is of
        each order's total, not an average within each order ("the average salary per
        department" is the latter, and read)."""
        averaged: set[str] = set()
        for op in frame.operators:
            if op.kind == "aggregate" and op.arg == "avg":
                counted = past_count(frame, op.end)
                column = frame.next_piece(counted, limit=2)
                if column is not None and column.kind == "attribute" and (
                    counted > op.end or column.text.startswith(("number of", "amount of"))
                ):
                    averaged |= {c.object for c in column.concepts if c.kind == "attribute"}
        if not query.metrics or not averaged:
            return False
        for index, token in enumerate(frame.tokens[:-1]):
            named = frame.next_piece(index + 1, limit=1) if token.norm == "per" else None
            if named is not None and named.kind == "object" and any(
                owner != name and self.distance(owner, name)
                for owner in averaged for name in named.objects
            ):
                return True
        return False

    def _grain_of_another_date(self, subject: str, query: SemanticQuery, frame: Frame) -> bool:
        """Whether a group says a period ("per year") that the reading took as a column of
        other rows, where the subject has a date of its own: "the number of departures
        per year" counts by the departures' date, not by the year their trains were built."""
        own = self.ontology.object(subject)
        if own is None or own.default_time is None:
            return False
        grouped = {d.field for d in query.dimensions}
        return any(p.kind == "attribute" and p.text in UNITS and any(
            c.field in grouped and c.object != subject for c in p.concepts)
            for p in frame.pieces)

    def _names_each_row(self, piece: Piece, holder: str) -> bool:
        """Whether ``piece`` names the holder's naming column or its key: one value for
        each of its rows."""
        obj = self.ontology.object(holder)
        own = {obj.display_attribute, *obj.primary_key} if obj is not None else set()
        return any(c.object == holder and c.name in own for c in piece.concepts)

    def _names_wholly(self, said: set[str], holder: str, subject: str) -> bool:
        """Whether the words ``said`` (stems) are all the words of a column of ``holder``,
        but for the holder's own name, and not all of any column of ``subject`` ("region
        name" of regions, "station name" of stations, beside the storms' and the trains'
        own names)."""
        def columns(name: str) -> list[set[str]]:
            obj = self.ontology.object(name)
            return [{stem(w) for w in split_identifier(a.name)}
                    for a in (obj.attributes if obj else [])]
        named = said - self.lexicon.object_words.get(holder, set())
        return any(c in (said, named) for c in columns(holder)) and not any(
            said <= c for c in columns(subject))

    def nearest_holder(self, holders: set[str], subject: str) -> str | None:
        """The one holder of a column whose rows refer to the subject most directly:
        "the year with the most courses" of sections (each of one course), and of
        enrolments and teaching assignments (each of one section): the sections."""
        near = {name: d for name in holders
                if (d := self.distance(name, subject)) is not None}
        if not near:
            return None
        least = min(near.values())
        closest = [name for name, d in near.items() if d == least]
        return closest[0] if len(closest) == 1 else None

    def check_roles(self, subject: str, query: SemanticQuery, words: set[str]) -> None:
        """Decline a query that joins two objects related in several roles, none of them
        the plain one, unless the question's words (``words``, stems) name the role the
        join takes ("the venues of duels of the squad Owls": as the home squad or the
        away one?)."""
        for name in objects_of(query) - {subject}:
            try:
                steps = self.tree(subject).path(name)
            except InvalidInput:
                continue
            for step in steps:
                if not self.in_roles(step):
                    continue
                taken = next((r for r in self.ontology.relationships
                              if r.from_object in {step.parent, step.child}
                              and r.to_object in {step.parent, step.child}
                              and tuple(r.from_columns) in {step.parent_columns,
                                                            step.child_columns}), None)
                role = {stem(w) for w in (taken.label.split() if taken else [])}
                for end in (step.parent, step.child):
                    role -= self.lexicon.object_words.get(end, set())
                if not role or not role <= words:
                    raise Hazard(f"{step.parent} and {step.child} are related in several roles")

    def holds_each_pair_once(self, link: str) -> bool:
        """Whether ``link``'s rows are each one pair, never repeated: keyed by its
        references or by none. Rows with a key of their own ("order items": an order may
        hold one product twice) are counted only as distinct references."""
        obj = self.ontology.object(link)
        if obj is None:
            return False
        return not obj.primary_key or set(obj.primary_key) <= self._references_of(link)

    def _own_words(self, link: str, a: str, b: str) -> set[str]:
        """The words naming ``link`` and neither of the rows it pairs ("item" of order
        items pairing orders with products)."""
        words = self.lexicon.object_words
        return words.get(link, set()) - words.get(a, set()) - words.get(b, set())

    def _references_of(self, name: str) -> set[str]:
        """The columns of ``name`` that refer to other rows."""
        return {c for r in self.ontology.relationships if r.from_object == name
                for c in r.from_columns}

    def in_several_roles(self, a: str, b: str) -> bool:
        """Whether ``a`` and ``b`` are related by more than one reference (a vote for a
        president and one for a treasurer, both referring to students)."""
        return len(self._links(a, b)) > 1

    def _links(self, a: str, b: str) -> list[Relationship]:
        """The relationships between ``a`` and ``b``, either way."""
        return [r for r in self.ontology.relationships if {r.from_object, r.to_object} == {a, b}]

    def tree(self, base: str) -> JoinTree:
        if base not in self._trees:
            self._trees[base] = JoinTree(self.ontology, base)
        return self._trees[base]

    def distance(self, base: str, target: str) -> int | None:
        """Many-to-one steps from ``base`` to ``target``; None when a step fans out."""
        if base == target:
            return 0
        try:
            steps = self.tree(base).path(target)
        except InvalidInput:
            return None
        if any(step.fans_out for step in steps):
            return None
        return len(steps)

    def pairing(self, a: str, b: str, *, said: frozenset[str] = frozenset()
                ) -> tuple[str, str] | None:
        """The one table whose rows pair ``a`` with ``b`` (see ``_keyed_as_pairs``), with
        its column referring to ``a``; None when there is no such table or several, or
        when the question's words (``said``, stems) name the rows of one keyed otherwise
        than by the pair ("the number of items in each order": the order items
        themselves, not the products they pair with orders; "the branches with the most
        memberships": the registrations, or a count column?)."""
        found: list[tuple[str, str]] = []
        for obj in self.ontology.objects:
            to_a = [r for r in self.ontology.relationships
                    if r.from_object == obj.name and r.to_object == a and len(r.from_columns) == 1]
            to_b = [r for r in self.ontology.relationships
                    if r.from_object == obj.name and r.to_object == b and len(r.from_columns) == 1]
            if len(to_a) != 1 or len(to_b) != 1 or obj.name in {a, b}:
                continue
            pair = {to_a[0].from_columns[0], to_b[0].from_columns[0]}
            keyed = _keyed_as_pairs(set(obj.primary_key), pair, self._references_of(obj.name))
            if keyed in {"one", "own"} and self._own_words(obj.name, a, b) & said:
                # Rows of their own, named: the question may count them, not the pairs.
                return None
            if keyed is not None:
                found.append((obj.name, to_a[0].from_columns[0]))
        return found[0] if len(found) == 1 else None

    def reaches_down(self, base: str, target: str) -> bool:
        """Whether ``target`` is reached from ``base`` through rows that refer to it,
        directly or through a table linking the two ("students living in a dorm"), not
        through a shared parent: a course and a student of the same department are not
        related by that alone."""
        try:
            steps = self.tree(base).path(target)
        except InvalidInput:
            return False
        fan = next((i for i, step in enumerate(steps) if step.fans_out), None)
        return fan == 0

    def routes(self, subject: str, target: str) -> set[str]:
        """The ways the subject's rows have rows of ``target``: ``target`` itself when
        it refers to the subject (that one is meant whenever it exists), else each link
        object referring to both."""
        refers = {(r.from_object, r.to_object) for r in self.ontology.relationships}
        if (target, subject) in refers:
            return {target}
        return {link for link, parent in refers if parent == subject
                and link not in {subject, target} and (link, target) in refers}

    def in_roles(self, step: JoinStep) -> bool:
        """Whether two objects are linked in several roles and none is the plain one
        ("weddings" of people: as the husband or as the wife)."""
        links = self._links(step.parent, step.child)
        return len(links) > 1 and sum(1 for r in links if not r.label) != 1

    def passes(self, subject: str, name: str, via: str) -> bool:
        """Whether the path from the subject to ``name`` passes ``via`` (or ends there)."""
        if name == via:
            return True
        try:
            steps = self.tree(subject).path(name)
        except InvalidInput:
            return False
        return any(step.child == via for step in steps)

    def linked(self, a: str, b: str) -> bool:
        try:
            self.tree(a).path(b)
        except InvalidInput:
            return False
        return True

