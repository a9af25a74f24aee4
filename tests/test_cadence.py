"""Stay-in-touch cadences: computed at `due` time, restarted by a contact, never moved by snooze."""

import pytest

# cadences on SQLite and on PostgreSQL
pytestmark = pytest.mark.both_engines


def _due(cli, *args: str) -> list[dict]:
    return cli.json("due", *args)


def _cadence(cli, *args: str) -> list[tuple[str, str]]:
    return [(r["key"], r["due_date"]) for r in _due(cli, *args) if r["origin"] == "cadence"]


@pytest.fixture
def ann(cli, monkeypatch):
    """Ann, a vip added on 2026-10-01 and last contacted on 2026-10-10."""
    monkeypatch.setenv("CUSTTRACK_TODAY", "2026-10-01")
    cli("add", "Ann", "--tag", "vip")
    cli("log", "Ann", "--at", "2026-10-01 09:00")
    monkeypatch.setenv("CUSTTRACK_TODAY", "2026-11-20")
    cli("log", "Ann", "--at", "2026-10-10 11:00")


def test_set_list_clear(cli, ann) -> None:
    out = cli("cadence", "set", "--tag", "VIP", "--every", "30d")
    assert "Set cadence for tag vip: every 30 days" in out.stdout
    assert (
        "Changed cadence for tag vip: every 14 days"
        in cli("cadence", "set", "--tag", "vip", "--every", "2w").stdout
    )
    cli("cadence", "set", "--customer", "Ann", "--every", "3m")
    rows = cli.json("cadence", "list")
    got = [(r["scope"], r["target"], r["label"], r["every_days"], r["customers"]) for r in rows]
    assert got == [("tag", "vip", "vip", 14, 1), ("customer", "1", "Ann", 90, 1)]
    assert "No default cadence" in cli("cadence", "list").stdout
    assert "Cleared the cadence for tag vip" in cli("cadence", "clear", "--tag", "vip").stdout
    assert "no cadence for tag vip" in cli("cadence", "clear", "--tag", "vip", code=1).stderr
    assert "exactly one of" in cli("cadence", "set", "--every", "3d", code=2).stderr
    err = cli("cadence", "set", "--tag", "a", "--customer", "Ann", "--every", "3d", code=2)
    assert "exactly one of" in err.stderr
    assert (
        "not a length of time"
        in cli("cadence", "set", "--tag", "x", "--every", "soon", code=2).stderr
    )
    assert (
        "unknown segment"
        in cli("cadence", "set", "--segment", "nope", "--every", "9d", code=2).stderr
    )


def test_due_from_the_real_date_of_the_last_contact(cli, ann) -> None:
    cli("cadence", "set", "--tag", "vip", "--every", "30d")
    # last contact 2026-10-10 (not the later-logged order of entry): due 2026-11-09
    assert _cadence(cli) == [("c1", "2026-11-09")]
    (row,) = _due(cli)
    assert (row["section"], row["days_overdue"]) == ("overdue", 11)
    assert row["note"] == "every 30d; last contact 2026-10-10"


def test_logging_a_contact_restarts_the_clock(cli, ann) -> None:
    cli("cadence", "set", "--tag", "vip", "--every", "30d")
    cli("log", "Ann", "-m", "caught up")
    assert _cadence(cli) == []
    assert _cadence(cli, "--as-of", "2026-12-20") == [("c1", "2026-12-20")]


def test_a_contact_logged_with_a_past_date_counts_from_that_date(cli, ann) -> None:
    cli("cadence", "set", "--tag", "vip", "--every", "30d")
    cli("log", "Ann", "--at", "2026-11-01")
    assert _cadence(cli) == []
    assert _cadence(cli, "--as-of", "2026-11-28") == [("c1", "2026-12-01")]  # within 7 days


def test_done_on_a_cadence_item_logs_a_contact(cli, ann) -> None:
    cli("cadence", "set", "--tag", "vip", "--every", "30d")
    out = cli("done", "c1", "--log", "checked in", "--channel", "wechat")
    assert "Done F1 (cadence) with #1 Ann; logged contact #3" in out.stdout
    assert _due(cli) == []
    assert cli.json("show", "Ann")["last_contact"].startswith("2026-11-20")


def test_snooze_hides_the_cadence_but_does_not_move_it(cli, ann) -> None:
    cli("cadence", "set", "--tag", "vip", "--every", "30d")
    cli("snooze", "c1", "+3d")
    assert _due(cli, "--days", "2") == []
    (later,) = _due(cli)  # listed on the day it comes back, within the 7 days
    assert (later["section"], later["snoozed_until"]) == ("upcoming", "2026-11-23")
    back = _due(cli, "--as-of", "2026-11-23")
    assert [(r["key"], r["origin"], r["due_date"], r["days_overdue"]) for r in back] == [
        ("F1", "cadence", "2026-11-09", 14),
    ]
    cli("log", "Ann")  # the contact closes the stored item and restarts the clock
    assert _due(cli, "--as-of", "2026-11-23") == []


def test_cancel_skips_a_cycle(cli, ann) -> None:
    cli("cadence", "set", "--tag", "vip", "--every", "30d")
    cli("cancel", "c1")
    assert _due(cli) == []
    rows = _due(cli, "--as-of", "2026-12-20")
    assert [(r["key"], r["note"]) for r in rows] == [("c1", "every 30d; skipped on 2026-11-20")]


def test_an_open_planned_follow_up_stands_in_for_the_cadence(cli, ann) -> None:
    cli("cadence", "set", "--tag", "vip", "--every", "30d")
    cli("plan", "Ann", "+20d")
    assert _due(cli) == []


def test_precedence_customer_over_tag_over_default_shortest_within_a_level(cli, ann) -> None:
    cli("add", "Bob", "--tag", "wholesale")  # created 2026-11-20, never contacted
    cli("add", "Cat")
    cli("cadence", "set", "--tag", "vip", "--every", "60d")
    cli("cadence", "set", "--tag", "wholesale", "--every", "5d")
    cli("tag", "Ann", "wholesale")  # Ann: vip 60, wholesale 5 → 5
    assert _cadence(cli) == [("c1", "2026-10-15"), ("c2", "2026-11-25")]
    cli("cadence", "set", "--customer", "Ann", "--every", "90d")  # her own wins, though longer
    assert _cadence(cli) == [("c2", "2026-11-25")]
    cli("config", "set", "followups.cadence_default_days", "3")  # everyone else: Cat
    assert sorted(_cadence(cli)) == [("c2", "2026-11-25"), ("c3", "2026-11-23")]
    notes = {r["key"]: r["note"] for r in _due(cli)}
    assert notes["c3"] == "every 3d; never contacted"
    assert "Everyone else: every 3 days" in cli("cadence", "list").stdout


def test_segment_cadence_between_tag_and_default(cli, ann) -> None:
    # one buyer scores R=F=M=3: "Need Attention"
    cli("buy", "Ann", "50", "--at", "2026-10-10")
    out = cli("cadence", "set", "--segment", "need-attention", "--every", "20d").stdout
    assert "Set cadence for segment Need Attention: every 20 days" in out
    out = cli("cadence", "set", "--segment", "Need Attention", "--every", "20d").stdout
    assert "Changed cadence for segment Need Attention" in out
    assert _cadence(cli) == [("c1", "2026-10-30")]
    cli("cadence", "set", "--tag", "vip", "--every", "60d")  # the tag wins over the segment
    assert _cadence(cli) == []
    assert _cadence(cli, "--as-of", "2026-12-05") == [("c1", "2026-12-09")]
    (row,) = cli.json("cadence", "list")[1:]
    assert (row["scope"], row["label"], row["customers"]) == ("segment", "Need Attention", 1)


def test_archived_customers_have_no_cadence(cli, ann) -> None:
    cli("cadence", "set", "--tag", "vip", "--every", "30d")
    cli("archive", "Ann")
    assert _due(cli) == []
