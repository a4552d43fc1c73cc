"""Questions and references that must be refused cleanly, and questions that look like attacks
and must be answered safely. Nothing broken is ever stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from parley.conversations.installation import DEMO_NAME, Parley
from parley.errors import InvalidInput, NotFound
from parley.sources.base import QueryResult
from parley.sources.duckdb_source import DuckDBSource
from parley.store import conversations as store

PRINCIPAL = "bad-input-tests"


def binary(code: str, position: int) -> str:
    return (f"the question contains binary data: character U+{code} at position {position} "
            "is not text")


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "the question is empty"),
        ("   \n\t  ", "the question is empty"),
        ("x" * 100_000, "the question is 100,000 characters long; the limit is 4,000"),
        ("\x00\x01abc", binary("0000", 0)),
        ("revenue\x07 by region", binary("0007", 7)),
        ("revenue by \x1b[31mregion", binary("001B", 11)),
        ("revenue by \ud800 region", binary("D800", 11)),
        (b"revenue by region", "the question must be text, not bytes"),
        (None, "the question must be text, not NoneType"),
    ],
    ids=["empty", "whitespace", "100KB", "nul", "bell", "escape", "lone-surrogate", "bytes",
         "none"],
)
def test_a_question_that_is_not_text_is_refused_and_nothing_is_stored(
    parley: Parley, count_messages: Callable[[], int], count_conversations: Callable[[], int],
    question: Any, message: str,
) -> None:
    messages, conversations = count_messages(), count_conversations()

    with pytest.raises(InvalidInput) as raised:
        parley.ask(question, principal=PRINCIPAL)
    assert raised.value.message == message
    with pytest.raises(InvalidInput, match=r"^the question"):
        list(parley.stream(question, principal=PRINCIPAL))

    assert (count_messages(), count_conversations()) == (messages, conversations)


def test_a_refused_question_in_a_conversation_leaves_it_as_it_was(
    parley: Parley, count_messages: Callable[[], int]
) -> None:
    turn = parley.ask("revenue by country", principal=PRINCIPAL)
    messages = count_messages()
    ref = parley.conversations.open(parley.principal_named(PRINCIPAL), face="cli",
                                    conversation_id=turn.conversation_id)

    with pytest.raises(InvalidInput, match="the question is empty"):
        next(parley.conversations.turn(ref, "  "))

    assert count_messages() == messages
    with parley.store.session() as session:
        page = store.list_messages(session, turn.conversation_id)
        assert [m.role for m in page.items] == ["user", "assistant"]


@pytest.fixture(scope="module")
def someone_elses_conversation(parley: Parley) -> str:
    return parley.ask("revenue by country", principal="someone-else").conversation_id


@pytest.mark.parametrize(
    ("app", "conversation_id", "message"),
    [
        ("nope", None, "unknown application 'nope'; known applications: demo"),
        (DEMO_NAME, "conv_doesnotexist", "conversation 'conv_doesnotexist' not found"),
        (DEMO_NAME, "<someone else's>", "conversation '{other}' not found"),
    ],
    ids=["unknown-app", "unknown-conversation", "another-principals-conversation"],
)
def test_an_unknown_reference_is_not_found_and_nothing_is_stored(
    parley: Parley, count_messages: Callable[[], int], count_conversations: Callable[[], int],
    someone_elses_conversation: str, app: str, conversation_id: str | None, message: str,
) -> None:
    if conversation_id == "<someone else's>":
        conversation_id = someone_elses_conversation
    messages, conversations = count_messages(), count_conversations()

    with pytest.raises(NotFound) as raised:
        parley.ask("revenue by country", app=app, conversation_id=conversation_id,
                   principal=PRINCIPAL)
    assert raised.value.message == message.format(other=someone_elses_conversation)
    with pytest.raises(NotFound):
        list(parley.stream("revenue by country", app=app, conversation_id=conversation_id,
                           principal=PRINCIPAL))

    assert (count_messages(), count_conversations()) == (messages, conversations)


def test_the_owner_can_continue_the_conversation_another_principal_cannot(
    parley: Parley, someone_elses_conversation: str
) -> None:
    turn = parley.ask("now by month", conversation_id=someone_elses_conversation,
                      principal="someone-else")
    assert turn.conversation_id == someone_elses_conversation


@pytest.fixture
def executed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement the demo source runs, recorded on its way to the real database."""
    statements: list[str] = []
    real_execute = DuckDBSource.execute

    def recording(self: DuckDBSource, sql: str, *, max_rows: int, timeout_s: float) -> QueryResult:
        statements.append(sql)
        return real_execute(self, sql, max_rows=max_rows, timeout_s=timeout_s)

    monkeypatch.setattr(DuckDBSource, "execute", recording)
    yield statements


@pytest.mark.parametrize(
    "question",
    [
        "'; DROP TABLE customers; --",
        "revenue by region; DELETE FROM orders",
        "1 OR 1=1 UNION SELECT * FROM sqlite_master",
        "customers named Robert'); DROP TABLE customers;--",
        "revenue by country' OR '1'='1",
        "UPDATE products SET unit_price = 0",
    ],
)
def test_sql_in_a_question_runs_nothing_but_a_guarded_select(
    parley: Parley, count_messages: Callable[[], int],
    demo_row_counts: Callable[[], dict[str, int]], executed: list[str], question: str,
) -> None:
    before = demo_row_counts()
    executed.clear()
    messages = count_messages()

    turn = parley.ask(question, principal=PRINCIPAL)

    for sql in executed:
        statements = sqlglot.parse(sql, read="duckdb")
        assert len(statements) == 1, sql
        assert isinstance(statements[0], exp.Select), sql
        assert not list(statements[0].find_all(exp.Drop, exp.Delete, exp.Update, exp.Insert))
    if turn.answer.sql is not None:
        assert turn.answer.sql in executed
    assert demo_row_counts() == before
    assert before["customers"] == 800 and before["orders"] > 0
    # The question is kept verbatim, with its answer.
    assert count_messages() == messages + 2
    with parley.store.session() as session:
        page = store.list_messages(session, turn.conversation_id)
        assert (page.items[0].role, page.items[0].content) == ("user", question)
