"""Income or cost: which money a question speaks of when it names no metric.

"which customers spent the most" is our income (what customers spend with us); "how much
did we spend" and "campaigns that spent most" are our costs. The metric a question
implies, and the money column a condition applies to, follow from it.
"""

from __future__ import annotations

from parley.engine.nl.roles.reading import Reading
from parley.naming import singular

_SPENDING = frozenset({"spend", "spent", "spends", "spending", "cost", "costs"})


_COST_WORDS = ("spend", "cost", "expense", "paid", "payment", "fee")


_BUYERS = frozenset(
    {
        "customer",
        "client",
        "account",
        "buyer",
        "shopper",
        "purchaser",
        "user",
        "member",
        "subscriber",
        "company",
        "patient",
        "guest",
        "donor",
    }
)


def money_kind(reading: Reading) -> str:
    """ "how much did we spend", "campaigns that spent most": costs; "which customers spent
    the most": what customers spend is our income."""
    words = {t.norm for t in reading.tokens}
    if not words & _SPENDING:
        return "income"
    if words & {"we", "our", "us", "i"}:
        return "cost"
    spenders = [
        c.object
        for c in [
            *reading.group_objects,
            *reading.mentioned,
            *([reading.list_object] if reading.list_object else []),
        ]
    ]
    buyers = [o for o in spenders if singular(o.split("_")[-1]) in _BUYERS]
    return "income" if buyers or not spenders else "cost"


def fits_money(name: str, kind: str) -> bool:
    """Whether a money column's or metric's name fits ``kind``, income or cost.

    >>> fits_money("shipping_cost", "cost"), fits_money("shipping_cost", "income")
    (True, False)
    """
    is_cost = any(word in name.lower() for word in _COST_WORDS)
    return is_cost if kind == "cost" else not is_cost
