"""Words from identifiers: split, singular and plural, humanize, light stemming.

Table and column names are how a schema speaks; labels and stems are how a question
speaks. These helpers turn the one into the other, in English, without a dictionary.

>>> split_identifier("orderItems")
['order', 'items']
>>> humanize("dept_name")
'department name'
>>> singular("categories"), plural("status")
('category', 'statuses')
>>> stem("shipped") == stem("shipping") == stem("ships")
True
"""

from __future__ import annotations

import re
import unicodedata

#: singular → plural for words the suffix rules get wrong.
_IRREGULAR: dict[str, str] = {
    "person": "people",
    "child": "children",
    "man": "men",
    "woman": "women",
    "salesman": "salesmen",
    "saleswoman": "saleswomen",
    "foot": "feet",
    "tooth": "teeth",
    "mouse": "mice",
    "goose": "geese",
    "analysis": "analyses",
    "basis": "bases",
    "crisis": "crises",
    "diagnosis": "diagnoses",
    "thesis": "theses",
    "criterion": "criteria",
    "phenomenon": "phenomena",
    "medium": "media",
    "index": "indices",
    "matrix": "matrices",
    "vertex": "vertices",
    "leaf": "leaves",
    "shelf": "shelves",
    "half": "halves",
    "life": "lives",
    "wife": "wives",
    "knife": "knives",
    "thief": "thieves",
    "wolf": "wolves",
    "calf": "calves",
    "loaf": "loaves",
    "quiz": "quizzes",
}
_IRREGULAR_SINGULAR = {plural_: singular_ for singular_, plural_ in _IRREGULAR.items()}

#: Words with no separate plural form (or used as such in schemas).
_UNCOUNTABLE = frozenset(
    {
        "data",
        "metadata",
        "information",
        "info",
        "equipment",
        "software",
        "hardware",
        "news",
        "series",
        "species",
        "staff",
        "personnel",
        "inventory",
        "feedback",
        "furniture",
        "money",
        "cash",
        "revenue",
        "stock",
        "headcount",
        "sheep",
        "fish",
        "deer",
        "aircraft",
        "analytics",
        "logistics",
        "economics",
        "mathematics",
        "physics",
        "ethics",
        "sms",
        "gps",
        "os",
    }
)

#: Singular words ending in "us" or "is" whose plural adds "es" (status → statuses).
_US_WORDS = frozenset(
    {
        "status",
        "bus",
        "virus",
        "campus",
        "bonus",
        "census",
        "focus",
        "syllabus",
        "consensus",
        "corpus",
        "prospectus",
        "apparatus",
        "surplus",
        "stimulus",
        "nexus",
        "plus",
        "radius",
        "genus",
        "chorus",
        "iris",
        "tennis",
        "lens",
        "alias",
        "atlas",
        "canvas",
        "gas",
        "bias",
    }
)

#: Abbreviations common in schemas, expanded in labels ("dept_name" → "department name").
#: Two-letter English words ("no", "in", "it") are never abbreviations here.
ABBREVIATIONS: dict[str, str] = {
    "emp": "employee",
    "hq": "headquarters",
    "po": "purchase order",
    "pos": "purchase orders",
    "empl": "employee",
    "dept": "department",
    "perf": "performance",
    "qty": "quantity",
    "amt": "amount",
    "cust": "customer",
    "prod": "product",
    "num": "number",
    "nbr": "number",
    "desc": "description",
    "addr": "address",
    "mgr": "manager",
    "acct": "account",
    "txn": "transaction",
    "trx": "transaction",
    "pct": "percent",
    "avg": "average",
    "org": "organization",
    "yr": "year",
    "wk": "week",
    "loc": "location",
    "tel": "telephone",
    "dob": "date of birth",
    "ts": "timestamp",
    "dt": "date",
    "cat": "category",
    "cnt": "count",
    "tot": "total",
    "ref": "reference",
    "reg": "region",
    "sup": "supplier",
    "whse": "warehouse",
    "wh": "warehouse",
    "fname": "first name",
    "lname": "last name",
    "mname": "middle name",
    "minit": "middle initial",
    "stu": "student",
    "crs": "course",
    "prof": "professor",
    "apt": "apartment",
    "bldg": "building",
    "lang": "language",
    "appt": "appointment",
    "appts": "appointments",
    "acc": "account",
    "bal": "balance",
    "pop": "population",
    "enr": "enrollment",
    "temp": "temperature",
    "dist": "distance",
    "ht": "height",
    "wt": "weight",
    "sal": "salary",
    "ctry": "country",
    "cnty": "county",
    "mgmt": "management",
    "univ": "university",
    "intl": "international",
    "firstname": "first name",
    "lastname": "last name",
    "middlename": "middle name",
    "fullname": "full name",
    "username": "user name",
    "birthdate": "birth date",
    "zipcode": "zip code",
}

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_LAST_WORD = re.compile(r"(?:[A-Z]?[a-z]+|[A-Z]+|\d+)$")
_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxz")
_SPACES = re.compile(r"\s+")


def _split_phrase(word: str) -> tuple[str, str]:
    """The phrase before its last word (with the separator), and the last word."""
    match = _LAST_WORD.search(word)
    if match is None:
        return word, ""
    return word[: match.start()], match.group()


def _match_case(original: str, replacement: str) -> str:
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _singular_word(word: str) -> str:
    lower = word.lower()
    if lower in _UNCOUNTABLE or lower in _US_WORDS or lower in _IRREGULAR:
        return lower
    if lower in _IRREGULAR_SINGULAR:
        return _IRREGULAR_SINGULAR[lower]
    if lower.endswith("uses") and lower[:-2] in _US_WORDS:
        return lower[:-2]
    if lower.endswith("ies") and len(lower) > 4:
        return lower[:-3] + "y"
    if lower.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return lower[:-2]
    if lower.endswith(("ss", "us", "is")) or len(lower) <= 2:
        return lower
    if lower.endswith("s"):
        return lower[:-1]
    return lower


def _plural_word(word: str) -> str:
    lower = word.lower()
    if lower in _UNCOUNTABLE or lower in _IRREGULAR_SINGULAR:
        return lower
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    if lower.endswith("is") and lower not in _US_WORDS:
        return lower[:-2] + "es"
    if lower.endswith("y") and len(lower) > 1 and lower[-2] in _CONSONANTS:
        return lower[:-1] + "ies"
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return lower + "es"
    return lower + "s"


def singular(word: str) -> str:
    """The singular of an English noun, or of the last word of a phrase or identifier.

    >>> singular("order_items"), singular("people"), singular("statuses")
    ('order_item', 'person', 'status')
    """
    head, last = _split_phrase(word)
    if not last:
        return word
    return head + _match_case(last, _singular_word(last))


def plural(word: str) -> str:
    """The plural of an English noun, or of the last word of a phrase or identifier.

    >>> plural("company"), plural("address"), plural("sales rep")
    ('companies', 'addresses', 'sales reps')
    """
    head, last = _split_phrase(word)
    if not last:
        return word
    return head + _match_case(last, _plural_word(last))


def split_identifier(name: str) -> list[str]:
    """The lower-case words of a snake_case, camelCase or PascalCase identifier.

    >>> split_identifier("HTTPStatus"), split_identifier("address2_line")
    (['http', 'status'], ['address', '2', 'line'])
    """
    return [word.lower() for word in _WORD.findall(strip_accents(name))]


def expand_abbreviations(words: list[str]) -> list[str]:
    """Words with schema abbreviations spelled out (``["dept", "id"]`` → department id)."""
    expanded: list[str] = []
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if following == "name" and word in _NAME_INITIALS:
            # "LName" splits as "l name": the last name, as "lname" is.
            expanded.append(_NAME_INITIALS[word])
            continue
        if word == "no" and index == len(words) - 1 and index > 0:
            # "train_no", "room_no": a number; "no" alone or first stays the word.
            expanded.append("number")
            continue
        if word not in ABBREVIATIONS and len(word) == 5 and word.endswith("name"):
            # "bname", "sname": a name column, its table's initial glued before it.
            expanded.extend([word[0], "name"])
            continue
        expanded.extend(ABBREVIATIONS.get(word, word).split())
    return expanded


_NAME_INITIALS = {"f": "first", "l": "last", "m": "middle"}


def names_a_year(name: str) -> bool:
    """Whether a column's name says it holds a year.

    >>> names_a_year("Year_Join"), names_a_year("built_yr"), names_a_year("yearly_fee_id")
    (True, True, False)
    """
    return "year" in expand_abbreviations(split_identifier(name))


def humanize(name: str, *, expand: bool = True) -> str:
    """A label from an identifier: its words, lower case, abbreviations spelled out.

    >>> humanize("order_date"), humanize("jobTitle"), humanize("qty", expand=False)
    ('order date', 'job title', 'qty')
    """
    words = split_identifier(name)
    return " ".join(expand_abbreviations(words) if expand else words)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalize_text(text: str) -> str:
    """Lower case, without accents, single spaces: the form text is compared in.

    >>> normalize_text("  Café   Society ")
    'cafe society'
    """
    return _SPACES.sub(" ", strip_accents(text).lower()).strip()


def _undouble(word: str) -> str:
    # "shipp" → "ship", "plann" → "plan"; "sell", "add", "miss" keep their pair.
    if len(word) > 3 and word[-1] == word[-2] and word[-1] in _CONSONANTS and word[-1] not in "lsz":
        return word[:-1]
    return word


def stem(word: str) -> str:
    """A light stem for matching words of a question to names: inflections only.

    Plural, past and gerund forms meet (``shipped``, ``shipping``, ``ships`` → ``ship``);
    derivations stay apart (``shipment`` is not ``ship``), unlike aggressive stemmers.

    >>> stem("categories"), stem("ordered"), stem("created") == stem("create")
    ('category', 'order', True)
    """
    lower = normalize_text(word)
    if not lower.isalpha() or len(lower) <= 3:
        return lower
    base = _singular_word(lower)
    if base.endswith("ied") and len(base) > 4:
        base = base[:-3] + "y"
    elif base.endswith("ing") and len(base) > 5 and any(v in base[:-3] for v in "aeiouy"):
        base = _undouble(base[:-3])
    elif base.endswith("ed") and not base.endswith("eed") and len(base) > 4:
        base = _undouble(base[:-2])
    if base.endswith("e") and len(base) > 3 and not base.endswith(("ee", "ie", "ye")):
        base = base[:-1]
    return base
