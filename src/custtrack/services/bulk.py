"""Bulk inserts through SQLAlchemy Core: executemany in chunks, no ORM object per row.

Measured (STYLE.md): 100k rows as ORM objects took ~59x as long as executemany, 7x a Core insert.
Rows must already be validated; datetimes aware (the column types convert them to UTC).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import sqlalchemy as sa


def chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def insert_rows(
    conn: sa.Connection, table: sa.Table, rows: Iterable[dict[str, Any]], chunk: int = 20_000
) -> int:
    """Insert rows (dicts with the same keys) into `table`; returns how many."""
    n = 0
    for batch in chunks(rows, chunk):
        conn.execute(sa.insert(table), batch)
        n += len(batch)
    return n
