"""The ontology as a YAML file people edit, and re-introspection that keeps their edits.

The file holds semantics only: labels, synonyms, roles, hidden flags, metrics and
relationships. Distinct values and row counts are data; they come from the source each
time and never from the file. An element a user changed is marked ``edited``, and
``merge_ontology`` keeps it when the schema is read again; a derived element nobody
touched follows the schema. To drop an object or attribute, hide it: one left out of the
file comes back from the schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlglot
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlglot import exp

from parley.engine.semantic.ontology import (
    Attribute,
    Metric,
    NamedFilter,
    Object,
    Ontology,
    Relationship,
)
from parley.engine.semantic.query import SemanticQuery
from parley.errors import InvalidInput

_HEADER = (
    "# Ontology of source {source!r}. Edit labels, synonyms, roles and hidden flags; add\n"
    "# metrics and relationships. Edited elements survive a new reading of the schema.\n"
)
_SQL_DIALECT = "duckdb"


# The C implementations, when libyaml is there, are several times faster.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[valid-type,misc]  # chosen at import time
    """Short lists of words on one line; everything else in block style."""


class _Flow(list[Any]):
    pass


def _represent_flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(_Flow, _represent_flow)


# --- export -----------------------------------------------------------------------------


def _attribute_data(attribute: Attribute) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": attribute.name,
        "label": attribute.label,
        "role": attribute.role,
        "type": attribute.type,
        "synonyms": _Flow(attribute.synonyms),
    }
    if attribute.hidden:
        data["hidden"] = True
    if attribute.edited:
        data["edited"] = True
    return data


def _object_data(obj: Object) -> dict[str, Any]:
    data: dict[str, Any] = {"name": obj.name}
    if obj.schema_name:
        data["schema_name"] = obj.schema_name
    if obj.view:
        data["view"] = True
    data.update(
        label=obj.label,
        plural=obj.plural,
        synonyms=_Flow(obj.synonyms),
        primary_key=_Flow(obj.primary_key),
        display_attribute=obj.display_attribute,
        default_time=obj.default_time,
    )
    if obj.hidden:
        data["hidden"] = True
    if obj.edited:
        data["edited"] = True
    data["attributes"] = [_attribute_data(attribute) for attribute in obj.attributes]
    return data


def _metric_data(metric: Metric) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": metric.name,
        "label": metric.label,
        "object": metric.object,
        "expression": metric.expression,
        "format": metric.format,
        "additive": metric.additive,
        "synonyms": _Flow(metric.synonyms),
    }
    if metric.description:
        data["description"] = metric.description
    if metric.edited:
        data["edited"] = True
    return data


def _relationship_data(relationship: Relationship) -> dict[str, Any]:
    data: dict[str, Any] = {
        "from_object": relationship.from_object,
        "from_columns": _Flow(relationship.from_columns),
        "to_object": relationship.to_object,
        "to_columns": _Flow(relationship.to_columns),
        "origin": relationship.origin,
    }
    if relationship.label:
        data["label"] = relationship.label
    if relationship.overlap is not None:
        data["overlap"] = relationship.overlap
    return data


class TaughtEntry(BaseModel):
    """A taught question in the ontology's YAML (``taught:``): the application it belongs
    to, the question, and the reading or SQL it should have."""

    model_config = ConfigDict(extra="forbid")

    application: str
    question: str
    semantic_query: SemanticQuery | None = None
    sql: str | None = None
    taught_by: str = ""


def export_yaml(ontology: Ontology, *, taught: Sequence[TaughtEntry] = ()) -> str:
    """The editable YAML text of an ontology, without the data (values, row counts), and
    the taught questions of the applications over it."""
    document: dict[str, Any] = {
        "source": ontology.source,
        "dialect": ontology.dialect,
        "objects": [_object_data(obj) for obj in ontology.objects],
        "metrics": [_metric_data(metric) for metric in ontology.metrics],
        "relationships": [_relationship_data(r) for r in ontology.relationships],
    }
    if ontology.filters:
        document["filters"] = [
            f.model_dump(mode="json", exclude_defaults=True) for f in ontology.filters
        ]
    if taught:
        document["taught"] = [t.model_dump(mode="json", exclude_defaults=True) for t in taught]
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return _HEADER.format(source=ontology.source) + body


# --- import -----------------------------------------------------------------------------

#: The keys each mapping of the file may have, and the nested lists of mappings.
_NESTED: dict[type[BaseModel], dict[str, type[BaseModel]]] = {
    Ontology: {
        "objects": Object,
        "metrics": Metric,
        "relationships": Relationship,
        "filters": NamedFilter,
    },
    Object: {"attributes": Attribute},
}


def _path(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "ontology"


def _unknown_keys(data: Any, model: type[BaseModel], path: str, errors: list[str]) -> None:
    if not isinstance(data, dict):
        return
    known = set(model.model_fields)
    for key in data:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            errors.append(f"{where}: unknown field (expected one of {', '.join(sorted(known))})")
    for key, child in _NESTED.get(model, {}).items():
        items = data.get(key)
        if isinstance(items, list):
            for index, item in enumerate(items):
                _unknown_keys(
                    item, child, f"{path}.{key}[{index}]" if path else f"{key}[{index}]", errors
                )


def _problem(error: Any) -> str:
    kind = error["type"]
    if kind == "literal_error":
        expected = str(error.get("ctx", {}).get("expected", ""))
        options = expected.replace(" or ", ", ").replace("'", "")
        return f"must be one of {options}"
    if kind == "missing":
        return "is required"
    simple = {
        "string_type": "must be a string",
        "list_type": "must be a list",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "int_type": "must be an integer",
        "int_parsing": "must be an integer",
        "model_type": "must be a mapping",
        "dict_type": "must be a mapping",
    }
    if kind in simple:
        return simple[kind]
    message = str(error["msg"])
    return message[:1].lower() + message[1:]


def _fail(errors: list[str]) -> InvalidInput:
    return InvalidInput("invalid ontology: " + "; ".join(errors), detail={"errors": list(errors)})


def _load(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InvalidInput(f"invalid YAML{where}: {error.problem}") from None
    except yaml.YAMLError as error:
        raise InvalidInput(f"invalid YAML: {error}") from None


def metric_columns(expression: str) -> set[str] | None:
    """The column names an aggregate expression reads, or None when it does not parse."""
    try:
        tree = sqlglot.parse_one(expression, read=_SQL_DIALECT)
    except sqlglot.errors.SqlglotError:
        return None
    return {column.name for column in tree.find_all(exp.Column)}


def _check_references(ontology: Ontology) -> list[str]:
    errors: list[str] = []
    seen_objects: set[str] = set()
    for i, obj in enumerate(ontology.objects):
        where = f"objects[{i}]"
        if obj.name in seen_objects:
            errors.append(f"{where}.name: duplicate object {obj.name!r}")
        seen_objects.add(obj.name)
        names: set[str] = set()
        for j, attribute in enumerate(obj.attributes):
            if attribute.name in names:
                errors.append(
                    f"{where}.attributes[{j}].name: duplicate attribute "
                    f"{attribute.name!r} in object {obj.name!r}"
                )
            names.add(attribute.name)
        for column in obj.primary_key:
            if column not in names:
                errors.append(
                    f"{where}.primary_key: no attribute {column!r} in object {obj.name!r}"
                )
        if obj.display_attribute is not None and obj.display_attribute not in names:
            errors.append(
                f"{where}.display_attribute: no attribute {obj.display_attribute!r} "
                f"in object {obj.name!r}"
            )
        if obj.default_time is not None:
            time_attribute = obj.attribute(obj.default_time)
            if time_attribute is None:
                errors.append(
                    f"{where}.default_time: no attribute {obj.default_time!r} in "
                    f"object {obj.name!r}"
                )
            elif time_attribute.role != "time":
                errors.append(
                    f"{where}.default_time: {obj.default_time!r} is a "
                    f"{time_attribute.role}, not a time attribute"
                )
    seen_metrics: set[str] = set()
    for i, metric in enumerate(ontology.metrics):
        where = f"metrics[{i}]"
        if metric.name in seen_metrics:
            errors.append(f"{where}.name: duplicate metric {metric.name!r}")
        seen_metrics.add(metric.name)
        errors.extend(_check_metric(metric, ontology, where))
    for i, relationship in enumerate(ontology.relationships):
        errors.extend(_check_relationship(relationship, ontology, f"relationships[{i}]"))
    seen_filters: set[str] = set()
    for i, named in enumerate(ontology.filters):
        where = f"filters[{i}]"
        if named.name in seen_filters:
            errors.append(f"{where}.name: duplicate named filter {named.name!r}")
        seen_filters.add(named.name)
        errors.extend(_check_named_filter(named, ontology, where))
    return errors


def _check_named_filter(named: NamedFilter, ontology: Ontology, where: str) -> list[str]:
    obj = ontology.object(named.object)
    if obj is None:
        return [f"{where}.object: no object {named.object!r}"]
    try:
        tree = sqlglot.parse_one(named.condition, read=_SQL_DIALECT)
    except sqlglot.errors.ParseError as error:
        return [f"{where}.condition: not a valid SQL condition ({error})"]
    own = {
        c.name
        for c in tree.find_all(exp.Column)
        if not c.table and c.find_ancestor(exp.Select) is None
    }
    known = {a.name for a in obj.attributes}
    return [
        f"{where}.condition: no attribute {name!r} in object {obj.name!r}"
        for name in sorted(own - known)
    ]


def _check_metric(metric: Metric, ontology: Ontology, where: str) -> list[str]:
    obj = ontology.object(metric.object)
    if obj is None:
        return [f"{where}.object: unknown object {metric.object!r}"]
    try:
        tree = sqlglot.parse_one(metric.expression, read=_SQL_DIALECT)
    except sqlglot.errors.SqlglotError as error:
        first = str(error).splitlines()[0]
        return [f"{where}.expression: does not parse as SQL: {first}"]
    errors = [
        f"{where}.expression: no column {column.name!r} in object {obj.name!r}"
        for column in tree.find_all(exp.Column)
        if obj.attribute(column.name) is None
    ]
    if tree.find(exp.AggFunc) is None:
        errors.append(f"{where}.expression: must aggregate rows (SUM, AVG, COUNT, MIN, MAX, ...)")
    return errors


def _check_relationship(relationship: Relationship, ontology: Ontology, where: str) -> list[str]:
    errors: list[str] = []
    ends = (
        ("from", relationship.from_object, relationship.from_columns),
        ("to", relationship.to_object, relationship.to_columns),
    )
    for end, object_name, columns in ends:
        obj = ontology.object(object_name)
        if obj is None:
            errors.append(f"{where}.{end}_object: unknown object {object_name!r}")
            continue
        if not columns:
            errors.append(f"{where}.{end}_columns: must name at least one column")
        errors.extend(
            f"{where}.{end}_columns: no attribute {column!r} in object {object_name!r}"
            for column in columns
            if obj.attribute(column) is None
        )
    if len(relationship.from_columns) != len(relationship.to_columns):
        errors.append(
            f"{where}.to_columns: {len(relationship.to_columns)} columns for "
            f"{len(relationship.from_columns)} in from_columns"
        )
    return errors


def import_yaml(text: str, *, derived: Ontology | None = None) -> Ontology:
    """The ontology a YAML text describes, validated; raises InvalidInput naming each problem.

    With ``derived`` (the ontology derived from the current schema), elements that differ
    from it are marked edited, relationships it lacks become the user's, names it does not
    know are errors, and what the file leaves out (values, row counts, omitted elements)
    comes from it.
    """
    data = _load(text)
    if not isinstance(data, dict):
        raise InvalidInput(f"ontology: must be a mapping, not {type(data).__name__}")
    data.pop("taught", None)  # read by taught_in_yaml
    errors: list[str] = []
    _unknown_keys(data, Ontology, "", errors)
    for relationship in data.get("relationships") or []:
        if isinstance(relationship, dict):
            relationship.setdefault("origin", "user")
    try:
        ontology = Ontology.model_validate(data)
    except ValidationError as error:
        errors.extend(f"{_path(tuple(e['loc']))}: {_problem(e)}" for e in error.errors())
        raise _fail(errors) from None
    if derived is not None:
        errors.extend(_check_known(ontology, derived))
        ontology = _with_omitted_attributes(ontology, derived)
    errors.extend(_check_references(ontology))
    if errors:
        raise _fail(errors)
    if derived is None:
        return ontology
    merged = merge_ontology(derived, _mark_edits(ontology, derived))
    for obj in merged.objects:  # what is a view is the source's to say, not the file's
        fresh = derived.object(obj.name)
        obj.view = fresh.view if fresh is not None else obj.view
    return merged


def taught_in_yaml(text: str) -> list[TaughtEntry] | None:
    """The taught questions of an ontology's YAML; None when it has no ``taught:`` part
    (then the ones already taught stay)."""
    data = _load(text)
    if not isinstance(data, dict) or "taught" not in data:
        return None
    entries = data["taught"] or []
    if not isinstance(entries, list):
        raise InvalidInput("taught: must be a list")
    found: list[TaughtEntry] = []
    errors: list[str] = []
    for n, entry in enumerate(entries):
        try:
            found.append(TaughtEntry.model_validate(entry))
        except ValidationError as error:
            errors.extend(
                f"taught[{n}]{_path(tuple(e['loc'])) and '.' + _path(tuple(e['loc']))}: "
                f"{_problem(e)}"
                for e in error.errors()
            )
    if errors:
        raise _fail(errors)
    return found


def _check_known(ontology: Ontology, derived: Ontology) -> list[str]:
    errors: list[str] = []
    for i, obj in enumerate(ontology.objects):
        fresh = derived.object(obj.name)
        if fresh is None:
            errors.append(f"objects[{i}].name: no table {obj.name!r} in source {derived.source!r}")
            continue
        errors.extend(
            f"objects[{i}].attributes[{j}].name: no column {attribute.name!r} in table {obj.name!r}"
            for j, attribute in enumerate(obj.attributes)
            if fresh.attribute(attribute.name) is None
        )
    return errors


def _with_omitted_attributes(ontology: Ontology, derived: Ontology) -> Ontology:
    """Attributes the file leaves out, from the schema, appended so file positions hold."""
    objects: list[Object] = []
    for obj in ontology.objects:
        fresh = derived.object(obj.name)
        present = {attribute.name for attribute in obj.attributes}
        missing = [a for a in (fresh.attributes if fresh else []) if a.name not in present]
        objects.append(obj.model_copy(update={"attributes": [*obj.attributes, *missing]}))
    return ontology.model_copy(update={"objects": objects})


def _same_sql(a: str, b: str) -> bool:
    try:
        return bool(
            sqlglot.parse_one(a, read=_SQL_DIALECT).sql()
            == sqlglot.parse_one(b, read=_SQL_DIALECT).sql()
        )
    except sqlglot.errors.SqlglotError:
        return a == b


def _mark_edits(ontology: Ontology, derived: Ontology) -> Ontology:
    objects: list[Object] = []
    for obj in ontology.objects:
        fresh = derived.object(obj.name)
        assert fresh is not None  # _check_known reported unknown objects
        attributes = []
        for attribute in obj.attributes:
            base = fresh.attribute(attribute.name)
            assert base is not None
            changed = (
                attribute.label != base.label
                or attribute.role != base.role
                or set(attribute.synonyms) != set(base.synonyms)
                or attribute.hidden != base.hidden
            )
            attributes.append(attribute.model_copy(update={"edited": attribute.edited or changed}))
        changed = (
            obj.label != fresh.label
            or obj.plural != fresh.plural
            or set(obj.synonyms) != set(fresh.synonyms)
            or obj.hidden != fresh.hidden
            or obj.display_attribute != fresh.display_attribute
            or obj.default_time != fresh.default_time
        )
        objects.append(
            obj.model_copy(update={"attributes": attributes, "edited": obj.edited or changed})
        )
    metrics: list[Metric] = []
    for metric in ontology.metrics:
        base_metric = derived.metric(metric.name)
        changed = base_metric is None or (
            metric.label != base_metric.label
            or metric.object != base_metric.object
            or not _same_sql(metric.expression, base_metric.expression)
            or set(metric.synonyms) != set(base_metric.synonyms)
            or metric.format != base_metric.format
            or metric.additive != base_metric.additive
            or metric.description != base_metric.description
        )
        metrics.append(metric.model_copy(update={"edited": metric.edited or changed}))
    derived_keys = {_relationship_key(r) for r in derived.relationships}
    relationships = [
        r if _relationship_key(r) in derived_keys else r.model_copy(update={"origin": "user"})
        for r in ontology.relationships
    ]
    return ontology.model_copy(
        update={"objects": objects, "metrics": metrics, "relationships": relationships}
    )


# --- merge ------------------------------------------------------------------------------


def _relationship_key(r: Relationship) -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
    return r.from_object, tuple(r.from_columns), r.to_object, tuple(r.to_columns)


def _merge_object(fresh: Object, previous: Object | None) -> Object:
    if previous is None:
        return fresh
    attributes: list[Attribute] = []
    for attribute in fresh.attributes:
        before = previous.attribute(attribute.name)
        if before is not None and before.edited:
            attribute = attribute.model_copy(
                update={
                    "label": before.label,
                    "synonyms": list(before.synonyms),
                    "role": before.role,
                    "hidden": before.hidden,
                    "edited": True,
                }
            )
        attributes.append(attribute)
    merged = fresh.model_copy(update={"attributes": attributes})
    if not previous.edited:
        return merged
    names = {attribute.name: attribute for attribute in attributes}
    display = previous.display_attribute
    time = previous.default_time
    time_attribute = names.get(time) if time is not None else None
    return merged.model_copy(
        update={
            "label": previous.label,
            "plural": previous.plural,
            "synonyms": list(previous.synonyms),
            "hidden": previous.hidden,
            "edited": True,
            "display_attribute": display
            if display is None or display in names
            else fresh.display_attribute,
            "default_time": time
            if time is None or (time_attribute is not None and time_attribute.role == "time")
            else fresh.default_time,
        }
    )


def _metric_fits(metric: Metric, ontology: Ontology) -> bool:
    obj = ontology.object(metric.object)
    columns = metric_columns(metric.expression)
    if obj is None or columns is None:
        return False
    return all(obj.attribute(column) is not None for column in columns)


def _relationship_fits(relationship: Relationship, ontology: Ontology) -> bool:
    for object_name, columns in (
        (relationship.from_object, relationship.from_columns),
        (relationship.to_object, relationship.to_columns),
    ):
        obj = ontology.object(object_name)
        if obj is None or any(obj.attribute(column) is None for column in columns):
            return False
    return True


def merge_ontology(fresh: Ontology, previous: Ontology) -> Ontology:
    """``fresh`` (a new reading of the schema) with every user edit from ``previous``.

    Edited objects, attributes and metrics keep their labels, synonyms, roles, hidden
    flags and expressions; user-added metrics and relationships stay while the columns
    they use exist. Values and row counts are always the fresh ones.
    """
    objects = [_merge_object(obj, previous.object(obj.name)) for obj in fresh.objects]
    merged = fresh.model_copy(update={"objects": objects})
    metrics: list[Metric] = []
    fresh_names = {metric.name for metric in fresh.metrics}
    for metric in fresh.metrics:
        before = previous.metric(metric.name)
        keep = before is not None and before.edited and _metric_fits(before, merged)
        metrics.append(before if keep and before is not None else metric)
    metrics.extend(
        metric
        for metric in previous.metrics
        if metric.name not in fresh_names and metric.edited and _metric_fits(metric, merged)
    )
    previous_labels = {_relationship_key(r): r.label for r in previous.relationships}
    relationships = [
        r.model_copy(update={"label": previous_labels.get(_relationship_key(r), r.label)})
        for r in fresh.relationships
    ]
    fresh_keys = {_relationship_key(r) for r in fresh.relationships}
    relationships.extend(
        r
        for r in previous.relationships
        if r.origin == "user"
        and _relationship_key(r) not in fresh_keys
        and _relationship_fits(r, merged)
    )
    # Business definitions are the user's alone: they stay while their object does.
    filters = [f for f in previous.filters if merged.object(f.object) is not None]
    return merged.model_copy(
        update={"metrics": metrics, "relationships": relationships, "filters": filters}
    )
