"""Secrets never reach the logs: tokens in query strings are redacted from server logs."""

from __future__ import annotations

import logging
import re

_SECRET_PARAMS = re.compile(r"((?:token|api_key|apikey|key|secret|password)=)[^&\s\"']+", re.I)


def redact(text: str) -> str:
    """
    >>> redact('"WebSocket /ws/chat/sess_1?token=eyJhbGci.x.y" [accepted]')
    '"WebSocket /ws/chat/sess_1?token=***" [accepted]'
    """
    return _SECRET_PARAMS.sub(r"\1***", text)


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
