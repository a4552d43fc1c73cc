"""The one-paragraph answer: what was asked, what came back, in plain words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from parley.engine.result_shape import ColumnRole, format_value
from parley.engine.semantic.joins import JoinTree
from parley.engine.semantic.ontology import Ontology
from parley.engine.semantic.query import RELATED_OPS, SemanticQuery
from parley.errors import InvalidInput


def describe_query(query: SemanticQuery, ontology: Ontology, columns: Sequence[ColumnRole]) -> str:
    """A short title for a query: "Revenue by customer, last month"."""
    labels = {c.name: c.label or c.name for c in columns}
    if query.is_list:
        obj = ontology.object(query.list_object or "")
        subject = (obj.plural if obj else query.list_object or "rows").capitalize()
    elif query.count_over is not None:
        # "how many orders over $50,000": the things counted, not the figure they met.
        subject = next((c.label or c.name for c in columns if c.role == "measure"),
                       "number").capitalize()
    else:
        subject = " and ".join(labels.get(m.key, m.key) for m in query.metrics).capitalize()
        if query.dimensions:
            names = [
                _dimension_label(d.field, d.grain, labels.get(d.key, d.key), ontology)
                for d in query.dimensions
            ]
            subject += " by " + " and ".join(names)
    when = _when(query)
    return f"{subject}, {when}" if when else subject


def _dimension_label(field: str, grain: str | None, label: str, ontology: Ontology) -> str:
    """ "customer" for customers.customer_name (the name of a customer), "month" for a grain."""
    if grain:
        return grain
    obj = ontology.object(field.split(".")[0])
    if obj and obj.display_attribute == field.split(".")[-1]:
        return obj.label
    return label


def _when(query: SemanticQuery) -> str:
    if query.compare:
        return " vs ".join(p.label for p in query.compare)
    if query.time_range and query.time_range.label:
        return query.time_range.label
    return ""


def _measured(query: SemanticQuery, ontology: Ontology) -> str | None:
    """The object whose rows the query lists or measures first."""
    if query.list_object:
        return query.list_object
    for metric in query.metrics:
        defined = ontology.metric(metric.metric) if metric.metric else None
        if defined is not None:
            return defined.object
        if metric.field:
            return metric.field.split(".")[0]
    return None


def _many_away(ontology: Ontology, base: str | None, field: str) -> bool:
    """Whether the object of ``field`` is one-to-many away from the rows measured."""
    if base is None:
        return False
    try:
        return any(step.fans_out for step in JoinTree(ontology, base).path(field.split(".")[0]))
    except InvalidInput:
        return False


def _filters_text(
    query: SemanticQuery, ontology: Ontology, columns: Sequence[ColumnRole]
) -> str:
    parts: list[str] = []
    # A condition on a figure names it as its column is labelled ("average gross").
    labels = {c.name: (c.label or c.name).lower() for c in columns}
    base = _measured(query, ontology)
    for f in query.filters:
        if f.op in RELATED_OPS:
            related = ontology.object(f.field)
            plural = related.plural if related else f.field
            dated = f" {f.within.during}" if f.within and f.within.label else ""
            parts.append(f"there are {'no' if f.op == 'none' else 'some'} related {plural}{dated}")
            continue
        try:
            _, attribute = ontology.resolve(f.field)
            name = attribute.label
        except KeyError:
            name = labels.get(f.field, f.field)
        values = ", ".join(str(v) for v in f.values)
        if f.op in ("ne", "not_in") and f.values != [None] and _many_away(ontology, base, f.field):
            # No related row has the value (the compiler's NOT EXISTS).
            parts.append(f"no {name} is {'one of ' if f.op == 'not_in' else ''}{values}")
            continue
        word = {
            "eq": "is",
            "in": "is one of",
            "ne": "is not",
            "not_in": "is not one of",
            "gt": "above",
            "gte": "at least",
            "lt": "below",
            "lte": "at most",
            "between": "between",
            "contains": "contains",
        }[f.op]
        parts.append(f"{name} {word} {values}")
    return "; ".join(parts)


def narrate(
    query: SemanticQuery,
    ontology: Ontology,
    columns: Sequence[ColumnRole],
    rows: Sequence[Sequence[Any]],
    *,
    truncated: bool = False,
) -> str:
    title = describe_query(query, ontology, columns)
    filters = _filters_text(query, ontology, columns)
    scope = f" (where {filters})" if filters else ""
    if not rows:
        return f"No data matches {title.lower()}{scope}."
    measures = [i for i, c in enumerate(columns) if c.role == "measure"]
    labels = [i for i, c in enumerate(columns) if c.role in {"dimension", "time"}]
    if query.is_list:
        more = " (more rows exist; the list was cut)" if truncated else ""
        return f"Here {'is' if len(rows) == 1 else 'are'} {len(rows)} {title.lower()}{scope}{more}."
    if len(rows) == 1 and not labels and measures:
        values = ", ".join(
            f"{columns[i].label or columns[i].name} was "
            f"{format_value(rows[0][i], columns[i].format)}"
            for i in measures
        )
        when = _when(query)
        return f"{values[0].upper()}{values[1:]}{' for ' + when if when else ''}{scope}."
    if measures and labels:
        first = measures[0]
        label_index = labels[0]
        top = rows[0]
        lead_value = format_value(top[first], columns[first].format)
        # A label names a group ("2024", "store 1012"): written as it is, not as a number.
        lead = top[label_index] if isinstance(top[label_index], str) else (
            str(top[label_index]) if isinstance(top[label_index], int) else
            format_value(top[label_index], "number"))
        ordered = bool(query.order) and query.order[0].key == columns[first].name
        intro = f"{title}{scope}: {len(rows)} row{'s' if len(rows) != 1 else ''}"
        if ordered:
            direction = "highest" if query.order[0].descending else "lowest"
            measure = columns[first].label or columns[first].name
            text = f"{title}{scope}: {lead} has the {direction} {measure} ({lead_value})"
            if len(rows) > 1:
                second = rows[1]
                text += (
                    f", followed by {second[label_index]} "
                    f"({format_value(second[first], columns[first].format)})"
                )
            return text + "."
        return f"{intro}, starting with {lead} at {lead_value}."
    return f"{title}{scope}: {len(rows)} row{'s' if len(rows) != 1 else ''}."
