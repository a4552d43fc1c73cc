"""Tokens of a question: normalised words with their positions in the original text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from parley.naming import stem, strip_accents

# Abbreviations whose dots would otherwise split them into letters.
_DOTTED = {"u.s.a.": "usa", "u.s.a": "usa", "u.s.": "us", "u.s": "us", "u.k.": "uk", "u.k": "uk"}
_DOTTED_RE = re.compile("|".join(re.escape(k) for k in sorted(_DOTTED, key=len, reverse=True)),
                        re.IGNORECASE)
_BREAKS = re.compile(r"[()\[\],;:!?]")
_TOKEN_RE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}"  # ISO dates
    r"|\d{1,2}/\d{1,2}/\d{2,4}"  # US dates
    r"|\$?\d+(?:,\d+)*(?:\.\d+)?[km%]?"  # numbers, money, 10k, 25% (not a comma after)
    r"|[a-z0-9]+(?:['’][a-z]+)?"  # words, with a possessive or contraction
    r"|[<>]=?|!=|=|%"  # comparison symbols, a lone percent sign
)


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    #: Lowercase, accents removed, possessive stripped.
    norm: str
    #: Light stem of ``norm``, for matching inflected words.
    stem: str
    index: int
    #: As written, case kept ("AS"): a code in capitals is not the word "as".
    written: str = ""
    #: Punctuation stands between this token and the one before ("students (sex ..."):
    #: a phrase does not run across it.
    after_break: bool = False


def fold(text: str) -> str:
    """Lowercase and strip accents: "Café" -> "cafe"."""
    return strip_accents(text).lower()


def tokenize(question: str) -> list[Token]:
    """Split a question into tokens.

    >>> [t.norm for t in tokenize("Top 10 U.S. customers' revenue in Q3-2025!")]
    ['top', '10', 'us', 'customers', 'revenue', 'in', 'q3', '2025']
    >>> [t.norm for t in tokenize("from 2024 to 2025, over $1,500")]
    ['from', '2024', 'to', '2025', 'over', '$1,500']
    """
    cased = _DOTTED_RE.sub(lambda m: _DOTTED[m.group(0).lower()].upper(), strip_accents(question))
    text = cased.lower()
    if len(text) != len(cased):  # a letter whose lower case is longer: no case to keep
        cased = text
    tokens: list[Token] = []
    previous_end = 0
    for match in _TOKEN_RE.finditer(text):
        raw = match.group(0)
        norm = re.sub(r"['’]s$|['’]$", "", raw).replace("’", "'")
        between = text[previous_end : match.start()]
        tokens.append(Token(text=raw, norm=norm, stem=stem(norm), index=len(tokens),
                            written=cased[match.start() : match.end()],
                            after_break=bool(tokens) and _BREAKS.search(between) is not None))
        previous_end = match.end()
    return tokens


def in_capitals(token: Token, question: str) -> bool:
    """Whether a word is written in capitals in a question that is not: "US", "IT" are
    codes there, not the words "us" and "it".

    >>> [in_capitals(t, "Stores in the US near us") for t in tokenize("Stores in the US near us")]
    [False, False, False, True, False, False]
    """
    return len(token.written) > 1 and token.written.isupper() and not question.isupper()


def parse_number(word: str) -> float | None:
    """The value of a number token, or None.

    >>> parse_number("$1,500"), parse_number("10k"), parse_number("2.5m"), parse_number("x")
    (1500.0, 10000.0, 2500000.0, None)
    >>> parse_number("two")
    2.0
    """
    cleaned = word.replace("$", "").replace(",", "").rstrip("%")
    factor = 1.0
    if cleaned.endswith("k"):
        factor, cleaned = 1_000.0, cleaned[:-1]
    elif cleaned.endswith("m"):
        factor, cleaned = 1_000_000.0, cleaned[:-1]
    try:
        return float(cleaned) * factor
    except ValueError:
        spelled = NUMBER_WORDS.get(word)
        return None if spelled is None else float(spelled)


NUMBER_WORDS: dict[str, float] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "fifty": 50, "hundred": 100, "a dozen": 12, "dozen": 12,
}  # fmt: skip
