"""Secrets never reach the logs: tokens in query strings are redacted from server logs."""

from __future__ import annotations

import logging
import re

_SECRET_PARAMS = re.compile(r"((?:token|api_key|apikey|key|secret|password)=)[^&\s\"']+", re.I)
#: Parley's own API keys and channel secrets, JWTs, bearer credentials and URL passwords,
#: wherever in a message they appear (an exception's text may quote a header or a URL).
_SECRET_TEXT = (
    (re.compile(r"\b(pk|sk)_[A-Za-z0-9_-]{16,}"), r"\1_***"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "***"),
    (re.compile(r"\b(Bearer|Basic)\s+[^\s\"',]+", re.I), r"\1 ***"),
    (re.compile(r"(://[^:/@\s]+):[^@/\s]+@"), r"\1:***@"),
)


def redact(text: str) -> str:
    """
    >>> redact('"WebSocket /ws/chat/sess_1?token=eyJhbGci.x.y" [accepted]')
    '"WebSocket /ws/chat/sess_1?token=***" [accepted]'
    >>> redact("auth failed for Bearer pk_0123456789abcdefghij at postgresql://ana:pw@db/x")
    'auth failed for Bearer *** at postgresql://ana:***@db/x'
    """
    text = _SECRET_PARAMS.sub(r"\1***", text)
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and arguments with secrets replaced by ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install() -> None:
    """Attach the filter to the server's loggers (idempotent)."""
    for name in ("uvicorn.access", "uvicorn.error", "uvicorn"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
