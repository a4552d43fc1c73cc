"""``parley teach``: questions and definitions taught from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from parley.cli import app
from tests.test_cli import UNSET_ENVIRONMENT, assert_clean_failure

REPEAT_SQL = (
    "SELECT c.customer_name, COUNT(*) AS orders FROM customers c "
    "JOIN orders o ON o.customer_id = c.customer_id WHERE c.country = 'France' "
    "GROUP BY c.customer_name HAVING COUNT(*) > 1"
)


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    home = tmp_path_factory.mktemp("cli-teach-home")
    return {**dict.fromkeys(UNSET_ENVIRONMENT), "PARLEY_HOME": str(home)}


def run(environment: dict[str, str | None], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=environment)


def json_of(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_teach_a_question_then_ask_it_with_other_values(
    environment: dict[str, str | None], tmp_path: Path
) -> None:
    sql_file = tmp_path / "repeat.sql"
    sql_file.write_text(REPEAT_SQL)
    taught = json_of(
        run(environment, "teach", "question", "repeat customers in France",
            "--sql", f"@{sql_file}", "--json")
    )  # fmt: skip
    assert taught["kind"] == "sql" and taught["sql"] == REPEAT_SQL

    answer = json_of(run(environment, "ask", "repeat clients from Spain", "--json"))
    assert "taught_question" in answer["agents_visited"]
    assert "'Spain'" in answer["sql"] and taught["id"] in answer["reason"]

    listed = json_of(run(environment, "teach", "list", "--json"))
    assert [t["id"] for t in listed] == [taught["id"]]
    assert run(environment, "teach", "forget", taught["id"]).exit_code == 0
    assert json_of(run(environment, "teach", "list", "--json")) == []


def test_teach_the_question_of_a_stored_answer(environment: dict[str, str | None]) -> None:
    asked = json_of(run(environment, "ask", "revenue by segment", "--json"))
    reading = "metrics: [{metric: revenue}]\ndimensions: [{field: customers.industry}]"
    taught = json_of(
        run(environment, "teach", "answer", asked["message_id"], "--reading", reading, "--json")
    )
    assert taught["question"] == "revenue by segment"
    assert taught["semantic_query"]["dimensions"] == [{"field": "customers.industry"}]
    run(environment, "teach", "forget", taught["id"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("question", "drop it", "--sql", "DROP TABLE orders"), "DROP statements are not allowed"),
        (("question", "q", "--reading", "metrics: [{metric: nope}]"), "unknown metric 'nope'"),
        (("question", "q", "--sql", "@/no/such/file.sql"), "cannot read /no/such/file.sql"),
        (("question", "q"), "either a reading"),
        (("forget", "tq_missing"), "not found"),
        (("filter", "f", "--object", "customers", "--condition", "nope > 1"), "nope"),
    ],
)
def test_teach_refusals_are_clean_errors(
    environment: dict[str, str | None], args: tuple[str, ...], message: str
) -> None:
    assert_clean_failure(run(environment, "teach", *args), message)
