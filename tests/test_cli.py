"""The command-line face, driven as a user drives it: ``parley.cli.app`` through typer's
CliRunner on one temporary ``PARLEY_HOME``, and the installed entry point in a subprocess."""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import duckdb
import psycopg
import pytest
import typer
import yaml
from typer.testing import CliRunner, Result

from parley.cli import app

DOCS = Path(__file__).parent.parent / "docs" / "cli.md"
API_KEY = re.compile(r"pk_[\w-]+")
POSTGRES = "127.0.0.1:5432/test"
UNSET_ENVIRONMENT = (
    "PARLEY_DATABASE_URL", "PARLEY_JWT_SECRET", "PARLEY_JWT_PRIVATE_KEY", "PARLEY_JWT_PUBLIC_KEY",
    "PARLEY_JWT_JWKS", "PARLEY_JWT_ISSUER", "PARLEY_JWT_AUDIENCE", "PARLEY_MAX_ROWS",
    "PARLEY_MAX_QUESTION_CHARS", "PARLEY_SYNC_LEASE", "PARLEY_SYNC_POLL",
    "PARLEY_LLM_BASE_URL", "PARLEY_LLM_MODEL", "PARLEY_LLM_API_KEY", "PARLEY_LLM_SHARE",
)
SUBPROCESS_TIMEOUT_S = 120


class Run(Protocol):
    def __call__(self, *args: str, input: str | None = None) -> Result: ...


def flat(text: str) -> str:
    """``text`` with rich's line wrapping undone."""
    return " ".join(text.split())


def assert_clean_failure(result: Result, message: str) -> None:
    """Exit status 1, the message on stderr, and no traceback anywhere."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert message in flat(result.stderr), result.stderr
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-home")


@pytest.fixture(scope="module")
def xdg_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the default home would be: nothing may appear there when PARLEY_HOME is set."""
    return tmp_path_factory.mktemp("xdg-data")


@pytest.fixture(scope="module")
def environment(home: Path, xdg_home: Path) -> dict[str, str | None]:
    unset: dict[str, str | None] = dict.fromkeys(UNSET_ENVIRONMENT)
    return {**unset, "PARLEY_HOME": str(home), "XDG_DATA_HOME": str(xdg_home)}


@pytest.fixture(scope="module")
def first_start(environment: dict[str, str | None]) -> Result:
    return CliRunner().invoke(app, ["app", "list"], env=environment)


@pytest.fixture(scope="module")
def run(environment: dict[str, str | None], first_start: Result) -> Run:
    assert first_start.exit_code == 0, first_start.output
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), env=environment, input=input)

    return invoke


def json_of(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- first start ----------------------------------------------------------------------------


def test_first_start_prints_the_admin_key_once_on_stderr(first_start: Result, run: Run) -> None:
    assert "Admin API key (shown once, keep it)" in flat(first_start.stderr)
    keys = API_KEY.findall(first_start.stderr)
    assert len(keys) == 1
    assert keys[0] not in first_start.stdout

    again = run("app", "list")
    assert again.exit_code == 0
    assert "Admin API key" not in again.output
    assert not API_KEY.search(again.output)
    listed = json_of(run("key", "list", "--json"))
    admin = [k for k in listed if k["name"] == "admin"]
    assert len(admin) == 1 and keys[0].startswith(admin[0]["prefix"])


def test_first_start_creates_the_store_the_demo_data_and_the_demo_app_in_parley_home(
    first_start: Result, run: Run, home: Path, xdg_home: Path
) -> None:
    assert first_start.stdout.startswith("demo\tGenerated retail and B2B sales data")
    assert (home / "parley.db").is_file()
    assert (home / "demo.duckdb").is_file()
    assert list(xdg_home.iterdir()) == []
    sources = json_of(run("source", "list", "--json"))
    demo = next(s for s in sources if s["name"] == "demo")
    assert (demo["dialect"], demo["tables"]) == ("duckdb", 5)
    assert demo["url"] == f"duckdb:///{home / 'demo.duckdb'}"
    counted = json_of(run("ask", "how many customers", "--json"))
    assert counted["rows"] == [[800]]


# -- ask ------------------------------------------------------------------------------------

TOP_CUSTOMERS = "top 10 customers by revenue last month"


@pytest.fixture(scope="module")
def top_customers(run: Run) -> dict[str, Any]:
    data: dict[str, Any] = json_of(run("ask", TOP_CUSTOMERS, "--json"))
    return data


def test_ask_json_holds_the_whole_answer(top_customers: dict[str, Any]) -> None:
    assert {"intent", "text", "sql", "columns", "rows", "chart", "insights", "conversation_id",
            "message_id", "semantic_query", "error_code"} <= set(top_customers)
    assert top_customers["intent"] == "sql_query"
    assert top_customers["error_code"] is None
    assert top_customers["conversation_id"].startswith("conv_")
    assert top_customers["columns"] == ["customer_name", "revenue"]
    assert len(top_customers["rows"]) == 10
    revenues = [row[1] for row in top_customers["rows"]]
    assert revenues == sorted(revenues, reverse=True)
    assert top_customers["sql"].startswith("SELECT") and "LIMIT 10" in top_customers["sql"]
    assert top_customers["chart"]["type"] == "bar"
    assert top_customers["chart"]["vega_lite"]["$schema"].startswith("https://vega.github.io")
    assert top_customers["insights"]


def test_ask_prints_answer_sql_table_chart_and_insights(
    run: Run, top_customers: dict[str, Any]
) -> None:
    result = run("ask", TOP_CUSTOMERS)

    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert out.startswith(flat(top_customers["text"]))
    assert "SELECT customers.customer_name AS customer_name" in out
    assert "┃ customer_name" in result.stdout and "┃ revenue" in result.stdout
    for name, revenue in top_customers["rows"]:
        assert f"│ {name}" in result.stdout
        assert f"{revenue:,.2f}" in result.stdout
    assert f"Chart: bar — {top_customers['chart']['title']}" in out
    for insight in top_customers["insights"]:
        assert f"• {flat(insight)}" in out


def test_ask_continues_a_conversation(run: Run, top_customers: dict[str, Any]) -> None:
    follow_up = json_of(run("ask", "now only US customers", "--json",
                            "--conversation", top_customers["conversation_id"]))

    assert follow_up["intent"] == "refinement"
    assert follow_up["conversation_id"] == top_customers["conversation_id"]
    assert "customers.country = 'United States'" in follow_up["sql"]
    assert "LIMIT 10" in follow_up["sql"]


@pytest.mark.parametrize(
    ("name", "magic"),
    [("chart.png", b"\x89PNG\r\n\x1a\n"), ("chart.svg", b"<svg"), ("CHART.PNG", b"\x89PNG")],
)
def test_ask_writes_the_chart(run: Run, tmp_path: Path, name: str, magic: bytes) -> None:
    path = tmp_path / name
    result = run("ask", "top 5 products by revenue", "--chart", str(path))

    assert result.exit_code == 0, result.output
    assert path.read_bytes().startswith(magic)
    assert f"Chart written to {path}" in flat(result.stderr)


def test_ask_says_when_there_is_no_chart_to_write(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "chart.png"
    result = run("ask", "hello", "--chart", str(path))

    assert result.exit_code == 0
    assert "No chart to write: this answer has no data to draw." in result.stderr
    assert not path.exists()


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--chart", "out.gif"], "--chart must end in .png or .svg, not '.gif'", "invalid_input"),
        (["--chart", "out"], "--chart must end in .png or .svg, not 'nothing'", "invalid_input"),
        (["--app", "nope"], "unknown application 'nope'; known applications:", "not_found"),
        (["--conversation", "conv_nope"], "conversation 'conv_nope' not found", "not_found"),
    ],
    ids=["gif", "no-suffix", "unknown-app", "unknown-conversation"],
)
def test_ask_refuses_bad_options_clearly(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str,
    code: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("ask", "top 5 products by revenue", *args)
    assert_clean_failure(result, message)
    if code == "not_found" and "--app" in args:
        assert "demo" in flat(result.stderr).split("known applications:")[1]
    assert list(tmp_path.iterdir()) == []

    as_json = run("ask", "top 5 products by revenue", "--json", *args)
    assert as_json.exit_code == 1
    error = json.loads(as_json.stdout)["error"]
    assert error["code"] == code and message in error["message"]


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "the question is empty"), ("  ", "the question is empty"),
     ("a\x00b", "character U+0000 at position 1 is not text")],
    ids=["empty", "blank", "nul"],
)
def test_ask_refuses_a_question_that_is_not_text(run: Run, question: str, message: str) -> None:
    assert_clean_failure(run("ask", question), message)


def test_a_failed_turn_prints_why_and_exits_1(run: Run, broken_app: str) -> None:
    result = run("ask", "total amount by region", "--app", broken_app)

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert flat(result.stdout).startswith("I could not run this query:")
    assert "SELECT" in result.stdout
    data = json.loads(run("ask", "total amount by region", "--app", broken_app, "--json").stdout)
    assert data["error_code"] == "source_error"


# -- the installed entry point ---------------------------------------------------------------


def subprocess_environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in UNSET_ENVIRONMENT}
    return {**env, "PARLEY_HOME": str(home)}


def test_python_dash_m_parley_answers(first_start: Result, home: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "parley", "ask", "top 5 products by revenue", "--json"],
        env=subprocess_environment(home), capture_output=True, text=True,
        timeout=SUBPROCESS_TIMEOUT_S, check=False,
    )

    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert data["columns"] == ["product_name", "revenue"] and len(data["rows"]) == 5
    assert completed.stderr == ""


def test_the_parley_script_reports_errors_with_exit_status_1(
    first_start: Result, home: Path
) -> None:
    script = Path(sys.executable).with_name("parley")
    if not script.is_file():
        pytest.skip(f"no parley script next to {sys.executable}: the package is not installed")
    completed = subprocess.run(
        [str(script), "ask", "revenue", "--app", "nope"],
        env=subprocess_environment(home), capture_output=True, text=True,
        timeout=SUBPROCESS_TIMEOUT_S, check=False,
    )

    assert completed.returncode == 1
    assert "Error: unknown application 'nope'; known applications:" in flat(completed.stderr)
    assert completed.stdout == ""


# -- chat -----------------------------------------------------------------------------------


def test_chat_commands(run: Run) -> None:
    expected = json_of(run("ask", "top 5 products by revenue", "--json"))
    result = run("chat", input="top 5 products by revenue\n/sql\n/chart pie\n/chart\n"
                               "/history\n/help\n/quit\n")

    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    answer, _, rest = out.partition("you> ")[2].partition("you> ")
    assert answer.startswith(flat(expected["text"]))
    assert "Chart: bar" in answer
    sql, _, rest = rest.partition("you> ")
    assert sql.strip() == flat(expected["sql"])
    pie, _, rest = rest.partition("you> ")
    assert "Chart: pie" in pie and flat(expected["sql"]) in pie
    chart, _, rest = rest.partition("you> ")
    assert chart.strip() == "Chart: pie"
    history, _, rest = rest.partition("you> ")
    assert history.startswith(f"you top 5 products by revenue parley {flat(expected['text'])}")
    assert "you as a pie chart parley" in history
    assert "/chart [type] the chart, or change it" in rest


def test_chat_prints_brackets_as_text_and_survives_errors(run: Run) -> None:
    result = run("chat", "--app", "nope",
                 input="/sql\n/history\nrevenue by [/x] region\n/new\n/quit\n")

    assert result.exit_code == 0, result.output
    assert "No SQL yet." in result.stdout and "Nothing asked yet." in result.stdout
    assert "Error: unknown application 'nope'" in flat(result.stderr)
    assert "Started a new conversation." in result.stdout

    result = run("chat", input="revenue by [/x] region\n/history\n")
    assert result.exit_code == 0, result.output
    assert "you revenue by [/x] region" in result.stdout


# -- sources --------------------------------------------------------------------------------


def make_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE sales (id INTEGER PRIMARY KEY, region TEXT, amount REAL)")
        connection.executemany(
            "INSERT INTO sales (region, amount) VALUES (?, ?)",
            [("[bold]North", 10.0), ("[/x]South", 20.0), ("[bold]North", 5.0)],
        )
    return path


@pytest.fixture(scope="module")
def shop(run: Run, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite source ``shop`` and an application ``shopapp`` over it."""
    path = make_sqlite(tmp_path_factory.mktemp("shop") / "shop.db")
    added = json_of(run("source", "add", f"sqlite:///{path}", "--name", "shop", "--json"))
    assert {k: added[k] for k in ("name", "dialect", "tables", "url")} == {
        "name": "shop", "dialect": "sqlite", "tables": 1, "url": f"sqlite:///{path}"}
    assert added["id"].startswith("src_")
    created = json_of(run("app", "create", "--name", "shopapp", "--source", "shop", "--json"))
    assert (created["name"], created["source"]) == ("shopapp", "shop")
    return "shop"


@pytest.fixture(scope="module")
def broken_app(run: Run, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An application whose only table is a view over a CSV file: sources are opened with
    file access disabled, so every query on it fails inside the database."""
    folder = tmp_path_factory.mktemp("broken")
    (folder / "shipments.csv").write_text("region,amount\nNorth,1.5\nSouth,2.5\n")
    with duckdb.connect(str(folder / "broken.duckdb")) as connection:
        connection.execute(
            "CREATE VIEW shipments AS SELECT region::VARCHAR AS region, "
            f"amount::DOUBLE AS amount FROM read_csv('{folder / 'shipments.csv'}')"
        )
    assert run("source", "add", f"duckdb:///{folder / 'broken.duckdb'}",
               "--name", "broken").exit_code == 0
    assert run("app", "create", "--name", "broken", "--source", "broken").exit_code == 0
    return "broken"


def test_source_add_sqlite(run: Run, tmp_path: Path) -> None:
    path = make_sqlite(tmp_path / "copy.db")
    result = run("source", "add", f"sqlite:///{path}", "--name", "shop_copy")

    assert result.exit_code == 0, result.output
    assert result.stdout == "Added source shop_copy (sqlite, 1 tables).\n"
    assert_clean_failure(run("source", "add", f"sqlite:///{path}", "--name", "shop_copy"),
                         "a source named 'shop_copy' already exists")


def test_source_add_stores_a_relative_file_path_as_absolute(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_sqlite(tmp_path / "relative.db")
    monkeypatch.chdir(tmp_path)
    added = json_of(run("source", "add", "sqlite:///relative.db", "--name", "relative", "--json"))
    assert added["url"] == f"sqlite:///{tmp_path / 'relative.db'}"

    monkeypatch.chdir(tmp_path.parent)
    assert run("source", "refresh", "relative").exit_code == 0
    assert run("app", "create", "--name", "relative", "--source", "relative").exit_code == 0
    answer = json_of(run("ask", "total amount by region", "--app", "relative", "--json"))
    assert sorted(row[1] for row in answer["rows"]) == [15.0, 20.0]


def test_a_table_prints_data_values_as_text(run: Run, shop: str) -> None:
    result = run("ask", "total amount by region", "--app", "shopapp")

    assert result.exit_code == 0, result.output
    assert "[/x]South" in result.stdout and "[bold]North" in result.stdout


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("foo://user:hunter2@host/db", "Unsupported source URL scheme 'foo'. Supported schemes:"),
        ("not a url", "A source URL must start with a scheme such as duckdb://"),
        ("postgresql://postgres:hunter2@127.0.0.1:notaport/test",
         "The source URL for scheme 'postgresql' could not be parsed"),
        ("postgresql://postgres:hunter2@127.0.0.1:1/test",
         "Source 'bad' is not reachable: Could not connect to source 'bad' "
         "(postgresql+psycopg://postgres:***@127.0.0.1:1/test)"),
        ("mysql://root:hunter2@127.0.0.1:1/test", "Source 'bad' is not reachable"),
        ("sqlite:////nonexistent/dir/shop.db",
         "The SQLite file '/nonexistent/dir/shop.db' of source 'bad' does not exist"),
        ("duckdb:////nonexistent/dir/shop.duckdb",
         "The DuckDB file '/nonexistent/dir/shop.duckdb' of source 'bad' does not exist"),
    ],
    ids=["unknown-scheme", "not-a-url", "bad-port", "unreachable-postgres", "unreachable-mysql",
         "missing-sqlite-file", "missing-duckdb-file"],
)
def test_source_add_refuses_a_bad_url_without_leaking_its_password(
    run: Run, url: str, message: str
) -> None:
    result = run("source", "add", url, "--name", "bad")
    assert_clean_failure(result, message)
    assert "hunter2" not in result.output

    as_json = run("source", "add", url, "--name", "bad", "--json")
    assert as_json.exit_code == 1
    error = json.loads(as_json.stdout)["error"]
    assert error["code"] in {"invalid_input", "source_error"}
    assert message in error["message"] and "hunter2" not in as_json.output
    assert "bad" not in [s["name"] for s in json_of(run("source", "list", "--json"))]


@pytest.fixture(scope="module")
def postgres_table() -> Iterator[str]:
    """A table of parcels in the test database; dropped afterwards."""
    try:
        connection = psycopg.connect(f"postgresql://postgres@{POSTGRES}", autocommit=True,
                                     connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL at {POSTGRES} is not reachable: {error}")
    table = f"cli_parcels_{secrets.token_hex(3)}"
    with connection:
        connection.execute(f"CREATE TABLE {table} (parcel_id INTEGER PRIMARY KEY, "
                           "depot TEXT NOT NULL, parcel_weight NUMERIC(8, 2) NOT NULL)")
        connection.execute(f"INSERT INTO {table} VALUES (1, 'Leeds', 2.5), (2, 'Leeds', 1.5), "
                           "(3, 'York', 7.25)")
        try:
            yield table
        finally:
            connection.execute(f"DROP TABLE IF EXISTS {table}")


@pytest.mark.postgres
def test_source_add_postgresql_keeps_its_password_secret(
    run: Run, postgres_table: str, environment: dict[str, str | None]
) -> None:
    # Trust authentication ignores the password: it only has to stay out of every output.
    url = f"postgresql://postgres:pg-secret-pw@{POSTGRES}"
    added = run("source", "add", url, "--name", "warehouse")
    assert added.exit_code == 0, added.output
    assert re.fullmatch(r"Added source warehouse \(postgres, \d+ tables\)\.\n", added.stdout)

    listed = run("source", "list")
    warehouse = next(line for line in listed.stdout.splitlines() if line.startswith("warehouse"))
    assert warehouse.endswith(f"postgresql://postgres:***@{POSTGRES}")
    as_json = json_of(run("source", "list", "--json"))
    assert next(s for s in as_json if s["name"] == "warehouse")["url"] == (
        f"postgresql://postgres:***@{POSTGRES}")
    exported = run("ontology", "export", "warehouse")
    assert postgres_table in exported.stdout
    for result in (added, listed, exported, run("source", "refresh", "warehouse")):
        assert "pg-secret-pw" not in result.output

    assert run("app", "create", "--name", "warehouse", "--source", "warehouse").exit_code == 0
    answer = json_of(run("ask", "total parcel weight by depot", "--app", "warehouse", "--json"))
    assert postgres_table in answer["sql"]
    assert {row[0]: float(row[1]) for row in answer["rows"]} == {"York": 7.25, "Leeds": 4.0}


def test_source_list(run: Run, shop: str) -> None:
    result = run("source", "list")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert any(re.fullmatch(r"demo\tduckdb\t5 tables\tduckdb:///.+/demo\.duckdb", line)
               for line in lines)
    assert any(re.fullmatch(r"shop\tsqlite\t1 tables\tsqlite:///.+/shop\.db", line)
               for line in lines)


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_source_refresh(run: Run, shop: str, as_json: bool) -> None:
    result = run("source", "refresh", shop, *(["--json"] if as_json else []))

    assert result.exit_code == 0, result.output
    if as_json:
        assert json.loads(result.stdout) == {"name": "shop", "objects": 1, "metrics": 3}
    else:
        assert result.stdout == "Refreshed shop: 1 objects, 3 metrics.\n"
    assert_clean_failure(run("source", "refresh", "nosuch"),
                         "unknown source 'nosuch'; known sources: demo,")


# -- applications and keys ------------------------------------------------------------------


def test_app_create_and_list(run: Run, shop: str) -> None:
    created = run("app", "create", "--name", "shop-sales", "--source", shop,
                  "--description", "Sales of the shop")
    assert created.exit_code == 0, created.output
    assert created.stdout == "Created application shop-sales.\n"

    assert "shop-sales\tSales of the shop" in run("app", "list").stdout.splitlines()
    listed = json_of(run("app", "list", "--json"))
    entry = next(a for a in listed if a["name"] == "shop-sales")
    assert entry["description"] == "Sales of the shop" and entry["id"].startswith("app_")

    assert_clean_failure(run("app", "create", "--name", "shop-sales", "--source", shop),
                         "an application named 'shop-sales' already exists")
    assert_clean_failure(run("app", "create", "--name", "other", "--source", "nosuch"),
                         "unknown source 'nosuch'; known sources:")


def test_key_create_shows_the_key_once_and_list_only_its_prefix(run: Run) -> None:
    created = run("key", "create", "--name", "ci")
    assert created.exit_code == 0
    text_key = API_KEY.findall(created.stdout)
    assert created.stdout.startswith("API key ci (shown once, keep it):")
    json_key = json_of(run("key", "create", "--name", "etl", "--json"))
    assert json_key["name"] == "etl" and API_KEY.fullmatch(json_key["key"])

    keys = [text_key[0], json_key["key"]]
    listed = run("key", "list")
    as_json = run("key", "list", "--json")
    for key in keys:
        assert key not in listed.output and key not in as_json.output
    entries = {k["name"]: k for k in json.loads(as_json.stdout)}
    assert keys[0].startswith(entries["ci"]["prefix"]) and len(entries["ci"]["prefix"]) < 12
    assert keys[1].startswith(entries["etl"]["prefix"])
    assert set(entries["etl"]) == {"id", "name", "prefix", "revoked"}
    assert f"{entries['ci']['id']}\tci\t{entries['ci']['prefix']}…" in listed.stdout.splitlines()


# -- ontology -------------------------------------------------------------------------------


def test_ontology_export(run: Run, shop: str, tmp_path: Path) -> None:
    printed = run("ontology", "export", shop)
    assert printed.exit_code == 0
    data = yaml.safe_load(printed.stdout)
    assert (data["source"], data["dialect"]) == ("shop", "sqlite")
    assert [o["name"] for o in data["objects"]] == ["sales"]
    # The amount of sales is their revenue.
    assert {m["name"] for m in data["metrics"]} == {"sale_count", "revenue", "avg_amount"}

    path = tmp_path / "shop.yaml"
    written = run("ontology", "export", shop, "--output", str(path))
    assert written.exit_code == 0 and written.stdout == ""
    assert path.read_text(encoding="utf-8") == printed.stdout
    assert_clean_failure(run("ontology", "export", "nosuch"), "unknown source 'nosuch'")


def edit_metric(text: str, name: str, change: Callable[[dict[str, Any]], None]) -> str:
    data = yaml.safe_load(text)
    change(next(m for m in data["metrics"] if m["name"] == name))
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_an_imported_edit_survives_refresh_and_is_understood(
    run: Run, shop: str, tmp_path: Path
) -> None:
    before = json_of(run("ask", "haul by region", "--app", "shopapp", "--json"))
    assert before["intent"] == "clarification" and before["sql"] is None

    def rename(metric: dict[str, Any]) -> None:
        metric["label"] = "turnover"
        metric["synonyms"].append("haul")

    path = tmp_path / "edited.yaml"
    path.write_text(edit_metric(run("ontology", "export", shop).stdout, "revenue", rename),
                    encoding="utf-8")
    imported = run("ontology", "import", shop, str(path))
    assert imported.exit_code == 0, imported.output
    assert imported.stdout == "Imported the ontology of shop: 1 objects, 3 metrics.\n"
    assert run("source", "refresh", shop).exit_code == 0

    metric = next(m for m in yaml.safe_load(run("ontology", "export", shop).stdout)["metrics"]
                  if m["name"] == "revenue")
    assert metric["label"] == "turnover" and "haul" in metric["synonyms"]
    after = json_of(run("ask", "haul by region", "--app", "shopapp", "--json"))
    assert after["intent"] == "sql_query"
    assert "SUM(sales.amount)" in after["sql"]
    assert "turnover" in after["text"].lower()
    assert {row[0]: row[1] for row in after["rows"]} == {"[/x]South": 20.0, "[bold]North": 15.0}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("objects: [\n  - name: x\n", "invalid YAML at line 2, column 3"),
        ("objects: 5\n", "invalid ontology: source: is required; dialect: is required; "
                         "objects: must be a list"),
        ("- just\n- a list\n", "ontology: must be a mapping, not list"),
        (None, "cannot read"),
    ],
    ids=["broken-yaml", "wrong-shape", "not-a-mapping", "missing-file"],
)
def test_ontology_import_refuses_a_bad_file(
    run: Run, shop: str, tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "ontology.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    before = run("ontology", "export", shop).stdout

    assert_clean_failure(run("ontology", "import", shop, str(path)), message)
    as_json = run("ontology", "import", shop, str(path), "--json")
    assert as_json.exit_code == 1
    assert message in json.loads(as_json.stdout)["error"]["message"]
    assert run("ontology", "export", shop).stdout == before


# -- tokens ---------------------------------------------------------------------------------


def test_token_create(run: Run) -> None:
    printed = run("token", "create", "--tenant", "default", "--user", "u1")
    assert printed.exit_code == 0
    assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+\n", printed.stdout)
    data = json_of(run("token", "create", "--tenant", "default", "--user", "u1", "--ttl", "60",
                       "--json"))
    assert (data["tenant_id"], data["user_id"], data["expires_in"]) == ("default", "u1", 60)
    assert data["algorithm"] == "HS256" and data["token"].count(".") == 2


def test_token_keygen_writes_a_private_key_only_its_owner_reads(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("token", "keygen", "--out", "keys")
    assert result.exit_code == 0, result.output
    private = tmp_path / "keys" / "private.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert f"export PARLEY_JWT_PRIVATE_KEY={private}" in result.stdout
    assert_clean_failure(run("token", "keygen", "--out", "keys"),
                         f"refusing to overwrite {private}")


# -- channels -------------------------------------------------------------------------------


def test_a_channel_is_created_listed_disabled_and_enabled(run: Run) -> None:
    created = json_of(run("channel", "create", "--app", "demo", "--name", "web", "--json"))
    assert created["app"] == "demo" and created["secret"].startswith("sk_")
    listed = json_of(run("channel", "list", "--json"))
    mine = [c for c in listed if c["id"] == created["id"]]
    assert mine == [{"id": created["id"], "name": "web", "application": "demo",
                     "prefix": created["secret"][:8], "enabled": True}]
    # The secret is shown once: never again.
    assert created["secret"] not in run("channel", "list").stdout
    disabled = run("channel", "disable", created["id"])
    assert disabled.exit_code == 0 and f"Channel {created['id']} disabled." in disabled.stdout
    listed = json_of(run("channel", "list", "--json"))
    assert [c["enabled"] for c in listed if c["id"] == created["id"]] == [False]
    assert json_of(run("channel", "enable", created["id"], "--json"))["enabled"] is True


def test_channel_commands_refuse_unknown_names_clearly(run: Run) -> None:
    assert_clean_failure(run("channel", "create", "--app", "nosuchapp"),
                         "unknown application 'nosuchapp'")
    assert_clean_failure(run("channel", "disable", "chan_nothere"),
                         "channel 'chan_nothere' not found")


# -- documentation --------------------------------------------------------------------------


def commands(group: Any, prefix: str = "parley") -> Iterator[tuple[str, list[str]]]:
    """Every command under ``group`` with the options it takes (``--help`` aside)."""
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            yield from commands(command, path)
        else:
            options = [option for param in command.params if param.param_type_name == "option"
                       for option in param.opts if option != "--help"]
            yield path, options


def documented_sections() -> dict[str, str]:
    """The docs' sections by the command their heading names."""
    sections: dict[str, str] = {}
    for part in re.split(r"^#{2,3} ", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE):
        heading = re.match(r"`(parley [a-z -]+?)(?: [A-Z\[-].*)?`", part)
        if heading:
            sections[heading.group(1)] = part
    return sections


@pytest.mark.parametrize(
    ("command", "options"), list(commands(typer.main.get_group(app))),
    ids=[path for path, _ in commands(typer.main.get_group(app))],
)
def test_every_command_and_option_is_documented(command: str, options: list[str]) -> None:
    sections = documented_sections()
    assert command in sections, f"docs/cli.md has no section for {command}"
    for option in options:
        assert f"`{option}" in sections[command] or f" {option}" in sections[command], (
            f"docs/cli.md does not document {option} of {command}")
