"""A view over a filtered table is read under row filters only when a filter applies to it:
the source says which relations are views, the ontology keeps it, the guard refuses."""

from __future__ import annotations

import duckdb
import pytest

from parley.config import Settings
from parley.conversations.installation import Parley
from parley.engine.orchestrator import statement_for
from parley.engine.row_filters import RowFilter
from parley.engine.semantic.query import SemanticQuery
from parley.errors import GuardRejected
from parley.store import catalog

SPACE = (RowFilter("tenant", "eq", "acme"),)


@pytest.fixture(scope="module")
def parley(tmp_path_factory: pytest.TempPathFactory) -> Parley:
    home = tmp_path_factory.mktemp("views")
    path = home / "shop.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER, amount INTEGER, tenant VARCHAR)")
        conn.execute("INSERT INTO orders VALUES (1, 10, 'acme'), (2, 7777, 'globex')")
        conn.execute("CREATE VIEW order_amounts AS SELECT id, amount FROM orders")
        conn.execute("CREATE VIEW tenant_orders AS SELECT * FROM orders")
    installation = Parley.open(home, settings=Settings.from_env({}, home=home), demo=False)
    installation.add_source(f"duckdb:///{path}", name="shop")
    installation.create_application("shop", source="shop")
    return installation


def _count(parley: Parley, obj: str, row_filters: tuple[RowFilter, ...]) -> str:
    with parley.store.session() as session:
        application = catalog.get_application_by_name(session, parley.organization_id, "shop")
        assert application is not None
        workspace = parley.workspace(application, row_filters=row_filters, session=session)
    query = SemanticQuery.model_validate({"metrics": [{"aggregation": "count", "field": obj}]})
    return statement_for(workspace, query)[0].sql


def test_the_ontology_knows_which_relations_are_views(parley: Parley) -> None:
    with parley.store.session() as session:
        record = catalog.get_source_by_name(session, parley.organization_id, "shop")
        assert record is not None
        ontology = parley.ontology(record)
    assert {o.name: o.view for o in ontology.objects} == {
        "orders": False, "order_amounts": True, "tenant_orders": True,
    }  # fmt: skip


def test_a_view_no_filter_reaches_is_refused_under_row_filters(parley: Parley) -> None:
    with pytest.raises(GuardRejected, match="view order_amounts is not allowed here"):
        _count(parley, "order_amounts", SPACE)


def test_a_view_the_filter_reaches_is_filtered(parley: Parley) -> None:
    assert "'acme'" in _count(parley, "tenant_orders", SPACE)


def test_without_row_filters_every_view_reads(parley: Parley) -> None:
    assert "order_amounts" in _count(parley, "order_amounts", ())
