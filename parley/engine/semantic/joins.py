"""Join paths over an ontology's relationship graph.

From the query's base object every other object is reached by the cheapest path, where a
path costs first the number of one-to-many steps it takes (each one multiplies rows), then
its length. Equal paths keep the one found first, and the base object's own foreign keys
are explored first, so ``orders → sales_reps`` wins over ``orders → customers →
sales_reps``. Each object appears once in the tree, so its name is its alias.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from parley.engine.semantic.ontology import Ontology
from parley.errors import InvalidInput


@dataclass(frozen=True)
class JoinStep:
    """One join: ``child`` is joined to ``parent``, already in the query."""

    parent: str
    child: str
    parent_columns: tuple[str, ...]
    child_columns: tuple[str, ...]
    #: True when each parent row has many child rows (a relationship taken backwards):
    #: joining it would repeat the parent's rows.
    fans_out: bool


class JoinTree:
    """The cheapest join path from one base object to every object connected to it."""

    def __init__(self, ontology: Ontology, base: str) -> None:
        if ontology.object(base) is None:
            raise InvalidInput(f"unknown object {base!r}")
        self.base = base
        self._ontology = ontology
        self._steps: dict[str, JoinStep] = {}
        self._order: dict[str, int] = {base: 0}
        self._search()

    def _neighbours(self, name: str) -> list[JoinStep]:
        forward: list[JoinStep] = []
        backward: list[JoinStep] = []
        # A relationship with a role ("reviewer", "manager") is a second way to the same
        # object; the plain one (the row's own key) is the one meant when none is named.
        relationships = sorted(self._ontology.relationships, key=lambda r: bool(r.label))
        for rel in relationships:
            if rel.from_object == name:
                forward.append(
                    JoinStep(
                        name,
                        rel.to_object,
                        tuple(rel.from_columns),
                        tuple(rel.to_columns),
                        fans_out=False,
                    )
                )
            if rel.to_object == name:
                backward.append(
                    JoinStep(
                        name,
                        rel.from_object,
                        tuple(rel.to_columns),
                        tuple(rel.from_columns),
                        fans_out=True,
                    )
                )
        return forward + backward

    def _search(self) -> None:
        best: dict[str, tuple[int, int]] = {self.base: (0, 0)}
        queue: list[tuple[int, int, int, str]] = [(0, 0, 0, self.base)]
        settled: set[str] = set()
        counter = 0
        while queue:
            fan_outs, hops, _, name = heapq.heappop(queue)
            if name in settled:
                continue
            settled.add(name)
            self._order[name] = len(self._order)
            for step in self._neighbours(name):
                if step.child in settled or self._ontology.object(step.child) is None:
                    continue
                cost = (fan_outs + step.fans_out, hops + 1)
                if step.child not in best or cost < best[step.child]:
                    best[step.child] = cost
                    self._steps[step.child] = step
                    counter += 1
                    heapq.heappush(queue, (*cost, counter, step.child))

    def path(self, target: str) -> list[JoinStep]:
        """The steps from the base object to ``target``, base side first."""
        if self._ontology.object(target) is None:
            raise InvalidInput(f"unknown object {target!r}")
        steps: list[JoinStep] = []
        name = target
        while name != self.base:
            step = self._steps.get(name)
            if step is None:
                raise InvalidInput(f"no relationship connects {self.base} to {target}")
            steps.append(step)
            name = step.parent
        return steps[::-1]

    def rank(self, name: str) -> int:
        """The order in which the search reached an object: parents before children."""
        return self._order[name]


def nearest_time_field(ontology: Ontology, base: str) -> str | None:
    """The default time attribute of ``base``, or of the nearest object it refers to.

    Only many-to-one steps are taken: each ``order_items`` row has one order date, but a
    customer has many.
    """
    seen = {base}
    frontier = [base]
    while frontier:
        following: list[str] = []
        for name in frontier:
            obj = ontology.object(name)
            if obj is not None and obj.default_time and obj.attribute(obj.default_time):
                return f"{name}.{obj.default_time}"
            for rel in ontology.relationships:
                if rel.from_object == name and rel.to_object not in seen:
                    seen.add(rel.to_object)
                    following.append(rel.to_object)
        frontier = following
    return None
