"""Tokens and keys in URLs never reach the server log."""

from __future__ import annotations

import logging

import pytest

from parley.api.log_redaction import RedactSecrets


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ('%s - "WebSocket %s" [accepted]', ("127.0.0.1:5", "/ws/chat/s1?token=eyJ.abc.def")),
        ('%s - "GET %s HTTP/1.1" %d', ("127.0.0.1:5", "/health?api_key=pk_secret&x=1", 200)),
        ("GET /x?password=hunter2 failed", ()),
    ],
)
def test_secrets_in_urls_are_redacted(message: str, args: tuple[object, ...]) -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, message, args, None)
    assert RedactSecrets().filter(record)
    text = record.getMessage()
    assert "***" in text
    for secret in ("eyJ.abc.def", "pk_secret", "hunter2"):
        assert secret not in text
