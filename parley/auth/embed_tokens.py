"""Embed tokens: the JWTs a partner hands its customers, each opening one space.

They are signed with the same key as Workbench tokens (see ``workbench_tokens``) but carry
their own audience, ``<PARLEY_JWT_AUDIENCE>/embed``: a Workbench token is not an embed
token and an embed token opens no Workbench session. Their lifetime is
``PARLEY_EMBED_TOKEN_TTL`` seconds (default 3600).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from parley.auth.tokens import TokenConfigError, TokenService
from parley.auth.workbench_tokens import token_config
from parley.config import Settings

ENV_TTL = "PARLEY_EMBED_TOKEN_TTL"
DEFAULT_TTL_S = 3600
AUDIENCE_SUFFIX = "/embed"


def embed_token_service(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> TokenService:
    env = settings.environ() if environ is None else environ
    config = token_config(settings, env)
    try:
        ttl = int(env.get(ENV_TTL) or DEFAULT_TTL_S)
        return TokenService(
            dataclasses.replace(
                config, audience=config.audience + AUDIENCE_SUFFIX, default_ttl_s=ttl
            )
        )
    except ValueError as exc:
        raise TokenConfigError(f"the embed token configuration is not usable: {exc}") from None
