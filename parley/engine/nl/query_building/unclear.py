"""Why a reading cannot become a query (the caller asks the user instead)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Unclear:
    """A reading the builder will not turn into a query: the clarification to give."""

    problem: str
