"""The organisation's rate limit holds on the Ana and embedded faces too: past it, a 429 in
the face's own format; nothing counts against another organisation."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from parley.api.app import create_app
from parley.conversations.installation import Parley
from parley.store import catalog, tenancy

ONE_A_MINUTE = {"per_minute": 1, "per_hour": 1_000, "per_day": 1_000}


@pytest.fixture(scope="module")
def limited(open_parley: Callable[[], Parley]) -> Iterator[tuple[TestClient, str, str]]:
    """A client, the organisation's key (one question a minute) and its demo source's id."""
    parley = open_parley()
    with parley.store.session() as session:
        org = tenancy.get_organization(session, parley.organization_id)
        tenancy.update_organization_settings(session, org, {"rate_limits": ONE_A_MINUTE})
        source = catalog.get_source_by_name(session, org.id, "demo")
        assert source is not None
        source_id = source.id
    assert parley.initial_api_key is not None
    with TestClient(create_app(parley)) as client:
        yield client, parley.initial_api_key, source_id
    parley.close()


def test_ana_refuses_past_the_limit(limited: tuple[TestClient, str, str]) -> None:
    client, key, _ = limited
    bearer = {"Authorization": f"Bearer {key}"}
    params = {"query": "revenue by category", "dataset": "demo"}
    with client.stream("GET", "/api/ana", headers=bearer, params=params) as first:
        assert first.status_code == 200
        "".join(first.iter_text())
    refused = client.get("/api/ana", headers=bearer, params=params)
    assert refused.status_code == 429
    body = refused.json()
    assert body["tag"] == "ErrorBlock" and "minute" in body["contents"]
    assert int(refused.headers["Retry-After"]) > 0


def test_embedded_refuses_past_the_limit(limited: tuple[TestClient, str, str]) -> None:
    client, key, source_id = limited
    bearer = {"Authorization": f"Bearer {key}"}
    space = client.post("/api/v1/spaces", headers=bearer, json={
        "source_id": source_id, "name": "limits", "customer_id": "c1"}).json()  # fmt: skip
    conversation = client.post("/api/v1/conversations", headers=bearer,
                               json={"space_id": space["space_id"]}).json()  # fmt: skip
    url = f"/api/v1/conversations/{conversation['conversation_id']}/messages"
    client.post(url, headers=bearer, json={"text": "revenue by category"})
    refused = client.post(url, headers=bearer, json={"text": "revenue by category"})
    assert refused.status_code == 429
    assert "minute" in refused.json()["detail"]
