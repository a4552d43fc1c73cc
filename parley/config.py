"""Settings, read once at start from the environment and an optional file.

Every setting is a ``PARLEY_*`` variable, documented in one table in docs/configuration.md.
``PARLEY_CONFIG_FILE`` names a file of ``PARLEY_X=value`` lines (the format systemd's
``EnvironmentFile=`` and Docker's ``--env-file`` read too); a variable set in the
environment wins over the same one in the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from parley.errors import ParleyError

CONFIG_FILE_VAR = "PARLEY_CONFIG_FILE"


class ConfigError(ParleyError):
    """A setting has a value Parley cannot use; the message names the variable."""

    status = 500
    code = "config_invalid"


#: The environment a ``Settings`` is being read from (``None``: the process environment).
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("parley_environ", default=None)


def default_home(environ: Mapping[str, str]) -> Path:
    """A per-user directory: ``$XDG_DATA_HOME/parley`` or ``~/.local/share/parley``."""
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "parley"


def _alias(name: str, field: str, default: float) -> Any:
    # Accepts the variable (from the environment or file) and the field name (in code).
    return Field(default, gt=0, validation_alias=AliasChoices(f"PARLEY_{name}", field))


CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Parley's settings. Field names are what code reads; variables are what operators set."""

    model_config = SettingsConfigDict(
        env_prefix="PARLEY_",
        frozen=True,
        extra="ignore",
        populate_by_name=True,
        env_ignore_empty=True,
    )

    #: The state directory: metadata store, demo data, generated keys (``PARLEY_HOME``).
    home: Path
    #: The metadata store (``PARLEY_DATABASE_URL``); a SQLite file in ``home`` by default.
    database_url: str
    #: Connections each process keeps to a server store (``PARLEY_DATABASE_POOL_SIZE``).
    database_pool_size: int = Field(15, gt=0)
    #: Where rate-limit counters live (``PARLEY_RATE_LIMIT_URL``): memory:// or redis://.
    rate_limit_url: str = "memory://"
    #: The most rows a query returns (``PARLEY_MAX_ROWS``).
    max_rows: int = Field(5_000, gt=0)
    #: Threads a DuckDB source splits a statement across (``PARLEY_DUCKDB_THREADS``);
    #: DuckDB's default, one per core, when unset.
    duckdb_threads: int | None = Field(None, gt=0)
    #: Statement timeout on sources, in seconds (``PARLEY_QUERY_TIMEOUT``).
    query_timeout_s: float = _alias("QUERY_TIMEOUT", "query_timeout_s", 30.0)
    #: Longest question accepted, in characters (``PARLEY_MAX_QUESTION_CHARS``).
    max_question_chars: int = Field(4_000, gt=0)
    #: Secret for the JWTs Parley signs (``PARLEY_JWT_SECRET``); generated into home if unset.
    jwt_secret: str | None = Field(None, repr=False)
    #: RS256 key files and an identity provider's JWKS (``PARLEY_JWT_PRIVATE_KEY`` ...).
    jwt_private_key: Path | None = None
    jwt_public_key: Path | None = None
    jwt_jwks: Path | None = None
    jwt_issuer: str = "parley"
    jwt_audience: str = "parley"
    #: Key encrypting source credentials (``PARLEY_SECRET_KEY``); generated into home if unset.
    secret_key: str | None = Field(None, repr=False)
    #: Keys retired by a rotation, still accepted to decrypt (``PARLEY_SECRET_KEY_PREVIOUS``).
    secret_key_previous: CommaList = Field(default_factory=list, repr=False)
    #: How long a process holds a knowledge sync's lease, in seconds (``PARLEY_SYNC_LEASE``).
    sync_lease_s: float = _alias("SYNC_LEASE", "sync_lease_s", 60.0)
    #: How often the sync scheduler looks for due and abandoned syncs (``PARLEY_SYNC_POLL``).
    sync_poll_s: float = _alias("SYNC_POLL", "sync_poll_s", 30.0)
    #: The application Workbench sessions talk to (``PARLEY_WORKBENCH_APP``).
    workbench_app: str = "demo"
    #: Lifetime of embed tokens, in seconds (``PARLEY_EMBED_TOKEN_TTL``).
    embed_token_ttl: int = Field(3_600, gt=0)
    #: Origins whose pages may call the API from a browser (``PARLEY_CORS_ORIGINS``).
    cors_origins: CommaList = Field(default_factory=list)
    #: Sites that may frame Parley's pages (``PARLEY_FRAME_ANCESTORS``); none by default.
    frame_ancestors: CommaList = Field(default_factory=list)
    #: ``DEBUG``, ``INFO``, ``WARNING`` or ``ERROR`` (``PARLEY_LOG_LEVEL``).
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: ``text`` for a person, ``json`` (one object a line) for a log pipeline.
    log_format: Literal["text", "json"] = "text"
    #: An OpenAI-compatible endpoint asked when the built-in parser cannot read a question
    #: (``PARLEY_LLM_BASE_URL``, e.g. ``http://127.0.0.1:11434/v1``); none by default.
    llm_base_url: str | None = None
    #: The model to ask (``PARLEY_LLM_MODEL``).
    llm_model: str = ""
    #: The endpoint's API key (``PARLEY_LLM_API_KEY``): a secret, never shown or logged.
    llm_api_key: str = Field("", repr=False)
    #: Seconds to wait for the model, repair round included (``PARLEY_LLM_TIMEOUT``).
    llm_timeout_s: float = _alias("LLM_TIMEOUT", "llm_timeout_s", 20.0)
    #: What may be sent beyond the schema and the question (``PARLEY_LLM_SHARE``): a comma
    #: list of ``taught``, ``knowledge``, ``values``, ``rows``; by default ``schema``: no more.
    llm_share: str = "schema"
    #: How the endpoint takes a JSON schema (``PARLEY_LLM_RESPONSE_FORMAT``): ``json_schema``
    #: (OpenAI, vLLM, Ollama) or ``json_object`` (llama.cpp's server).
    llm_response_format: str = "json_schema"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("secret_key_previous", "cors_origins", "frame_ancestors", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="before")
    @classmethod
    def _derived_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        environ = _ENVIRON.get()
        env = os.environ if environ is None else environ
        home = Path(data.get("home") or default_home(env)).expanduser()
        filled = {**data, "home": home}
        if not filled.get("database_url"):
            filled["database_url"] = _embedded_store(home)
        return filled

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        environ = _ENVIRON.get()
        env = os.environ if environ is None else environ
        sources: list[PydanticBaseSettingsSource] = [init_settings, _Environment(settings_cls, env)]
        config_file = env.get(CONFIG_FILE_VAR)
        if config_file:
            path = Path(config_file).expanduser()
            if not path.is_file():
                raise ConfigError(f"{CONFIG_FILE_VAR} names {path}, which is not a file")
            sources.append(DotEnvSettingsSource(settings_cls, env_file=path))
        return tuple(sources)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, home: Path | None = None
    ) -> Settings:
        """The settings from ``environ`` (default: the process environment) and the file
        it names; ``home`` overrides ``PARLEY_HOME``."""
        token = _ENVIRON.set(environ)
        try:
            overrides: dict[str, Any] = {} if home is None else {"home": home}
            return cls(**overrides)
        except ValidationError as error:
            problems = "; ".join(
                f"{_variable_of(problem['loc'])}: {problem['msg']}" for problem in error.errors()
            )
            raise ConfigError(f"invalid settings: {problems}") from None
        finally:
            _ENVIRON.reset(token)

    @property
    def uses_embedded_store(self) -> bool:
        """Whether the store is the default SQLite file in ``home``."""
        return self.database_url == _embedded_store(self.home)

    def environ(self) -> dict[str, str]:
        """The resolved settings as ``PARLEY_*`` variables, for code that reads them by name."""
        values: dict[str, str] = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if value is None or value == []:
                continue
            text = ",".join(value) if isinstance(value, list) else str(value)
            values[_variable(name, field)] = text
        return values


def _variable(name: str, field: FieldInfo) -> str:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return f"PARLEY_{name.upper()}"


def _embedded_store(home: Path) -> str:
    return f"sqlite:///{home / 'parley.db'}"


def _variable_of(location: tuple[int | str, ...]) -> str:
    name = str(location[0]) if location else ""
    field = Settings.model_fields.get(name)
    return _variable(name, field) if field is not None else name


class _Environment(EnvSettingsSource):
    """The environment source, reading a given mapping instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._mapping = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._mapping, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )
