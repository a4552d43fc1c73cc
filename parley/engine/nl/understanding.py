"""What the parser is told (the conversation so far) and what it answers (an Understanding).

Every step of the parser (the router, the follow-up merge, the checks) speaks these two
types, so they live apart from the ``Parser`` that ties the steps together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parley.engine.events import Intent, Option
from parley.engine.semantic.query import SemanticQuery


@dataclass(slots=True)
class Context:
    """What the conversation so far tells the parser."""

    previous: SemanticQuery | None = None
    #: True when the previous turn produced a result a chart can be drawn from.
    has_result: bool = False


@dataclass(slots=True)
class Understanding:
    intent: Intent
    query: SemanticQuery | None = None
    chart_type: str | None = None
    #: Why this reading: the evidence used and the assumptions made.
    reason: str = ""
    #: For clarifications: the options to choose from. Otherwise suggestions.
    options: list[str] = field(default_factory=list)
    #: For clarifications: each option as the question that asks for exactly it.
    choices: list[Option] = field(default_factory=list)
    #: What could not be understood, for an honest reply.
    problem: str = ""
    notes: list[str] = field(default_factory=list)
