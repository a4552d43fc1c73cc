"""What one turn through an HTTP face costs the store: a bounded number of transactions,
and no statement sent twice with the same parameters (nothing read twice)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from parley.api.app import create_app
from parley.auth.workbench_tokens import token_service
from parley.conversations.installation import Parley
from parley.store import tenancy

GENEROUS = {"per_minute": 100_000, "per_hour": 100_000, "per_day": 100_000}


@dataclass
class StoreTraffic:
    statements: list[tuple[str, str]] = field(default_factory=list)
    transactions: int = 0

    def repeated(self) -> list[str]:
        return [text for (text, _), n in Counter(self.statements).items() if n > 1]


@pytest.fixture(scope="module")
def parley(open_parley: Callable[[], Parley]) -> Iterator[Parley]:
    opened = open_parley()
    with opened.store.session() as session:
        organization = tenancy.get_or_create_default_organization(session)
        tenancy.update_organization_settings(session, organization, {"rate_limits": GENEROUS})
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def client(parley: Parley) -> Iterator[TestClient]:
    with TestClient(create_app(parley)) as test_client:
        yield test_client


@pytest.fixture
def traffic(parley: Parley) -> Iterator[StoreTraffic]:
    seen = StoreTraffic()

    def statement(_conn: Any, _cursor: Any, text: str, params: Any, *_: Any) -> None:
        seen.statements.append((" ".join(text.split()), repr(params)))

    def begin(_conn: Any) -> None:
        seen.transactions += 1

    engine = parley.store.engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", begin)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", begin)


def _workbench_turn(parley: Parley, client: TestClient) -> Callable[[str], None]:
    token = token_service(parley.settings).issue(tenant_id="default", user_id="cost")
    headers = {"Authorization": f"Bearer {token}"}
    body = {"tenant_id": "default", "user_id": "cost"}
    session = client.post("/api/v1/bi/chat/sessions", headers=headers, json=body).json()

    def ask(question: str) -> None:
        path = f"/api/v1/bi/chat/sessions/{session['session_id']}/messages"
        client.post(path, headers=headers, json={"message": question}).raise_for_status()

    return ask


def _openai_turn(parley: Parley, client: TestClient) -> Callable[[str], None]:
    headers = {"Authorization": f"Bearer {parley.create_api_key('cost')[0]}"}

    def ask(question: str) -> None:
        body = {"model": "demo", "messages": [{"role": "user", "content": question}]}
        client.post("/api/v1/chat/completions", headers=headers, json=body).raise_for_status()

    return ask


#: The face, and the transactions its turn takes: who is calling, the conversation, the
#: question (with what the turn reads), the answer.
FACES = {"workbench": (_workbench_turn, 4), "openai": (_openai_turn, 4)}


@pytest.mark.parametrize("face", FACES)
def test_a_turn_reads_nothing_twice(
    parley: Parley, client: TestClient, traffic: StoreTraffic, face: str
) -> None:
    make, transactions = FACES[face]
    ask = make(parley, client)
    ask("total revenue")
    traffic.statements.clear()
    traffic.transactions = 0
    ask("revenue by month")
    assert traffic.repeated() == []
    assert traffic.transactions <= transactions
