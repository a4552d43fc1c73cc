"""The ontology as editable YAML: round trip, precise import errors, edits that survive."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from parley.engine.semantic.derive import derive_ontology
from parley.engine.semantic.ontology import Metric, Ontology, Relationship
from parley.engine.semantic.yaml_io import export_yaml, import_yaml, merge_ontology
from parley.errors import InvalidInput
from parley.sources.base import ColumnInfo, ForeignKey, SchemaInfo, TableInfo

C = ColumnInfo


def _schema(
    *, with_discount: bool = False, countries: tuple[str, ...] = ("Germany",)
) -> SchemaInfo:
    order_columns = [
        C("order_id", "integer"),
        C("customer_id", "integer"),
        C("order_date", "date"),
        C("status", "text", distinct_values=("shipped", "pending")),
        C("shipping_cost", "decimal"),
    ]
    if with_discount:
        order_columns.append(C("discount", "decimal"))
    return SchemaInfo(
        dialect="duckdb",
        tables=(
            TableInfo(
                "customers",
                (
                    C("customer_id", "integer"),
                    C("customer_name", "text"),
                    C("country", "text", distinct_values=countries),
                    C("segment", "text"),
                ),
                primary_key=("customer_id",),
                row_count=3,
            ),
            TableInfo(
                "orders",
                tuple(order_columns),
                primary_key=("order_id",),
                foreign_keys=(ForeignKey(("customer_id",), "customers", ("customer_id",)),),
            ),
            TableInfo(
                "order_items",
                (
                    C("order_item_id", "integer"),
                    C("order_id", "integer"),
                    C("quantity", "integer"),
                    C("unit_price", "decimal"),
                ),
                primary_key=("order_item_id",),
                foreign_keys=(ForeignKey(("order_id",), "orders", ("order_id",)),),
            ),
        ),
    )


@pytest.fixture
def derived() -> Ontology:
    return derive_ontology(_schema(), source="shop")


def _document(ontology: Ontology) -> dict[str, Any]:
    data = yaml.safe_load(export_yaml(ontology))
    assert isinstance(data, dict)
    return data


def _text(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False)


# --- export and round trip --------------------------------------------------------------


def test_export_leaves_data_out(derived: Ontology) -> None:
    text = export_yaml(derived)
    assert "Germany" not in text and "shipped" not in text
    document = yaml.safe_load(text)
    assert "values" not in document["objects"][0]["attributes"][2]
    assert "row_count" not in document["objects"][0]
    assert document["objects"][0]["attributes"][0] == {
        "name": "customer_id",
        "label": "customer id",
        "role": "identifier",
        "type": "integer",
        "synonyms": ["id"],
    }


def test_round_trip_without_the_schema_loses_only_data(derived: Ontology) -> None:
    imported = import_yaml(export_yaml(derived))
    without_data = derived.model_copy(
        update={
            "objects": [
                obj.model_copy(
                    update={
                        "row_count": None,
                        "attributes": [a.model_copy(update={"values": []}) for a in obj.attributes],
                    }
                )
                for obj in derived.objects
            ]
        }
    )
    assert imported == without_data


def test_round_trip_with_the_schema_is_exact(derived: Ontology) -> None:
    imported = import_yaml(export_yaml(derived), derived=derived)
    assert imported == derived
    assert not any(obj.edited for obj in imported.objects)
    assert not any(metric.edited for metric in imported.metrics)


def test_round_trip_keeps_edits_and_user_relationships(derived: Ontology) -> None:
    document = _document(derived)
    document["objects"][0]["label"] = "client"
    document["relationships"].append(
        {
            "from_object": "order_items",
            "from_columns": ["order_item_id"],
            "to_object": "orders",
            "to_columns": ["order_id"],
        }
    )
    first = import_yaml(_text(document), derived=derived)
    second = import_yaml(export_yaml(first), derived=derived)
    assert second == first
    assert first.relationships[-1].origin == "user"


# --- import marks edits -----------------------------------------------------------------


def test_import_marks_what_differs_from_the_derived_ontology(derived: Ontology) -> None:
    document = _document(derived)
    customers = document["objects"][0]
    customers["synonyms"] = [*customers["synonyms"], "patron of the arts"]
    customers["attributes"][3]["role"] = "identifier"  # segment
    customers["attributes"][1]["synonyms"] = list(reversed(customers["attributes"][1]["synonyms"]))
    document["metrics"][0]["label"] = "customer headcount"
    document["metrics"].append(
        {
            "name": "big_orders",
            "label": "big orders",
            "object": "orders",
            "expression": "COUNT(*) FILTER (WHERE shipping_cost > 100)",
        }
    )
    imported = import_yaml(_text(document), derived=derived)
    customers_obj = imported.object("customers")
    assert customers_obj is not None
    assert customers_obj.edited
    assert [a.edited for a in customers_obj.attributes] == [False, False, False, True]
    orders = imported.object("orders")
    assert orders is not None and not orders.edited
    edited_metrics = {metric.name for metric in imported.metrics if metric.edited}
    assert edited_metrics == {imported.metrics[0].name, "big_orders"}
    # Data comes from the schema even though the file has none.
    assert imported.resolve("customers.country")[1].values == ["Germany"]


def test_import_restores_elements_left_out_of_the_file(derived: Ontology) -> None:
    document = _document(derived)
    del document["objects"][1]["attributes"][4]
    del document["metrics"][1]
    imported = import_yaml(_text(document), derived=derived)
    assert imported == derived


# --- import errors ----------------------------------------------------------------------

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        target: Any = document
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return edit


_DELETE = object()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            _set("objects.0.attributes.2.role", "dimensional"),
            "objects[0].attributes[2].role: must be one of dimension, time, measure, identifier",
        ),
        (_set("objects.1.label", _DELETE), "objects[1].label: is required"),
        (_set("objects.0.synonyms", "client"), "objects[0].synonyms: must be a list"),
        (_set("objects.0.synonyms", [1]), "objects[0].synonyms[0]: must be a string"),
        (_set("objects.0.hidden", "perhaps"), "objects[0].hidden: must be true or false"),
        (
            _set("metrics.0.format", "euros"),
            "metrics[0].format: must be one of number, currency, percent",
        ),
        (_set("objects.0.synonym", ["x"]), "objects[0].synonym: unknown field"),
        (
            _set("objects.0.attributes.0.lable", "x"),
            "objects[0].attributes[0].lable: unknown field",
        ),
        (_set("extra", 1), "extra: unknown field"),
        (
            _set("objects.0.display_attribute", "nickname"),
            "objects[0].display_attribute: no attribute 'nickname' in object 'customers'",
        ),
        (
            _set("objects.1.default_time", "status"),
            "objects[1].default_time: 'status' is a dimension, not a time attribute",
        ),
        (
            _set("objects.0.primary_key", ["cid"]),
            "objects[0].primary_key: no attribute 'cid' in object 'customers'",
        ),
        (_set("objects.1.name", "customers"), "objects[1].name: duplicate object 'customers'"),
        (_set("metrics.0.object", "ordrs"), "metrics[0].object: unknown object 'ordrs'"),
        (
            _set("metrics.0.expression", "SUM(qty)"),
            "metrics[0].expression: no column 'qty' in object 'customers'",
        ),
        (
            _set("metrics.0.expression", "SUM(("),
            "metrics[0].expression: does not parse as SQL",
        ),
        (
            _set("metrics.0.expression", "customer_id + 1"),
            "metrics[0].expression: must aggregate rows",
        ),
        (_set("metrics.1.name", "customer_count"), "metrics[1].name: duplicate metric"),
        (
            _set("relationships.0.to_object", "clients"),
            "relationships[0].to_object: unknown object 'clients'",
        ),
        (
            _set("relationships.0.from_columns", ["customer_id", "status"]),
            "relationships[0].to_columns: 1 columns for 2 in from_columns",
        ),
        (
            _set("relationships.0.origin", "guess"),
            "relationships[0].origin: must be one of foreign_key, name_match, user",
        ),
    ],
)
def test_import_errors_name_the_path_and_the_problem(
    derived: Ontology, edit: Edit, message: str
) -> None:
    document = _document(derived)
    edit(document)
    with pytest.raises(InvalidInput) as caught:
        import_yaml(_text(document))
    assert message in caught.value.message
    assert caught.value.status == 422
    errors = caught.value.detail["errors"]
    assert isinstance(errors, list) and any(message in error for error in errors)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set("objects.0.name", "clients"), "objects[0].name: no table 'clients' in source 'shop'"),
        (
            _set("objects.0.attributes.1.name", "nickname"),
            "objects[0].attributes[1].name: no column 'nickname' in table 'customers'",
        ),
    ],
)
def test_import_against_the_schema_rejects_unknown_names(
    derived: Ontology, edit: Edit, message: str
) -> None:
    document = _document(derived)
    edit(document)
    with pytest.raises(InvalidInput, match="invalid ontology") as caught:
        import_yaml(_text(document), derived=derived)
    assert message in caught.value.message


def test_import_reports_every_problem_at_once(derived: Ontology) -> None:
    document = _document(derived)
    document["objects"][0]["label"] = 3
    document["objects"][1]["plural"] = None
    with pytest.raises(InvalidInput) as caught:
        import_yaml(_text(document))
    assert "objects[0].label: must be a string" in caught.value.message
    assert "objects[1].plural: must be a string" in caught.value.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("objects: [\n  - name: x\n", "invalid YAML at line 2"),
        ("- a\n- b\n", "ontology: must be a mapping, not list"),
        ("", "ontology: must be a mapping, not NoneType"),
        ("source: s\n", "dialect: is required"),
    ],
)
def test_import_rejects_documents_that_are_not_ontologies(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        import_yaml(text)
    assert message in caught.value.message


# --- merge ------------------------------------------------------------------------------


def _edited(derived: Ontology) -> Ontology:
    """The derived ontology after a user's edits, as the import of their file gives it."""
    document = _document(derived)
    customers = document["objects"][0]
    customers["label"] = "client"
    customers["plural"] = "clients"
    customers["synonyms"] = ["patron"]
    segment = customers["attributes"][3]
    segment.update(label="tier", synonyms=["level"], hidden=True)
    orders = document["objects"][1]
    orders["attributes"][4].update(role="dimension")  # shipping_cost
    document["metrics"][0]["synonyms"] = ["clientele"]
    document["metrics"].extend(
        [
            {
                "name": "avg_basket",
                "label": "average basket",
                "object": "order_items",
                "expression": "AVG(quantity)",
                "additive": False,
            },
            {
                "name": "discounts",
                "label": "discounts",
                "object": "orders",
                "expression": "SUM(shipping_cost)",
            },
        ]
    )
    document["relationships"].append(
        {
            "from_object": "order_items",
            "from_columns": ["order_item_id"],
            "to_object": "customers",
            "to_columns": ["customer_id"],
            "label": "odd",
        }
    )
    return import_yaml(_text(document), derived=derived)


def test_merge_keeps_every_edit(derived: Ontology) -> None:
    previous = _edited(derived)
    fresh = derive_ontology(
        _schema(with_discount=True, countries=("Germany", "Spain")), source="shop"
    )
    merged = merge_ontology(fresh, previous)
    customers = merged.object("customers")
    assert customers is not None
    assert (customers.label, customers.plural, customers.synonyms, customers.edited) == (
        "client",
        "clients",
        ["patron"],
        True,
    )
    segment = customers.attribute("segment")
    assert segment is not None
    assert (segment.label, segment.synonyms, segment.hidden, segment.edited) == (
        "tier",
        ["level"],
        True,
        True,
    )
    assert merged.resolve("orders.shipping_cost")[1].role == "dimension"
    count = merged.metric(merged.metrics[0].name)
    assert count is not None and count.synonyms == ["clientele"]
    assert merged.metric("avg_basket") is not None
    assert merged.relationships[-1].label == "odd"
    assert merged.relationships[-1].origin == "user"


def test_merge_takes_schema_changes_and_data_from_the_fresh_reading(derived: Ontology) -> None:
    previous = _edited(derived)
    fresh = derive_ontology(
        _schema(with_discount=True, countries=("Germany", "Spain")), source="shop"
    )
    merged = merge_ontology(fresh, previous)
    assert merged.resolve("customers.country")[1].values == ["Germany", "Spain"]
    assert merged.resolve("orders.discount")[1].role == "measure"
    assert merged.metric("total_discount") is not None
    orders = merged.object("orders")
    fresh_orders = fresh.object("orders")
    assert orders is not None and fresh_orders is not None
    # Only the edited attribute differs from the fresh reading.
    assert [a for a in orders.attributes if a not in fresh_orders.attributes] == [
        orders.attribute("shipping_cost")
    ]
    assert orders.model_dump(exclude={"attributes"}) == fresh_orders.model_dump(
        exclude={"attributes"}
    )
    assert merged.relationships[: len(fresh.relationships)] == fresh.relationships


def test_merge_drops_user_metrics_and_relationships_whose_columns_are_gone(
    derived: Ontology,
) -> None:
    previous = _edited(derived)
    schema = _schema()
    without_quantity = SchemaInfo(
        schema.dialect,
        (
            schema.tables[0],
            schema.tables[1],
            TableInfo(
                "order_items",
                (C("line_id", "integer"), C("order_id", "integer"), C("unit_price", "decimal")),
                primary_key=("line_id",),
            ),
        ),
    )
    merged = merge_ontology(derive_ontology(without_quantity, source="shop"), previous)
    assert merged.metric("avg_basket") is None  # read quantity
    assert merged.metric("discounts") is not None  # still readable
    assert all(r.label != "odd" for r in merged.relationships)  # read order_item_id
    assert merged.metric("revenue") is None


def test_merge_drops_edited_objects_whose_table_is_gone(derived: Ontology) -> None:
    previous = _edited(derived)
    schema = _schema()
    fresh = derive_ontology(SchemaInfo(schema.dialect, schema.tables[1:]), source="shop")
    merged = merge_ontology(fresh, previous)
    assert merged.object("customers") is None
    assert all(metric.object != "customers" for metric in merged.metrics)


def test_untouched_derived_metrics_follow_the_schema(derived: Ontology) -> None:
    stale = Metric(
        name="total_legacy", label="total legacy", object="orders", expression="SUM(shipping_cost)"
    )
    previous = derived.model_copy(update={"metrics": [*derived.metrics, stale]})
    merged = merge_ontology(derived, previous)
    assert merged.metric("total_legacy") is None
    assert merged == derived


def test_derived_relationships_are_not_duplicated_by_user_copies(derived: Ontology) -> None:
    copy = derived.relationships[0].model_copy(update={"origin": "user"})
    previous = derived.model_copy(update={"relationships": [*derived.relationships, copy]})
    merged = merge_ontology(derived, previous)
    assert merged.relationships == derived.relationships
    assert isinstance(merged.relationships[0], Relationship)
