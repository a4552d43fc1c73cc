"""Questions that work, and a description of what can be asked, derived from the ontology."""

from __future__ import annotations

from parley.engine.semantic.ontology import Metric, Object, Ontology


def _main_metric(ontology: Ontology) -> Metric | None:
    for metric in ontology.metrics:
        if metric.format == "currency" and metric.additive:
            return metric
    return next((m for m in ontology.metrics if m.additive), None)


def _dimension_objects(ontology: Ontology) -> list[tuple[Object, str]]:
    found: list[tuple[Object, str]] = []
    for obj in ontology.objects:
        for attribute in obj.attributes:
            if (
                attribute.role == "dimension"
                and attribute.values
                and 2 <= len(attribute.values) <= 30
            ):
                found.append((obj, attribute.label))
    return found


def example_questions(ontology: Ontology, *, limit: int = 5) -> list[str]:
    """A handful of questions this ontology can answer, built from its own words."""
    questions: list[str] = []
    metric = _main_metric(ontology)
    dimensions = _dimension_objects(ontology)
    named = [o for o in ontology.objects if o.display_attribute and not o.hidden]
    if metric:
        if named:
            target = next((o for o in named if o.name != metric.object), named[0])
            questions.append(f"top 10 {target.plural} by {metric.label}")
        if dimensions:
            questions.append(f"{metric.label} by {dimensions[0][1]}")
        questions.append(f"{metric.label} by month this year")
    counted = next((o for o in ontology.objects if o.default_time), None)
    if counted:
        questions.append(f"how many {counted.plural} last month")
    if dimensions and len(dimensions) > 1:
        obj, label = dimensions[1]
        questions.append(f"number of {obj.plural} by {label}")
    return questions[:limit]


def schema_overview(ontology: Ontology, examples: list[str]) -> str:
    objects = [o for o in ontology.objects if not o.hidden]
    lines = [f"I know {len(objects)} tables:"]
    for obj in objects:
        attributes = ", ".join(
            a.label for a in obj.attributes if not a.hidden and a.role != "identifier"
        )
        rows = f" ({obj.row_count:,} rows)" if obj.row_count is not None else ""
        lines.append(f"- {obj.name}{rows}: {attributes}")
    metrics = ", ".join(m.label for m in ontology.metrics[:12])
    if metrics:
        lines.append(f"Measures: {metrics}.")
    if examples:
        lines.append("For example: " + "; ".join(f'"{q}"' for q in examples) + ".")
    return "\n".join(lines)
