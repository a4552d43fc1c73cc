"""The official ``openai`` SDK, unchanged, against Parley served by uvicorn."""

from __future__ import annotations

import _openai_fixtures as fixtures
import openai
import pytest
from _openai_fixtures import Installation, LiveServer
from openai import OpenAI

# The shared fixtures, bound here so that pytest finds them in this module.
installation = fixtures.installation
live_server = fixtures.live_server


@pytest.fixture(scope="module")
def sdk(live_server: LiveServer, installation: Installation) -> OpenAI:
    # No retries: a refusal must surface, not be retried into a rate limit.
    return OpenAI(base_url=f"{live_server.url}/api/v1", api_key=installation.key, max_retries=0)


def test_plain_completion(sdk: OpenAI) -> None:
    response = sdk.chat.completions.create(
        model="demo", messages=[{"role": "user", "content": "revenue by category"}]
    )
    assert response.object == "chat.completion"
    assert response.model == "demo"
    assert response.choices[0].finish_reason == "stop"
    assert response.choices[0].message.role == "assistant"
    content = response.choices[0].message.content
    assert content is not None and content.startswith("Revenue by category: 5 rows")
    assert response.model_extra is not None
    assert response.model_extra["conversationId"].startswith("conv_")
    assert response.model_extra["dataFilePath"].endswith(".csv")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("md", "```sql\nSELECT"), ("html", "<table><thead>"), ("raw", "Revenue by category")],
)
def test_extra_headers_choose_the_response_type(sdk: OpenAI, kind: str, expected: str) -> None:
    response = sdk.chat.completions.create(
        model="demo",
        messages=[{"role": "user", "content": "revenue by category"}],
        extra_headers={"responseType": kind},
    )
    assert expected in (response.choices[0].message.content or "")


def test_streaming(sdk: OpenAI) -> None:
    chunks = list(sdk.chat.completions.create(
        model="demo",
        messages=[{"role": "user", "content": "revenue by category"}],
        extra_headers={"responseType": "md"},
        stream=True,
    ))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert "| category | revenue |" in text and "```sql" in text
    assert "Revenue by category: 5 rows" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra is not None
    assert chunks[-1].model_extra["dataFilePath"].endswith(".csv")
    assert sum(1 for chunk in chunks if chunk.choices[0].delta.content) >= 4


def test_continue_a_conversation(sdk: OpenAI) -> None:
    raw = sdk.chat.completions.with_raw_response.create(
        model="demo", messages=[{"role": "user", "content": "revenue by category"}]
    )
    conversation = raw.headers["conversationId"]
    first = raw.parse()
    assert first.model_extra is not None and first.model_extra["conversationId"] == conversation
    follow_up = sdk.chat.completions.with_raw_response.create(
        model="demo",
        messages=[{"role": "user", "content": "only Electronics and Software"}],
        extra_headers={"conversationId": conversation},
    )
    assert follow_up.headers["conversationId"] == conversation
    content = follow_up.parse().choices[0].message.content or ""
    assert content.startswith("Revenue by category (where category is one of Electronics")


def test_streamed_follow_up(sdk: OpenAI) -> None:
    first = sdk.chat.completions.create(
        model="demo", messages=[{"role": "user", "content": "revenue by category"}]
    )
    assert first.model_extra is not None
    stream = sdk.chat.completions.create(
        model="demo",
        messages=[{"role": "user", "content": "now by country"}],
        extra_headers={"conversationId": first.model_extra["conversationId"]},
        stream=True,
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream)
    assert text.startswith("Revenue by category and country")


@pytest.mark.parametrize(
    ("model", "key", "error", "status"),
    [
        ("demo", "pk_wrong", openai.AuthenticationError, 401),
        ("Online_Retail_Store", None, openai.APIStatusError, 412),
        ("", None, openai.UnprocessableEntityError, 422),
    ],
)
def test_refusals_reach_the_sdk_as_status_errors(
    live_server: LiveServer, installation: Installation, model: str, key: str | None,
    error: type[openai.APIStatusError], status: int,
) -> None:
    client = OpenAI(base_url=f"{live_server.url}/api/v1", api_key=key or installation.key,
                    max_retries=0)
    with pytest.raises(error) as raised:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == status
    assert raised.value.response.json()["code"] == str(status)


def test_a_failing_streamed_turn_raises_in_the_sdk(sdk: OpenAI) -> None:
    stream = sdk.chat.completions.create(
        model="unreadable",
        messages=[{"role": "user", "content": "total points by team"}],
        stream=True,
    )
    with pytest.raises(openai.APIError, match="Incident ID : inc_"):
        list(stream)
