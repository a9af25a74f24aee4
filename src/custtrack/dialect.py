"""The SQL that differs between SQLite and PostgreSQL, in one place.

Services write portable SQL (SQLAlchemy Core, or plain SQL both engines read) and call these
functions for the rest: placeholders of driver SQL, insert-or-ignore, bulk inserts, dates cut
from stored UTC times, the month-day index, and reading raw rows. How an engine is opened and
locked is `custtrack.db`; the schema's own forms (expression indexes, the agenda's triggers) are
in the migrations. Nothing here imports a driver: psycopg is loaded by SQLAlchemy only when the
URL is PostgreSQL.

`bind` below is a Session, a Connection, an Engine or a Dialect. Stored times: SQLite keeps
'YYYY-MM-DD HH:MM:SS.ffffff' text in UTC, PostgreSQL a timestamptz. That same text, as a raw-SQL
parameter or literal, compares as the instant on both (PostgreSQL reads it in the connection's
time zone, which db.py sets to UTC): `services.segments.stored()` writes it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any, overload

import sqlalchemy as sa

SQLITE, POSTGRESQL = "sqlite", "postgresql"
EPOCH_SHIFT_DAYS = 200 * 365  # keeps day numbers positive back to 1770 (SQLite / truncates)
PAGE = 10_000  # rows per executemany on PostgreSQL (one round trip in psycopg's pipeline)


# --- which engine --------------------------------------------------------------------------------


def name(bind: Any) -> str:
    """'sqlite' or 'postgresql'."""
    if isinstance(bind, sa.engine.Dialect):
        return bind.name
    if hasattr(bind, "get_bind"):  # a Session
        bind = bind.get_bind()
    return bind.dialect.name


def is_sqlite(bind: Any) -> bool:
    return name(bind) == SQLITE


def is_postgresql(bind: Any) -> bool:
    return name(bind) == POSTGRESQL


def _connection(bind: Any) -> sa.Connection:
    """The Connection of a Session (its transaction), or the Connection itself."""
    if hasattr(bind, "connection") and callable(bind.connection):  # a Session
        return bind.connection()
    return bind


# --- driver SQL ----------------------------------------------------------------------------------

# a quoted literal or identifier (left as it is), or a placeholder: ? or :name (not ::type)
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|(?<!:):([A-Za-z_]\w*)|\?|%")


@functools.lru_cache(maxsize=512)
def _pg_sql(sql: str) -> str:
    def swap(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if m.group(1):
            return f"%({m.group(1)})s"
        return token.replace("%", "%%")  # a literal: psycopg reads % even inside quotes

    return _TOKENS.sub(swap, sql)


def driver_sql(bind: Any, sql: str) -> str:
    """SQL written for sqlite3 (`?` and `:name` placeholders) in the driver's own form:
    psycopg's `%s` and `%(name)s`, with a literal % doubled."""
    return _pg_sql(sql) if is_postgresql(bind) else sql


def execute(bind: Any, sql: str, params: Sequence[Any] | dict[str, Any] | list = ()) -> Any:
    """conn.exec_driver_sql() of SQL written for sqlite3 (`?`, `:name`), on either engine: one
    parameter tuple or dict, or a list of them (executemany). Returns the CursorResult."""
    conn = _connection(bind)
    return conn.exec_driver_sql(driver_sql(conn, sql), params)


def executemany(bind: Any, sql: str, rows: Iterable[Sequence[Any]], page: int = PAGE) -> int:
    """Run an INSERT/UPDATE written for sqlite3 once per row, in pages; returns how many rows.

    SQLite takes the whole list in one call; psycopg sends a page at a time in its pipeline,
    so a million rows are never held twice."""
    conn = _connection(bind)
    sql = driver_sql(conn, sql)
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return 0
    if is_sqlite(conn):
        conn.exec_driver_sql(sql, rows)
        return len(rows)
    for start in range(0, len(rows), page):
        conn.exec_driver_sql(sql, rows[start : start + page])
    return len(rows)


def insert_rows(
    bind: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Bulk insert of plain values (tuples in the order of `columns`); returns how many.

    SQLite: one executemany. PostgreSQL: COPY FROM STDIN (values as the driver adapts them:
    aware datetimes, dates, ints, text; text in a time column must be ISO, as stored). A table
    with a serial id given explicit ids needs `sync_ids()` afterwards."""
    conn = _connection(bind)
    if is_sqlite(conn):
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        return executemany(conn, sql, rows)
    raw = conn.connection.driver_connection
    assert raw is not None  # None only once the pool has invalidated the connection
    n = 0
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def sync_ids(bind: Any, *tables: str) -> None:
    """After rows were inserted with explicit ids: PostgreSQL's id sequence continues after
    the largest id (SQLite needs nothing: a new rowid is always max(rowid) + 1)."""
    conn = _connection(bind)
    if not is_postgresql(conn):
        return
    for table in tables:
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
        )


def insert_or_ignore(bind: Any, sql: str) -> str:
    """'INSERT INTO …' that skips rows clashing with a unique key: SQLite's INSERT OR IGNORE,
    PostgreSQL's ON CONFLICT DO NOTHING. `sql` starts with 'INSERT INTO'."""
    head = "INSERT INTO "
    if not sql.startswith(head):
        raise ValueError(f"not an INSERT INTO statement: {sql[:40]!r}")
    if is_sqlite(bind):
        return "INSERT OR IGNORE INTO " + sql[len(head) :]
    return f"{sql} ON CONFLICT DO NOTHING"


def insert_ignore(bind: Any, table: sa.Table) -> Any:
    """A Core insert into `table` that skips rows clashing with a unique key."""
    if is_sqlite(bind):
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    return pg_insert(table).on_conflict_do_nothing()


# --- raw rows ------------------------------------------------------------------------------------


def cursor(bind: Any, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
    """The DB-API cursor of plain SQL (written for sqlite3) run in the transaction of a Session
    or Connection: no per-row processing by SQLAlchemy, for 100k+ rows of numbers and text."""
    conn = _connection(bind)
    raw = conn.connection.driver_connection
    assert raw is not None  # None only once the pool has invalidated the connection
    return raw.execute(driver_sql(conn, sql), params)


def fetch(bind: Any, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple]:
    """All rows of plain SQL (see cursor())."""
    return cursor(bind, sql, params).fetchall()


@overload
def to_datetime(value: None) -> None: ...
@overload
def to_datetime(value: str | datetime) -> datetime: ...
@overload
def to_datetime(value: Any) -> datetime | None: ...
def to_datetime(value: Any) -> datetime | None:
    """A time read with raw SQL (SQLite: text; PostgreSQL: a datetime) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@overload
def to_date(value: None) -> None: ...
@overload
def to_date(value: str | date) -> date: ...
@overload
def to_date(value: Any) -> date | None: ...
def to_date(value: Any) -> date | None:
    """A date read with raw SQL (SQLite: 'YYYY-MM-DD' text; PostgreSQL: a date)."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    return date.fromisoformat(str(value)[:10])


# --- dates from stored times ---------------------------------------------------------------------


def epoch_seconds(bind: Any, expr: str) -> str | None:
    """SQL for the whole seconds since 1970 of a time expression (rounded down); None on a
    SQLite older than 3.38 (no unixepoch): use local_date() there."""
    if is_postgresql(bind):
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {expr})) AS BIGINT)"
    import sqlite3

    return f"unixepoch({expr})" if sqlite3.sqlite_version_info >= (3, 38) else None


def epoch_seconds_any(bind: Any, expr: str) -> str:
    """epoch_seconds(), with strftime('%s') on old SQLite (text, CAST it where it is summed)."""
    return epoch_seconds(bind, expr) or f"strftime('%s', {expr})"


def day_number(bind: Any, expr: str, offset: str) -> tuple[str, bool]:
    """SQL for the local day of a time expression, `offset` (SQL, seconds) east of UTC: (days
    since 1970 + EPOCH_SHIFT_DAYS as an integer, True), or on SQLite before 3.38 the day as
    'YYYY-MM-DD' text (False). Integers are cheaper to group on."""
    secs = epoch_seconds(bind, expr)
    if secs is None:
        return local_date(bind, expr, offset), False
    return f"({secs} + {offset} + {EPOCH_SHIFT_DAYS * 86400}) / 86400", True


def local_date(bind: Any, expr: str, offset: str = "0") -> str:
    """SQL for the 'YYYY-MM-DD' text of the day of a time expression `offset` (SQL, seconds)
    east of UTC (0: the UTC day)."""
    if is_postgresql(bind):
        moved = expr if offset == "0" else f"{expr} + ({offset}) * INTERVAL '1 second'"
        return f"to_char(({moved}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    if offset == "0":
        return f"date({expr})"
    return f"date({expr}, {offset} || ' seconds')"


def unindexed(bind: Any, column: str) -> str:
    """A column SQLite's planner must not answer from its index (`+at`); PostgreSQL's planner
    weighs its statistics instead, and has no unary + on times."""
    return f"+{column}" if is_sqlite(bind) else column


def group_concat(bind: Any, expr: str) -> str:
    """SQL joining the values of `expr` in a group with commas (text)."""
    if is_postgresql(bind):
        return f"string_agg(CAST({expr} AS TEXT), ',')"
    return f"group_concat({expr})"


# --- the birthday index --------------------------------------------------------------------------


def month_day(bind: Any, column: Any) -> Any:
    """The month and day of a date column, written exactly as in the index
    ix_customers_birthday_md (migration 0003), so that the planner uses it: SQLite 'MM-DD'
    text; PostgreSQL month * 100 + day (to_char() is not IMMUTABLE, and an index needs that).
    Compare it with month_day_keys()."""
    if is_sqlite(bind):
        # a bound parameter in place of the literal format would keep the planner off the index
        return sa.func.strftime(sa.literal_column("'%m-%d'"), column)
    return sa.extract("month", column) * sa.literal_column("100") + sa.extract("day", column)


def month_day_keys(bind: Any, days: Iterable[str]) -> list[Any]:
    """'MM-DD' texts as values of month_day()."""
    if is_sqlite(bind):
        return sorted(days)
    return sorted(int(d[:2]) * 100 + int(d[3:]) for d in days)


# --- checking the store ----------------------------------------------------------------------


def integrity_check(bind: Any, quick: bool = False) -> list[str]:
    """What the engine finds damaged in the stored data, ['ok'] when nothing: SQLite's
    integrity_check (quick_check skips the indexes' contents). PostgreSQL checks each page as it
    reads it and has no such command in its core: ['ok']."""
    if is_postgresql(bind):
        return ["ok"]
    pragma = "quick_check" if quick else "integrity_check"
    return [r[0] for r in _connection(bind).exec_driver_sql(f"PRAGMA {pragma}")]


def foreign_key_violations(bind: Any) -> list[tuple[str, int, str]]:
    """(table, row id, referred table) of rows whose reference leads nowhere: SQLite can have
    them (foreign keys are enforced per connection, and another tool may not); PostgreSQL
    always enforces them: []."""
    if is_postgresql(bind):
        return []
    rows = _connection(bind).exec_driver_sql("PRAGMA foreign_key_check")
    return [(table, rowid, parent) for table, rowid, parent, _fk in rows]


def instants_differ(bind: Any, a: str, b: str) -> str:
    """SQL: the stored times `a` and `b` are more than 0.1 s apart (SQLite compares the instants
    through julianday, whatever the text's form)."""
    if is_postgresql(bind):
        return f"abs(EXTRACT(EPOCH FROM {a} - {b})) > 0.1"
    return f"abs(julianday({a}) - julianday({b})) > 1e-6"
