"""Deriving the ontology from a schema: roles, labels, relationships, metrics."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from parley.engine.semantic.derive import derive_ontology
from parley.engine.semantic.ontology import Ontology
from parley.engine.semantic.yaml_io import export_yaml, import_yaml
from parley.sources.base import ColumnInfo, ForeignKey, KeyOverlap, SchemaInfo, TableInfo

C = ColumnInfo


def _fk(column: str, table: str, referred: str | None = None) -> ForeignKey:
    return ForeignKey((column,), table, (referred or column,))


COUNTRIES = ("United States", "United Kingdom", "Germany", "France", "Canada", "Japan")
DEMO = SchemaInfo(
    dialect="duckdb",
    tables=(
        TableInfo(
            "sales_reps",
            (
                C("rep_id", "integer", primary_key=True),
                C("rep_name", "text", distinct_count=40),
                C("region", "text", distinct_values=("Europe", "North America")),
                C("email", "text", distinct_count=40),
                C("hire_date", "date"),
            ),
            primary_key=("rep_id",),
            row_count=40,
        ),
        TableInfo(
            "customers",
            (
                C("customer_id", "integer", primary_key=True),
                C("customer_name", "text", distinct_count=800),
                C("country", "text", distinct_values=COUNTRIES),
                C("region", "text"),
                C("segment", "text", distinct_values=("Enterprise", "Mid-Market")),
                C("industry", "text"),
                C("city", "text"),
                C("signup_date", "date"),
                C("rep_id", "integer"),
            ),
            primary_key=("customer_id",),
            foreign_keys=(_fk("rep_id", "sales_reps"),),
            row_count=800,
        ),
        TableInfo(
            "products",
            (
                C("product_id", "integer", primary_key=True),
                C("product_name", "text"),
                C("category", "text"),
                C("unit_price", "decimal"),
                C("unit_cost", "decimal"),
            ),
            primary_key=("product_id",),
        ),
        TableInfo(
            "orders",
            (
                C("order_id", "integer", primary_key=True),
                C("customer_id", "integer"),
                C("rep_id", "integer"),
                C("order_date", "date"),
                C("status", "text"),
                C("channel", "text"),
                C("shipping_cost", "decimal"),
            ),
            primary_key=("order_id",),
            foreign_keys=(_fk("customer_id", "customers"), _fk("rep_id", "sales_reps")),
        ),
        TableInfo(
            "order_items",
            (
                C("order_item_id", "integer", primary_key=True),
                C("order_id", "integer"),
                C("product_id", "integer"),
                C("quantity", "integer", distinct_count=10),
                C("unit_price", "decimal"),
            ),
            primary_key=("order_item_id",),
            foreign_keys=(_fk("order_id", "orders"), _fk("product_id", "products")),
        ),
    ),
)

#: People operations: singular names, abbreviations, camelCase, ISO text dates, a
#: self-reference and one table whose keys are not declared.
HR = SchemaInfo(
    dialect="sqlite",
    tables=(
        TableInfo(
            "department",
            (
                C("dept_id", "integer"),
                C("dept_name", "text"),
                C("cost_center", "text"),
                C("budget", "float"),
            ),
            primary_key=("dept_id",),
        ),
        TableInfo(
            "employee",
            (
                C("emp_id", "integer"),
                C("first_name", "text", distinct_count=40),
                C("last_name", "text", distinct_count=300),
                C("email", "text"),
                C("jobTitle", "text"),
                C("gender", "text"),
                C("birth_date", "text"),
                C("hireDate", "text", distinct_values=("2020-01-06", "2021-03-01")),
                C("termDate", "text"),
                C("salary", "float"),
                C("dept_id", "integer"),
                C("manager_id", "integer"),
            ),
            primary_key=("emp_id",),
            foreign_keys=(
                _fk("dept_id", "department"),
                ForeignKey(("manager_id",), "employee", ("emp_id",)),
            ),
        ),
        TableInfo(
            "project",
            (
                C("project_id", "integer"),
                C("project_name", "text"),
                C("dept_id", "integer"),
                C("start_date", "text"),
                C("end_date", "text"),
                C("budget", "float"),
            ),
            primary_key=("project_id",),
            foreign_keys=(_fk("dept_id", "department"),),
        ),
        TableInfo(
            "assignment",
            (
                C("assignment_id", "integer"),
                C("emp_id", "integer"),
                C("project_id", "integer"),
                C("role", "text"),
                C("hours", "float"),
                C("assigned_on", "text"),
            ),
            primary_key=("assignment_id",),
        ),
        TableInfo(
            "perf_review",
            (
                C("review_id", "integer"),
                C("emp_id", "integer"),
                C("reviewer_id", "integer"),
                C("review_date", "text"),
                C("score", "float"),
            ),
            primary_key=("review_id",),
            foreign_keys=(
                _fk("emp_id", "employee"),
                ForeignKey(("reviewer_id",), "employee", ("emp_id",)),
            ),
        ),
    ),
)

#: A warehouse without any declared key: relationships come from names only.
NO_KEYS = SchemaInfo(
    dialect="postgres",
    tables=(
        TableInfo(
            "countries",
            (C("country_code", "text"), C("country", "text")),
            primary_key=("country_code",),
        ),
        TableInfo(
            "customers",
            (
                C("id", "integer"),
                C("name", "text"),
                C("country_code", "text"),
                C("external_id", "text"),
                C("zip_code", "integer"),
                C("is_active", "integer"),
                C("age", "integer"),
            ),
        ),
        TableInfo(
            "orders",
            (
                C("id", "integer"),
                C("customer_id", "integer"),
                C("created_at", "timestamp"),
                C("updated_at", "timestamp"),
                C("total", "decimal"),
                C("fiscal_year", "integer"),
                C("priority", "integer", distinct_count=5),
            ),
        ),
        TableInfo(
            "staff_members",
            (
                C("id", "integer"),
                C("full_name", "text"),
                C("manager_id", "integer"),
                C("hired_on", "date"),
            ),
        ),
        TableInfo(
            "categories",
            (C("id", "integer"), C("name", "text"), C("parent_id", "integer")),
        ),
        TableInfo(
            "products",
            (
                C("id", "integer"),
                C("title", "text"),
                C("category_id", "integer"),
                C("sku", "text"),
                C("rating", "float"),
            ),
        ),
    ),
)


@pytest.fixture(scope="module")
def demo() -> Ontology:
    return derive_ontology(DEMO, source="demo")


@pytest.fixture(scope="module")
def hr() -> Ontology:
    return derive_ontology(HR, source="hr")


@pytest.fixture(scope="module")
def no_keys() -> Ontology:
    return derive_ontology(NO_KEYS, source="warehouse")


# --- the demo schema --------------------------------------------------------------------


def test_objects_carry_source_dialect_and_counts(demo: Ontology) -> None:
    assert (demo.source, demo.dialect) == ("demo", "duckdb")
    assert [obj.name for obj in demo.objects] == [t.name for t in DEMO.tables]
    customers = demo.object("customers")
    assert customers is not None
    assert customers.row_count == 800
    assert customers.primary_key == ["customer_id"]


@pytest.mark.parametrize(
    ("table", "label", "plural", "synonym"),
    [
        ("customers", "customer", "customers", "client"),
        ("products", "product", "products", "item"),
        ("orders", "order", "orders", "purchase"),
        ("order_items", "order item", "order items", "line item"),
        ("order_items", "order item", "order items", "order line"),
        ("sales_reps", "sales rep", "sales reps", "salesperson"),
    ],
)
def test_object_labels_and_synonyms(
    demo: Ontology, table: str, label: str, plural: str, synonym: str
) -> None:
    obj = demo.object(table)
    assert obj is not None
    assert (obj.label, obj.plural) == (label, plural)
    assert synonym in obj.synonyms


def test_order_items_are_not_products(demo: Ontology) -> None:
    obj = demo.object("order_items")
    assert obj is not None
    assert "product" not in obj.synonyms and "item" not in obj.synonyms


@pytest.mark.parametrize(
    ("field", "role"),
    [
        ("customers.customer_id", "identifier"),
        ("customers.rep_id", "identifier"),
        ("customers.customer_name", "dimension"),
        ("customers.country", "dimension"),
        ("customers.signup_date", "time"),
        ("orders.order_date", "time"),
        ("orders.status", "dimension"),
        ("orders.shipping_cost", "measure"),
        ("order_items.quantity", "measure"),
        ("order_items.unit_price", "measure"),
        ("order_items.order_id", "identifier"),
        ("products.unit_cost", "measure"),
    ],
)
def test_demo_roles(demo: Ontology, field: str, role: str) -> None:
    assert demo.resolve(field)[1].role == role


@pytest.mark.parametrize(
    ("field", "label", "synonym"),
    [
        ("customers.customer_name", "customer name", "name"),
        ("customers.customer_name", "customer name", "client name"),
        ("sales_reps.rep_name", "rep name", "name"),
        ("sales_reps.rep_name", "rep name", "sales rep name"),
        ("products.category", "category", "product category"),
        ("customers.region", "region", "territory"),
        ("orders.order_date", "order date", "purchase date"),
        ("order_items.quantity", "quantity", "units"),
        ("orders.shipping_cost", "shipping cost", "freight"),
    ],
)
def test_attribute_labels_and_synonyms(
    demo: Ontology, field: str, label: str, synonym: str
) -> None:
    attribute = demo.resolve(field)[1]
    assert attribute.label == label
    assert synonym in attribute.synonyms
    assert attribute.label not in attribute.synonyms


def test_values_come_from_distinct_values(demo: Ontology) -> None:
    assert demo.resolve("customers.country")[1].values == list(COUNTRIES)
    assert demo.resolve("customers.city")[1].values == []


@pytest.mark.parametrize(
    ("table", "display", "time"),
    [
        ("customers", "customer_name", "signup_date"),
        ("sales_reps", "rep_name", "hire_date"),
        ("products", "product_name", None),
        ("orders", None, "order_date"),
        ("order_items", None, None),
    ],
)
def test_demo_display_and_default_time(
    demo: Ontology, table: str, display: str | None, time: str | None
) -> None:
    obj = demo.object(table)
    assert obj is not None
    assert (obj.display_attribute, obj.default_time) == (display, time)


def test_demo_relationships_are_the_declared_keys(demo: Ontology) -> None:
    found = {
        (r.from_object, tuple(r.from_columns), r.to_object, tuple(r.to_columns), r.origin, r.label)
        for r in demo.relationships
    }
    assert found == {
        ("customers", ("rep_id",), "sales_reps", ("rep_id",), "foreign_key", ""),
        ("orders", ("customer_id",), "customers", ("customer_id",), "foreign_key", ""),
        ("orders", ("rep_id",), "sales_reps", ("rep_id",), "foreign_key", ""),
        ("order_items", ("order_id",), "orders", ("order_id",), "foreign_key", ""),
        ("order_items", ("product_id",), "products", ("product_id",), "foreign_key", ""),
    }


def test_revenue_is_quantity_times_price(demo: Ontology) -> None:
    revenue = demo.metric("revenue")
    assert revenue is not None
    assert revenue.object == "order_items"
    assert revenue.expression == "SUM(quantity * unit_price)"
    assert (revenue.label, revenue.format, revenue.additive) == ("revenue", "currency", True)
    assert {"sales", "turnover", "total sales", "gross sales"} <= set(revenue.synonyms)


def test_count_metrics(demo: Ontology) -> None:
    orders = demo.metric("order_count")
    assert orders is not None
    assert (orders.object, orders.expression, orders.label) == (
        "orders",
        "COUNT(*)",
        "number of orders",
    )
    assert {"how many orders", "orders count", "order count"} <= set(orders.synonyms)
    customers = demo.metric("customer_count")
    assert customers is not None
    assert {"number of clients", "how many clients"} <= set(customers.synonyms)
    assert {m.name for m in demo.metrics if m.expression == "COUNT(*)"} == {
        "sales_rep_count",
        "customer_count",
        "product_count",
        "order_count",
        "order_item_count",
    }


@pytest.mark.parametrize(
    ("name", "label", "expression", "format", "additive"),
    [
        ("total_quantity", "total quantity", "SUM(quantity)", "number", True),
        ("avg_quantity", "average quantity", "AVG(quantity)", "number", False),
        ("total_shipping_cost", "total shipping cost", "SUM(shipping_cost)", "currency", True),
        ("avg_unit_cost", "average unit cost", "AVG(unit_cost)", "currency", False),
        # unit_price lives in two tables: each average says whose it is.
        (
            "avg_order_item_unit_price",
            "average order item unit price",
            "AVG(unit_price)",
            "currency",
            False,
        ),
        (
            "avg_product_unit_price",
            "average product unit price",
            "AVG(unit_price)",
            "currency",
            False,
        ),
    ],
)
def test_measure_metrics(
    demo: Ontology, name: str, label: str, expression: str, format: str, additive: bool
) -> None:
    metric = demo.metric(name)
    assert metric is not None
    assert (metric.label, metric.expression, metric.format, metric.additive) == (
        label,
        expression,
        format,
        additive,
    )


def test_shared_measure_keeps_its_plain_words_as_synonyms(demo: Ontology) -> None:
    for name in ("avg_order_item_unit_price", "avg_product_unit_price"):
        metric = demo.metric(name)
        assert metric is not None
        assert "average unit price" in metric.synonyms


def test_sum_metrics_carry_the_column_synonyms(demo: Ontology) -> None:
    metric = demo.metric("total_quantity")
    assert metric is not None
    assert {"quantity", "units", "qty"} <= set(metric.synonyms)


def test_per_unit_values_are_never_summed(demo: Ontology) -> None:
    expressions = {metric.expression for metric in demo.metrics}
    assert "SUM(unit_price)" not in expressions
    assert "SUM(unit_cost)" not in expressions


def test_no_profit_when_cost_lives_on_another_table(demo: Ontology) -> None:
    assert demo.metric("profit") is None


# --- people operations ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "label", "role"),
    [
        ("department.dept_name", "department name", "dimension"),
        ("department.dept_id", "department id", "identifier"),
        ("employee.emp_id", "employee id", "identifier"),
        ("employee.jobTitle", "job title", "dimension"),
        ("employee.hireDate", "hire date", "time"),
        ("employee.salary", "salary", "measure"),
        ("employee.manager_id", "manager id", "identifier"),
        ("assignment.assigned_on", "assigned on", "time"),
        ("perf_review.score", "score", "measure"),
    ],
)
def test_hr_labels_and_roles(hr: Ontology, field: str, label: str, role: str) -> None:
    attribute = hr.resolve(field)[1]
    assert (attribute.label, attribute.role) == (label, role)


def test_hr_object_labels_expand_abbreviations(hr: Ontology) -> None:
    review = hr.object("perf_review")
    assert review is not None
    assert (review.label, review.plural) == ("performance review", "performance reviews")
    employee = hr.object("employee")
    assert employee is not None
    assert (employee.label, employee.plural) == ("employee", "employees")
    assert {"staff", "worker"} <= set(employee.synonyms)


def test_hr_display_is_the_more_unique_of_first_and_last_name(hr: Ontology) -> None:
    employee = hr.object("employee")
    assert employee is not None
    assert employee.display_attribute == "last_name"


@pytest.mark.parametrize(
    ("table", "time"),
    [
        ("employee", "hireDate"),  # not the birth date, not the termination date
        ("project", "start_date"),
        ("assignment", "assigned_on"),
        ("perf_review", "review_date"),
        ("department", None),
    ],
)
def test_hr_default_time(hr: Ontology, table: str, time: str | None) -> None:
    obj = hr.object(table)
    assert obj is not None
    assert obj.default_time == time


def test_text_dates_whose_values_do_not_parse_stay_dimensions() -> None:
    schema = SchemaInfo(
        "sqlite",
        (TableInfo("events", (C("event_date", "text", distinct_values=("soon", "later")),)),),
    )
    ontology = derive_ontology(schema, source="s")
    assert ontology.resolve("events.event_date")[1].role == "dimension"


def test_hr_relationships(hr: Ontology) -> None:
    found = {
        (r.from_object, r.from_columns[0], r.to_object, r.to_columns[0], r.origin, r.label)
        for r in hr.relationships
    }
    assert found == {
        ("employee", "dept_id", "department", "dept_id", "foreign_key", ""),
        ("employee", "manager_id", "employee", "emp_id", "foreign_key", "manager"),
        ("project", "dept_id", "department", "dept_id", "foreign_key", ""),
        ("assignment", "emp_id", "employee", "emp_id", "name_match", ""),
        ("assignment", "project_id", "project", "project_id", "name_match", ""),
        ("perf_review", "emp_id", "employee", "emp_id", "foreign_key", ""),
        ("perf_review", "reviewer_id", "employee", "emp_id", "foreign_key", "reviewer"),
    }


def test_hr_metrics(hr: Ontology) -> None:
    salary = hr.metric("total_salary")
    assert salary is not None
    assert (salary.expression, salary.format) == ("SUM(salary)", "currency")
    assert {"pay", "compensation"} <= set(salary.synonyms)
    headcount = hr.metric("employee_count")
    assert headcount is not None
    assert "headcount" in headcount.synonyms
    assert hr.metric("avg_score") is not None
    assert hr.metric("total_score") is None  # a total of review scores means nothing
    budgets = {m.name: m.object for m in hr.metrics if "budget" in m.name}
    assert budgets == {
        "total_department_budget": "department",
        "avg_department_budget": "department",
        "total_project_budget": "project",
        "avg_project_budget": "project",
    }
    assert hr.metric("revenue") is None


# --- no declared keys -------------------------------------------------------------------


def test_name_matched_relationships(no_keys: Ontology) -> None:
    found = {
        (r.from_object, r.from_columns[0], r.to_object, r.to_columns[0], r.label)
        for r in no_keys.relationships
    }
    assert found == {
        ("customers", "country_code", "countries", "country_code", ""),
        ("orders", "customer_id", "customers", "id", ""),
        ("staff_members", "manager_id", "staff_members", "id", "manager"),
        ("categories", "parent_id", "categories", "id", "parent"),
        ("products", "category_id", "categories", "id", ""),
    }
    assert {r.origin for r in no_keys.relationships} == {"name_match"}


@pytest.mark.parametrize(
    ("field", "role"),
    [
        ("customers.id", "identifier"),
        ("customers.external_id", "identifier"),
        ("customers.zip_code", "dimension"),
        ("customers.is_active", "dimension"),
        ("customers.age", "measure"),
        ("orders.fiscal_year", "dimension"),
        ("orders.priority", "dimension"),
        ("orders.total", "measure"),
        ("products.rating", "measure"),
        ("products.sku", "dimension"),
    ],
)
def test_no_keys_roles(no_keys: Ontology, field: str, role: str) -> None:
    assert no_keys.resolve(field)[1].role == role


@pytest.mark.parametrize(
    ("table", "label", "display", "time"),
    [
        ("countries", "country", "country", None),
        ("customers", "customer", "name", None),
        ("orders", "order", None, "created_at"),
        ("staff_members", "staff member", "full_name", "hired_on"),
        ("products", "product", "title", None),
    ],
)
def test_no_keys_objects(
    no_keys: Ontology, table: str, label: str, display: str | None, time: str | None
) -> None:
    obj = no_keys.object(table)
    assert obj is not None
    assert (obj.label, obj.display_attribute, obj.default_time) == (label, display, time)


def test_generic_column_names_are_qualified_by_their_object(no_keys: Ontology) -> None:
    name = no_keys.resolve("customers.name")[1]
    assert (name.label, "name" in name.synonyms) == ("customer name", True)
    total = no_keys.resolve("orders.total")[1]
    assert (total.label, "total" in total.synonyms) == ("order total", True)


def test_sales_amount_on_an_order_table_is_revenue(no_keys: Ontology) -> None:
    revenue = no_keys.metric("revenue")
    assert revenue is not None
    assert (revenue.object, revenue.expression, revenue.format) == (
        "orders",
        "SUM(total)",
        "currency",
    )
    assert "sales" in revenue.synonyms
    assert no_keys.metric("total_total") is None
    assert no_keys.metric("total_age") is None and no_keys.metric("avg_age") is not None


# --- revenue and profit rules -----------------------------------------------------------


def _metrics(*tables: TableInfo) -> dict[str, tuple[str, str]]:
    ontology = derive_ontology(SchemaInfo("duckdb", tables), source="s")
    return {metric.name: (metric.object, metric.expression) for metric in ontology.metrics}


def test_amount_outside_a_sales_table_is_not_revenue() -> None:
    metrics = _metrics(TableInfo("budgets", (C("id", "integer"), C("amount", "decimal"))))
    assert "revenue" not in metrics
    assert metrics["total_amount"] == ("budgets", "SUM(amount)")


def test_line_revenue_wins_over_an_order_amount() -> None:
    metrics = _metrics(
        TableInfo("orders", (C("order_id", "integer"), C("amount", "decimal"))),
        TableInfo(
            "order_lines",
            (
                C("line_id", "integer"),
                C("order_id", "integer"),
                C("qty", "integer"),
                C("price", "decimal"),
            ),
        ),
    )
    assert metrics["revenue"] == ("order_lines", "SUM(qty * price)")
    assert metrics["total_amount"] == ("orders", "SUM(amount)")


def test_profit_when_price_and_cost_share_a_table() -> None:
    metrics = _metrics(
        TableInfo(
            "sales",
            (
                C("sale_id", "integer"),
                C("units", "integer"),
                C("unit_price", "decimal"),
                C("unit_cost", "decimal"),
            ),
        )
    )
    assert metrics["revenue"] == ("sales", "SUM(units * unit_price)")
    assert metrics["profit"] == ("sales", "SUM(units * (unit_price - unit_cost))")


def test_mixed_case_columns_are_quoted_in_expressions() -> None:
    metrics = _metrics(TableInfo("Trips", (C("tripId", "integer"), C("Distance", "float"))))
    assert metrics["total_distance"] == ("Trips", 'SUM("Distance")')


@pytest.mark.parametrize("schema", [DEMO, HR, NO_KEYS], ids=["demo", "hr", "no_keys"])
def test_metrics_are_unique_and_read_only_their_objects_columns(schema: SchemaInfo) -> None:
    ontology = derive_ontology(schema, source="s")
    names = [metric.name for metric in ontology.metrics]
    assert len(names) == len(set(names))
    for metric in ontology.metrics:
        obj = ontology.object(metric.object)
        assert obj is not None
        tree = sqlglot.parse_one(metric.expression, read="duckdb")
        assert tree.find(exp.AggFunc) is not None
        for column in tree.find_all(exp.Column):
            assert obj.attribute(column.name) is not None, (metric.name, column.name)


@pytest.mark.parametrize("schema", [DEMO, HR, NO_KEYS], ids=["demo", "hr", "no_keys"])
def test_derivation_is_deterministic(schema: SchemaInfo) -> None:
    assert derive_ontology(schema, source="s") == derive_ontology(schema, source="s")


# --- keys checked on the data -----------------------------------------------------------

#: Two tables without declared keys, and what introspection measured about their values.
MEASURED = SchemaInfo(
    dialect="postgres",
    tables=(
        TableInfo(
            "customers",
            (C("id", "integer"), C("name", "text")),
            primary_key=("id",),
            row_count=4,
        ),
        TableInfo(
            "orders",
            (C("id", "integer"), C("customer_id", "integer"), C("rep_id", "integer")),
            primary_key=("id",),
            row_count=9,
        ),
        TableInfo("reps", (C("rep_id", "integer"), C("name", "text")), row_count=3),
        TableInfo("archive", (C("id", "integer"), C("customer_id", "integer")), row_count=0),
    ),
    key_overlaps=(
        KeyOverlap("orders", "customer_id", "customers", "id", sampled=4, found=4),
        KeyOverlap("orders", "rep_id", "reps", "rep_id", sampled=3, found=3, target_unique=False),
        KeyOverlap("archive", "customer_id", "customers", "id", sampled=0, found=0),
    ),
)


def test_measured_keys_decide_and_are_recorded() -> None:
    ontology = derive_ontology(MEASURED, source="m")
    found = {
        (r.from_object, r.from_columns[0], r.to_object, r.to_columns[0], r.origin, r.overlap)
        for r in ontology.relationships
    }
    assert found == {
        ("orders", "customer_id", "customers", "id", "name_match", 1.0),
        # Nothing sampled (an empty table): the names alone decide, no figure.
        ("archive", "customer_id", "customers", "id", "name_match", None),
        # reps.rep_id has duplicates: not a key, orders.rep_id is not linked to it.
    }


def test_the_overlap_survives_a_yaml_round_trip() -> None:
    ontology = derive_ontology(MEASURED, source="m")
    text = export_yaml(ontology)
    assert "overlap: 1.0" in text
    assert import_yaml(text, derived=ontology).relationships == ontology.relationships
    assert import_yaml(text).relationships == ontology.relationships


@pytest.mark.parametrize(
    ("column", "found", "linked"),
    [("customer_id", 8, True), ("customer_id", 7, False), ("buyer", 10, False)],
)
def test_overlap_thresholds(column: str, found: int, linked: bool) -> None:
    """0.8 when the names say the link (customer_id), 0.9 for a bare table name."""
    schema = SchemaInfo(
        dialect="postgres",
        tables=(
            TableInfo("buyer", (C("id", "integer"),), primary_key=("id",), row_count=20),
            TableInfo("customers", (C("id", "integer"),), primary_key=("id",), row_count=20),
            TableInfo("orders", (C("pos", "integer"), C(column, "integer")), row_count=20),
        ),
        key_overlaps=(
            KeyOverlap(
                "orders",
                column,
                "customers" if column != "buyer" else "buyer",
                "id",
                sampled=10 if column != "buyer" else 12,
                found=found,
            ),
        ),
    )
    links = {
        (r.from_columns[0], r.to_object) for r in derive_ontology(schema, source="t").relationships
    }
    assert bool(links) == linked


@pytest.mark.parametrize(
    ("table", "label"),
    [("Ref_Locations", "location"), ("lu_status", "status"), ("dim_customer", "customer"),
     ("reference_codes", "code"), ("referee", "referee")],
)
def test_a_prefix_saying_what_kind_of_table_is_not_its_label(table: str, label: str) -> None:
    schema = SchemaInfo(dialect="sqlite", tables=(
        TableInfo(table, (C("id", "integer", primary_key=True), C("title", "text")),
                  primary_key=("id",)),
    ))
    assert derive_ontology(schema, source="kinds").objects[0].label == label


@pytest.mark.parametrize(
    ("key_values", "synonyms", "display"),
    [
        # Rows keyed by words are called by the key's name: the allergy types are allergies.
        (("Cat", "Eggs", "Pollen", "Shellfish"), {"allergy", "allergies"}, "Allergy"),
        # Codes name nothing.
        (("A1", "B2", "C3", "D4"), set(), "AllergyType"),
    ],
)
def test_rows_keyed_by_a_word_are_called_by_it(
    key_values: tuple[str, ...], synonyms: set[str], display: str
) -> None:
    schema = SchemaInfo(dialect="sqlite", tables=(
        TableInfo("Allergy_Type", (C("Allergy", "text", primary_key=True,
                                     distinct_values=key_values),
                                   C("AllergyType", "text", distinct_values=("food", "animal"))),
                  primary_key=("Allergy",), row_count=4),
    ))
    obj = derive_ontology(schema, source="allergies").objects[0]
    assert synonyms <= set(obj.synonyms) and (synonyms or "allergies" not in obj.synonyms)
    assert obj.display_attribute == display


def test_a_key_that_is_a_name_names_its_rows() -> None:
    # Departments keyed by their name: "the name of the department" is that key.
    schema = SchemaInfo(dialect="sqlite", tables=(
        TableInfo("department", (C("dept_name", "text", primary_key=True, distinct_count=5),
                                 C("building", "text", distinct_count=4),
                                 C("budget", "decimal")),
                  primary_key=("dept_name",), row_count=5),
    ))
    assert derive_ontology(schema, source="campus").objects[0].display_attribute == "dept_name"


@pytest.mark.parametrize(
    ("columns", "display"),
    [
        # A text number called after the rows labels them ("NJ 469")...
        ((C("route_no", "text", distinct_count=40),), "route_no"),
        # ... after a name, which says more.
        ((C("route_no", "text", distinct_count=40), C("route_name", "text", distinct_count=40)),
         "route_name"),
    ],
)
def test_a_number_called_after_the_rows_labels_them(
    columns: tuple[ColumnInfo, ...], display: str
) -> None:
    schema = SchemaInfo(dialect="sqlite", tables=(
        TableInfo("route", (C("route_id", "integer", primary_key=True), *columns),
                  primary_key=("route_id",), row_count=40),
    ))
    assert derive_ontology(schema, source="rail").objects[0].display_attribute == display


def test_a_column_word_cut_from_its_tables_name_is_that_name() -> None:
    # "dep_date" of departures is the departure date (not a department's).
    schema = SchemaInfo(dialect="sqlite", tables=(
        TableInfo("departure", (C("departure_id", "integer", primary_key=True),
                                C("dep_date", "date")), primary_key=("departure_id",)),
    ))
    obj = derive_ontology(schema, source="rail").objects[0]
    assert obj.attribute("dep_date").label == "departure date"


@pytest.mark.parametrize(("column", "default_time"), [("dob", None), ("updated_at", "updated_at")])
def test_a_birth_date_never_dates_the_rows(column: str, default_time: str | None) -> None:
    # "players on the roster in 2024" are not the players born in 2024.
    schema = SchemaInfo(dialect="sqlite", tables=(
        TableInfo("player", (C("player_id", "integer", primary_key=True),
                             C("name", "text"), C(column, "date")), primary_key=("player_id",)),
    ))
    assert derive_ontology(schema, source="league").objects[0].default_time == default_time


@pytest.mark.parametrize(
    ("columns", "display"),
    [
        # Periods are called by their one year: seasons.
        ((C("yr", "integer"), C("start_date", "date")), "yr"),
        # Rows with more of their own are events a year only dates.
        ((C("yr", "integer"), C("kind", "text", distinct_count=3)), None),
        ((C("yr", "integer"), C("amount", "decimal")), None),
    ],
)
def test_periods_are_called_by_their_year(
    columns: tuple[ColumnInfo, ...], display: str | None
) -> None:
    schema = SchemaInfo(dialect="sqlite", tables=(
        TableInfo("season", (C("season_id", "integer", primary_key=True), *columns),
                  primary_key=("season_id",)),
    ))
    assert derive_ontology(schema, source="league").objects[0].display_attribute == display


def test_a_title_after_the_rows_own_name_names_its_rows() -> None:
    # "the average salary for each job title": jobs are named by their `job_title`.
    schema = SchemaInfo(dialect="sqlite", tables=(
        TableInfo("jobs", (C("job_id", "text", primary_key=True, distinct_count=9),
                           C("job_title", "text", distinct_count=9),
                           C("min_salary", "decimal")),
                  primary_key=("job_id",), row_count=9),
    ))
    assert derive_ontology(schema, source="staff").objects[0].display_attribute == "job_title"


@pytest.mark.parametrize(
    ("columns", "kept"),
    [
        # Alone, the phone number is also the mobile.
        ((C("phone_number", "text"),), True),
        # Beside a column named by it, "mobile" is that column's word.
        ((C("phone_number", "text"), C("cell_mobile_phone_number", "text")), False),
    ],
)
def test_a_synonym_is_not_a_word_another_column_is_named_by(
    columns: tuple[ColumnInfo, ...], kept: bool
) -> None:
    table = TableInfo("customers", (C("customer_id", "integer", primary_key=True), *columns),
                      primary_key=("customer_id",))
    ontology = derive_ontology(SchemaInfo(dialect="sqlite", tables=(table,)), source="s")
    assert ("mobile" in ontology.resolve("customers.phone_number")[1].synonyms) is kept


@pytest.mark.parametrize("price", ["sale_price", "price", "selling_price"])
def test_a_sale_of_one_thing_at_a_price_is_revenue(price: str) -> None:
    """Each row of sales is one sale at a price: revenue is the sum of the prices."""
    schema = SchemaInfo(dialect="sqlite", tables=(
        TableInfo("sales", (C("sale_id", "integer", primary_key=True), C(price, "float"),
                            C("sale_date", "date")), primary_key=("sale_id",), row_count=10),
    ))
    revenue = derive_ontology(schema, source="shop").metric("revenue")
    assert revenue is not None and revenue.expression == f"SUM({price})"


def test_a_list_price_of_things_is_no_revenue() -> None:
    """A price that a quantity would multiply, on rows that are no sales, is not revenue."""
    schema = SchemaInfo(dialect="sqlite", tables=(
        TableInfo("products", (C("product_id", "integer", primary_key=True),
                               C("price", "float")), primary_key=("product_id",), row_count=10),
    ))
    assert derive_ontology(schema, source="shop").metric("revenue") is None
