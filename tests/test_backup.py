"""backup and restore: consistent copies under concurrent writes; checks before replacing."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import sqlalchemy as sa

from custtrack import db
from custtrack.migrations import HEAD

TS = "2026-11-19 02:00:00.000000"


def _names(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [r[0] for r in con.execute("SELECT name FROM customers ORDER BY id")]
    finally:
        con.close()


def _integrity(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [r[0] for r in con.execute("PRAGMA integrity_check")]
    finally:
        con.close()


def corrupt_index(path: Path, index: str, needle: bytes) -> None:
    """Change one key inside an index page, so integrity_check reports a missing index entry."""
    con = sqlite3.connect(path)
    pages = [r[0] for r in con.execute("SELECT pageno FROM dbstat WHERE name = ?", (index,))]
    size = con.execute("PRAGMA page_size").fetchone()[0]
    con.execute("PRAGMA journal_mode = DELETE")  # everything in the main file
    con.close()
    data = bytearray(path.read_bytes())
    for page in pages:
        start = (page - 1) * size
        at = data.find(needle, start, start + size)
        if at >= 0:
            data[at] = ord("X")
            path.write_bytes(bytes(data))
            return
    raise AssertionError(f"{needle!r} not found in {index}")


def test_backup_default_name_mode_and_content(cli, isolated):
    cli("add", "Ann Lee")
    cli("add", "王芳")
    res = cli("backup")
    made = list(isolated.parent.glob("custtrack-20261120-*.db"))
    assert len(made) == 1, res.stdout
    assert made[0].name in res.stdout
    assert stat.S_IMODE(made[0].stat().st_mode) == 0o600
    assert _names(made[0]) == ["Ann Lee", "王芳"]
    assert _integrity(made[0]) == ["ok"]
    assert not Path(f"{made[0]}-wal").exists()  # a self-contained file
    assert not list(isolated.parent.glob(".*.part"))


def test_backup_into_folder_and_never_overwrites(cli, tmp_path):
    cli("add", "Ann Lee")
    folder = tmp_path / "safe"
    folder.mkdir()
    cli("backup", folder)
    assert len(list(folder.glob("custtrack-*.db"))) == 1
    target = tmp_path / "b.db"
    target.write_bytes(b"precious")
    res = cli("backup", target, code=1)
    assert "already exists" in res.stderr
    assert target.read_bytes() == b"precious"
    res = cli("backup", tmp_path / "nope" / "b.db", code=1)
    assert "does not exist" in res.stderr


def test_backup_without_database(cli, isolated):
    res = cli("backup", code=1)
    assert res.stderr.startswith(f"Error: no database at {isolated}")


def test_backup_while_a_write_transaction_is_open(cli, isolated, tmp_path):
    cli("add", "Ann Lee")
    writer = sqlite3.connect(isolated, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO customers (name, status, created_at, updated_at) "
            "VALUES ('Uncommitted', 'active', ?, ?)",
            (TS, TS),
        )
        cli("backup", tmp_path / "b.db")  # must not wait for, or see, the open transaction
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert _names(tmp_path / "b.db") == ["Ann Lee"]
    assert _names(isolated) == ["Ann Lee", "Uncommitted"]


def test_backup_while_another_thread_writes_is_consistent(cli, isolated, tmp_path):
    cli("add", "Ann Lee")
    stop = threading.Event()
    written = []

    def write() -> None:
        con = sqlite3.connect(isolated, isolation_level=None, timeout=10)
        n = 0
        while not stop.is_set() or n < 20:
            n += 1
            con.execute("BEGIN IMMEDIATE")
            con.execute(
                "INSERT INTO interactions (customer_id, at, channel, summary, created_at) "
                "VALUES (1, ?, 'phone', ?, ?)",
                (TS, "x" * 500, TS),
            )
            # the invariant a torn copy would break: notes == number of contacts
            con.execute("UPDATE customers SET notes = ? WHERE id = 1", (str(n),))
            con.execute("COMMIT")
        written.append(n)
        con.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        copies = [tmp_path / f"b{i}.db" for i in range(3)]
        for copy in copies:
            cli("backup", copy)
    finally:
        stop.set()
        thread.join()
    for copy in copies:
        assert _integrity(copy) == ["ok"]
        con = sqlite3.connect(copy)
        notes = con.execute("SELECT notes FROM customers WHERE id = 1").fetchone()[0]
        contacts = con.execute("SELECT count(*) FROM interactions").fetchone()[0]
        con.close()
        assert int(notes or 0) == contacts
    assert written and written[0] >= 20


def test_restore_round_trip_keeps_replaced_file(cli, isolated, tmp_path):
    cli("add", "Ann Lee")
    cli("backup", tmp_path / "b.db")
    cli("add", "Added Later")
    res = cli("restore", tmp_path / "b.db", "--yes")
    assert "Restored" in res.stdout and "(1 customer)" in res.stdout
    assert [c["name"] for c in cli.json("list")] == ["Ann Lee"]
    kept = list(isolated.parent.glob("test.db.replaced-*"))
    assert len(kept) == 1 and kept[0].name in res.stdout
    assert _names(kept[0]) == ["Ann Lee", "Added Later"]  # nothing lost, including the WAL
    assert stat.S_IMODE(isolated.stat().st_mode) == 0o600
    assert not list(isolated.parent.glob("*.restoring-*"))
    cli("check")


def test_restore_asks_first(cli, isolated, tmp_path, snapshot):
    cli("add", "Ann Lee")
    cli("backup", tmp_path / "b.db")
    cli("add", "Added Later")
    before = snapshot()
    res = cli("restore", tmp_path / "b.db", input="n\n", code=1)
    assert "Replace" in res.stdout
    assert snapshot() == before
    assert not list(isolated.parent.glob("test.db.replaced-*"))


def _refused(cli, isolated, snapshot, candidate: Path, message: str) -> None:
    before = snapshot()
    res = cli("restore", candidate, "--yes", code=1)
    assert message in res.stderr, res.stderr
    assert res.stderr.count("\n") == 1  # one line, no traceback
    assert snapshot() == before
    assert not list(isolated.parent.glob("test.db.replaced-*"))
    assert not list(isolated.parent.glob("test.db.restoring-*"))


def test_restore_refuses_bad_candidates(cli, isolated, tmp_path, snapshot):
    cli("add", "Ann Lee")
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, just words " * 10)
    _refused(cli, isolated, snapshot, text, "is not a SQLite database")
    _refused(cli, isolated, snapshot, tmp_path / "missing.db", "no file at")

    plain = tmp_path / "plain.db"
    con = sqlite3.connect(plain)
    con.execute("CREATE TABLE things (x)")
    con.close()
    _refused(cli, isolated, snapshot, plain, "is not a custtrack database")

    newer = tmp_path / "newer.db"
    cli("backup", newer)
    con = sqlite3.connect(newer)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    _refused(cli, isolated, snapshot, newer, "written by a newer custtrack (schema 9999")

    broken = tmp_path / "broken.db"
    cli("backup", broken)
    corrupt_index(broken, "ix_customers_name", b"Ann Lee")
    _refused(cli, isolated, snapshot, broken, "is damaged")

    res = cli("restore", isolated, "--yes", code=2)
    assert "the database in use" in res.stderr


def test_restore_migrates_an_older_backup(cli, isolated, tmp_path):
    old = tmp_path / "old.db"
    eng = sa.create_engine(f"sqlite:///{old}")
    db.upgrade(eng, "0001")
    with eng.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO customers (name, status, created_at, updated_at) "
            f"VALUES ('From 0001', 'active', '{TS}', '{TS}')"
        )
        conn.exec_driver_sql(
            "INSERT INTO interactions (customer_id, at, channel, summary, created_at) "
            f"VALUES (1, '{TS}', 'phone', 'old call', '{TS}')"
        )
    eng.dispose()
    cli("add", "Current")
    res = cli("restore", old, "--yes")
    assert f"from schema 0001 to {HEAD}" in res.stdout
    con = sqlite3.connect(isolated)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD
    con.close()
    assert [c["name"] for c in cli.json("list")] == ["From 0001"]
    shown = cli.json("show", "1")
    assert [t["detail"] for t in shown["timeline"]] == ["old call"]  # contacts survived
    assert shown["last_contact"] == "2026-11-19T10:00:00+08:00"  # filled by the migration
    cli("check")


def test_restore_into_an_empty_place(cli, isolated, tmp_path):
    cli("add", "Ann Lee")
    cli("backup", tmp_path / "b.db")
    db.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{isolated}{suffix}").unlink(missing_ok=True)
    res = cli("restore", tmp_path / "b.db", "--yes")
    assert "kept as" not in res.stdout
    assert _names(isolated) == ["Ann Lee"]


def test_restore_over_an_unreadable_database(cli, isolated, tmp_path):
    cli("add", "Ann Lee")
    cli("backup", tmp_path / "b.db")
    db.dispose()
    Path(f"{isolated}-wal").unlink(missing_ok=True)
    isolated.write_bytes(b"garbage, the disk died " * 500)
    res = cli("restore", tmp_path / "b.db", "--yes")
    kept = list(isolated.parent.glob("test.db.replaced-*"))
    assert len(kept) == 1 and kept[0].name in res.stdout
    assert kept[0].read_bytes().startswith(b"garbage")  # set aside as it was
    assert _names(isolated) == ["Ann Lee"]
