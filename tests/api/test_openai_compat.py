"""The OpenAI-compatible face over HTTP (httpx against uvicorn): completions, stored
results, graph suggestions, listings, and every row of the error table."""

from __future__ import annotations

import csv
import doctest
import io
import json
import logging
import re
import sqlite3
from typing import Any

import _openai_fixtures as fixtures
import httpx
import pytest
from _openai_fixtures import Installation, league_database

from parley.api import _openai_render
from parley.auth import api_keys
from parley.store import tenancy

DATA_FILE_PATH = re.compile(r"org_\w+/conv_\w+/data_\w+\.csv")

# The shared fixtures, bound here so that pytest finds them in this module.
http = fixtures.http
installation = fixtures.installation
live_server = fixtures.live_server


def ask(http: httpx.Client, question: str, *, model: str = "demo", kind: str | None = None,
        conversation: str | None = None, key: str | None = None,
        messages: list[dict[str, Any]] | None = None) -> httpx.Response:
    headers = {}
    if kind is not None:
        headers["responseType"] = kind
    if conversation is not None:
        headers["conversationId"] = conversation
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    body = {"model": model, "messages": messages or [{"role": "user", "content": question}]}
    return http.post("/api/v1/chat/completions", json=body, headers=headers)


def content(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    text: str = response.json()["choices"][0]["message"]["content"]
    return text


def stream(http: httpx.Client, question: str, kind: str) -> tuple[httpx.Headers, list[Any]]:
    body = {"model": "demo", "stream": True, "messages": [{"role": "user", "content": question}]}
    events: list[Any] = []
    with http.stream("POST", "/api/v1/chat/completions", json=body,
                     headers={"responseType": kind}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                data = line.removeprefix("data: ")
                events.append(data if data == "[DONE]" else json.loads(data))
        return response.headers, events


# --- completions ----------------------------------------------------------------------


def test_completion_has_the_chat_completion_shape(http: httpx.Client) -> None:
    response = ask(http, "revenue by category")
    body = response.json()
    assert set(body) == {"id", "object", "created", "model", "service_tier", "system_fingerprint",
                         "choices", "conversationId", "dataFilePath"}
    assert body["object"] == "chat.completion"
    assert body["model"] == "demo"
    assert body["choices"] == [{
        "index": 0,
        "message": {"role": "assistant", "content": body["choices"][0]["message"]["content"],
                    "refusal": None},
        "logprobs": None,
        "finish_reason": "stop",
    }]
    assert response.headers["conversationId"] == body["conversationId"]
    assert body["conversationId"].startswith("conv_")
    assert DATA_FILE_PATH.fullmatch(body["dataFilePath"])
    assert body["created"] > 1_700_000_000_000  # epoch milliseconds


@pytest.mark.parametrize(
    ("kind", "present", "absent"),
    [
        (None, ["Revenue by category: 5 rows"], ["|", "```", "<"]),
        ("raw", ["Revenue by category: 5 rows"], ["|", "```", "<"]),
        ("RAW", ["Revenue by category: 5 rows"], ["|", "```"]),
        ("md", ["Revenue by category: 5 rows", "| category | revenue |", "| --- | --- |",
                "| Software | ", "```sql\nSELECT", "\n- Software accounts for"], ["<p>"]),
        ("html", ["<p>Revenue by category: 5 rows", "<th>category</th>", "<td>Software</td>",
                  '<pre><code class="language-sql">SELECT', "<ul><li>Software accounts for"],
         ["```", "| category"]),
    ],
)
def test_response_types(http: httpx.Client, kind: str | None, present: list[str],
                        absent: list[str]) -> None:
    text = content(ask(http, "revenue by category", kind=kind))
    for part in present:
        assert part in text
    for part in absent:
        assert part not in text


def test_md_answer_comes_first_and_sections_are_separated(http: httpx.Client) -> None:
    sections = content(ask(http, "revenue by category", kind="md")).split("\n\n")
    assert sections[0].startswith("Revenue by category")
    assert sections[1].startswith("| category | revenue |")
    assert sections[2].startswith("```sql")
    assert sections[3].startswith("- ")


def test_md_table_is_capped_and_says_how_many_more(http: httpx.Client) -> None:
    text = content(ask(http, "revenue by customer name", kind="md"))
    table = text.split("\n\n")[1].splitlines()
    assert len(table) == 2 + 50
    # The demo data is generated for today: the number of customers varies by a few.
    shown = re.search(r"_Showing 50 of (\d+) rows; (\d+) more are not shown._", text)
    assert shown and int(shown[1]) - 50 == int(shown[2]) > 0


def test_html_escapes_every_value(http: httpx.Client) -> None:
    text = content(ask(http, "total points by team", model="league", kind="html"))
    assert "<td>Bears &lt;&amp;&gt; Cubs</td>" in text
    assert "<&>" not in text


def test_continue_a_conversation_with_the_header(http: httpx.Client) -> None:
    first = ask(http, "revenue by category")
    conversation = first.headers["conversationId"]
    second = ask(http, "only Electronics and Software", conversation=conversation)
    assert second.headers["conversationId"] == conversation
    assert second.json()["conversationId"] == conversation
    assert content(second).startswith("Revenue by category (where category is one of Electronics")
    assert second.json()["dataFilePath"] != first.json()["dataFilePath"]


def test_earlier_messages_start_a_thread_they_are_replayed_into(http: httpx.Client) -> None:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "revenue by category"},
        {"role": "assistant", "content": "whatever the http kept"},
        {"role": "user", "content": [{"type": "text", "text": "only Electronics and Software"}]},
    ]
    response = ask(http, "", messages=messages)
    assert content(response).startswith("Revenue by category (where category is one of")
    questions = http.post("/api/v1/chat/conversationQuestions", json={
        "model": "demo", "conversationId": response.json()["conversationId"]}).json()
    assert questions["total"] == 2
    asked = [json.loads(q["requestJson"])["messages"][-1]["content"]
             for q in questions["questions"]]
    assert asked[0] == "revenue by category"
    assert asked[1] == [{"type": "text", "text": "only Electronics and Software"}]
    assert questions["questions"][1]["questionId"] == response.json()["id"]


def test_stream_sends_chunks_as_events_come_then_done(http: httpx.Client) -> None:
    headers, events = stream(http, "revenue by category", "md")
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    assert {c["conversationId"] for c in chunks} == {headers["conversationId"]}
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    deltas = [c["choices"][0]["delta"].get("content", "") for c in chunks[1:-1]]
    # One delta per event that carries content: the SQL, the data, the insights, the text.
    assert len(deltas) >= 4
    assert deltas[0].startswith("```sql")
    last = chunks[-1]
    assert last["choices"][0] == {"index": 0, "delta": {}, "logprobs": None,
                                  "finish_reason": "stop"}
    assert DATA_FILE_PATH.fullmatch(last["dataFilePath"])
    streamed = "".join(deltas)
    whole = content(ask(http, "revenue by category", kind="md"))
    assert sorted(streamed.split("\n\n")) == sorted(whole.split("\n\n"))


@pytest.mark.parametrize("kind", ["raw", "html"])
def test_stream_content_per_response_type(http: httpx.Client, kind: str) -> None:
    _, events = stream(http, "revenue by category", kind)
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in events[:-1])
    if kind == "raw":
        assert streamed == content(ask(http, "revenue by category", kind="raw"))
    else:
        assert streamed.count("<p>") == streamed.count("</p>") == 1
        assert "<table>" in streamed and "<ul><li>" in streamed


# --- stored results -------------------------------------------------------------------


def test_get_data_returns_the_stored_rows_as_csv(http: httpx.Client) -> None:
    answer = ask(http, "revenue by category").json()
    for path in ("/api/v1/chat/getData", "/v1/chat/getData"):
        response = http.post(path, json={"model": "demo", "dataFilePath": answer["dataFilePath"]})
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.json()["data"])))
        assert rows[0] == ["category", "revenue"]
        # (The demo data is drawn for today, so the order of the categories may change.)
        assert sorted(r[0] for r in rows[1:]) == ["Electronics", "Furniture", "Office Supplies",
                                                  "Services", "Software"]
        revenue = [float(r[1]) for r in rows[1:]]
        assert revenue == sorted(revenue, reverse=True)


def test_get_data_never_queries_the_source_again(
    http: httpx.Client, installation: Installation, tmp_path: Any
) -> None:
    database = league_database(tmp_path / "proof.sqlite")
    installation.parley.add_source(f"sqlite:///{database}", name="proof")
    installation.parley.create_application("proof", source="proof")
    answer = ask(http, "total points by team", model="proof").json()
    with sqlite3.connect(database) as connection:
        connection.execute("DROP TABLE matches")
    connection.close()
    # The table is gone: asking again fails, and the stored result is still there.
    assert "no such table: matches" in content(ask(http, "total points by team", model="proof"))
    response = http.post("/api/v1/chat/getData",
                           json={"model": "proof", "dataFilePath": answer["dataFilePath"]})
    assert response.json() == {"data": "team,total_points\nLions,4\nTigers,1\nBears <&> Cubs,0\n"}


def _graph(http: httpx.Client, question: str, graph_type: str, query: str = "",
           path: str = "/v1/chat/suggestGraph") -> httpx.Response:
    data_file_path = ask(http, question).json()["dataFilePath"]
    return http.post(path, json={"model": "demo", "graphType": graph_type,
                                 "dataFilePath": data_file_path, "query": query})


@pytest.mark.parametrize(
    ("question", "graph_type", "query", "expected"),
    [
        # "Office Supplies" is a long label: Parley lays the bars out horizontally.
        ("revenue by category", "Custom", "", {
            "graphType": "Horizontal Bar Chart", "x_axis": "category", "y_axis": "revenue",
            "color_by": None, "sorting_field": "revenue", "sorting_direction": "desc",
            "title": "Revenue by category", "x_axis_display_name": "Category",
            "y_axis_display_name": "Revenue"}),
        ("revenue by category", "Vertical Bar Chart", "", {
            "graphType": "Vertical Bar Chart", "x_axis": "category", "y_axis": "revenue"}),
        ("revenue by segment", "Horizontal Bar Chart", "", {
            "graphType": "Horizontal Bar Chart", "x_axis": "segment", "y_axis": "revenue"}),
        ("revenue by category", "Donut Chart", "", {"graphType": "Donut Chart"}),
        ("revenue by category", "Custom", "show it as a pie chart", {"graphType": "Pie Chart"}),
        ("monthly revenue this year", "Custom", "", {
            "graphType": "Line Chart", "x_axis": "order_date_month", "y_axis": "revenue",
            "sorting_field": "order_date_month", "sorting_direction": "asc"}),
        ("monthly revenue this year", "Area Chart", "", {"graphType": "Area Chart"}),
        ("revenue by segment and channel", "Custom", "", {
            "graphType": "Vertical Bar Chart", "x_axis": "segment", "color_by": "channel"}),
        ("revenue by segment and channel", "Custom", "a graph of REVENUE per channel", {
            "x_axis": "channel", "y_axis": "revenue", "color_by": None}),
    ],
)
def test_suggest_graph(http: httpx.Client, question: str, graph_type: str, query: str,
                       expected: dict[str, Any]) -> None:
    response = _graph(http, question, graph_type, query)
    assert response.status_code == 200, response.text
    suggestion = response.json()["graphSuggestion"]
    assert set(suggestion) == {"graphType", "x_axis", "y_axis", "color_by", "sorting_field",
                               "sorting_direction", "title", "x_axis_display_name",
                               "y_axis_display_name"}
    assert {key: suggestion[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("question", "graph_type", "reason"),
    [
        ("revenue by category", "Line Chart", "Cannot draw a line chart: it needs an ordered x"),
        ("revenue by category", "Scatter Chart", "Cannot draw a scatter chart: it needs two"),
        ("revenue by customer name", "Pie Chart", "slices are too many"),
        ("revenue by category", "Radar Chart", "'Radar Chart' is not one of Custom, Vertical Bar"),
    ],
)
def test_suggest_graph_refuses_what_the_data_cannot_carry(
    http: httpx.Client, question: str, graph_type: str, reason: str
) -> None:
    response = _graph(http, question, graph_type, path="/api/v1/chat/suggestGraph")
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"code", "error"} and body["code"] == "422"
    assert body["error"].startswith("Please provide a valid value for graphType. ")
    assert reason in body["error"]


@pytest.mark.parametrize("path", ["/api/v1/chat/getData", "/v1/chat/getData",
                                  "/api/v1/chat/suggestGraph", "/v1/chat/suggestGraph"])
@pytest.mark.parametrize("kind", ["traversal", "absolute", "unknown", "other_org", "other_app",
                                  "other_key"])
def test_data_file_paths_the_caller_may_not_read(
    http: httpx.Client, installation: Installation, path: str, kind: str
) -> None:
    stored = ask(http, "revenue by category").json()["dataFilePath"]
    organization, conversation, message = stored.split("/")
    model, key = "demo", installation.key
    data_file_path = {
        "traversal": f"{organization}/../{conversation}/{message}",
        "absolute": f"/{stored}",
        "unknown": f"{organization}/{conversation}/msg_unknown.csv",
        "other_org": stored,
        "other_app": stored,
        "other_key": stored,
    }[kind]
    if kind == "other_org":
        key = installation.other_key  # its own application "demo" exists
    if kind == "other_app":
        model = "league"
    if kind == "other_key":
        key = installation.member_key
    response = http.post(path, headers={"Authorization": f"Bearer {key}"}, json={
        "model": model, "dataFilePath": data_file_path, "graphType": "Custom", "query": ""})
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"code", "error"} and body["code"] == "422"
    assert body["error"].startswith("Please provide a valid value for dataFilePath. ")


# --- listings -------------------------------------------------------------------------


def _applications(http: httpx.Client, key: str | None = None, **body: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = http.post("/api/v1/chat/applications", json=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_applications_lists_the_organisations_applications(
    http: httpx.Client, installation: Installation
) -> None:
    listing = _applications(http)
    assert listing["message"] == "List fetched successfully"
    assert listing["status"] == "SUCCESS"
    names = [a["name"] for a in listing["data"]]
    assert names == sorted(names) and {"demo", "league"} <= set(names)
    assert listing["totalRecords"] == len(names)
    demo = next(a for a in listing["data"] if a["name"] == "demo")
    sources = {s.name: s for s in installation.parley.list_sources()}
    assert demo == {
        "role": "admin", "description": "Generated retail and B2B sales data",
        "dateModified": demo["dateModified"], "tags": [], "dateCreated": demo["dateCreated"],
        "sourceType": "duckdb", "createdBy": "", "name": "demo",
        "connectionId": sources["demo"].id, "modifiedBy": "", "connectionName": "demo",
        "projectName": "Default", "syncStatus": "Synced",
    }
    assert 1_700_000_000_000 < demo["dateCreated"] <= demo["dateModified"]
    other = _applications(http, installation.other_key)
    assert [(a["name"], a["sourceType"]) for a in other["data"]] == [("demo", "sqlite")]
    assert _applications(http, installation.member_key)["data"][0]["role"] == "member"


def test_applications_pages_and_projects(http: httpx.Client) -> None:
    everything = _applications(http)["data"]
    second = _applications(http, pageNumber=2, pageSize=1)
    assert second["totalRecords"] == len(everything)
    assert [a["name"] for a in second["data"]] == [everything[1]["name"]]
    assert _applications(http, projectName="default")["data"] == everything
    assert _applications(http, projectName="Marketing") == {
        "totalRecords": 0, "data": [], "message": "List fetched successfully",
        "status": "SUCCESS"}
    assert http.post("/api/v1/chat/applications").json()["data"] == everything


def _conversations(http: httpx.Client, key: str, start: int = 0, end: int = 0) -> dict[str, Any]:
    response = http.post("/api/v1/chat/conversations", headers={"Authorization": f"Bearer {key}"},
                         json={"model": "demo", "conversationStartTime": start,
                               "conversationEndTime": end})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_conversations_page_newest_first(http: httpx.Client, installation: Installation) -> None:
    key = installation.member_key
    created = [ask(http, f"hello number {i}", key=key).json()["conversationId"]
               for i in range(23)]
    first = _conversations(http, key)
    assert len(first["conversations"]) == 20
    assert [c["conversationId"] for c in first["conversations"]] == created[::-1][:20]
    assert first["conversations"][0]["conversationHeading"] == "hello number 22"
    times = [c["conversationTime"] for c in first["conversations"]]
    assert times == sorted(times, reverse=True)
    assert first["lastConversationTime"] == times[-1]
    rest = _conversations(http, key, end=first["lastConversationTime"])
    assert [c["conversationId"] for c in rest["conversations"]] == created[::-1][20:]
    assert rest["lastConversationTime"] == -1
    recent = _conversations(http, key, start=times[2])
    assert [c["conversationId"] for c in recent["conversations"]] == created[::-1][:3]
    assert recent["lastConversationTime"] == -1
    # Conversations belong to the key's member: the admin key sees none of these.
    mine = {c["conversationId"] for c in _conversations(http, installation.key)["conversations"]}
    assert mine.isdisjoint(created)


def test_conversation_questions(http: httpx.Client, installation: Installation) -> None:
    key = installation.member_key
    first = ask(http, "revenue by category", key=key)
    conversation = first.json()["conversationId"]
    second = ask(http, "only Electronics and Software", key=key, conversation=conversation)
    ask(http, "hello", key=key, conversation=conversation)

    def page(number: int, size: int) -> dict[str, Any]:
        response = http.post(
            "/api/v1/chat/conversationQuestions", headers={"Authorization": f"Bearer {key}"},
            json={"model": "demo", "conversationId": conversation, "pageNumber": number,
                  "pageSize": size})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    everything = page(1, 20)
    assert everything["total"] == 3
    question = everything["questions"][1]
    assert question["questionId"] == second.json()["id"]
    assert question["conversationId"] == conversation
    assert question["username"] == "ada@example.com"
    assert question["incidentId"] is None
    assert question["conversationTime"] <= question["conversationEndTime"]
    assert json.loads(question["requestJson"]) == {
        "model": "demo",
        "messages": [{"role": "user", "content": "only Electronics and Software"}]}
    response = json.loads(question["responseJson"])
    assert response["object"] == "chat.completion"
    assert response["choices"][0]["message"]["content"] == content(second)
    assert response["dataFilePath"] == second.json()["dataFilePath"]
    assert page(2, 2)["questions"] == everything["questions"][2:]
    assert page(2, 2)["total"] == 3


# --- errors ---------------------------------------------------------------------------

PATHS = ["/api/v1/chat/completions", "/api/v1/chat/getData", "/v1/chat/getData",
         "/api/v1/chat/suggestGraph", "/v1/chat/suggestGraph", "/api/v1/chat/applications",
         "/api/v1/chat/conversations", "/api/v1/chat/conversationQuestions"]
UNAUTHORIZED = {"code": "401", "error_description": "The access token is expired or invalid",
                "error": "UnAuthorized Access"}


def _body(path: str, model: str = "demo") -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": "hello"}],
            "dataFilePath": "org_a/conv_b/msg_c.csv", "conversationId": "conv_x"}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("authorization", [None, "Bearer pk_not_a_key", "Basic abc", "Bearer"])
def test_every_endpoint_refuses_without_a_valid_key(
    http: httpx.Client, path: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    url = str(http.base_url).rstrip("/") + path
    response = httpx.post(url, headers=headers, json=_body(path))
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


@pytest.mark.parametrize("path", [p for p in PATHS if not p.endswith("applications")])
def test_every_endpoint_refuses_an_application_of_another_organisation(
    http: httpx.Client, installation: Installation, path: str
) -> None:
    # "league" exists, but in the default organisation, not in the key's.
    response = http.post(path, json=_body(path, model="league"),
                           headers={"Authorization": f"Bearer {installation.other_key}"})
    assert response.status_code == 412
    assert response.json() == {"code": "412", "error": "Unable to access the Data Warehouse "
                               "Intelligence application league with the provided API key."}


@pytest.mark.parametrize(
    ("path", "body", "headers", "field"),
    [
        ("/api/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}]}, {},
         "model"),
        ("/api/v1/chat/completions", {"model": "", "messages": []}, {}, "model"),
        ("/api/v1/chat/completions", {"model": 7, "messages": []}, {}, "model"),
        ("/api/v1/chat/completions", {"model": "demo", "messages": []}, {}, "messages"),
        ("/api/v1/chat/completions", {"model": "demo", "messages": "hi"}, {}, "messages"),
        ("/api/v1/chat/completions",
         {"model": "demo", "messages": [{"role": "system", "content": "x"}]}, {}, "messages"),
        ("/api/v1/chat/completions",
         {"model": "demo", "messages": [{"role": "user", "content": "  "}]}, {}, "messages"),
        ("/api/v1/chat/completions",
         {"model": "demo", "messages": [{"role": "user", "content": "x"}]},
         {"responseType": "xml"}, "responseType"),
        ("/api/v1/chat/completions",
         {"model": "demo", "messages": [{"role": "user", "content": "x"}]},
         {"conversationId": "conv_unknown"}, "conversationId"),
        ("/api/v1/chat/getData", {"model": "demo"}, {}, "dataFilePath"),
        ("/v1/chat/suggestGraph", {"dataFilePath": "a"}, {}, "model"),
        ("/api/v1/chat/applications", {"pageNumber": 0}, {}, "pageNumber"),
        ("/api/v1/chat/applications", {"pageSize": "many"}, {}, "pageSize"),
        ("/api/v1/chat/conversations", {"model": "demo", "conversationStartTime": -1}, {},
         "conversationStartTime"),
        ("/api/v1/chat/conversationQuestions", {"model": "demo"}, {}, "conversationId"),
        ("/api/v1/chat/conversationQuestions",
         {"model": "demo", "conversationId": "conv_unknown"}, {}, "conversationId"),
        ("/api/v1/chat/conversationQuestions",
         {"model": "demo", "conversationId": "c", "pageSize": 0}, {}, "pageSize"),
    ],
)
def test_invalid_values_use_the_422_row(http: httpx.Client, path: str, body: dict[str, Any],
                                        headers: dict[str, str], field: str) -> None:
    response = http.post(path, json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["code"] == "422"
    assert set(response.json()) == {"code", "error"}
    assert response.json()["error"].startswith(f"Please provide a valid value for {field}.")


def test_malformed_json_uses_the_422_row(http: httpx.Client) -> None:
    response = http.post("/api/v1/chat/completions", content=b'{"model": "demo",',
                           headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (
        422, {"code": "422", "error": "Please provide a valid value for request body."})


@pytest.mark.parametrize("kind", ["other_org", "other_key", "other_app"])
def test_conversation_ids_the_caller_may_not_continue(
    http: httpx.Client, installation: Installation, kind: str
) -> None:
    conversation = ask(http, "hello").json()["conversationId"]
    key, model = {"other_org": (installation.other_key, "demo"),
                  "other_key": (installation.member_key, "demo"),
                  "other_app": (installation.key, "league")}[kind]
    response = ask(http, "hello", conversation=conversation, key=key, model=model)
    assert response.status_code == 422
    assert response.json()["error"].startswith("Please provide a valid value for conversationId.")


def _incident_logged(caplog: pytest.LogCaptureFixture, text: str) -> str:
    found = re.search(r"Incident ID : (inc_\w+) ", text)
    assert found is not None, text
    incident = found.group(1)
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None
    return incident


def test_a_turn_that_fails_inside_the_engine_is_a_500(
    http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = ask(http, "total points by team", model="unreadable")
    assert response.status_code == 500
    assert set(response.json()) == {"code", "message", "status"}
    incident = _incident_logged(caplog, response.json()["message"])
    assert "Traceback" not in response.text and "not a list" not in response.text
    # The question was stored before the engine ran, in the thread the header names.
    conversation = response.headers["conversationId"]
    listed = http.post("/api/v1/chat/conversationQuestions", json={
        "model": "unreadable", "conversationId": conversation}).json()["questions"]
    assert [json.loads(q["requestJson"])["model"] for q in listed] == ["unreadable"]
    assert incident.startswith("inc_")


def test_a_streamed_turn_that_fails_ends_with_an_error_event(
    http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"model": "unreadable", "stream": True,
            "messages": [{"role": "user", "content": "total points by team"}]}
    with caplog.at_level(logging.ERROR), http.stream(
        "POST", "/api/v1/chat/completions", json=body
    ) as response:
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    last = json.loads(lines[-1].removeprefix("data: "))
    assert set(last) == {"error"}
    assert last["error"]["code"] == "500" and last["error"]["status"] == "FAILURE"
    _incident_logged(caplog, last["error"]["message"])
    assert "data: [DONE]" not in lines


def test_render_doctests() -> None:
    results = doctest.testmod(_openai_render)
    assert results.attempted > 0 and results.failed == 0


def test_other_paths_keep_their_own_error_format(http: httpx.Client) -> None:
    response = http.post("/api/v1/chat/nothing", json={})
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


def test_every_row_of_the_error_table(
    http: httpx.Client, installation: Installation, caplog: pytest.LogCaptureFixture
) -> None:
    """Each row of the documented table, produced by a real request."""
    parley = installation.parley
    with parley.store.session() as session:
        limited = tenancy.create_organization(session, "limited",
                                              settings={"rate_limits": {"per_minute": 1}})
        limited_key, _ = api_keys.create_api_key(session, limited.id, "limited-admin")
        limited_id = limited.id
    parley.add_source(f"sqlite:///{installation.league_path}", name="league",
                      organization_id=limited_id)
    parley.create_application("demo", source="league", organization_id=limited_id)
    assert ask(http, "hello", key=limited_key).status_code == 200

    rows = [
        (ask(http, "hello", key="pk_expired"), 401, UNAUTHORIZED),
        (ask(http, "hello", model="Online_Retail_Store"), 412, {
            "code": "412", "error": "Unable to access the Data Warehouse Intelligence "
                                    "application Online_Retail_Store with the provided API key."}),
        (ask(http, "hello", model=""), 422,
         {"code": "422", "error": "Please provide a valid value for model."}),
        (ask(http, "hello", key=limited_key), 429,
         {"code": "429", "error": "Data Warehouse Intelligence API rate limit reached for the "
                                  "minute."}),
    ]
    with caplog.at_level(logging.ERROR, logger="parley.api.openai"):
        failed = ask(http, "hello", key=installation.misconfigured_key)
    for response, status, body in rows:
        assert (response.status_code, response.json()) == (status, body)
    assert 1 <= int(rows[3][0].headers["Retry-After"]) <= 60

    assert failed.status_code == 500
    incident = _incident_logged(caplog, failed.json()["message"])
    assert failed.json() == {"code": "500", "status": "FAILURE", "message": (
        "Failed to perform action due to an unexpected error. Please contact the application "
        f"administrator with Incident ID : {incident} for further assistance.")}
    cause = next(r for r in caplog.records if incident in r.getMessage()).exc_info
    assert cause is not None and "per_minut" in str(cause[1])
    assert "Traceback" not in failed.text and "per_minut" not in failed.text
