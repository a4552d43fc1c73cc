"""Operator words: the small closed vocabulary that shapes a query.

Everything else a question says must name something of the ontology, a value in the
data, a number or a time; words that do neither are reported as not understood.
"""

from __future__ import annotations

from parley.engine.semantic.query import Aggregation

TOP = frozenset(
    {"top", "best", "highest", "largest", "biggest", "most", "leading", "greatest", "max"}
)
BOTTOM = frozenset({"bottom", "worst", "lowest", "smallest", "least", "fewest", "weakest", "min"})
GROUP = frozenset({"by", "per", "each", "every", "across"})
GROUP_PHRASES = (
    ("for", "each"),
    ("for", "every"),
    ("split", "by"),
    ("broken", "down", "by"),
    ("break", "down", "by"),
    ("breakdown", "by"),
    ("grouped", "by"),
    ("group", "by"),
    ("in", "each"),
    ("by", "each"),
)
COUNT_PHRASES = (
    ("how", "many"),
    ("number", "of"),
    ("count", "of"),
    ("count",),
    ("total", "number", "of"),
    ("amount", "of"),
    ("#",),
)
DISTINCT = frozenset({"distinct", "unique", "different", "individual"})
AGGREGATION_WORDS: dict[str, Aggregation] = {
    "average": "avg", "avg": "avg", "mean": "avg", "typical": "avg",
    "total": "sum", "sum": "sum", "overall": "sum", "combined": "sum",
    "minimum": "min", "min": "min", "lowest": "min", "smallest": "min", "cheapest": "min",
    "maximum": "max", "max": "max", "highest": "max", "largest": "max", "biggest": "max",
    "longest": "max", "shortest": "min", "heaviest": "max", "lightest": "min",
}  # fmt: skip
#: Words that point back at an earlier answer.
PRONOUNS = frozenset({"them", "those", "these", "it"})
#: Calendar units as words, for "the month before".
UNIT_NAMES = frozenset({"day", "week", "month", "quarter", "year"})
#: Words after or before a unit that make it relative to another period: "the month
#: before", "the previous month".
RELATIVE_AFTER = frozenset({"before", "prior", "earlier"})
RELATIVE_BEFORE = frozenset({"previous", "prior", "preceding"})
#: Adjectives that rank rows by a kind of column: the word the column's name holds, and
#: whether the largest comes first ("heaviest" shipments: by weight, heaviest first).
ADJECTIVE_RANKS: dict[str, tuple[str, bool]] = {
    "heaviest": ("weight", True), "lightest": ("weight", False),
    "longest": ("length", True), "shortest": ("length", False),
    "tallest": ("height", True), "widest": ("width", True),
    "best-paid": ("salary", True), "richest": ("salary", True),
}  # fmt: skip
#: Superlatives that rank rows when they qualify a column of a named object.
SUPERLATIVES = frozenset(
    {
        "highest",
        "lowest",
        "largest",
        "smallest",
        "biggest",
        "greatest",
        "maximum",
        "minimum",
        "max",
        "min",
        "most",
        "least",
    }
)
#: Superlatives of time columns: "earliest order date", "most recent signup".
TIME_EXTREMES: dict[str, Aggregation] = {
    "earliest": "min", "first": "min", "oldest": "min", "latest": "max", "last": "max",
    "newest": "max", "recent": "max",
}  # fmt: skip
#: Words that rank by a price column: True for most expensive first.
PRICE_WORDS = {
    "expensive": True,
    "priciest": True,
    "pricey": True,
    "cheapest": False,
    "cheap": False,
    "cheaper": False,
    "inexpensive": False,
}
#: Verbs that speak of the main money metric: "how much did we sell", "spent the most".
MONEY_VERBS = frozenset(
    {
        "spend",
        "spent",
        "spends",
        "spending",
        "sold",
        "sell",
        "sells",
        "earn",
        "earned",
        "earns",
        "generate",
        "generated",
        "generates",
        "generating",
        "bring",
        "brought",
        "brings",
        "paid",
        "pay",
        "pays",
        "bought",
        "buy",
        "buys",
        "purchased",
        "purchase",
        "made",
        "make",
        "makes",
        "billed",
        "invoiced",
    }
)
SHARE = frozenset({"share", "percentage", "percent", "proportion", "contribution", "%"})
GROWTH = frozenset(
    {
        "growth",
        "grew",
        "grow",
        "growing",
        "increase",
        "increased",
        "change",
        "changed",
        "delta",
        "decline",
        "declined",
        "decrease",
        "decreased",
        "yoy",
    }
)
COMPARE = frozenset({"vs", "versus", "compare", "compared", "comparison", "against", "comparing"})
NEGATE = frozenset(
    {
        "not",
        "excluding",
        "exclude",
        "except",
        "without",
        "non",
        "ignore",
        "ignoring",
        "excl",
        "minus",
        "remove",
        "drop",
        "omit",
        "omitting",
    }
)
LIST = frozenset(
    {
        "show",
        "list",
        "display",
        "give",
        "find",
        "get",
        "see",
        "view",
        "fetch",
        "pull",
        "which",
        "who",
        "what",
        "whose",
    }
)
RECENT = frozenset({"latest", "recent", "newest", "last", "youngest"})
OLDEST = frozenset({"oldest", "earliest", "first"})
INSTEAD = frozenset({"instead", "rather"})
ADD = frozenset({"also", "too", "additionally", "plus", "and", "as", "well"})
FOLLOW_UP_LEADS = (
    ("now",),
    ("only",),
    ("just",),
    ("and",),
    ("also",),
    ("but",),
    ("same",),
    ("instead",),
    ("then",),
    ("exclude",),
    ("excluding",),
    ("without",),
    ("remove",),
    ("drop",),
    ("limit",),
    ("restrict",),
    ("filter",),
    ("keep",),
    ("break",),
    ("split",),
    ("add",),
    ("change",),
    ("make",),
    ("switch",),
    ("what", "about"),
    ("how", "about"),
    ("what", "if"),
    ("ok",),
    ("okay",),
    ("for",),
    ("in",),
    ("with",),
    ("excl",),
    ("group",),
    ("sort",),
    ("order",),
    ("show", "only"),
    ("show", "just"),
    ("same", "for"),
    ("again",),
    ("use",),
)
GREATER = {
    ("more", "than"): "gt", ("greater", "than"): "gt", ("higher", "than"): "gt",
    ("larger", "than"): "gt", ("bigger", "than"): "gt", ("over",): "gt", ("above",): "gt",
    ("exceeding",): "gt", ("exceeds",): "gt", ("exceed",): "gt", (">",): "gt",
    ("at", "least"): "gte", (">=",): "gte", ("or", "more"): "gte",
    ("less", "than"): "lt", ("fewer", "than"): "lt", ("lower", "than"): "lt",
    ("smaller", "than"): "lt", ("under",): "lt", ("below",): "lt", ("<",): "lt",
    ("at", "most"): "lte", ("<=",): "lte", ("no", "more", "than"): "lte",
    ("equal", "to"): "eq", ("equals",): "eq", ("exactly",): "eq", ("=",): "eq",
}  # fmt: skip

#: Words that carry no meaning of their own in an analytics question.
FILLER = frozenset({
    "sent", "whats", "send", "sends", "sending", "operate", "operates", "use", "used", "uses",
    "using",
    "still", "going", "goes", "handled", "handle", "handles", "through", "via", "info", "kept",
    "we've", "weve", "i've", "they", "their", "them", "those", "these", "ones", "have",
    "received", "receive", "shipped", "placed", "done", "available", "existing", "overall",
    "a", "an", "the", "of", "in", "on", "at", "for", "to", "from", "with", "and", "or", "is",
    "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "there", "we",
    "our", "us", "my", "me", "i", "you", "your",
    "please", "can", "could", "would", "will", "should", "shall", "may", "might", "do", "does",
    "did", "doing", "show", "tell", "give", "list", "display", "find", "get", "see",
    "view", "let", "fetch", "pull", "what", "which", "who", "whom", "whose", "how", "when",
    "where", "why", "much", "many", "all", "any", "some", "each", "every", "per", "by", "as",
    "into", "about", "across", "over", "under", "between", "during", "within", "out", "up",
    "down", "than", "then", "so", "just", "only", "also", "too", "now", "same", "again",
    "more", "most", "less", "least", "very", "really", "kind", "sort", "type", "whole",
    "entire", "full", "data", "number", "numbers", "value", "values", "figure",
    "figures", "amount", "information", "details", "detail", "report", "breakdown",
    "split", "broken", "grouped", "group", "result", "results", "table", "chart", "graph",
    "look", "looking", "want", "wanted", "need", "needed", "like", "has", "had",
    "having", "made", "make", "makes", "making", "generated", "generate", "generating",
    "bring", "brought", "earn", "earned", "earning", "earnings", "sold", "sell", "sells",
    "selling", "buy", "buys", "bought", "buying", "purchase", "purchased", "purchasing",
    "place", "placing", "spend", "spent", "spending", "come", "comes", "came", "go",
    "went", "happen", "happened", "cent", "record", "records", "recorded", "entry", "entries",
    "row", "rows", "item-wise", "total", "sum", "count", "counts", "counted", "quantity",
    "period", "time", "times", "date", "dates", "today", "thanks", "thank", "hey",
    "hi", "ok", "okay", "well", "right", "far", "yet", "ever", "altogether", "combined", "got",
    "gets", "single", "popular", "performing", "individual", "new", "work", "works", "worked",
    "working", "based", "located", "take", "takes", "took", "taken", "logged", "log", "logs",
    "put", "puts", "filter", "filtered", "restrict", "restricted", "narrow", "keep", "belong",
    "belongs", "belonging", "employed", "hold", "holds", "occur", "occurred", "registered",
    "currently", "top", "bottom", "best", "worst", "highest", "lowest", "largest", "smallest",
    "biggest", "greatest", "leading", "average", "mean", "typical", "min", "max", "minimum",
    "maximum", "without", "except", "excluding", "exclude", "instead",
    "rather", "versus", "vs", "compared", "compare", "comparison", "against", "additionally",
    "plus", "both", "either", "neither", "other", "others", "another", "one", "s",
    "his", "her", "him", "she", "he", "terms", "carry", "carries", "carried",
})  # fmt: skip


#: Every operator word: words the role readers read even when they name nothing.
KNOWN = (
    FILLER
    | TOP
    | BOTTOM
    | GROUP
    | DISTINCT
    | SHARE
    | GROWTH
    | COMPARE
    | NEGATE
    | LIST
    | RECENT
    | OLDEST
    | INSTEAD
    | frozenset(AGGREGATION_WORDS)
    | frozenset(TIME_EXTREMES)
    | frozenset(PRICE_WORDS)
    | frozenset(ADJECTIVE_RANKS)
    | MONEY_VERBS
    | frozenset(w for phrase in GREATER for w in phrase)
    | frozenset(w for phrase in COUNT_PHRASES + GROUP_PHRASES for w in phrase)
)


#: Things whose rows are sums of money: "total payments", "the dealership's sales" are
#: their amounts, not how many of them.
MONEY_NOUNS = frozenset({"sale", "payment", "invoice", "charge", "fee", "refund", "deposit",
                         "withdrawal", "donation", "expense"})

#: How columns of people's names end: "Linda Smith" is a first and a last name.
FIRST_NAMES = ("first name", "given name", "forename")
LAST_NAMES = ("last name", "surname", "family name")

#: Words after which an event's word says it happened ("salespersons who have left").
HAPPENED_AFTER = frozenset({"have", "has", "had", "who", "that", "which", "already"})
