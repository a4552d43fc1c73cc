"""Shared heads of coordinated words: "first and last name" is "first name and last name",
and a "full name" is the first name and the last name where the rows keep them apart.

English leaves the head noun off all but the last of coordinated modifiers. A column
named by each modifier with the head ("first name", "last name") is what such a phrase
asks for; read literally, the first modifier would be left alone and its column dropped.
"""

from __future__ import annotations

import re

from parley.engine.nl.lexicon import Lexicon
from parley.engine.nl.text import tokenize

_COORDINATED = re.compile(
    r"\b(?P<first>[A-Za-z]+)\s*(?:,\s*(?:and\s+)?|\s+and\s+)(?P<second>[A-Za-z]+)\s+(?P<head>[A-Za-z]+)\b"
)


def _names_column(lexicon: Lexicon, phrase: str, *, own: bool = False) -> bool:
    """Whether ``phrase`` names a column; with ``own``, by the column's own name, not only
    a synonym of it ("country name" is no full name)."""
    tokens = tokenize(phrase)
    stems = tuple(t.stem for t in tokens)
    concepts = lexicon.lookup(stems, tuple(t.norm for t in tokens))
    return any(c.kind == "attribute" and (not own or lexicon.names_wholly(stems, c))
               for c in concepts)


_FULL_NAME = re.compile(r"\bfull\s+(name|names)\b", re.IGNORECASE)


def _full_names(question: str, lexicon: Lexicon) -> str:
    """"full name" is the first and the last name, where the rows keep them apart."""
    def spell(match: re.Match[str]) -> str:
        head = match[1]
        before = question[:match.start()].split()[-1:]
        if _names_column(lexicon, f"full {head}", own=True) or (
            before and _names_column(lexicon, f"{before[0]} full {head}", own=True)
        ) or not (
            _names_column(lexicon, f"first {head}") and _names_column(lexicon, f"last {head}")
        ):
            return match.group(0)
        return f"first {head} and last {head}"

    return _FULL_NAME.sub(spell, question)


_OF_PHRASE = re.compile(r"\b(?P<head>[A-Za-z]+) of (?:the |a |an )?(?P<owner>[A-Za-z]+)\b")
_COUNTING = frozenset({"number", "numbers", "count", "total", "average", "sum", "all", "each",
                       "most", "any", "some", "one", "none", "list", "kind", "kinds", "type",
                       "types"})


#: Head nouns that name no column alone (grammar words to the readings).
_NAMES_NOTHING_ALONE = frozenset({"amount", "amounts"})


def _names_object(lexicon: Lexicon, phrase: str) -> bool:
    tokens = tokenize(phrase)
    concepts = lexicon.lookup(tuple(t.stem for t in tokens), tuple(t.norm for t in tokens))
    return any(c.kind == "object" for c in concepts)


def _of_phrases(question: str, lexicon: Lexicon) -> str:
    """"the code of the city" is the city code, where only "city code" names a column
    and "city" names no rows of its own."""
    def turn(match: re.Match[str]) -> str:
        head, owner = match["head"], match["owner"]
        if head.lower() in _COUNTING or owner.lower() in _COUNTING:
            return match.group(0)
        if (
            _names_column(lexicon, f"{owner} {head}")
            and not _names_object(lexicon, owner)
            and not _names_column(lexicon, owner)
        ):
            return f"{owner} {head}"
        if head.lower() in _NAMES_NOTHING_ALONE and _names_column(lexicon, f"{owner} {head}"):
            # "the total amount of payment" of `amount_payment`: "amount" alone names
            # nothing, so "of the payments" says whose amount, even where payments are
            # rows of their own.
            return f"{owner} {head}"
        return match.group(0)

    return _OF_PHRASE.sub(turn, question)


_SHARED_MODIFIER = re.compile(
    r"\b(?P<modifier>[A-Za-z]+)\s+(?P<head>[A-Za-z]+)(?P<joint>\s*,\s*(?:and\s+)?|\s+and\s+)"
    r"(?P<generic>ids?|names?|codes?|details|descriptions?|types?)\b"
)


def _shared_modifiers(question: str, lexicon: Lexicon) -> str:
    """"the account name, id and ..." is the account name and the account id, where
    "account" names rows and "account id" a column: a bare generic word after a column
    of an object is that object's too."""
    def share(match: re.Match[str]) -> str:
        modifier, head, generic = match["modifier"], match["head"], match["generic"]
        if (
            _names_object(lexicon, modifier)
            and _names_column(lexicon, f"{modifier} {head}")
            and _names_column(lexicon, f"{modifier} {generic}")
            and not _names_column(lexicon, f"{head} {generic}")
        ):
            return f"{modifier} {head}{match['joint']}{modifier} {generic}"
        return match.group(0)

    return _SHARED_MODIFIER.sub(share, question)


def expand_coordination(question: str, lexicon: Lexicon) -> str:
    """``question`` with each coordinated modifier given the head it shares, when both
    modifier-plus-head phrases name columns and the first modifier names none alone.

    Runs to a fixed point so that "first, middle and last name" expands fully.
    """
    question = _shared_modifiers(_of_phrases(_full_names(question, lexicon), lexicon), lexicon)
    for _ in range(4):
        changed = False
        position = 0
        while (match := _COORDINATED.search(question, position)) is not None:
            first, second, head = match["first"], match["second"], match["head"]
            if (
                _names_column(lexicon, f"{first} {head}")
                and _names_column(lexicon, f"{second} {head}")
                and not _names_column(lexicon, first)
            ):
                changed = True
                spelled = f"{first} {head} and {second} {head}"
                question = question[:match.start()] + spelled + question[match.end():]
                position = match.start() + len(spelled)
            else:
                # Try again from the next word: in "the customer id, first and last
                # name", "id, first and" is no coordination, "first and last name" is.
                position = match.start("second")
        if not changed:
            break
    return question
