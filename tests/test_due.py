"""The morning view: sections, rollover, filters, reminders, urgency, formats (ics), speed rules."""

import csv
import io
import json
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest

# `due` on SQLite and on PostgreSQL (but the look inside SQLite's planner)
pytestmark = pytest.mark.both_engines


def _due(cli, *args: str) -> list[dict]:
    return cli.json("due", *args)


def _keys(rows: list[dict]) -> list[str]:
    return [r["key"] for r in rows]


# --- sections, rollover, empty day -------------------------------------------------------------


def test_sections_and_rollover_from_one_day_to_the_next(cli) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "today")
    cli("plan", "Ann", "tomorrow")
    cli("plan", "Ann", "+7d")
    cli("plan", "Ann", "+8d")  # beyond the default 7 days
    rows = _due(cli)
    assert [(r["key"], r["section"], r["days_overdue"]) for r in rows] == [
        ("F1", "today", 0), ("F2", "upcoming", 0), ("F3", "upcoming", 0),
    ]  # fmt: skip
    nxt = _due(cli, "--as-of", "2026-11-21")
    assert [(r["key"], r["section"], r["days_overdue"]) for r in nxt] == [
        ("F1", "overdue", 1), ("F2", "today", 0), ("F3", "upcoming", 0), ("F4", "upcoming", 0),
    ]  # fmt: skip
    # overdue never drops out on its own
    later = _due(cli, "--as-of", "2027-03-01", "--days", "0")
    assert [(r["key"], r["days_overdue"]) for r in later][:1] == [("F1", 101)]


def test_table_shows_the_sections_and_reach(cli) -> None:
    cli("add", "Wang Fang", "--phone", "+86 138 0013 8000", "--wechat", "wf88")
    cli("buy", "Wang", "1200")
    cli("log", "Wang", "-c", "wechat")
    cli("plan", "Wang", "2026-11-18", "--past", "-m", "send prices")
    cli("plan", "Wang", "today 15:00")
    cli("add", "Li Lei", "--wechat", "lilei_7")
    cli("plan", "Li Lei", "tomorrow")
    out = cli("due").stdout
    assert out.index("Overdue (1)") < out.index("Today (1)") < out.index("Next 7 days (1)")
    assert "+86 138 0013 8000" in out  # the phone when there is one …
    assert "WeChat lilei_7" in out  # … else WeChat
    assert "1,200.00" in out and "send prices" in out and "2d" in out


@pytest.mark.usefixtures("migrated_db")  # an empty database, not a missing file
def test_an_empty_day_says_so_and_names_the_next(cli) -> None:
    assert "Nothing due through 2026-11-27, and nothing planned after" in cli("due").stdout
    cli("add", "Ann")
    cli("plan", "Ann", "2026-12-10")
    out = cli("due").stdout.strip()
    assert out == "Nothing due through 2026-11-27. Next: Ann on 2026-12-10 (in 20 days)."
    assert _due(cli) == []


def test_the_next_after_an_empty_day_counts_a_snooze(cli) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "today")
    cli("snooze", "1", "2026-12-01")
    assert "Next: Ann on 2026-12-01" in cli("due", "--days", "3").stdout


def test_days_option_and_config_default(cli) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "+10d")
    assert _due(cli) == []
    assert _keys(_due(cli, "--days", "10")) == ["F1"]
    cli("config", "set", "followups.due_days", "14")
    assert _keys(_due(cli)) == ["F1"]
    assert "must not be negative" in cli("due", "--days", "-1", code=2).stderr


# --- filters -----------------------------------------------------------------------------------


def test_mine_owner_channel_and_tag_filters(cli, monkeypatch) -> None:
    cli("add", "Ann", "--tag", "vip")
    cli("add", "Bob")
    cli("plan", "Ann", "today", "--owner", "li", "-c", "wechat")
    cli("plan", "Bob", "today", "--owner", "wang", "-c", "phone")
    assert _due(cli, "--mine") == []  # the login name: neither li nor wang
    cli("config", "set", "user", "li")
    assert _keys(_due(cli, "--mine")) == ["F1"]
    monkeypatch.setenv("CUSTTRACK_USER", "WANG")  # the environment wins, any case
    assert _keys(_due(cli, "--mine")) == ["F2"]
    assert _keys(_due(cli, "--owner", "li")) == ["F1"]
    assert _keys(_due(cli, "--channel", "phone")) == ["F2"]
    assert _keys(_due(cli, "--tag", "vip")) == ["F1"]
    assert "not both" in cli("due", "--mine", "--owner", "li", code=2).stderr


def test_plan_defaults_the_owner_to_the_current_user(cli, monkeypatch) -> None:
    monkeypatch.setenv("CUSTTRACK_USER", "li")
    cli("add", "Ann")
    cli("plan", "Ann", "today")
    assert _due(cli, "--mine")[0]["owner"] == "li"


# --- computed reminders ------------------------------------------------------------------------


def _customer(cli, name: str, birthday: str) -> None:
    cli("add", name, "--birthday", birthday)


@pytest.mark.parametrize(
    ("as_of", "birthday", "shown", "due_date"),
    [
        ("2026-12-28", "1980-01-02", True, "2027-01-02"),  # across the year end
        ("2026-12-20", "1980-01-02", False, None),  # 13 days ahead: beyond 7 days' lead
        ("2027-02-25", "1988-02-29", True, "2027-02-28"),  # common year: on 28 February
        ("2028-02-25", "1988-02-29", True, "2028-02-29"),  # leap year: on the day
        ("2028-02-28", "1988-02-29", True, "2028-02-29"),
    ],
)
def test_birthdays_across_the_year_end_and_on_29_february(
    cli, monkeypatch, as_of, birthday, shown, due_date
) -> None:
    monkeypatch.setenv("CUSTTRACK_TODAY", "2020-01-01")  # known long before
    _customer(cli, "Ann", birthday)
    rows = _due(cli, "--as-of", as_of)
    assert bool(rows) is shown
    if shown:
        (row,) = rows
        assert (row["key"], row["origin"], row["due_date"]) == ("b1", "birthday", due_date)
        age = int(due_date[:4]) - int(birthday[:4])
        assert row["note"] == f"birthday {due_date[5:]} (turns {age})"


def test_birthday_lead_days_config_and_missed_birthday_grace(cli, monkeypatch) -> None:
    monkeypatch.setenv("CUSTTRACK_TODAY", "2020-01-01")
    _customer(cli, "Ann", "1990-12-10")
    assert _due(cli, "--as-of", "2026-11-30") == []  # 10 days ahead, lead 7
    cli("config", "set", "followups.birthday_lead_days", "14")
    assert _keys(_due(cli, "--as-of", "2026-11-30")) == ["b1"]
    missed = _due(cli, "--as-of", "2026-12-20")
    assert (missed[0]["section"], missed[0]["days_overdue"]) == ("overdue", 10)
    assert _due(cli, "--as-of", "2027-01-10") == []  # 31 days late: past the 30 days' grace


def test_a_contact_on_the_birthday_settles_it(cli, monkeypatch) -> None:
    monkeypatch.setenv("CUSTTRACK_TODAY", "2020-01-01")
    _customer(cli, "Ann", "1990-11-22")
    monkeypatch.setenv("CUSTTRACK_TODAY", "2026-11-21")
    cli("log", "Ann", "-m", "a call before the birthday")
    assert _keys(_due(cli)) == ["b1"]  # a greeting is still to do
    monkeypatch.setenv("CUSTTRACK_TODAY", "2026-11-22")
    cli("log", "Ann", "-m", "happy birthday")
    assert _due(cli) == []


def test_done_on_a_birthday_settles_this_year_only(cli, monkeypatch) -> None:
    monkeypatch.setenv("CUSTTRACK_TODAY", "2020-01-01")
    _customer(cli, "Ann", "1990-11-24")
    monkeypatch.setenv("CUSTTRACK_TODAY", "2026-11-20")
    assert "Done F1 (birthday)" in cli("done", "b1", "--log", "sent a card").stdout
    assert _due(cli) == []
    assert _keys(_due(cli, "--as-of", "2027-11-20")) == ["b1"]


def test_post_purchase_check_in_once_and_not_after_a_contact(cli) -> None:
    cli("add", "Ann")
    cli("add", "Bob")
    cli("buy", "Ann", "100", "--at", "2026-11-01", "-p", "Longjing")
    cli("buy", "Ann", "50", "--at", "2026-11-03")
    cli("buy", "Bob", "80", "--at", "2026-11-02")
    cli("log", "Bob", "--at", "2026-11-04")  # talked since the purchase
    rows = _due(cli)
    assert [(r["key"], r["due_date"], r["section"]) for r in rows] == [
        ("p1", "2026-11-15", "overdue"),  # one per customer: the earliest
    ]
    assert rows[0]["note"] == "check in: bought (Longjing) on 2026-11-01"
    cli("done", "p1")
    assert _due(cli) == []  # the contact settles both purchases


def test_post_purchase_picks_the_first_purchase_after_the_last_contact(cli) -> None:
    """Per customer: purchases settled by a later contact do not count, later ones do."""
    cli("config", "set", "followups.post_purchase_grace_days", "30")
    cli("add", "Ann")
    cli("add", "Bob")
    cli("buy", "Ann", "10", "--at", "2026-10-20")
    cli("log", "Ann", "--at", "2026-10-22")
    cli("buy", "Ann", "20", "--at", "2026-10-25", "-p", "Tea")
    cli("buy", "Ann", "30", "--at", "2026-10-28")
    cli("buy", "Bob", "40", "--at", "2026-10-21")
    cli("buy", "Bob", "50", "--at", "2026-10-26", "-p", "Cups")
    cli("log", "Bob", "--at", "2026-10-27")  # settles both of Bob's
    cli("buy", "Bob", "60", "--at", "2026-10-29", "-p", "Pot")
    rows = _due(cli)
    found = sorted((r["key"], r["due_date"], r["note"]) for r in rows)
    assert found == [
        ("p2", "2026-11-08", "check in: bought (Tea) on 2026-10-25"),
        ("p6", "2026-11-12", "check in: bought (Pot) on 2026-10-29"),
    ]


def test_due_page_ranks_like_the_full_list(cli) -> None:
    """The table's first rows (spend summed only for contenders) equal the full list's."""
    from custtrack import db
    from custtrack.services import due

    cli("config", "set", "followups.post_purchase_grace_days", "30")
    for n, amount in enumerate(["5", "90000", "300", "0.5", "7000", "42", "1200", "15"]):
        cli("add", f"C{n}")
        cli("buy", f"C{n}", amount, "--at", f"2026-10-{10 + n:02d}")
        cli(
            "plan", f"C{n}", f"2026-11-{12 + n:02d}", "--past", "--priority", ["low", "high"][n % 2]
        )
    with db.session() as s:
        full = due.due_items(s)
        for limit in (1, 3, 5, 9, 16, 0):
            page, total = due.due_page(s, limit)
            assert total == len(full) == 16
            assert [i["key"] for i in page] == [i["key"] for i in (full[:limit] or full)]
            assert [i["urgency"] for i in page] == [i["urgency"] for i in (full[:limit] or full)]


def test_post_purchase_days_and_switch(cli) -> None:
    cli("add", "Ann")
    cli("buy", "Ann", "100", "--at", "2026-11-10")
    assert [(r["key"], r["due_date"]) for r in _due(cli)] == [("p1", "2026-11-24")]
    cli("config", "set", "followups.post_purchase_days", "3")
    assert _due(cli)[0]["due_date"] == "2026-11-13"
    cli("config", "set", "followups.post_purchase_enabled", "off")
    assert _due(cli) == []


def test_complaints_appear_when_their_deadline_passes(cli, monkeypatch) -> None:
    cli("add", "Ann")
    cli("complain", "Ann", "--priority", "low", "-m", "late", "--at", "2026-11-19 10:00")
    cli("complain", "Ann", "--priority", "high", "-m", "rude", "--at", "2026-11-19 10:00")
    rows = _due(cli)
    assert [(r["key"], r["due_date"], r["due_time"]) for r in rows] == [
        ("k2", "2026-11-20", "10:00:00"),  # 24 h for high; low (168 h) is not due yet
    ]
    assert (rows[0]["priority"], rows[0]["complaint_id"]) == ("high", 2)
    cli("resolve", "2", "-m", "apologised")
    assert _due(cli) == []
    assert _keys(_due(cli, "--as-of", "2026-11-26")) == ["k1"]
    cli("config", "set", "complaints.deadline_hours.low", "12")
    assert _keys(_due(cli)) == ["k1"]


# --- urgency -----------------------------------------------------------------------------------


def test_urgency_orders_rows_and_explain_shows_the_terms(cli) -> None:
    cli("add", "Ann")
    cli("add", "Bob")
    cli("buy", "Bob", "99999")
    cli("plan", "Ann", "today")
    cli("plan", "Bob", "today")
    cli("plan", "Ann", "today", "--priority", "urgent")
    rows = _due(cli, "--explain")
    assert _keys(rows) == ["F3", "F2", "F1"]
    terms = {r["key"]: r["urgency_terms"] for r in rows}
    # due today: 12 × (0.2 + 0.8 × 14 / 21) = 8.8
    assert terms["F1"] == {"due": 8.8, "priority": 3.9, "value": 0.0, "origin": 2.0}
    assert terms["F3"]["priority"] == 8.0
    assert terms["F2"]["value"] == 3.0  # log10(1 + 99,999) / 5 = 1, times 3
    assert all(r["urgency"] == pytest.approx(sum(r["urgency_terms"].values())) for r in rows)
    out = cli("due", "--explain").stdout
    assert "Urgency terms" in out and "12 × due factor" in out and "urgent 8" in out
    cli("config", "set", "urgency.value", "0")
    assert _keys(_due(cli)) == ["F3", "F1", "F2"]  # same score: by key


# --- formats -----------------------------------------------------------------------------------


def test_json_and_csv_fields(cli) -> None:
    cli("add", "Ann", "--phone", "+86 138 0013 8000")
    cli("plan", "Ann", "today")
    (row,) = _due(cli)
    assert list(row) == [
        "key", "section", "due_date", "due_time", "days_overdue", "customer_id", "customer",
        "origin", "channel", "note", "owner", "priority", "phone", "wechat", "spend", "currency",
        "urgency", "followup_id", "purchase_id", "complaint_id", "snoozed_until",
    ]  # fmt: skip
    text = cli("due", "--format", "csv").stdout
    (rec,) = list(csv.DictReader(io.StringIO(text)))
    assert (rec["key"], rec["phone"], rec["spend"]) == ("F1", "+8613800138000", "0.00")


def test_spend_counts_the_configured_currency_only(cli) -> None:
    cli("config", "set", "currency", "USD")
    cli("add", "Ann")
    cli("plan", "Ann", "today")
    cli("buy", "Ann", "120", "--at", "2026-01-05")
    cli("buy", "Ann", "5000", "--currency", "JPY", "--at", "2026-02-05")
    (row,) = _due(cli)
    assert (row["spend"], row["currency"]) == ("120.00", "USD")  # not 5,120 of anything


def _ics(cli, *args: str):
    from icalendar import Calendar

    text = cli("due", "--format", "ics", *args).stdout
    cal = Calendar.from_ical(text)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}, text


@pytest.mark.parametrize(
    ("zone", "as_of", "before", "after", "offsets"),
    [
        ("Europe/Berlin", "2026-03-27", "2026-03-28", "2026-03-30", (1, 2)),  # DST starts 03-29
        ("America/New_York", "2026-10-30", "2026-10-31", "2026-11-02", (-4, -5)),  # ends 11-01
    ],
)
def test_ics_times_across_a_dst_change(cli, zone, as_of, before, after, offsets) -> None:
    cli("config", "set", "timezone", zone)
    cli("add", "Ann", "--phone", "+1 415 555 0132")
    cli("plan", "Ann", f"{before} 10:00", "-m", "call", "--past")
    cli("plan", "Ann", f"{after} 10:00", "--past")
    cli("plan", "Ann", after, "--past")  # all day
    events, text = _ics(cli, "--as-of", as_of)
    assert "BEGIN:VTIMEZONE" in text and f"TZID:{zone}" in text
    first, second, allday = (
        events["custtrack-1@custtrack"],
        events["custtrack-2@custtrack"],
        (events["custtrack-3@custtrack"]),
    )
    for ev, day, hours in ((first, before, offsets[0]), (second, after, offsets[1])):
        start = ev.decoded("DTSTART")
        assert isinstance(start, datetime) and start.isoformat()[:16] == f"{day}T10:00"
        assert start.utcoffset() == timedelta(hours=hours)
        assert ev.decoded("DTEND") - start == timedelta(minutes=15)
    assert allday.decoded("DTSTART") == date.fromisoformat(after)
    assert str(first["SUMMARY"]) == "Ann (follow-up)"
    assert "+1 415-555-0132" in str(first["DESCRIPTION"])
    assert "custtrack done F1" in str(first["DESCRIPTION"])


@pytest.mark.usefixtures("migrated_db")  # an empty database, not a missing file
def test_ics_of_computed_reminders_and_of_nothing(cli) -> None:
    from icalendar import Calendar

    events, _ = _ics(cli)
    assert events == {}
    cli("add", "Ann")
    cli("complain", "Ann", "--priority", "urgent", "--at", "2026-11-20 08:00")
    events, _ = _ics(cli)
    (ev,) = events.values()
    assert str(ev["SUMMARY"]) == "Ann (complaint)"
    assert ev.decoded("DTSTART").hour == 12  # 4 h after opening, Asia/Shanghai
    assert Calendar.from_ical(cli("due", "-f", "ics").stdout).get("PRODID")


def test_bad_format_is_a_usage_error(cli) -> None:
    assert "must be one of table, json, csv, ics" in cli("due", "-f", "xml", code=2).stderr


def test_limit(cli) -> None:
    cli("add", "Ann")
    for _ in range(3):
        cli("plan", "Ann", "today")
    out = cli("due", "--limit", "2").stdout
    assert "… and 1 more (use --limit 0 to see all)." in out
    assert len(_due(cli)) == 3 and len(_due(cli, "-n", "1")) == 1


# --- speed rules -------------------------------------------------------------------------------


def test_due_never_imports_pandas(cli, isolated) -> None:
    cli("add", "Ann", "--birthday", "1990-11-22")
    cli("buy", "Ann", "10", "--at", "2026-11-01")
    cli("cadence", "set", "--tag", "vip", "--every", "30d")
    code = (
        "import sys\n"
        "from custtrack.cli import main\n"
        "sys.argv = ['custtrack', 'due', '--format', 'json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
        "assert 'scipy' not in sys.modules, 'scipy imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)[0]["key"] in ("b1", "p1")


@pytest.mark.sqlite_only  # PostgreSQL's plans: test_postgres.py
def test_due_queries_use_indexes(cli, isolated) -> None:
    """EXPLAIN QUERY PLAN of every query `due` runs: no full scan of a big table but customers
    (the default cadence looks at every customer) and the small cadences/tags; birthdays are
    found through the month-day index."""
    import sqlalchemy as sa

    from custtrack import db
    from custtrack.services import due

    cli("add", "Ann", "--tag", "vip")
    cli("config", "set", "followups.cadence_default_days", "30")
    cli("cadence", "set", "--tag", "vip", "--every", "14d")
    cli("cadence", "set", "--customer", "Ann", "--every", "7d")
    cli("complain", "Ann")
    eng = db.engine()
    seen: list[tuple[str, tuple]] = []

    @sa.event.listens_for(eng, "before_cursor_execute")
    def _capture(conn, cursor, statement, params, context, executemany) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    with db.session() as s:
        due.due_items(s)
    sa.event.remove(eng, "before_cursor_execute", _capture)
    assert len(seen) >= 5
    scans, birthday_plans = [], []
    with eng.connect() as conn:
        for statement, params in seen:
            for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params):
                detail = row[-1]
                if "strftime" in statement and "customers" in detail:
                    birthday_plans.append(detail)
                # `w`, `due`: the post-purchase window and its result, materialised from an
                # index range search (their own scans read temporary tables only)
                if (
                    detail.startswith("SCAN")
                    and not any(t in detail for t in ("customers", "cadences", "tags"))
                    and detail not in ("SCAN w", "SCAN due")
                ):
                    scans.append(detail)
    assert scans == []
    assert birthday_plans and all("ix_customers_birthday_md" in p for p in birthday_plans)


def test_a_missed_purchase_check_in_goes_after_its_own_grace(cli) -> None:
    cli("add", "Ann")
    cli("buy", "Ann", "10", "--at", "2026-10-30")  # check-in due 11-13: 7 days late on 11-20
    assert [r["key"] for r in _due(cli)] == ["p1"]
    assert _due(cli, "--as-of", "2026-11-21") == []  # 8 days late: dropped
    cli("config", "set", "followups.post_purchase_grace_days", "30")
    assert [r["key"] for r in _due(cli, "--as-of", "2026-11-21")] == ["p1"]
