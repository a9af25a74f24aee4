"""check: SQLite's own checks plus custtrack's invariants, each problem made with raw SQL."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from test_backup import corrupt_index

from custtrack import db

TS = "2026-11-19 02:00:00.000000"


_template: list[Path] = []


@pytest.fixture
def seeded(cli, isolated, tmp_path_factory) -> Path:
    """A database with a bit of everything; built once, then copied (keeps the module fast)."""
    if not _template:
        _seed(cli)
        db.dispose()
        keep = tmp_path_factory.mktemp("check") / "template.db"
        shutil.copyfile(isolated, keep)
        _template.append(keep)
    else:
        shutil.copyfile(_template[0], isolated)
    return isolated


def _seed(cli) -> None:
    cli("add", "Ann Lee", "--tag", "vip")
    cli("add", "Bob Archived")
    cli("log", "Ann", "-m", "hello", "--at", "2026-11-18 10:00", "--next", "2026-11-25")
    cli("buy", "Ann", "10.50", "--at", "2026-11-18")
    cli("feedback", "Ann", "--csat", "4", "--nps", "9")
    cli("complain", "Ann", "--category", "quality", "--text", "chipped cup")
    cli("archive", "Bob")


def _sql(path, *statements: str) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("PRAGMA ignore_check_constraints = ON")  # let the damage in
    for sql in statements:
        con.execute(sql)
    con.commit()
    con.close()


def test_clean_database_passes(cli, seeded):
    res = cli("check")
    assert "All checks passed" in res.stdout
    assert cli.json("check") == {"ok": True, "problems": []}


CASES = [
    (
        "orphan-purchases",
        "purchases belong to no customer",
        "INSERT INTO purchases (id, customer_id, at, qty, amount_minor, currency, created_at) "
        f"VALUES (50, 99, '{TS}', 1, 100, 'USD', '{TS}')",
    ),
    (
        "orphan-interactions",
        "contacts belong to no customer",
        "INSERT INTO interactions (id, customer_id, at, channel, created_at) "
        f"VALUES (50, 99, '{TS}', 'phone', '{TS}')",
    ),
    (
        "orphan-feedback",
        "feedback entries belong to no customer",
        f"INSERT INTO feedback (id, customer_id, at, csat, created_at) VALUES (50, 99, '{TS}', 3, "
        f"'{TS}')",
    ),
    (
        "orphan-complaints",
        "complaints belong to no customer",
        "INSERT INTO complaints (id, customer_id, category, priority, status, opened_at, "
        f"updated_at) VALUES (50, 99, 'price', 'normal', 'open', '{TS}', '{TS}')",
    ),
    (
        "orphan-followups",
        "follow-ups belong to no customer",
        "INSERT INTO followups (id, customer_id, due_date, status, origin, priority, created_at) "
        f"VALUES (50, 99, '2026-11-30', 'open', 'manual', 'normal', '{TS}')",
    ),
    (
        "followup-archived-customer",
        "open follow-ups are planned for archived customers",
        "INSERT INTO followups (id, customer_id, due_date, status, origin, priority, created_at) "
        f"VALUES (50, 2, '2026-11-30', 'open', 'manual', 'normal', '{TS}')",
    ),
    (
        "negative-amount",
        "purchases have a negative amount",
        "UPDATE purchases SET id = 50, amount_minor = -500",
    ),
    ("bad-quantity", "purchases have a quantity below 1", "UPDATE purchases SET id = 50, qty = 0"),
    ("csat-range", "CSAT outside 1-5", "UPDATE feedback SET id = 50, csat = 9"),
    ("nps-range", "NPS outside 0-10", "UPDATE feedback SET id = 50, nps = 11"),
    (
        "last-contact",
        "last-contact time that differs from their latest contact",
        "UPDATE customers SET id = 50 WHERE id = 2; "
        "UPDATE customers SET last_contact_at = '2026-11-19 02:00:00.000000' WHERE id = 50",
    ),
    (
        "complaint-resolved-at",
        "resolved complaints have no resolution time",
        "UPDATE complaints SET id = 50, status = 'resolved', resolution = 'refund'",
    ),
    (
        "followup-closed-at",
        "closed follow-ups (done or cancelled) have no closing time",
        "UPDATE followups SET id = 50, status = 'done', closed_at = NULL",
    ),
    (
        "erased-personal-data",
        "erased customers still carry a phone",
        f"UPDATE customers SET id = 50, erased_at = '{TS}', phone = '+8613800138000' WHERE id = 2",
    ),
    (
        "customer-status",
        "customers have an unknown status",
        "UPDATE customers SET id = 50 WHERE id = 2; "
        "UPDATE customers SET status = 'gone' WHERE id = 50",
    ),
    (
        "foreign-key:customer_tags",
        "tag links refer to a tag that does not exist",
        "DELETE FROM tags",
    ),
]


@pytest.mark.parametrize(("name", "message", "sql"), CASES, ids=[c[0] for c in CASES])
def test_each_problem_is_named(cli, seeded, name, message, sql):
    _sql(seeded, *sql.split("; "))
    res = cli("check", code=1)
    assert message.lower() in res.stdout.lower(), res.stdout
    assert "All checks passed" not in res.stdout
    data = cli("check", "-f", "json", code=1)
    report = json.loads(data.stdout)
    assert report["ok"] is False
    found = {p["check"]: p for p in report["problems"]}
    assert name in found, found
    if name != "foreign-key:customer_tags":
        assert 50 in found[name]["examples"]  # the offending row's id


def test_last_contact_missing_altogether(cli, seeded):
    _sql(seeded, "UPDATE customers SET last_contact_at = NULL")
    report = json.loads(cli("check", "-f", "json", code=1).stdout)
    assert [p["check"] for p in report["problems"]] == ["last-contact"]
    assert report["problems"][0]["examples"] == [1]


def test_damaged_file_is_reported(cli, seeded):
    corrupt_index(seeded, "ix_customers_name", b"Ann Lee")
    res = cli("check", code=1)
    assert "SQLite reports damage in the file" in res.stdout
    assert "missing from index" in res.stdout
    # quick_check does not read index contents: it passes the same file
    assert cli.json("check", "--quick") == {"ok": True, "problems": []}


def test_not_a_database(cli, isolated):
    isolated.write_bytes(b"this is a text file, not a database " * 200)
    res = cli("check", code=1)
    assert res.stderr.startswith("Error: ")
    assert "not a database" in res.stderr or "cannot be read" in res.stderr
    assert res.stderr.count("\n") == 1  # one line, no traceback
