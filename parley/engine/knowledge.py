"""Knowledge rows: markdown a bot learns from, and retrieval of the row that answers."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from parley.engine.nl.text import tokenize
from parley.engine.nl.vocabulary import FILLER


@dataclass(frozen=True, slots=True)
class Passage:
    content: str
    score: float


def _terms(text: str) -> list[str]:
    return [t.stem for t in tokenize(text) if t.norm not in FILLER and len(t.norm) > 1]


def _sections(markdown: str) -> list[str]:
    """A row split at its headings, so an answer quotes the part that matters."""
    parts = re.split(r"(?m)^(?=#{1,6}\s)", markdown)
    return [p.strip() for p in parts if p.strip()]


def retrieve(question: str, rows: Sequence[str], *, min_score: float = 0.5) -> Passage | None:
    """The section of the knowledge rows that best answers ``question`` (BM25-like).

    Returns None when no section shares enough meaningful words with the question.
    """
    query = set(_terms(question))
    if not query or not rows:
        return None
    sections = [s for row in rows for s in _sections(row)]
    docs = [Counter(_terms(s)) for s in sections]
    lengths = [sum(d.values()) or 1 for d in docs]
    average = sum(lengths) / len(lengths)
    frequency = Counter(term for d in docs for term in set(d))
    best: Passage | None = None
    for section, doc, length in zip(sections, docs, lengths, strict=True):
        score = 0.0
        for term in query & set(doc):
            idf = math.log(1 + (len(docs) - frequency[term] + 0.5) / (frequency[term] + 0.5))
            tf = doc[term]
            score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / average))
        coverage = len(query & set(doc)) / len(query)
        score *= coverage
        if score >= min_score and (best is None or score > best.score):
            best = Passage(section, score)
    return best
