"""The embed page over HTTP, through the real ASGI app: ``GET /embed?token=`` with the
organisation's frame-ancestors, the page's API called with the embed token (only the
space's rows, nothing outside it), refused links as a page that says why, and the
partner's setting of the sites that may frame it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from parley.api import page
from parley.auth.api_keys import create_api_key
from parley.conversations.installation import Parley
from parley.store import tenancy
from tests.api._embed_page import QUESTION, Embed, bearer, expired, make_embed, token_for

SITES = ["https://app.partner.example", "https://*.partner.example", "http://localhost:3000"]


@pytest.fixture(scope="module")
def embed(client: TestClient, parley: Parley, tmp_path_factory: pytest.TempPathFactory) -> Embed:
    return make_embed(client, parley, tmp_path_factory.mktemp("embed-page"), "embed-page-http")


@pytest.fixture(scope="module")
def second_app(parley: Parley, embed: Embed) -> str:
    """Another application of the partner, over the same source, that no space uses."""
    name = "embed-page-http second"
    partner = parley.organization_named("embed-page-http")
    parley.create_application(name, source="embed-page-http warehouse", organization_id=partner)
    return name


@pytest.fixture
def sites(client: TestClient, embed: Embed) -> Iterator[list[str]]:
    """The partner's sites set for the test, the default restored after it."""
    put = client.put("/api/v1/embed/settings", headers=embed.partner,
                     json={"frame_ancestors": SITES})  # fmt: skip
    assert put.status_code == 200, put.text
    yield SITES
    client.put("/api/v1/embed/settings", headers=embed.partner, json={"frame_ancestors": None})


def frame_ancestors(response: Any) -> str:
    policy: str = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    return directives["frame-ancestors"]


def events(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines() if line]


def app_of(client: TestClient, embed: Embed) -> str:
    me = client.get("/page/api/me", headers=bearer(embed.token)).json()
    name: str = me["applications"][0]["name"]
    return name


# -- the page and its frame-ancestors -------------------------------------------------------------


def test_the_embed_page_is_the_page_framed_only_by_the_organisations_sites(
    client: TestClient, embed: Embed, sites: list[str]
) -> None:
    shown = client.get("/embed", params={"token": embed.token})
    assert shown.status_code == 200
    assert shown.content == page.ASSETS["index.html"].body  # the same page as "/"
    assert frame_ancestors(shown) == " ".join(sites)
    assert shown.headers["content-security-policy"] == page.content_security_policy(sites)
    # The address holds the token: no Referer carries it on, no cache keeps the page.
    assert shown.headers["referrer-policy"] == "no-referrer"
    assert shown.headers["cache-control"] == "no-store" and "etag" not in shown.headers
    assert frame_ancestors(client.get("/")) == "'none'"  # the member's page is never framed


def test_without_a_setting_the_embed_page_is_framed_by_parley_itself_only(
    client: TestClient, embed: Embed
) -> None:
    assert client.get("/api/v1/embed/settings", headers=embed.partner).json() == {
        "frame_ancestors": ["'self'"]
    }
    assert frame_ancestors(client.get("/embed", params={"token": embed.token})) == "'self'"


def test_each_organisation_frames_with_its_own_sites(
    client: TestClient, parley: Parley, embed: Embed, sites: list[str],
    tmp_path: Path,
) -> None:  # fmt: skip
    other = make_embed(client, parley, tmp_path, "embed-page-http-other")
    assert frame_ancestors(client.get("/embed", params={"token": other.token})) == "'self'"
    assert client.get("/api/v1/embed/settings", headers=other.partner).json() == {
        "frame_ancestors": ["'self'"]
    }
    assert frame_ancestors(client.get("/embed", params={"token": embed.token})) == " ".join(sites)


# -- links that open nothing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "said"),
    [
        ("expired", 401, "This chat's link has expired. Reload the page to open the chat again."),
        ("missing", 401, "this link has none"),
        ("garbage", 401, "This chat's link is not valid (malformed token)"),
        ("tampered", 401, "This chat's link is not valid (token signature is invalid)"),
        ("api key", 401, "This chat's link is not valid (malformed token)"),
    ],
)
def test_a_link_that_opens_nothing_is_a_page_saying_why(
    client: TestClient, parley: Parley, embed: Embed, kind: str, status: int, said: str
) -> None:
    token = {
        "expired": expired(parley, embed.token),
        "missing": "",
        "garbage": "not-a-token",
        "tampered": embed.token[:-4] + ("AAAA" if not embed.token.endswith("AAAA") else "BBBB"),
        "api key": embed.partner["Authorization"].split()[1],
    }[kind]
    refused = client.get("/embed", params={"token": token} if token else {})
    assert refused.status_code == status
    assert refused.headers["content-type"] == "text/html; charset=utf-8"
    assert said.replace("'", "&#x27;") in refused.text
    assert "<h2>This chat is not available</h2>" in refused.text
    assert "<script" not in refused.text
    assert not token or token not in refused.text  # the token is not repeated
    # No data and no script: any site may frame it, so that the message is what shows.
    assert refused.headers["content-security-policy"] == page.REFUSED_POLICY
    assert frame_ancestors(refused) == "*"
    assert refused.headers["cache-control"] == "no-store"


def test_the_refusal_page_takes_the_theme_asked_for_and_nothing_else(client: TestClient) -> None:
    assert '<html lang="en" data-theme="dark">' in client.get("/embed?theme=dark").text
    tried = client.get("/embed", params={"theme": '"><script>alert(1)</script>'}).text
    assert '<html lang="en">' in tried and "<script" not in tried


def test_a_deleted_space_opens_nothing(
    client: TestClient, parley: Parley, tmp_path: Path
) -> None:
    gone = make_embed(client, parley, tmp_path, "embed-page-http-deleted")
    deleted = parley.delete_source(
        "embed-page-http-deleted warehouse", force=True,
        organization_id=parley.organization_named("embed-page-http-deleted"),
    )  # fmt: skip
    assert deleted["deleted_spaces"]
    refused = client.get("/embed", params={"token": gone.token})
    assert refused.status_code == 401 and "no longer exists" in refused.text


# -- the page's API with the embed token ----------------------------------------------------------


def test_the_token_sees_its_space_only(
    client: TestClient, embed: Embed, second_app: str
) -> None:
    me = client.get("/page/api/me", headers=bearer(embed.token))
    assert me.status_code == 200
    body = me.json()
    assert body["space"] == {"id": embed.space["space_id"], "name": "Acme"}
    assert len(body["applications"]) == 1  # no picker: the space's application only
    app = body["applications"][0]["name"]
    lines = events(client.post("/page/api/turns", headers=bearer(embed.token),
                               json={"app": app, "question": QUESTION}))  # fmt: skip
    data = next(e for e in lines if e["type"] == "data")
    assert {row[0]: row[1] for row in data["rows"]} == pytest.approx(embed.totals)
    sql = next(e for e in lines if e["type"] == "sql")["sql"]
    assert "'acme'" in sql  # the space's filter, put in by the guard
    everything = "\n".join(json.dumps(e) for e in lines)
    assert not [name for name in embed.hidden if name in everything]
    # The conversation is the token user's, on the space's application.
    listed = client.get(f"/page/api/applications/{app}/conversations",
                        headers=bearer(embed.token)).json()["conversations"]  # fmt: skip
    assert lines[0]["conversation_id"] in [c["id"] for c in listed]
    questions = client.get(f"/page/api/applications/{app}/suggestions",
                           headers=bearer(embed.token)).json()["questions"]  # fmt: skip
    assert questions and not [q for q in questions for n in embed.hidden if n in q]


def test_nothing_outside_the_space_opens(
    client: TestClient, parley: Parley, embed: Embed, second_app: str
) -> None:
    token = bearer(embed.token)
    app = app_of(client, embed)
    # The partner's other application, even named, is not there; nor the server's demo.
    for name in (second_app, "demo"):
        refused = client.post("/page/api/turns", headers=token,
                              json={"app": name, "question": "total amount"})  # fmt: skip
        assert refused.status_code == 404
        assert refused.json()["error"]["message"].endswith(f"known applications: {app}")
        listed = client.get(f"/page/api/applications/{name}/conversations", headers=token)
        assert listed.status_code == 404
    # A member's conversation on the demo, and another user's on the same space, are not found.
    key, _ = parley.create_api_key("embed-page-member")
    _, session = client.app.state.auth.page_sign_in(key)  # type: ignore[attr-defined]
    theirs = events(client.post("/page/api/turns", headers={"Cookie": f"{page.COOKIE}={session}"},
                                json={"app": "demo", "question": "top 3 products"}))  # fmt: skip
    assert client.get(f"/page/api/conversations/{theirs[0]['conversation_id']}",
                      headers=token).status_code == 404  # fmt: skip
    colleague = bearer(token_for(client, embed.partner, embed.space, email="bo@acme.example"))
    mine = events(client.post("/page/api/turns", headers=token,
                              json={"app": app, "question": QUESTION}))  # fmt: skip
    assert client.get(f"/page/api/conversations/{mine[0]['conversation_id']}",
                      headers=colleague).status_code == 404  # fmt: skip
    assert client.get(f"/page/api/conversations/{mine[0]['conversation_id']}",
                      headers=token).status_code == 200  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("expired", "This chat's link has expired. Reload the page to open the chat again."),
        ("api key", "This chat's link is not valid (malformed token). Reload the page, or ask "
                    "the site that shows it for a new link."),
        ("basic", "This chat's link is not valid (send 'Authorization: Bearer <embed token>'). "
                  "Reload the page, or ask the site that shows it for a new link."),
    ],
)  # fmt: skip
def test_the_api_refuses_what_is_not_a_live_embed_token_in_words_the_page_shows(
    client: TestClient, parley: Parley, embed: Embed, kind: str, said: str
) -> None:
    header = {
        "expired": f"Bearer {expired(parley, embed.token)}",
        "api key": embed.partner["Authorization"],
        "basic": "Basic YTpi",
    }[kind]
    refused = client.get("/page/api/me", headers={"Authorization": header})
    assert refused.status_code == 401
    assert refused.json() == {"error": {"code": "unauthorized", "message": said}}


# -- the partner's setting ----------------------------------------------------------------------


def test_the_partner_sets_and_resets_its_sites(client: TestClient, embed: Embed) -> None:
    put = client.put("/api/v1/embed/settings", headers=embed.partner, json={"frame_ancestors": [
        " HTTPS://App.Partner.Example/ ", "'self'", "https://app.partner.example",
        "https://xn--bcher-kva.example:8443", "https://bücher.example", "http://[::1]:8080",
    ]})  # fmt: skip
    assert put.status_code == 200, put.text
    normalised = ["https://app.partner.example", "'self'", "https://xn--bcher-kva.example:8443",
                  "https://xn--bcher-kva.example", "http://[::1]:8080"]  # fmt: skip
    assert put.json() == {"frame_ancestors": normalised}
    assert client.get("/api/v1/embed/settings", headers=embed.partner).json() == put.json()
    assert frame_ancestors(client.get("/embed", params={"token": embed.token})) == (
        " ".join(normalised)
    )
    none = client.put("/api/v1/embed/settings", headers=embed.partner,
                      json={"frame_ancestors": ["'none'"]})  # fmt: skip
    assert none.json() == {"frame_ancestors": ["'none'"]}
    reset = client.put("/api/v1/embed/settings", headers=embed.partner,
                       json={"frame_ancestors": None})  # fmt: skip
    assert reset.json() == {"frame_ancestors": ["'self'"]}


@pytest.mark.parametrize(
    ("sources", "loc", "said"),
    [
        ([], [], "name at least one site"),
        (["*"], [0], "is not a site"),
        (["app.partner.example"], [0], "is not a site"),
        (["ftp://files.partner.example"], [0], "is not a site"),
        (["'selfish'"], [0], "is not a site"),
        (["https://a.example/embed"], [0], "keep scheme://host[:port] only"),
        (["https://a.example?x=1"], [0], "keep scheme://host[:port] only"),
        (["https://user@a.example"], [0], "keep scheme://host[:port] only"),
        (["https://a.example:99999"], [0], "port that is not a number"),
        (["https://a.example; script-src *"], [0], "does not name a valid host"),
        (["https://a.example", "https://b_c.example"], [1], "does not name a valid host"),
        (["https://a.*.example"], [0], "does not name a valid host"),
        (["'none'", "https://a.example"], [], "cannot be listed with others"),
        ([f"https://s{n}.example" for n in range(33)], [], "at most 32 sites"),
    ],
)
def test_a_site_that_is_not_one_is_a_422_naming_it(
    client: TestClient, embed: Embed, sources: list[str], loc: list[int], said: str
) -> None:
    refused = client.put("/api/v1/embed/settings", headers=embed.partner,
                         json={"frame_ancestors": sources})  # fmt: skip
    assert refused.status_code == 422, refused.text
    problems = refused.json()["detail"]
    assert [p["loc"] for p in problems] == [["body", "frame_ancestors", *loc]]
    assert said in problems[0]["msg"] and problems[0]["type"] == "value_error"
    assert frame_ancestors(client.get("/embed", params={"token": embed.token})) == "'self'"


def test_only_an_admin_key_of_the_partner_changes_its_sites(
    client: TestClient, parley: Parley, embed: Embed
) -> None:
    body = {"frame_ancestors": ["https://evil.example"]}
    with parley.store.session() as session:
        org = tenancy.get_organization_by_name(session, "embed-page-http")
        assert org is not None
        member = tenancy.create_member(session, org.id, "Mo", email="mo@partner.example")
        member_key, _ = create_api_key(session, org.id, "mo", member_id=member.id)
    refused = client.put("/api/v1/embed/settings", headers=bearer(member_key), json=body)
    assert refused.status_code == 403 and "admin" in refused.json()["detail"]
    assert client.get("/api/v1/embed/settings", headers=bearer(member_key)).status_code == 200
    by_token = client.put("/api/v1/embed/settings", headers=bearer(embed.token), json=body)
    assert by_token.status_code == 401
    assert client.get("/api/v1/embed/settings").status_code == 401
    assert frame_ancestors(client.get("/embed", params={"token": embed.token})) == "'self'"
