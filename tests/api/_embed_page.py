"""Shared set-up of the embed page's tests: a partner's warehouse in DuckDB (accounts and
orders of three tenants, each table with a ``tenant`` column), connected, carved into a
space and opened with an embed token through the embedded face's own API; and what the
space must show, read from the warehouse with the filter written by hand."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import jwt
from fastapi.testclient import TestClient

from parley.conversations.installation import Parley

TENANT = "acme"
QUESTION = "total amount by account"
ACCOUNTS = [
    ("A1", "Acme Berlin", "acme"),
    ("A2", "Acme Boston", "acme"),
    ("A3", "Acme Lyon", "acme"),
    ("G1", "Globex Paris", "globex"),
    ("G2", "Globex Denver", "globex"),
    ("I1", "Initech Austin", "initech"),
]


def _orders() -> list[tuple[int, str, str, str, float]]:
    rows = []
    for index, (account, _name, tenant) in enumerate(ACCOUNTS):
        # The other tenants' amounts are large: a leaked row moves any total visibly.
        base = 100 if tenant == TENANT else 50_000
        for n in range(3):
            day = f"2026-{1 + (index + n) % 12:02d}-{1 + n * 9:02d}"
            rows.append((100 + index * 10 + n, account, tenant, day, base + index * 7 + n * 3.5))
    return rows


ORDERS = _orders()


@dataclass(frozen=True)
class Embed:
    partner: dict[str, str]
    space: dict[str, Any]
    token: str
    #: account name -> total amount, as the space must see it (read from the warehouse).
    totals: dict[str, float]
    #: The account names the space must never show.
    hidden: frozenset[str]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def make_warehouse(path: Path) -> tuple[dict[str, float], frozenset[str]]:
    """The warehouse file, and what a space filtered on TENANT sees of it."""
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE TABLE accounts (account_id TEXT PRIMARY KEY, account_name TEXT, "
                   "tenant TEXT)")  # fmt: skip
        db.execute("CREATE TABLE orders (order_id INTEGER PRIMARY KEY, account_id TEXT, "
                   "tenant TEXT, order_date DATE, amount DOUBLE)")  # fmt: skip
        db.executemany("INSERT INTO accounts VALUES (?, ?, ?)", ACCOUNTS)
        db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", ORDERS)
        seen = db.execute(
            "SELECT a.account_name, SUM(o.amount) FROM orders o JOIN accounts a "
            "ON a.account_id = o.account_id WHERE o.tenant = ? AND a.tenant = ? "
            "GROUP BY a.account_name", [TENANT, TENANT]).fetchall()  # fmt: skip
        hidden = db.execute(
            "SELECT account_name FROM accounts WHERE tenant <> ?", [TENANT]).fetchall()  # fmt: skip
    return {name: float(total) for name, total in seen}, frozenset(n for (n,) in hidden)


def make_embed(client: TestClient, parley: Parley, folder: Path, partner_name: str) -> Embed:
    """A partner organisation with the warehouse connected, a space for TENANT and an embed
    token on it, every step through the embedded face's API."""
    totals, hidden = make_warehouse(folder / "warehouse.duckdb")
    partner = bearer(parley.create_organization(partner_name)[1])
    source = client.post("/api/v1/sources", headers=partner, json={
        "database_type": "duckdb", "database": str(folder / "warehouse.duckdb"),
        "source_name": f"{partner_name} warehouse"})  # fmt: skip
    assert source.status_code == 200, source.text
    space = client.post("/api/v1/spaces", headers=partner, json={
        "source_id": source.json()["source_id"], "name": "Acme", "customer_id": "cust_acme",
        "filters": {"tenant": {"operator": "equals", "value": TENANT}}})  # fmt: skip
    assert space.status_code == 200, space.text
    return Embed(partner, space.json(), token_for(client, partner, space.json()), totals, hidden)


def token_for(
    client: TestClient, partner: dict[str, str], space: dict[str, Any],
    email: str = "ana@acme.example",
) -> str:  # fmt: skip
    issued = client.post("/api/v1/embed/token", headers=partner, json={
        "email": email, "name": "Ana Lima", "space_id": space["space_id"]})  # fmt: skip
    assert issued.status_code == 200, issued.text
    token: str = issued.json()["token"]
    return token


def expired(parley: Parley, token: str, *, seconds_ago: int = 3600) -> str:
    """The same token, signed by the server's key, that expired ``seconds_ago``."""
    claims = jwt.decode(token, options={"verify_signature": False})
    secret = parley.auth.embed_tokens.config.secret
    assert secret
    now = int(time.time())
    claims.update(iat=now - seconds_ago - 3600, exp=now - seconds_ago)
    return jwt.encode(claims, secret, algorithm="HS256")


def expiring(parley: Parley, token: str, *, in_seconds: int) -> str:
    """The same token, expiring ``in_seconds`` from now."""
    return expired(parley, token, seconds_ago=-in_seconds)
