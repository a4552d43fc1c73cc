"""The built-in business thesaurus: words that mean the same in analytics questions.

Two kinds of knowledge live here. Term groups say which words name the same concept
("client" is a customer, "turnover" is revenue); they feed the synonyms of objects,
attributes and metrics. Value aliases say which words name the same data value ("USA"
is "United States"); they let a question's words match values found in the data.

Groups are deliberately conservative: a synonym that is wrong in one schema makes a
wrong answer, which costs more than a missed match. So "sale" (one transaction) is not
"sales" (revenue), "state" (a province) is not "status", and no two-letter English word
("in", "it", "no", "us" in lower case) ever stands for a country.
"""

from __future__ import annotations

from functools import cache

from parley.naming import normalize_text, singular

#: Each group lists words and phrases for one concept; its first entry is the usual name.
TERM_GROUPS: tuple[tuple[str, ...], ...] = (
    # Money
    (
        "revenue",
        "sales",
        "total sales",
        "gross sales",
        "turnover",
        "income",
        "takings",
        "sales revenue",
        "sales volume",
        "gross revenue",
    ),
    ("profit", "gross profit", "margin", "gross margin"),
    ("cost", "expense", "spend", "spending", "expenditure", "outlay"),
    ("stock", "inventory", "stock level", "inventory level"),
    ("unit cost", "cost price", "purchase price", "cogs"),
    ("price", "unit price", "list price", "selling price", "sale price"),
    ("amount", "value", "total amount"),
    ("salary", "pay", "compensation", "wage", "wages", "earnings", "remuneration", "base pay"),
    ("budget", "allocation", "funding"),
    ("discount", "rebate", "markdown", "price reduction"),
    ("fee", "charge", "commission"),
    ("tax", "vat", "sales tax"),
    ("shipping cost", "freight", "delivery cost", "shipping fee", "postage"),
    # Volumes
    (
        "quantity",
        "units",
        "qty",
        "volume",
        "units sold",
        "amount sold",
        "number of units",
        "pieces",
    ),
    ("hours", "time spent", "hours worked", "effort", "man hours"),
    ("days", "number of days", "duration in days"),
    # People and parties
    ("customer", "client", "account", "company", "buyer", "purchaser", "shopper", "patron"),
    (
        "employee",
        "staff",
        "worker",
        "personnel",
        "people",
        "person",
        "staff member",
        "team member",
        "colleague",
    ),
    ("employee count", "headcount", "head count", "number of employees", "staff count"),
    (
        "sales rep",
        "rep",
        "sales representative",
        "representative",
        "salesperson",
        "salesman",
        "saleswoman",
        "account manager",
        "sales agent",
        "agent",
        "seller",
        "account executive",
    ),
    ("manager", "supervisor", "boss", "line manager", "reports to"),
    ("supplier", "vendor", "provider", "manufacturer"),
    ("user", "member"),
    ("gender", "sex"),
    ("age", "years old"),
    # Things and events
    ("product", "item", "article", "goods", "sku", "merchandise", "offering"),
    ("order", "purchase", "transaction", "sale"),
    ("order item", "order line", "line item", "order detail", "order position"),
    ("invoice", "bill", "billing"),
    ("payment", "remittance", "settlement"),
    ("shipment", "delivery", "consignment", "dispatch"),
    ("warehouse", "depot", "distribution center", "fulfillment center", "store room"),
    ("store", "shop", "outlet", "branch"),
    ("project", "initiative", "program", "engagement"),
    ("performance review", "review", "appraisal", "evaluation", "assessment"),
    ("leave", "absence", "time off", "leave record", "pto"),
    ("assignment", "project assignment", "staffing"),
    ("office", "site", "workplace"),
    ("department", "dept", "team", "division", "business unit"),
    ("job title", "title", "position", "job", "job role"),
    # Classifications
    ("category", "type", "kind", "class"),
    ("segment", "tier", "market segment"),
    ("industry", "sector", "vertical"),
    ("status", "stage", "condition"),
    ("channel", "sales channel", "distribution channel"),
    ("rating", "score", "grade", "stars"),
    # Places
    ("country", "nation"),
    ("region", "area", "territory", "zone", "geography", "geo"),
    ("state", "province", "county"),
    ("city", "town", "municipality"),
    ("elevation", "altitude"),
    ("address", "street address", "location address"),
    ("postal code", "zip code", "zip", "postcode"),
    # Time
    ("hire date", "joining date", "date hired", "employment date", "date joined"),
    (
        "signup date",
        "registration date",
        "join date",
        "customer since",
        "sign up date",
        "registered",
    ),
    ("order date", "purchase date", "date ordered", "transaction date"),
    ("termination date", "term date", "end of employment", "leaving date", "exit date"),
    ("birth date", "date of birth", "birthday", "dob"),
    ("created at", "creation date", "created date", "created", "created on", "date created"),
    # Contact
    ("email", "e-mail", "email address"),
    ("phone", "telephone", "phone number", "mobile"),
    ("name", "full name"),
)

#: Past participles that say the same of a quantity, inside longer names: "units made" are
#: the units produced or manufactured.
PARTICIPLE_GROUPS: tuple[tuple[str, ...], ...] = (("made", "produced", "manufactured", "built"),)

#: The verbs of the event a table of that name records: "the cars we sold" are the cars
#: of sales, "customers who paid" those of payments.
EVENT_VERBS: dict[str, tuple[str, ...]] = {
    "sale": ("sell", "sells", "sold", "selling", "buy", "buys", "bought", "buying"),
    "purchase": ("buy", "buys", "bought", "buying", "purchased"),
    "payment": ("pay", "pays", "paid", "paying"),
    "booking": ("book", "books", "booked"),
    "shipment": ("ship", "ships", "shipped"),
    "rental": ("rent", "rents", "rented"),
    "delivery": ("deliver", "delivers", "delivered"),
    "enrollment": ("enroll", "enrolls", "enrolled"),
    "registration": ("register", "registers", "registered"),
    "subscription": ("subscribe", "subscribes", "subscribed"),
    "transfer": ("transfer", "transfers", "transferred"),
    "refund": ("refunded",),
    "loan": ("lent", "borrowed"),
}

#: Words that may stand for a term in questions, though the term does not stand for them:
#: "start date" of an employee is the hire date, but a project's start date is no hire date.
NARROWER_TERMS: dict[str, tuple[str, ...]] = {
    "hire date": ("start date", "joined", "start"),
    "product line": ("category",),
    "termination date": ("end date", "left"),
    "order date": ("date",),
    "signup date": ("created", "created at"),
}

#: Terms naming things (tables, in most schemas): their synonyms can replace them inside
#: longer names ("customer name" → "client name"), unlike words such as "cost" in "cost center".
ENTITY_TERMS: frozenset[str] = frozenset(
    {
        "customer",
        "employee",
        "product",
        "order",
        "sales rep",
        "rep",
        "supplier",
        "invoice",
        "payment",
        "shipment",
        "warehouse",
        "store",
        "project",
        "department",
        "office",
        "manager",
        "user",
    }
)

#: Values as stored in data (first entry) and other ways of writing them. Aliases that
#: are English words in lower case appear in CASE_SENSITIVE_ALIASES.
VALUE_GROUPS: tuple[tuple[str, ...], ...] = (
    (
        "United States",
        "US",
        "USA",
        "U.S.",
        "U.S.A.",
        "America",
        "United States of America",
        "the States",
        "United States (US)",
    ),
    ("United Kingdom", "UK", "U.K.", "Britain", "Great Britain", "England", "GB"),
    ("United Arab Emirates", "UAE", "U.A.E.", "Emirates"),
    ("Netherlands", "NL", "Holland", "The Netherlands"),
    ("Germany", "DE", "Deutschland"),
    ("Spain", "España"),
    ("Mexico", "MX", "México"),
    ("Brazil", "Brasil"),
    ("Japan", "JP", "Nippon"),
    ("South Korea", "Korea", "Republic of Korea", "ROK"),
    ("China", "PRC", "People's Republic of China"),
    ("Russia", "Russian Federation"),
    ("Czech Republic", "Czechia"),
    ("New Zealand", "NZ"),
    ("South Africa", "RSA"),
    ("Saudi Arabia", "KSA"),
    ("Switzerland", "Swiss Confederation"),
    ("North America", "NAM", "NORAM"),
    ("Latin America", "LATAM", "LatAm"),
    ("Asia Pacific", "APAC", "Asia-Pacific", "AsiaPac"),
    ("Europe, Middle East and Africa", "EMEA"),
    ("Small Business", "SMB", "small businesses"),
    ("Mid-Market", "mid market", "midmarket", "mid-size", "midsize"),
    ("Human Resources", "HR"),
    ("Female", "women", "woman", "females", "female employees", "ladies"),
    ("Male", "men", "man", "males", "male employees", "gentlemen"),
)

#: Aliases that are ordinary English words in lower case ("us"): they refer to a value
#: only when written in capitals in a question.
CASE_SENSITIVE_ALIASES: frozenset[str] = frozenset({"us", "de"})


def _key(term: str) -> str:
    return normalize_text(term)


@cache
def _term_index() -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    exact: dict[str, list[int]] = {}
    by_singular: dict[str, list[int]] = {}
    for index, group in enumerate(TERM_GROUPS):
        for term in group:
            exact.setdefault(_key(term), []).append(index)
            by_singular.setdefault(singular(_key(term)), []).append(index)
    return exact, by_singular


@cache
def _value_index() -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for position, group in enumerate(VALUE_GROUPS):
        for value in group:
            index.setdefault(_key(value), []).append(position)
    return index


def synonyms_for(term: str) -> list[str]:
    """Other words for ``term`` (any case), most usual first; [] when none is known.

    A term written exactly as listed wins; otherwise its singular form is tried, so
    "clients" finds the customer group.

    >>> "client" in synonyms_for("Customer"), "sales" in synonyms_for("revenue")
    (True, True)
    >>> synonyms_for("no")
    []
    """
    key = _key(term)
    exact, by_singular = _term_index()
    groups = exact.get(key) or by_singular.get(singular(key), [])
    found: list[str] = list(NARROWER_TERMS.get(key, ()))
    for index in groups:
        for word in TERM_GROUPS[index]:
            if _key(word) != key and word not in found:
                found.append(word)
    return found


def participle_variants(phrase: str) -> list[str]:
    """The phrase with a participle replaced by each word that means the same.

    >>> participle_variants("units made")
    ['units produced', 'units manufactured', 'units built']
    >>> participle_variants("unit price")
    []
    """
    words = phrase.split()
    found: list[str] = []
    for position, word in enumerate(words):
        for group in PARTICIPLE_GROUPS:
            if word in group:
                found += [
                    " ".join([*words[:position], other, *words[position + 1 :]])
                    for other in group
                    if other != word
                ]
    return found


def is_entity_term(term: str) -> bool:
    """True when ``term`` names a thing whose synonyms can replace it inside longer names."""
    key = _key(term)
    return key in ENTITY_TERMS or singular(key) in ENTITY_TERMS


def value_aliases(value: str) -> list[str]:
    """Other ways of writing a data value, in lower case; [] when none is known.

    Works in both directions: the stored value gives its aliases, an alias gives the
    stored value first and then the other aliases.

    >>> value_aliases("United States")[:3]
    ['us', 'usa', 'u.s.']
    >>> value_aliases("USA")[0]
    'united states'
    """
    key = _key(value)
    found: list[str] = []
    for index in _value_index().get(key, []):
        for alias in VALUE_GROUPS[index]:
            alias_key = _key(alias)
            if alias_key != key and alias_key not in found:
                found.append(alias_key)
    return found


def is_case_sensitive_alias(alias: str) -> bool:
    """True when ``alias`` may only match a value when written in capitals ("US")."""
    return _key(alias) in CASE_SENSITIVE_ALIASES
