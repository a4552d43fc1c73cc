"""The Ana face in-process: the blocks of an answer, chats and their summaries, choosing
the application, continuing a chat, and every refusal in the face's ErrorBlock style."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from parley.api import _ana_python
from parley.conversations.installation import Parley
from parley.conversations.service import Conversations
from tests.api._ana_fixtures import (
    LEAGUE_APP,
    Member,
    add_league,
    ana,
    colleague,
    message,
    outsider,
    read_stream,
    stored_chat,
)

__all__ = ["ana", "colleague", "outsider"]  # fixtures used by name

#: Every field of the seed's Result table.
RESULT_FIELDS = {
    "complete", "connectorId", "queryClassification", "userPrompt", "segmentation", "object",
    "groupingsStarted", "groupingsFound", "metricsQuery", "selectedAttributes",
    "ordersStarted", "ordersFound", "directionFound", "sqlQuery", "sqlResult", "preview",
    "oai_output",
}  # fmt: skip


@pytest.fixture(scope="module")
def league(parley: Parley, tmp_path_factory: pytest.TempPathFactory) -> str:
    return add_league(parley, tmp_path_factory.mktemp("ana-league"))


def _refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["tag"] == "ErrorBlock" and body["code"] == code
    assert isinstance(body["contents"], str) and body["contents"]


# -- one answer, block by block -------------------------------------------------------------


def test_an_answer_streams_ontology_python_and_text_blocks(client: TestClient, ana: Member) -> None:
    stream = read_stream(client, ana.basic, query="top 5 customers by revenue", dataset="demo")
    names = [event for event, _ in stream.events]
    assert names[:3] == ["chatId", "userMsgId", "assistantMsgId"]
    assert set(names[3:-1]) == {"block"} and stream.events[-1] == ("message", "done")
    assert stream.assistant_id == stream.user_id + 1
    assert [b["tag"] for b in stream.blocks] == [
        "TextBlock", "OntologyBlock", "PythonBlock", "TextBlock",
    ]  # fmt: skip
    ontology_versions = [v for v in stream.versions if v["tag"] == "OntologyBlock"]
    first, last = ontology_versions[0], ontology_versions[-1]
    assert first["contents"]["result"]["complete"] is False
    assert first["contents"]["result"]["sqlResult"] is None
    result = last["contents"]["result"]
    assert set(result) == RESULT_FIELDS and result["complete"] is True
    assert last["tool_call_id"].startswith("call_")
    assert last["contents"]["query"] == result["userPrompt"] == "top 5 customers by revenue"
    assert result["queryClassification"] == {"classification": "metric"}
    assert result["metricsQuery"]["metrics"] == ["revenue"]
    assert result["directionFound"] == "desc" and result["ordersFound"][0]["order"] == {
        "direction": "desc", "measure": "revenue",
    }  # fmt: skip
    assert result["sqlQuery"].startswith("SELECT") and "LIMIT 5" in result["sqlQuery"]
    table = result["sqlResult"]["result"]
    assert table["colNames"] == ["customer_name", "revenue"]
    assert table["colTypes"] == ["StringCol", "NumCol"] and len(table["resultVals"]) == 5
    assert all(isinstance(v, str) for row in table["resultVals"] for v in row)
    selected = result["object"]["selectedObject"]["innerUVal"]
    assert selected["backingTable"]["table"] == "customers" or result["metricsQuery"]["metrics"]
    assert {a["innerUVal"]["attributeName"] for a in result["selectedAttributes"]} >= {
        "customer_name"
    }
    assert isinstance(result["connectorId"], int) and result["connectorId"] >= 1


def test_the_answer_text_grows_in_several_updates(client: TestClient, ana: Member) -> None:
    # A monthly series has insights: each one grows the answer's TextBlock.
    stream = read_stream(client, ana.bearer, query="revenue by month this year", dataset="demo")
    answer_id = stream.of("TextBlock")[-1]["id"]
    versions = [v["contents"] for v in stream.versions if v["id"] == answer_id]
    assert len(versions) >= 3
    for shorter, longer in itertools.pairwise(versions):
        assert longer.startswith(shorter) and len(longer) > len(shorter)


def test_blocks_are_sent_one_after_the_other(client: TestClient, ana: Member) -> None:
    stream = read_stream(client, ana.basic, query="revenue by category", dataset="demo")
    finished: set[str] = set()
    current = None
    for version in stream.versions:
        assert version["id"] not in finished, "a block came back after the next one began"
        if current is not None and version["id"] != current:
            finished.add(current)
        current = version["id"]


def test_the_python_block_code_prints_its_text_result(
    client: TestClient, ana: Member, tmp_path: Path
) -> None:
    stream = read_stream(client, ana.basic, query="revenue by country", dataset="demo")
    python = stream.of("PythonBlock")[0]
    ontology = stream.of("OntologyBlock")[0]
    tags = [r["tag"] for r in python["results"]]
    assert tags == ["TextResult", "ImageUrlResult"]
    code = python["contents"].split(_ana_python.PLOT_COMMENT)[0]
    script = tmp_path / "reproduce.py"
    sql_result = ontology["contents"]["result"]["sqlResult"]["result"]
    script.write_text(f"import json\nsql_result = json.loads({json.dumps(sql_result)!r})\n{code}")
    ran = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=60
    )
    assert ran.stdout == python["results"][0]["contents"] + "\n"
    assert "df1.plot.bar(x='country', y='revenue'" in python["contents"]


def test_the_chart_picture_is_served_only_to_whoever_may_read_the_chat(
    client: TestClient, ana: Member, colleague: Member, outsider: Member
) -> None:
    stream = read_stream(client, ana.basic, query="revenue by category this year", dataset="demo")
    url = next(r for r in stream.of("PythonBlock")[0]["results"] if r["tag"] == "ImageUrlResult")
    path = url["contents"].removeprefix(str(client.base_url))
    assert path == f"/api/ana/{stream.chat_id}/{stream.assistant_id}/chart.png"
    picture = client.get(path, headers=ana.basic)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG")
    _refused(client.get(path), 401, "unauthorized")
    _refused(client.get(path, headers=colleague.basic), 404, "not_found")
    _refused(client.get(path, headers=outsider.bearer), 404, "not_found")
    question = f"/api/ana/{stream.chat_id}/{stream.user_id}/chart.png"
    _refused(client.get(question, headers=ana.basic), 404, "not_found")


# -- chats -------------------------------------------------------------------------------------


def test_the_stored_chat_holds_the_question_and_the_blocks_as_sent(
    client: TestClient, ana: Member
) -> None:
    stream = read_stream(client, ana.basic, query="number of orders by status", dataset="demo")
    chat = stored_chat(client, ana.basic, stream.chat_id)
    asked, answered = message(chat, stream.user_id), message(chat, stream.assistant_id)
    assert asked["innerVal"]["author"] == {
        "tag": "User", "name": "ana-test-ana@example.com", "contents": ana.id,
    }  # fmt: skip
    assert [b["contents"] for b in asked["innerVal"]["body"]] == ["number of orders by status"]
    assert answered["innerVal"]["author"] == {"tag": "Assistant"}
    assert answered["innerVal"]["body"] == stream.blocks
    assert [m[0]["innerVal"]["messageIdx"] for m in chat] == [0, 1]
    assert {m[0]["innerVal"]["chatId"] for m in chat} == {stream.chat_id}
    assert asked["innerVal"]["timestamp"].endswith("Z")


def test_a_chat_continues_with_chat_id(client: TestClient, ana: Member) -> None:
    first = read_stream(client, ana.basic, query="revenue by category", dataset="demo")
    second = read_stream(client, ana.basic, query="top 3", chatId=first.chat_id)
    assert second.chat_id == first.chat_id
    assert (second.user_id, second.assistant_id) == (3, 4)
    sql = second.of("OntologyBlock")[0]["contents"]["result"]["sqlQuery"]
    assert "LIMIT 3" in sql and "category" in sql
    chat = stored_chat(client, ana.basic, first.chat_id)
    assert [m[0]["innerId"] for m in chat] == [1, 2, 3, 4]
    assert message(chat, 4)["innerVal"]["body"] == second.blocks


def test_the_summary_lists_the_callers_chats_only(
    client: TestClient, ana: Member, colleague: Member
) -> None:
    stream = read_stream(client, ana.basic, query="revenue by brand", dataset="demo")
    summary = client.get("/api/ana/chat/summary", headers=ana.basic)
    assert summary.status_code == 200
    mine = next(c for c in summary.json() if c["innerId"] == stream.chat_id)
    stored = message(stored_chat(client, ana.basic, stream.chat_id), stream.user_id)
    assert mine["innerVal"] == {
        "id": stream.chat_id,
        "orgId": mine["innerVal"]["orgId"],
        "engine": json.dumps({"dataset": "demo"}),
        "summary": "revenue by brand",
        "lastUserMessage": {"timestamp": stored["innerVal"]["timestamp"]},
    }
    assert mine["innerVal"]["orgId"].startswith("org_")
    theirs = client.get("/api/ana/chat/summary", headers=colleague.basic).json()
    assert stream.chat_id not in {c["innerId"] for c in theirs}


# -- choosing the application -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [("total goals by team", LEAGUE_APP), ("revenue by country", "demo")],
)
def test_without_a_dataset_the_best_matching_ontology_answers(
    client: TestClient, ana: Member, league: str, question: str, expected: str
) -> None:
    stream = read_stream(client, ana.basic, query=question)
    intro = stream.of("TextBlock")[0]
    versions = [v["contents"] for v in stream.versions if v["id"] == intro["id"]]
    # The choice is sent first; the reading joins it once the query is compiled.
    assert len(versions) == 2 and versions[1].startswith(versions[0] + " Querying ")
    assert (
        versions[0]
        == f"I chose the application '{expected}': its ontology explains your question best."
    )
    summary = client.get("/api/ana/chat/summary", headers=ana.basic).json()
    chosen = next(c for c in summary if c["innerId"] == stream.chat_id)
    assert json.loads(chosen["innerVal"]["engine"]) == {"dataset": expected}


def test_an_ontology_connector_picks_its_application(
    client: TestClient, parley: Parley, ana: Member, league: str
) -> None:
    door: Conversations = parley.conversations
    number = door.connector_number(parley.principal, league)
    stream = read_stream(
        client, ana.basic, query="total goals by team", useOntology="true",
        ontologyConnectorId=number,
    )  # fmt: skip
    result = stream.of("OntologyBlock")[0]["contents"]["result"]
    assert result["connectorId"] == number
    assert result["sqlResult"]["result"]["colNames"] == ["team", "total_goals"]
    wrong = client.get(
        "/api/ana",
        params={"query": "total goals by team", "dataset": "demo", "useOntology": "true",
                "ontologyConnectorId": number},
        headers=ana.basic,
    )  # fmt: skip
    _refused(wrong, 422, "invalid_input")


# -- failures -----------------------------------------------------------------------------------


def test_a_failing_query_ends_with_an_error_block_then_done(
    client: TestClient, ana: Member, broken_app: str
) -> None:
    stream = read_stream(client, ana.basic, query="total amount by region", dataset=broken_app)
    assert stream.events[-1] == ("message", "done")
    assert stream.blocks[-1]["tag"] == "ErrorBlock" and stream.blocks[-1]["contents"]
    assert stream.of("OntologyBlock")[0]["contents"]["result"]["complete"] is True
    chat = stored_chat(client, ana.basic, stream.chat_id)
    assert message(chat, stream.assistant_id)["innerVal"]["body"] == stream.blocks


def test_an_unexpected_failure_is_an_error_block_with_an_incident(
    client: TestClient, ana: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the trace broke")

    monkeypatch.setattr(Conversations, "query_trace", broken)
    stream = read_stream(client, ana.basic, query="revenue by country", dataset="demo")
    assert stream.events[-1] == ("message", "done")
    error = stream.blocks[-1]
    assert error["tag"] == "ErrorBlock" and "incident inc_" in error["contents"]
    assert "the trace broke" not in json.dumps(stream.events)
    stored = message(stored_chat(client, ana.basic, stream.chat_id), stream.assistant_id)
    assert stored["innerVal"]["body"] == stream.blocks
    # The turn ran on to its end: its answer, chart included, is stored.
    chart = f"/api/ana/{stream.chat_id}/{stream.assistant_id}/chart.png"
    assert client.get(chart, headers=ana.basic).status_code == 200


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/ana", {"query": "revenue by country", "dataset": "demo"}),
        ("/api/ana/chat/summary", {}),
        ("/api/ana/conv_whatever", {}),
        ("/api/ana/conv_whatever/2/chart.png", {}),
    ],
)
@pytest.mark.parametrize(
    "credentials",
    ["none", "bearer-wrong-key", "basic-wrong-key", "basic-another-member", "basic-garbage"],
)
def test_wrong_credentials_are_401_in_the_face_style(
    client: TestClient, ana: Member, colleague: Member, path: str, params: dict[str, str],
    credentials: str,
) -> None:  # fmt: skip
    headers = {
        "none": {},
        "bearer-wrong-key": {"Authorization": "Bearer pk_not_a_key"},
        "basic-wrong-key": Member(ana.id, "pk_not_a_key", "x").basic,
        "basic-another-member": Member(colleague.id, ana.key, "x").basic,
        "basic-garbage": {"Authorization": "Basic !!!"},
    }[credentials]
    response = client.get(path, params=params, headers=headers)
    _refused(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Basic")


def test_a_chat_of_another_organisation_or_member_is_not_found(
    client: TestClient, ana: Member, colleague: Member, outsider: Member
) -> None:
    stream = read_stream(client, ana.basic, query="revenue by country", dataset="demo")
    for other in (outsider, colleague):
        _refused(client.get(f"/api/ana/{stream.chat_id}", headers=other.basic), 404, "not_found")
        continued = client.get(
            "/api/ana", params={"query": "top 3", "chatId": stream.chat_id}, headers=other.basic
        )
        _refused(continued, 404, "not_found")
    chat = stored_chat(client, ana.basic, stream.chat_id)
    assert len(chat) == 2, "a refused continuation stores nothing"


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 422, "invalid_input"),
        ({"query": "   "}, 422, "invalid_input"),
        ({"query": "revenue", "useOntology": "true"}, 422, "invalid_input"),
        ({"query": "revenue", "useOntology": "maybe"}, 422, "invalid_input"),
        ({"query": "revenue", "ontologyConnectorId": "nine"}, 422, "invalid_input"),
        ({"query": "revenue", "ontologyConnectorId": "9999"}, 404, "not_found"),
        ({"query": "revenue", "dataset": "no_such_app"}, 404, "not_found"),
        ({"query": "revenue", "chatId": "conv_nosuchchat"}, 404, "not_found"),
    ],
)
def test_bad_questions_are_refused_before_the_stream(
    client: TestClient, ana: Member, params: dict[str, str], status: int, code: str
) -> None:
    before = client.get("/api/ana/chat/summary", headers=ana.basic).json()
    _refused(client.get("/api/ana", params=params, headers=ana.basic), status, code)
    after = client.get("/api/ana/chat/summary", headers=ana.basic).json()
    assert after == before, "a refused question leaves no chat behind"
