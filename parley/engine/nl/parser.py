"""The built-in question parser: question + conversation context -> Understanding.

Deterministic and offline. It answers a data question only when every meaningful word
is explained; otherwise it asks (two equally good readings) or says what it could not
understand. See DESIGN.md, "How the built-in engine understands a question", and
docs/engine.md for the steps: the router (``router.py``) sends each question down its
path; this module is the entry point and remembers the answers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from parley.engine.nl.lexicon import Lexicon, build_lexicon
from parley.engine.nl.readings import Reader
from parley.engine.nl.router import Router
from parley.engine.nl.understanding import Context, Understanding
from parley.engine.semantic.ontology import Ontology

_CACHE_SIZE = 2048


class Parser:
    """Understands questions about one ontology."""

    def __init__(self, ontology: Ontology) -> None:
        self.ontology = ontology
        self.lexicon: Lexicon = build_lexicon(ontology)
        self.reader = Reader(ontology, self.lexicon)
        self._router = Router(ontology, self.lexicon, self.reader)
        self._cache: dict[tuple[str, str, bool, dt.date], Understanding] = {}

    def understand(
        self, question: str, *, context: Context | None = None, today: dt.date | None = None
    ) -> Understanding:
        """What ``question`` asks, given the conversation so far.

        Understanding is a pure function of its inputs, so answers are remembered
        (a bounded cache): dashboards and retries ask the same questions again.
        """
        context = context or Context()
        today = today or dt.date.today()
        previous = context.previous.model_dump_json() if context.previous else ""
        key = (question, previous, context.has_result, today)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._router.route(question, context, today)
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = cached
        if cached.query is None:
            return dataclasses.replace(cached)
        return dataclasses.replace(cached, query=cached.query.model_copy(deep=True))

    def forget(self) -> None:
        """Drop remembered understandings (benchmarks measure the cold path)."""
        self._cache.clear()
