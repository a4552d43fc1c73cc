from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.fernet import Fernet

from parley.engine.semantic.ontology import Ontology
from parley.errors import Conflict, InvalidInput, NotFound
from parley.store.catalog import (
    add_source,
    create_application,
    delete_application,
    delete_source,
    get_application,
    get_source,
    get_source_by_name,
    list_applications,
    save_ontology,
    save_schema_snapshot,
    set_source_url,
    source_url,
    update_application,
)
from parley.store.db import Store
from parley.store.models import Application, Organization
from parley.store.secrets import CredentialCipher, CredentialKeyChanged
from parley.store.sharing import create_space
from parley.store.tenancy import create_organization

URL = "postgresql://analyst:Sup3r-S3cret-pw@warehouse.internal:5432/sales"


def test_source_url_is_encrypted_at_rest(
    store: Store,
    org: Organization,
    cipher: CredentialCipher,
    stored_text: Callable[[], str],
    sqlite_bytes: Callable[[], bytes | None],
) -> None:
    with store.session() as session:
        source = add_source(session, cipher, org.id, "prod", "postgres", URL)
    assert "Sup3r-S3cret-pw" not in stored_text()
    assert "Sup3r-S3cret-pw" not in source.url_encrypted
    raw = sqlite_bytes()
    assert raw is None or b"Sup3r-S3cret-pw" not in raw
    with store.session() as session:
        assert source_url(get_source(session, org.id, source.id), cipher) == URL


def test_source_url_under_another_key_is_a_clear_error(
    store: Store, org: Organization, cipher: CredentialCipher
) -> None:
    with store.session() as session:
        source = add_source(session, cipher, org.id, "prod", "postgres", URL)
    with pytest.raises(CredentialKeyChanged, match="secret key changed"):
        source_url(source, CredentialCipher(Fernet.generate_key()))


def test_source_url_can_be_replaced(
    store: Store, org: Organization, cipher: CredentialCipher
) -> None:
    with store.session() as session:
        source = add_source(session, cipher, org.id, "prod", "postgres", URL)
        set_source_url(session, cipher, source, "duckdb:///new.duckdb")
    with store.session() as session:
        assert source_url(get_source(session, org.id, source.id), cipher) == "duckdb:///new.duckdb"


def test_source_names_are_unique_per_organization(
    store: Store, org: Organization, cipher: CredentialCipher
) -> None:
    with store.session() as session:
        other = create_organization(session, "globex")
        add_source(session, cipher, org.id, "prod", "postgres", URL)
        add_source(session, cipher, other.id, "prod", "postgres", URL)
    with pytest.raises(Conflict, match="'prod' already exists"), store.session() as session:
        add_source(session, cipher, org.id, "prod", "duckdb", "duckdb://")


def test_source_status_is_checked(
    store: Store, org: Organization, cipher: CredentialCipher
) -> None:
    with pytest.raises(InvalidInput, match="'broken'"), store.session() as session:
        add_source(session, cipher, org.id, "prod", "postgres", URL, status="broken")


def test_sources_are_scoped_by_organization(
    store: Store, org: Organization, cipher: CredentialCipher
) -> None:
    with store.session() as session:
        other = create_organization(session, "globex")
        source = add_source(session, cipher, org.id, "prod", "postgres", URL)
    with store.session() as session:
        assert get_source_by_name(session, other.id, "prod") is None
        with pytest.raises(NotFound, match=source.id):
            get_source(session, other.id, source.id)


def test_ontology_and_schema_snapshot_round_trip(
    store: Store, org: Organization, cipher: CredentialCipher
) -> None:
    ontology = Ontology(source="prod", dialect="postgres")
    snapshot = {"dialect": "postgres", "tables": [{"name": "orders", "columns": ["id"]}]}
    with store.session() as session:
        source = add_source(session, cipher, org.id, "prod", "postgres", URL)
        save_ontology(session, source, ontology)
        save_schema_snapshot(session, source, snapshot)
    with store.session() as session:
        loaded = get_source(session, org.id, source.id)
        assert loaded.ontology is not None
        assert Ontology.model_validate(loaded.ontology) == ontology
        assert loaded.schema_snapshot == snapshot
        save_ontology(session, loaded, None)
    with store.session() as session:
        assert get_source(session, org.id, source.id).ontology is None


def test_a_source_in_use_cannot_be_deleted(
    store: Store, org: Organization, app: Application
) -> None:
    with pytest.raises(Conflict, match="1 application"), store.session() as session:
        delete_source(session, get_source(session, org.id, app.source_id))
    with store.session() as session:
        delete_application(session, get_application(session, org.id, app.id))
        create_space(session, org.id, app.source_id, "acme view", "cust-1")
    with pytest.raises(Conflict, match="1 space"), store.session() as session:
        delete_source(session, get_source(session, org.id, app.source_id))


def test_application_names_are_unique(store: Store, org: Organization, app: Application) -> None:
    with pytest.raises(Conflict, match="'sales' already exists"), store.session() as session:
        create_application(session, org.id, "sales", app.source_id)
    with store.session() as session:
        second = create_application(session, org.id, "hr", app.source_id)
    with pytest.raises(Conflict, match="'sales' already exists"), store.session() as session:
        update_application(session, get_application(session, org.id, second.id), name="sales")


def test_application_needs_a_source_of_its_organization(
    store: Store, org: Organization, app: Application
) -> None:
    with store.session() as session:
        other = create_organization(session, "globex")
    with pytest.raises(NotFound, match=app.source_id), store.session() as session:
        create_application(session, other.id, "sales", app.source_id)


def test_update_application(store: Store, org: Organization, app: Application) -> None:
    with store.session() as session:
        update_application(
            session,
            get_application(session, org.id, app.id),
            description="Revenue questions",
            tags=["finance", "données"],
            modified_by="member:mem_x",
        )
    with store.session() as session:
        loaded = get_application(session, org.id, app.id)
    assert (loaded.description, loaded.tags, loaded.modified_by) == (
        "Revenue questions",
        ["finance", "données"],
        "member:mem_x",
    )
    assert loaded.updated_at >= loaded.created_at


@pytest.mark.parametrize(
    ("name_contains", "limit", "offset", "expected", "total"),
    [
        (None, 50, 0, ["app-0", "app-1", "app-2", "app-3", "app-4", "sales", "x_y%z"], 7),
        (None, 2, 0, ["app-0", "app-1"], 7),
        (None, 2, 6, ["x_y%z"], 7),
        ("APP", 3, 1, ["app-1", "app-2", "app-3"], 5),
        ("_y%", 50, 0, ["x_y%z"], 1),
        ("%", 50, 0, ["x_y%z"], 1),
        ("nothing", 50, 0, [], 0),
    ],
)
def test_list_applications(
    store: Store,
    org: Organization,
    app: Application,
    name_contains: str | None,
    limit: int,
    offset: int,
    expected: list[str],
    total: int,
) -> None:
    with store.session() as session:
        for name in ["app-3", "app-1", "x_y%z", "app-0", "app-4", "app-2"]:
            create_application(session, org.id, name, app.source_id)
        other = create_organization(session, "globex")
        other_source = add_source(
            session, CredentialCipher(Fernet.generate_key()), other.id, "s", "duckdb", "duckdb://"
        )
        create_application(session, other.id, "app-9", other_source.id)
    with store.session() as session:
        page = list_applications(
            session, org.id, name_contains=name_contains, limit=limit, offset=offset
        )
    assert [a.name for a in page.items] == expected
    assert page.total == total


@pytest.mark.parametrize(("limit", "offset"), [(-1, 0), (1001, 0), (10, -1)])
def test_list_applications_rejects_bad_windows(
    store: Store, org: Organization, limit: int, offset: int
) -> None:
    with pytest.raises(InvalidInput), store.session() as session:
        list_applications(session, org.id, limit=limit, offset=offset)
