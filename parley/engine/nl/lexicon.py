"""The lexicon: every phrase that names something of an ontology, indexed by its stems.

Built once per ontology. A phrase may name several concepts ("region" is a column of
customers and of sales reps); the parser decides between them (`ambiguity.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process

from parley.engine.nl.operators import GRAMMAR
from parley.engine.nl.text import tokenize
from parley.engine.nl.vocabulary import FILLER
from parley.engine.semantic.ontology import Attribute, Object, Ontology
from parley.engine.semantic.thesaurus import (
    EVENT_VERBS,
    participle_variants,
    synonyms_for,
    value_aliases,
)
from parley.naming import plural, singular, stem

ConceptKind = Literal["object", "attribute", "metric", "value"]


@dataclass(frozen=True, slots=True)
class Concept:
    kind: ConceptKind
    #: The object (table) the concept belongs to.
    object: str
    #: Attribute name for attributes and values, metric name for metrics.
    name: str = ""
    value: str | bool | None = None
    #: The attribute's role, for attributes and values.
    role: str = ""

    @property
    def field(self) -> str:
        return f"{self.object}.{self.name}"

    def describe(self) -> str:
        if self.kind == "value":
            return f"{self.field} = {self.value!r}"
        if self.kind == "object":
            return self.object
        return self.field if self.kind == "attribute" else f"metric {self.name}"


@dataclass(slots=True)
class Lexicon:
    #: Phrase (tuple of token stems) -> the concepts it names.
    phrases: dict[tuple[str, ...], list[Concept]] = field(default_factory=dict)
    #: Phrases as plain text, for fuzzy matching of misspelt words.
    fuzzy_choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Phrases matched on their exact words, not stems: short aliases ("NAM" is not "name").
    exact: dict[tuple[str, ...], list[Concept]] = field(default_factory=dict)
    #: Case-sensitive aliases ("US") and the phrases they stand for.
    case_sensitive: dict[str, tuple[str, ...]] = field(default_factory=dict)
    longest: int = 1
    #: (phrase, concept) pairs where the phrase is the concept's own name or label.
    named: set[tuple[tuple[str, ...], Concept]] = field(default_factory=set)
    #: (phrase, concept) pairs where the phrase is only the last word of the concept's
    #: label ("salary" of "max salary"): a name, but a weaker one than a whole label.
    heads: set[tuple[tuple[str, ...], Concept]] = field(default_factory=set)
    #: Stems of the words naming each object, to explain "performance" in "performance
    #: score" (the score of performance reviews).
    object_words: dict[str, set[str]] = field(default_factory=dict)
    #: Stems of the words naming each attribute, keyed by "object.attribute".
    attribute_words: dict[str, set[str]] = field(default_factory=dict)

    def add(
        self,
        text: str,
        concept: Concept,
        *,
        fuzzy: bool = True,
        exact: bool = False,
        named: bool = False,
    ) -> None:
        """Index ``text`` as a way to say ``concept``; ``named`` when it is the concept's own
        name or label rather than a synonym (a name beats a synonym of another concept)."""
        tokens = tokenize(text)
        stems = tuple(t.norm if exact else t.stem for t in tokens)
        if not stems:
            return
        concepts = (self.exact if exact else self.phrases).setdefault(stems, [])
        if concept not in concepts:
            concepts.append(concept)
        if named:
            self.named.add((stems, concept))
        self.longest = max(self.longest, len(stems))
        plain = " ".join(t.norm for t in tokenize(text))
        if fuzzy and len(plain) >= 5:
            self.fuzzy_choices.setdefault(plain, stems)

    def names_wholly(self, stems: tuple[str, ...], concept: Concept) -> bool:
        """Whether the phrase is the concept's whole own name, not only its last word."""
        return (stems, concept) in self.named and (stems, concept) not in self.heads

    def lookup(self, stems: tuple[str, ...], norms: tuple[str, ...] | None = None) -> list[Concept]:
        found = self.phrases.get(stems, [])
        if norms is not None and norms in self.exact:
            found = found + [c for c in self.exact[norms] if c not in found]
        # "category" is the parts' category by name, the sites' type only by synonym.
        by_name = {c.kind for c in found if (stems, c) in self.named}
        return [c for c in found if c.kind not in by_name or (stems, c) in self.named]

    def fuzzy(self, text: str, *, min_score: float = 80.0) -> tuple[str, ...] | None:
        """The phrase closest to a misspelt ``text`` ("Electronis"), when close enough.

        Only phrases of the same number of words, starting with the same letter, count:
        a misspelling keeps its shape.
        """
        if len(text) < 4 or not self.fuzzy_choices:
            return None
        words = text.split()
        choices = [
            c for c in self.fuzzy_choices if len(c.split()) == len(words) and c[0] == text[0]
        ]
        found = process.extractOne(text, choices, scorer=fuzz.ratio, score_cutoff=min_score)
        if found is None:
            return None
        if len(text) <= 5 and len(found[0]) == len(text):
            # A letter changed in a short word is another word as often as a typo
            # ("carry" is not "Camry"); a letter added or dropped still counts.
            return None
        # Every word must be close to its counterpart: "employment type" is not
        # "employment date".
        pairs = zip(words, found[0].split(), strict=True)
        if any(a != b and fuzz.ratio(a, b) < min_score for a, b in pairs):
            return None
        return self.fuzzy_choices[found[0]]


_COUNT_PREFIXES = ("how many ", "count of ", "number of ", "total ")


def _variants(text: str) -> Iterable[str]:
    yield text
    words = text.split()
    if words:
        yield " ".join([*words[:-1], plural(words[-1])])
        yield " ".join([*words[:-1], singular(words[-1])])
        if words[-1].endswith(("person", "persons")):
            # "salespeople" of salespersons: the plural people say.
            yield " ".join([*words[:-1], words[-1].rsplit("person", 1)[0] + "people"])


#: Units written into column names ("cost_usd", "weight_kg"): people say "cost", "weight".
UNIT_WORDS = frozenset({
    "usd", "eur", "gbp", "jpy", "dollars", "euros", "kg", "kgs", "g", "lb", "lbs", "cm", "mm",
    "km", "mi", "pct", "percent", "ms", "sec", "secs", "mins", "hrs", "chf", "hours",
    "minutes", "seconds", "milliseconds", "euro", "dollar", "pounds",
})  # fmt: skip
_SCALE_WORDS = frozenset({"thousand", "thousands", "million", "millions", "billion", "billions",
                          "mn", "bn"})
_GENERIC_HEADS = frozenset({"id", "code", "key", "number", "no", "flag", "type", "date", "at"})


_SEX_WORDS = {"f": ("female", "females", "women", "woman"), "m": ("male", "males", "men", "man")}


def _sex_words(attribute: Attribute, value: str) -> tuple[str, ...]:
    """"female" for the 'F' of a sex or gender column (and nowhere else: 'F' is a grade
    elsewhere)."""
    words = set(f"{attribute.name} {attribute.label}".lower().replace("_", " ").split())
    if not words & {"sex", "gender"}:
        return ()
    return _SEX_WORDS.get(str(value).strip().lower(), ())


def _numbers_only(values: list[str]) -> bool:
    """A text column that holds only numbers (a count kept as text)."""
    return bool(values) and all(v.strip().lstrip("-").replace(".", "", 1).isdigit()
                                for v in values[:50])


def counted_noun(label: str) -> str | None:
    """What a count column counts, in the plural: "bedroom count", "number of cities",
    "number cities", "total passengers" -> "bedrooms", "cities", "cities", "passengers".

    >>> counted_noun("bedroom count"), counted_noun("number of cities"), counted_noun("age")
    ('bedrooms', 'cities', None)
    """
    words = label.split()
    if len(words) >= 2 and words[-1] == "count":
        counted = words[:-1]
    elif len(words) >= 2 and words[0] in {"number", "no", "total"}:
        counted = words[2:] if words[1] == "of" else words[1:]
    else:
        return None
    if not counted or counted[-1] in _GENERIC_HEADS:
        return None
    return " ".join([*counted[:-1], plural(singular(counted[-1]))])


def _without_unit(phrase: str) -> str | None:
    """ "cost usd" -> "cost"; None when the phrase ends in no unit.

    >>> _without_unit("total cost usd"), _without_unit("weight kg"), _without_unit("price")
    ('total cost', 'weight', None)
    >>> _without_unit("damage millions usd"), _without_unit("budget in billions")
    ('damage', 'budget')
    """
    words = phrase.split()
    kept = list(words)
    # "damage millions usd": a unit and the scale it is counted in.
    while len(kept) >= 2 and kept[-1] in UNIT_WORDS | _SCALE_WORDS and kept[-2] not in {
        "of", "in", "per"
    }:
        kept.pop()
    if len(kept) >= 3 and kept[-2] == "in" and kept[-1] in UNIT_WORDS | _SCALE_WORDS:
        kept = kept[:-2]  # "budget in billions", "price in euros"
    return " ".join(kept) if len(kept) < len(words) else None


_CREATION_LABELS = frozenset(
    {"created at", "created date", "created on", "creation date", "date created", "created"}
)
_SIGNING_UP = frozenset(
    {
        "customer",
        "account",
        "user",
        "member",
        "client",
        "subscriber",
        "company",
        "organization",
        "organisation",
        "tenant",
        "patient",
        "student",
        "lead",
        "contact",
        "player",
        "shopper",
        "buyer",
    }
)


def _distinctive_words(
    obj: str, attribute: str, role: str, values: list[str]
) -> list[tuple[str, Concept]]:
    """Words that pick out one value of a column on their own: "won" in "Closed Won".

    >>> [w for w, _ in _distinctive_words("deals", "stage", "dimension",
    ...                                   ["Closed Won", "Closed Lost", "Proposal"])]
    ['won', 'lost']
    """
    if role != "dimension" or len(values) > 200:
        return []
    seen: dict[str, list[str]] = {}
    for value in values:
        words = [t.norm for t in tokenize(value)]
        if len(words) < 2:
            continue
        for word in dict.fromkeys(words):
            if len(word) >= 3 and word.isalpha() and word not in FILLER:
                seen.setdefault(word, []).append(value)
    return [
        (word, Concept("value", obj, attribute, owners[0], role=role))
        for word, owners in seen.items()
        if len(owners) == 1
    ]


def _records_signups(object_label: str, attribute_label: str) -> bool:
    """Whether a creation date tells when someone signed up (accounts, users, customers)."""
    return attribute_label in _CREATION_LABELS and object_label.split()[-1] in _SIGNING_UP


def _boolean_phrases(label: str) -> list[tuple[str, bool]]:
    """Words that say a yes/no column is true or false: "paid" / "unpaid", "not paid".

    >>> _boolean_phrases("is fragile")
    [('fragile', True), ('not fragile', False), ('non fragile', False), ('unfragile', False)]
    """
    words = label.split()
    if words and words[0] in {"is", "has", "was", "are"}:
        words = words[1:]
    if not words:
        return []
    word = " ".join(words)
    return [(word, True), (f"not {word}", False), (f"non {word}", False), (f"un{word}", False)]


_FUNCTION_WORDS = frozenset({"of", "for", "to", "in", "on", "at", "by", "with", "from", "and",
                             "or", "the", "a", "an", "is", "are", "was", "were", "be"})


def _coded_thing(label: str, object_labels: set[str]) -> str | None:
    """The thing a code column identifies when no table holds it ("school" of "school
    code"); None where a table holds them. Ids and numbers name rows, not categories
    ("room number" of classrooms is no room).

    >>> _coded_thing("school code", {"department"}), _coded_thing("dept code", {"dept"})
    ('school', None)
    >>> _coded_thing("participant type code", set()), _coded_thing("type code", set())
    ('participant type', None)
    """
    words = label.split()
    if len(words) < 2 or words[-1] != "code":
        return None
    thing = " ".join(words[:-1])
    if thing in object_labels or thing in _GENERIC_HEADS or words[-2] in _FUNCTION_WORDS:
        return None  # ("type code" codes no thing; "participant type code" codes types)
    return thing


def _keyed_things(obj: Object, ontology: Ontology) -> list[str]:
    """What a table's own key says each row is, where the table is called otherwise: a
    bank keyed by ``branch_id`` holds branches, a classroom keyed by ``room_number``
    rooms. Key columns that refer to other tables say nothing of the rows."""
    referring = {column for r in ontology.relationships if r.from_object == obj.name
                 for column in r.from_columns}
    own = {stem(word) for word in (*obj.label.split(), *obj.plural.split())}
    things: list[str] = []
    for key in obj.primary_key:
        attribute = obj.attribute(key)
        if attribute is None or key in referring:
            continue
        words = attribute.label.split()
        if len(words) != 2 or words[-1] not in _KEY_HEADS:
            continue
        thing = words[0]
        if len(thing) >= 3 and stem(thing) not in own and thing not in _FUNCTION_WORDS:
            things.append(thing)
    return things


_KEY_HEADS = frozenset({"id", "number", "no", "code", "key"})


def _head_noun(label: str) -> str | None:
    """The last word of a column label, which alone often names it ("destination country")."""
    words = label.split()
    if len(words) >= 2 and words[-1] not in _GENERIC_HEADS | UNIT_WORDS | _FUNCTION_WORDS:
        # "member of" has no head noun: a grammar word never names a table alone.
        return words[-1]
    return None


#: Head nouns of money columns that schemas name first (`amount_paid`, `price_sale`).
_HEADS_NAMED_FIRST = frozenset({"amount", "price", "cost", "value", "fee"})


def _object_head_noun(label: str) -> str | None:
    """The noun a table's rows are called by: in "X of Y" English puts the head first
    ("member of club" holds members, "member of" too), else the last word ("support
    ticket": tickets)."""
    words = label.split()
    if "of" in words[1:]:
        head = words[words.index("of", 1) - 1]
        return None if head in _GENERIC_HEADS | UNIT_WORDS | _FUNCTION_WORDS else head
    return _head_noun(label)


_TIME_SUFFIXES = ("date", "at", "on", "time", "day", "timestamp", "datetime")


def _event_phrases(label: str) -> list[str]:
    """The event a date column records: "signup date" -> "signup", "signups", "sign up".

    >>> _event_phrases("signup date")
    ['signup', 'signups', 'sign up']
    """
    words = label.split()
    if len(words) < 2 or words[-1] not in _TIME_SUFFIXES:
        return []
    event = " ".join(words[:-1])
    phrases = [event, plural(event)]
    last = words[-2]
    for particle in ("up", "in", "out", "off"):
        if last.endswith(particle) and len(last) > len(particle) + 2:
            phrases.append(" ".join([*words[:-2], last[: -len(particle)], particle]))
    return phrases


#: Nouns that ask how big one thing is in money: "deal size", "contract value".
SIZE_WORDS = ("size", "value", "worth")
#: Words of money columns that record what is paid out, not what a thing is worth.
_OUTGOING = ("spend", "cost", "expense", "paid", "payment", "fee", "refund", "tax")


def _add_sizes(lexicon: Lexicon, ontology: Ontology) -> None:
    """ "deal size", "invoice value": the money column of the thing named, when it has
    exactly one that says what it is worth (an amount, a total; not a cost) and the
    phrase names nothing else."""
    for obj in ontology.objects:
        if obj.hidden:
            continue
        columns = {
            metric.expression.replace(" ", "")[4:-1].strip('"`')
            for metric in ontology.metrics
            if metric.object == obj.name
            and metric.format == "currency"
            and metric.expression.replace(" ", "").upper().startswith("SUM(")
        }
        attributes = [
            a
            for a in obj.attributes
            if a.name in columns
            and a.role == "measure"
            and not a.hidden
            and not any(word in a.name.lower() for word in _OUTGOING)
        ]
        if len(attributes) != 1:
            continue
        concept = Concept("attribute", obj.name, attributes[0].name, role="measure")
        for name in (obj.label, obj.plural):
            for word in SIZE_WORDS:
                phrase = f"{name} {word}"
                if not lexicon.lookup(tuple(t.stem for t in tokenize(phrase))):
                    lexicon.add(phrase, concept, fuzzy=False)


def build_lexicon(ontology: Ontology) -> Lexicon:
    lexicon = Lexicon()
    weak: list[tuple[str, Concept]] = []
    tokens: list[tuple[str, Concept]] = []
    object_labels = {label for o in ontology.objects
                     for label in (o.label, o.plural, *o.synonyms)}
    for obj in ontology.objects:
        if obj.hidden:
            continue
        concept = Concept("object", obj.name, obj.name)
        lexicon.object_words[obj.name] = {
            t.stem
            for phrase in (obj.label, obj.plural, obj.name.replace("_", " "))
            for t in tokenize(phrase)
        }
        for phrase in (obj.label, obj.plural, obj.name, *obj.synonyms):
            own = phrase in (obj.label, obj.plural, obj.name)
            for variant in _variants(phrase.replace("_", " ")):
                lexicon.add(variant, concept, named=own)
        object_head = _object_head_noun(obj.label)
        if object_head:
            # "tickets" for support tickets, where no other object is called that.
            weak.append((object_head, concept))
        for keyed in _keyed_things(obj, ontology):
            # "bank branches" of a bank table keyed by branch_id: each row is a branch.
            weak.append((keyed, concept))
        verbs = EVENT_VERBS.get(singular(obj.label.split()[-1]), ())
        if GRAMMAR.intersection(verbs):
            verbs = ()  # "registered" shapes nothing ("the registered users")
        dated = {stem(w) for a in obj.attributes if a.role == "time" for w in a.label.split()}
        if not dated & {stem(v) for v in verbs}:
            # "the cars we sold": the sales table records the selling (unless a date of
            # its own already says the event: "shipped" of shipped_at).
            weak.extend((verb, concept) for verb in verbs)
            lexicon.object_words[obj.name] |= {stem(verb) for verb in verbs}
        for attribute in obj.attributes:
            if attribute.hidden:
                continue
            attr = Concept("attribute", obj.name, attribute.name, role=attribute.role)
            names = {attribute.label, attribute.name.replace("_", " "), *attribute.synonyms}
            lexicon.attribute_words[attr.field] = {
                t.stem for phrase in names for t in tokenize(phrase)
            }
            plain = _without_unit(attribute.label)
            if plain:
                names |= {plain, *synonyms_for(plain)}
            head = _head_noun(plain or attribute.label)
            if head and attribute.role in {"dimension", "measure"}:
                weak.append((head, attr))
            coded = _coded_thing(attribute.label, object_labels)
            if coded:
                # "each school" of a school_code column, where no table holds schools.
                weak.append((coded, attr))
            counted = counted_noun(attribute.label)
            if counted and (attribute.role == "measure" or _numbers_only(attribute.values)):
                # "bedrooms" of a bedroom count: "the average number of bedrooms".
                weak.append((counted, attr))
            # "customer country" names customers.country even if only "country" is a label,
            # and so does "client country".
            names |= {f"{name} {attribute.label}" for name in (obj.label, *obj.synonyms[:6])}
            head, _, rest = attribute.label.partition(" ")
            if rest and head in obj.label.split() and attribute.role != "identifier":
                # "leave type" of leave records is their "type".
                names.add(rest)
            if rest and head in _HEADS_NAMED_FIRST and " " not in rest:
                # `amount_claimed` is "the claimed amount": English says the modifier
                # before the head noun a schema names first.
                names.add(f"{rest} {head}")
            own_names = {attribute.label, attribute.name.replace("_", " "), plain}
            if attribute.role == "measure":
                # "units produced" for a column of "units made".
                names |= {v for name in list(names) for v in participle_variants(name)}
            for phrase in names:
                for variant in _variants(phrase):
                    lexicon.add(
                        variant,
                        attr,
                        fuzzy=attribute.role != "identifier",
                        named=phrase in own_names,
                    )
            if attribute.role == "time" and _records_signups(obj.label, attribute.label):
                # An account or user "created" is one that signed up.
                for phrase in ("sign up", "signup", "signups", "registration", "join"):
                    lexicon.add(phrase, attr, fuzzy=False)
            if attribute.role == "time":
                # The column's own event ("hire" of a hire date), and signing up, which a
                # creation date of an account or user also records.
                signups = [s for s in attribute.synonyms if s.startswith(("sign up", "signup"))]
                events = [p for label in (attribute.label, *signups) for p in _event_phrases(label)]
                for phrase in events:
                    claimed = lexicon.lookup(tuple(t.stem for t in tokenize(phrase)))
                    # Another date may share the event ("signed up"); a name may not.
                    if all(c.kind == "attribute" and c.role == "time" for c in claimed):
                        lexicon.add(phrase, attr, fuzzy=False)
            if attribute.type == "boolean":
                for phrase, truth in _boolean_phrases(plain or attribute.label):
                    flag = Concept("value", obj.name, attribute.name, truth, role=attribute.role)
                    lexicon.add(phrase, flag, fuzzy=False)
            for value in attribute.values:
                val = Concept("value", obj.name, attribute.name, value, role=attribute.role)
                lexicon.add(value, val, named=True)
                for word in _sex_words(attribute, value):
                    lexicon.add(word, val, fuzzy=False)
                for alias in value_aliases(value):
                    if alias in {"us", "de"}:
                        lexicon.case_sensitive[alias.upper()] = tuple(
                            t.stem for t in tokenize(value)
                        )
                    lexicon.add(alias, val, fuzzy=False, exact=True)
            tokens.extend(
                _distinctive_words(obj.name, attribute.name, attribute.role, attribute.values)
            )
    heads: dict[tuple[str, ...], int] = {}
    for phrase, concept in weak:
        if concept.kind == "object":
            key = tuple(t.stem for t in tokenize(phrase))
            heads[key] = heads.get(key, 0) + 1
    for phrase, concept in weak:
        # A bare head noun names a column only where nothing else claims the word; the
        # head of one object's own name ("transactions" of financial transactions) beats
        # another object's synonym, unless two objects' names end in it.
        stems = tuple(t.stem for t in tokenize(phrase))
        claimed = [c for c in lexicon.lookup(stems) if c.kind in {"object", "metric"} or (
            # "attendance" is the column called that, not the head of "member attendance".
            concept.kind == "object" and c.kind == "attribute" and (stems, c) in lexicon.named)]
        by_synonym_only = concept.kind == "object" and heads.get(stems, 0) == 1 and all(
            (stems, c) not in lexicon.named for c in claimed)
        if not claimed or by_synonym_only:
            for variant in _variants(phrase):
                # Part of the column's own label: as good a name as the label itself.
                lexicon.add(variant, concept, fuzzy=False, named=True)
                lexicon.heads.add((tuple(t.stem for t in tokenize(variant)), concept))
    for word, concept in tokens:
        # "won" for "Closed Won": last, where no name, synonym or value claims the word,
        # and as written or as its plural ("labradors"; "played" is no sign of the goal
        # type "Open play").
        if not lexicon.lookup((stem(word),), (word,)):
            for written in dict.fromkeys((word, plural(word))):
                lexicon.add(written, concept, fuzzy=False, exact=True)
    _add_sizes(lexicon, ontology)
    for metric in ontology.metrics:
        concept = Concept("metric", metric.object, metric.name)
        phrases = [metric.label, metric.name.replace("_", " "), *metric.synonyms]
        phrases += [v for p in list(phrases) for v in participle_variants(p)]
        # Money, weight and size units only: "man hours" is not a "man".
        phrases += [
            p
            for p in map(_without_unit, phrases)
            if p and not phrases[0].endswith(("hours", "minutes", "seconds"))
        ]
        for phrase in phrases:
            if (
                phrase.startswith(_COUNT_PREFIXES)
                and metric.expression.replace(" ", "").upper() == "COUNT(*)"
            ):
                # "how many orders" is read by the role readers (`roles/`) from its operator words.
                continue
            for variant in _variants(phrase):
                lexicon.add(variant, concept)
    return lexicon
