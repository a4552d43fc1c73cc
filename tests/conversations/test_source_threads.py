"""``PARLEY_DUCKDB_THREADS`` reaches the DuckDB sources an installation opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.config import Settings
from parley.conversations.installation import Parley


@pytest.mark.parametrize(
    ("environ", "threads"),
    [({"PARLEY_DUCKDB_THREADS": "1"}, 1), ({"PARLEY_DUCKDB_THREADS": "3"}, 3)],
)
def test_the_demo_source_runs_on_the_threads_set(
    environ: dict[str, str], threads: int, tmp_path: Path
) -> None:
    parley = Parley.open(settings=Settings.from_env(environ, home=tmp_path))
    try:
        with parley.store.session() as session:
            record = parley._source_record(session, "demo", None)
        result = parley.source(record).execute(
            "SELECT current_setting('threads')", max_rows=1, timeout_s=10
        )
        assert result.rows[0][0] == threads
    finally:
        parley.close()
