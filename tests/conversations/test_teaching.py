"""Taught questions through the door: saved only when they compile or pass the guard,
reused for questions of the same shape with the new values, exported with the ontology."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from parley.auth.principal import Principal
from parley.conversations.installation import DEMO_NAME, Parley
from parley.engine.events import Done
from parley.engine.orchestrator import TurnContext, run_turn
from parley.engine.row_filters import RowFilter
from parley.errors import Forbidden, GuardRejected, InvalidInput, NotFound
from parley.store import catalog

APP = "teach_demo"
REPEAT_SQL = (
    "SELECT c.customer_name, COUNT(*) AS orders FROM customers c "
    "JOIN orders o ON o.customer_id = c.customer_id WHERE c.country = 'France' "
    "GROUP BY c.customer_name HAVING COUNT(*) > 1 ORDER BY orders DESC, c.customer_name"
)
SPENDERS = {
    "metrics": [{"metric": "revenue"}],
    "dimensions": [{"field": "customers.customer_name"}],
    "filters": [{"field": "customers.country", "op": "eq", "values": ["France"]}],
    "time_range": {"start": "2024-01-01", "end": "2025-01-01", "label": "2024"},
    "order": [{"key": "revenue"}],
    "limit": 3,
}


@pytest.fixture(scope="module")
def teacher(parley: Parley) -> Principal:
    return parley.principal_named("member:teacher")


@pytest.fixture(scope="module")
def app(parley: Parley) -> Iterator[str]:
    """An application of its own over the demo source: what it is taught stays in it."""
    parley.create_application(APP, source=DEMO_NAME)
    yield APP
    parley.delete_application(APP, force=True)


def expected_rows(parley: Parley, sql: str) -> list[list[Any]]:
    with parley.store.session() as session:
        record = catalog.get_source_by_name(session, parley.organization_id, DEMO_NAME)
        assert record is not None
        source = parley.source(record)
    return source.execute(sql, max_rows=10_000, timeout_s=30).rows


def test_a_declined_question_taught_as_sql_answers_paraphrases_with_other_values(
    parley: Parley, teacher: Principal, app: str
) -> None:
    before = parley.ask("repeat customers in France", app=app, principal="member:teacher")
    assert before.answer.intent == "clarification"  # the built-in engine declines it

    taught = parley.teaching.teach(teacher, app, "repeat customers in France", sql=REPEAT_SQL)
    assert taught.kind == "sql"

    for question, country in [
        ("repeat clients from Germany", "Germany"),
        ("show me the repeat customers in Spain", "Spain"),
        ("Repeat customers of Japan", "Japan"),
    ]:
        answer = parley.ask(question, app=app, principal="member:teacher").answer
        assert answer.intent == "sql_query", question
        assert "taught_question" in answer.agents_visited
        assert taught.id in answer.reason and repr(country) in answer.reason
        assert answer.sql is not None and f"'{country}'" in answer.sql
        assert "'France'" not in answer.sql
        expected = expected_rows(parley, REPEAT_SQL.replace("'France'", f"'{country}'"))
        assert answer.rows == expected and expected, question


def test_a_taught_reading_takes_the_new_value_number_and_year(
    parley: Parley, teacher: Principal, app: str
) -> None:
    question = "the 3 big spenders in France in 2024"
    assert parley.ask(question, app=app).answer.intent == "clarification"
    taught = parley.teaching.teach(teacher, app, question, reading=SPENDERS)
    assert taught.kind == "reading"

    answer = parley.ask("the 5 big spenders from Germany in 2023", app=app).answer
    assert answer.intent == "sql_query"
    assert "taught_question" in answer.agents_visited
    query = answer.semantic_query
    assert query is not None
    assert query["filters"] == [{"field": "customers.country", "op": "eq", "values": ["Germany"]}]
    assert query["limit"] == 5
    assert (query["time_range"]["start"], query["time_range"]["end"]) == (
        "2023-01-01",
        "2024-01-01",
    )
    assert len(answer.rows) == 5
    assert "Answered with the taught question" in answer.text


def test_a_question_of_another_shape_is_not_answered_from_a_taught_one(
    parley: Parley, teacher: Principal, app: str
) -> None:
    parley.teaching.teach(teacher, app, "repeat customers in France", sql=REPEAT_SQL)
    answer = parley.ask("repeat products in France", app=app).answer
    assert "taught_question" not in answer.agents_visited


@pytest.mark.parametrize(
    ("sql", "refused"),
    [
        ("DELETE FROM orders", GuardRejected),
        ("SELECT * FROM information_schema.tables", GuardRejected),
        ("SELECT 1; DROP TABLE orders", GuardRejected),
        ("SELECT * FROM read_csv('/etc/passwd')", GuardRejected),
    ],
)
def test_sql_that_the_guard_refuses_is_not_taught(
    parley: Parley, teacher: Principal, app: str, sql: str, refused: type[Exception]
) -> None:
    before = len(parley.teaching.taught(teacher, app))
    with pytest.raises(refused):
        parley.teaching.teach(teacher, app, "drop everything", sql=sql)
    assert len(parley.teaching.taught(teacher, app)) == before


@pytest.mark.parametrize(
    ("reading", "sql", "message"),
    [
        ({"metrics": [{"metric": "no_such_metric"}]}, None, "no_such_metric"),
        ("metrics: [oops", None, "not valid JSON or YAML"),
        ({"limit": "many"}, None, "limit"),
        (None, None, "either a reading"),
        (SPENDERS, "SELECT 1", "either a reading"),
    ],
)
def test_a_reading_that_does_not_compile_is_refused_clearly(
    parley: Parley,
    teacher: Principal,
    app: str,
    reading: Any,
    sql: str | None,
    message: str,
) -> None:
    with pytest.raises(InvalidInput) as raised:
        parley.teaching.teach(teacher, app, "anything", reading=reading, sql=sql)
    assert message in raised.value.message


def test_taught_sql_gets_the_readers_row_filters_on_every_use(
    parley: Parley, teacher: Principal, app: str
) -> None:
    parley.teaching.teach(teacher, app, "repeat customers in France", sql=REPEAT_SQL)
    with parley.store.session() as session:
        application = catalog.get_application_by_name(session, parley.organization_id, app)
        assert application is not None
        workspace = parley.workspace(
            application,
            row_filters=(RowFilter(column="segment", op="eq", value="Enterprise"),),
            session=session,
        )
    events = list(run_turn(workspace, "repeat customers in Germany", TurnContext()))
    done = events[-1]
    assert isinstance(done, Done)
    assert done.answer.sql is not None and "'Enterprise'" in done.answer.sql
    expected = expected_rows(
        parley,
        REPEAT_SQL.replace("'France'", "'Germany' AND c.segment = 'Enterprise'"),
    )
    assert done.answer.rows == expected


@pytest.mark.parametrize(
    "principal",
    [
        Principal("org", "tenant:acme/u", "u", space_id="space_1"),
        Principal("org", "channel:chan_1/u", "u", channel_id="chan_1"),
    ],
)
def test_a_space_or_channel_reader_cannot_teach(
    parley: Parley, app: str, principal: Principal
) -> None:
    with pytest.raises(Forbidden):
        parley.teaching.teach(principal, app, "repeat customers in France", sql=REPEAT_SQL)


def test_an_answer_is_taught_by_its_id_or_its_questions_id(
    parley: Parley, teacher: Principal, app: str
) -> None:
    turn = parley.ask("revenue by country in 2024", app=app, principal="member:teacher")
    kept = parley.teaching.teach_answer(teacher, turn.assistant_message_id)
    assert kept.question == "revenue by country in 2024"
    assert kept.semantic_query == turn.answer.semantic_query
    corrected = parley.teaching.teach_answer(
        teacher, turn.user_message_id, sql="SELECT country, COUNT(*) AS n FROM customers GROUP BY 1"
    )
    assert corrected.kind == "sql" and corrected.question == kept.question
    with pytest.raises(NotFound):  # another member's answer is not theirs to teach
        parley.teaching.teach_answer(
            parley.principal_named("member:other"), turn.assistant_message_id
        )
    with pytest.raises(NotFound):
        parley.teaching.teach_answer(teacher, turn.assistant_message_id, app=DEMO_NAME)


def test_taught_questions_travel_with_the_ontology_yaml(
    parley: Parley, teacher: Principal, app: str
) -> None:
    parley.teaching.teach(teacher, app, "repeat customers in France", sql=REPEAT_SQL)
    mine = {(t.question, t.sql) for t in parley.teaching.taught(teacher, app)}
    text = parley.export_ontology(DEMO_NAME)
    assert "taught:" in text and "repeat customers in France" in text

    for view in parley.teaching.taught(teacher, app):
        parley.teaching.forget(teacher, view.id)
    assert parley.teaching.taught(teacher, app) == []
    assert "taught_question" not in (
        parley.ask("repeat customers in Spain", app=app).answer.agents_visited
    )

    for _ in range(2):  # importing twice is importing once
        parley.import_ontology(DEMO_NAME, text)
        assert {(t.question, t.sql) for t in parley.teaching.taught(teacher, app)} == mine
    assert (
        "taught_question" in parley.ask("repeat customers in Spain", app=app).answer.agents_visited
    )


def test_an_import_naming_an_unknown_application_changes_nothing(
    parley: Parley, teacher: Principal, app: str
) -> None:
    text = parley.export_ontology(DEMO_NAME)
    bad = text + "\n- application: nowhere\n  question: q\n  sql: SELECT 1\n"
    if "taught:" not in text:
        bad = text + "taught:\n- application: nowhere\n  question: q\n  sql: SELECT 1\n"
    with pytest.raises(InvalidInput, match="nowhere"):
        parley.import_ontology(DEMO_NAME, bad)


def test_a_taught_metric_is_understood_in_every_question(
    parley: Parley, teacher: Principal, tmp_path: Path
) -> None:
    path = tmp_path / "shop.duckdb"
    today = dt.date.today()
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "CREATE TABLE visits (visit_id INTEGER PRIMARY KEY, shop VARCHAR, "
            "visit_date DATE, minutes INTEGER)"
        )
        connection.executemany(
            "INSERT INTO visits VALUES (?, ?, ?, ?)",
            [
                (i, "North" if i % 2 else "South", today - dt.timedelta(days=i), i)
                for i in range(1, 41)
            ],
        )
    parley.add_source(f"duckdb:///{path}", name="shop")
    parley.create_application("shop", source="shop")
    try:
        assert parley.ask("dwell score by shop", app="shop").answer.intent == "clarification"
        metric = parley.teaching.define_metric(
            teacher,
            "shop",
            name="dwell_score",
            expression="SUM(minutes) * 2",
            object_name="visits",
            synonyms=["dwell"],
        )
        assert metric.edited
        answer = parley.ask("dwell score by shop", app="shop").answer
        assert answer.intent == "sql_query"
        assert sorted(answer.rows) == [
            ["North", 2 * sum(i for i in range(1, 41) if i % 2)],
            ["South", 2 * sum(i for i in range(1, 41) if not i % 2)],
        ]
        assert "dwell_score" in parley.export_ontology("shop")
        with pytest.raises(InvalidInput, match="nope"):
            parley.teaching.define_metric(
                teacher, "shop", name="bad", expression="SUM(nope)", object_name="visits"
            )
    finally:
        parley.delete_application("shop", force=True)
        parley.delete_source("shop", force=True)


@pytest.fixture
def clinic(parley: Parley, tmp_path: Path) -> Iterator[str]:
    """A source of its own: a business definition changes the source's ontology."""
    path = tmp_path / "clinic.duckdb"
    today = dt.date.today()
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "CREATE TABLE patients (patient_id INTEGER PRIMARY KEY, patient_name VARCHAR, "
            "city VARCHAR)"
        )
        connection.execute(
            "CREATE TABLE visits (visit_id INTEGER PRIMARY KEY, patient_id INTEGER "
            "REFERENCES patients (patient_id), visit_date DATE, fee DOUBLE)"
        )
        connection.executemany(
            "INSERT INTO patients VALUES (?, ?, ?)",
            [(i, f"patient {i}", "Lyon" if i % 3 else "Nice") for i in range(1, 31)],
        )
        # Patient i last came i * 10 days ago: 1..9 within the last 90 days, 10..30 before.
        connection.executemany(
            "INSERT INTO visits VALUES (?, ?, ?, ?)",
            [(i, i, today - dt.timedelta(days=i * 10), 100.0 + i) for i in range(1, 31)],
        )
    parley.add_source(f"duckdb:///{path}", name="clinic")
    parley.create_application("clinic", source="clinic")
    yield "clinic"
    parley.delete_application("clinic", force=True)
    parley.delete_source("clinic", force=True)


ACTIVE = "patient_id IN (SELECT patient_id FROM visits WHERE visit_date >= CURRENT_DATE - 90)"


def test_a_business_definition_is_understood_in_every_question(
    parley: Parley, teacher: Principal, clinic: str
) -> None:
    named = parley.teaching.define_filter(
        teacher,
        clinic,
        name="active_patients",
        object_name="patients",
        label="active patient",
        synonyms=["regular"],
        condition=ACTIVE,
        description="came in the last 90 days",
    )
    assert named.label == "active patient"
    active = [i for i in range(1, 31) if i * 10 <= 90]

    count = parley.ask("how many active patients are there", app=clinic).answer
    assert count.rows == [[len(active)]]
    assert "Taught definition" in count.reason and "came in the last 90 days" in count.text

    by_city = parley.ask("number of active patients by city", app=clinic).answer
    assert dict(map(tuple, by_city.rows)) == Counter("Lyon" if i % 3 else "Nice" for i in active)
    fees = parley.ask("fees of regular patients", app=clinic).answer
    assert fees.rows[0][0] == pytest.approx(sum(100.0 + i for i in active))

    text = parley.export_ontology(clinic)
    assert "filters:" in text and "active_patients" in text
    parley.refresh_source(clinic)  # a new reading of the schema keeps the definition
    assert parley.ask("how many active patients are there", app=clinic).answer.rows == [
        [len(active)]
    ]


@pytest.mark.parametrize(
    ("condition", "object_name", "message"),
    [
        ("no_such_column > 1", "patients", "no_such_column"),
        ("patient_id IN (", "patients", "condition"),
        ("1 = 1", "nowhere", "nowhere"),
        ("patient_id IN (SELECT 1 FROM information_schema.tables)", "patients", "not allowed"),
    ],
)
def test_a_definition_that_cannot_compile_or_pass_the_guard_is_refused(
    parley: Parley, teacher: Principal, clinic: str, condition: str, object_name: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        parley.teaching.define_filter(
            teacher, clinic, name="bad", object_name=object_name, condition=condition
        )
    assert message in raised.value.message
    assert "bad" not in parley.export_ontology(clinic)


BIG_ORDERS_SQL = (
    "SELECT COUNT(DISTINCT o.order_id) AS big_orders FROM order_items oi "
    "JOIN orders o ON oi.order_id = o.order_id WHERE oi.quantity > 40 "
    "AND o.order_date >= DATE '2024-01-01' AND o.order_date < DATE '2025-01-01'"
)


def test_taught_sql_takes_the_new_number_and_period_in_its_literals(
    parley: Parley, teacher: Principal, app: str
) -> None:
    parley.teaching.teach(teacher, app, "bulky orders over 40 units in 2024", sql=BIG_ORDERS_SQL)
    answer = parley.ask("bulky orders over 10 units in 2023", app=app).answer
    assert "taught_question" in answer.agents_visited
    assert answer.sql is not None
    assert "> 10" in answer.sql and "'2023-01-01'" in answer.sql and "'2024-01-01'" in answer.sql
    assert "'2025-01-01'" not in answer.sql
    expected = expected_rows(
        parley,
        BIG_ORDERS_SQL.replace("> 40", "> 10")
        .replace("'2024-01-01'", "'2023-01-01'")
        .replace("'2025-01-01'", "'2024-01-01'"),
    )
    assert answer.rows == expected and expected[0][0] > 0
