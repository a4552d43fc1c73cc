"""Docs are written with the features: what exists must be documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from parley.api.app import create_app
from parley.conversations.installation import Parley

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_every_setting_is_documented() -> None:
    names = set()
    for path in (ROOT / "parley").rglob("*.py"):
        names |= set(re.findall(r"\"(PARLEY_[A-Z_]+)\"", path.read_text(encoding="utf-8")))
    documented = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = sorted(name for name in names if name not in documented)
    assert not missing, f"settings missing from docs/configuration.md: {missing}"


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    parley = Parley.open(tmp_path_factory.mktemp("docs-home"), demo=False)
    try:
        # WebSocket routes are not part of the OpenAPI document.
        return [*create_app(parley).openapi()["paths"], "/ws/chat/{session_id}"]
    finally:
        parley.close()


@pytest.mark.parametrize(
    ("prefix", "page"),
    [
        ("/api/v1/bi/", "workbench.md"),
        ("/ws/chat/", "workbench.md"),
        ("/api/v1/chat/", "openai-compatible.md"),
        ("/v1/chat/", "openai-compatible.md"),
        ("/api/public/channels/", "channels.md"),
        ("/api/v1/sources", "embedded.md"),
        ("/api/v1/spaces", "embedded.md"),
        ("/api/v1/embed/", "embedded.md"),
        ("/api/v1/conversations", "embedded.md"),
        ("/api/ana", "ana.md"),
        ("/page/", "page.md"),
    ],
)
def test_every_route_is_documented(routes: list[str], prefix: str, page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    paths = [p for p in routes if p.startswith(prefix)]
    assert paths, f"no route starts with {prefix}"
    for path in paths:
        # Path parameters may be written {session_id} or :session_id in the docs.
        pattern = re.sub(r"\\\{[^}]+\\\}", r"(\\{[^}]+\\}|:[a-z_]+)", re.escape(path))
        assert re.search(pattern, text), f"{path} is not in docs/{page}"


def test_every_doc_page_is_linked_from_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in DOCS.glob("*.md") if f"docs/{p.name}" not in readme]
    assert not missing, f"pages not linked from README.md: {missing}"
