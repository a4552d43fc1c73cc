"""Shared set-up of the OpenAI-compatible face's tests: a Parley home with the demo data,
organisations and keys, and the app served by uvicorn on a free port.

Test modules import the fixtures they use from here. Generating the demo data takes a
few seconds, so it happens once per session and each module's home gets a copy.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from parley.api.app import create_app
from parley.auth import api_keys
from parley.conversations.installation import Parley
from parley.sources.demo import generate_demo
from parley.store import catalog, tenancy

#: Limits no test reaches, so that only the rate-limit tests meet the face's 2 a minute.
GENEROUS = {"per_minute": 100_000, "per_hour": 100_000, "per_day": 100_000}
#: One team name holds HTML metacharacters, to show html answers escape values.
LEAGUE_ROWS = [("Lions", 3), ("Tigers", 1), ("Lions", 1), ("Bears <&> Cubs", 0)]


def demo_copy(factory: pytest.TempPathFactory, home: Path) -> Path:
    """``home`` holding a copy of the session's demo data (generated on first use)."""
    cache = factory.getbasetemp() / "openai-demo-cache" / "demo.duckdb"
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(".partial")
        generate_demo(partial)
        partial.rename(cache)
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(cache, home / "demo.duckdb")
    return home


def league_database(path: Path) -> Path:
    """A small SQLite database: a source this test owns and can change under Parley."""
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE matches (match_id INTEGER PRIMARY KEY, team TEXT, points INTEGER)"
        )
        connection.executemany("INSERT INTO matches (team, points) VALUES (?, ?)", LEAGUE_ROWS)
    connection.close()
    return path


@dataclass
class Installation:
    parley: Parley
    home: Path
    #: The default organisation's admin key (org-wide: its conversations are its own).
    key: str
    #: A key of the same organisation that belongs to a member.
    member_key: str
    #: A key of another organisation, which also has an application named "demo".
    other_key: str
    #: A key of an organisation whose rate-limit settings are malformed.
    misconfigured_key: str
    league_path: Path


def install(factory: pytest.TempPathFactory, name: str) -> Installation:
    home = demo_copy(factory, factory.mktemp(name))
    parley = Parley.open(home)
    assert parley.initial_api_key is not None
    league = league_database(home / "league.sqlite")
    other_league = league_database(home / "other-league.sqlite")
    parley.add_source(f"sqlite:///{league}", name="league")
    parley.create_application("league", source="league", description="Match results")
    # An application whose stored ontology no longer reads: every turn on it fails inside
    # the engine, which is how the tests meet an unexpected error without faking one.
    parley.add_source(f"sqlite:///{league_database(home / 'unreadable.sqlite')}",
                      name="unreadable")
    parley.create_application("unreadable", source="unreadable")
    with parley.store.session() as session:
        default = tenancy.get_organization(session, parley.organization_id)
        tenancy.update_organization_settings(session, default, {"rate_limits": GENEROUS})
        unreadable = catalog.get_source_by_name(session, default.id, "unreadable")
        assert unreadable is not None
        catalog.save_ontology(session, unreadable, {"objects": "not a list of objects"})
        member = tenancy.create_member(session, default.id, "Ada", email="ada@example.com")
        member_key, _ = api_keys.create_api_key(session, default.id, "ada", member_id=member.id)
        other = tenancy.create_organization(session, "other", settings={"rate_limits": GENEROUS})
        other_key, _ = api_keys.create_api_key(session, other.id, "other-admin")
        broken = tenancy.create_organization(
            session, "misconfigured", settings={"rate_limits": {"per_minut": 5}}
        )
        broken_key, _ = api_keys.create_api_key(session, broken.id, "broken-admin")
        other_id, broken_id = other.id, broken.id
    for organization_id in (other_id, broken_id):
        parley.add_source(f"sqlite:///{other_league}", name="league",
                          organization_id=organization_id)
        parley.create_application("demo", source="league", organization_id=organization_id)
    return Installation(parley, home, parley.initial_api_key, member_key, other_key,
                        broken_key, league)


class LiveServer:
    """The app served by uvicorn in a background thread, on a port the OS picked."""

    def __init__(self, app: FastAPI) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"uvicorn did not start on {self.url}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.socket.close()


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    setup = install(tmp_path_factory, "openai-home")
    yield setup
    setup.parley.close()


@pytest.fixture(scope="module")
def live_server(installation: Installation) -> Iterator[LiveServer]:
    with LiveServer(create_app(installation.parley)) as live:
        yield live


@pytest.fixture(scope="module")
def http(live_server: LiveServer, installation: Installation) -> Iterator[httpx.Client]:
    """A client of the live server, authenticated with the default organisation's admin key."""
    headers = {"Authorization": f"Bearer {installation.key}"}
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=60) as http:
        yield http
