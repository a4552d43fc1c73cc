"""The embedded analytics face against the real PostgreSQL as the customer's warehouse: a
connector made through the API, spaces with filters, embed tokens and conversations;
partners and spaces kept apart. (The adversarial questions are in
test_embedded_isolation.py.)"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from parley.conversations.installation import Parley
from tests.api._embedded_warehouse import HOST, PASSWORD, PORT, USER, Warehouse, warehouse

pytestmark = pytest.mark.postgres

FILTERS = {
    "tenant": {"operator": "equals", "value": "acme"},
    "region": {"operator": "in", "value": ["EU", "US"]},
}
OTHER_FILTERS = {"tenant": {"operator": "equals", "value": "globex"}}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(scope="module")
def wh() -> Iterator[Warehouse]:
    with warehouse(FILTERS) as made:
        yield made


@pytest.fixture(scope="module")
def partner(parley: Parley) -> dict[str, str]:
    return bearer(parley.create_organization("partner-embed-a")[1])


@pytest.fixture(scope="module")
def other_partner(parley: Parley) -> dict[str, str]:
    return bearer(parley.create_organization("partner-embed-b")[1])


def connector_body(wh: Warehouse, **changes: Any) -> dict[str, Any]:
    body = {
        "database_type": "postgres", "host": HOST, "port": PORT, "database": wh.database,
        "username": USER, "password": PASSWORD, "source_name": f"warehouse {wh.database}",
    }  # fmt: skip
    return {**body, **changes}


@pytest.fixture(scope="module")
def connector(client: TestClient, partner: dict[str, str], wh: Warehouse) -> dict[str, Any]:
    created = client.post("/api/v1/sources", headers=partner, json=connector_body(wh))
    assert created.status_code == 200, created.text
    body: dict[str, Any] = created.json()
    return body


@pytest.fixture(scope="module")
def space(client: TestClient, partner: dict[str, str], connector: dict[str, Any]) -> dict[str, Any]:
    made = client.post("/api/v1/spaces", headers=partner, json={
        "source_id": connector["source_id"], "name": "Acme (EU and US)",
        "customer_id": "cust_acme", "filters": FILTERS})  # fmt: skip
    assert made.status_code == 200, made.text
    body: dict[str, Any] = made.json()
    return body


@pytest.fixture(scope="module")
def other_space(
    client: TestClient, partner: dict[str, str], connector: dict[str, Any]
) -> dict[str, Any]:
    made = client.post("/api/v1/spaces", headers=partner, json={
        "source_id": connector["source_id"], "name": "Globex", "customer_id": "cust_globex",
        "filters": OTHER_FILTERS})  # fmt: skip
    assert made.status_code == 200, made.text
    body: dict[str, Any] = made.json()
    return body


def token_for(client: TestClient, partner: dict[str, str], space: dict[str, Any],
              email: str = "ana@acme.example") -> dict[str, str]:  # fmt: skip
    issued = client.post("/api/v1/embed/token", headers=partner, json={
        "email": email, "name": "Ana", "space_id": space["space_id"]})  # fmt: skip
    assert issued.status_code == 200, issued.text
    return bearer(issued.json()["token"])


@pytest.fixture(scope="module")
def customer(client: TestClient, partner: dict[str, str], space: dict[str, Any]) -> dict[str, str]:
    return token_for(client, partner, space)


@pytest.fixture(scope="module")
def conversation(client: TestClient, customer: dict[str, str]) -> str:
    made = client.post("/api/v1/conversations", headers=customer, json={})
    assert made.status_code == 200, made.text
    conversation_id: str = made.json()["conversation_id"]
    return conversation_id


# -- connectors ----------------------------------------------------------------------------


def test_a_connector_is_tested_listed_and_never_shows_its_password(
    client: TestClient, partner: dict[str, str], other_partner: dict[str, str],
    connector: dict[str, Any], wh: Warehouse, parley: Parley,
) -> None:  # fmt: skip
    assert connector["status"] == "READY"
    assert {k: connector[k] for k in ("database_type", "host", "port", "database", "username")} == {
        "database_type": "postgres", "host": HOST, "port": PORT, "database": wh.database,
        "username": USER}  # fmt: skip
    assert connector["source_id"].startswith("src_") and connector["user_id"].startswith("key:")
    listed = client.get("/api/v1/sources", headers=partner)
    assert listed.status_code == 200
    assert [c["source_id"] for c in listed.json()] == [connector["source_id"]]
    assert PASSWORD not in listed.text
    assert client.get("/api/v1/sources", headers=other_partner).json() == []
    # Encrypted at rest: the stored row does not hold it in clear.
    with parley.store.session() as session:
        from parley.store.models import Source

        stored = session.get(Source, connector["source_id"])
        assert stored is not None and PASSWORD not in stored.url_encrypted


@pytest.mark.parametrize(
    ("changes", "field", "kind"),
    [
        ({"port": 1}, "host", "host_unreachable"),
        ({"host": "no-such-host.invalid"}, "host", "host_unreachable"),
        ({"username": "no_such_role"}, "username", "auth_failed"),
        ({"database": "no_such_database_xyz"}, "database", "database_missing"),
    ],
)
def test_a_connector_that_cannot_connect_is_a_422_saying_why(
    client: TestClient, partner: dict[str, str], wh: Warehouse,
    changes: dict[str, Any], field: str, kind: str,
) -> None:  # fmt: skip
    body = connector_body(wh, source_name=f"broken {kind} {field}", **changes)
    refused = client.post("/api/v1/sources", headers=partner, json=body)
    assert refused.status_code == 422, refused.text
    [problem] = refused.json()["detail"]
    assert problem["loc"] == ["body", field] and problem["type"] == kind
    assert PASSWORD not in refused.text
    names = [c["source_name"] for c in client.get("/api/v1/sources", headers=partner).json()]
    assert body["source_name"] not in names


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"database_type": "oracle"}, ["body", "database_type"]),
        ({"port": "not a port"}, ["body", "port"]),
        ({"password": None}, ["body", "password"]),
        ({"database": None}, ["body", "database"]),
    ],
)
def test_a_malformed_connector_is_a_422_naming_the_field(
    client: TestClient, partner: dict[str, str], wh: Warehouse, body: dict[str, Any],
    loc: list[str],
) -> None:  # fmt: skip
    refused = client.post("/api/v1/sources", headers=partner, json=connector_body(wh, **body))
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == loc


# -- spaces --------------------------------------------------------------------------------


def test_a_space_has_its_partner_and_filters_and_is_listed(
    client: TestClient, partner: dict[str, str], space: dict[str, Any],
    other_space: dict[str, Any], connector: dict[str, Any], parley: Parley,
) -> None:  # fmt: skip
    assert space["filters"] == FILTERS and space["customer_id"] == "cust_acme"
    assert space["source_id"] == connector["source_id"]
    assert space["partner_id"].startswith("org_") and space["partner_id"] != parley.organization_id
    listed = client.get("/api/v1/spaces", headers=partner).json()
    assert [s["space_id"] for s in listed] == [space["space_id"], other_space["space_id"]]
    assert client.get(f"/api/v1/spaces/{space['space_id']}", headers=partner).json() == space


@pytest.mark.parametrize(
    ("filters", "loc", "named"),
    [
        ({"no_such_column": {"operator": "equals", "value": 1}},
         ["body", "filters", "no_such_column"], "no_such_column"),
        ({"tenant": {"operator": "sounds_like", "value": "acme"}},
         ["body", "filters", "tenant", "operator"], "sounds_like"),
        ({"tenant": {"operator": "in", "value": "acme"}},
         ["body", "filters", "tenant", "value"], "list"),
        ({"closed_at": {"operator": "is_null", "value": "yes"}},
         ["body", "filters", "closed_at", "value"], "true or false"),
        ({"tenant": {"operator": "equals", "value": "acme", "table": "x"}},
         ["body", "filters", "tenant", "table"], "Extra inputs"),
    ],
)  # fmt: skip
def test_an_unknown_column_operator_or_value_is_a_422_naming_it(
    client: TestClient, partner: dict[str, str], connector: dict[str, Any],
    filters: dict[str, Any], loc: list[str], named: str,
) -> None:  # fmt: skip
    refused = client.post("/api/v1/spaces", headers=partner, json={
        "source_id": connector["source_id"], "name": "bad", "customer_id": "c",
        "filters": filters})  # fmt: skip
    assert refused.status_code == 422, refused.text
    [problem] = refused.json()["detail"]
    assert problem["loc"] == loc and named in problem["msg"]


def test_contains_and_is_null_filter_the_warehouse(
    client: TestClient, partner: dict[str, str], connector: dict[str, Any], wh: Warehouse,
    parley: Parley,
) -> None:  # fmt: skip
    filters = {"account_name": {"operator": "contains", "value": "Acme B"},
               "closed_at": {"operator": "is_null", "value": True}}  # fmt: skip
    made = client.post("/api/v1/spaces", headers=partner, json={
        "source_id": connector["source_id"], "name": "Acme B", "customer_id": "cust_b",
        "filters": filters}).json()  # fmt: skip
    token = token_for(client, partner, made, email="b@acme.example")
    conversation = client.post("/api/v1/conversations", headers=token, json={}).json()
    base = f"/api/v1/conversations/{conversation['conversation_id']}/messages"
    client.post(base, headers=token, json={"text": "list the accounts"})
    principal = parley.auth.embed_token(token["Authorization"].split()[1])
    expected = sorted(
        r[0] for r in wh.query("SELECT account_name FROM accounts WHERE "
                               "account_name LIKE '%Acme B%' AND closed_at IS NULL")
    )  # fmt: skip
    assert expected == ["Acme Berlin", "Acme Boston"]
    ref = parley.embedded.reopen(principal, conversation["conversation_id"])
    answer = parley.conversations.history(ref).items[-1].answer
    assert answer is not None and answer.rows, answer
    names = sorted({cell for row in answer.rows for cell in row if str(cell).startswith("Acme")})
    assert names == expected


# -- embed tokens and conversations --------------------------------------------------------


def test_a_conversation_answers_with_a_vega_lite_visualization(
    client: TestClient, customer: dict[str, str], conversation: str
) -> None:
    sent = client.post(f"/api/v1/conversations/{conversation}/messages", headers=customer,
                       json={"text": "total amount by account"})  # fmt: skip
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert body["role"] == "assistant" and body["text"]
    spec = json.loads(body["visualization"])
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    shown = {v for row in spec["data"]["values"] for v in row.values()}
    assert {"Acme Berlin", "Acme Boston"} <= shown
    assert not shown & {"Acme Osaka", "Globex Paris", "Globex Denver", "Initech Austin"}


def test_messages_page_by_next_token_stably_while_new_ones_arrive(
    client: TestClient, customer: dict[str, str]
) -> None:
    conversation = client.post("/api/v1/conversations", headers=customer).json()
    base = f"/api/v1/conversations/{conversation['conversation_id']}/messages"
    for question in ("how many accounts", "how many orders", "total amount"):
        assert client.post(base, headers=customer, json={"text": question}).status_code == 200
    everything = client.get(base, headers=customer).json()
    assert everything["next_token"] is None and len(everything["messages"]) == 6
    assert [m["role"] for m in everything["messages"]] == ["user", "assistant"] * 3
    first = client.get(base, headers=customer, params={"limit": 4}).json()
    assert len(first["messages"]) == 4 and first["next_token"]
    # New messages arrive between two pages: the next page starts where the first ended.
    client.post(base, headers=customer, json={"text": "how many products"})
    second = client.get(base, headers=customer,
                        params={"limit": 4, "next_token": first["next_token"]}).json()  # fmt: skip
    texts = [m["text"] for m in first["messages"] + second["messages"]]
    assert texts[:6] == [m["text"] for m in everything["messages"]]
    assert texts[6] == "how many products" and len(texts) == 8
    assert second["next_token"] is None
    for text in ("", "   ", "x" * 5000):
        refused = client.post(base, headers=customer, json={"text": text})
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"] == ["body", "text"]
    assert len(client.get(base, headers=customer).json()["messages"]) == 8  # nothing stored
    bad = client.get(base, headers=customer, params={"next_token": "msg_nonesuch"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "next_token"]


def test_a_token_for_one_space_opens_no_other(
    client: TestClient, partner: dict[str, str], customer: dict[str, str],
    other_space: dict[str, Any], conversation: str,
) -> None:  # fmt: skip
    refused = client.post("/api/v1/conversations", headers=customer,
                          json={"space_id": other_space["space_id"]})  # fmt: skip
    assert refused.status_code == 404
    other_customer = token_for(client, partner, other_space, email="ana@acme.example")
    for method, path, body in [
        ("GET", f"/api/v1/conversations/{conversation}/messages", None),
        ("POST", f"/api/v1/conversations/{conversation}/messages", {"text": "orders"}),
    ]:
        reached = client.request(method, path, headers=other_customer, json=body)
        assert reached.status_code == 404, (method, path, reached.text)
    # The token itself grants nothing of the partner's API.
    for path in ("/api/v1/sources", "/api/v1/spaces"):
        assert client.get(path, headers=customer).status_code == 401


def test_forged_tampered_unsigned_or_foreign_tokens_are_401(
    client: TestClient, customer: dict[str, str], conversation: str, headers: Any
) -> None:
    real = customer["Authorization"].split()[1]
    claims = jwt.decode(real, options={"verify_signature": False})
    forged = jwt.encode({**claims, "exp": int(time.time()) + 600}, "x" * 48, algorithm="HS256")
    header, _, signature = real.split(".")
    elsewhere = json.dumps({**claims, "space_id": "space_other"}).encode()
    tampered = ".".join([header, jwt.utils.base64url_encode(elsewhere).decode(), signature])
    cases = {
        "forged": forged,
        "tampered": tampered,
        "unsigned": jwt.encode(claims, None, algorithm="none"),
        "workbench": headers()["Authorization"].split()[1],
        "garbage": "not-a-token",
    }
    for name, token in cases.items():
        refused = client.get(f"/api/v1/conversations/{conversation}/messages",
                             headers=bearer(token))  # fmt: skip
        assert refused.status_code == 401, (name, refused.text)
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert isinstance(refused.json()["detail"], str)


def test_an_expired_token_is_401(client: TestClient, parley: Parley, customer: dict[str, str],
                                 conversation: str) -> None:  # fmt: skip
    real = customer["Authorization"].split()[1]
    claims = jwt.decode(real, options={"verify_signature": False})
    secret = parley.auth.embed_tokens.config.secret
    assert secret
    now = int(time.time())
    expired = jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, secret,
                         algorithm="HS256")  # fmt: skip
    refused = client.get(f"/api/v1/conversations/{conversation}/messages",
                         headers=bearer(expired))  # fmt: skip
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]


def test_another_partner_gets_404_on_every_object_of_the_first(
    client: TestClient, other_partner: dict[str, str], partner: dict[str, str],
    connector: dict[str, Any], space: dict[str, Any], conversation: str,
) -> None:  # fmt: skip
    source_id, space_id = connector["source_id"], space["space_id"]
    attempts = [
        ("GET", f"/api/v1/sources/{source_id}", None),
        ("GET", f"/api/v1/spaces/{space_id}", None),
        ("POST", "/api/v1/spaces", {"source_id": source_id, "name": "x", "customer_id": "c"}),
        ("POST", "/api/v1/embed/token", {"email": "e@x.example", "name": "E",
                                         "space_id": space_id}),
        ("POST", "/api/v1/conversations", {"space_id": space_id}),
        ("GET", f"/api/v1/conversations/{conversation}/messages", None),
        ("POST", f"/api/v1/conversations/{conversation}/messages", {"text": "orders"}),
    ]  # fmt: skip
    for method, path, body in attempts:
        refused = client.request(method, path, headers=other_partner, json=body)
        assert refused.status_code == 404, (method, path, refused.text)
        assert isinstance(refused.json()["detail"], str)
        # The owner reaches each one (the conversation's owner is its customer).
        if "conversations/" not in path:
            owned = client.request(method, path, headers=partner, json=body)
            assert owned.status_code == 200, (method, path, owned.text)


def test_a_partner_previews_its_space_through_the_filters(
    client: TestClient, partner: dict[str, str], space: dict[str, Any]
) -> None:
    made = client.post("/api/v1/conversations", headers=partner,
                       json={"space_id": space["space_id"]})  # fmt: skip
    assert made.status_code == 200, made.text
    sent = client.post(f"/api/v1/conversations/{made.json()['conversation_id']}/messages",
                       headers=partner, json={"text": "list the accounts"})  # fmt: skip
    assert sent.status_code == 200
    spec = json.loads(sent.json()["visualization"] or "{}")
    shown = {v for row in spec.get("data", {}).get("values", []) for v in row.values()}
    assert not shown & {"Acme Osaka", "Globex Paris", "Initech Austin"}


def test_the_paths_are_published_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/v1/sources", "/api/v1/sources/{source_id}", "/api/v1/spaces",
        "/api/v1/spaces/{space_id}", "/api/v1/embed/token", "/api/v1/conversations",
        "/api/v1/conversations/{conversation_id}/messages",
    } <= set(paths)  # fmt: skip
    assert "/api/v1/chat/conversations" in paths  # the OpenAI-compatible face's, untouched


def test_a_deleted_space_opens_nothing_and_its_conversations_go_with_it(
    client: TestClient, partner: dict[str, str], connector: dict[str, Any], parley: Parley
) -> None:
    made = client.post("/api/v1/spaces", headers=partner, json={
        "source_id": connector["source_id"], "name": "short-lived",
        "customer_id": "cust_gone"}).json()  # fmt: skip
    token = token_for(client, partner, made, email="gone@acme.example")
    conversation = client.post("/api/v1/conversations", headers=token).json()["conversation_id"]
    path = f"/api/v1/conversations/{conversation}/messages"
    assert client.get(path, headers=token).status_code == 200
    from parley.store import sharing

    with parley.store.session() as session:
        sharing.delete_space(session, sharing.get_space(session, made["partner_id"],
                                                        made["space_id"]))  # fmt: skip
    refused = client.get(path, headers=token)
    assert refused.status_code == 401 and "no longer exists" in refused.json()["detail"]
    assert client.get(path, headers=partner).status_code == 404


def test_a_redshift_connector_speaks_the_postgres_protocol(
    client: TestClient, partner: dict[str, str], wh: Warehouse
) -> None:
    body = connector_body(wh, database_type="redshift", source_name="as redshift")
    created = client.post("/api/v1/sources", headers=partner, json=body)
    assert created.status_code == 200, created.text
    assert created.json()["database_type"] == "redshift" and created.json()["port"] == PORT
