"""forget: erase a person everywhere (or purge), keep anonymous amounts, leave no bytes behind."""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

import pytest

from custtrack import db
from custtrack.models import Merge
from custtrack.services import erase


def _person(cli, secret: str) -> None:
    """Customer #1 carries SECRET in every free-text place; #2 is a bystander."""
    cli("add", f"Wang {secret}", "--phone", "+86 138 0013 8000", "--email", "wang@example.com",
        "--wechat", f"wx{secret}", "--address", f"{secret} Road 1", "--company", f"{secret} Ltd",
        "--birthday", "1985-03-12", "--notes", f"notes {secret}", "--tag", "vip",
        "--tag", f"t{secret[:8]}")  # fmt: skip
    cli("add", "Bystander Li", "--phone", "+86 139 0013 9000", "--tag", "vip")
    cli("log", "Wang", "-m", f"summary {secret}", "--outcome", f"outcome {secret}", "--at",
        "2026-11-18 10:00", "--next", "2026-11-30", "--next-note", f"note {secret}")  # fmt: skip
    cli("buy", "Wang", "120.50", "--product", "Longjing", "--at", "2026-11-18", "--order-ref", "A1")
    cli("refund", "1", "--amount", "20.50", "-m", f"refund {secret}")  # purchase #2: why is text
    cli("buy", "Bystander", "30", "--at", "2026-11-18")
    cli("feedback", "Wang", "--csat", "2", "--nps", "3", "--text", f"feedback {secret}")
    cli("complain", "Wang", "--category", "quality", "--text", f"complaint {secret}")
    cli("resolve", "1", "--resolution", f"resolution {secret}")
    with db.session(write=True) as s:
        s.add(Merge(kept_id=1, merged_id=9, merged_snapshot=f'{{"name": "{secret}"}}'))
    db.dispose()


def _raw(path: Path) -> bytes:
    """The bytes of the database file and of its WAL, if any."""
    data = path.read_bytes()
    wal = Path(f"{path}-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def _forget_with_reader_open(cli, isolated: Path, *args: str):
    """Run forget while another connection keeps the database (and its WAL file) open, as a
    second custtrack process would; otherwise closing the last connection removes the WAL."""
    reader = sqlite3.connect(isolated)
    try:
        reader.execute("SELECT count(*) FROM customers").fetchone()
        assert Path(f"{isolated}-wal").exists()
        res = cli("forget", *args)
        return res, _raw(isolated)
    finally:
        reader.close()


SECRET = uuid.uuid4().hex  # unique to this test run


@pytest.fixture
def secret(cli, prebuilt) -> str:
    """Customer #1 full of SECRET (built once, then copied: keeps the module fast)."""
    prebuilt("forget-secret", lambda: _person(cli, SECRET))
    return SECRET


def test_forget_erases_text_everywhere_and_keeps_amounts(cli, isolated, secret):
    spend_before = sum(float(c["spend"]) for c in cli.json("list"))
    assert secret.encode() in _raw(isolated)  # the test can fail
    res, raw = _forget_with_reader_open(cli, isolated, "Wang", "--yes")
    assert "Erased customer #1" in res.stdout
    kept = "kept anonymously: 1 contact, 2 purchases, 1 feedback entry, 1 complaint, 1 follow-up"
    assert kept in res.stdout
    assert secret.encode() not in raw
    assert secret.encode() not in _raw(isolated)
    assert b"wang@example.com" not in raw and b"+8613800138000" not in raw

    data = cli.json("export", "--customer", "1")
    c = data["customer"]
    assert c["name"] == "Erased customer #1"
    for key in ("phone", "email", "wechat", "address", "company", "birthday", "notes", "city"):
        assert c[key] is None, key
    assert c["erased_at"] and c["status"] == "archived" and c["tags"] == []
    assert data["purchases"][0]["amount"] == "120.50"
    assert data["purchases"][0]["product"] == "Longjing"  # products are not personal
    refund = data["purchases"][1]  # the refund stays, without its reason
    assert (refund["amount"], refund["refund_of"], refund["note"]) == ("-20.50", 1, None)
    assert data["interactions"][0]["summary"] is None
    assert data["interactions"][0]["at"] == "2026-11-18T10:00:00+08:00"
    assert data["feedback"][0]["text"] is None and data["feedback"][0]["csat"] == 2
    assert data["complaints"][0]["text"] is None and data["complaints"][0]["resolution"] is None
    assert data["followups"][0]["note"] is None and data["followups"][0]["status"] == "cancelled"
    assert data["merges"][0]["merged_snapshot"] == {}
    # the KPIs still add up
    everyone = cli.json("list") + cli.json("list", "--archived")
    assert sum(float(c["spend"]) for c in everyone) == spend_before
    # the bystander is untouched, and the shared tag survives; the personal one is gone
    assert cli.json("show", "Bystander")["tags"] == ["vip"]
    tags = [t["tag"] for t in cli.json("export", "tags", "-f", "json")]
    assert tags == ["vip"]
    cli("check")


def test_forget_remembers_only_salted_hashes(cli, isolated, secret):
    cli("forget", "1", "--yes")
    con = sqlite3.connect(isolated)
    salt = con.execute("SELECT value FROM meta WHERE key = 'erase_salt'").fetchone()[0]
    digests = con.execute("SELECT kind, digest FROM erased_identities ORDER BY kind").fetchall()
    con.close()
    assert len(salt) == 64
    assert [k for k, _ in digests] == ["email", "phone"]
    assert b"13800138000" not in isolated.read_bytes()
    with db.session() as s:
        assert erase.erased_match(s, "+8613800138000", None) == "phone"
        assert erase.erased_match(s, None, "WANG@example.com") == "email"
        assert erase.erased_match(s, "+8613900139000", "li@example.com") is None
    db.dispose()


@pytest.mark.both_engines
def test_erased_match_without_any_erasure(cli):
    cli("add", "Ann")
    with db.session() as s:
        assert erase.erased_match(s, "+8613800138000", "a@example.com") is None
    db.dispose()


def test_purge_deletes_rows_and_bytes(cli, isolated, secret, snapshot):
    res, raw = _forget_with_reader_open(cli, isolated, "1", "--purge", "--yes")
    assert "Deleted customer #1" in res.stdout
    assert secret.encode() not in raw
    tables = snapshot()
    assert [r[1] for r in tables["customers"]] == ["Bystander Li"]
    for table in ("interactions", "feedback", "complaints", "followups", "merges"):
        assert tables[table] == [], table
    assert len(tables["purchases"]) == 1  # the bystander's
    assert len(tables["erased_identities"]) == 2
    cli("check")


@pytest.mark.both_engines
def test_purge_after_anonymising(cli, isolated, secret):
    cli("forget", "1", "--yes")
    res = cli("forget", "1")  # no question: nothing personal is left, only compacts again
    assert "already erased on 2026-11-" in res.stdout and "--purge" in res.stdout
    cli("forget", "1", "--purge", "--yes")
    assert [c["name"] for c in cli.json("list", "--archived")] == []


@pytest.mark.both_engines
def test_forget_asks_and_changes_nothing_when_refused(cli, secret, snapshot):
    before = snapshot()
    res = cli("forget", "Wang", input="n\n", code=1)
    assert "cannot be undone" in res.stdout
    assert snapshot() == before
    res = cli("forget", "Nobody", "--yes", code=1)
    assert res.stderr.startswith("Error: no customer matches 'Nobody'")
    assert snapshot() == before


@pytest.mark.both_engines
def test_adding_a_forgotten_person_again_needs_force(cli, snapshot) -> None:
    cli("add", "Zhao Lei", "--phone", "+86 139 1234 5678", "--email", "zl@example.com")
    cli("forget", "1", "--yes")
    before = snapshot()
    result = cli("add", "Zhao L.", "--email", "ZL@example.com", code=1)
    assert "asked to be forgotten" in result.stderr and "--force" in result.stderr
    assert snapshot() == before
    cli("add", "Zhao L.", "--email", "zl@example.com", "--force")
    assert len(cli.json("list")) == 1  # the erased record is archived; only the new one is listed


# --- PostgreSQL -----------------------------------------------------------------------------------


def _pg_text(url: str) -> tuple[str, list[Path]]:
    """Every row of every table as text, and the files of every table and index of the database
    (when the server's data folder can be read here, as with the tests' own cluster)."""
    import sqlalchemy as sa

    eng = sa.create_engine(url)
    try:
        with eng.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            rows = [
                r[0] for t in tables for r in conn.exec_driver_sql(f'SELECT "{t}"::text FROM "{t}"')
            ]
            home = Path(conn.exec_driver_sql("SHOW data_directory").scalar())
            files = [
                home / r[0]
                for r in conn.exec_driver_sql(
                    "SELECT pg_relation_filepath(c.oid) FROM pg_class c JOIN pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
                    "AND c.relkind IN ('r', 'i', 't')"
                )
            ]
    finally:
        eng.dispose()
    return "\n".join(rows), files


@pytest.mark.parametrize("purge", [False, True])
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_forget_on_postgresql_leaves_the_text_in_no_table_and_no_file(
    cli, secret, purge, pg_server
):
    """The rows, and then the tables' files: VACUUM FULL wrote them anew without the old row
    versions an UPDATE or DELETE leaves behind (the server's WAL still has them, as said)."""
    url = os.environ["CUSTTRACK_DB"]
    pg_server.settle()  # no transaction elsewhere on the server: see the next test
    before, files = _pg_text(url)
    assert secret in before and "wang@example.com" in before  # the test can fail
    res = cli("forget", "Wang", "--yes", *(["--purge"] if purge else []))
    assert "VACUUM FULL" in res.stdout and "Warning" not in res.stdout + res.stderr
    after, files = _pg_text(url)
    for gone in (secret, "wang@example.com", "+8613800138000", secret[:8]):
        assert gone not in after, gone
    assert "Bystander Li" in after and ("Longjing" in after) is not purge  # the rest is kept
    readable = [f for f in files if os.access(f, os.R_OK)]
    if not readable:
        pytest.skip("the server's data folder cannot be read here: the rows were checked")
    data = b"".join(f.read_bytes() for f in readable)
    assert b"Bystander Li" in data  # the files were read
    assert secret.encode() not in data and b"wang@example.com" not in data


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_forget_on_postgresql_says_when_a_reader_keeps_the_old_rows(cli, secret, pg_server):
    """A transaction still reading the tables may see the old rows, so VACUUM FULL keeps them:
    forget says so, and running it again once the reader is gone finishes the job."""
    import sqlalchemy as sa

    url = os.environ["CUSTTRACK_DB"]
    pg_server.settle()
    reader = sa.create_engine(url)
    conn = reader.connect()
    try:
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        conn.exec_driver_sql("SELECT count(*) FROM customers").scalar()  # its snapshot
        res = cli("forget", "Wang", "--yes")
        warning = " ".join(res.stderr.split())
        assert "Erased customer #1" in res.stdout
        assert warning.startswith("Warning: the old versions of the erased rows are still in")
        assert "run `custtrack forget 1` again later" in warning
    finally:
        conn.close()
        reader.dispose()
    res = cli("forget", "1")
    assert "already erased" in res.stdout and res.stderr == ""
    after, files = _pg_text(url)
    assert secret not in after
    readable = [f for f in files if os.access(f, os.R_OK)]
    if readable:
        assert secret.encode() not in b"".join(f.read_bytes() for f in readable)
