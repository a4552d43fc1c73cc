"""Settings, read once from the environment; each is documented in docs/configuration.md."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


def default_home(environ: Mapping[str, str]) -> Path:
    """A per-user directory: ``$XDG_DATA_HOME/parley`` or ``~/.local/share/parley``."""
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "parley"


@dataclass(frozen=True, slots=True)
class Settings:
    #: The state directory: metadata store, demo data, secret key (``PARLEY_HOME``).
    home: Path
    #: The metadata store (``PARLEY_DATABASE_URL``); a SQLite file in ``home`` by default.
    database_url: str
    #: Where rate-limit counters live (``PARLEY_RATE_LIMIT_URL``): memory:// or redis://.
    rate_limit_url: str = "memory://"
    #: The most rows a query returns (``PARLEY_MAX_ROWS``).
    max_rows: int = 5_000
    #: Statement timeout on sources, in seconds (``PARLEY_QUERY_TIMEOUT``).
    query_timeout_s: float = 30.0
    #: Longest question accepted, in characters (``PARLEY_MAX_QUESTION_CHARS``).
    max_question_chars: int = 4_000
    #: Secret for the JWTs Parley signs (``PARLEY_JWT_SECRET``); generated into home if unset.
    jwt_secret: str | None = None
    #: How long a process holds a knowledge sync's lease, in seconds (``PARLEY_SYNC_LEASE``).
    sync_lease_s: float = 60.0
    #: How often the sync scheduler looks for due and abandoned syncs (``PARLEY_SYNC_POLL``).
    sync_poll_s: float = 30.0
    #: An OpenAI-compatible endpoint asked when the built-in parser cannot read a question
    #: (``PARLEY_LLM_BASE_URL``, e.g. ``http://127.0.0.1:11434/v1``); none by default.
    llm_base_url: str | None = None
    #: The model to ask (``PARLEY_LLM_MODEL``).
    llm_model: str = ""
    #: The endpoint's API key (``PARLEY_LLM_API_KEY``): a secret, never shown or logged.
    llm_api_key: str = field(default="", repr=False)
    #: Seconds to wait for the model, repair round included (``PARLEY_LLM_TIMEOUT``).
    llm_timeout_s: float = 20.0
    #: What may be sent beyond the schema and the question (``PARLEY_LLM_SHARE``): a comma
    #: list of ``taught``, ``knowledge``, ``values``, ``rows``; by default ``schema``: no more.
    llm_share: str = "schema"
    #: How the endpoint takes a JSON schema (``PARLEY_LLM_RESPONSE_FORMAT``): ``json_schema``
    #: (OpenAI, vLLM, Ollama) or ``json_object`` (llama.cpp's server).
    llm_response_format: str = "json_schema"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, home: Path | None = None
    ) -> Settings:
        env = os.environ if environ is None else environ
        resolved = Path(home or env.get("PARLEY_HOME") or default_home(env)).expanduser()
        return cls(
            home=resolved,
            database_url=env.get("PARLEY_DATABASE_URL") or f"sqlite:///{resolved / 'parley.db'}",
            rate_limit_url=env.get("PARLEY_RATE_LIMIT_URL", "memory://"),
            max_rows=int(env.get("PARLEY_MAX_ROWS", "5000")),
            query_timeout_s=float(env.get("PARLEY_QUERY_TIMEOUT", "30")),
            max_question_chars=int(env.get("PARLEY_MAX_QUESTION_CHARS", "4000")),
            jwt_secret=env.get("PARLEY_JWT_SECRET") or None,
            sync_lease_s=float(env.get("PARLEY_SYNC_LEASE", "60")),
            sync_poll_s=float(env.get("PARLEY_SYNC_POLL", "30")),
            llm_base_url=env.get("PARLEY_LLM_BASE_URL") or None,
            llm_model=env.get("PARLEY_LLM_MODEL", ""),
            llm_api_key=env.get("PARLEY_LLM_API_KEY", ""),
            llm_timeout_s=float(env.get("PARLEY_LLM_TIMEOUT", "20")),
            llm_share=env.get("PARLEY_LLM_SHARE", "schema"),
            llm_response_format=env.get("PARLEY_LLM_RESPONSE_FORMAT", "json_schema"),
        )
