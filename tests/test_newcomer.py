"""What a newcomer tripped over (issue 17): the data in the -wal file (17.1), follow-ups planned
in the past (17.3), snoozed follow-ups and the look-ahead (17.4), and --db typos (17.6)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from custtrack import db
from custtrack.cli import _past
from custtrack.i18n import days_from_now

# --- 17.1: the database file alone holds the data -----------------------------------------------


def _run(dbfile: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """custtrack as its own process, as a person runs it (the end of the process matters)."""
    env = {**os.environ, "CUSTTRACK_DB": str(dbfile)}
    return subprocess.run(
        [sys.executable, "-m", "custtrack", *args], env=env, input=stdin, capture_output=True,
        text=True, check=True,
    )  # fmt: skip


def _count(path: Path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def test_after_add_buy_and_import_a_copy_of_the_db_file_alone_has_every_row(
    tmp_path: Path,
) -> None:
    shop = tmp_path / "a.db"
    sheet = tmp_path / "customers.csv"
    sheet.write_text("name,phone\nLi Lei,+8613900139000\nChen Jie,+8613700137000\n")
    steps = [
        (("add", "Wang Fang", "--phone", "+8613800138000"), {"customers": 1}),
        (("buy", "Wang Fang", "268"), {"purchases": 1}),
        (("import", "customers", str(sheet)), {"customers": 3}),
        (("log", "Li Lei", "-m", "asked about tea"), {"interactions": 1}),
    ]
    for n, (args, expected) in enumerate(steps):
        _run(shop, *args)
        wal = tmp_path / "a.db-wal"
        assert not wal.exists() or wal.stat().st_size == 0, args  # nothing left behind in it
        copy = tmp_path / f"copy{n}.db"
        shutil.copyfile(shop, copy)  # the .db file only, as "one file" invites
        for table, rows in expected.items():
            assert _count(copy, table) == rows, (args, table)


def test_the_checkpoint_waits_little_for_another_process_reading(tmp_path: Path) -> None:
    """A reader holding an old snapshot (another terminal's long report) cannot let the write
    be copied into the file; the command still ends at once, and the reader's own end copies
    it (SQLite checkpoints when the last connection closes)."""
    shop = tmp_path / "a.db"
    _run(shop, "add", "Ann")
    reader = sqlite3.connect(shop, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM customers").fetchone()
    _run(shop, "add", "Bo")  # would wait the busy timeout (10 s) without CHECKPOINT_WAIT_MS
    reader.execute("COMMIT")
    reader.close()
    shutil.copyfile(shop, tmp_path / "copy.db")
    assert _count(tmp_path / "copy.db", "customers") == 2


def test_close_checkpoints_only_what_this_process_wrote(cli, isolated: Path) -> None:
    cli("add", "Ann")
    with db.session() as s:  # a read: nothing to copy, nothing is written
        s.execute(sa.text("SELECT 1"))
    assert not db._written
    with db.session(write=True) as s:
        s.execute(sa.text("UPDATE customers SET city = 'X'"))
    assert db._written
    db.close()
    assert not db._written and not db._engines
    assert not (isolated.parent / "test.db-wal").exists()


# --- 17.3: a day in the past -----------------------------------------------------------------


@pytest.fixture
def ann(cli) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "tomorrow")  # follow-up #1


PLAN = "add --past to plan it anyway"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("plan", "Ann", "昨天"), f"2026-11-19 is in the past (1 day ago); {PLAN}"),
        (("plan", "Ann", "last friday"), f"2026-11-13 is in the past (7 days ago); {PLAN}"),
        (("log", "Ann", "--next", "昨天"), f"--next 2026-11-19 is in the past (1 day ago); {PLAN}"),
        (
            ("done", "1", "--next", "3 days ago"),
            f"--next 2026-11-17 is in the past (3 days ago); {PLAN}",
        ),
        (
            ("reschedule", "1", "2026-11-01"),
            "2026-11-01 is in the past (19 days ago); add --past to move the follow-up there",
        ),
        (
            ("snooze", "1", "前天"),
            "2026-11-18 is in the past (2 days ago); add --past to snooze until then",
        ),
    ],
)
def test_a_day_in_the_past_is_refused_in_a_script(cli, ann, snapshot, args, line) -> None:
    before = snapshot()
    result = cli(*args, code=2)
    assert result.stderr == f"Error: {line}\n"
    assert snapshot() == before  # nothing written: not the contact of `log`, nor `done`'s


def test_past_accepts_the_day(cli, ann) -> None:
    out = cli("plan", "Ann", "last friday", "--past").stdout
    assert "Planned follow-up F2 with #1 Ann on 2026-11-13" in out
    out = cli("log", "Ann", "--next", "昨天", "--past", "--keep-open").stdout
    assert "next contact planned: F3 on 2026-11-19" in out
    out = cli("reschedule", "1", "2026-11-01", "--past").stdout
    assert "to 2026-11-01" in out
    out = cli("done", "2", "--next", "前天", "--past").stdout
    assert "next contact planned: F4 on 2026-11-18" in out
    # "until yesterday": listed again at once (today, or a later day, is still refused)
    cli("snooze", "4", "昨天", "--past")
    assert "F4" in [r["key"] for r in cli.json("due")]


def test_in_a_terminal_it_asks(cli, ann, snapshot, monkeypatch) -> None:
    monkeypatch.setattr(_past, "_interactive", lambda: True)
    before = snapshot()
    no = cli("plan", "Ann", "昨天", input="n\n", code=1)
    assert "2026-11-19 is in the past (1 day ago); plan it anyway? [y/N]" in no.stdout
    assert "Aborted." in no.stderr
    assert snapshot() == before
    yes = cli("plan", "Ann", "昨天", input="y\n")
    assert "Planned follow-up F2 with #1 Ann on 2026-11-19" in yes.stdout
    moved = cli("reschedule", "1", "2026-11-01", input="y\n")
    assert "move the follow-up there anyway? [y/N]" in moved.stdout
    snoozed = cli("snooze", "1", "前天", input="y\n")
    assert "snooze until then anyway? [y/N]" in snoozed.stdout


def test_today_and_later_days_are_not_asked_about(cli, ann) -> None:
    cli("plan", "Ann", "today")
    cli("plan", "Ann", "friday")
    cli("log", "Ann", "--next", "+3d")


def test_the_weekday_rule_is_in_the_help_of_plan_and_log(cli) -> None:
    plan = " ".join(cli("plan", "--help").stdout.split())
    assert "A weekday alone is the first such day after today, never today" in plan
    assert "下周五 next week's" in plan and "--past" in plan
    log = " ".join(cli("log", "--help").stdout.split())
    assert "a weekday alone (friday, next friday, 周五) is the first such day after" in log
    assert "refused unless --past" in log


def test_the_past_question_in_chinese(cli, ann, monkeypatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    result = cli("plan", "Ann", "昨天", code=2)
    assert result.stderr == "错误：2026-11-19 已经过去（1天前）；如确要计划，请加 --past\n"


# --- 17.4: snoozed follow-ups in the look-ahead ---------------------------------------------------


@pytest.mark.both_engines
def test_a_snoozed_follow_up_is_listed_on_the_day_it_comes_back(cli) -> None:
    cli("add", "Chen")
    cli("plan", "Chen", "today")
    cli("snooze", "1", "2026-11-23")
    rows = cli.json("due", "--days", "7")
    assert [(r["key"], r["section"], r["due_date"], r["snoozed_until"]) for r in rows] == [
        ("F1", "upcoming", "2026-11-20", "2026-11-23")
    ]  # the due date does not move; the item is in the window of the day it returns
    table = cli("due", "--days", "7").stdout
    assert "Next 7 days (1)" in table and "2026-11-23" in table
    assert "Next:" not in table
    # the window ends before it comes back: the footer names it
    short = cli("due", "--days", "2").stdout
    assert "Nothing due through 2026-11-22. Next: Chen on 2026-11-23 (in 3 days)." in short
    # the day it comes back it is as late as its due date says
    back = cli.json("due", "--as-of", "2026-11-23")
    assert [(r["section"], r["days_overdue"]) for r in back] == [("overdue", 3)]


@pytest.mark.both_engines
def test_snoozed_items_read_from_the_agenda_and_computed_agree(cli) -> None:
    """`due` reads the maintained agenda; with a segment cadence (or an old day) it computes on
    read: both list a returning snoozed follow-up alike, in the same order."""
    from custtrack.services import agenda, due

    for name in ("Ann", "Bo", "Cy", "Di"):
        cli("add", name)
    cli("plan", "Ann", "2026-11-18", "--past")  # overdue, snoozed into the window
    cli("plan", "Bo", "+2d")  # due in the window, snoozed later within it
    cli("plan", "Cy", "+1d")  # snoozed past the window
    cli("plan", "Di", "+4d", "--priority", "urgent")
    cli("snooze", "1", "+5d")
    cli("snooze", "2", "+3d")
    cli("snooze", "3", "+9d")
    today = date(2026, 11, 20)
    with db.session(write=True) as s:
        agenda.catch_up(s, today)
    with db.session() as s:
        assert agenda.answers(s, today)
        for limit in (0, 1, 2, 3):
            read, total = due.due_page(s, limit, today=today, days=7)
            computed, total2 = due._due_items(s, today, 7, None, None, None, None, None, limit)
            key = [(i["key"], i["section"], i["shown_on"], i["urgency"]) for i in read]
            assert key == [(i["key"], i["section"], i["shown_on"], i["urgency"]) for i in computed]
            assert total == total2 == 3
        read, _ = due.due_page(s, 0, today=today, days=7)
    # Cy comes back after the window; the others on their day, urgent Di first
    assert [(i["key"], str(i["shown_on"])) for i in read] == [
        ("4", "2026-11-24"), ("2", "2026-11-23"), ("1", "2026-11-25"),
    ]  # fmt: skip


def test_in_1_day_not_1_days(cli) -> None:
    assert days_from_now(1) == "in 1 day" and days_from_now(2) == "in 2 days"
    assert days_from_now(-1) == "1 day ago"
    cli("add", "Ann")
    cli("plan", "Ann", "tomorrow")
    out = cli("due", "--days", "0").stdout
    assert "Next: Ann on 2026-11-21 (in 1 day)." in out


# --- 17.6: --db typos ----------------------------------------------------------------------------

# every command but those that create a database (add, import, demo, restore, config, db init)
NOT_CREATING = [
    "edit 1 --city X", "tag 1 vip", "untag 1 vip", "archive 1", "delete 1 --yes", "show 1",
    "history 1", "list", "log 1", "buy 1 10", "feedback 1 --csat 5", "complain 1",
    "complaints", "resolve 1 -m x", "plan 1 tomorrow", "due", "done 1", "snooze 1 tomorrow",
    "reschedule 1 tomorrow", "cancel 1", "rfm", "segments", "lifecycle", "churn", "value",
    "report", "suggest 1", "lost 1 --reason price", "clusters", "themes", "profit", "dupes",
    "merge 1 2 --yes", "export customers", "backup", "check", "forget 1 --yes",
    "cadence set --every 30d --tag vip", "cadence list", "cadence clear --tag vip",
    "campaign add X --cost 10 --start 2026-01-01 --source x", "campaign list",
    "product set X --cost 1", "product list", "product remove X", "import list",
    "import undo 1",
]  # fmt: skip


@pytest.mark.parametrize("command", NOT_CREATING)
def test_a_missing_database_is_named_by_every_command_that_does_not_create_one(
    cli, tmp_path: Path, command: str
) -> None:
    typo = tmp_path / "shpo.db"
    result = cli("--db", str(typo), *command.split(), code=1)
    assert result.stderr.startswith(f"Error: no database at {typo}"), result.stderr
    assert "no customer matches" not in result.stderr
    assert not typo.exists()  # no empty file left behind


def test_the_same_through_custtrack_db(cli, tmp_path: Path, monkeypatch) -> None:
    typo = tmp_path / "shpo.db"
    monkeypatch.setenv("CUSTTRACK_DB", str(typo))
    result = cli("log", "Ann", code=1)
    assert result.stderr == (
        f"Error: no database at {typo} (check --db / CUSTTRACK_DB; `custtrack add`, "
        "`custtrack import` or `custtrack db init` creates one)\n"
    )
    assert not typo.exists()


def test_the_commands_that_create_a_database_create_it(cli, tmp_path: Path) -> None:
    sheet = tmp_path / "c.csv"
    sheet.write_text("name\nAnn\n")
    for n, args in enumerate((["add", "Ann"], ["import", "customers", str(sheet)], ["db", "init"])):
        path = tmp_path / f"new{n}.db"
        cli("--db", str(path), *args)
        assert path.exists()
    cli("--db", str(tmp_path / "new3.db"), "config", "set", "user", "li")  # opens no database


@pytest.mark.parametrize(
    "args", [["add", "Ann"], ["import", "customers", "{sheet}"], ["db", "init"]]
)
def test_a_missing_folder_is_never_created(cli, tmp_path: Path, args: list[str]) -> None:
    sheet = tmp_path / "c.csv"
    sheet.write_text("name\nAnn\n")
    folder = tmp_path / "Documnets"
    path = folder / "shop.db"
    result = cli("--db", str(path), *[a.format(sheet=sheet) for a in args], code=1)
    assert result.stderr == (
        f"Error: there is no folder {folder} for the database {path}: check --db / "
        "CUSTTRACK_DB, or create the folder first\n"
    )
    assert not folder.exists()


def test_the_default_database_folder_is_still_made(cli, tmp_path: Path, monkeypatch) -> None:
    """custtrack's own folder in the user's data directory, which nobody types."""
    monkeypatch.delenv("CUSTTRACK_DB")
    cli("add", "Ann")
    assert db.default_path().exists()
