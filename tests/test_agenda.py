"""The follow-up agenda (services/agenda.py): a per-customer cache of `due`'s rules, which must give
exactly the answer of computing on read (`due._due_items`), whatever changed since it was built."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from custtrack import clock, config, db, dialect
from custtrack.services import agenda, due

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 20)  # conftest's CUSTTRACK_TODAY, and benchmarks/generate.py's last day
FIELDS = (
    "key", "urgency", "section", "customer", "note", "channel", "owner", "spend_minor",
    "due_time", "due_date",
)  # fmt: skip
ORIGINS = {"manual", "cadence", "birthday", "post-purchase", "complaint"}
# the agenda is kept by triggers on both engines (migration 0004): every test of it runs on both,
# but those on benchmarks/generate.py's SQLite file of scale S
pytestmark = pytest.mark.both_engines


# --- helpers -----------------------------------------------------------------------------------


def _url() -> str | None:
    """The test's PostgreSQL database (None: the SQLite file)."""
    loc = os.environ["CUSTTRACK_DB"]
    return loc if "://" in loc else None


def _rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of SQL written for sqlite3, read with another connection (as another tool would);
    `{rowid}` is SQLite's rowid, or PostgreSQL's ctid: where the row is stored."""
    return _execute(path, sql, params)


def _execute(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Run SQL written for sqlite3 in a transaction of its own on the test's database."""
    url = _url()
    if url is None:
        con = sqlite3.connect(path)
        try:
            with con:
                return con.execute(sql.format(rowid="rowid"), params).fetchall()
        finally:
            con.close()
    import sqlalchemy as sa

    eng = sa.create_engine(url)
    try:
        with eng.begin() as conn:
            result = dialect.execute(conn, sql.format(rowid="ctid::text"), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        eng.dispose()


@contextmanager
def _another_writer(path: Path) -> Iterator[None]:
    """Another command's write transaction, holding the write lock until the block ends."""
    url = _url()
    if url is None:
        writer = sqlite3.connect(path, isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")
            yield
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        return
    import sqlalchemy as sa

    eng = sa.create_engine(url)
    try:
        with eng.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({db.WRITE_LOCK_KEY})")
            yield
            conn.rollback()
    finally:
        eng.dispose()


def _dirty(path: Path) -> set[int]:
    return {r[0] for r in _rows(path, "SELECT customer_id FROM agenda_dirty")}


def _state(path: Path) -> str | None:
    found = _rows(path, "SELECT value FROM meta WHERE key = 'agenda'")
    return found[0][0] if found else None


@contextmanager
def _computing_on_read() -> Iterator[None]:
    """`due` with the agenda switched off: what it answered before the agenda existed."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(agenda, "pending", lambda session, today: None)
        mp.setattr(agenda, "answers", lambda session, today: False)
        yield


def _answers(day: date = TODAY) -> bool:
    with db.session() as s:
        ok = agenda.answers(s, day)
    db.dispose()
    return ok


def _due(cli, *args: str, day: date = TODAY) -> list[dict]:
    """`due --format json` as the user runs it (read from the agenda), checked field by field
    against the same command computing on read."""
    got = cli.json("due", *args)
    assert _answers(day), "the agenda was not up to date after `due`: it computed on read"
    with _computing_on_read():
        want = cli.json("due", *args)
    assert got == want
    return got


def _keys(rows: list[dict]) -> list[str]:
    return [r["key"] for r in rows]


def _shop(cli) -> None:
    """Ann: cadence c1 (overdue), complaint k1 (past its deadline), birthday b1 (in 3 days).
    Bob (vip, tag cadence 60d): planned follow-up 1 (so no cadence row). Cai: check-in p1."""
    cli("add", "Ann", "--birthday", "1990-11-23", "--owner", "lei")
    cli("add", "Bob", "--tag", "vip", "--owner", "mei")
    cli("add", "Cai", "--phone", "+86 138 0013 8000")
    cli("log", "Ann", "--at", "2026-10-01", "-c", "wechat")
    cli("log", "Bob", "--at", "2026-09-01")
    cli("cadence", "set", "--customer", "Ann", "--every", "30d")
    cli("cadence", "set", "--tag", "vip", "--every", "60d")
    cli("buy", "Cai", "120", "--at", "2026-11-08", "-p", "Tea")
    cli("complain", "Ann", "--priority", "urgent", "--at", "2026-11-19 09:00", "-m", "wet")
    cli("plan", "Bob", "+3d", "-m", "hello")


@pytest.fixture
def shop(cli, migrated_db: Path, prebuilt) -> Path:
    """The shop, its agenda up to date for TODAY (built once per session, then copied)."""

    def build() -> None:
        _shop(cli)
        assert sorted(_keys(_due(cli))) == ["F1", "b1", "c1", "k1", "p1"]

    prebuilt("agenda-shop", build)
    return migrated_db


# --- 1. equivalence on realistic data ----------------------------------------------------------


@pytest.fixture(scope="module")
def scale_s(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """benchmarks/generate.py's scale S (1,000 customers, 10,000 purchases), built once."""
    path = tmp_path_factory.mktemp("agenda") / "S.db"
    env = {**os.environ, "TZ": "Asia/Shanghai", "CUSTTRACK_CONFIG": str(path) + ".toml"}
    script = ROOT / "benchmarks" / "generate.py"
    gen = subprocess.run(
        [sys.executable, str(script), "--scale", "S", "--db", str(path)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert gen.returncode == 0, gen.stderr
    return path


@pytest.fixture
def sdb(scale_s: Path, isolated: Path) -> Path:
    """A copy of the scale-S database as this test's database, in the shop's currency."""
    shutil.copyfile(scale_s, isolated)
    isolated.chmod(0o600)
    config.set_value("currency", "CNY")  # else every spend is 0 (other currency) and untested
    config.clear_cache()
    return isolated


OPTIONS = [
    {"days": 0}, {"days": 7}, {"days": 30}, {"days": 400},
    {"days": 7, "owner": "lei"}, {"days": 30, "tag": "vip"}, {"days": 7, "channel": "wechat"},
    {"days": 30, "owner": "MEI", "tag": "newsletter", "channel": "phone"},
]  # fmt: skip
LIMITS = (50, 5, 0)


def _compare(today: date, seen: set[str], options: list[dict], limits: tuple[int, ...]) -> int:
    """Assert agenda page == the computed list's first `limit` items (and total) for every
    option and limit (tests/test_due.py shows the computed page is that list's head); returns
    how many items were compared."""
    compared = 0
    with db.session() as s:
        assert agenda.answers(s, today)
        for opts in options:
            days = opts["days"]
            owner, tag, channel = opts.get("owner"), opts.get("tag"), opts.get("channel")
            with due._local_zone():
                full, total = due._due_items(s, today, days, owner, tag, channel, None, None)
            due.fill_channels(s, full)
            assert total == len(full)
            for limit in limits:
                with due._local_zone():
                    horizon = due.horizon_of(today, days)
                    got, got_total = agenda.page(
                        s, limit, today, horizon, due.Scope(owner, tag), channel
                    )
                due.fill_channels(s, got)
                want = full[:limit] if limit else full
                where = f"{today} {opts} limit {limit}"
                assert got_total == total, where
                assert [tuple(i[f] for f in FIELDS) for i in got] == [
                    tuple(i[f] for f in FIELDS) for i in want
                ], where
                seen.update(i["origin"] for i in got)
                compared += len(got)
    db.dispose()
    return compared


def _a_day_of_work(cli, day: date, n: int, ids: list[int]) -> None:
    """What a shop does in a day, between two `due`s: contacts, sales, plans, complaints."""
    at = f"{day} 10:{n:02d}"
    cli("log", ids[10 + n], "--at", at, "-c", "visit")
    cli("buy", ids[20 + n], "99", "--at", at, "-p", "Longjing 250g")
    cli("plan", ids[30 + n], str(day + timedelta(days=2)), "--priority", "high")
    cli("complain", ids[40 + n], "--priority", "high", "--at", at)
    cli("edit", ids[50 + n], "--birthday", f"1980-{(day + timedelta(days=3)):%m-%d}")


def _walk_forward(
    cli, monkeypatch, options: list[dict], limits: tuple[int, ...], steps: tuple[int, ...]
) -> list[int]:
    """Days go by (with a day's work before each `due`); returns, per day, how many agenda rows
    are 7 days overdue or more (the range `page` may walk by rank)."""
    seen: set[str] = set()
    refreshed, far_past = [], []
    path = Path(os.environ["CUSTTRACK_DB"])
    ids = [r[0] for r in _rows(path, "SELECT id FROM customers WHERE status = 'active'")]
    for n, step in enumerate(steps):
        today = TODAY + timedelta(days=step)
        monkeypatch.setenv("CUSTTRACK_TODAY", today.isoformat())
        if step:
            _a_day_of_work(cli, today, n, ids)
        with db.session(write=True) as s:
            refreshed.append(agenda.catch_up(s, today))
        db.dispose()
        far = str(today - timedelta(days=7))
        far_past += _rows(path, "SELECT count(*) FROM agenda WHERE due_date <= ?", (far,))[0]
        assert _compare(today, seen, options, limits) > 0
    assert seen == ORIGINS  # every kind of row was compared
    # built once (every customer), then a few customers a day: the day's work and stale rows
    assert refreshed[0] == 1000
    assert all(0 < n < 200 for n in refreshed[1:]), refreshed
    return far_past


@pytest.mark.sqlite_only
def test_agenda_pages_equal_computed_pages_on_scale_s_over_time(sdb, cli, monkeypatch) -> None:
    _walk_forward(cli, monkeypatch, OPTIONS, LIMITS, (0, 1, 9, 45, 200))


@pytest.mark.sqlite_only
def test_the_index_walk_gives_the_same_pages(sdb, cli, monkeypatch) -> None:
    """With _BY_RANK at 3 the branch that walks ix_agenda_rank in order (rather than sorting
    the rows 7 days overdue or more) runs on small data too."""
    monkeypatch.setattr(agenda, "_BY_RANK", 3)
    # only a page (limit > 0) is read by range
    options = [OPTIONS[i] for i in (0, 1, 3, 5, 7)]
    far_past = _walk_forward(cli, monkeypatch, options, (50, 5), (0, 9, 200))
    assert min(far_past) >= 10  # walked by rank every day (unfiltered), not sorted


# --- 2. every kind of change is seen by the next `due` -----------------------------------------


def test_a_contact_settles_the_cadence_and_the_check_in(cli, shop, monkeypatch) -> None:
    cli("log", "Ann", "-c", "phone")
    rows = _due(cli)
    assert "c1" not in _keys(rows) and {"b1", "k1"} <= set(_keys(rows))  # the birthday is later
    assert {r["channel"] for r in rows if r["customer"] == "Ann"} == {"phone"}  # the last contact
    cli("log", "Cai", "--at", "2026-11-09")
    assert sorted(_keys(_due(cli))) == ["F1", "b1", "k1"]
    monkeypatch.setenv("CUSTTRACK_TODAY", "2026-11-23")
    cli("log", "Ann", "--at", "2026-11-23 10:00")  # on the birthday: settles it
    assert sorted(_keys(_due(cli, day=date(2026, 11, 23)))) == ["F1", "k1"]


def test_a_purchase_brings_a_check_in_after_post_purchase_days(cli, shop) -> None:
    cli("buy", "Ann", "50", "--at", "2026-11-10", "-p", "Pot")
    rows = {r["key"]: r for r in _due(cli)}
    assert rows["p2"]["due_date"] == "2026-11-24" and rows["p2"]["customer"] == "Ann"
    assert rows["c1"]["spend"] == "50.00"  # and the spend of Ann's other rows follows
    cli("buy", "Bob", "10")  # today: due in 14 days, beyond the default 7
    assert "p3" not in _keys(_due(cli))
    assert {r["key"]: r["due_date"] for r in _due(cli, "--days", "14")}["p3"] == "2026-12-04"


def test_planned_follow_ups_plan_snooze_reschedule_done_cancel(cli, shop, monkeypatch) -> None:
    cli("plan", "Cai", "+2d", "-m", "call back", "--owner", "sam", "-c", "sms")
    row = {r["key"]: r for r in _due(cli)}["F2"]
    assert (row["due_date"], row["note"], row["owner"], row["channel"]) == (
        "2026-11-22", "call back", "sam", "sms",
    )  # fmt: skip
    cli("snooze", "2", "2026-11-30")
    assert "F2" not in _keys(_due(cli))  # back after the 7 days
    back = {r["key"]: r for r in _due(cli, "--days", "14")}["F2"]  # listed on the day it is back
    assert (back["section"], back["snoozed_until"]) == ("upcoming", "2026-11-30")
    cli("reschedule", "1", "+10d")
    assert "F1" not in _keys(_due(cli))
    assert {r["key"]: r["due_date"] for r in _due(cli, "--days", "14")}["F1"] == "2026-11-30"
    cli("done", "2", "--log", "called")
    assert "F2" not in _keys(_due(cli, "--days", "30"))
    cli("cancel", "1")
    keys = _keys(_due(cli, "--days", "30"))
    assert "F1" not in keys and "c2" in keys  # Bob's vip cadence, hidden by the plan until now
    cli("plan", "Ann", "2026-11-29", "-m", "later")
    cli("snooze", "3", "2026-12-02")
    monkeypatch.setenv("CUSTTRACK_TODAY", "2026-12-01")  # days go by
    assert "F3" not in _keys(_due(cli, "--days", "0", day=date(2026, 12, 1)))
    row = {r["key"]: r for r in _due(cli, day=date(2026, 12, 1))}["F3"]  # back tomorrow
    assert (row["section"], row["days_overdue"]) == ("upcoming", 0)
    monkeypatch.setenv("CUSTTRACK_TODAY", "2026-12-02")
    assert {r["key"]: r["section"] for r in _due(cli, day=date(2026, 12, 2))}["F3"] == "overdue"


def test_acting_on_computed_reminders(cli, shop) -> None:
    cli("done", "c1", "--log", "said hi")
    assert "c1" not in _keys(_due(cli))
    cli("snooze", "b1", "2026-11-30")  # past the birthday lead (7 days) too
    keys = _keys(_due(cli))
    assert "b1" not in keys and len(keys) == 3  # stored as a follow-up, hidden until the 30th
    back = {r["key"]: r for r in _due(cli, "--days", "14")}["F3"]  # … and listed on the 30th
    assert (back["origin"], back["snoozed_until"], back["section"]) == (
        "birthday",
        "2026-11-30",
        "upcoming",
    )
    cli("reschedule", "p1", "2026-11-26")
    rows = _due(cli)
    assert "p1" not in _keys(rows)
    assert [(r["origin"], r["due_date"]) for r in rows if r["customer"] == "Cai"] == [
        ("post-purchase", "2026-11-26")
    ]
    cli("cancel", "k1")
    assert "k1" not in _keys(_due(cli))
    assert sorted(r["origin"] for r in _due(cli)) == ["manual", "post-purchase"]


def test_complain_and_resolve(cli, shop, monkeypatch) -> None:
    cli("complain", "Cai", "--priority", "high", "--at", "2026-11-18 08:00", "-m", "late")
    row = {r["key"]: r for r in _due(cli)}["k2"]
    assert (row["section"], row["priority"], row["origin"]) == ("overdue", "high", "complaint")
    cli("complain", "Cai", "--priority", "low")  # its deadline is days away: not yet due
    assert "k3" not in _keys(_due(cli))
    cli("resolve", "2", "-m", "sent another")
    assert "k2" not in _keys(_due(cli))
    monkeypatch.setenv("CUSTTRACK_TODAY", "2026-11-28")  # a week later (168 hours)
    assert "k3" in _keys(_due(cli, day=date(2026, 11, 28)))


def test_tags_and_cadences_for_a_customer_and_a_tag(cli, shop) -> None:
    cli("log", "Cai", "--at", "2026-08-01")  # before the purchase: the check-in stays
    assert "c3" not in _keys(_due(cli))
    cli("tag", "Cai", "vip")
    assert {r["key"]: r["due_date"] for r in _due(cli)}["c3"] == "2026-09-30"
    assert "c3" in _keys(_due(cli, "--tag", "vip"))
    cli("cadence", "set", "--tag", "vip", "--every", "200d")
    assert "c3" not in _keys(_due(cli))
    cli("cadence", "set", "--tag", "vip", "--every", "20d")
    assert {r["key"]: r["due_date"] for r in _due(cli)}["c3"] == "2026-08-21"
    cli("untag", "Cai", "vip")
    assert "c3" not in _keys(_due(cli))
    cli("cadence", "set", "--customer", "Cai", "--every", "10d")
    assert {r["key"]: r["due_date"] for r in _due(cli)}["c3"] == "2026-08-11"
    cli("cadence", "set", "--customer", "Ann", "--every", "90d")
    assert "c1" not in _keys(_due(cli))  # 2026-10-01 + 90 days
    cli("cadence", "clear", "--customer", "Cai")
    cli("cadence", "clear", "--tag", "vip")
    cli("cancel", "1")  # Bob: no plan, no cadence now
    assert [k for k in _keys(_due(cli)) if k.startswith("c")] == []


def test_renaming_a_tag_moves_its_cadence(cli, shop) -> None:
    """No command renames a tag yet; another tool may, and the triggers must see it."""
    cli("log", "Cai", "--at", "2026-08-01")
    cli("tag", "Cai", "vip")
    assert "c3" in _keys(_due(cli))
    _execute(shop, "UPDATE tags SET name = 'gold' WHERE name = 'vip'")
    assert _dirty(shop) == {2, 3}  # Bob and Cai
    assert "c3" not in _keys(_due(cli))
    cli("cadence", "set", "--tag", "gold", "--every", "10d")
    assert "c3" in _keys(_due(cli, "--tag", "gold"))


def test_edit_birthday_and_owner_archive_and_back(cli, shop) -> None:
    cli("edit", "Cai", "--birthday", "1999-11-25")
    assert {r["key"]: r["note"] for r in _due(cli)}["b3"] == "birthday 11-25 (turns 27)"
    cli("edit", "Ann", "--birthday", "")
    assert "b1" not in _keys(_due(cli))
    cli("edit", "Ann", "--owner", "sam")
    assert sorted(_keys(_due(cli, "--owner", "sam"))) == ["c1", "k1"]
    assert _due(cli, "--owner", "lei") == []
    cli("edit", "Ann", "--name", "Anna")  # read from the customer row, not the agenda
    assert {r["customer"] for r in _due(cli, "--owner", "sam")} == {"Anna"}
    cli("lost", "Anna", "--reason", "price")
    assert "c1" in _keys(_due(cli))
    cli("archive", "Anna")
    assert sorted(_keys(_due(cli))) == ["F1", "b3", "p1"]
    cli("archive", "Anna", "--undo")
    assert sorted(_keys(_due(cli))) == ["F1", "b3", "c1", "k1", "p1"]


def test_merging_two_customers(cli, shop) -> None:
    cli("merge", "Ann", "Cai", "--yes")
    rows = _due(cli)
    assert sorted(_keys(rows)) == ["F1", "b1", "c1", "k1", "p1"]
    assert {r["customer"] for r in rows if r["key"] in ("p1", "c1")} == {"Ann"}
    assert _rows(shop, "SELECT DISTINCT customer_id FROM agenda ORDER BY 1") == [(1,), (2,)]


def test_delete_removes_the_rows_at_once(cli, shop) -> None:
    cli("delete", "Ann", "--yes")
    assert _rows(shop, "SELECT count(*) FROM agenda WHERE customer_id = 1") == [(0,)]
    assert sorted(_keys(_due(cli))) == ["F1", "p1"]


@pytest.mark.parametrize("purge", [False, True])
def test_forget_erases_the_rows_before_any_due(cli, shop, purge) -> None:
    cli("plan", "Ann", "+1d", "-m", "secret plan")
    _due(cli)
    assert _rows(shop, "SELECT count(*) FROM agenda WHERE customer_id = 1")[0][0] == 3  # 2 b1 k1
    cli("forget", "Ann", "--yes", *(["--purge"] if purge else []))
    assert _rows(shop, "SELECT count(*) FROM agenda WHERE customer_id = 1") == [(0,)]
    notes = " ".join(r[0] or "" for r in _rows(shop, "SELECT note FROM agenda"))
    assert "secret" not in notes and "wet" not in notes
    assert sorted(_keys(_due(cli))) == ["F1", "p1"]


def test_imports_and_their_undo(cli, shop, tmp_path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("name,phone,birthday,owner,tags\nDan,+8613900139000,1980-11-25,sam,vip\n")
    sales = tmp_path / "sales.csv"
    sales.write_text("phone,date,amount,product\n+8613900139000,2026-11-09,88,Pu-erh\n")
    calls = tmp_path / "calls.csv"
    calls.write_text("phone,date,channel,summary\n+8613900139000,2026-11-19,wechat,hi\n")
    cli("import", "customers", people)
    assert "b4" in _keys(_due(cli, "--tag", "vip"))
    cli("import", "purchases", sales)
    assert {r["key"]: r["spend"] for r in _due(cli)}["p2"] == "88.00"
    cli("import", "interactions", calls)
    rows = {r["key"]: r for r in _due(cli)}
    assert "p2" not in rows and rows["b4"]["channel"] == "wechat"
    cli("import", "undo", "3", "--yes")
    rows = {r["key"]: r for r in _due(cli)}
    assert "p2" in rows and rows["b4"]["channel"] is None
    cli("import", "undo", "2", "--yes")
    assert "p2" not in _keys(_due(cli))
    cli("import", "undo", "1", "--yes")
    assert sorted(_keys(_due(cli))) == ["F1", "b1", "c1", "k1", "p1"]


def _when(row: dict) -> str:
    return f"{row['due_date']} {row['due_time']}"


@pytest.mark.parametrize(
    ("key", "value", "check"),
    [
        ("followups.post_purchase_days", "10",
         lambda rows: (rows["p1"]["due_date"], rows["p1"]["section"]) == ("2026-11-18", "overdue")),
        ("followups.post_purchase_enabled", "off", lambda rows: "p1" not in rows),
        ("followups.cadence_default_days", "5", lambda rows: "c3" in rows),
        ("followups.reminder_grace_days", "0",
         lambda rows: "b1" in rows),  # (no missed birthday here: shown as before)
        # p1: due 7.88 (in 2 days) + priority 3.9 + value 1.25 (120.00) + origin 1.5 = 14.53
        ("urgency.value", "0", lambda rows: rows["p1"]["urgency"] == 14.53 - 1.25),
        # c1: due 12 (20 days late) + priority 3.9 + value 0 + origin 1 × 5
        ("urgency.origin", "5", lambda rows: rows["c1"]["urgency"] == 12 + 3.9 + 5),
        ("complaints.deadline_hours.urgent", "100", lambda rows: "k1" not in rows),
        ("currency", "CNY", lambda rows: rows["p1"]["spend"] == "0.00"),  # bought in USD
        # the complaint opened 09:00 in Shanghai, 20:00 the day before in New York; + 4 hours
        ("timezone", "America/New_York", lambda rows: _when(rows["k1"]) == "2026-11-19 00:00:00"),
    ],
)  # fmt: skip
def test_a_setting_the_rows_are_made_from_rebuilds_them(cli, shop, key, value, check) -> None:
    before = _state(shop)
    cli("config", "set", key, value)
    config.clear_cache()
    clock._zone.cache_clear()
    assert not _answers()  # the fingerprint differs: not up to date any more
    rows = {r["key"]: r for r in _due(cli)}
    assert check(rows), rows
    assert _state(shop) != before


def test_a_setting_only_read_when_showing_does_not_rebuild(cli, shop) -> None:
    before = _state(shop)
    cli("config", "set", "followups.birthday_lead_days", "1")
    assert _answers()
    assert "b1" not in _keys(_due(cli, "--days", "2"))  # the 23rd is 3 days away
    cli("config", "set", "followups.due_days", "2")
    assert sorted(_keys(_due(cli))) == ["c1", "k1", "p1"]  # Bob's plan is on the 23rd too
    assert _state(shop) == before


# --- 3. where the agenda cannot answer, `due` computes on read ---------------------------------


@pytest.fixture
def no_page(monkeypatch) -> list[int]:
    """Counts reads of the agenda."""
    calls: list[int] = []
    page = agenda.page

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return page(*args, **kwargs)

    monkeypatch.setattr(agenda, "page", counted)
    return calls


def test_as_of_a_day_before_the_agenda_computes_on_read(cli, shop, no_page, snapshot) -> None:
    cli("log", "Cai", "--at", "2026-11-19 18:00")  # Cai dirty: the agenda has work to do
    before = snapshot()
    got = cli.json("due", "--as-of", "2026-11-19")
    assert no_page == [] and snapshot() == before  # nothing read from, nor written to, it
    with _computing_on_read():
        assert got == cli.json("due", "--as-of", "2026-11-19")
    assert [(r["key"], r["section"]) for r in got] == [
        ("c1", "overdue"), ("k1", "today"), ("F1", "upcoming"), ("b1", "upcoming"),
    ]  # fmt: skip
    _due(cli)  # and the next plain `due` reads the agenda again
    assert no_page == [1]


def test_a_segment_cadence_makes_due_compute_on_read(cli, shop, no_page, snapshot) -> None:
    cli("buy", "Bob", "300", "--at", "2026-11-01")
    cli("cadence", "set", "--segment", "champions", "--every", "10d")
    cli("log", "Ann")  # Ann dirty: but the agenda is left alone while a segment cadence exists
    before = snapshot()
    got = cli.json("due")
    assert no_page == [] and snapshot() == before
    with _computing_on_read():
        assert got == cli.json("due")
    assert "c1" not in _keys(got)
    cli("cadence", "clear", "--segment", "champions")
    _due(cli)
    assert no_page == [1]


# --- 4. the triggers ---------------------------------------------------------------------------


def test_a_raw_insert_into_purchases_marks_that_customer(cli, shop) -> None:
    assert _dirty(shop) == set()
    _execute(
        shop,
        "INSERT INTO purchases (customer_id, at, qty, amount_minor, currency, created_at) "
        "VALUES (1, '2026-11-10 02:00:00.000000', 1, 4200, 'USD', '2026-11-10 02:00:00')",
    )
    assert _dirty(shop) == {1}
    rows = {r["key"]: r for r in _due(cli)}
    assert rows["p2"]["due_date"] == "2026-11-24" and rows["c1"]["spend"] == "42.00"
    assert _dirty(shop) == set()


@pytest.mark.sqlite_only
def test_a_tag_cadence_change_marks_exactly_the_tagged_customers(sdb) -> None:
    with db.session(write=True) as s:
        assert agenda.catch_up(s, TODAY) == 1000
    db.dispose()

    def members(tag: str) -> set[int]:
        sql = "SELECT customer_id FROM customer_tags JOIN tags ON tags.id = tag_id WHERE name = ?"
        found = {r[0] for r in _rows(sdb, sql, (tag,))}
        assert 10 < len(found) < 1000
        return found

    def marked(sql: str, params: tuple = ()) -> set[int]:
        con = sqlite3.connect(sdb)
        con.execute("PRAGMA foreign_keys = ON")
        with con:
            con.execute("DELETE FROM agenda_dirty")
            con.execute(sql, params)
        con.close()
        return _dirty(sdb)

    vip = members("vip")
    assert marked("UPDATE cadences SET every_days = 20 WHERE target = 'vip'") == vip
    online = members("online")
    ins = "INSERT INTO cadences (scope, target, every_days, created_at) VALUES (?, ?, 9, '2026')"
    assert marked(ins, ("tag", "online")) == online
    wholesale = members("wholesale")
    assert marked("UPDATE cadences SET target = 'wholesale' WHERE target = 'online'") == (
        online | wholesale
    )
    assert marked("DELETE FROM cadences WHERE target = 'wholesale'") == wholesale
    assert marked(ins, ("customer", "17")) == {17}
    assert marked(ins, ("segment", "Champions")) == set()  # never kept in the agenda
    club = members("tea-club")
    assert marked("DELETE FROM tags WHERE name = 'tea-club'") == club  # by cascade


# --- 5. bad input writes nothing ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["--days", "-1"], ["--as-of", "someday"], ["--channel", "fax"], ["--format", "xml"],
     ["--mine", "--owner", "lei"]],
)  # fmt: skip
@pytest.mark.parametrize("built", [False, True])
def test_bad_input_leaves_every_table_unchanged(cli, shop, snapshot, args, built) -> None:
    cli("log", "Cai")  # the agenda has a customer to refresh …
    if not built:  # … or no agenda at all yet (a database from before it)
        _execute(shop, "DELETE FROM meta WHERE key = 'agenda'")
        _execute(shop, "DELETE FROM agenda")
    before = snapshot()
    assert before["agenda_dirty"]
    result = cli("due", *args, code=2)
    assert result.stderr.startswith("Error: ")
    assert snapshot() == before


# --- 6. built once, then refreshed customer by customer ----------------------------------------


def test_the_first_due_builds_the_agenda_then_only_dirty_customers_are_redone(
    cli, migrated_db
) -> None:
    path = migrated_db
    _shop(cli)
    assert _state(path) is None and _rows(path, "SELECT count(*) FROM agenda") == [(0,)]
    with db.session() as s:
        assert agenda.pending(s, TODAY) == "build"
    db.dispose()
    assert sorted(_keys(_due(cli))) == ["F1", "b1", "c1", "k1", "p1"]
    assert '"as_of": "2026-11-20"' in _state(path)
    assert _dirty(path) == set()
    rowids = dict(_rows(path, "SELECT key, {rowid} FROM agenda"))
    assert sorted(rowids) == ["1", "b1", "c1", "k1", "p1"]

    cli("plan", "Cai", "+1d")
    with db.session(write=True) as s:
        assert agenda.pending(s, TODAY) == "refresh"
        assert agenda.catch_up(s, TODAY) == 1  # Cai only
        assert agenda.pending(s, TODAY) is None
        assert agenda.catch_up(s, TODAY) == 0
    db.dispose()
    after = dict(_rows(path, "SELECT key, {rowid} FROM agenda"))
    assert {k: after[k] for k in ("1", "b1", "c1", "k1")} == {
        k: rowids[k] for k in ("1", "b1", "c1", "k1")
    }  # Ann's and Bob's rows untouched
    assert after["p1"] != rowids["p1"] and "2" in after

    # a new day recomputes only customers with a stale row: Cai's check-in after its grace
    with db.session(write=True) as s:
        assert agenda.catch_up(s, TODAY + timedelta(days=1)) == 0
        assert agenda.catch_up(s, date(2026, 12, 1)) == 1  # p1: due 11-22 + 7 days' grace
        assert agenda.catch_up(s, date(2026, 12, 24)) == 1  # b1: 11-23 + 30 days' grace
    db.dispose()
    assert _dirty(path) == set()


# --- found while writing these tests (fail until fixed) ----------------------------------------


def test_due_answers_while_another_command_is_writing(cli, shop, monkeypatch) -> None:
    """Before the agenda `due` only read, so a long import in another window never held it up;
    now it must not wait for the write lock and fail with "database is locked"."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 300)  # the real wait is 10 s
    cli("log", "Cai")  # the agenda has a customer to refresh
    with _computing_on_read():
        want = cli.json("due")
    with _another_writer(shop):  # another command's write transaction
        result = cli("due", "--format", "json", code=None)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == want


def test_looking_ahead_keeps_the_agenda_for_today(cli, shop, no_page) -> None:
    """`due --as-of` a later day is a look ahead, not a new day: today's `due` must still read
    the agenda, not compute on read (at scale M/L) until that day comes."""
    ahead = cli.json("due", "--as-of", "2026-11-27")
    with _computing_on_read():
        assert ahead == cli.json("due", "--as-of", "2026-11-27")
    no_page.clear()
    _due(cli)
    assert no_page == [1]
