"""Knowledge: markdown rows split into passages at their headings, indexed with BM25
(``bm25s``), and the passage that answers a question, with the name of its row.

A sync turns rows into passages (:func:`passages_of`); the store keeps them; an index is
built from them (:class:`KnowledgeIndex`) and asked per question. An answer is given only
when the passage shares most of the question's meaningful words: a weak match is not an
answer, and the bot says it does not know.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import bm25s  # type: ignore[import-untyped]

from parley.engine.nl.text import tokenize
from parley.engine.nl.vocabulary import FILLER

#: Words that ask rather than mean: they never decide which passage answers.
QUESTION_WORDS = frozenset({
    "what", "whats", "which", "who", "whom", "whose", "when", "where", "why", "how", "does", "do",
    "did", "can", "could", "should", "would", "will", "is", "are", "was", "were", "be", "there",
    "our", "we", "you", "your", "my", "i", "me", "us", "it", "its", "tell", "about", "much",
    "many", "long", "please", "need", "know", "must", "may", "might", "shall", "have", "has",
    "had", "get", "any", "some",
})  # fmt: skip
#: The share of the question's meaningful words (weighted by how rare each is among the
#: passages) that a passage must hold to answer it.
MIN_COVERAGE = 0.5
#: The most characters of a passage quoted in an answer.
MAX_QUOTE = 900
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True, slots=True)
class Passage:
    """A part of a row: the text under one heading (with the headings above it)."""

    row_id: str
    row_name: str
    heading: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {
            "row_id": self.row_id,
            "row_name": self.row_name,
            "heading": self.heading,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Found:
    passage: Passage
    score: float
    coverage: float


def terms(text: str) -> list[str]:
    """The words of ``text`` that carry meaning, stemmed.

    >>> terms("How long is the refund window for annual plans?")
    ['refund', 'window', 'annual', 'plan']
    """
    return [
        t.stem
        for t in tokenize(text)
        if t.norm not in FILLER and t.norm not in QUESTION_WORDS and len(t.norm) > 1
    ]


def passages_of(row_id: str, row_name: str, markdown: str) -> list[Passage]:
    """A row split at its headings; each passage is named by the headings above it.

    >>> [(p.heading, p.text) for p in passages_of("r1", "a.md", "# Plans\\nTwo.\\n## Pro\\nMore.")]
    [('Plans', 'Two.'), ('Plans > Pro', 'More.')]
    """
    passages: list[Passage] = []
    trail: list[tuple[int, str]] = []
    lines: list[str] = []

    def flush() -> None:
        text = "\n".join(lines).strip()
        heading = " > ".join(title for _, title in trail)
        if text or (heading and not passages):
            passages.append(Passage(row_id, row_name, heading, text))
        lines.clear()

    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match is None:
            lines.append(line)
            continue
        flush()
        level = len(match.group(1))
        trail = [(lvl, title) for lvl, title in trail if lvl < level]
        trail.append((level, match.group(2)))
    flush()
    return passages


def _name_words(row_name: str) -> str:
    """A row's name as words: "refund-policy.md" -> "refund policy"."""
    return re.sub(r"[\W_]+", " ", re.sub(r"\.(md|markdown|txt)$", "", row_name, flags=re.I))


class KnowledgeIndex:
    """A BM25 index over passages; :meth:`search` finds the one that answers."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = list(passages)
        self._documents = [
            terms(f"{_name_words(p.row_name)} {p.heading} {p.heading} {p.text}")
            for p in self.passages
        ]
        self._frequency = Counter(term for doc in self._documents for term in set(doc))
        self._bm25 = bm25s.BM25()
        if self.passages:
            self._bm25.index(self._documents, show_progress=False)

    @classmethod
    def from_dicts(cls, stored: Iterable[Mapping[str, str]]) -> KnowledgeIndex:
        return cls(
            [Passage(p["row_id"], p["row_name"], p.get("heading", ""), p["text"]) for p in stored]
        )

    @classmethod
    def from_markdown(cls, rows: Mapping[str, str]) -> KnowledgeIndex:
        """An index of rows given as name -> markdown (the name doubles as the id)."""
        return cls([p for name, text in rows.items() for p in passages_of(name, name, text)])

    def __len__(self) -> int:
        return len(self.passages)

    def search(self, question: str, *, min_coverage: float = MIN_COVERAGE) -> Found | None:
        """The passage that best answers ``question``, or None when none holds enough of
        its meaningful words to be an answer rather than a guess."""
        query = list(dict.fromkeys(terms(question)))
        if not query or not self.passages:
            return None
        scores = self._bm25.get_scores(query)
        best = int(scores.argmax())
        if scores[best] <= 0:
            return None
        words = set(self._documents[best])
        weights = {term: self._idf(term) for term in query}
        coverage = sum(w for t, w in weights.items() if t in words) / sum(weights.values())
        if coverage < min_coverage:
            return None
        return Found(self.passages[best], float(scores[best]), coverage)

    def _idf(self, term: str) -> float:
        """How much a word tells passages apart: a word in every passage (the product's
        name) counts little towards an answer, a word in none (a thing never documented)
        counts most against one."""
        count = len(self.passages)
        frequency = self._frequency[term]
        return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))


def quote(found: Found) -> str:
    """The answer a passage gives, naming the row it comes from."""
    passage = found.passage
    text = passage.text or passage.heading
    if len(text) > MAX_QUOTE:
        text = text[:MAX_QUOTE].rsplit(" ", 1)[0] + " …"
    where = f" ({passage.heading})" if passage.heading else ""
    return f'From "{passage.row_name}"{where}:\n\n{text}'
