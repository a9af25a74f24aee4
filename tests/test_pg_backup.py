"""backup and restore on PostgreSQL (issue 13.8): pg_dump -Fc and pg_restore --clean in one
transaction, checked as the SQLite path checks its copies; a SQLite backup is refused by a
PostgreSQL database and a PostgreSQL backup by a SQLite file, each in one line."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from custtrack import db
from custtrack.migrations import HEAD
from custtrack.services import pg_backup

pytestmark = pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")
on_postgresql = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


def _names(cli) -> list[str]:
    return [c["name"] for c in cli.json("list", "--sort", "id")]


def _day(cli) -> None:
    cli("add", "Ann Lee", "--phone", "+8613900000001")
    cli("add", "王芳", "--tag", "vip")
    cli("buy", "Ann Lee", "268", "-p", "Longjing")
    cli("log", "王芳", "-c", "wechat", "-m", "asked about the new tea")


@pytest.mark.both_engines
def test_backup_and_restore_round_trip(cli, engine, tmp_path, isolated) -> None:
    _day(cli)
    target = tmp_path / ("b.dump" if engine == "postgresql" else "b.db")
    res = cli("backup", target)
    assert res.stdout.startswith(f"✓ Backed up to {target} (")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    magic = b"PGDMP" if engine == "postgresql" else b"SQLite format 3"
    assert target.read_bytes().startswith(magic)
    assert not list(tmp_path.glob(".*.part"))
    before = cli.json("show", "Ann Lee")

    cli("add", "Bo Chen")
    cli("buy", "Ann Lee", "99", "-p", "Gaiwan")
    res = cli("restore", target, "--yes")
    assert res.stdout.splitlines()[-1] == f"✓ Restored {target} (2 customers)"
    assert _names(cli) == ["Ann Lee", "王芳"]
    assert cli.json("show", "Ann Lee") == before
    assert cli.json("check")["ok"] is True
    kept = next(line for line in res.stdout.splitlines() if "kept as" in line).split(" as ")[1]
    if engine == "postgresql":  # the replaced database, dumped beside the backup first
        assert Path(kept).parent == tmp_path.resolve()
        assert Path(kept).name.startswith("custtrack-replaced-")
        assert Path(kept).read_bytes().startswith(b"PGDMP")
    else:
        assert Path(kept) == isolated.with_name(Path(kept).name)
    cli("add", "Cai Wen")  # the restored database takes writes, its ids continue
    assert cli.json("list", "--search", "Cai")[0]["id"] == 3


@on_postgresql
def test_restore_asks_first_and_checks_the_file(cli, tmp_path, snapshot) -> None:
    _day(cli)
    good = tmp_path / "good.dump"
    cli("backup", good)
    before = snapshot()
    res = cli("restore", good, input="n\n", code=1)
    assert f"Replace {db.display(os.environ['CUSTTRACK_DB'])} with {good} (2 customers)?" in (
        res.stdout
    )
    assert snapshot() == before

    cut = tmp_path / "cut.dump"
    cut.write_bytes(good.read_bytes()[:2000])
    res = cli("restore", cut, "--yes", code=1)
    assert res.stderr.startswith(f"Error: {cut} cannot be read (") and res.stderr.count("\n") == 1
    text = tmp_path / "notes.dump"
    text.write_text("hello")
    res = cli("restore", text, "--yes", code=1)
    assert res.stderr == (
        f"Error: {text} is not a backup made by custtrack backup on PostgreSQL (pg_dump's custom "
        "format); nothing was changed\n"
    )
    res = cli("restore", tmp_path / "none.dump", "--yes", code=1)
    assert res.stderr == f"Error: no file at {tmp_path / 'none.dump'}\n"
    assert snapshot() == before


@pytest.mark.both_engines
def test_a_backup_of_the_other_engine_is_refused_in_one_line(
    cli, engine, tmp_path, snapshot
) -> None:
    """A SQLite file into PostgreSQL, a pg_dump file into SQLite: one line, nothing changed."""
    _day(cli)
    if engine == "postgresql":
        other = tmp_path / "other.db"  # a SQLite backup, made by custtrack
        cli("--db", tmp_path / "lite.db", "add", "Someone")
        cli("--db", tmp_path / "lite.db", "backup", other)
    else:
        other = tmp_path / "other.dump"  # the start of pg_dump's custom format
        other.write_bytes(b"PGDMP\x01\x0e\x00\x04\x08\x01\x01\x01" + bytes(64))
    before = snapshot()
    res = cli("restore", other, "--yes", code=1)
    if engine == "postgresql":
        assert res.stderr == (
            f"Error: {other} is a backup of a SQLite database and cannot be restored into "
            "PostgreSQL; restore it with --db pointing at a SQLite file. Nothing was changed\n"
        )
    else:
        assert res.stderr == (
            f"Error: {other} is a backup of a PostgreSQL database (pg_dump) and cannot be "
            "restored into a SQLite file; restore it with --db pointing at a PostgreSQL "
            "database. Nothing was changed\n"
        )
    assert snapshot() == before


@on_postgresql
def test_the_password_goes_through_pgpassword_never_the_command_line(
    cli, tmp_path, monkeypatch
) -> None:
    cli("add", "Ann Lee")
    url = sa.engine.make_url(os.environ["CUSTTRACK_DB"]).set(password="s3cret-pw")
    monkeypatch.setenv("CUSTTRACK_DB", url.render_as_string(hide_password=False))
    seen: list[tuple[list[str], dict[str, str]]] = []
    real = subprocess.run

    def spy(argv, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append((list(argv), dict(kw.get("env") or {})))
        return real(argv, *args, **kw)

    monkeypatch.setattr(pg_backup.subprocess, "run", spy)
    res = cli("backup", tmp_path / "b.dump")  # the test server trusts, so any password does
    assert "s3cret-pw" not in res.stdout + res.stderr
    cli("restore", tmp_path / "b.dump", "--yes")
    tools = [(argv, env) for argv, env in seen if Path(argv[0]).name in ("pg_dump", "pg_restore")]
    assert {Path(a[0]).name for a, _ in tools} == {"pg_dump", "pg_restore"}
    for argv, _env in tools:
        assert not any("s3cret-pw" in a for a in argv), argv
    connecting = [(argv, env) for argv, env in tools if any("--dbname=" in a for a in argv)]
    assert len(connecting) == 3  # the backup, the replaced database kept, the restore
    for argv, env in connecting:
        assert not any("s3cret-pw" in a for a in argv), argv
        assert env["PGPASSWORD"] == "s3cret-pw"
        assert "lock_timeout" in env["PGOPTIONS"]


@on_postgresql
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_without_pg_dump_it_says_what_to_install(cli, tmp_path, monkeypatch, lang) -> None:
    if lang == "zh":
        monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setattr(pg_backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(pg_backup, "BIN_DIRS", str(tmp_path / "no-postgresql/*/bin"))
    res = cli("backup", tmp_path / "b.dump", code=1)
    if lang == "en":
        assert res.stderr == (
            "Error: pg_dump is not installed, and custtrack backs up and restores a PostgreSQL "
            "database with it: install PostgreSQL's client tools (Debian, Ubuntu: apt-get "
            "install postgresql-client; macOS: brew install libpq), or use your server's own "
            "backups\n"
        )
    else:
        assert res.stderr.startswith("错误：") and "pg_dump" in res.stderr
        assert "apt-get install postgresql-client" in res.stderr
        assert res.stderr.count("\n") == 1
    assert not list(tmp_path.glob("*.dump")) and not list(tmp_path.glob(".*.part"))


def test_tools_are_found_on_path_or_in_debians_folders(tmp_path, monkeypatch) -> None:
    for version in ("13", "15", "9.6"):
        folder = tmp_path / "lib" / version / "bin"
        folder.mkdir(parents=True)
        (folder / "pg_dump").write_text("")
    monkeypatch.setattr(pg_backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(pg_backup, "BIN_DIRS", str(tmp_path / "lib/*/bin"))
    assert pg_backup.tool("pg_dump") == str(tmp_path / "lib/15/bin/pg_dump")  # the newest
    monkeypatch.setattr(pg_backup.shutil, "which", lambda name: f"/opt/bin/{name}")
    assert pg_backup.tool("pg_dump") == "/opt/bin/pg_dump"


@on_postgresql
def test_restore_of_an_older_backup_into_a_newer_database(cli, pg_server, tmp_path) -> None:
    """A backup at schema 0007 restored over a database at HEAD, whose newer tables and trigger
    functions the backup does not have: the backup's data, upgraded to HEAD."""
    old_url = pg_server.create(migrated=False)
    eng = db.bare_engine(old_url)
    try:
        db.upgrade(eng, "0007")
        with eng.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO customers (id, name, status, created_at, updated_at) VALUES "
                "(1, 'Old Ann', 'active', now(), now()), (2, 'Old Bo', 'active', now(), now())"
            )
            conn.exec_driver_sql(
                "INSERT INTO purchases (customer_id, at, qty, amount_minor, currency, created_at)"
                " VALUES (1, now(), 1, 2147483647, 'USD', now())"
            )
            conn.exec_driver_sql("SELECT setval('customers_id_seq', 2)")
    finally:
        eng.dispose()
    old = tmp_path / "old.dump"
    pg_backup._dump(old_url, old)
    pg_server.drop(old_url)

    _day(cli)  # the database in use, at HEAD
    res = cli("restore", old, "--yes")
    assert f"Upgraded the restored data from schema 0007 to {HEAD}" in res.stdout
    assert res.stdout.splitlines()[-1] == f"✓ Restored {old} (2 customers)"
    assert _names(cli) == ["Old Ann", "Old Bo"]
    assert cli.json("check")["ok"] is True
    cli("buy", "Old Bo", "99,999,999.99")  # 0008 ran: amounts are 64-bit again
    assert cli.json("show", "Old Bo")["summary"]["spend_minor"] == 9_999_999_999
    with db.engine().connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD
    db.dispose()


@on_postgresql
def test_a_backup_from_a_newer_custtrack_is_refused(cli, tmp_path, snapshot) -> None:
    _day(cli)
    with db.engine().begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    db.dispose()
    newer = tmp_path / "newer.dump"
    pg_backup._dump(os.environ["CUSTTRACK_DB"], newer)
    with db.bare_engine(os.environ["CUSTTRACK_DB"]).begin() as conn:
        conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{HEAD}'")
    db.dispose()
    before = snapshot()
    res = cli("restore", newer, "--yes", code=1)
    assert res.stderr == (
        f"Error: {newer} was written by a newer custtrack (schema 9999; this version knows up "
        f"to {HEAD}); upgrade custtrack first. Nothing was changed\n"
    )
    assert snapshot() == before
