"""What a question must be before anything is stored or run."""

from __future__ import annotations

import unicodedata

from parley.errors import InvalidInput

_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def validate_question(question: object, *, max_chars: int) -> str:
    """The question, stripped; or InvalidInput saying exactly what is wrong with it.

    >>> validate_question("  top 5 products ", max_chars=100)
    'top 5 products'
    """
    if not isinstance(question, str):
        raise InvalidInput(f"the question must be text, not {type(question).__name__}")
    text = question.strip()
    if not text:
        raise InvalidInput("the question is empty")
    if len(text) > max_chars:
        raise InvalidInput(
            f"the question is {len(text):,} characters long; the limit is {max_chars:,}"
        )
    for position, char in enumerate(text):
        if char in _ALLOWED_CONTROLS:
            continue
        category = unicodedata.category(char)
        if category in {"Cc", "Cs", "Co", "Cn"}:
            raise InvalidInput(
                f"the question contains binary data: character U+{ord(char):04X} at "
                f"position {position} is not text"
            )
    return text
