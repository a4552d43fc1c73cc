"""The command line starts at once: a help screen imports neither the core nor the
libraries it stands on (timed by bench/cli_startup.py; here, what is imported)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Each of these costs tens to hundreds of milliseconds to import.
HEAVY = [
    "sqlalchemy",
    "alembic",
    "duckdb",
    "pandas",
    "fastapi",
    "uvicorn",
    "sqlglot",
    "parley.store",
    "parley.engine.nl",
    "parley.conversations",
    "parley.sources",
    "vl_convert",
]

_PROBE = """
import json, sys
sys.argv = ["parley", *json.loads(sys.argv[1])]
from parley.cli import app
try:
    app()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["ask", "--help"], ["source", "add", "--help"]])
def test_a_help_screen_imports_nothing_heavy(args: list[str], tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args)],
        env={**os.environ, "PARLEY_HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Usage" in done.stdout
    modules = set(json.loads(done.stderr.strip().splitlines()[-1]))
    loaded = [m for m in HEAVY if m in modules]
    assert loaded == []
    assert not home.exists(), "a help screen must not create an installation"
