from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "parley.store.ids",
        "parley.store.conversations",
        "parley.auth.api_keys",
        "parley.auth.secrets",
    ],
)
def test_doctests(module: str) -> None:
    results = doctest.testmod(importlib.import_module(module))
    assert results.attempted > 0
    assert results.failed == 0
