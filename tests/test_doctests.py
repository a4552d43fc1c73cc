"""Every doctest in ``parley/`` runs: each module that has examples is collected by walking
the package, so a new module's examples run without editing this file."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import parley

#: Importing these runs them (Alembic's environment script, the command line); no examples.
NOT_IMPORTABLE = ("parley.store.migrations", "parley.__main__")


def _modules_with_examples() -> list[str]:
    finder = doctest.DocTestFinder()
    found = []
    for info in pkgutil.walk_packages(parley.__path__, prefix="parley."):
        if info.name.startswith(NOT_IMPORTABLE):
            continue
        module = importlib.import_module(info.name)
        if any(test.examples for test in finder.find(module)):
            found.append(info.name)
    return found


MODULES = _modules_with_examples()


def test_the_walk_finds_the_engine_and_the_faces() -> None:
    assert {"parley.engine.charts", "parley.engine.nl.timephrases", "parley.ids"} <= set(
        MODULES
    )


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    results = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert results.attempted > 0
    assert results.failed == 0, f"{results.failed} doctest(s) of {name} failed"
