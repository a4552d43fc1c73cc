"""Reference SQL run on MariaDB or MySQL, with the interface of the harness's other references."""

from __future__ import annotations

from typing import Any

import pymysql
from marketing_dataset import connection_params


class MySQLReference:
    """Runs reference SQL in a read-only transaction on the database at ``url``
    (``mysql://user:password@host:port/database``)."""

    def __init__(self, url: str) -> None:
        self._params = connection_params(url)

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        connection = pymysql.connect(**self._params)
        try:
            with connection.cursor() as cursor:
                cursor.execute("START TRANSACTION READ ONLY")
                # Without arguments pymysql leaves the "%" of DATE_FORMAT patterns alone.
                cursor.execute(sql)
                columns = [d[0] for d in cursor.description or ()]
                rows = [tuple(row) for row in cursor.fetchall()]
            connection.rollback()
            return columns, rows
        finally:
            connection.close()
