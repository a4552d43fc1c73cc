"""Settings shared by the whole test suite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from parley.conversations.installation import Parley


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # A selection that matches no test (say, `-m postgres` on a machine without it) is not
    # a failure of the suite.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.OK


#: Settings that would make a test Parley read the developer's own configuration.
PARLEY_SETTINGS = (
    "PARLEY_DATABASE_URL", "PARLEY_MAX_QUESTION_CHARS", "PARLEY_MAX_ROWS", "PARLEY_JWT_SECRET",
    "PARLEY_JWT_PRIVATE_KEY", "PARLEY_JWT_PUBLIC_KEY", "PARLEY_JWT_JWKS", "PARLEY_JWT_ISSUER",
    "PARLEY_JWT_AUDIENCE", "PARLEY_WORKBENCH_APP", "PARLEY_SYNC_LEASE", "PARLEY_SYNC_POLL",
    "PARLEY_EMBED_TOKEN_TTL", "PARLEY_LLM_BASE_URL", "PARLEY_LLM_MODEL", "PARLEY_LLM_API_KEY",
    "PARLEY_LLM_SHARE", "PARLEY_LLM_TIMEOUT", "PARLEY_LLM_RESPONSE_FORMAT",
)  # fmt: skip
BROKEN_APP = "broken"


@pytest.fixture(scope="session")
def open_parley(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Parley]:
    """Opens a Parley on a fresh temporary home, deaf to the developer's own settings.

    Each test folder keeps its own (its ``parley`` fixture), so no folder sees what
    another stored; the caller closes it.
    """

    def open_one() -> Parley:
        with pytest.MonkeyPatch.context() as env:
            for name in PARLEY_SETTINGS:
                env.delenv(name, raising=False)
            return Parley.open(tmp_path_factory.mktemp("parley-home"))

    return open_one


@pytest.fixture(scope="session")
def add_broken_app(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Parley], str]:
    """Adds an application whose source fails every query: its only table is a view over a
    CSV file, and sources are opened with file access disabled."""

    def add(parley: Parley) -> str:
        folder: Path = tmp_path_factory.mktemp("broken-source")
        csv = folder / "shipments.csv"
        csv.write_text("region,amount\nNorth,1.5\nSouth,2.5\n")
        path = folder / "broken.duckdb"
        with duckdb.connect(str(path)) as connection:
            connection.execute(
                "CREATE VIEW shipments AS SELECT region::VARCHAR AS region, "
                f"amount::DOUBLE AS amount FROM read_csv('{csv}')"
            )
        parley.add_source(f"duckdb:///{path}", name=BROKEN_APP)
        parley.create_application(BROKEN_APP, source=BROKEN_APP)
        return BROKEN_APP

    return add
