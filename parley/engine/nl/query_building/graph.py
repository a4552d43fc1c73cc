"""The ontology a reading is built against, with how far apart its objects are.

"The most compact reading" is measured in joins: the metric nearest the objects a
question names, the column of the rows being measured. Join trees are remembered per
base object, since one question asks for the same distances again and again.
"""

from __future__ import annotations

from parley.engine.semantic.joins import JoinTree
from parley.engine.semantic.ontology import Ontology
from parley.errors import InvalidInput

#: The distance to an object no join path reaches: farther than any reachable one.
UNREACHABLE = 99


class Graph:
    """An ontology and the join distances between its objects."""

    def __init__(self, ontology: Ontology) -> None:
        self.ontology = ontology
        self._trees: dict[str, JoinTree] = {}

    def distance(self, base: str | None, target: str) -> int:
        """How many joins lead from ``base`` to ``target`` (0 when there is no base)."""
        if base is None or base == target:
            return 0
        try:
            return len(self._tree(base).path(target))
        except InvalidInput:
            return UNREACHABLE

    def _tree(self, base: str) -> JoinTree:
        if base not in self._trees:
            self._trees[base] = JoinTree(self.ontology, base)
        return self._trees[base]
