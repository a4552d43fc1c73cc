"""Shared set-up of the Ana face's tests: members with keys (of this organisation and of
another), a second application to choose between, and an SSE reader that rebuilds the
blocks by id the way the seed tells clients to."""

from __future__ import annotations

import base64
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse

from parley.auth.api_keys import create_api_key
from parley.conversations.installation import Parley
from parley.store import tenancy

LEAGUE_APP = "ana_league"


@dataclass(frozen=True)
class Member:
    id: str
    key: str
    name: str

    @property
    def basic(self) -> dict[str, str]:
        pair = base64.b64encode(f"{self.id}:{self.key}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def add_member(parley: Parley, name: str, *, organization: str | None = None) -> Member:
    """A member with an API key, in the default organisation or a new one named so."""
    with parley.store.session() as session:
        org = (
            tenancy.create_organization(session, organization).id
            if organization
            else parley.organization_id
        )
        member = tenancy.create_member(session, org, name, email=f"{name}@example.com")
        key, _ = create_api_key(session, org, f"{name}'s key", member_id=member.id)
        return Member(member.id, key, name)


def add_league(parley: Parley, folder: Path) -> str:
    """A small SQLite application about football matches, unlike the demo's sales."""
    path = folder / "league.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE matches (match_id INTEGER PRIMARY KEY, team TEXT, goals INTEGER)"
        )
        connection.executemany(
            "INSERT INTO matches (team, goals) VALUES (?, ?)",
            [("Lions", 3), ("Tigers", 1), ("Lions", 1), ("Bears", 0)],
        )
    connection.close()
    parley.add_source(f"sqlite:///{path}", name=LEAGUE_APP)
    parley.create_application(LEAGUE_APP, source=LEAGUE_APP)
    return LEAGUE_APP


@dataclass
class Stream:
    """One answer as an SSE client saw it."""

    #: (event name, decoded data), in order.
    events: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def chat_id(self) -> str:
        return str(self.first("chatId"))

    @property
    def user_id(self) -> int:
        return int(self.first("userMsgId"))

    @property
    def assistant_id(self) -> int:
        return int(self.first("assistantMsgId"))

    def first(self, name: str) -> Any:
        return next(data for event, data in self.events if event == name)

    @property
    def versions(self) -> list[dict[str, Any]]:
        """Every block version, in the order sent."""
        return [data for event, data in self.events if event == "block"]

    @property
    def blocks(self) -> list[dict[str, Any]]:
        """The blocks rebuilt as the seed says: each version replaces the block of its id."""
        rebuilt: dict[str, dict[str, Any]] = {}
        for block in self.versions:
            rebuilt[block["id"]] = block
        return list(rebuilt.values())

    def of(self, tag: str) -> list[dict[str, Any]]:
        return [b for b in self.blocks if b["tag"] == tag]


def read_stream(client: httpx.Client, headers: dict[str, str], **params: Any) -> Stream:
    """``GET /api/ana`` read to its end with an SSE client."""
    stream = Stream()
    with connect_sse(client, "GET", "/api/ana", params=params, headers=headers) as source:
        assert source.response.status_code == 200, source.response.read()
        assert source.response.headers["content-type"].startswith("text/event-stream")
        for sse in source.iter_sse():
            stream.events.append((sse.event, json.loads(sse.data)))
    return stream


def stored_chat(client: httpx.Client, headers: dict[str, str], chat_id: str) -> list[Any]:
    response = client.get(f"/api/ana/{chat_id}", headers=headers)
    assert response.status_code == 200, response.text
    chat: list[Any] = response.json()
    return chat


def message(chat: list[Any], number: int) -> dict[str, Any]:
    """The message whose integer id is ``number``."""
    found: dict[str, Any] = next(m[0] for m in chat if m[0]["innerId"] == number)
    return found


def _suffix(request: pytest.FixtureRequest) -> str:
    """Names are unique per module: members and organisations outlive a module."""
    return request.module.__name__.rsplit(".", 1)[-1].replace("_", "-")


@pytest.fixture(scope="module")
def ana(parley: Parley, request: pytest.FixtureRequest) -> Member:
    return add_member(parley, f"ana-{_suffix(request)}")


@pytest.fixture(scope="module")
def colleague(parley: Parley, request: pytest.FixtureRequest) -> Member:
    return add_member(parley, f"colleague-{_suffix(request)}")


@pytest.fixture(scope="module")
def outsider(parley: Parley, request: pytest.FixtureRequest) -> Member:
    suffix = _suffix(request)
    return add_member(parley, f"outsider-{suffix}", organization=f"elsewhere-{suffix}")
