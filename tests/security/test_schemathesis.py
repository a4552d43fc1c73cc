"""Every operation of every face's published OpenAPI schema, called with generated input
(schemathesis): never a 500. Examples are bounded and deterministic so CI stays quick."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from parley.api.app import create_app
from parley.auth.workbench_tokens import token_service
from parley.conversations.installation import Parley
from parley.store import tenancy

GENEROUS = {"per_minute": 100_000, "per_hour": 100_000, "per_day": 100_000}


def _installation(home: Path) -> tuple[Parley, FastAPI]:
    parley = Parley.open(home)
    with parley.store.session() as session:
        org = tenancy.get_organization(session, parley.organization_id)
        tenancy.update_organization_settings(session, org, {"rate_limits": GENEROUS})
    return parley, create_app(parley)


# The schema is read when the module is collected, so the installation is built then too.
_HOME = Path(tempfile.mkdtemp(prefix="parley-schemathesis-"))
PARLEY, APP = _installation(_HOME)
KEY = PARLEY.initial_api_key
assert KEY is not None
WORKBENCH = token_service(PARLEY.settings).issue(tenant_id="default", user_id="fuzzer")
CHANNEL_ID, CHANNEL_SECRET = PARLEY.create_channel("demo", name="fuzz")
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _cleanup() -> Iterator[None]:
    yield
    PARLEY.close()
    shutil.rmtree(_HOME, ignore_errors=True)


def _headers(path: str) -> dict[str, str]:
    if path.startswith("/api/v1/bi/"):
        return {"Authorization": f"Bearer {WORKBENCH}"}
    if path.startswith("/api/public/channels/"):
        return {"X-API-Secret-Key": CHANNEL_SECRET}
    return {"Authorization": f"Bearer {KEY}"}


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error(case: schemathesis.Case) -> None:
    if "channelId" in (case.path_parameters or {}):
        case.path_parameters["channelId"] = CHANNEL_ID
    response = case.call(headers=_headers(case.path))
    case.validate_response(response, checks=[not_a_server_error])
