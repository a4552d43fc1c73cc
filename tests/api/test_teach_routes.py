"""Teaching from an answer, in the Workbench and OpenAI-compatible faces, by its id."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from parley.conversations.installation import DEMO_NAME, Parley

Headers = Callable[..., dict[str, str]]
BASE = "/api/v1/bi/chat/sessions"
REPEAT_SQL = (
    "SELECT c.customer_name, COUNT(*) AS orders FROM customers c "
    "JOIN orders o ON o.customer_id = c.customer_id WHERE c.country = 'France' "
    "GROUP BY c.customer_name HAVING COUNT(*) > 1"
)


@pytest.fixture
def forget_taught(parley: Parley) -> Iterator[None]:
    """The demo application is shared by the session: leave it untaught."""
    yield
    for view in parley.teaching.taught(parley.principal, DEMO_NAME):
        parley.teaching.forget(parley.principal, view.id)


def test_workbench_teaches_a_declined_answer_and_later_sessions_use_it(
    client: TestClient, headers: Headers, forget_taught: None
) -> None:
    session = client.post(
        BASE, json={"tenant_id": "default", "user_id": "teacher"}, headers=headers("teacher")
    ).json()["session_id"]
    declined = client.post(
        f"{BASE}/{session}/messages",
        json={"message": "repeat customers in France"},
        headers=headers("teacher"),
    ).json()
    assert declined["intent"] == "clarification" and declined["message_id"]

    url = f"{BASE}/{session}/messages/{declined['message_id']}/teach"
    refused = client.post(url, json={"sql": "DROP TABLE orders"}, headers=headers("teacher"))
    assert refused.status_code == 422
    assert refused.json()["code"] == "sql_rejected" and "detail" in refused.json()

    taught = client.post(url, json={"sql": REPEAT_SQL}, headers=headers("teacher"))
    assert taught.status_code == 201, taught.text
    body = taught.json()
    assert (body["question"], body["kind"], body["application"]) == (
        "repeat customers in France",
        "sql",
        DEMO_NAME,
    )

    other = client.post(
        BASE, json={"tenant_id": "default", "user_id": "someone"}, headers=headers("someone")
    ).json()["session_id"]
    answer = client.post(
        f"{BASE}/{other}/messages",
        json={"message": "repeat clients from Germany"},
        headers=headers("someone"),
    ).json()
    assert answer["intent"] == "sql_query"
    assert "taught_question" in answer["agents_visited"]
    assert "'Germany'" in answer["sql"] and answer["data"]["rows"]


@pytest.mark.parametrize(
    ("user", "message_id", "status"),
    [("teacher2", "msg_missing", 404), ("intruder", None, 404)],
)
def test_workbench_teach_of_an_unknown_or_foreign_answer_is_not_found(
    client: TestClient, headers: Headers, user: str, message_id: str | None, status: int
) -> None:
    session = client.post(
        BASE, json={"tenant_id": "default", "user_id": "teacher2"}, headers=headers("teacher2")
    ).json()["session_id"]
    sent = client.post(
        f"{BASE}/{session}/messages",
        json={"message": "revenue by country"},
        headers=headers("teacher2"),
    ).json()
    response = client.post(
        f"{BASE}/{session}/messages/{message_id or sent['message_id']}/teach",
        json={},
        headers=headers(user),
    )
    assert response.status_code == status
    assert set(response.json()) >= {"detail", "code"}


def test_openai_face_teaches_a_completion_by_its_id(
    client: TestClient, parley: Parley, forget_taught: None
) -> None:
    key, key_id = parley.create_api_key("teacher")
    auth = {"Authorization": f"Bearer {key}"}
    turn = parley.ask("revenue by country in 2024", principal=f"key:{key_id}", face="openai")

    kept = client.post(
        "/api/v1/chat/teach",
        json={"model": DEMO_NAME, "completionId": turn.user_message_id},
        headers=auth,
    )
    assert kept.status_code == 201, kept.text
    taught = kept.json()["taughtQuestion"]
    assert taught["kind"] == "reading"
    assert taught["semanticQuery"] == turn.answer.semantic_query
    assert taught["question"] == "revenue by country in 2024"

    corrected = client.post(
        "/v1/chat/teach",
        json={
            "model": DEMO_NAME,
            "completionId": turn.assistant_message_id,
            "semanticQuery": (
                "metrics: [{metric: revenue}]\ndimensions: [{field: customers.region}]"
            ),
        },
        headers=auth,
    )
    assert corrected.status_code == 201, corrected.text
    answer = parley.ask("revenue by country in 2023", principal=f"key:{key_id}").answer
    assert answer.semantic_query is not None
    assert answer.semantic_query["dimensions"] == [{"field": "customers.region"}]
    assert "taught_question" in answer.agents_visited


@pytest.mark.parametrize(
    ("body", "status", "said"),
    [
        ({"model": "nowhere", "completionId": "msg_x"}, 412, "application nowhere"),
        ({"model": DEMO_NAME}, 422, "completionId"),
        ({"model": DEMO_NAME, "completionId": "msg_x", "sql": "SELECT 1"}, 422, "completionId"),
    ],
)
def test_openai_face_teach_errors_have_its_error_shape(
    client: TestClient, parley: Parley, body: dict[str, str], status: int, said: str
) -> None:
    key, _ = parley.create_api_key("teacher-errors")
    response = client.post(
        "/api/v1/chat/teach", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == status
    assert response.json()["code"] == str(status) and said in response.json()["error"]
