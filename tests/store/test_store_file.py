"""The store file on disk: readable by its owner only."""

from __future__ import annotations

import stat
from pathlib import Path

from parley.store.db import Store


def test_the_store_file_and_its_journal_are_private(tmp_path: Path) -> None:
    path = tmp_path / "home" / "parley.db"
    store = Store(f"sqlite:///{path}")
    store.migrate()
    for file in (path, path.with_name("parley.db-wal")):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    store.engine.dispose()
