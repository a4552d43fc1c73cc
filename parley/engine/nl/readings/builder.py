"""One reading: the roles given to the pieces of a question, and the SemanticQuery
they make (subject, figures, groups, ranking, filters, negation, columns shown), with
the words it left unexplained and its description in plain words.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from parley.engine.nl.lexicon import UNIT_WORDS, Concept
from parley.engine.nl.lexicon import counted_noun as _counted_noun
from parley.engine.nl.negation import Denied, denied_object
from parley.engine.nl.operators import (
    GRAMMAR,
    PLACED_RELATION_VERBS,
    RELATION_VERBS,
    Operator,
)
from parley.engine.nl.readings.figures import (
    OP_WORDS,
    Metric,
    aggregate_after,
    describe_metric,
    field_label,
    metric_field,
    metric_object,
    metric_ref,
    unique_metrics,
)
from parley.engine.nl.readings.pieces import (
    FREQUENCY_WORDS,
    Declined,
    Frame,
    Hazard,
    Piece,
    participle,
)
from parley.engine.nl.readings.words import (
    ADJECTIVE_FALLBACKS,
    OPENING_REQUESTS,
    USE_WORDS,
    alphabetical,
    as_int,
    as_value,
    by_standing,
    comparative,
    direction_after,
    fields_of,
    inflected,
    joined_filters,
    limit_from,
    next_aggregate_target,
    numeric_values,
    objects_of,
    order_keys_after,
    past_count,
    stored,
    words_say_everything,
)
from parley.engine.nl.text import fold, in_capitals, parse_number
from parley.engine.nl.timephrases import find_time
from parley.engine.nl.vocabulary import FIRST_NAMES, LAST_NAMES
from parley.engine.semantic.joins import nearest_time_field
from parley.engine.semantic.ontology import Attribute, Object
from parley.engine.semantic.query import (
    RELATED_OPS,
    DimensionRef,
    MetricRef,
    OrderItem,
    QueryFilter,
    SemanticQuery,
    TimeRange,
)
from parley.errors import InvalidInput
from parley.naming import expand_abbreviations, names_a_year, split_identifier, stem

if TYPE_CHECKING:
    from parley.engine.nl.readings.reader import Reader

_NUMERIC = frozenset({"integer", "decimal", "float"})
#: Words for part of a text value: "the substring 'Ha'", "the letter 'a'".
_PART_OF_TEXT = frozenset({"word", "letter", "string", "text", "substring", "character",
                           "phrase"})
_CONTAIN = frozenset({"contain", "contains", "containing", "include", "includes",
                      "including"})
_HAVE = frozenset({"has", "have", "had", "having", "with"})
_ORDER_VERBS = frozenset({"sort", "order", "arrange", "rank", "sorted", "ordered", "arranged",
                          "ranked"})
#: Words that count rows themselves: "more than 2 records", "used less than 5 times".
_OCCURRENCES = frozenset({"records", "record", "times", "time", "rows", "entries",
                          "occurrences"})
_YES_WORDS = frozenset({"yes", "y", "true", "t"})
_NO_WORDS = frozenset({"no", "n", "false", "f"})
_BE_WORDS = frozenset({"is", "are", "was", "were", "be", "been"})
#: Verbs saying that a value occurs, before "the most often": how often is all they say.
_OCCURRING = frozenset({"appears", "appear", "occurs", "occur", "shows", "comes"})
#: Words a verb takes before what it relates ("living in", "used by").
_VERB_PARTICLES = frozenset({"in", "by", "at", "on", "for", "to", "from", "the", "a", "an",
                             "out"})
#: Words between a verb and the rows doing it: "advisors *that are* advising".
_BEFORE_A_VERB = frozenset({"who", "that", "which", "is", "are", "was", "were", "has", "have",
                            "had", "been", "be", "can", "could", "do", "does", "did", "will"})
#: Verbs that say a thing can take so many, a capacity rather than rows counted ("dorms
#: that can accommodate more than 100 students" is a capacity column, not students).
_CAPACITY_VERBS = frozenset({"hold", "holds", "accommodate", "accommodates", "seat", "seats",
                             "fit", "fits", "carry", "carries", "take", "takes", "house",
                             "houses", "serve", "serves", "support", "supports"})
#: Participles of coming to be: before a date compared, they say which date it is.
_COMING_TO_BE = frozenset({"made", "created", "built", "founded", "established", "formed",
                           "released", "published", "produced", "launched", "opened",
                           "started", "born", "constructed", "introduced"})
#: How many times, said in one word: "visited at least twice".
_TIMES_WORDS = {"once": 1, "twice": 2, "thrice": 3}
#: Words opening a noun phrase: "a watch" names rows, "formed" is a verb.
_DETERMINERS = frozenset({"a", "an", "the", "some", "any"})
#: "how long", "how old": what each adjective after "how" asks the size of, by the words a
#: column of that kind is named with.
_HOW_MUCH_OF = {
    "long": frozenset({"time", "duration", "length", "hours", "hour", "minutes", "minute",
                       "days", "day", "seconds", "milliseconds", "span", "period"}),
    "old": frozenset({"age"}),
    "tall": frozenset({"height"}),
    "heavy": frozenset({"weight"}),
}
#: Verbs saying only that the rows happened: "how many storms occurred in each region".
_OCCURRENCE_VERBS = frozenset({"occur", "occurs", "occurred", "occured", "occurring",
                               "happen", "happens", "happened", "happening", "appear",
                               "appears", "appeared", "appearing"})
#: Verbs of keeping or offering, which after "we" say the rows are ours and nothing more.
_KEEPING_VERBS = frozenset({"offer", "provide", "have", "keep", "stock", "look", "after",
                            "serve", "run", "employ", "own", "operate", "manage", "hold"})
#: Where the data is kept: "on file", "in our database".
_WHERE_DATA_IS_KEPT = tuple(
    (*lead, *article, place)
    for lead in (("on",), ("in",))
    for article in ((), ("the",), ("our",))
    for place in ("file", "record", "records", "database", "system", "books")
)
#: Grammar between an average and the rows it is over: "of all the players".
_ROWS_GRAMMAR = frozenset({"of", "for", "all", "a", "an", "the", "every", "each", "across"})
#: Join steps within which related rows are near enough to hold conditions apart
#: (an order's products are three: orders, order items, products).
_NEAR = 3


#: Words between a count condition's number and what it counts ("3 corresponding
#: complaints").
_COUNTED_MODIFIERS = frozenset({"corresponding", "related", "associated", "different",
                                "distinct", "separate"})


#: Nouns that say "different ones" of the rows they precede ("kinds of enzymes").
_GENERIC_KINDS = frozenset(stem(w) for w in ("kinds", "types", "sorts", "varieties"))


def _dates_of(obj: Object) -> list[Attribute]:
    """The columns of ``obj`` that hold dates."""
    return [a for a in obj.attributes if a.role == "time" or a.type in {"date", "timestamp"}]


class Builder:
    """Assigns roles to the pieces of one question and builds its SemanticQuery."""

    def __init__(self, reader: Reader, frame: Frame, *, today: dt.date | None = None,
                 subject: str | None = None) -> None:
        self.reader = reader
        #: The rows read, when the reader chose them (a second reading, over the rows
        #: holding a column the first subject could not reach).
        self.chosen_subject = subject
        self.ontology = reader.ontology
        self.frame = frame
        #: Relative periods ("this year") are read against it; without it, none is.
        self.today = today
        #: The words of periods the reading used (a denial's: "no orders this year").
        self.dated: set[int] = set()
        self.guesses = 0
        self.explained: set[int] = set()
        self.joined = False
        #: Object pieces that only say whose column another piece names.
        self.bound: set[int] = set()
        #: Groups on another object's name, with the subject's column that refers to it:
        #: "per department" groups by the student's department code, named.
        self.group_keys: dict[str, str] = {}
        #: "movies with the highest average rating": the object whose rows are aggregated
        #: per row of the subject.
        self.per_subject: str | None = None
        #: The table pairing the subject with a grouped object, and its column referring
        #: to the subject: the subject's rows are counted through it.
        self.paired: tuple[str, str] | None = None
        self.paired_with: str | None = None
        self._metrics_read: list[Metric] = []
        #: "the most common type": the subject's rows counted per group.
        self.frequency_of: str | None = None
        #: "in alphabetical order" with no column named: the first column shown.
        self.pending_direction: bool | None = None
        words = {t.norm for t in frame.tokens}
        self.distinct = bool(words & {"distinct", "different", "unique"})
        self.subject = ""
        #: Negations of a relation ("do not have any album", "never reviewed by X"): the
        #: piece each one denies, by the piece's id.
        self.denials: dict[int, tuple[Operator, Denied, Piece]] = {}
        #: The object whose rows a count condition counts ("with at least one album").
        self.compared: str | None = None
        #: "how many cities have more than 3 airports": the column whose values are
        #: counted once their own count meets the condition.
        self.count_over: str | None = None

    # -- helpers -----------------------------------------------------------------------

    def _use(self, piece: Piece) -> None:
        piece.used = True
        self.explained.update(range(piece.start, piece.end))

    def _use_op(self, op: Operator) -> None:
        self.explained.update(range(op.start, op.end))

    def _object(self, name: str) -> Object:
        obj = self.ontology.object(name)
        assert obj is not None
        return obj

    def _attribute_of(self, piece: Piece, subject: str, *, through_many: bool = False) -> Concept:
        """The attribute a piece names, chosen by nearness to the subject. A quoted value
        may be reached through a one-to-many step (the filter becomes an EXISTS)."""
        options = [c for c in piece.concepts if c.kind in {"attribute", "value"}]
        owner = self._owner_named_after(piece)
        if owner is not None and any(c.object == owner for c in options):
            options = [c for c in options if c.object == owner]
        elif owner is not None and piece.text in {"name", "names"}:
            # "the names of institutions" whose naming column is called "institution".
            display = self._object(owner).display_attribute
            if display is not None:
                return Concept("attribute", owner, display, role="dimension")
        mentioned = {name for p in self.frame.pieces for name in p.objects}
        stems = tuple(t.stem for t in self.frame.tokens[piece.start:piece.end])
        if len(options) > 1:
            # "salary" names the column called that before the ones it ends ("max salary").
            named = [c for c in options if self.reader.lexicon.names_wholly(stems, c)]
            if named and any(self.reader.distance(subject, c.object) is not None
                             for c in named):
                options = named
        scored: list[tuple[int, int, Concept]] = []
        out_of_reach: list[Concept] = []
        for concept in options:
            distance = self.reader.distance(subject, concept.object)
            if distance is None and through_many and self.reader.reaches_down(
                subject, concept.object
            ):
                distance = 10 + len(self.reader.tree(subject).path(concept.object))
            if distance is None and concept.object == self.paired_with:
                # Counted through the pairs: the other side of the pairs is in reach.
                distance = 5
            if distance is None:
                out_of_reach.append(concept)
                continue
            scored.append((0 if concept.object == subject else
                           1 if concept.object in mentioned else 2, distance, concept))
        if not scored and (owner is None or owner == subject):
            own = self._own_column_called(piece, subject)
            if own is not None:
                return own
        if not scored:
            out = Hazard(f"{piece.text!r} is not reachable from {subject}")
            out.held_by = {c.object for c in out_of_reach}
            out.unreached = piece
            raise out
        scored.sort(key=lambda s: (s[0], s[1]))
        best = scored[0]
        if best[0] == 2 and any(c.object in mentioned for c in out_of_reach):
            # "the course the student named Smithson took": Smithson the student, out of
            # reach, not an employee of the same name who is in reach.
            raise Hazard(f"{piece.text!r} is not reachable from {subject}")
        ties = [s for s in scored if s[:2] == best[:2] and s[2].field != best[2].field]
        if ties:
            if piece.kind == "value":
                # A value several columns hold: the business parser weighs the columns.
                raise Declined(f"{piece.text!r} is ambiguous")
            raise Hazard(f"{piece.text!r} is ambiguous")
        if best[0] > 0:
            self.joined = True
        return best[2]

    def _own_column_called(self, piece: Piece, subject: str) -> Concept | None:
        """The subject's one column whose name holds every word of ``piece``, when what
        the word matched is out of reach: "how many distinct types of accounts" of
        customers with an `acc_type` (not the loans' `loan_type`), "the latest join year"
        of artists with a `Year_Join` (not their exhibitions' year)."""
        said = {t.stem for t in self.frame.tokens[piece.start:piece.end]}
        objects = set().union(*self.reader.lexicon.object_words.values())
        found = []
        for attribute in self._object(subject).attributes:
            words = {stem(w) for w in expand_abbreviations(split_identifier(attribute.name))}
            if said <= words and not (words - said) & objects:
                # (Not a column whose other words name other rows: "names" is not the
                # courses' `dept_name`, the name of their department.)
                found.append(attribute)
        if len(found) != 1:
            return None
        self.guesses += 1
        return Concept("attribute", subject, found[0].name, role=found[0].role)

    def _owner_named_after(self, piece: Piece) -> str | None:
        """"the names of companies": a column bound to the object named after "of";
        "institution names": to the object named right before it."""
        words = [t.norm for t in self.frame.tokens]
        before = self.frame.piece_at(piece.start - 1)
        if (
            before is not None
            and before.objects
            and before.kind == "object"
            and (any(c.object == before.objects[0] for c in piece.concepts)
                 or piece.text in {"name", "names"})
        ):
            self.bound.add(id(before))
            return before.objects[0]
        index = piece.end
        steps = 0
        while index < len(words) and steps < 5:
            if words[index] in {"of", "for"}:
                following = self.frame.next_piece(index + 1, limit=2)
                if following is not None and following.objects:
                    self.bound.add(id(following))
                    return following.objects[0]
                return None
            other = self.frame.piece_at(index)
            if other is not None and not other.names_column:
                return None
            if other is None and words[index] not in {"and", ",", "the", "all"}:
                return None
            index = other.end if other is not None else index + 1
            steps += 1
        return None

    def _said(self) -> frozenset[str]:
        """The stems of the question's words."""
        return frozenset(t.stem for t in self.frame.tokens)

    def _ops(self, kind: str) -> list[Operator]:
        return [o for o in self.frame.operators if o.kind == kind]

    # -- the subject -------------------------------------------------------------------

    def _subject(self) -> str:
        """The object whose rows the question counts, aggregates or lists."""
        frame = self.frame
        objects = [p for p in frame.pieces if p.kind == "object"]
        counts = self._ops("count")
        most = self._ops("most")
        if most:
            after = frame.next_piece(most[0].end)
            if after is not None and after.objects:
                return self._sole_object(after)
        if counts:
            after = frame.next_piece(counts[0].end, limit=6)
            if after is not None and after.objects:
                return self._sole_object(after)
        if objects:
            owners = set(objects[0].objects)
            if len(owners) != 1:
                raise Declined("two objects share a name")
            named = next(iter(owners))
            denier = self._owner_before_denial(objects[0])
            if denier is not None:
                return denier
            if most and most[0].end <= objects[0].start:
                counted = self._counted_among(objects[0])
                if counted is not None:
                    return counted
            if most and self._said_most_frequent(objects[0], most[0]):
                # "the genre that is most frequent across all tracks": the tracks named
                # after the frequency are the rows counted, as "the most common genre in
                # all tracks".
                frequency = self._frequency_words(most[0])
                counted = self._counted_among(objects[0], after=max(frequency) + 1)
                if counted is not None:
                    return counted
            return self._measured_below(named) or named
        owners_sets = [{c.object for c in p.concepts}
                       for p in frame.pieces if p.kind in {"attribute", "value"}]
        if not owners_sets:
            raise Declined("nothing names data")
        common = set.intersection(*owners_sets)
        if len(common) == 1:
            return next(iter(common))
        firsts = owners_sets[0]
        if len(firsts) == 1:
            self.guesses += 1
            return next(iter(firsts))
        first = next(p for p in frame.pieces if p.kind in {"attribute", "value"})
        lead = frame.tokens[first.start].stem
        if first.end - first.start > 1:
            # "product name" of products and of services: the products' own, the one
            # whose name starts with what the rows are called.
            owning = [name for name in (common or firsts)
                      if lead in self.reader.lexicon.object_words.get(name, set())]
            if len(owning) == 1:
                return owning[0]
        raise Declined("no object named")

    def _owner_before_denial(self, first: Piece) -> str | None:
        """"track names that have had no races": the rows first named are denied ("no
        races"), so the rows asked about own the column named before them."""
        negations = [o for o in self._ops("negation") if o.end <= first.start
                     and first.start - o.end <= 2]
        if not negations or any(o.kind in {"compare", "between"} and o.start >= first.end
                                for o in self.frame.operators):
            return None  # "no train station with at least 15 platforms": not this shape
        owners = {c.object for p in self.frame.pieces
                  if p.kind == "attribute" and p.end <= negations[0].start
                  for c in p.concepts if c.kind == "attribute"}
        if len(owners) != 1 or first.objects[0] in owners:
            return None
        return next(iter(owners))

    def _said_most_frequent(self, ranked: Piece, most: Operator) -> bool:
        """Whether "most frequent" / "least common" follows the rows ranked, with only a
        copula between ("the genre that is most frequent", "which genre is the most
        common")."""
        words = [t.norm for t in self.frame.tokens]
        between = set(words[ranked.end:most.start])
        return (ranked.end <= most.start and between <= {"that", "which", "is", "are", "was",
                                                         "were", "the"}
                and bool(self._frequency_words(most)))

    def _counted_among(self, ranked: Piece, *, after: int | None = None) -> str | None:
        """"the most common genre in all tracks": the rows named after "in", "among" or
        "across", which refer to the ranked object, are the ones counted (named after
        ``after`` when the frequency follows the ranked rows: "the genre that is most
        frequent across all tracks")."""
        words = [t.norm for t in self.frame.tokens]
        start = ranked.end if after is None else after
        index = start
        while index < len(words) and words[index] in {"in", "across", "among", "over", "all",
                                                      "the", "of"}:
            index += 1
        between = set(words[start:index])
        rows = self.frame.piece_at(index)
        if rows is None or not rows.objects or not between & {"in", "across", "among", "over"}:
            return None
        counted, name = rows.objects[0], ranked.objects[0]
        if counted == name or self.reader.distance(counted, name) is None:
            return None
        if self.reader.in_several_roles(counted, name):
            return None
        return counted

    def _measured_below(self, named: str) -> str | None:
        """"the average age of members of the club X": the column aggregated is of rows
        the named object cannot reach, rows that reach it down a relationship (students,
        through memberships): those rows are the subject, the named one a condition."""
        frame = self.frame
        figures = [o for o in frame.operators if o.kind in {"aggregate", "extreme"}]
        if not figures:
            return None
        column = frame.next_piece(past_count(frame, figures[0].end), limit=2)
        if column is None or column.kind != "attribute":
            return None
        owners = {c.object for c in column.concepts if c.kind == "attribute"}
        if len(owners) != 1:
            return None
        owner = next(iter(owners))
        if owner == named or self.reader.distance(named, owner) is not None:
            return None
        if self.reader.distance(owner, named) is not None:
            return None  # the named rows are reached many-to-one: the usual reading
        return owner if self.reader.reaches_down(owner, named) else None

    def _sole_object(self, piece: Piece) -> str:
        """The object a counted phrase names, unless it also names another object's own
        key ("allergies": the rows of allergy pairs, or the allergies themselves?)."""
        name = piece.objects[0]
        for concept in piece.concepts:
            if concept.kind != "attribute" or concept.object == name:
                continue
            other = self.ontology.object(concept.object)
            if other is not None and other.primary_key == [concept.name]:
                raise Hazard(f"{piece.text!r} names both {name} and {other.name}")
        return name

    # -- building ----------------------------------------------------------------------

    def build(self) -> SemanticQuery:
        frame = self.frame
        subject = self.chosen_subject or self._subject()
        self.subject = subject
        for piece in frame.pieces:
            if piece.kind == "object" and subject in piece.objects:
                self._use(piece)
        self.denials = self._denials(subject)
        filters = self._absences(subject, joined_filters(
            frame, self._filters(subject),
            many=lambda field: self._held_apart(subject, field.split(".")[0])))
        metrics, having = self._metrics(subject)
        self._metrics_read = metrics
        some = self._some_instead(subject, metrics, having)
        if some is not None:
            filters.append(some)
        self._counted_column(subject, metrics)
        groups = self._groups(subject)
        if self.paired is not None:
            metrics = self._counted_through_pairs(subject, metrics, having)
        if self.per_subject is not None and metrics and not groups and (
            self._per_row_said() or self._subject_shown(subject)
        ):
            display = self._display(subject)
            key = self._reference_to(self.per_subject, subject)
            if key is None:
                raise Declined("a figure per row of an object not referred to by one key")
            if display is None:
                groups = [key]  # rows with no naming column: their key
            else:
                groups = [display]
                self.group_keys[display] = key
        if self.frequency_of is not None and not metrics:
            metrics.append(Metric("count", self.frequency_of))
        order, limit, rank_fields = self._ranking(subject, metrics, groups)
        first_metric = min((o.start for o in frame.operators
                            if o.kind in {"count", "aggregate", "extreme", "most"}), default=0)
        shown_before = [p.start for p in frame.pieces if not p.used and p.kind == "attribute"]
        shown = self._shown(subject, groups)
        self._other_objects(subject, groups)
        for op in frame.operators:
            if op.kind in {"each", "top"}:
                self._use_op(op)
        words = [t.norm for t in frame.tokens]
        asks_which = bool(words) and (words[0] in {"which", "who"} or (words[:2] == ["what", "is"]
                                      and not shown))
        if metrics and len(shown) == 1 and not groups and not having and shown[0].startswith(
            f"{subject}."
        ):
            compared = self._figure_compared(metrics, filters)
            if compared is not None:
                # "studios with an average gross of over 4.5 million": each studio's
                # figure, compared after grouping.
                having.append(compared)
                groups = [shown[0]]
        if metrics:
            if shown and not groups and not having and not (
                self._ops("group") or ({"and", "with"} & set(words[:first_metric]) and all(
                    start < first_metric for start in shown_before))
            ):
                raise Declined("a column beside a figure, with nothing grouping it")
            dimensions = []
            for group in groups:
                key = self.group_keys.get(group)
                dimensions += [key, group] if key and key not in groups else [group]
            # A group named through its key keeps codes with no name, unless the question
            # asked for the name itself ("the department name and number of employees").
            keyed = {g for g in groups if g in self.group_keys and g not in shown}
            counted = metric_object(metrics[0])
            if having and not groups and counted != subject:
                # "schools with more than 1 player": each school, by the players' key to it.
                key = self._reference_to(counted, subject)
                named = [f for f in shown if f.startswith(f"{subject}.")] or [
                    d for d in [self._display(subject)] if d]
                if key is None:
                    raise Declined("a condition on a count needs something to group")
                # Rows with no naming column ("roles" of a code and a description): each
                # is its key, which the counted rows hold.
                dimensions = [key, *named]
                keyed |= {key, *named}
                # Counted rows that refer to no school, or to none there is, are no school
                # with players.
                exists = [f"{subject}.{k}" for k in self._object(subject).primary_key][:1]
                filters += [QueryFilter(field=f, op="ne", values=[None]) for f in [key, *exists]]
            dimensions += [f for f in shown if f not in dimensions]
            if having and not dimensions and self.count_over is None:
                raise Declined("a condition on a count needs something to group")
            for dimension in dimensions:
                if dimension in keyed:
                    # Named through its key: a code with no name is still a group.
                    continue
                if dimension in self.group_keys.values() or not dimension.startswith(
                    f"{metric_object(metrics[0])}."
                ):
                    # Rows of the measured object with no group are no group at all.
                    filters.append(QueryFilter(field=dimension, op="ne", values=[None]))
            if self.pending_direction is not None:
                # "in alphabetical order": by the first named group.
                texts = [d for d in dimensions if self.ontology.resolve(d)[1].type == "text"]
                if not texts:
                    raise Declined("an alphabetical order of figures")
                order.append(OrderItem(key=DimensionRef(field=texts[0]).key,
                                       descending=self.pending_direction))
            if self.count_over is not None:
                # A city with no name is no city counted.
                filters.append(QueryFilter(field=self.count_over, op="ne", values=[None]))
            query = SemanticQuery(
                metrics=[self._metric_ref(m) for m in metrics],
                dimensions=[DimensionRef(field=f) for f in dimensions],
                filters=[*filters, *having],
                order=order,
                limit=limit,
                count_over=DimensionRef(field=self.count_over) if self.count_over else None,
            )
            if not dimensions and (order or limit):
                raise Declined("a ranking of one figure")
            self._negation_in_scope(query)
            return query
        if groups:
            raise Hazard("a group with nothing to measure")
        fields = [*shown, *[f for f in rank_fields if f not in shown]]
        if (asks_which or not shown) and rank_fields:
            display = self._display(subject)
            if display is not None and display not in fields:
                fields.insert(0, display)
        if not shown and not self.distinct and (
            words_say_everything(words) or not self._named_by_words(subject)
        ):
            # "the 10 most recent shipments", of rows with no naming column (or one that
            # is a number, "INV-1001"): whole rows.
            fields = []
            if self.distinct:
                raise Declined("distinct rows")
            return SemanticQuery(list_object=subject, list_fields=[], filters=filters,
                                 order=order, limit=limit)
        subject_at = min((p.start for p in frame.pieces if subject in p.objects
                          and p.kind == "object"), default=None)
        first_shown = min((p.start for p in frame.pieces if p.kind == "attribute"
                           and p.start in shown_before), default=None)
        if subject_at is not None and first_shown is not None and subject_at < first_shown:
            # "products with their price": the products themselves, then their price.
            display = self._display(subject)
            if display is not None and display not in fields:
                fields.insert(0, display)
        if not shown:
            # "which suppliers have a rating below 3": the suppliers, named.
            display = self._display(subject)
            if display is not None and display not in fields:
                fields.insert(0, display)
        for item in filters:
            if item.op in {"gt", "gte", "lt", "lte", "between"} and item.field not in fields:
                fields.append(item.field)
        if not fields and filters:
            display = self._display(subject)
            fields = [display] if display else []
        if not fields:
            raise Declined("nothing to show")
        if self.pending_direction is not None:
            order.append(OrderItem(key=fields[0], descending=self.pending_direction))
        for ordered in order:
            if ordered.key not in fields:
                fields.append(ordered.key)
        if len(shown) == 1 and not order and limit is None and self._values_having_rows(
            subject, shown[0]
        ):
            # "the buildings which have rooms with capacity over 50": each building once.
            return SemanticQuery(list_object=subject, list_fields=shown, filters=filters,
                                 distinct=True)
        if self.distinct:
            if not shown:
                # "the different allergy types": the words naming the rows name a column.
                shown = [c.field for p in frame.pieces if p.kind == "object"
                         and subject in p.objects for c in p.concepts
                         if c.kind == "attribute" and c.object == subject][:1]
            if not shown or any(item.key not in shown for item in order):
                raise Declined("distinct values ordered by another column")
            return SemanticQuery(list_object=subject, list_fields=shown, filters=filters,
                                 order=order, limit=limit, distinct=True)
        named_rows = any(p.kind == "object" and p.objects for p in frame.pieces)
        if len(fields) == 1 and not (order or filters or named_rows) and limit is None and (
            self._category(fields[0])
        ):
            # "Show all product sizes": a category's values, each once, not a row each.
            return SemanticQuery(list_object=subject, list_fields=fields, filters=filters,
                                 distinct=True)
        return SemanticQuery(list_object=subject, list_fields=fields, filters=filters,
                             order=order, limit=limit)

    def _figure_compared(
        self, metrics: list[Metric], filters: list[QueryFilter]
    ) -> QueryFilter | None:
        """A figure of each group compared with a number right after it ("an average
        gross of over 4500000", "whose average price is below 1000"), or None."""
        if len(metrics) != 1 or metrics[0].aggregation not in {"avg", "sum", "min", "max"}:
            return None
        metric = metrics[0]
        measured = next((p for p in self.frame.pieces if p.used and p.kind == "attribute"
                         and p.start >= metric.position
                         and any(c.field == metric.field for c in p.concepts)), None)
        if measured is None:
            return None
        tokens = self.frame.tokens
        start = measured.end
        while start < len(tokens) and tokens[start].norm in {"of", "is", "was", "are"}:
            start += 1
        op = next((o for o in self._ops("compare") if o.start == start), None)
        number = self.frame.next_piece(op.end, limit=0) if op is not None else None
        if op is None or number is None or number.kind != "number" or number.number is None:
            return None
        # The comparison was read as a condition on the rows: it is one on the figure.
        read = [f for f in filters if f.field == metric.field and f.op == op.arg
                and f.values == [number.number]]
        if len(read) != 1:
            return None
        filters.remove(read[0])
        return QueryFilter(field=self._metric_ref(metric).key, op=op.arg,  # type: ignore[arg-type]
                           values=[number.number])

    def _values_having_rows(self, subject: str, field: str) -> bool:
        """Whether the question opens on a column's values, then says they "have" the
        subject's rows ("the buildings which have rooms ...", "states that have
        customers"): the values are asked for, not one per row."""
        if not field.startswith(f"{subject}."):
            return False
        pieces = [p for p in self.frame.pieces if p.kind in {"attribute", "object"}]
        named = next((p for p in pieces if p.kind == "object" and subject in p.objects), None)
        column = pieces[0] if pieces else None
        if named is None or column is None or column.kind != "attribute" or not any(
            c.field == field for c in column.concepts
        ):
            return False
        between = {t.norm for t in self.frame.tokens[column.end:named.start]}
        return bool(between & _HAVE) and between <= _HAVE | {"which", "that", "any", "some",
                                                               "at", "least", "one", "a"}

    def _category(self, field: str) -> bool:
        """A text column of a few values each shared by many rows ("size", "payment
        method"), not one that names or describes a row."""
        obj, attribute = self.ontology.resolve(field)
        rows = obj.row_count or 0
        return (attribute.type == "text" and attribute.role == "dimension"
                and field != self._display(obj.name) and bool(attribute.values)
                and len(attribute.values) * 2 <= rows)

    def _metric_ref(self, metric: Metric) -> MetricRef:
        ref = metric_ref(metric, self.ontology)
        if self.paired is not None and metric.field == ".".join(self.paired):
            # Named for what it counts: the subject's rows, through their pairs.
            ref.alias = f"{self.subject}_count"
        return ref

    def _counted_through_pairs(
        self, subject: str, metrics: list[Metric], having: list[QueryFilter]
    ) -> list[Metric]:
        """The subject's rows counted through the table pairing them with a group: each
        pair names one subject row, so a distinct count of its reference to the subject."""
        assert self.paired is not None
        link, column = self.paired
        if any(m.aggregation != "count" or m.field != subject for m in metrics) or not metrics:
            raise Hazard(f"figures of {subject} through {link}")
        return [Metric("count_distinct", f"{link}.{column}", m.position) for m in metrics]

    def _per_row_said(self) -> bool:
        """Whether the words ask for a figure per row: "each", "per", a ranking, "with"."""
        kinds = {o.kind for o in self.frame.operators}
        tokens = self.frame.tokens
        # "products with their total", not "associated with the orders".
        words = {t.norm for t in tokens
                 if not (t.norm == "with" and t.index and participle(tokens[t.index - 1].norm))}
        figures = [o for o in self.frame.operators if o.kind in {"extreme", "aggregate"}]
        ranked = "extreme" in kinds and len(figures) > 1
        return bool(kinds & {"group", "most", "top", "order"} or words & {"with", "whose"}
                    or ranked)

    def _subject_shown(self, subject: str) -> bool:
        """Whether a column of the subject is asked for beside the figure ("the names of
        the branches and their total loan amounts"): then the figure is one per row, and
        otherwise one over them all ("the total quantity of products bought by X")."""
        return any(not p.used and p.kind == "attribute"
                   and any(c.object == subject for c in p.concepts)
                   for p in self.frame.pieces)

    def _named_by_words(self, subject: str) -> bool:
        """Whether the rows' naming column is a name or title, not a number ("invoice
        number"): a list of the rows shows that name alone."""
        display = self._display(subject)
        return display is not None and not self.ontology.resolve(display)[1].label.endswith(
            "number")

    def _display(self, subject: str) -> str | None:
        obj = self._object(subject)
        return f"{obj.name}.{obj.display_attribute}" if obj.display_attribute else None

    def _counted_column(self, subject: str, metrics: list[Metric]) -> None:
        """"the total number of customers" of banks with a number-of-customers column is
        that column, not a count of rows: too close to call, so decline."""
        for metric in metrics:
            if metric.aggregation != "count" or "." in metric.field:
                continue
            counted = self._object(metric.field)
            words = {w for w in re.split(r"[\s_]+", counted.plural.lower() + " "
                                          + counted.label.lower()) if w}
            for name in {subject, *self.mentioned_objects()}:
                for attribute in self._object(name).attributes:
                    parts = set(attribute.name.lower().split("_")) | set(
                        attribute.label.lower().split())
                    if attribute.role != "measure":
                        continue  # po_number names an order; it counts nothing
                    if parts & {"number", "num", "no", "count", "total"} and parts & words:
                        raise Hazard(f"{attribute.name} may already count {counted.plural}")

    def mentioned_objects(self) -> set[str]:
        return {name for p in self.frame.pieces for name in p.objects}

    def _metrics(self, subject: str) -> tuple[list[Metric], list[QueryFilter]]:
        frame = self.frame
        metrics: list[Metric] = []
        having: list[QueryFilter] = []
        for op in frame.operators:
            if op.kind == "count" and self._aggregates_a_count_column(op, subject):
                continue  # "the average number of bedrooms": read with its aggregate
            if op.kind == "count":
                self._use_op(op)
                distinct = [d for d in frame.operators
                            if d.kind == "distinct" and op.end <= d.start <= op.end + 1]
                is_distinct = bool(distinct)
                after = frame.next_piece(distinct[0].end if distinct else op.end, limit=6)
                if after is not None:
                    after = self._kinds_of_the_rows(after, subject) or after
                owned = frame.piece_at(after.end) if after is not None else None
                if is_distinct and after is not None and after.kind == "object" and (
                    owned is not None and owned.kind == "attribute"
                    and any(c.object in after.objects for c in owned.concepts)
                ):
                    after = owned  # "different lens brands": the lenses' brands
                if is_distinct and after is not None and self._distinct_rows_themselves(
                    after, subject
                ):
                    # "how many different projects are there": the projects' own rows,
                    # distinct already, not another table's column called "project".
                    self._use(after)
                    for d in self._ops("distinct"):
                        self._use_op(d)
                    self._count_condition(subject, having, reachable=False)
                    metrics.append(Metric("count", subject))
                    continue
                if is_distinct and after is not None and after.names_column:
                    concept = self._attribute_of(after, subject)
                    self._use(after)
                    for d in self._ops("distinct"):
                        self._use_op(d)
                    metrics.append(Metric("count_distinct", concept.field))
                    continue
                if after is not None and after.kind == "attribute" and not is_distinct and (
                    after.start - op.end <= 1
                ) and not after.used:  # ("how many FDA approved medicines": a condition)
                    concept = self._attribute_of(after, subject)
                    _, counted_column = self.ontology.resolve(concept.field)
                    counts = _counted_noun(counted_column.label) is not None
                    said = {t.norm for t in frame.tokens[op.start:op.end]}
                    if counts and "total" in said and (
                        counted_column.type in _NUMERIC or numeric_values(counted_column)
                    ):
                        # "the total number of rooms" of a room count column: its sum,
                        # and of the columns joined to it ("platforms and passengers").
                        self._use(after)
                        metrics.append(Metric("sum", concept.field, op.start))
                        index = after.end
                        while index < len(frame.tokens) and frame.tokens[index].norm in {
                            "and", ","
                        }:
                            more = frame.next_piece(index + 1, limit=0)
                            if more is None or more.kind != "attribute" or more.used:
                                break
                            extra = self._attribute_of(more, subject)
                            _, extra_column = self.ontology.resolve(extra.field)
                            if extra_column.type not in _NUMERIC:
                                break
                            self._use(more)
                            metrics.append(Metric("sum", extra.field, more.start))
                            index = more.end
                        continue
                    if concept.role in {"measure", "identifier"} or counts:
                        # "the number of platforms" of a platforms column: its sum?
                        raise Hazard(f"a count of a column ({after.text})")
                    # "how many countries": the different values of the column.
                    counted = None if having else self._count_condition(
                        subject, having, reachable=True)
                    self._use(after)
                    if counted is not None and self.reader.distance(
                        counted, concept.object) is not None:
                        # "how many cities have more than 3 airports": each city's
                        # airports counted, and the cities kept counted in turn.
                        self.count_over = concept.field
                        self.joined = True
                        metrics.append(Metric("count", counted))
                        continue
                    if counted is not None:
                        raise Declined("a count of values over a count it does not reach")
                    metrics.append(Metric("count_distinct", concept.field))
                    continue
                target = subject
                if after is not None and after.objects:
                    target = after.objects[0]
                    self._use(after)
                self._count_condition(subject, having, reachable=False)
                metrics.append(Metric("count", target))
            elif op.kind in {"aggregate", "extreme"}:
                targets = self._aggregated(op, subject)
                if targets is None:
                    continue
                self._use_op(op)
                for concept in targets:
                    arg = by_standing(frame, op, concept.field)
                    metrics.append(Metric(arg, concept.field, op.start))  # type: ignore[arg-type]
        if not any(m.aggregation == "count" for m in metrics) and not having:
            counted = self._count_condition(subject, having, reachable=True)
            if counted is not None:
                self.joined = True
                metrics.append(Metric("count", counted))
        for op in self._ops("most"):
            after = frame.next_piece(op.end)
            while after is not None and after.kind == "value":
                after = frame.next_piece(after.end)
            if after is not None and after.objects:
                self._use_op(op)
                self._use(after)
                metrics.append(Metric("count", after.objects[0]))
        if any(m.aggregation in {"count", "count_distinct"} for m in metrics):
            for op in self._ops("aggregate"):
                after = frame.next_piece(op.end, limit=1)
                if op.arg == "sum" and (after is None or not after.names_column):
                    # "how many courses are there in total", "how many schools exist in
                    # total" (the different school codes)
                    self._use_op(op)
        # "max and min age": both aggregations apply to the column after the last one.
        pending = [op for op in frame.operators if op.kind in {"aggregate", "extreme"}
                   and not self.explained & set(range(op.start, op.end))]
        for op in pending:
            follower = next_aggregate_target(frame, op)
            if follower is not None and any(m.field.endswith(follower) for m in metrics):
                self._use_op(op)
                field_ = next(m.field for m in metrics if m.field.endswith(follower))
                metrics.append(Metric(op.arg, field_, op.start))  # type: ignore[arg-type]
        metrics.sort(key=lambda m: m.position)
        return unique_metrics(metrics), having

    def _kinds_of_the_rows(self, counted: Piece, subject: str) -> Piece | None:
        """"how many kinds of enzymes": a generic noun before "of" and the subject, whose
        rows have no column called by it, counts the rows themselves (the piece naming
        them, returned); not another table's `interaction_type`."""
        words = [t.norm for t in self.frame.tokens]
        said = self.frame.tokens[counted.start].stem
        if counted.kind != "attribute" or counted.end - counted.start != 1 or (
            said not in _GENERIC_KINDS
        ) or counted.end >= len(words) or words[counted.end] != "of":
            return None
        rows = self.frame.next_piece(counted.end + 1, limit=1)
        if rows is None or rows.kind != "object" or rows.objects != [subject]:
            return None
        if any(said in {stem(w) for w in expand_abbreviations(split_identifier(a.name))}
               for a in self._object(subject).attributes):
            return None  # "types of accounts" of rows with an account type: that column
        self._use(counted)
        self.explained.add(counted.end)
        return rows

    def _distinct_rows_themselves(self, counted: Piece, subject: str) -> bool:
        """Whether "different <rows>" counts the subject's own rows: the word names the
        subject, and no column it also names is in the subject's reach ("different
        projects" beside an assignment's `project` column, reached only backwards)."""
        if counted.kind != "object" or counted.objects != [subject]:
            return False
        return not any(c.kind == "attribute" and self.reader.distance(subject, c.object)
                       is not None for c in counted.concepts)

    def _aggregates_a_count_column(self, op: Operator, subject: str) -> bool:
        """"the average / maximum number of X" where X names a number column: the column
        aggregated, not a count of rows."""
        words = [t.norm for t in self.frame.tokens]
        before = [o for o in self.frame.operators if o.kind in {"aggregate", "extreme"}
                  and o.end <= op.start and not set(words[o.end:op.start]) - {"and", ",", "the"}]
        if not before:
            return False
        after = self.frame.next_piece(op.end, limit=1)
        if after is None or after.kind != "attribute":
            return False
        try:
            concept = self._attribute_of(after, subject)
        except Declined:
            return False
        _, attribute = self.ontology.resolve(concept.field)
        numbers = attribute.type in _NUMERIC or (attribute.type == "text"
                                                 and numeric_values(attribute))
        if not numbers or (attribute.role != "measure" and attribute.type in _NUMERIC):
            return False
        self._use_op(op)
        return True

    def _count_condition(
        self, subject: str, having: list[QueryFilter], *, reachable: bool
    ) -> str | None:
        """"schools with more than 1 player": a count of another object compared, a HAVING
        on the subject's groups; the object counted, or None. With ``reachable``, only an
        object from which the subject is reached many-to-one counts."""
        frame = self.frame
        timed = self._times_condition(subject, having)
        if timed is not None:
            return timed  # "lodges inspected at least two times": the inspections
        for comparison in [*self._ops("compare"), *self._exact_counts()]:
            # "2 or more players" puts the number before the comparison.
            postfix = frame.tokens[comparison.start].norm == "or"
            number = (frame.piece_at(comparison.start - 1) if postfix and comparison.start
                      else frame.next_piece(comparison.end, limit=0))
            if number is None or number.kind != "number" or number.number is None:
                continue
            counted_at = comparison.end if postfix else number.end
            counted = self._counted_after(counted_at)
            occurrences = counted is None and counted_at < len(frame.tokens) and (
                frame.tokens[counted_at].norm in _OCCURRENCES)
            if occurrences:
                # "event names that have more than 2 records", "codes used less than 5
                # times": the rows themselves, counted per value.
                name = subject
            elif counted is None or not counted.objects:
                continue
            else:
                name = counted.objects[0]
            if name == subject and not (
                self._column_before(comparison, subject)
                or self._group_before(comparison, subject)
            ):
                continue
            if reachable and self.reader.distance(name, subject) is None:
                link = self.reader.pairing(subject, name, said=self._said())
                if link is None or self.reader.distance(link[0], subject) != 1 or (
                    not self.reader.holds_each_pair_once(link[0])
                ):
                    # (Dispatch items may hold one article twice: their rows are no
                    # count of the articles.)
                    continue
                # "regions with two or more storms": the pairs of regions and storms,
                # counted for each region.
                name = link[0]
            self._use_op(comparison)
            self._use(number)
            if counted is not None:
                self._use(counted)
            else:
                self.explained.add(counted_at)
            self.compared = name
            having.append(QueryFilter(field="count", op=comparison.arg,  # type: ignore[arg-type]
                                      values=[as_int(number.number)]))
            return name
        return None

    def _times_condition(self, subject: str, having: list[QueryFilter]) -> str | None:
        """"attractions visited at least twice", "the product booked for 3 times": how
        many times the verb before says it happened, a count of the rows of the table the
        verb names ("visited" of visits), which refer to the subject. A verb naming no
        table ("used more than twice") is not read."""
        tokens = self.frame.tokens
        said: list[tuple[int, int, Operator]] = []  # (first word, past "times", comparison)
        for comparison in self._ops("compare"):
            if comparison.end < len(tokens) and tokens[comparison.end].norm in _TIMES_WORDS:
                said.append((comparison.start, comparison.end + 1, comparison))
                continue
            number = self.frame.piece_at(comparison.end)
            if number is not None and number.kind == "number" and number.end < len(tokens) and (
                tokens[number.end].norm in {"times", "time"}
            ):
                said.append((comparison.start, number.end + 1, comparison))
        for piece in self.frame.pieces:
            if piece.kind == "number" and not piece.used and piece.end < len(tokens) and (
                tokens[piece.end].norm in {"times", "time"}
            ) and not any(o.end == piece.start for o in self._ops("compare")):
                said.append((piece.start, piece.end + 1, Operator("compare", piece.start,
                                                                  piece.start, "eq")))
        for start, end, comparison in said:
            verb = start - 1
            while verb > 0 and tokens[verb].norm in {"for", "been", "being"}:
                verb -= 1
            if verb <= 0 or not participle(tokens[verb].norm) or tokens[verb].norm in GRAMMAR:
                continue
            event = self._table_named_by_verb(verb)
            if event is None or event == subject or self.reader.distance(event, subject) is None:
                continue
            words = [t.norm for t in tokens[comparison.end:end]]
            count = _TIMES_WORDS.get(words[0]) if words[0] in _TIMES_WORDS else None
            if count is None:
                number = self.frame.piece_at(end - 2)
                if number is None or number.number is None:
                    continue
                count = as_int(number.number)
                self._use(number)
            self._use_op(comparison)
            self.explained.update(range(comparison.end, end))
            self.explained.add(verb)
            named = self.frame.piece_at(verb)
            if named is not None and named.kind == "object" and event in named.objects:
                self._use(named)  # ("visited" found as the visits themselves)
            self.compared = event
            having.append(QueryFilter(field="count", op=comparison.arg,  # type: ignore[arg-type]
                                      values=[count]))
            return event
        return None

    def _table_named_by_verb(self, index: int) -> str | None:
        """The one table whose rows record what the verb says ("visited": visits)."""
        said = self.frame.tokens[index].stem
        if len(said) < 4:
            return None
        tables = self.reader.lexicon.object_words.items()
        named = [name for name, words in tables if said in words]
        if not named:  # ("booked" of bookings; "visited" is visits, not visitors)
            named = [name for name, words in tables if any(w.startswith(said) for w in words)]
        return named[0] if len(named) == 1 else None

    def _names_one_row(self, field: str) -> bool:
        """Whether each value of ``field`` is one row's own: its key, or a column whose
        known values are as many as the rows."""
        obj, attribute = self.ontology.resolve(field)
        if obj.primary_key == [attribute.name]:
            return True
        return bool(obj.row_count and attribute.values and len(attribute.values) >= obj.row_count)

    def _exact_counts(self) -> list[Operator]:
        """"tracks with 1 race", "courses that have two prerequisites": a number right
        after a word of having, with no comparison, is the count itself (as an "equal"
        comparison of no words)."""
        tokens = self.frame.tokens
        found: list[Operator] = []
        for piece in self.frame.pieces:
            if piece.kind != "number" or piece.used or piece.start == 0 or not piece.number:
                continue  # ("with 0 races" has no group to count: not this reading)
            if tokens[piece.start - 1].norm in _HAVE | {"hosted", "held", "won"}:
                found.append(Operator("compare", piece.start, piece.start, "eq"))
        return found

    def _counted_after(self, index: int) -> Piece | None:
        """The piece a count condition counts, right after its number ("more than 3
        corresponding complaints")."""
        frame = self.frame
        if index < len(frame.tokens) and frame.tokens[index].norm in _COUNTED_MODIFIERS:
            found = frame.piece_at(index + 1)
            if found is not None:
                self.explained.add(index)
            return found
        return frame.next_piece(index, limit=1)

    def _group_before(self, op: Operator, subject: str) -> bool:
        """"for each department that has more than 2 employees": an object grouped before
        the comparison, which the counted rows refer to; the count is per group."""
        for group in self._ops("group"):
            if group.end > op.start:
                continue
            grouped = self.frame.next_piece(group.end, limit=2)
            if grouped is None or grouped.start > op.start or grouped.kind != "object":
                continue
            target = grouped.objects[0]
            if target != subject and self.reader.distance(subject, target) is not None:
                return True
        return False

    def _column_before(self, op: Operator, subject: str) -> bool:
        """"advisors that have more than 2 students": a column of the rows counted names
        the groups, before the comparison."""
        columns = [p for p in self.frame.pieces if p.start < op.start and not p.used
                   and p.kind == "attribute" and any(c.object == subject for c in p.concepts)]
        return len(columns) == 1

    def _aggregated(self, op: Operator, subject: str) -> list[Concept] | None:
        frame = self.frame
        start = op.end
        counting = next((o for o in frame.operators if o.kind == "count" and o.start == start),
                        None)
        if counting is not None and self._aggregates_a_count_column(counting, subject):
            start = counting.end  # "the average number of bedrooms"
        after = frame.next_piece(start, limit=2)
        if after is None or not after.names_column:
            return None
        if op.kind == "extreme" and self._row_superlative(op):
            return None
        concept = self._towards(after, subject) or self._attribute_of(after, subject)
        if concept.role == "identifier" and op.arg in {"sum", "avg"}:
            raise Declined("an aggregate of an identifier")
        _, attribute = self.ontology.resolve(concept.field)
        if op.arg in {"sum", "avg"} and attribute.type not in _NUMERIC and not (
            attribute.type == "text" and numeric_values(attribute)
        ):
            raise Declined(f"{op.arg} of a non-numeric column")
        self._use(after)
        found = [concept]
        index = after.end
        while index < len(frame.tokens) and frame.tokens[index].norm in {"and", ","}:
            # "the average rating and resolution": the same aggregation of both columns.
            more = frame.next_piece(index + 1, limit=0)
            if more is None or more.kind != "attribute" or more.used:
                break
            extra = self._attribute_of(more, subject)
            _, extra_attribute = self.ontology.resolve(extra.field)
            if op.arg in {"sum", "avg"} and extra_attribute.type not in _NUMERIC:
                break
            self._use(more)
            found.append(extra)
            index = more.end
        return found

    def _towards(self, piece: Piece, subject: str) -> Concept | None:
        """"movies with the highest average rating", where ratings refer to movies: the
        column of the one object whose rows refer to the subject, aggregated per subject
        row. None when the subject reaches the column itself, or no single object does."""
        options = [c for c in piece.concepts if c.kind == "attribute"]
        if any(self.reader.distance(subject, c.object) is not None for c in options):
            return None
        referring = [c for c in options if self._reference_to(c.object, subject) is not None]
        if len(referring) != 1 or self.per_subject not in {None, referring[0].object}:
            return None
        self.per_subject = referring[0].object
        self.joined = True
        return referring[0]

    def _row_superlative(self, op: Operator) -> bool:
        """"the name of the X with the highest Y": a ranking of rows, not an aggregate."""
        words = [t.norm for t in self.frame.tokens]
        start = op.start
        while start > 0 and (words[start - 1] == "top" or parse_number(words[start - 1])):
            start -= 1  # "the players with the top 5 largest ages"
        before = words[max(0, start - 3) : start]
        asked_before = any(p.kind == "attribute" and not p.used and p.end <= op.start
                           for p in self.frame.pieces)
        return any(w in {"with", "has", "have", "had", "whose", "having"} for w in before) or (
            op.start >= 1 and words[0] in {"which", "who"}
        ) or (asked_before and words[op.start - 1 : op.start] == ["the"]
              and words[op.start - 2 : op.start - 1] == ["of"])

    def _groups(self, subject: str) -> list[str]:
        frame = self.frame
        groups: list[str] = []
        for index in self._grouping_bys():
            after = frame.next_piece(index + 1, limit=1)
            ref = self._group_ref(after, subject) if after is not None and not after.used else None
            if ref is not None and after is not None:
                self.explained.add(index)
                self._use(after)
                groups.append(ref)
        for op in self._ops("group"):
            after = frame.next_piece(op.end, limit=2)
            if after is None:
                continue
            if self.frame.tokens[op.start].norm == "across" and subject in after.objects:
                # "across all artists": over the rows, even where a column is called so.
                self._use_op(op)
                continue
            ref = self._group_ref(after, subject)
            if ref is None:
                if subject in after.objects and (
                    self.frame.tokens[op.start].norm == "across" or self.per_subject is not None
                    or not self._metrics_read
                ):
                    # "across all tracks": over the rows themselves; "the average rating
                    # for each movie": a figure per row of the subject, already read.
                    self._use_op(op)
                continue
            self._use_op(op)
            self._use(after)
            groups.append(ref)
            index = after.end
            while index < len(frame.tokens) and frame.tokens[index].norm in {"and", ","}:
                more = frame.next_piece(index + 1, limit=1)
                if more is None or more.used:
                    break
                extra = self._group_ref(more, subject)
                if extra is None:
                    break
                self._use(more)
                groups.append(extra)
                index = more.end
        # "which G has the most X", "the G with the most X": G is the group.
        most = self._ops("most")
        frequency = self._frequency_words(most[0]) if most and not groups else []
        if frequency:
            # "Which allergy type is most common?" of allergies with a column called
            # allergy type: the rows' own words name the column counted.
            before = [p for p in frame.pieces if p.end <= min(frequency[0], most[0].start)
                      and p.names_column and (not p.used or subject in p.objects)]
            after = frame.next_piece(max(frequency) + 1, limit=1)
            if not before and after is not None and (
                (not after.used and (after.names_column
                                     or (after.objects and after.objects[0] != subject)))
                # "the most used instrument" of rows called instruments, with a column
                # called instrument: that column's values are counted.
                or (after.names_column and subject in after.objects)
            ):
                before = [after]  # "the most common type", "media type ... in all tracks"
            if before:
                ref = self._group_ref(before[-1], subject)
                if ref is not None and ref.startswith(f"{subject}.") and self._names_one_row(ref):
                    # "the amenity that is most common": each row's own name occurs once;
                    # how often is said by rows referring to it, which this does not read.
                    raise Declined("how often a row's own name occurs")
                if ref is not None:
                    self._use(before[-1])
                    self._use_op(most[0])
                    self.explained.update(frequency)
                    groups.append(ref)
                    self.frequency_of = subject
                    return groups
        following = frame.next_piece(most[0].end, limit=1) if most else None
        if most and not groups and not (following is not None and following.kind == "attribute"):
            before = [p for p in frame.pieces if p.end <= most[0].start and not p.used
                      and p.kind in {"object", "attribute"}]
            if before:
                ref = self._group_ref(before[-1], subject)
                if ref is not None:
                    self._use(before[-1])
                    groups.append(ref)
        return groups

    def _grouping_bys(self) -> list[int]:
        """Positions of "by" that group a figure ("the number of students by department"),
        not those naming an agent ("written by", "shipped by USPS")."""
        words = [t.norm for t in self.frame.tokens]
        in_operators = {i for o in self.frame.operators for i in range(o.start, o.end)}
        found = []
        for index, word in enumerate(words):
            if word != "by" or index in in_operators or index == 0:
                continue
            before = words[index - 1]
            if before in RELATION_VERBS or before.endswith(("ed", "en")):
                continue
            found.append(index)
        return found

    def _reference_to(self, subject: str, target: str) -> str | None:
        """The subject's own column that refers to ``target`` ("student.dept_code"), when
        one single-column relationship links them."""
        links = [r for r in self.ontology.relationships
                 if r.from_object == subject and r.to_object == target
                 and len(r.from_columns) == 1]
        return f"{subject}.{links[0].from_columns[0]}" if len(links) == 1 else None

    def _frequency(self, op: Operator) -> bool:
        return bool(self._frequency_words(op))

    def _frequency_words(self, op: Operator) -> list[int]:
        """Where "most" says how often ("the most common", "used most often", "the most
        frequently ordered"): the frequency word and a participle beside it; none when
        "most" says something else."""
        words = [t.norm for t in self.frame.tokens]
        if op.end < len(words) and words[op.end] in USE_WORDS:
            return [op.end]  # "the most used instrument"
        if op.end == len(words) and op.start > 0 and words[op.start - 1] in USE_WORDS:
            return [op.start - 1]  # "which instrument is used the most"
        if op.start > 1 and words[op.start - 1] == "by" and words[op.start - 2] in USE_WORDS:
            return [op.start - 2, op.start - 1]  # "the format used by the most files"
        if op.end >= len(words) or words[op.end] not in FREQUENCY_WORDS:
            return []
        found = [op.end]
        named = self.frame.piece_at(op.end + 1)
        if op.end + 1 < len(words) and participle(words[op.end + 1]) and not (
            named is not None and named.names_column and not words[op.end + 1].endswith("ed")
        ):
            # ("the most common major": the column called major, not the verb.)
            found.append(op.end + 1)  # "the most frequently used language"
        if op.start > 0 and (participle(words[op.start - 1])
                             or words[op.start - 1] in _OCCURRING):
            found.insert(0, op.start - 1)  # "the language used most often"
        return found

    def _group_ref(self, piece: Piece, subject: str) -> str | None:
        if piece.objects and piece.objects[0] != subject:
            obj = self._object(piece.objects[0])
            stems = tuple(t.stem for t in self.frame.tokens[piece.start:piece.end])
            wholly = [c for c in piece.concepts if c.kind == "attribute"
                      and c.object == obj.name and self.reader.lexicon.names_wholly(stems, c)]
            if len(wholly) == 1 and wholly[0].name != obj.display_attribute:
                # "each allergy type" of an Allergy_Type table with an AllergyType column:
                # the rows are allergies, each with its type; the type is the group.
                piece = Piece(piece.start, piece.end, "attribute", wholly, piece.text)
                return self._group_ref(piece, subject)
            if self.reader.distance(subject, obj.name) is None:
                link = self.reader.pairing(subject, obj.name, said=self._said())
                if link is None or self.paired not in {None, link}:
                    raise Hazard(f"{obj.name} is not reachable from {subject}")
                # "the number of students in each dorm", through the table pairing them.
                self.paired = link
                self.paired_with = obj.name
                self.joined = True
                return self._display(obj.name) or f"{obj.name}.{obj.primary_key[0]}"
            self.joined = True
            if not (obj.display_attribute or obj.primary_key):
                return None
            naming = obj.attribute(obj.display_attribute) if obj.display_attribute else None
            if naming is not None and naming.role == "time" and obj.primary_key:
                # "per order", of orders named by their date: each order, by its key.
                shown = f"{obj.name}.{obj.primary_key[0]}"
            else:
                shown = f"{obj.name}.{obj.display_attribute or obj.primary_key[0]}"
            key = self._reference_to(subject, obj.name)
            if key is None and len(obj.primary_key) == 1 and shown != (
                own := f"{obj.name}.{obj.primary_key[0]}"
            ):
                # Reached through other rows: each group is one row of it, by its key.
                key = own
            if key is not None:
                self.group_keys[shown] = key
            return shown
        if piece.names_column:
            self._pair_with_holder(piece, subject)
            field_ = self._attribute_of(piece, subject).field
            if subject in piece.objects and self.ontology.resolve(field_)[1].role == "time":
                # "the average quantity per order": each order, not each order date.
                return None
            return field_
        return None

    def _pair_with_holder(self, piece: Piece, subject: str) -> None:
        """A group on a column of rows the subject is paired with by one table ("the
        number of stores in each city", of districts paired with stores): the subject's
        rows are counted through the pairs, as for a group on those rows themselves."""
        holders = {c.object for c in piece.concepts if c.kind == "attribute"}
        if not holders or subject in holders or not self._named_as_such(subject):
            return
        if any(self.reader.distance(subject, holder) is not None for holder in holders):
            return
        link: tuple[str, str] | None = None
        if len(holders) == 1:
            link = self.reader.pairing(subject, next(iter(holders)), said=self._said())
        if link is None:
            # "the number of courses in each year", of sections (each of one course) with
            # a year: the subject's rows counted through the nearest rows referring to it.
            holder = self.reader.nearest_holder(holders, subject)
            reference = self._reference_to(holder, subject) if holder else None
            if holder is None or reference is None or self.reader.in_several_roles(
                holder, subject
            ):
                return
            link = (holder, reference.split(".", 1)[1])
        if self.paired not in {None, link}:
            return
        self.paired = link
        self.paired_with = link[0] if len(holders) > 1 else next(iter(holders))
        self.joined = True

    def _named_as_such(self, name: str) -> bool:
        """Whether the question calls the rows by their own words, not by a near spelling
        ("reviews" is no exact name of reviewers: the ratings may be meant)."""
        words = self.reader.lexicon.object_words.get(name, set())
        return any(p.kind == "object" and name in p.objects
                   and {t.stem for t in self.frame.tokens[p.start:p.end]} & words
                   for p in self.frame.pieces)

    def _ranking(
        self, subject: str, metrics: list[Metric], groups: list[str]
    ) -> tuple[list[OrderItem], int | None, list[str]]:
        frame = self.frame
        order: list[OrderItem] = []
        limit: int | None = None
        fields: list[str] = []
        for op in self._ops("top"):
            number = frame.next_piece(op.end, limit=0)
            if number is not None and number.kind == "number" and number.number:
                limit = as_int(number.number)
                self._use(number)
        for op in self._ops("top"):
            ranked = frame.next_piece(op.end, limit=2)
            if ranked is not None and ranked.kind == "number":
                ranked = frame.next_piece(ranked.end, limit=1)
            if ranked is not None and ranked.kind == "attribute" and not ranked.used and (
                not metrics
            ):
                # "the students with the top 5 GPAs": rows ranked by that column.
                concept = self._attribute_of(ranked, subject)
                self._use(ranked)
                self._use_op(op)
                order.append(OrderItem(key=concept.field, descending=True))
                fields.append(concept.field)
        most = self._ops("most")
        for op in most:
            ranked = frame.next_piece(op.end, limit=1)
            if ranked is not None and ranked.kind == "attribute" and not ranked.used and (
                not metrics
            ):
                # "the apartment with the most bedrooms": rows ranked by that column.
                concept = self._attribute_of(ranked, subject)
                _, attribute = self.ontology.resolve(concept.field)
                if attribute.type not in _NUMERIC:
                    raise Declined("the most of a column that is not a number")
                self._use(ranked)
                self._use_op(op)
                order.append(OrderItem(key=concept.field, descending=op.arg != "asc"))
                fields.append(concept.field)
                limit = limit or limit_from(frame, op) or 1
        counts = [m for m in metrics if m.aggregation == "count" or (
            self.paired is not None and m.aggregation == "count_distinct")]
        if most and counts:
            direction = most[0].arg != "asc"
            count_key = self._metric_ref(counts[0]).key
            order.append(OrderItem(key=count_key, descending=direction))
            limit = limit or limit_from(frame, most[0]) or 1
        for op in frame.operators:
            if op.kind == "extreme" and not self.explained & set(range(op.start, op.end)) and (
                metrics
            ):
                by_figure = aggregate_after(frame, op, metrics)
                if by_figure is not None:
                    # "the highest average rating": rank the groups by that figure.
                    self._use_op(op)
                    order.append(OrderItem(key=self._metric_ref(by_figure).key,
                                           descending=op.arg == "max"))
                    limit = limit or limit_from(frame, op) or 1
                    continue
            if op.kind == "extreme" and not self.explained & set(range(op.start, op.end)):
                after = frame.next_piece(op.end, limit=2)
                high = bool({t.norm for t in frame.tokens[op.start:op.end]}
                            & {"highest", "lowest"})
                if after is not None and high and after.kind == "object" and (
                    subject in after.objects
                ):
                    # "the highest mountain": the rows ranked by their one height
                    graded = self._graded_column("height", subject)
                    if graded is not None:
                        self._use_op(op)
                        order.append(OrderItem(key=graded.field, descending=op.arg == "max"))
                        fields.append(graded.field)
                        limit = limit or limit_from(frame, op) or 1
                    continue
                if after is None or not after.names_column:
                    continue
                concept = self._attribute_of(after, subject)
                self._use_op(op)
                self._use(after)
                highest = by_standing(frame, op, concept.field) == "max"
                order.append(OrderItem(key=concept.field, descending=highest))
                fields.append(concept.field)
                limit = limit or limit_from(frame, op) or 1
            elif op.kind == "adjective" and not comparative(frame, op):
                graded = self._adjective_column(op, subject)
                descending = op.descending
                if graded is None and op.arg == "age":
                    # "the youngest student" of students with a birth date: the latest.
                    graded, descending = self._birth_date(subject), not descending
                if graded is None and op.arg == "age" and not self._has_names(subject):
                    # "the oldest movie", "the oldest log": things, by their one date or
                    # year, the earliest first (people are never aged by another date).
                    graded = self._one_date_or_year(subject)
                if graded is None:
                    continue
                self._use_op(op)
                order.append(OrderItem(key=graded.field, descending=descending))
                fields.append(graded.field)
                limit = limit or limit_from(frame, op) or 1
            elif op.kind == "recent":
                dated = self._dated_by(op, subject)
                if dated is None:
                    continue
                self._use_op(op)
                order.append(OrderItem(key=dated.field, descending=op.arg == "desc"))
                fields.append(dated.field)
                limit = limit or limit_from(frame, op) or 1
            elif op.kind == "order":
                self._use_op(op)
                after = frame.next_piece(op.end, limit=2)
                descending = op.arg == "desc"
                if after is not None and after.names_column and not after.used:
                    concept = self._attribute_of(after, subject)
                    self._use(after)
                    stated = direction_after(frame, after)
                    if stated is not None:
                        descending = stated
                    order.append(OrderItem(key=concept.field, descending=descending))
                    fields.append(concept.field)
                    for then in order_keys_after(frame, after):
                        # "in the order of built year and class": ties broken by the next.
                        concept = self._attribute_of(then, subject)
                        self._use(then)
                        stated = direction_after(frame, then)
                        order.append(OrderItem(key=concept.field, descending=(
                            descending if stated is None else stated)))
                        fields.append(concept.field)
                elif after is not None and after.names_column:
                    continue
                elif not op.arg and self._direction_follows(op):
                    # "ordered by ascending rating": the direction's own phrase reads it.
                    continue
                elif op.arg and order:
                    order[-1] = OrderItem(key=order[-1].key, descending=descending)
                elif op.arg and metrics and not alphabetical(frame, op):
                    order.append(OrderItem(key=self._metric_ref(metrics[0]).key,
                                           descending=descending))
                    self.explained.update(self._count_around_direction(op, metrics[0]))
                elif metrics and (figure := self._figure_named_after(op)):
                    # "sorted by the number of airports", "ordered by this count".
                    self.explained.update(figure)
                    words = [t.norm for t in frame.tokens[op.end:]]
                    if {"descending", "decreasing", "desc"} & set(words):
                        descending = True
                    elif {"ascending", "increasing", "asc"} & set(words):
                        descending = False
                    order.append(OrderItem(key=self._metric_ref(metrics[0]).key,
                                           descending=descending))
                elif op.arg:
                    self.pending_direction = descending
                else:
                    raise Declined("an order by something unknown")
        return order, limit, fields

    def _count_around_direction(self, op: Operator, figure: Metric) -> list[int]:
        """"How many airports are there per country? Order the countries by decreasing
        number of airports.": a direction that orders by the count asked, said as "by"
        before it and "number" (or "count") right after it: those words name that count.
        Only of a count of rows, and only both together."""
        words = [t.norm for t in self.frame.tokens]
        if figure.aggregation != "count" or op.start == 0 or words[op.start - 1] != "by":
            return []
        if op.end >= len(words) or words[op.end] not in {"number", "count"}:
            return []
        if op.end + 1 < len(words) and words[op.end + 1] == "of":
            counted = self.frame.next_piece(op.end + 2, limit=1)
            if counted is None or figure.field not in counted.objects:
                return []  # "by decreasing number of seats": another figure
        return [op.start - 1, op.end]

    def _figure_named_after(self, op: Operator) -> list[int]:
        """Where an order says it is by the figure asked ("by the number of airports", "by
        this count"): the positions of those words; none otherwise."""
        words = [t.norm for t in self.frame.tokens]
        index = op.end
        while index < len(words) and words[index] in {"the", "this", "that", "their", "its",
                                                       "descending", "ascending", "decreasing",
                                                       "increasing"}:
            index += 1
        if index < len(words) and words[index] in {"count", "counts", "number", "numbers"}:
            return list(range(op.end, index + 1))
        return []

    def _dated_by(self, op: Operator, subject: str) -> Concept | None:
        """The column "the most recent" ranks by: one named right after it ("the most
        recent year"), or the subject's one date."""
        after = self.frame.next_piece(op.end, limit=0)
        if after is not None and after.kind == "object" and after.objects and not after.used:
            self._latest_rows_named(after, subject)
        if after is not None and after.names_column and not after.used:
            self._use(after)
            return self._attribute_of(after, subject)
        before = self.frame.piece_at(op.start - 1) if op.start else None
        if before is not None and before.kind == "object" and before.objects and (
            before.objects[0] != subject and not before.used and before.start
            and self.frame.tokens[before.start - 1].norm in _DETERMINERS
        ):
            # "who held a watch most recently" (not a verb: "that was formed most
            # recently" of forms).
            self._latest_rows_named(before, subject)
        if before is not None and before.names_column and not before.used:
            # "the artist who joined latest": the verb names the date it ranks by.
            concept = self._attribute_of(before, subject)
            if concept.object == subject and (concept.role == "time"
                                              or names_a_year(concept.name)):
                self._use(before)
                return concept
        obj = self._object(subject)
        said = {t.norm for t in self.frame.tokens[op.start:op.end]}
        if "newest" in said and any(names_a_year(a.name) and a.type in _NUMERIC
                                    for a in obj.attributes if a not in _dates_of(obj)):
            # "the newest trains" of trains with a build year and an overhaul date: by
            # which of the two is a guess ("the latest" is by the rows' own date).
            return self._one_date_or_year(subject)
        if obj.default_time:
            return Concept("attribute", obj.name, obj.default_time, role="time")
        dates = _dates_of(obj)
        if len(dates) == 1:
            return Concept("attribute", obj.name, dates[0].name, role="time")
        return None

    def _latest_rows_named(self, rows: Piece, subject: str) -> None:
        """"the most recent appointment": rows named beside "most recent" are ranked by
        their own date. The subject's rows: by its date, as when unnamed; other rows out
        of the subject's reach are the ones to read over ("the patient who made the most
        recent appointment"), which the reader is told of by a Hazard."""
        name = rows.objects[0]
        if name == subject:
            self._use(rows)
            return
        if self.reader.distance(subject, name) is not None:
            return
        out = Hazard(f"{rows.text!r} is not reachable from {subject}")
        out.held_by = {name}
        out.unreached = rows
        raise out

    def _has_names(self, subject: str) -> bool:
        """Whether the rows are people: they have a first or a last name."""
        return any({"first", "last", "surname"} & set(expand_abbreviations(split_identifier(
            a.name))) for a in self._object(subject).attributes)

    def _one_date_or_year(self, subject: str) -> Concept | None:
        """The subject's one date, or its one year column where it has no date."""
        obj = self._object(subject)
        # ("the newest trains" of trains built in a year and last overhauled on a date:
        # which one is meant is a guess.)
        dates = _dates_of(obj) + [a for a in obj.attributes if names_a_year(a.name)
                                  and a.type in _NUMERIC and a not in _dates_of(obj)]
        if len(dates) != 1:
            return None
        return Concept("attribute", obj.name, dates[0].name, role=dates[0].role)

    def _birth_date(self, subject: str) -> Concept | None:
        """The subject's one date of birth ("birth_date", "DOB", "born_on")."""
        found = [a for a in self._object(subject).attributes
                 if a.role == "time" and {"birth", "birthday", "born", "dob"}
                 & set(expand_abbreviations(split_identifier(a.name)))
                 | ({"birth"} & set(a.label.split()))]
        if len(found) != 1:
            return None
        return Concept("attribute", subject, found[0].name, role=found[0].role)

    def _adjective_column(self, op: Operator, subject: str) -> Concept | None:
        """The subject's one column an adjective grades ("oldest": its age; "most
        expensive": its price, or its cost when it has no price)."""
        return self._graded_column(op.arg, subject)

    def _graded_column(self, word: str, subject: str) -> Concept | None:
        """The one column called ``word`` (or its fallback) of the subject, or where the
        subject has none, of the one row each of its rows refers to ("the tallest
        perpetrator": the height of the person a perpetrator is)."""
        for owner in ([subject], self._referred_by(subject)):
            for kind in (word, *ADJECTIVE_FALLBACKS.get(word, ())):
                found = [(name, a) for name in owner for a in self._object(name).attributes
                         if kind in re.split(r"[_\s]+", a.name.lower()) or kind == a.label]
                if len(found) == 1:
                    name, attribute = found[0]
                    return Concept("attribute", name, attribute.name, role=attribute.role)
                if found:
                    return None  # two columns it could grade: not this reader's to choose
        return None

    def _referred_by(self, subject: str) -> list[str]:
        return sorted({r.to_object for r in self.ontology.relationships
                       if r.from_object == subject and r.to_object != subject})

    def _filters(self, subject: str) -> list[QueryFilter]:
        frame = self.frame
        filters: list[QueryFilter] = []
        for piece in frame.pieces:
            if piece.kind == "value":
                concept = self._attribute_of(piece, subject, through_many=True)
                if concept.object != subject and inflected(frame.tokens, piece, concept):
                    # "the prices of all products" where another table's level is
                    # 'Product': the word names the rows asked about, not that value.
                    raise Declined(f"{piece.text!r} may name rows rather than a value")
                if self._modifies_subject(piece, subject) and (
                    self.reader.distance(subject, concept.object) is None
                ):
                    # "all music genres": a word before the rows' name says what kind they
                    # are; a playlist called "Music" the genres' tracks are on is far.
                    raise Hazard(f"{piece.text!r} may say what kind of rows, not a value")
                self._use(piece)
                self._use_column_word(piece, concept)
                filters.append(self._negated(piece, QueryFilter(
                    field=concept.field, op="eq", values=[concept.value])))
            elif piece.kind == "quoted":
                full_name = None if id(piece) in self.denials else self._full_name(piece, subject)
                if full_name is not None:
                    filters.extend(full_name)
                    continue
                filters.append(self._negated(piece, self._quoted_filter(piece, subject)))
        filters.extend(self._numbers_named(subject))
        filters.extend(self._year_of_the_rows(subject))
        for op in frame.operators:
            if op.kind == "compare":
                found = self._comparison(op, subject)
                if found is not None:
                    filters.append(found)
            elif op.kind == "between":
                found = self._between(op, subject)
                if found is not None:
                    filters.append(found)
            elif op.kind == "adjective" and comparative(frame, op):
                compared = self._adjective_column(op, subject)
                number = frame.next_piece(op.end, limit=0)
                if compared is None or number is None or number.kind != "number":
                    raise Declined("a comparison of something unknown")
                self._use_op(op)
                self._use(number)
                filters.append(QueryFilter(field=compared.field,
                                           op="gt" if op.descending else "lt",
                                           values=[as_value(number.number)]))
        filters.extend(self._yes_no_predicates(subject))
        filters.extend(self._having_a_value(subject))
        return filters

    def _yes_no_predicates(self, subject: str) -> list[QueryFilter]:
        """A yes/no column said of the rows ("medicines that are FDA approved", "which
        were not approved", "FDA approved medicines"): its yes (or no) value."""
        tokens = self.frame.tokens
        found: list[QueryFilter] = []
        for piece in self.frame.pieces:
            concepts = [c for c in piece.concepts if c.kind == "attribute" and c.object == subject]
            if piece.used or piece.kind != "attribute" or len(concepts) != 1:
                continue
            values = {fold(str(v)): v for v in self.ontology.resolve(concepts[0].field)[1].values}
            yes = [v for k, v in values.items() if k in _YES_WORDS]
            no = [v for k, v in values.items() if k in _NO_WORDS]
            if len(values) != 2 or len(yes) != 1 or len(no) != 1:
                continue
            start = piece.start
            negated = start > 0 and tokens[start - 1].norm == "not"
            if negated:
                start -= 1
            following = self.frame.piece_at(piece.end)
            said_of_rows = start > 0 and tokens[start - 1].norm in _BE_WORDS
            before_rows = not negated and following is not None and following.kind == "object" \
                and subject in following.objects
            if not (said_of_rows or before_rows):
                continue
            self._use(piece)
            self.explained.update(range(start, piece.start))
            found.append(QueryFilter(field=concepts[0].field, op="eq",
                                     values=[no[0] if negated else yes[0]]))
        return found

    def _modifies_subject(self, piece: Piece, subject: str) -> bool:
        """Whether the piece stands right before the name of the subject's rows."""
        following = self.frame.piece_at(piece.end)
        return following is not None and subject in following.objects

    def _negation_in_scope(self, query: SemanticQuery) -> None:
        """"the average rating for each movie not reviewed by X": the negation is of the
        groups (movies with no review by X), not of the rows measured (ratings by others).
        A negated value of a third object, neither measured nor grouped, could be either."""
        if not query.dimensions:
            return
        measured = {metric_object(m) for m in self._metrics_read}
        grouped = {d.field.split(".", 1)[0] for d in query.dimensions}
        for item in query.filters:
            if item.op not in {"ne", "not_in"} or item.values == [None] or "." not in item.field:
                continue
            owner = item.field.split(".", 1)[0]
            if owner not in measured | grouped:
                raise Hazard("a negation that may be of the groups or of the rows")

    def _having_a_value(self, subject: str) -> list[QueryFilter]:
        """"employees who had a commission": rows whose column holds a value, a condition
        on the column rather than a column to show."""
        words = [t.norm for t in self.frame.tokens]
        found: list[QueryFilter] = []
        for piece in self.frame.pieces:
            if piece.used or piece.kind != "attribute" or piece.start < 2:
                continue
            if words[piece.start - 1] not in {"a", "an", "any", "some"} or words[
                piece.start - 2
            ] not in {"has", "have", "had", "having", "with", "get", "gets", "got"}:
                continue
            if piece.end < len(words) and words[piece.end] in {"of", "above", "over", "below",
                                                               "under", "than", "between"}:
                continue  # "with a salary above 5000": a comparison, read elsewhere
            if any(piece.start - 4 <= o.end <= piece.start for o in self._ops("negation")):
                continue  # "did not have any delegates": a negation's to read
            concept = self._attribute_of(piece, subject)
            self._use(piece)
            found.append(QueryFilter(field=concept.field, op="ne", values=[None]))
        return found

    def _numbers_named(self, subject: str) -> list[QueryFilter]:
        """"students with major 600", "18 years old": a column word beside a number."""
        frame = self.frame
        found: list[QueryFilter] = []
        compared = {i for o in frame.operators if o.kind in {"compare", "between", "top"}
                    for i in range(o.end, o.end + 2)}
        for piece in frame.pieces:
            if piece.kind != "number" or piece.used or piece.start in compared:
                continue
            before = frame.piece_at(piece.start - 1)
            if before is None and piece.start >= 2 and frame.tokens[piece.start - 1].norm in {
                "is", "=", "equals"
            }:
                before = frame.piece_at(piece.start - 2)  # "the student whose id is 171"
            after = frame.piece_at(piece.end)
            column = before if before is not None and before.names_column else (
                after if after is not None and after.names_column else None)
            if column is None or column.used:
                continue
            if column is after and piece.start > 0 and frame.tokens[piece.start - 1].norm in {
                "the", "these", "those", "top", "first", "last"
            }:
                continue  # "the 3 instructors who ...": how many of them, not a value
            concept = self._attribute_of(column, subject)
            _, attribute = self.ontology.resolve(concept.field)
            if attribute.type not in _NUMERIC and not numeric_values(attribute):
                continue
            self._use(piece)
            self._use(column)
            bound = self._bound_after(piece)
            found.append(QueryFilter(field=concept.field, op=bound.arg if bound else "eq",
                                     values=[as_value(piece.number)]))
        return found

    def _year_of_the_rows(self, subject: str) -> list[QueryFilter]:
        """"the operators with the most departures in 2024": a year after "in" or "during",
        named by no column, is the year of the rows' one date (or year column) when the
        rows make a figure (a bare "rabbit appointments in 2025" is the business parser's
        to count)."""
        frame = self.frame
        if not {o.kind for o in frame.operators} & {"count", "aggregate", "most", "extreme"}:
            return []
        for piece in frame.pieces:
            if piece.kind != "number" or piece.used or piece.concepts or piece.start == 0 or (
                frame.tokens[piece.start - 1].norm not in {"in", "during"}
            ):
                continue
            if piece.number is None or not piece.number.is_integer() or not (
                1000 <= piece.number < 3000
            ):
                continue
            named = [p for p in frame.pieces if p.kind == "object" and p.end <= piece.start]
            if not named or subject not in named[-1].objects:
                # "artists who did not have an exhibition in 2004": the exhibitions' year.
                return []
            dated = self._one_date_or_year(subject)
            if dated is None:
                return []
            self._use(piece)
            self.explained.add(piece.start - 1)
            return [QueryFilter(field=dated.field, op="eq", values=[int(piece.number)])]
        return []

    def _bound_after(self, number: Piece) -> Operator | None:
        """"exhibitions in year 2005 or after", "rooms with 3 beds or more": a comparison
        said after the number ("or after", "or more", "or less") makes the number a bound
        (the operator, now used); None where none follows it."""
        bound = next((o for o in self._ops("compare") if o.start == number.end
                      and self.frame.tokens[o.start].norm == "or"
                      and o.arg in {"gte", "lte"}), None)
        if bound is not None:
            self._use_op(bound)
        return bound

    def _use_column_word(self, piece: Piece, concept: Concept) -> None:
        """"the Lamberton building", "with F sex", "the country of Iceland": the column
        word next to a value explains itself."""
        neighbours = [self.frame.piece_at(i) for i in (piece.start - 1, piece.start - 2,
                                                       piece.start - 3, piece.end, piece.end + 1)
                      if i >= 0]
        for neighbour in neighbours:
            if neighbour is not None and neighbour.names_column and not neighbour.used and (
                concept.field in {c.field for c in neighbour.concepts}
            ):
                self._use(neighbour)
            elif neighbour is not None and neighbour.kind == "object" and not neighbour.used and (
                self._names_rows_of(concept, neighbour.objects[0])
            ):
                self._use(neighbour)  # "the Physics department": the value names one

    def _names_rows_of(self, concept: Concept, target: str) -> bool:
        """Whether the value's column names rows of ``target``: its own naming column, or a
        column referring to it ("course.dept_name" of departments)."""
        obj = self._object(target)
        if concept.object == target:
            return concept.name in {obj.display_attribute, *obj.primary_key}
        return any(r.from_object == concept.object and r.from_columns == [concept.name]
                   and r.to_object == target for r in self.ontology.relationships)

    def _negated(self, piece: Piece, found: QueryFilter) -> QueryFilter:
        """"stations not in London", "other than Smith", "movies not reviewed by Smith":
        the value's own negation makes the filter a "not equal"; a negation of anything
        else is left unexplained."""
        denial = self.denials.get(id(piece))
        owner = found.field.split(".")[0]
        if denial is not None and found.op == "eq" and (
            self.reader.distance(self.subject, owner) is None
            or self._denies_own_value(denial[1], denial[0])
        ):
            op, denied, _ = denial
            self._use_op(op)
            self.explained.update(denied.linking)
            self.joined = True
            return QueryFilter(field=found.field, op="ne", values=found.values)
        words = [t.norm for t in self.frame.tokens]
        for op in self._ops("negation"):
            if op.end > piece.start:
                continue  # a negation after the value negates something else
            between = words[op.end : piece.start]
            if len(between) <= 2 and set(between) <= {"in", "from", "the", "a", "of", "at",
                                                        "equal", "to", "is", "be"}:
                if found.op != "eq":
                    raise Declined("a negated condition")
                self._use_op(op)
                return QueryFilter(field=found.field, op="ne", values=found.values)
        return found

    def _denials(self, subject: str) -> dict[int, tuple[Operator, Denied, Piece]]:
        """The pieces the question's negations of a relation deny, by the piece's id: the
        subject named before the negation ("artists that do not have any album")."""
        words = [t.norm for t in self.frame.tokens]
        naming = [p.start for p in self.frame.pieces if p.kind == "object"
                  and subject in p.objects] or [
            p.start for p in self.frame.pieces
            if p.kind == "attribute" and any(c.object == subject for c in p.concepts)]
        named_at = min(naming, default=None)
        found: dict[int, tuple[Operator, Denied, Piece]] = {}
        for op in self._ops("negation"):
            if named_at is None or named_at > op.start:
                continue
            denied = denied_object(words, op.start, op.end,
                                   lambda i: self.frame.piece_at(i) is not None)
            piece = self.frame.piece_at(denied.start) if denied is not None else None
            if piece is not None and piece.kind == "attribute":
                # "not in country 'Russia'": the value after its column's word is denied.
                value = self.frame.next_piece(piece.end, limit=1)
                if value is not None and value.kind in {"value", "quoted"}:
                    piece = value
            if denied is not None and piece is not None and piece.kind != "number":
                found[id(piece)] = (op, denied, piece)
        return found

    def _denies_own_value(self, denied: Denied, op: Operator) -> bool:
        """"members not living in Hartford": a value of the rows themselves denied. Not
        when the negation quantifies over related rows ("never ... any friendly
        competition" says nothing of one competition's own type)."""
        words = [t.norm for t in self.frame.tokens]
        quantified = words[op.start] == "never" or any(words[i] == "any" for i in denied.linking)
        return not quantified

    def _absences(self, subject: str, filters: list[QueryFilter]) -> list[QueryFilter]:
        """"artists that do not have any album": no related row (a ``none`` filter on the
        object denied). A condition on the object denied ("no race in class GT") is what
        no related row may meet: its negation."""
        kept = list(filters)
        for op, denied, piece in self.denials.values():
            if piece.kind not in {"object", "attribute"} or piece.used:
                continue
            target = self._related(piece, subject, denied)
            if target is None:
                continue  # the negation stays unexplained
            self._use(piece)
            verb = self.frame.piece_at(denied.verb) if denied.verb is not None else None
            if verb is not None and not verb.used and verb.kind == "object" and any(
                name == subject or self.reader.passes(subject, target, name)
                for name in verb.objects
            ):
                self._use(verb)  # "did not host any party": the verb names the hosting
            self._use_op(op)
            self.explained.update(denied.linking)
            self.joined = True
            within = [f for f in kept if f.op not in RELATED_OPS
                      and self.reader.passes(subject, f.field.split(".")[0], target)]
            if not within:
                kept.append(QueryFilter(field=target, op="none",
                                        within=self._period_of(target, op.end)))
                continue
            if len(within) > 1 or within[0].op not in {"eq", "in"}:
                # "no race in class GT in 2004": one related row meeting both, denied.
                raise Hazard("a negation of several conditions")
            inner = within[0]
            kept[kept.index(inner)] = QueryFilter(
                field=inner.field, op="ne" if inner.op == "eq" else "not_in",
                values=inner.values)
        negated = {f.field.split(".")[0] for f in kept if f.op in {"ne", "not_in", "none"}
                   and self.reader.distance(subject, f.field.split(".")[0]) is None}
        first = min((op.start for op, _, _ in self.denials.values()), default=None)
        for piece in self.frame.pieces:
            # "do not have any food allergy": the allergies the value is denied of.
            if (piece.kind == "object" and not piece.used and first is not None
                    and piece.start > first and any(
                        self.reader.passes(subject, name, piece.objects[0]) for name in negated)):
                self._use(piece)
        return kept

    def _period_of(self, target: str, after: int) -> TimeRange | None:
        """"customers with no orders this year", "who haven't ordered in the last 90
        days": a period said after a negation dates the rows denied, by their own date;
        None when no such period is said (or the rows have no date)."""
        if self.today is None:
            return None
        found = find_time(self.frame.tokens, self.today)
        period = found.period
        if period is None or not found.used or min(found.used) < after or (
            found.compare or found.grain or found.series or found.endpoints
        ):
            return None
        dated = nearest_time_field(self.ontology, target)
        if dated is None or not dated.startswith(f"{target}."):
            return None
        for piece in self.frame.pieces:
            if set(range(piece.start, piece.end)) <= found.used:
                self._use(piece)  # "year" of "this year", "90" of "the last 90 days"
        self.explained.update(found.used)
        self.dated |= found.used
        return TimeRange(start=period.start, end=period.end, label=period.label)

    def _some_instead(
        self, subject: str, metrics: list[Metric], having: list[QueryFilter]
    ) -> QueryFilter | None:
        """"how many artists have at least one album", "the average age of students with
        at least one allergy": a figure of the subject's rows that have some related rows
        (a ``some`` filter), not a count of those rows per subject row. Changes
        ``metrics`` and ``having`` in place when it applies."""
        if len(having) != 1 or self.compared is None:
            return None
        item = having[0]
        if (item.op, item.values) not in [("gte", [1]), ("gt", [0])]:
            return None
        figures = [m for m in metrics if (m.aggregation, m.field) != ("count", self.compared)]
        if not figures or any(metric_object(m) != subject for m in figures):
            return None
        if self._many_of(subject, self.compared, named_by_verb=False) is None:
            return None
        metrics[:] = figures
        having.clear()
        return QueryFilter(field=self.compared, op="some")

    def _related(self, piece: Piece, subject: str, denied: Denied) -> str | None:
        """The object whose rows a negation denies the subject: the one a piece names,
        when each subject row has many of it (directly or through a link table) by one
        plain path; or the one its verb names ("students who never attend courses": the
        attendances, not the registrations). None otherwise."""
        names = set(piece.objects) or {c.object for c in piece.concepts}
        if piece.kind == "attribute":
            # "parties that have no delegates": a column of one related object names its
            # rows.
            names = {n for n in names if n != subject and self.reader.distance(subject, n) is None}
        if len(names) != 1 or subject in names:
            return None
        name = next(iter(names))
        by_verb = False
        # The verb ("attend") or a qualifier ("registered") may name the link itself.
        stems = [self.frame.tokens[i].stem for i in (denied.verb, *denied.linking)
                 if i is not None and len(self.frame.tokens[i].stem) >= 4]
        named = {o.name for o in self.ontology.objects if o.name not in {subject, name}
                 and any(w.startswith(verb) for w in re.split(r"[_\W]+", o.name.lower())
                         for verb in stems)}
        if len(named) > 1:
            return None
        if named and self.reader.linked(next(iter(named)), name):
            name, by_verb = next(iter(named)), True
        return self._many_of(subject, name, named_by_verb=by_verb)

    def _many_of(self, subject: str, name: str, *, named_by_verb: bool) -> str | None:
        """``name`` when each subject row has many of it by one plain path (its first step
        one-to-many, no choice of role or of link table); None otherwise."""
        if not named_by_verb and len(self.reader.routes(subject, name)) > 1:
            return None  # "students who took no course": registered, or attended?
        try:
            steps = self.reader.tree(subject).path(name)
        except InvalidInput:
            return None
        if not steps or not steps[0].fans_out or any(self.reader.in_roles(step) for step in steps):
            return None
        return name

    def _full_name(self, piece: Piece, subject: str) -> list[QueryFilter] | None:
        """"Linda Smith" where people have a first and a last name: both, of one row."""
        parts = piece.text.split()
        if len(parts) != 2:
            return None
        found: list[Concept] = []
        for obj in self.ontology.objects:
            first = [a for a in obj.attributes if a.label.endswith(FIRST_NAMES)]
            last = [a for a in obj.attributes if a.label.endswith(LAST_NAMES)]
            if len(first) != 1 or len(last) != 1:
                continue
            if any(a.values and fold(part) not in {fold(v) for v in a.values}
                   for a, part in ((first[0], parts[0]), (last[0], parts[1]))):
                continue
            found += [Concept("value", obj.name, first[0].name, parts[0], first[0].role),
                      Concept("value", obj.name, last[0].name, parts[1], last[0].role)]
        if len(found) != 2:
            return None  # no one table, or several, name people so
        try:
            concepts = [
                self._attribute_of(Piece(piece.start, piece.end, "value", [c], str(c.value)),
                                   subject, through_many=True)
                for c in found
            ]
        except Declined:
            return None
        self._use(piece)
        return [QueryFilter(field=c.field, op="eq", values=[stored(c, self.ontology)])
                for c in concepts]

    def _quoted_filter(self, piece: Piece, subject: str) -> QueryFilter:
        text = piece.text
        folded = fold(text)
        matches: list[Concept] = []
        for obj in self.ontology.objects:
            for attribute in obj.attributes:
                for value in attribute.values:
                    if fold(value) == folded:
                        matches.append(Concept("value", obj.name, attribute.name, value,
                                               attribute.role))
        self._use(piece)
        contained = self._contained_in(piece, subject)
        if contained is not None:
            # "an 'a' in their first name": part of a value, even where a value is 'A'.
            return contained
        if matches:
            holder = Piece(piece.start, piece.end, "value", matches, text)
            concept = self._attribute_of(holder, subject, through_many=True)
            self._use_column_word(piece, concept)
            return QueryFilter(field=concept.field, op="eq", values=[concept.value])
        # A value not in the index: the column word right before it says where.
        before = self.frame.piece_at(piece.start - 1) or self.frame.piece_at(piece.start - 2)
        if before is not None and before.names_column and not before.used:
            concept = self._attribute_of(before, subject)
            _, attribute = self.ontology.resolve(concept.field)
            if attribute.type == "text":
                self._use(before)
                return QueryFilter(field=concept.field, op="eq", values=[text])
            number = parse_number(text)
            if attribute.type in _NUMERIC and number is not None:
                # "whose major is "600"" of an integer column: the number, quoted.
                self._use(before)
                return QueryFilter(field=concept.field, op="eq", values=[as_value(number)])
        named = self._named_row(piece, subject)
        if named is not None:
            return named
        raise Declined(f"no column holds {text!r}")

    def _named_row(self, piece: Piece, subject: str) -> QueryFilter | None:
        """"the song "Flash"", "a product called 'Vesta'": a quoted value not in the index,
        right after the name of rows, is one row's own name (its naming column)."""
        index = piece.start - 1
        while index >= 0 and self.frame.tokens[index].norm in {"called", "named", "titled"}:
            index -= 1
        before = self.frame.piece_at(index)
        if before is None or before.kind != "object" or len(set(before.objects)) != 1:
            return None
        display = self._display(before.objects[0])
        if display is None or self.ontology.resolve(display)[1].type != "text":
            return None
        owner, column = display.split(".", 1)
        try:
            concept = self._attribute_of(
                Piece(piece.start, piece.end, "value",
                      [Concept("value", owner, column, piece.text)], piece.text),
                subject, through_many=True)
        except Declined:
            return None
        self._use(before)
        return QueryFilter(field=concept.field, op="eq", values=[piece.text])

    def _contained_in(self, piece: Piece, subject: str) -> QueryFilter | None:
        """"whose email contains 'gmail.com'", "names containing the word 'Intl'", "with 'a'
        in their names": part of a text column's value."""
        words = [t.norm for t in self.frame.tokens]
        start = piece.start
        while start > 0 and words[start - 1] in {"the", "a", *_PART_OF_TEXT}:
            start -= 1
        # "has the substring 'Ha'": a word for part of a text makes "has" mean "contains".
        verbs = _CONTAIN | (_HAVE if set(words[start:piece.start]) & _PART_OF_TEXT else set())
        column: Piece | None = None
        asked = False
        followed_by_column = words[piece.end:piece.end + 1] == ["in"]
        if start > 0 and words[start - 1] in verbs and not followed_by_column:
            index = start - 2
            while index >= 0 and words[index] in {"that", "which", "whose", "does", "do",
                                                  "has", "have", "the", "a"}:
                index -= 1
            column = self.frame.piece_at(index) if index >= 0 else None
            if column is not None and not column.names_column and len(column.objects) == 1:
                # "enzymes that include the string 'ALA'": the rows' name holds it.
                rows = self._object(column.objects[0])
                if rows.display_attribute is None:
                    return None
                column = Piece(column.start, column.end, "attribute",
                               [Concept("attribute", rows.name, rows.display_attribute)])
        elif followed_by_column:
            # "with 'a' in their names"
            column = self.frame.next_piece(piece.end + 1, limit=2)
            named = [p for p in self.frame.pieces if p.end <= start and p.kind != "number"]
            if column is not None and column.text in {"name", "names"} and named and (
                named[-1].kind == "attribute" and self._is_text(named[-1], subject)
            ):
                # "publishers that have 'Murray' in their names": the names are the
                # publishers themselves, a column, not the rows' naming column.
                self._use(column)
                column = named[-1]
                asked = True  # still the column the question lists
        if column is None or not column.names_column:
            return None
        concept = self._attribute_of(column, subject)
        _, attribute = self.ontology.resolve(concept.field)
        if attribute.type != "text":
            return None
        if not asked:
            self._use(column)
        for index in range(start, piece.end + 2):
            self.explained.add(index)
        self.explained.update(range(max(0, start - 1), start))
        return QueryFilter(field=concept.field, op="contains", values=[piece.text])

    def _direction_follows(self, op: Operator) -> bool:
        index = op.end
        while index < len(self.frame.tokens) and self.frame.tokens[index].norm in {"the", "an",
                                                                                   "a"}:
            index += 1
        return any(other.kind == "order" and other.arg and other.start == index
                   for other in self.frame.operators)

    def _is_text(self, column: Piece, subject: str) -> bool:
        try:
            concept = self._attribute_of(column, subject)
        except Declined:
            return False
        return self.ontology.resolve(concept.field)[1].type == "text"

    def _comparison(self, op: Operator, subject: str) -> QueryFilter | None:
        frame = self.frame
        average = self._than_the_average(op, subject)
        if average is not None:
            return average
        number = frame.next_piece(op.end, limit=1)
        named_between = None
        if number is not None and number.kind == "attribute" and not number.used:
            # "after season 2007", "before the year of 2006": the column, then the number.
            named_between, number = number, frame.next_piece(number.end, limit=2)
        if op.arg in {"gte", "lte"} and frame.tokens[op.start].norm == "or":
            # "5 or more": the number comes first.
            number = frame.piece_at(op.start - 1)
        if number is None or number.kind != "number" or number.used:
            return None
        counted = frame.next_piece(number.end, limit=1)
        if counted is not None and counted.kind == "object":
            measured = [c for c in counted.concepts if c.kind == "attribute"
                        and c.object == subject and c.role == "measure"]
            if subject not in counted.objects or len(measured) != 1 or self._group_before(
                op, subject
            ):
                return None  # "more than 2 students": a count compared, read as a HAVING
            # "ratings that have more than 3 stars": the ratings' own stars column.
            self._use(number)
            self._use(counted)
            self._use_op(op)
            return QueryFilter(field=measured[0].field, op=op.arg,  # type: ignore[arg-type]
                               values=[as_value(number.number)])
        column: Concept | None
        if named_between is not None:
            column = self._attribute_of(named_between, subject)
            _, attribute = self.ontology.resolve(column.field)
            if attribute.type not in _NUMERIC and not numeric_values(attribute):
                return None
            self._use(named_between)
        else:
            column = self._compared_column(op, number, subject)
        if column is None:
            return None
        self._use_op(op)
        self._use(number)
        return QueryFilter(field=column.field, op=op.arg,  # type: ignore[arg-type]
                           values=[as_value(number.number)])

    def _than_the_average(self, op: Operator, subject: str) -> QueryFilter | None:
        """"departments with a budget greater than the average (budget)", "players who
        got more than the average number of points (of all players)": the column compared
        with its average over every row of the rows asked about (nothing after "average"
        but the column's own word, the rows' name and grammar)."""
        frame = self.frame
        words = [t.norm for t in frame.tokens]
        index = op.end + (op.end < len(words) and words[op.end] == "the")
        if index >= len(words) or words[index] != "average":
            return None
        after = index + 1
        if words[after:after + 2] == ["number", "of"]:
            after += 2
        again = frame.piece_at(after)
        if again is not None and again.kind != "attribute":
            again = None
        if not self._only_the_rows_after(again.end if again else after, subject):
            return None
        figure = next((o for o in frame.operators
                       if o.kind == "aggregate" and o.start <= index < o.end), None)
        candidates = [p for p in frame.pieces if p.end <= op.start and p.names_column
                      and op.start - p.end <= 2 and not p.used]
        if op.arg not in {"gt", "gte", "lt", "lte"}:
            return None
        named = candidates[-1] if candidates else again
        if named is None:
            return None
        concept = self._attribute_of(named, subject)
        _, attribute = self.ontology.resolve(concept.field)
        if attribute.type not in _NUMERIC or concept.object != subject:
            return None
        if again is not None:
            if self._attribute_of(again, subject).field != concept.field:
                return None  # "a salary above the average bonus"
            self._use(again)
        self._use(named)
        self._use_op(op)
        self.explained.update(range(op.end, after))
        self.explained.update(self._rows_words_after(again.end if again else after, subject))
        for other in [o for o in frame.operators if o is figure or (
            o.kind in {"aggregate", "count"} and index < o.start < after
        )]:
            frame.operators.remove(other)  # the average compared with, not one asked for
        return QueryFilter(field=concept.field, op=op.arg,  # type: ignore[arg-type]
                           against="avg")

    def _rows_words_after(self, start: int, subject: str) -> set[int]:
        """The words from ``start`` on that name the rows asked about ("of all players"),
        or nothing when another word follows ("of songs in the modern genre")."""
        words = [t.norm for t in self.frame.tokens]
        found: set[int] = set()
        index = start
        while index < len(words):
            piece = self.frame.piece_at(index)
            if piece is not None and piece.kind == "object" and subject in piece.objects:
                found.update(range(piece.start, piece.end))
                index = piece.end
            elif words[index] in _ROWS_GRAMMAR or not words[index].isalnum():
                found.add(index)
                index += 1
            else:
                return set()
        return found

    def _only_the_rows_after(self, start: int, subject: str) -> bool:
        words = [t.norm for t in self.frame.tokens]
        return not any(w.isalnum() for w in words[start:]) or bool(
            self._rows_words_after(start, subject))

    def _compared_column(self, op: Operator, number: Piece, subject: str) -> Concept | None:
        frame = self.frame
        # "capacity less than 50", "whose capacity is less than 50"
        candidates = [p for p in frame.pieces if p.end <= op.start and p.names_column
                      and op.start - p.end <= 3 and not p.used]
        # "more than 50 capacity" / "after 2000 year"
        after = frame.next_piece(number.end, limit=0)
        if after is not None and after.names_column and not after.used:
            candidates.append(after)
        if not candidates:
            if frame.tokens[op.start].norm in {"before", "after"}:
                return self._year_column(subject)
            return None
        piece = candidates[-1]
        concept = self._attribute_of(piece, subject)
        _, attribute = self.ontology.resolve(concept.field)
        if attribute.type not in _NUMERIC and attribute.type not in {"date", "timestamp"} and not (
            attribute.type == "text" and numeric_values(attribute)
        ):
            counted = self._counted_after(number.end)
            if (counted is not None and counted.objects) or (
                number.end < len(frame.tokens) and frame.tokens[number.end].norm in _OCCURRENCES
            ):
                # "status codes that have more than 3 complaints" (or "3 records"): rows
                # counted per code.
                return None
            raise Declined("a comparison on a text column")
        self._use(piece)
        return concept

    def _year_column(self, subject: str) -> Concept | None:
        obj = self._object(subject)
        years = [a for a in obj.attributes if "year" in a.name.lower()]
        if len(years) == 1:
            return Concept("attribute", obj.name, years[0].name, role=years[0].role)
        return None

    def _between(self, op: Operator, subject: str) -> QueryFilter | None:
        frame = self.frame
        low = frame.next_piece(op.end, limit=0)
        if low is None or low.kind != "number" or low.end >= len(frame.tokens):
            return None
        if frame.tokens[low.end].norm != "and":
            return None
        high = frame.next_piece(low.end + 1, limit=0)
        if high is None or high.kind != "number":
            return None
        column = self._compared_column(op, low, subject)
        if column is None:
            return None
        self._use_op(op)
        self._use(low)
        self._use(high)
        self.explained.add(low.end)
        return QueryFilter(field=column.field, op="between",
                           values=[as_value(low.number), as_value(high.number)])

    def _shown(self, subject: str, groups: list[str]) -> list[str]:
        """Columns asked for that play no other role ("the name and age of ...")."""
        shown: list[str] = []
        previous: tuple[Piece, Concept] | None = None
        for piece in self.frame.pieces:
            if piece.used or piece.kind != "attribute":
                continue
            concept = (self._coordinated_with(piece, previous)
                       or self._of_the_group(piece, subject, groups)
                       or self._attribute_of(piece, subject))
            self._use(piece)
            previous = (piece, concept)
            if concept.field not in shown:
                shown.append(concept.field)
        return shown

    def _of_the_group(self, piece: Piece, subject: str, groups: list[str]) -> Concept | None:
        """"the description, code and number of services for each service type": beside
        a figure per group of other rows, a column those rows hold is theirs; the
        subject's own column of that name would split each group's figure."""
        if not self._metrics_read:
            return None
        owners = {g.split(".")[0] for g in groups} - {subject}
        named = self._owner_named_after(piece)
        if named is not None and named not in owners:
            return None  # "the names of apiaries with hives of the keeper ...": the apiaries'
        found = [c for c in piece.concepts if c.kind == "attribute" and c.object in owners]
        if len(found) != 1:
            return None
        # ("the country id and count of cities in each country": the cities' own
        # reference to their country is that id, and keeps the cities of no known one.)
        references = {self._reference_to(subject, found[0].object)}
        if any(c.field in references for c in piece.concepts):
            return None
        return found[0]

    def _coordinated_with(
        self, piece: Piece, previous: tuple[Piece, Concept] | None
    ) -> Concept | None:
        """"the album names, ids and ...": a column word coordinated right after another
        is of the same table, where that table has such a column."""
        if previous is None:
            return None
        before, concept = previous
        between = {t.norm for t in self.frame.tokens[before.end:piece.start]}
        if not between <= {"and", "the", "their", "its"}:
            return None
        same = [c for c in piece.concepts if c.kind == "attribute" and c.object == concept.object]
        return same[0] if len(same) == 1 else None

    def _other_objects(self, subject: str, groups: list[str]) -> None:
        """Objects mentioned beside the subject: harmless when they only qualify it."""
        for piece in self.frame.pieces:
            if piece.used or piece.kind != "object":
                continue
            name = piece.objects[0]
            if id(piece) in self.bound or any(g.startswith(f"{name}.") for g in groups):
                self._use(piece)
                continue
            words = [t.norm for t in self.frame.tokens]
            before = words[piece.start - 1] if piece.start else ""
            coordinated = piece.start >= 2 and words[piece.start - 2] in {"and", ","}
            if before in {"of", "the", "all"} and not coordinated and self.reader.linked(
                subject, name
            ):
                # ("the names of companies and of employees" asks for a second thing.)
                # "heads of the departments": the subject's own kind, qualified.
                self.guesses += 1
                self._use(piece)

    # -- scoring -----------------------------------------------------------------------

    def _held_apart(self, subject: str, target: str) -> bool:
        """Whether rows of ``target`` can meet conditions apart for a row of ``subject``:
        they are many to it, and near; a long way round is a guess at the relationship."""
        if self.reader.distance(subject, target) is not None:
            return False
        try:
            return len(self.reader.tree(subject).path(target)) <= _NEAR
        except InvalidInput:
            return False

    def _passed_through(self, query: SemanticQuery) -> set[str]:
        """The objects that conditions met apart go through: "albums with tracks of both
        the Reggae and Rock genres" names the tracks each genre is found by."""
        passed: set[str] = set()
        for item in query.filters:
            if item.apart or item.op == "contains":
                steps = self.reader.tree(self.subject).path(item.field.split(".")[0])
                passed.update(step.child for step in steps)
        return passed

    def _about_ourselves(self) -> set[int]:
        """Words that say the rows are the asker's own and change nothing: a verb of
        keeping or offering after "we" ("the treatments we offer", "the pets we look
        after"), and where the data is kept ("on file", "in the database")."""
        words = [t.norm for t in self.frame.tokens]
        found: set[int] = set()
        for index, word in enumerate(words):
            if word == "we":
                verbs = [i for i in range(index + 1, min(index + 3, len(words)))
                         if words[i] in _KEEPING_VERBS]
                if verbs and verbs[0] == index + 1:
                    found.update(verbs)
            for phrase in _WHERE_DATA_IS_KEPT:
                if tuple(words[index:index + len(phrase)]) == phrase:
                    found.update(range(index, index + len(phrase)))
        return found

    def _unit_of_a_compared_column(self, index: int, query: SemanticQuery) -> bool:
        tokens = self.frame.tokens
        if tokens[index].norm not in UNIT_WORDS or index == 0:
            return False
        if parse_number(tokens[index - 1].norm) is None:
            return False
        return any(
            tokens[index].norm in self.ontology.resolve(f.field)[1].label.split()
            for f in query.filters if f.values and "." in f.field
        )

    def _how_much_of_the_figure(self, index: int, query: SemanticQuery) -> bool:
        """"How long is the total lesson time taken by customer ...?": an adjective after
        "how" asks for the size of a kind of thing (a time, an age, a height), and says no
        more where the one column the reading measures or shows is of that kind."""
        tokens = self.frame.tokens
        kinds = _HOW_MUCH_OF.get(tokens[index].norm)
        if kinds is None or index == 0 or tokens[index - 1].norm != "how":
            return False
        asked = [*(f for f in query.list_fields if "." in f), *(
            f for m in query.metrics if (f := metric_field(m, self.ontology)) is not None)]
        if len(asked) != 1:
            return False
        _, attribute = self.ontology.resolve(asked[0])
        return bool(kinds & set(expand_abbreviations(split_identifier(attribute.name))))

    def _group_said_again(self, index: int, query: SemanticQuery) -> bool:
        """"Show each apartment type code, and the maximum and minimum number of rooms
        for each type.": after "each", a word of the name of a column the reading
        groups by points back at those groups, as "each" alone would."""
        if not query.dimensions or not any(
            o.kind == "group" and o.end == index and self.frame.tokens[o.end - 1].norm == "each"
            for o in self.frame.operators
        ):
            return False
        for dimension in query.dimensions:
            if "." not in dimension.field:
                continue
            _, attribute = self.ontology.resolve(dimension.field)
            words = expand_abbreviations(split_identifier(attribute.name))
            if self.frame.tokens[index].stem in {stem(w) for w in words}:
                return True
        return False

    def _word_of_the_column_beside(self, index: int, query: SemanticQuery) -> bool:
        """"What are the average score and average staff number of all shops?" of a
        `num_of_staff` column "staff" named: a word of the name of the column the reading
        took for the words right beside it (or after "of the") is more of that name, in
        another order ("What is the code of the city with the most students?" of a
        `city_code` column)."""
        tokens = self.frame.tokens
        used = {ref for ref in (*query.list_fields, *(d.field for d in query.dimensions),
                                *(f.field for f in query.filters), *(o.key for o in query.order),
                                *(metric_field(m, self.ontology) or "" for m in query.metrics))
                if "." in ref}
        owner = index + 1
        if owner < len(tokens) and tokens[owner].norm == "of" and index and (
            tokens[index - 1].norm in {"the", "a", "an", "its", "their"}
        ):
            # "the code of the city" of a `city_code` column read for "city": a noun
            # phrase of its own ("ordered by decreasing number of cities" is no name).
            owner += 1
            while owner < len(tokens) and tokens[owner].norm in {"the", "a", "an"}:
                owner += 1
        for beside in (self.frame.piece_at(index - 1) if index else None,
                       self.frame.piece_at(owner)):
            if beside is None or not beside.used or beside.kind != "attribute" or (
                beside.start != owner and beside.end != index
            ):
                continue
            fields = {c.field for c in beside.concepts if c.kind == "attribute"}
            if len(fields) > 1:
                # Of a word naming several columns, only the one the reading took.
                fields &= used
            for field in fields:
                _, attribute = self.ontology.resolve(field)
                words = expand_abbreviations(split_identifier(attribute.name))
                if tokens[index].stem in {stem(w) for w in words}:
                    return True
        return False

    def _word_of_the_values_column(self, index: int, query: SemanticQuery) -> bool:
        """"How many cities are there in state "Colorado"?", "staff who live in state
        Georgia", "in the state of Colorado" of a `state_province_county` column: a word
        of the name of the column whose value is said right after it (past "of" and an
        article) names that column, as its whole name would. Only a column the reading
        filters on by that value: the word confirms a condition already read."""
        tokens = self.frame.tokens
        after = index + 1
        while after < len(tokens) and tokens[after].norm in {"of", "the", "a", "an"}:
            after += 1
        value = self.frame.piece_at(after)
        if value is None or value.start != after or not value.used or (
            value.kind not in {"value", "quoted"}
        ):
            return False
        said = fold(value.text).lower()
        columns = {c.field for c in value.concepts if c.kind == "value"} | {
            f.field for f in query.filters
            if value.kind == "quoted" and any(fold(str(v)).lower() == said for v in f.values)
        }
        filtered = {f.field for f in query.filters if f.values and f.values != [None]}
        for field in columns & filtered:
            _, attribute = self.ontology.resolve(field)
            words = expand_abbreviations(split_identifier(attribute.name))
            if tokens[index].stem in {stem(w) for w in words}:
                return True
        return False

    def unexplained(self, query: SemanticQuery) -> list[str]:
        left: list[str] = []
        # "built in the most recent year" ranks by built_year: the verb names the column.
        column_words = {stem(w) for f in fields_of(query) for w in re.split(r"[_\W]+", f.lower())}
        # "the project which has the most scientists assigned to it" of an AssignedTo
        # table the scientists are counted in: the table's name is the relation counted.
        passed = self._passed_through(query) | {
            m.field.split(".", 1)[0] for m in query.metrics
            if m.aggregation in {"count", "count_distinct"} and m.field and "." in m.field}
        dated_verbs = self._verbs_of_the_date(query)
        for piece in self.frame.pieces:
            if piece.end - piece.start == 1 and piece.start in dated_verbs:
                continue  # "formed most recently", though "formed" names the forms too
            if not piece.used and not (piece.kind == "object" and set(piece.objects) & passed):
                left.append(" ".join(t.norm for t in self.frame.tokens[piece.start:piece.end]))
        ourselves = self._about_ourselves()
        for op in self.frame.operators:
            if self._each_of_the_groups(op, query):
                continue
            if not self.explained & set(range(op.start, op.end)) and op.kind not in {
                "distinct"
            } and not set(range(op.start, op.end)) <= ourselves:
                left.append(" ".join(t.norm for t in self.frame.tokens[op.start:op.end]))
        covered = set(self.explained)
        for piece in self.frame.pieces:
            covered.update(range(piece.start, piece.end))
        for op in self.frame.operators:
            covered.update(range(op.start, op.end))
        for token in self.frame.tokens:
            if token.index in covered:
                continue
            if token.norm in GRAMMAR and not in_capitals(token, self.frame.question):
                continue  # ("US" in capitals is a country, not "us".)
            if token.norm in RELATION_VERBS and not self._capacity(token.index) and (
                self.joined or token.stem in column_words or self._names_value(token.index)
                or self._between_read_words(
                    token.index, figured=not query.is_list or query.distinct)
            ):
                continue
            if token.norm in PLACED_RELATION_VERBS and (
                token.stem in column_words or self._names_value(token.index)
                or self._between_read_words(
                    token.index, figured=not query.is_list or query.distinct)
            ):
                continue  # "airlines based in Russia", "teachers teaching in classroom 109"
            if self._verb_of_the_count(token.index, query):
                continue  # "advisors that advise more than 2 students": who has the rows
            if self._passive_of_the_count(token.index, query):
                continue  # "the denomination shared by more than one school"
            if self._came_to_be_then(token.index, query):
                continue  # "movies made before 2000": its one year says when
            if token.norm in _OCCURRENCE_VERBS and self._happened_as_read(token.index, query):
                continue  # "how many storms occurred in each region": the rows are there
            if token.norm.endswith(("ed", "ing")) and token.stem in column_words:
                continue  # "branches opened before 2010": the open year says it
            if token.index in dated_verbs:
                continue  # "the log created most recently": when it was, its date says
            if token.index == 0 and token.norm in OPENING_REQUESTS:
                continue  # "Report all majors ...": a request, where it opens the question
            if token.stem in self._linking_words(query):
                continue  # "members of the club": the memberships the condition goes through
            if self._count_repeated(token.index, query):
                continue
            if token.norm == "either" and any(f.op == "in" for f in query.filters):
                continue  # "either Midshipman or Lieutenant": the IN says it
            if token.norm in _ORDER_VERBS and query.order:
                continue  # "sort the names by age": the order says it
            if token.norm == "by" and self._agent(token.index):
                continue  # "written by Smith": the value says who
            if token.norm == "by" and self._passive_by(token.index):
                continue  # "used by more than 3 parties": the count condition says who
            if self._unit_of_a_compared_column(token.index, query):
                continue  # "weigh over 30 kg" of weight_kg: the column's own unit
            if self._how_much_of_the_figure(token.index, query):
                continue  # "How long is the total lesson time ...?": the time summed
            if self._group_said_again(token.index, query):
                continue  # "each apartment type code, ... the rooms for each type"
            if self._word_of_the_values_column(token.index, query):
                continue  # "cities in state 'Colorado'" of state_province_county
            if self._word_of_the_column_beside(token.index, query):
                continue  # "the average staff number" of num_of_staff
            if token.index in ourselves:
                continue  # "the treatments we offer", "pets on file": the data itself
            left.append(token.norm)
        return left

    def _verbs_of_the_date(self, query: SemanticQuery) -> set[int]:
        """Participles beside a "most recent" the reading ranks by the rows' date ("the
        log that was created most recently", "the most recently formed party"): when the
        rows came to be is the date, where the verb names it or the rows have no other."""
        ordered = [o.key for o in query.order if "." in o.key]
        if not ordered or not self.subject:
            return set()
        owner, attribute = self.ontology.resolve(ordered[0])
        if owner.name != self.subject or attribute.role != "time":
            return set()
        words = {stem(w) for w in re.split(r"[_\W]+", attribute.name.lower()) if w}
        dates = [a for a in owner.attributes if a.role == "time"]
        found: set[int] = set()
        tokens = self.frame.tokens
        for op in self._ops("recent"):
            if not self.explained & set(range(op.start, op.end)):
                continue
            following = self.frame.next_piece(op.end, limit=0)
            # ("who made the latest order": the verb takes the order as its object.)
            before = [] if following is not None and following.kind == "object" else [
                op.start - 1]
            for index in (*before, op.end):
                if 0 <= index < len(tokens) and participle(tokens[index].norm) and (
                    tokens[index].stem in words or len(dates) == 1
                ):
                    found.add(index)
        return found

    def _each_of_the_groups(self, op: Operator, query: SemanticQuery) -> bool:
        """"the tracks, and how many races has each had?", "... in each of them": an
        "each" naming nothing after it points back at the rows already grouped."""
        if op.kind != "group" or self.frame.tokens[op.end - 1].norm != "each" or not (
            query.dimensions
        ):
            return False
        return self.frame.next_piece(op.end, limit=1) is None

    def _count_repeated(self, index: int, query: SemanticQuery) -> bool:
        """A bare "number" naming the count the query already makes, where the question
        says what to show ("How many accounts ...? List the number and customer id.")."""
        tokens = self.frame.tokens
        if tokens[index].norm not in {"number", "count"} or not any(
            m.aggregation in {"count", "count_distinct"} or (m.metric or "").endswith("_count")
            for m in query.metrics
        ):
            return False
        if index + 1 == len(tokens) or tokens[index + 1].norm in {"and", "too", "also"}:
            return True
        # "Find the number of settlements each claim corresponds to. Show the number
        # together with the claim id.": "the number" again, after the count was said.
        said_before = any(o.kind == "count" and o.end <= index
                          and self.explained & set(range(o.start, o.end))
                          for o in self.frame.operators)
        return said_before and tokens[index - 1].norm == "the" and (
            tokens[index + 1].norm not in {"of", "for"})

    def _linking_words(self, query: SemanticQuery) -> set[str]:
        """The words naming the tables a condition of the query goes through (not the
        tables at its ends): "members" of memberships between students and clubs."""
        subject = query.list_object or self.subject
        words: set[str] = set()
        for item in query.filters:
            owner = item.field.split(".", 1)[0]
            if "." not in item.field or owner == subject:
                continue
            try:
                steps = self.reader.tree(subject).path(owner)
            except InvalidInput:
                continue
            for step in steps[:-1]:
                words |= set(self.lexicon_words(step.child))
        return words

    def lexicon_words(self, name: str) -> set[str]:
        return set(self.reader.lexicon.object_words.get(name, ()))

    def _names_value(self, index: int) -> bool:
        """"located in Texas", "live in Smith Hall": the verb introduces a value used."""
        step = 1
        while step <= 4:
            piece = self.frame.piece_at(index + step)
            if piece is not None and piece.kind in {"attribute", "object"} and piece.used and (
                self._before_a_value(piece)
            ):
                # "in Division 'AS'", "by the artist 'Metallica'": past the value's word
                step = piece.end - index
                continue
            if piece is not None:
                return piece.used and piece.kind in {"value", "quoted"}
            step += 1
        return False

    def _before_a_value(self, piece: Piece) -> bool:
        following = self.frame.piece_at(piece.end)
        return following is not None and following.kind in {"value", "quoted"} and following.used

    def _between_read_words(self, index: int, *, figured: bool = False) -> bool:
        """"students living in each city", "payment methods used by parties": a verb right
        between two things the reading used relates them as the reading does."""
        tokens = self.frame.tokens
        before = self.frame.piece_at(index - 1) if index else None
        if before is None or not before.used or before.kind not in {"object", "attribute"}:
            return False
        after = index + 1
        while after < len(tokens) and tokens[after].norm in _VERB_PARTICLES:
            after += 1
        if after >= len(tokens) and after > index + 1 and figured:
            # "the number of cities employees live in": the verb closes a clause on the
            # rows whose column was counted or ranked before it. (A plain list, "what
            # cities do students live in", may want each city once: not read.)
            return any(p.used and p.end <= before.start and p.kind in {"object", "attribute"}
                       for p in self.frame.pieces)
        if after >= len(tokens) or after == index + 1:
            return False
        following = self.frame.piece_at(after)
        if following is not None:
            return following.used and following.kind in {"object", "attribute", "value",
                                                          "quoted"}
        # "students living in each city": the group's own words may hold the particle.
        return any(index < o.start <= after and self.explained & set(range(o.start, o.end))
                   for o in self.frame.operators if o.kind == "group")

    def _happened_as_read(self, index: int, query: SemanticQuery) -> bool:
        """A verb of happening says only that the rows (or a value of theirs) are there:
        counted ("how many storms occurred"), ranked by their date ("the event that
        happened in the most recent year") or counted per value ("the type code that
        appears the most often")."""
        if self._counts_rows(query):
            return True
        if not query.order or not self.subject:
            return False
        owner, attribute = self.ontology.resolve(query.order[0].key) if "." in (
            query.order[0].key) else (None, None)
        return owner is not None and attribute is not None and owner.name == self.subject and (
            attribute.role == "time" or names_a_year(attribute.name))

    def _counts_rows(self, query: SemanticQuery) -> bool:
        return any(m.aggregation in {"count", "count_distinct"} for m in query.metrics)

    def _relation_verb(self, index: int) -> tuple[int, int] | None:
        """The words of a verb relating two things at ``index``: a relation verb ("advise",
        "filed"), one whose doer is named after it ("advisors ... advising"), or "in
        charge of"."""
        tokens = self.frame.tokens
        word = tokens[index]
        if word.norm == "charge" and 0 < index < len(tokens) - 1 and (
            tokens[index - 1].norm == "in" and tokens[index + 1].norm == "of"
        ):
            return index - 1, index + 2  # "physicians who are in charge of ..."
        if word.norm in RELATION_VERBS | PLACED_RELATION_VERBS and word.norm not in {
            "in", "on", "at"
        }:
            return index, index + 1
        return None

    def _came_to_be_then(self, index: int, query: SemanticQuery) -> bool:
        """"How many movies were made before 2000?": a participle of coming to be right
        before a comparison on the rows' one date or year, the date it is."""
        tokens = self.frame.tokens
        if tokens[index].norm not in _COMING_TO_BE or not self.subject:
            return False
        if not any(o.start == index + 1 and self.explained & set(range(o.start, o.end))
                   for o in self._ops("compare")):
            return False
        owner = self._object(self.subject)
        dated = [a.name for a in owner.attributes if a.role == "time" or names_a_year(a.name)]
        return len(dated) == 1 and any(
            f.field == f"{owner.name}.{dated[0]}" for f in query.filters)

    def _capacity(self, index: int) -> bool:
        """"lodges that can hold more than 2 rangers", "can accommodate": what a thing can
        take is a capacity, not the rows related to it."""
        tokens = self.frame.tokens
        before = index - 1
        while before >= 0 and tokens[before].norm in {"only", "still", "also", "not"}:
            before -= 1
        if tokens[index].norm not in _CAPACITY_VERBS or before < 0 or (
            tokens[before].norm not in {"can", "could", "cannot"}
        ):
            return False
        # ("can serve as an 'inhibitor'" is no capacity: a size is compared or given.)
        following = self.frame.piece_at(index + 1)
        return any(o.start == index + 1 for o in self._ops("compare")) or (
            following is not None and following.kind == "number")

    def _verb_of_the_count(self, index: int, query: SemanticQuery) -> bool:
        """A verb between the rows the reading groups (or lists) and the rows it counts for
        each: "advisors that advise more than 2 students", "medicines that can interact
        with at least 3 enzymes", "the project which has the most scientists assigned to
        it". The count goes through the join the reading takes (a pair of objects related
        in several ways is declined before), so the verb only says what the join is."""
        if not self._counts_rows(query) or self._names_a_table_not_taken(index, query):
            return False
        span = self._relation_verb(index)
        if span is None:
            return False
        start, end = span
        tokens = self.frame.tokens
        frame = self.frame
        before = start - 1
        while before >= 0 and tokens[before].norm in _BEFORE_A_VERB:
            before -= 1
        if self._capacity(index):
            return False
        doer = frame.piece_at(before) if before >= 0 else None
        if doer is None or not doer.used or doer.kind not in {"object", "attribute"}:
            return self._counted_before_verb(start, end)
        return self._counted_before_verb(start, end) or self._counted_after_verb(end)

    def _counted_after_verb(self, end: int) -> bool:
        """"... advise more than 2 students", "interact with at least 3 enzymes": the count
        said right after the verb (past its particles)."""
        frame = self.frame
        tokens = frame.tokens
        after = end
        starts = {o.start: o for o in frame.operators if o.kind in {"compare", "most", "extreme"}
                  and self.explained & set(range(o.start, o.end))}
        while after < len(tokens) and after not in starts and (
            tokens[after].norm in _VERB_PARTICLES | {"with", "of"}
        ):
            after += 1  # ("interact with at least 3": "at" begins the comparison)
        ranked = starts.get(after)
        said_first = frame.piece_at(after)
        if ranked is None and said_first is not None and said_first.kind == "number" and (
            said_first.used and said_first.end in starts
        ):
            # "contributed three or more ratings": the number before its comparison.
            return self._counted_at(starts[said_first.end].end)
        if ranked is None:
            return False
        number = frame.piece_at(ranked.end)
        after = ranked.end
        if ranked.kind == "compare":
            if number is None or number.kind != "number" or not number.used:
                return False
            after = number.end
        return self._counted_at(after)

    def _counted_at(self, index: int) -> bool:
        """Whether the rows counted are named at ``index`` ("3 corresponding complaints")."""
        tokens = self.frame.tokens
        counted = self.frame.piece_at(index)
        if counted is None and index < len(tokens) and tokens[index].norm in _COUNTED_MODIFIERS:
            counted = self.frame.piece_at(index + 1)
        while counted is not None and counted.kind in {"value", "quoted"} and counted.used:
            counted = self.frame.piece_at(counted.end)  # "the most Tournament competitions"
        return counted is not None and counted.used and counted.kind == "object"

    def _names_a_table_not_taken(self, index: int, query: SemanticQuery) -> bool:
        """"the department with the most students enrolled" beside an enrollment table the
        reading does not go through: the verb names another relationship than the one
        counted, so it is left unexplained."""
        said = self.frame.tokens[index].stem
        if len(said) < 4:
            return False
        taken = objects_of(query) | self._passed_through(query) | {
            m.field for m in query.metrics if m.aggregation == "count"}
        return any(name not in taken and any(w.startswith(said) for w in words)
                   for name, words in self.reader.lexicon.object_words.items())

    def _counted_before_verb(self, start: int, end: int) -> bool:
        """"the project which has the most scientists assigned to it": the rows counted
        right before the verb, which closes the question."""
        frame = self.frame
        counted = frame.piece_at(start - 1) if start else None
        if counted is None or not counted.used or counted.kind != "object":
            return False
        ranked = next((o for o in frame.operators if o.end in {counted.start, counted.start - 1}
                       and o.kind in {"most", "extreme"}
                       and self.explained & set(range(o.start, o.end))), None)
        if ranked is None:
            return False
        rest = [t.norm for t in frame.tokens[end:]]
        return all(w in _VERB_PARTICLES | {"it", "them", "of"} for w in rest)

    def _passive_of_the_count(self, index: int, query: SemanticQuery) -> bool:
        """"the denomination shared by more than one school", "the major studied by the
        most students": a participle whose "by" names the rows counted, where the groups
        are the counted rows' own column (a row and its own value: no other relation to
        name) or the verb is one of relating."""
        tokens = self.frame.tokens
        if not self._counts_rows(query) or index + 1 >= len(tokens) or (
            tokens[index + 1].norm != "by" or not participle(tokens[index].norm)
        ):
            return False
        if not self._passive_by(index + 1) or self._names_a_table_not_taken(index, query):
            return False
        counted = {m.field for m in query.metrics if m.aggregation == "count"}
        owners = {d.field.split(".", 1)[0] for d in query.dimensions}
        return tokens[index].norm in RELATION_VERBS | PLACED_RELATION_VERBS or (
            len(counted) == 1 and owners == counted)

    def _passive_by(self, index: int) -> bool:
        """"by" after a participle, before an object the reading used."""
        words = self.frame.tokens
        if index == 0 or not participle(words[index - 1].norm):
            return False
        start = index + 1
        compared = next((o for o in self._ops("compare") if o.start == start), None)
        if compared is not None and (self.explained & set(range(compared.start, compared.end))):
            # "used by more than 3 parties": the rows counted come after the number.
            number = self.frame.next_piece(compared.end, limit=0)
            start = number.end if number is not None and number.used else start
        ranked = next((o for o in [*self._ops("most"), *self._ops("extreme")]
                       if o.start == start), None)
        if ranked is not None and self.explained & set(range(ranked.start, ranked.end)):
            start = ranked.end  # "studied by the largest number of students"
        following = self.frame.next_piece(start, limit=4)
        return following is not None and following.used and following.kind == "object"

    def _agent(self, index: int) -> bool:
        # A "by" that grouped is explained already; one that found no group to make may
        # still name who did it ("albums by the artist 'Metallica'").
        return self._names_value(index)

    def _describe_filter(self, item: QueryFilter) -> str:
        """One filter in words: "age over 18", "with no albums", and a negated value the
        rows' related rows hold, "with no allergy type food"."""
        if item.op in RELATED_OPS:
            related = self.ontology.object(item.field)
            dated = f" {item.within.during}" if item.within and item.within.label else ""
            return f"{OP_WORDS[item.op]} {related.plural if related else item.field}{dated}"
        if item.against is not None:
            return (f"{field_label(self.ontology, item.field)} {OP_WORDS[item.op]} "
                    f"the average {field_label(self.ontology, item.field)}")
        values = (" or " if item.op == "in" else " and ").join(str(v) for v in item.values)
        owner = item.field.split(".")[0]
        if item.op in {"ne", "not_in"} and item.values != [None] and self.subject and (
            self.reader.linked(self.subject, owner)
            and self.reader.distance(self.subject, owner) is None
        ):
            values = " or ".join(str(v) for v in item.values)
            return f"with no {field_label(self.ontology, item.field)} {values}"
        said = f"{field_label(self.ontology, item.field)} {OP_WORDS[item.op]} {values}"
        if item.apart:
            # each of "both" by rows of its own: "with a loan whose loan type is Auto"
            return f"with a {self._object(owner).label} whose {said}"
        return said

    def describe(self, query: SemanticQuery) -> str:
        parts: list[str] = []
        if query.count_over is not None:
            parts.append(f"number of {field_label(self.ontology, query.count_over.field)} "
                         "values, each with")
        for metric in query.metrics:
            if self.paired is not None and metric.field == ".".join(self.paired):
                link = self._object(self.paired[0]).plural
                parts.append(f"number of {self._object(self.subject).plural} (through {link})")
                continue
            parts.append(describe_metric(self.ontology, metric))
        if query.is_list:
            obj = self._object(query.list_object or "")
            parts.append(", ".join(field_label(self.ontology, f) for f in query.list_fields)
                         + f" of {obj.plural}")
        if query.dimensions:
            parts.append("by " + ", ".join(field_label(self.ontology, d.field)
                                           for d in query.dimensions))
        for item in query.filters:
            parts.append(self._describe_filter(item))
        for ordered in query.order:
            label = field_label(self.ontology, ordered.key) if "." in ordered.key else ordered.key
            parts.append(f"{'highest' if ordered.descending else 'lowest'} {label} first")
        if query.limit:
            parts.append(f"first {query.limit}")
        return "; ".join(parts)
