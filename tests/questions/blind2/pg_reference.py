"""Reference SQL run on PostgreSQL, with the interface of the harness's other references."""

from __future__ import annotations

from typing import Any

import psycopg


class PostgresReference:
    """Runs reference SQL in a read-only transaction on the database at ``url``."""

    def __init__(self, url: str) -> None:
        self._url = url

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        with psycopg.connect(self._url) as connection:
            connection.read_only = True
            with connection.cursor() as cursor:
                cursor.execute(sql.encode())
                columns = [d.name for d in cursor.description or ()]
                return columns, [tuple(row) for row in cursor.fetchall()]
