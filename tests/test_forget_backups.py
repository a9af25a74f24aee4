"""Issue 17.13: `forget` lists the custtrack backups that still hold the person, and erases them
there too with --include-backups (SQLite backups in place; PostgreSQL dumps listed only)."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from custtrack.services import erase

SECRET = "Quxiaoyu7731"
PHONE = b"+8613800138000"


def _raw(path: Path) -> bytes:
    """The bytes of a file and of its -wal, if any."""
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _person(cli) -> None:
    cli("add", f"Wang {SECRET}", "--phone", "+86 138 0013 8000", "--notes", f"n {SECRET}")
    cli("add", "Bystander Li")
    cli("log", "Wang", "-m", f"summary {SECRET}")


def _backups(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith("custtrack-"))


def _sqlite_backups(cli, isolated: Path) -> tuple[Path, Path]:
    """A backup (custtrack-…db) and the file restore keeps (test.db.replaced-…), both holding
    the person."""
    _person(cli)
    cli("backup")
    (bak,) = _backups(isolated.parent)
    cli("restore", bak, "--yes")
    (kept,) = isolated.parent.glob("test.db.replaced-*")
    for path in (bak, kept):
        assert SECRET.encode() in _raw(path)
    return bak, kept


def test_without_the_flag_the_backups_are_listed(cli, isolated) -> None:
    bak, kept = _sqlite_backups(cli, isolated)
    out = cli("forget", "Wang", "--yes").stdout
    assert "2 backups still hold customer #1:" in out
    assert str(bak) in out and str(kept) in out
    assert "custtrack forget 1 --include-backups" in out
    # a backup taken before forget still holds the name
    assert SECRET.encode() in _raw(bak) and SECRET.encode() in _raw(kept)
    assert SECRET.encode() not in _raw(isolated)


def test_include_backups_scrubs_them_in_place(cli, isolated) -> None:
    bak, kept = _sqlite_backups(cli, isolated)
    out = cli("forget", "Wang", "--yes", "--include-backups").stdout
    assert f"Erased customer #1 from the backup {bak}" in out
    assert f"Erased customer #1 from the backup {kept}" in out
    for path in (bak, kept):
        data = _raw(path)
        assert SECRET.encode() not in data and PHONE not in data
        assert not Path(f"{path}-wal").exists()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        con = sqlite3.connect(path)
        try:
            sql = "SELECT name, erased_at FROM customers WHERE id = 1"
            name, erased = con.execute(sql).fetchone()
            bystander = con.execute("SELECT name FROM customers WHERE id = 2").fetchone()
        finally:
            con.close()
        assert name == "Erased customer #1" and erased is not None
        assert bystander == ("Bystander Li",)
    # nothing is left to list
    assert "still hold" not in cli("forget", "1", "--yes").stdout


def test_an_already_erased_customer_can_be_scrubbed_from_backups_later(cli, isolated) -> None:
    bak, _kept = _sqlite_backups(cli, isolated)
    cli("forget", "Wang", "--yes")
    assert SECRET.encode() in _raw(bak)
    out = cli("forget", "1", "--yes", "--include-backups").stdout
    assert "already erased" in out and "from the backup" in out
    assert SECRET.encode() not in _raw(bak)


def test_purge_deletes_them_from_backups(cli, isolated) -> None:
    bak, _kept = _sqlite_backups(cli, isolated)
    cli("forget", "Wang", "--yes", "--purge", "--include-backups")
    con = sqlite3.connect(bak)
    try:
        assert con.execute("SELECT count(*) FROM customers WHERE id = 1").fetchone() == (0,)
    finally:
        con.close()
    assert SECRET.encode() not in _raw(bak)


def test_backups_without_the_person_are_not_listed(cli, isolated) -> None:
    cli("add", "Bystander Li")
    cli("backup")
    cli("add", f"Wang {SECRET}")  # after the backup: not in it
    out = cli("forget", "Wang", "--yes").stdout
    assert "still hold" not in out
    assert erase.backups_holding(2, isolated, ()) == []


def test_other_files_are_left_alone(cli, isolated) -> None:
    _person(cli)
    other = isolated.parent / "custtrack-notes.db"
    other.write_bytes(b"not a backup " + SECRET.encode())
    cli("forget", "Wang", "--yes", "--include-backups")
    assert other.read_bytes() == b"not a backup " + SECRET.encode()


@pytest.mark.both_engines
def test_backups_of_either_engine(cli, isolated, engine, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # where `backup` puts a PostgreSQL dump
    _person(cli)
    cli("backup")
    (bak,) = _backups(tmp_path)
    res = cli("forget", "Wang", "--yes", "--include-backups")
    if engine == "postgresql":
        assert bak.suffix == ".dump"
        assert str(bak) in res.stdout
        assert "a PostgreSQL dump (.dump) cannot be changed, only deleted" in res.stderr
    else:
        assert f"from the backup {bak}" in res.stdout
        assert SECRET.encode() not in _raw(bak)


def test_forget_backups_in_chinese(cli, isolated, monkeypatch) -> None:
    _sqlite_backups(cli, isolated)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    out = cli("forget", "Wang", "--yes").stdout
    assert "2 个备份仍含有客户 #1：" in out and "--include-backups" in out
    out = cli("forget", "1", "--yes", "--include-backups").stdout
    assert "已在备份" in out
