from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from parley.sources import connect, duckdb_source, types, urls


@pytest.mark.parametrize("module", [connect, duckdb_source, types, urls])
def test_doctests(module: ModuleType) -> None:
    failed, attempted = doctest.testmod(module)
    assert attempted > 0 and failed == 0
