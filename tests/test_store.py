"""The store: where the file lives, how it is opened, and how old schemas are upgraded."""

from __future__ import annotations

import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from custtrack import db
from custtrack.errors import CusttrackError
from custtrack.migrations import HEAD


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_database_and_its_wal_files_are_private(cli, isolated: Path) -> None:
    cli("add", "Ann")
    eng = db.engine()
    with eng.connect() as conn:  # an open connection keeps the -wal and -shm files around
        conn.exec_driver_sql("SELECT count(*) FROM customers").scalar()
        wal = isolated.with_name(isolated.name + "-wal")
        shm = isolated.with_name(isolated.name + "-shm")
        assert wal.exists() and shm.exists()
        assert [_mode(p) for p in (isolated, wal, shm)] == [0o600, 0o600, 0o600]


def test_pragmas_are_set_on_every_connection(isolated: Path) -> None:
    eng = db.engine()
    with eng.connect() as first, eng.connect() as second:
        assert first.connection.dbapi_connection is not second.connection.dbapi_connection
        for conn in (first, second):
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS


def test_write_session_takes_the_lock_before_writing(isolated: Path) -> None:
    """BEGIN IMMEDIATE: a second writer waits for the first instead of failing half-way."""
    db.engine()
    other = sqlite3.connect(isolated, timeout=0, isolation_level=None)
    try:
        with db.session(write=True) as s:
            s.exec(sa.text("SELECT 1"))  # a read only; the write lock is already held
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at commit
        other.execute("ROLLBACK")
        with db.session() as s:  # a read session does not block writers
            s.exec(sa.text("SELECT count(*) FROM customers")).one()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_second_writer_waits_for_the_first(cli, isolated: Path) -> None:
    """Another program holds the write lock for a moment: the command waits, then succeeds."""
    cli("add", "Ann")
    holder = sqlite3.connect(isolated, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO tags (name) VALUES ('held')")
    timer = threading.Timer(0.5, lambda: holder.execute("COMMIT"))
    timer.start()
    try:
        started = time.monotonic()
        cli("add", "Bob")
        waited = time.monotonic() - started
    finally:
        timer.join()
        holder.close()
    assert waited >= 0.4
    names = sqlite3.connect(isolated).execute("SELECT name FROM customers ORDER BY id").fetchall()
    assert names == [("Ann",), ("Bob",)]


def test_failed_write_session_rolls_back(isolated: Path) -> None:
    with pytest.raises(RuntimeError), db.session(write=True) as s:
        s.exec(sa.text("INSERT INTO tags (name) VALUES ('vip')"))
        raise RuntimeError("boom")
    with db.session() as s:
        assert s.exec(sa.text("SELECT count(*) FROM tags")).one()[0] == 0


def test_default_location_is_the_platform_data_dir(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    monkeypatch.delenv("CUSTTRACK_DB")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    expected = Path(platformdirs.user_data_dir("custtrack", appauthor=False)) / "custtrack.db"
    assert expected.is_relative_to(tmp_path)  # HOME points at tmp: never the real data dir
    assert db.location() == str(expected)
    cli("add", "Ann")
    assert expected.exists() and _mode(expected) == 0o600
    assert sqlite3.connect(expected).execute("SELECT name FROM customers").fetchall() == [("Ann",)]


def test_db_option_beats_environment(cli, tmp_path: Path, isolated: Path) -> None:
    chosen = tmp_path / "sub" / "chosen.db"
    chosen.parent.mkdir()  # a folder named with --db is never created (issue 17.6)
    cli("--db", str(chosen), "add", "Ann")
    assert chosen.exists()
    assert not isolated.exists()  # CUSTTRACK_DB was set but --db won
    cli("add", "Bob")
    assert isolated.exists()
    names = sqlite3.connect(chosen).execute("SELECT name FROM customers").fetchall()
    assert names == [("Ann",)]


def test_not_a_database_is_a_clean_error(cli, isolated: Path) -> None:
    isolated.write_text("these are my notes, not a database\n")
    result = cli("list", code=1)
    assert "is not a database" in result.stderr and str(isolated) in result.stderr
    assert "Traceback" not in result.stderr
    assert isolated.read_text() == "these are my notes, not a database\n"


def test_database_from_a_newer_version_is_refused(cli, isolated: Path) -> None:
    cli("add", "Ann")
    con = sqlite3.connect(isolated)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    result = cli("list", code=1)
    assert "newer custtrack (schema 9999)" in result.stderr


# --- migrations ---------------------------------------------------------------------------

T0, T1, T2 = (
    "2025-01-05 02:00:00.000000",
    "2025-03-01 09:30:00.000000",
    "2025-06-10 01:15:00.000000",
)

ROWS_0001: dict[str, list[dict]] = {
    "meta": [{"key": "created_by", "value": "test"}],
    "tags": [{"id": 1, "name": "vip"}, {"id": 2, "name": "批发"}],
    "customers": [
        {"id": 1, "name": "王芳", "phone": "+8613800138000", "email": "wf@example.cn",
         "wechat": "wangfang88", "company": "茶社", "address": "西湖区 1 号", "city": "杭州",
         "birthday": "1985-03-12", "gender": "female", "source": "referral", "owner": "lei",
         "price_sensitivity": "high", "notes": "likes 龙井", "status": "active",
         "created_at": T0, "updated_at": T0},
        {"id": 2, "name": "Anna Berg", "phone": None, "email": "anna@example.com",
         "wechat": None, "company": None, "address": None, "city": "Berlin", "birthday": None,
         "gender": None, "source": None, "owner": None, "price_sensitivity": None,
         "notes": None, "status": "archived", "created_at": T0, "updated_at": T1},
        {"id": 3, "name": "No Contact", "phone": None, "email": None, "wechat": None,
         "company": None, "address": None, "city": None, "birthday": None, "gender": None,
         "source": None, "owner": None, "price_sensitivity": None, "notes": None,
         "status": "active", "created_at": T1, "updated_at": T1},
    ],
    "customer_tags": [{"customer_id": 1, "tag_id": 1}, {"customer_id": 1, "tag_id": 2},
                      {"customer_id": 2, "tag_id": 1}],
    "interactions": [
        {"id": 1, "customer_id": 1, "at": T0, "channel": "wechat", "summary": "first chat",
         "outcome": None, "owner": "lei", "created_at": T0},
        {"id": 2, "customer_id": 1, "at": T2, "channel": "visit", "summary": "came by",
         "outcome": "ordered", "owner": "lei", "created_at": T2},
        {"id": 3, "customer_id": 2, "at": T1, "channel": "email", "summary": None,
         "outcome": None, "owner": None, "created_at": T1},
    ],
    "purchases": [
        {"id": 1, "customer_id": 1, "at": T2, "product": "龙井 250g", "category": "tea",
         "qty": 2, "amount_minor": 53600, "currency": "CNY", "order_ref": "R-1",
         "created_at": T2},
        {"id": 2, "customer_id": 2, "at": T1, "product": None, "category": None, "qty": 1,
         "amount_minor": 1999, "currency": "EUR", "order_ref": None, "created_at": T1},
    ],
    "feedback": [
        {"id": 1, "customer_id": 1, "at": T2, "csat": 5, "nps": 9, "text": "很好",
         "channel": "wechat", "created_at": T2},
    ],
    "complaints": [
        {"id": 1, "customer_id": 2, "category": "delivery", "priority": "high",
         "text": "box wet", "assignee": "lei", "status": "resolved", "resolution": "refund",
         "opened_at": T1, "resolved_at": T2, "updated_at": T2},
    ],
    "followups": [
        {"id": 1, "customer_id": 1, "due_date": "2025-07-01", "due_time": "15:00:00.000000",
         "channel": "phone", "note": "new harvest", "owner": "lei", "status": "open",
         "created_at": T2, "closed_at": None},
    ],
}  # fmt: skip


def _insert(conn: sa.Connection, table: str, rows: list[dict]) -> None:
    cols = list(rows[0])
    sql = f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({", ".join(":" + c for c in cols)})'
    conn.execute(sa.text(sql), rows)


def _rows(conn: sa.Connection, table: str, cols: list[str]) -> list[dict]:
    sql = f'SELECT {", ".join(cols)} FROM "{table}" ORDER BY 1, 2'
    return [dict(r._mapping) for r in conn.execute(sa.text(sql))]


# SQLAlchemy cannot reflect expression indexes: checked by name and SQL instead (_EXPRESSION)
_SKIPPED_REFLECTION = "ignore:Skipped unsupported reflection of expression-based index"
_EXPRESSION = {
    "ix_customers_name_lower": "(lower(name))",
    "ix_customers_birthday_md": "(strftime('%m-%d', birthday))",
}


def _expression_indexes(conn: sa.Connection) -> dict[str, str]:
    sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN ({})"
    rows = conn.exec_driver_sql(sql.format(", ".join("?" * len(_EXPRESSION))), tuple(_EXPRESSION))
    return {name: text.split(" ON customers ")[1] for name, text in rows}


@pytest.mark.filterwarnings(_SKIPPED_REFLECTION)
def test_upgrade_from_first_schema_keeps_every_row(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from custtrack import models  # noqa: F401  (registers the tables)

    path = tmp_path / "old.db"
    eng = db.bare_engine(str(path))
    try:
        db.upgrade(eng, "0001")
        assert db.schema_version(eng) == "0001"
        with eng.begin() as conn:
            for table, rows in ROWS_0001.items():
                _insert(conn, table, rows)

        db.upgrade(eng)  # what opening the database does

        assert db.schema_version(eng) == HEAD
        with eng.connect() as conn:
            for table, rows in ROWS_0001.items():
                assert _rows(conn, table, list(rows[0])) == rows, table
            last = dict(conn.execute(sa.text("SELECT id, last_contact_at FROM customers")).all())
            assert last == {1: T2, 2: T1, 3: None}  # backfilled with max(interactions.at)
            origin = conn.execute(sa.text("SELECT origin, priority FROM followups")).one()
            assert tuple(origin) == ("manual", "normal")
            assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, SQLModel.metadata) == []
            assert _expression_indexes(conn) == _EXPRESSION
    finally:
        eng.dispose()


def test_upgraded_database_works_with_the_commands(cli, isolated: Path) -> None:
    eng = db.bare_engine(str(isolated))
    db.upgrade(eng, "0001")
    with eng.begin() as conn:
        for table, rows in ROWS_0001.items():
            _insert(conn, table, rows)
    eng.dispose()
    shown = cli("list")  # opening the file runs the upgrade, and says so on stderr
    assert f"Upgrading the database from schema 0001 to {HEAD}" in shown.stderr
    assert "Upgrading" not in cli("list").stderr  # once
    data = cli.json("show", "王芳")
    assert data["customer"]["phone"] == "+8613800138000"
    assert data["tags"] == ["vip", "批发"]
    assert [i["kind"] for i in data["timeline"]] == ["contact", "purchase", "feedback", "contact"]
    assert data["last_contact"] == "2025-06-10T09:15:00+08:00"
    assert data["next_followup"]["note"] == "new harvest"


@pytest.mark.filterwarnings(_SKIPPED_REFLECTION)
def test_fresh_database_matches_the_models(isolated: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with db.engine().connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, SQLModel.metadata) == []
        assert _expression_indexes(conn) == _EXPRESSION


def test_name_lookup_uses_the_lower_case_index(cli, isolated: Path) -> None:
    """Finding a customer by name reads the index, not every customer row."""
    from custtrack.services.customers import resolve

    cli("add", "Anna Berg")
    cli("add", "王芳")
    eng = db.engine()
    seen: list[tuple[str, tuple]] = []

    @sa.event.listens_for(eng, "before_cursor_execute")
    def _capture(conn, cursor, statement, params, context, executemany) -> None:  # noqa: ANN001
        seen.append((statement, params))

    with db.session() as s:
        assert resolve(s, "anna berg").name == "Anna Berg"
    sa.event.remove(eng, "before_cursor_execute", _capture)
    plans = []
    with eng.connect() as conn:
        for statement, params in seen:
            if "lower(customers.name) = " in statement:
                plans += [
                    r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
                ]
    assert plans and all("ix_customers_name_lower" in p for p in plans)


def test_head_constant_matches_the_scripts() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(db._alembic_config())
    assert scripts.get_heads() == [HEAD]


def test_failed_upgrade_changes_nothing(tmp_path: Path) -> None:
    """A broken reference found after migrating aborts the whole upgrade."""
    path = tmp_path / "broken.db"
    eng = db.bare_engine(str(path))
    try:
        db.upgrade(eng, "0001")
        with eng.connect() as conn:
            raw = conn.connection.dbapi_connection
            raw.execute("PRAGMA foreign_keys = OFF")
            raw.execute(
                "INSERT INTO interactions (customer_id, at, channel, created_at) "
                f"VALUES (42, '{T0}', 'phone', '{T0}')"
            )
            raw.execute("PRAGMA foreign_keys = ON")
        with pytest.raises(CusttrackError, match="break 1 reference"):
            db.upgrade(eng)
        assert db.schema_version(eng) == "0001"
        with eng.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM interactions").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        eng.dispose()


def test_engine_resumes_garbage_collection_paused_for_start_up(isolated: Path) -> None:
    import gc

    db.dispose()
    gc.disable()
    try:
        db.engine()
        assert gc.isenabled()  # paused for the imports, back on for the command's own work
        assert gc.get_freeze_count() > 0  # the start-up objects are never scanned again
    finally:
        gc.unfreeze()
        gc.enable()
    db.dispose()
    db.engine()  # with collection already on, opening the store leaves it alone
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_reading_a_missing_database_file_is_an_error_not_a_new_file(cli, tmp_path: Path) -> None:
    """A typo in --db must not quietly create an empty database that `check` then passes."""
    typo = tmp_path / "shpo.db"
    for args in (["due"], ["list"], ["check"], ["show", "Ann"]):
        result = cli("--db", str(typo), *args, code=1)
        assert result.stderr.startswith(f"Error: no database at {typo} (check --db")
        assert not typo.exists()
    cli("--db", str(typo), "add", "Ann")  # a command that records something creates it
    assert typo.exists()
    assert [c["name"] for c in cli.json("--db", str(typo), "list")] == ["Ann"]
