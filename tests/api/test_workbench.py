"""The Workbench chat face over HTTP, through the real ASGI app."""

from __future__ import annotations

import json
import re
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from parley import cli
from parley.auth.tokens import TokenConfig, TokenConfigError, TokenService, generate_rsa_keypair
from parley.auth.workbench_tokens import token_config, token_service
from parley.config import Settings
from parley.conversations.installation import Parley
from parley.sources.base import QueryResult, Source
from parley.store import catalog
from parley.store import conversations as store
from parley.store.models import Message

TENANT = "default"

Headers = Callable[..., dict[str, str]]
BASE = "/api/v1/bi/chat/sessions"
TOP_CUSTOMERS = """
SELECT c.customer_name, SUM(oi.quantity * oi.unit_price) AS revenue
FROM order_items oi JOIN orders o ON oi.order_id = o.order_id
JOIN customers c ON o.customer_id = c.customer_id {where}
GROUP BY c.customer_name, c.customer_id ORDER BY revenue DESC LIMIT 10
"""


def new_session(client: TestClient, headers: Headers, user: str = "user-456") -> str:
    response = client.post(BASE, json={"tenant_id": TENANT, "user_id": user},
                           headers=headers(user))
    assert response.status_code == 201, response.text
    session_id: str = response.json()["session_id"]
    return session_id


def stored(parley: Parley, session_id: str) -> list[Message]:
    with parley.store.session() as session:
        messages = store.list_messages(session, session_id).items
        session.expunge_all()
        return messages


def demo_source(parley: Parley) -> Source:
    with parley.store.session() as session:
        application = catalog.get_application_by_name(session, parley.organization_id, "demo")
        assert application is not None
    return parley.workspace(application).source


def expected_top_customers(parley: Parley, where: str = "") -> QueryResult:
    """The answer computed by hand-written SQL straight on the demo DuckDB."""
    return demo_source(parley).execute(TOP_CUSTOMERS.format(where=where), max_rows=10,
                                       timeout_s=30)


def assert_rows(actual: list[list[Any]], expected: QueryResult) -> None:
    assert [row[0] for row in actual] == [row[0] for row in expected.rows]
    assert [row[1] for row in actual] == pytest.approx([float(row[1]) for row in expected.rows])


def test_create_session(client: TestClient, headers: Headers) -> None:
    response = client.post(BASE, json={"tenant_id": TENANT, "user_id": "user-456"},
                           headers=headers())
    body = response.json()
    assert response.status_code == 201
    assert body["session_id"].startswith("conv_")
    assert (body["tenant_id"], body["user_id"], body["message_count"]) == (TENANT, "user-456", 0)
    assert body["created_at"].endswith("Z")


def test_top_customers_refine_and_visualize(
    client: TestClient, headers: Headers, parley: Parley, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = demo_source(parley)
    executions: list[str] = []
    real_execute = source.execute

    def counting_execute(sql: str, *, max_rows: int, timeout_s: float) -> QueryResult:
        executions.append(sql)
        return real_execute(sql, max_rows=max_rows, timeout_s=timeout_s)

    monkeypatch.setattr(source, "execute", counting_execute)
    session_id = new_session(client, headers)
    url = f"{BASE}/{session_id}"

    first = client.post(f"{url}/messages", json={"message": "top 10 customers by revenue"},
                        headers=headers()).json()
    messages = stored(parley, session_id)
    assert [(m.role, m.content) for m in messages] == [
        ("user", "top 10 customers by revenue"), ("assistant", first["response"])]
    assert messages[1].sql == first["sql"]
    assert len(executions) == 1
    assert first["success"] is True and first["intent"] == "sql_query"
    assert "ORDER BY revenue DESC LIMIT 10" in " ".join(first["sql"].split())
    assert first["data"]["columns"] == ["customer_name", "revenue"]
    assert first["agents_visited"] == ["router", "sql_agent", "viz_agent", "insight_agent"]
    assert first["visualization"]["type"] == "bar"
    assert first["visualization"]["spec"]["$schema"].startswith("https://vega.github.io")

    refined = client.post(f"{url}/refine", json={"refinement": "only US customers"},
                          headers=headers()).json()
    messages = stored(parley, session_id)
    assert [(m.role, m.content) for m in messages[2:]] == [
        ("user", "only US customers"), ("assistant", refined["response"])]
    assert len(executions) == 2
    assert refined["success"] is True and refined["intent"] == "refinement"
    assert "customers.country = 'United States'" in refined["sql"]
    assert "ORDER BY revenue DESC LIMIT 10" in " ".join(refined["sql"].split())

    pie = client.post(f"{url}/visualize", json={"chart_type": "pie"}, headers=headers()).json()
    messages = stored(parley, session_id)
    assert [(m.role, m.content) for m in messages[4:]] == [
        ("user", "visualize: pie"), ("assistant", pie["response"])]
    assert messages[5].chart is not None and messages[5].chart["type"] == "pie"
    assert len(executions) == 2, "changing the chart must not query the source again"
    assert pie["success"] is True and pie["intent"] == "visualization_change"
    assert pie["visualization"]["type"] == "pie"
    assert pie["agents_visited"] == ["viz_agent"]
    assert pie["data"] == refined["data"] and pie["sql"] == refined["sql"]

    monkeypatch.undo()
    assert_rows(first["data"]["rows"], expected_top_customers(parley))
    us = expected_top_customers(parley, "WHERE c.country = 'United States'")
    assert_rows(refined["data"]["rows"], us)
    names = ", ".join(f"'{row[0]}'" for row in refined["data"]["rows"])
    countries = source.execute(f"SELECT DISTINCT country FROM customers WHERE customer_name "
                               f"IN ({names})", max_rows=20, timeout_s=30)
    assert countries.rows == [["United States"]]

    history = client.get(f"{url}/history", headers=headers()).json()
    assert history["session_id"] == session_id and history["total_count"] == 6
    assert [m["role"] for m in history["messages"]] == ["user", "assistant"] * 3
    assert [m["content"] for m in history["messages"]] == [
        "top 10 customers by revenue", first["response"], "only US customers",
        refined["response"], "visualize: pie", pie["response"]]
    assert [m["metadata"] for m in history["messages"][::2]] == [{}, {}, {}]
    metadata = [m["metadata"] for m in history["messages"][1::2]]
    assert [m["intent"] for m in metadata] == ["sql_query", "refinement", "visualization_change"]
    assert [m["sql"] for m in metadata] == [first["sql"], refined["sql"], pie["sql"]]
    assert metadata[2]["agents_visited"] == ["viz_agent"]
    timestamps = [m["timestamp"] for m in history["messages"]]
    assert timestamps == sorted(timestamps)

    page = client.get(f"{url}/history?limit=2&offset=2", headers=headers()).json()
    assert page["total_count"] == 6
    assert [m["content"] for m in page["messages"]] == ["only US customers", refined["response"]]


def test_failing_source_is_answered_and_stored(
    client: TestClient, headers: Headers, parley: Parley, broken_app: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARLEY_WORKBENCH_APP", broken_app)
    session_id = new_session(client, headers)
    response = client.post(f"{BASE}/{session_id}/messages",
                           json={"message": "total amount by region"}, headers=headers())
    body = response.json()
    assert response.status_code == 200
    assert body["success"] is False
    assert body["error"]["code"] == "source_error"
    assert body["response"].startswith("I could not run this query:")
    assert "file system operations are disabled" in body["response"]
    assert body["agents_visited"] == ["router", "sql_agent"]
    messages = stored(parley, session_id)
    assert [(m.role, m.content) for m in messages] == [
        ("user", "total amount by region"), ("assistant", body["response"])]
    assert messages[1].error_code == "source_error"


@pytest.mark.parametrize(
    ("path", "body", "status", "detail"),
    [
        ("refine", {"refinement": "only US customers"}, 409, "has no query to refine yet"),
        ("visualize", {"chart_type": "pie"}, 409, "has no result to chart yet"),
        ("visualize", {"chart_type": "pies"}, 422,
         "unknown chart type 'pies': use one of kpi, bar, line, area, pie, donut, scatter, table"),
        ("messages", {"message": "   "}, 422, "the question is empty"),
        ("messages", {}, 422, "body.message: Field required"),
        ("visualize", {"chart_type": ""}, 422, "body.chart_type: String should have at least"),
    ],
)
def test_bad_requests_store_nothing(
    client: TestClient, headers: Headers, parley: Parley, path: str, body: dict[str, Any],
    status: int, detail: str,
) -> None:
    session_id = new_session(client, headers)
    response = client.post(f"{BASE}/{session_id}/{path}", json=body, headers=headers())
    assert response.status_code == status
    assert detail in response.json()["detail"]
    assert stored(parley, session_id) == []


def test_chart_that_cannot_draw_the_result(client: TestClient, headers: Headers) -> None:
    session_id = new_session(client, headers)
    client.post(f"{BASE}/{session_id}/messages", json={"message": "top 10 customers by revenue"},
                headers=headers())
    response = client.post(f"{BASE}/{session_id}/visualize", json={"chart_type": "line"},
                           headers=headers())
    assert response.status_code == 422
    assert response.json()["detail"].startswith("cannot draw a line chart")
    history = client.get(f"{BASE}/{session_id}/history", headers=headers()).json()
    assert history["total_count"] == 2


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "offset=-1", "limit=ten"])
def test_history_window_is_validated(client: TestClient, headers: Headers, query: str) -> None:
    session_id = new_session(client, headers)
    response = client.get(f"{BASE}/{session_id}/history?{query}", headers=headers())
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["detail"].startswith(f"query.{query.split('=')[0]}:")


# -- authentication -----------------------------------------------------------------------


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": "user-456", "tenant_id": TENANT, "iss": "parley", "aud": "parley",
              "iat": now, "exp": now + 600}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _token(kind: str, tokens: TokenService) -> str | None:
    secret = tokens.config.secret
    assert secret is not None
    now = int(time.time())
    if kind == "expired":
        return jwt.encode(_claims(iat=now - 7200, exp=now - 3600), secret, algorithm="HS256")
    if kind == "wrong signature":
        return jwt.encode(_claims(), "another-secret-for-tests-0123456789abc", algorithm="HS256")
    if kind == "alg none":
        return jwt.encode(_claims(), "", algorithm="none")
    if kind == "wrong audience":
        other = TokenService(TokenConfig(secret=secret, audience="someone-else"))
        return other.issue(tenant_id=TENANT, user_id="user-456")
    if kind == "no tenant":
        return jwt.encode(_claims(tenant_id=None), secret, algorithm="HS256")
    if kind == "garbage":
        return "not-a-jwt"
    return None


TOKEN_FAILURES = [
    ("expired", "token expired"),
    ("wrong signature", "token signature is invalid"),
    ("alg none", "token algorithm 'none' is not allowed (expected HS256)"),
    ("wrong audience", "token audience is not accepted"),
    ("no tenant", "token is missing the 'tenant_id' claim"),
    ("garbage", "malformed token"),
    ("missing", "missing bearer token: send 'Authorization: Bearer <JWT>'"),
]


@pytest.mark.parametrize(("kind", "message"), TOKEN_FAILURES)
def test_token_failures(client: TestClient, tokens: TokenService, kind: str, message: str) -> None:
    token = _token(kind, tokens)
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post(BASE, json={"tenant_id": TENANT, "user_id": "user-456"}, headers=auth)
    assert response.status_code == 401
    assert response.json() == {"detail": message, "code": "unauthorized"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_authorization_header_must_be_bearer(client: TestClient) -> None:
    response = client.post(BASE, json={"tenant_id": TENANT, "user_id": "u"},
                           headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert response.json()["detail"] == "the Authorization header must be 'Bearer <JWT>'"


@pytest.mark.parametrize(
    ("body", "token_tenant", "detail"),
    [
        ({"tenant_id": "acme-corp", "user_id": "user-456"}, TENANT,
         "tenant_id 'acme-corp' does not match the token's tenant 'default'"),
        ({"tenant_id": TENANT, "user_id": "someone"}, TENANT,
         "user_id 'someone' does not match the token's subject 'user-456'"),
        ({"tenant_id": "acme-corp", "user_id": "user-456"}, "acme-corp",
         "tenant 'acme-corp' has no organisation on this server"),
    ],
)
def test_tenant_and_user_must_match_the_token(
    client: TestClient, headers: Headers, body: dict[str, str], token_tenant: str, detail: str
) -> None:
    response = client.post(BASE, json=body, headers=headers(tenant=token_tenant))
    assert response.status_code == 403
    assert response.json() == {"detail": detail, "code": "forbidden"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "history", None),
        ("POST", "messages", {"message": "top 5 products"}),
        ("POST", "refine", {"refinement": "only US customers"}),
        ("POST", "visualize", {"chart_type": "pie"}),
    ],
)
def test_another_users_session_is_not_found(
    client: TestClient, headers: Headers, parley: Parley, method: str, path: str,
    body: dict[str, str] | None,
) -> None:
    session_id = new_session(client, headers, user="owner")
    response = client.request(method, f"{BASE}/{session_id}/{path}", json=body,
                              headers=headers("intruder"))
    assert response.status_code == 404
    assert response.json() == {"detail": f"conversation {session_id!r} not found",
                               "code": "not_found"}
    assert stored(parley, session_id) == []


ENDPOINTS = [
    ("POST", BASE, {"tenant_id": TENANT, "user_id": "u"}),
    ("POST", f"{BASE}/conv_x/messages", {"message": "hi"}),
    ("GET", f"{BASE}/conv_x/history", None),
    ("POST", f"{BASE}/conv_x/refine", {"refinement": "only US"}),
    ("POST", f"{BASE}/conv_x/visualize", {"chart_type": "pie"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_needs_a_token_and_shares_the_error_shape(
    client: TestClient, headers: Headers, method: str, path: str, body: dict[str, str] | None
) -> None:
    unauthenticated = client.request(method, path, json=body)
    assert unauthenticated.status_code == 401
    assert set(unauthenticated.json()) == {"detail", "code"}
    if path != BASE:
        missing = client.request(method, path, json=body, headers=headers())
        assert missing.status_code == 404
        assert set(missing.json()) == {"detail", "code"}


# -- the token service's configuration and the token commands -----------------------------


def test_generated_secret_is_private_and_stable(tmp_path: Path) -> None:
    settings = Settings.from_env({}, home=tmp_path)
    first = token_config(settings, {})
    assert first.algorithm == "HS256" and first.secret
    assert stat.S_IMODE((tmp_path / "jwt.secret").stat().st_mode) == 0o600
    assert token_config(settings, {}).secret == first.secret


def test_secret_from_the_environment(tmp_path: Path) -> None:
    secret = "an-operator-chosen-secret-0123456789abcdef"
    settings = Settings.from_env({}, home=tmp_path)
    assert token_config(settings, {"PARLEY_JWT_SECRET": secret}).secret == secret
    assert not (tmp_path / "jwt.secret").exists()


def test_own_rs256_key_pair(tmp_path: Path) -> None:
    private_pem, _ = generate_rsa_keypair()
    (tmp_path / "private.pem").write_text(private_pem)
    env = {"PARLEY_JWT_PRIVATE_KEY": str(tmp_path / "private.pem"),
           "PARLEY_JWT_AUDIENCE": "workbench"}
    service = token_service(Settings.from_env({}, home=tmp_path), env)
    claims = service.verify(service.issue(tenant_id=TENANT, user_id="u"))
    assert (service.config.algorithm, claims["aud"]) == ("RS256", "workbench")


def test_external_identity_provider_verifies_only(tmp_path: Path) -> None:
    private_pem, public_pem = generate_rsa_keypair()
    (tmp_path / "public.pem").write_text(public_pem)
    env = {"PARLEY_JWT_PUBLIC_KEY": str(tmp_path / "public.pem"),
           "PARLEY_JWT_ISSUER": "https://idp.example", "PARLEY_JWT_AUDIENCE": "bi"}
    service = token_service(Settings.from_env({}, home=tmp_path), env)
    now = int(time.time())
    token = jwt.encode({"sub": "u", "tenant_id": TENANT, "iss": "https://idp.example",
                        "aud": "bi", "iat": now, "exp": now + 60}, private_pem, algorithm="RS256")
    assert service.verify(token)["sub"] == "u"
    with pytest.raises(TokenConfigError, match="RS256 needs private_key_pem"):
        service.issue(tenant_id=TENANT, user_id="u")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PARLEY_JWT_PUBLIC_KEY": "/nonexistent/public.pem"},
         "cannot read PARLEY_JWT_PUBLIC_KEY file /nonexistent/public.pem"),
        ({"PARLEY_JWT_SECRET": "short"}, "HS256 secret must be at least 32 bytes"),
        ({"PARLEY_JWT_JWKS": "/nonexistent/jwks.json"}, "cannot read JWKS file"),
    ],
)
def test_unusable_configuration(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(TokenConfigError, match=re.escape(message)):
        token_service(Settings.from_env({}, home=tmp_path), env)


def test_token_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    created = runner.invoke(cli.app, ["token", "create", "--tenant", "acme", "--user", "u1",
                                      "--ttl", "120", "--json"])
    assert created.exit_code == 0, created.output
    body = json.loads(created.stdout)
    claims = token_service(Settings.from_env()).verify(body["token"])
    assert (claims["tenant_id"], claims["sub"]) == ("acme", "u1")
    assert claims["exp"] - claims["iat"] == 120

    keys = tmp_path / "keys"
    made = runner.invoke(cli.app, ["token", "keygen", "--out", str(keys)])
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE((keys / "private.pem").stat().st_mode) == 0o600
    monkeypatch.setenv("PARLEY_JWT_PRIVATE_KEY", str(keys / "private.pem"))
    plain = runner.invoke(cli.app, ["token", "create", "--tenant", "acme", "--user", "u1"])
    assert jwt.get_unverified_header(plain.stdout.strip())["alg"] == "RS256"
    again = runner.invoke(cli.app, ["token", "keygen", "--out", str(keys)])
    assert again.exit_code == 1 and "refusing to overwrite" in again.output


def test_a_clarifying_answer_lists_options_and_one_is_picked(
    client: TestClient, headers: Headers
) -> None:
    session_id = new_session(client, headers)
    asked = client.post(f"{BASE}/{session_id}/messages", json={"message": "revenue by region"},
                        headers=headers()).json()
    assert asked["intent"] == "clarification" and asked["sql"] is None
    assert [o["label"] for o in asked["options"]] == ["customer region", "sales rep region"]
    picked = asked["options"][0]["question"]
    answered = client.post(f"{BASE}/{session_id}/messages", json={"message": picked},
                           headers=headers()).json()
    assert answered["success"] and answered["options"] == []
    assert "customers.region" in answered["sql"]
