"""The bot channel face over HTTP (httpx against uvicorn): every endpoint with every
status code it publishes, the stream parsed the way the published JavaScript handler
parses it, pagination, manual data sources with their rows, limits and sync."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from _openai_fixtures import GENEROUS, LiveServer, demo_copy, league_database

from parley.api.app import create_app
from parley.config import Settings
from parley.conversations.installation import Parley
from parley.conversations.knowledge import KnowledgeLimits
from parley.store import catalog, tenancy
from parley.store import knowledge as knowledge_store
from parley.store.models import KnowledgeSource, utcnow

LIMITS = KnowledgeLimits(
    max_row_bytes=4_000, max_rows_per_source=25, max_sources_per_channel=4, max_rows_per_request=30
)
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
INCIDENT = re.compile(r"inc_[A-Za-z0-9]+")
SYNC_DEADLINE_S = 15.0


@dataclass
class Channel:
    id: str
    secret: str
    http: httpx.Client

    def url(self, path: str) -> str:
        return f"/api/public/channels/{self.id}/1.0/{path}"

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.http.request(
            method, self.url(path), json=body, headers={"X-API-Secret-Key": self.secret},
            **kwargs,
        )

    def post(self, path: str, body: Any = None) -> httpx.Response:
        return self.call("POST", path, body)

    def ok(self, method: str, path: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        response = self.call(method, path, body, **kwargs)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        assert data["success"] is True
        return data

    def ask(self, message: str, conversation: str | None = None) -> dict[str, Any]:
        body = {"message": message}
        if conversation:
            body["conversationId"] = conversation
        return self.ok("POST", "message", body)

    def source(self, source_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.ok(
            "GET", "data-sources", params={"dataSourceId": source_id})["dataSource"]
        return found

    def wait_synced(self, source_id: str, *, after: str | None = None) -> dict[str, Any]:
        """The source once its sync has ended (one that ended after ``after``)."""
        deadline = time.monotonic() + SYNC_DEADLINE_S
        while True:
            source = self.source(source_id)
            ended = source["state"] in ("synced", "sync_error")
            if ended and (after is None or (source["lastSync"] or "") > after):
                return source
            assert time.monotonic() < deadline, f"sync of {source_id} did not end: {source}"
            time.sleep(0.05)


@dataclass
class Setup:
    parley: Parley
    server: LiveServer
    http: httpx.Client
    #: An organisation allowed one message a minute.
    limited_organization: str

    def channel(self, app: str = "demo", *, organization_id: str | None = None) -> Channel:
        if organization_id is None:
            channel_id, secret = self.parley.create_channel(app)
        else:
            channel_id, secret = _channel_in(self.parley, organization_id, app)
        return Channel(channel_id, secret, self.http)


def _channel_in(parley: Parley, organization_id: str, app: str) -> tuple[str, str]:
    from parley.auth.api_keys import create_channel

    with parley.store.session() as session:
        application = catalog.get_application_by_name(session, organization_id, app)
        assert application is not None
        secret, channel = create_channel(session, organization_id, application.id, "limited")
        return channel.id, secret


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    home = demo_copy(tmp_path_factory, tmp_path_factory.mktemp("channels-home"))
    # A short lease and a quick scheduler: an abandoned sync is resumed within a second.
    settings = Settings.from_env(
        {"PARLEY_SYNC_LEASE": "1", "PARLEY_SYNC_POLL": "0.1"}, home=home
    )
    parley = Parley.open(settings=settings)
    parley.knowledge.limits = LIMITS
    league = league_database(home / "league.sqlite")
    # An application whose stored ontology no longer reads: every turn on it fails.
    parley.add_source(f"sqlite:///{league}", name="unreadable")
    parley.create_application("unreadable", source="unreadable")
    with parley.store.session() as session:
        default = tenancy.get_organization(session, parley.organization_id)
        tenancy.update_organization_settings(session, default, {"rate_limits": GENEROUS})
        unreadable = catalog.get_source_by_name(session, default.id, "unreadable")
        assert unreadable is not None
        catalog.save_ontology(session, unreadable, {"objects": "not a list of objects"})
        limited = tenancy.create_organization(
            session, "limited", settings={"rate_limits": {"per_minute": 1}}
        )
        limited_id = limited.id
    parley.add_source(f"sqlite:///{league}", name="league", organization_id=limited_id)
    parley.create_application("league", source="league", organization_id=limited_id)
    with LiveServer(create_app(parley)) as server, httpx.Client(
        base_url=server.url, timeout=60
    ) as http:
        yield Setup(parley, server, http, limited_id)
    parley.close()


@pytest.fixture(scope="module")
def bot(setup: Setup) -> Channel:
    return setup.channel()


# --- who may call ---------------------------------------------------------------------


def _routes() -> list[tuple[str, str]]:
    from parley.api import channels

    prefix = "/api/public/channels/{channelId}/1.0/"
    return sorted(
        (sorted(route.methods)[0], route.path.removeprefix(prefix))  # type: ignore[attr-defined]
        for route in channels.router.routes
    )


ROUTES = _routes()


def test_the_face_has_every_published_endpoint() -> None:
    published = sorted([
        ("POST", "conversation"), ("POST", "message"), ("POST", "conversations"),
        ("POST", "messages"), ("POST", "data-sources"), ("POST", "data-sources/list"),
        ("GET", "data-sources"), ("PUT", "data-sources"), ("DELETE", "data-sources"),
        ("POST", "data-sources/row"), ("POST", "data-sources/row/list"),
        ("GET", "data-sources/row"), ("PUT", "data-sources/row"),
        ("DELETE", "data-sources/rows"), ("POST", "data-sources/sync"),
    ])
    assert published == ROUTES


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_endpoint_refuses_wrong_keys_and_unknown_or_disabled_channels(
    setup: Setup, method: str, path: str
) -> None:
    channel = setup.channel()
    other = setup.channel()
    wrong = Channel(channel.id, other.secret, setup.http)
    missing = setup.http.request(method, channel.url(path), json={})
    unknown = Channel("chan_doesnotexist", channel.secret, setup.http)
    for response, status in (
        (wrong.call(method, path, {}), 403),
        (missing, 403),
        (unknown.call(method, path, {}), 404),
    ):
        assert response.status_code == status, (method, path, response.text)
        body = response.json()
        assert body["success"] is False and body["error"]
        assert channel.secret not in response.text and other.secret not in response.text
    setup.parley.set_channel_enabled(channel.id, False)
    disabled = channel.call(method, path, {})
    assert disabled.status_code == 404 and disabled.json()["success"] is False
    setup.parley.set_channel_enabled(channel.id, True)
    assert channel.call(method, path, {}).status_code in (200, 400)


#: Starting a conversation and creating a data source take no body.
BODY_ROUTES = [(m, p) for m, p in ROUTES
               if m != "GET" and (m, p) not in (("POST", "conversation"), ("POST", "data-sources"))]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_every_endpoint_with_a_body_refuses_a_malformed_one(
    bot: Channel, method: str, path: str
) -> None:
    not_json = bot.http.request(
        method, bot.url(path), content=b"{not json",
        headers={"X-API-Secret-Key": bot.secret, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 400, not_json.text
    assert not_json.json() == {"success": False, "error": "the request body is not valid JSON"}
    if path not in ("conversations", "data-sources/list"):  # these need no field at all
        empty = bot.call(method, path, {})
        assert empty.status_code == 400, (path, empty.text)
        assert empty.json()["success"] is False and "required" in empty.json()["error"].lower()


@pytest.mark.parametrize("path", ["data-sources", "data-sources/row"])
def test_get_endpoints_need_their_query_parameters(bot: Channel, path: str) -> None:
    response = bot.call("GET", path)
    assert response.status_code == 400
    assert "dataSourceId" in response.json()["error"]


# --- conversations and messages -------------------------------------------------------


def test_a_conversation_starts_with_the_bots_greeting(bot: Channel) -> None:
    started = bot.ok("POST", "conversation")
    assert set(started) == {"success", "conversationId", "response"}
    assert started["response"].startswith("Hello")
    listed = bot.ok("POST", "messages", {"conversationId": started["conversationId"]})
    assert [(m["role"], m["message"]) for m in listed["messages"]] == [
        ("assistant", started["response"])]
    assert ISO_MS.match(listed["messages"][0]["createdAt"])


def test_a_one_off_message_opens_a_conversation_and_a_next_one_continues_it(bot: Channel) -> None:
    # The one-off example of the published API names the message "response".
    first = bot.ok("POST", "message", {"response": "revenue by category"})
    assert "category" in first["response"].lower()
    follow_up = bot.ask("as a pie chart", first["conversationId"])
    assert follow_up["conversationId"] == first["conversationId"]
    # Only a conversation that remembers the result can redraw it.
    assert follow_up["response"] == "Here is the same result as a pie chart."
    alone = bot.ask("as a pie chart")
    assert alone["conversationId"] != first["conversationId"]
    assert "no result yet" in alone["response"]


@pytest.mark.parametrize(
    ("body", "status", "said"),
    [
        ({}, 400, "message is required"),
        ({"message": "   "}, 400, "empty"),
        ({"message": 42}, 400, "message"),
        ({"message": "x" * 5000}, 400, "4,000"),
        ({"message": "hi", "stream": "often"}, 400, "stream"),
        ({"message": "hi", "conversationId": "conv_nothere"}, 404, "conv_nothere"),
    ],
)
def test_message_refusals(bot: Channel, body: dict[str, Any], status: int, said: str) -> None:
    response = bot.post("message", body)
    assert response.status_code == status, response.text
    assert response.json()["success"] is False and said in response.json()["error"]


def test_another_channels_conversation_is_not_found(setup: Setup, bot: Channel) -> None:
    theirs = setup.channel().ask("revenue by category")["conversationId"]
    assert bot.post("message", {"message": "top 3", "conversationId": theirs}).status_code == 404
    assert bot.post("messages", {"conversationId": theirs}).status_code == 404


def test_messages_beyond_the_organisations_rate_limit_are_429(setup: Setup) -> None:
    limited = setup.channel("league", organization_id=setup.limited_organization)
    assert limited.ask("points by team")["response"]
    refused = limited.post("message", {"message": "points by team"})
    assert refused.status_code == 429
    assert refused.json()["success"] is False and "minute" in refused.json()["error"]
    assert int(refused.headers["Retry-After"]) > 0


def test_a_failure_is_500_with_an_incident_and_no_trace(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    broken = setup.channel("unreadable")
    for path, body in (("conversation", None), ("message", {"message": "how many rows"})):
        caplog.clear()
        response = broken.post(path, body)
        assert response.status_code == 500, response.text
        body_json = response.json()
        assert body_json["success"] is False
        incident = INCIDENT.search(body_json["error"])
        assert incident and incident[0] in caplog.text
        assert "Traceback" not in response.text and "objects" not in response.text


def test_a_failure_after_the_stream_started_is_an_error_event(setup: Setup) -> None:
    broken = setup.channel("unreadable")
    with broken.http.stream(
        "POST", broken.url("message"), json={"message": "how many rows", "stream": True},
        headers={"X-API-Secret-Key": broken.secret},
    ) as response:
        assert response.status_code == 200  # the status line left before the turn failed
        events = [line.removeprefix("data: ") for line in response.iter_lines() if line]
    assert json.loads(events[0])["choices"][0]["delta"]["role"] == "assistant"
    failure = json.loads(events[-1])["error"]
    assert INCIDENT.search(failure["message"]) and "[DONE]" not in events


# --- streaming ------------------------------------------------------------------------


def test_a_streamed_answer_parses_as_the_published_javascript_handler_parses_it(
    bot: Channel,
) -> None:
    contents: list[str] = []
    raw = b""
    with bot.http.stream(
        "POST", bot.url("message"), json={"message": "revenue by category", "stream": True},
        headers={"X-API-Secret-Key": bot.secret},
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        # reader.read() -> decoder.decode(value) -> chunk.split("\n") -> strip "data: " ->
        # drop "" and "[DONE]" -> JSON.parse -> choices[0].delta.content
        for value in response.iter_raw():
            raw += value
            chunk = value.decode("utf-8")
            lines = [re.sub(r"^data: ", "", line).strip() for line in chunk.split("\n")]
            parsed = [json.loads(line) for line in lines if line not in ("", "[DONE]")]
            for parsed_line in parsed:
                content = parsed_line["choices"][0]["delta"].get("content")
                if content:
                    contents.append(content)
    events = [line.removeprefix("data: ") for line in raw.decode().split("\n") if line]
    assert all(line.startswith("data: ") for line in raw.decode().split("\n") if line)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0] == {
        "index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    text = "".join(contents)
    assert "category" in text.lower()
    # The streamed answer is the stored one.
    conversation = chunks[0]["conversationId"]
    stored = bot.ok("POST", "messages", {"conversationId": conversation})["messages"]
    assert [m["role"] for m in stored] == ["user", "assistant"]
    assert stored[1]["message"] == text


# --- pagination -----------------------------------------------------------------------


def test_conversations_page_with_a_cursor(setup: Setup) -> None:
    channel = setup.channel()
    opened = [channel.ask(q)["conversationId"] for q in ("hi", "revenue by category", "hello")]
    first = channel.ok("POST", "conversations", {"limit": 2})
    assert [c["id"] for c in first["conversations"]] == opened[:2]
    assert first["pagination"] == {"total": 3, "last": opened[1]}
    assert first["conversations"][1]["initialMessage"] == "revenue by category"
    assert ISO_MS.match(first["conversations"][0]["createdAt"])
    rest = channel.ok("POST", "conversations", {"limit": 2, "cursor": opened[1]})
    assert [c["id"] for c in rest["conversations"]] == opened[2:]
    assert rest["pagination"] == {"total": 3, "last": opened[2]}
    assert channel.ok("POST", "conversations")["pagination"]["total"] == 3  # limit 10


def test_messages_page_with_a_cursor(bot: Channel) -> None:
    conversation = bot.ok("POST", "conversation")["conversationId"]
    bot.ask("revenue by category", conversation)
    bot.ask("top 3", conversation)
    first = bot.ok("POST", "messages", {"conversationId": conversation, "limit": 3})
    assert [m["role"] for m in first["messages"]] == ["assistant", "user", "assistant"]
    assert first["pagination"]["total"] == 5
    rest = bot.ok("POST", "messages", {"conversationId": conversation, "limit": 3,
                                       "cursor": first["pagination"]["last"]})
    assert (rest["messages"][0]["role"], rest["messages"][0]["message"]) == ("user", "top 3")
    assert rest["pagination"] == {"total": 5, "last": rest["messages"][-1]["id"]}


@pytest.mark.parametrize("path", ["conversations", "messages", "data-sources/list",
                                  "data-sources/row/list"])
@pytest.mark.parametrize("limit", [0, 101, -1, "ten"])
def test_limits_out_of_range_are_400(bot: Channel, path: str, limit: Any) -> None:
    response = bot.post(path, {"limit": limit, "conversationId": "conv_x", "dataSourceId": "ks_x"})
    assert response.status_code == 400
    assert "limit" in response.json()["error"]


@pytest.mark.parametrize("path", ["conversations", "messages", "data-sources/list",
                                  "data-sources/row/list"])
def test_a_cursor_that_is_not_in_the_list_is_400(bot: Channel, path: str) -> None:
    conversation = bot.ask("hi")["conversationId"]
    source = bot.ok("POST", "data-sources")["dataSource"]["id"]
    try:
        response = bot.post(path, {"cursor": "nothing_here", "conversationId": conversation,
                                   "dataSourceId": source})
        assert response.status_code == 400, response.text
        assert "cursor" in response.json()["error"]
    finally:
        bot.ok("DELETE", "data-sources", {"dataSourceId": source})


# --- manual data sources --------------------------------------------------------------


@pytest.fixture
def source(bot: Channel) -> Iterator[str]:
    source_id: str = bot.ok("POST", "data-sources")["dataSource"]["id"]
    yield source_id
    bot.call("DELETE", "data-sources", {"dataSourceId": source_id})


def test_a_data_source_is_created_listed_read_updated_and_deleted(setup: Setup) -> None:
    channel = setup.channel()
    created = channel.ok("POST", "data-sources")["dataSource"]
    assert created["type"] == "MANUAL" and created["state"] == "not_synced"
    assert created["lastSync"] is None and created["syncInterval"] is None
    assert ISO_MS.match(created["createdAt"])
    second = channel.ok("POST", "data-sources")["dataSource"]
    page = channel.ok("POST", "data-sources/list", {"limit": 1})
    assert page["dataSources"] == [created]
    assert page["pagination"] == {"total": 2, "last": created["id"]}
    rest = channel.ok("POST", "data-sources/list", {"cursor": created["id"]})
    assert [s["id"] for s in rest["dataSources"]] == [second["id"]]
    assert channel.source(created["id"]) == created
    updated = channel.ok("PUT", "data-sources", {"dataSourceId": created["id"],
                                                 "syncInterval": "week"})
    assert updated["dataSource"]["syncInterval"] == "week"
    cleared = channel.ok("PUT", "data-sources", {"dataSourceId": created["id"]})
    assert cleared["dataSource"]["syncInterval"] is None
    assert channel.ok("DELETE", "data-sources", {"dataSourceId": created["id"]}) == {
        "success": True}
    again = channel.call("DELETE", "data-sources", {"dataSourceId": created["id"]})
    assert again.status_code == 404
    assert channel.call("GET", "data-sources", params={"dataSourceId": created["id"]}
                        ).status_code == 404
    # Another channel's sources are not this channel's business.
    assert setup.channel().call("GET", "data-sources", params={"dataSourceId": second["id"]}
                                ).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "data-sources", {"syncInterval": "day"}),
        ("DELETE", "data-sources", {}),
        ("POST", "data-sources/row", {"dataSourceRows": [{"name": "a", "content": "b"}]}),
        ("POST", "data-sources/row/list", {}),
        ("PUT", "data-sources/row", {"dataSourceRows": [{"id": "krow_x", "content": "b"}]}),
        ("DELETE", "data-sources/rows", {"dataSourceRows": [{"id": "krow_x"}]}),
        ("POST", "data-sources/sync", {}),
    ],
)
def test_an_unknown_data_source_is_404(
    bot: Channel, method: str, path: str, body: dict[str, Any]
) -> None:
    response = bot.call(method, path, {"dataSourceId": "ks_nothere", **body})
    assert response.status_code == 404
    assert "ks_nothere" in response.json()["error"]


def test_sync_interval_must_be_day_week_month_or_null(bot: Channel, source: str) -> None:
    response = bot.call("PUT", "data-sources", {"dataSourceId": source, "syncInterval": "hour"})
    assert response.status_code == 400 and "syncInterval" in response.json()["error"]


def test_rows_are_created_listed_read_updated_and_deleted(bot: Channel, source: str) -> None:
    rows = [{"name": f"{n}.md", "content": f"# {n}\nAbout {n}."} for n in ("one", "two", "three")]
    created = bot.ok("POST", "data-sources/row", {"dataSourceId": source, "dataSourceRows": rows})
    ids = [r["id"] for r in created["dataSourceRows"]]
    page = bot.ok("POST", "data-sources/row/list", {"dataSourceId": source, "limit": 2})
    assert [(r["id"], r["name"]) for r in page["dataSourceRows"]] == [
        (ids[0], "one.md"), (ids[1], "two.md")]
    assert page["pagination"] == {"total": 3, "last": ids[1]}
    rest = bot.ok("POST", "data-sources/row/list", {"dataSourceId": source, "cursor": ids[1]})
    assert [r["name"] for r in rest["dataSourceRows"]] == ["three.md"]
    row = bot.ok("GET", "data-sources/row",
                 params={"dataSourceId": source, "dataSourceRowId": ids[0]})["dataSourceRow"]
    assert row == {"id": ids[0], "type": "MANUAL", "name": "one.md", "state": "not_synced",
                   "lastSync": None, "createdAt": row["createdAt"], "content": "# one\nAbout one."}
    bot.ok("PUT", "data-sources/row", {"dataSourceId": source, "dataSourceRows": [
        {"id": ids[0], "name": "uno.md", "content": "# uno"}, {"id": ids[1], "content": "# 2"}]})
    changed = bot.ok("GET", "data-sources/row",
                     params={"dataSourceId": source, "dataSourceRowId": ids[1]})["dataSourceRow"]
    assert (changed["name"], changed["content"]) == ("two.md", "# 2")
    assert bot.ok("DELETE", "data-sources/rows", {
        "dataSourceId": source, "dataSourceRows": [{"id": ids[0]}, {"id": ids[2]}]}) == {
        "success": True}
    listed = bot.ok("POST", "data-sources/row/list", {"dataSourceId": source})
    assert [r["id"] for r in listed["dataSourceRows"]] == [ids[1]]
    gone = bot.call("DELETE", "data-sources/rows",
                    {"dataSourceId": source, "dataSourceRows": [{"id": ids[0]}]})
    assert gone.status_code == 404
    missing = bot.call("GET", "data-sources/row",
                       params={"dataSourceId": source, "dataSourceRowId": ids[0]})
    assert missing.status_code == 404


def _row_names(bot: Channel, source: str) -> list[str]:
    listed = bot.ok("POST", "data-sources/row/list", {"dataSourceId": source, "limit": 100})
    return [r["name"] for r in listed["dataSourceRows"]]


@pytest.mark.parametrize(
    ("rows", "status", "said"),
    [
        ([], 400, "must not be empty"),
        ([{"name": "a.md"}], 400, "content"),
        ([{"name": "a.md", "content": "ok"}, {"name": "b.md", "content": "é" * 2_001}],
         400, "4000"),
        ([{"name": "a.md", "content": "ok"}, {"name": "a.md", "content": "again"}],
         400, "unique"),
        ([{"name": " ", "content": "ok"}], 400, "name"),
        ([{"name": f"{n}.md", "content": "x"} for n in range(31)], 400, "at most 30"),
        ([{"name": f"{n}.md", "content": "x"} for n in range(24)], 429, "25 rows"),
    ],
)
def test_rows_over_a_limit_are_refused_and_nothing_is_written(
    bot: Channel, source: str, rows: list[dict[str, Any]], status: int, said: str
) -> None:
    bot.ok("POST", "data-sources/row",
           {"dataSourceId": source, "dataSourceRows": [{"name": "kept.md", "content": "# k"},
                                                       {"name": "other.md", "content": "# o"}]})
    response = bot.post("data-sources/row", {"dataSourceId": source, "dataSourceRows": rows})
    assert response.status_code == status, response.text
    assert response.json()["success"] is False and said in response.json()["error"]
    assert _row_names(bot, source) == ["kept.md", "other.md"]


def test_a_batch_update_with_an_unknown_row_changes_nothing(bot: Channel, source: str) -> None:
    created = bot.ok("POST", "data-sources/row", {"dataSourceId": source, "dataSourceRows": [
        {"name": "a.md", "content": "# a"}]})["dataSourceRows"]
    response = bot.call("PUT", "data-sources/row", {"dataSourceId": source, "dataSourceRows": [
        {"id": created[0]["id"], "content": "# changed"}, {"id": "krow_nothere", "content": "x"}]})
    assert response.status_code == 404
    row = bot.ok("GET", "data-sources/row", params={
        "dataSourceId": source, "dataSourceRowId": created[0]["id"]})["dataSourceRow"]
    assert row["content"] == "# a"
    renamed = bot.call("PUT", "data-sources/row", {"dataSourceId": source, "dataSourceRows": [
        {"id": created[0]["id"], "name": "", "content": "# a"}]})
    assert renamed.status_code == 400


def test_sources_per_channel_are_limited(setup: Setup) -> None:
    channel = setup.channel()
    for _ in range(LIMITS.max_sources_per_channel):
        channel.ok("POST", "data-sources")
    refused = channel.post("data-sources")
    assert refused.status_code == 429 and "4 data sources" in refused.json()["error"]
    listed = channel.ok("POST", "data-sources/list")
    assert listed["pagination"]["total"] == LIMITS.max_sources_per_channel


# --- sync -----------------------------------------------------------------------------

HANDBOOK = Path(__file__).parent / "handbook"


def _handbook_rows() -> list[dict[str, str]]:
    return [{"name": f.name, "content": f.read_text(encoding="utf-8")}
            for f in sorted(HANDBOOK.glob("*.md"))]


def test_sync_runs_in_the_background_and_the_rows_state_follows(bot: Channel, source: str) -> None:
    rows = bot.ok("POST", "data-sources/row", {"dataSourceId": source, "dataSourceRows": [
        {"name": "refunds.md", "content": (HANDBOOK / "refunds.md").read_text()}]})
    started = bot.ok("POST", "data-sources/sync", {"dataSourceId": source})["dataSource"]
    # The request only started it: the row is read by a worker, after the answer.
    assert started["state"] == "syncing" and started["lastSync"] is None
    synced = bot.wait_synced(source)
    assert synced["state"] == "synced" and ISO_MS.match(synced["lastSync"])
    row_id = rows["dataSourceRows"][0]["id"]
    row = bot.ok("GET", "data-sources/row",
                 params={"dataSourceId": source, "dataSourceRowId": row_id})["dataSourceRow"]
    assert row["state"] == "synced" and row["lastSync"] == synced["lastSync"]
    bot.ok("PUT", "data-sources/row", {"dataSourceId": source, "dataSourceRows": [
        {"id": row_id, "content": "# Refunds\nNo refunds."}]})
    row = bot.ok("GET", "data-sources/row",
                 params={"dataSourceId": source, "dataSourceRowId": row_id})["dataSourceRow"]
    assert row["state"] == "not_synced"


def _hold_lease(parley: Parley, source_id: str, *, owner: str, expired: bool,
                attempts: int = 1) -> None:
    """What another process leaves in the store: a lease on the source's sync."""
    with parley.store.session() as session:
        source = session.get(KnowledgeSource, source_id)
        assert source is not None
        source.status = "syncing"
        source.sync_owner = owner
        source.sync_attempts = attempts
        source.sync_lease_until = utcnow() + dt.timedelta(seconds=-5 if expired else 3600)


def test_a_sync_while_another_process_runs_one_is_429(
    setup: Setup, bot: Channel, source: str
) -> None:
    _hold_lease(setup.parley, source, owner="another-process", expired=False)
    refused = bot.post("data-sources/sync", {"dataSourceId": source})
    assert refused.status_code == 429 and "already syncing" in refused.json()["error"]
    assert bot.source(source)["state"] == "syncing"
    with setup.parley.store.session() as session:  # that process finishes
        knowledge_store.fail_sync(session, source, "another-process", "stopped")
    bot.ok("POST", "data-sources/sync", {"dataSourceId": source})
    assert bot.wait_synced(source)["state"] == "synced"


def test_a_sync_its_process_abandoned_is_resumed(setup: Setup, bot: Channel, source: str) -> None:
    bot.ok("POST", "data-sources/row", {"dataSourceId": source, "dataSourceRows": [
        {"name": "refunds.md", "content": (HANDBOOK / "refunds.md").read_text()}]})
    # A process took the sync and stopped (a restart): its lease runs out, the scheduler
    # of a live process takes the sync over and ends it.
    _hold_lease(setup.parley, source, owner="stopped-process", expired=True)
    assert bot.wait_synced(source)["state"] == "synced"


def test_a_sync_abandoned_again_and_again_ends_in_sync_error(
    setup: Setup, bot: Channel, source: str
) -> None:
    _hold_lease(setup.parley, source, owner="stopped-process", expired=True, attempts=3)
    ended = bot.wait_synced(source)
    assert ended["state"] == "sync_error" and ended["lastSync"] is None
    # Never stuck: a sync asked again runs.
    bot.ok("POST", "data-sources/sync", {"dataSourceId": source})
    assert bot.wait_synced(source)["state"] == "synced"


def test_a_sync_interval_runs_the_sync_again_when_due(
    setup: Setup, bot: Channel, source: str
) -> None:
    bot.ok("POST", "data-sources/sync", {"dataSourceId": source})
    first = bot.wait_synced(source)
    bot.ok("PUT", "data-sources", {"dataSourceId": source, "syncInterval": "day"})
    time.sleep(0.3)
    assert bot.source(source)["lastSync"] == first["lastSync"]  # not due yet
    with setup.parley.store.session() as session:  # a day and a bit go by
        found = session.get(KnowledgeSource, source)
        assert found is not None and found.last_synced_at is not None
        found.last_synced_at -= dt.timedelta(days=1, minutes=1)
    again = bot.wait_synced(source, after=first["lastSync"])
    assert again["state"] == "synced" and again["lastSync"] > first["lastSync"]


# --- what the bot knows ---------------------------------------------------------------


def _questions() -> dict[str, Any]:
    import yaml

    loaded: dict[str, Any] = yaml.safe_load(
        (Path(__file__).parent / "handbook_questions.yaml").read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def handbook(setup: Setup) -> Channel:
    """A channel on the demo application whose one source holds the handbook, synced."""
    channel = setup.channel()
    source = channel.ok("POST", "data-sources")["dataSource"]["id"]
    rows = _handbook_rows()
    assert len(rows) == 20
    channel.ok("POST", "data-sources/row", {"dataSourceId": source, "dataSourceRows": rows})
    channel.ok("POST", "data-sources/sync", {"dataSourceId": source})
    assert channel.wait_synced(source)["state"] == "synced"
    channel.handbook_source = source  # type: ignore[attr-defined]
    return channel


def test_the_bot_answers_from_the_handbook_quoting_the_row(handbook: Channel) -> None:
    questions = _questions()
    right = []
    for item in questions["answered"]:
        answer = handbook.ask(item["question"])["response"]
        if f'"{item["row"]}"' in answer:
            right.append(item["question"])
    unknown = [q for q in questions["unanswered"]
               if handbook.ask(q)["response"].startswith("I don't know")]
    print(f"handbook: {len(right)}/15 quote the right row, {len(unknown)}/3 said not known")
    assert len(right) >= 13, set(q["question"] for q in questions["answered"]) - set(right)
    assert len(unknown) == 3


def test_a_question_about_data_and_documents_gets_both(handbook: Channel) -> None:
    answer = handbook.ask(
        "What is the revenue by category? And can I get a refund on an annual subscription?"
    )["response"]
    assert "Revenue by category" in answer
    assert '"refunds.md"' in answer and "30 days" in answer


def test_edits_are_unseen_until_the_next_sync(setup: Setup, bot: Channel, source: str) -> None:
    row = bot.ok("POST", "data-sources/row", {"dataSourceId": source, "dataSourceRows": [
        {"name": "warranty.md", "content": "# Warranty\nThe hardware warranty lasts 2 years."}]})
    row_id = row["dataSourceRows"][0]["id"]
    question = "How long does the hardware warranty last?"
    assert not bot.ask(question)["response"].startswith('From "warranty.md"')  # not synced
    bot.ok("POST", "data-sources/sync", {"dataSourceId": source})
    first = bot.wait_synced(source)
    assert "2 years" in bot.ask(question)["response"]
    bot.ok("PUT", "data-sources/row", {"dataSourceId": source, "dataSourceRows": [
        {"id": row_id, "content": "# Warranty\nThe hardware warranty lasts 5 years."}]})
    assert "2 years" in bot.ask(question)["response"]
    bot.ok("POST", "data-sources/sync", {"dataSourceId": source})
    bot.wait_synced(source, after=first["lastSync"])
    assert "5 years" in bot.ask(question)["response"]
    bot.ok("DELETE", "data-sources/rows", {"dataSourceId": source,
                                           "dataSourceRows": [{"id": row_id}]})
    assert "5 years" in bot.ask(question)["response"]  # until the next sync


def test_secrets_are_stored_hashed(setup: Setup) -> None:
    channel = setup.channel()
    stored = b"".join(p.read_bytes() for p in setup.parley.settings.home.glob("parley.db*"))
    assert channel.secret.encode() not in stored
    assert channel.secret[:8].encode() in stored  # the display prefix only
