"""Acting on follow-ups: plan, done (with --next), snooze, reschedule, cancel, and `log` closing."""

import pytest

# every follow-up command on SQLite and on PostgreSQL
pytestmark = pytest.mark.both_engines


def _due(cli, *args: str) -> list[dict]:
    return cli.json("due", *args)


def _keys(rows: list[dict]) -> list[str]:
    return [r["key"] for r in rows]


def test_plan_stores_a_follow_up_with_time_channel_note(cli) -> None:
    cli("add", "Wang Fang", "--phone", "+86 138 0013 8000")
    out = cli("plan", "Wang", "明天下午3点", "-c", "wechat", "-m", "new tea", "--priority", "high")
    assert "Planned follow-up F1 with #1 Wang Fang" in out.stdout
    assert "2026-11-21 15:00" in out.stdout
    (row,) = _due(cli)
    assert (row["key"], row["due_date"], row["due_time"]) == ("F1", "2026-11-21", "15:00:00")
    assert (row["channel"], row["note"], row["priority"], row["origin"]) == (
        "wechat", "new tea", "high", "manual",
    )  # fmt: skip
    assert row["section"] == "upcoming" and row["phone"] == "+8613800138000"


def test_plan_refuses_an_archived_customer_and_changes_nothing(cli, snapshot) -> None:
    cli("add", "Ann")
    cli("archive", "Ann")
    before = snapshot()
    out = cli("plan", "Ann", "tomorrow", code=2)
    assert "archived" in out.stderr
    assert snapshot() == before


def test_done_logs_the_contact_and_plans_the_next_in_one_step(cli) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "today", "-c", "wechat", "-m", "ask about the order")
    out = cli("done", "1", "--log", "ordered two boxes", "--next", "in 2 weeks")
    assert "Done F1 (manual) with #1 Ann; logged contact #1" in out.stdout
    assert "next contact planned: F2 on 2026-12-04" in out.stdout
    show = cli.json("show", "Ann")
    assert show["timeline"][0]["detail"] == "ordered two boxes"
    assert show["timeline"][0]["what"] == "wechat"  # the follow-up's channel
    assert show["next_followup"]["id"] == 2
    assert show["next_followup"]["due_date"] == "2026-12-04"
    assert _keys(_due(cli, "--days", "30")) == ["F2"]


def test_done_next_failure_rolls_back_the_whole_step(cli, snapshot) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "today")
    before = snapshot()
    out = cli("done", "1", "--next", "someday maybe", code=2)
    assert "--next 'someday maybe'" in out.stderr
    out = cli("done", "1", "--channel", "pigeon", code=2)
    assert "--channel 'pigeon'" in out.stderr
    assert snapshot() == before


def test_done_twice_is_a_conflict(cli) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "today")
    cli("done", "1")
    out = cli("done", "1", code=1)
    assert "Error: follow-up F1 is already done" in out.stderr
    assert "no follow-up F9" in cli("cancel", "9", code=1).stderr
    assert "not a follow-up id" in cli("snooze", "x9", "tomorrow", code=2).stderr


def test_done_early_closes_a_future_follow_up(cli) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "+5d")
    cli("done", "1")
    assert _due(cli) == []


def test_snooze_hides_until_the_day_then_it_comes_back_overdue(cli, monkeypatch) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "2026-11-18", "--past")
    out = cli("snooze", "1", "+3d")
    assert "Snoozed F1 (manual) with #1 Ann until 2026-11-23" in out.stdout
    assert _due(cli, "--days", "2") == []
    assert _due(cli, "--as-of", "2026-11-22", "--days", "0") == []
    # within the look-ahead it is listed on the day it comes back (issue 17.4)
    (later,) = _due(cli)
    assert (later["section"], later["due_date"], later["snoozed_until"]) == (
        "upcoming", "2026-11-18", "2026-11-23",
    )  # fmt: skip
    back = _due(cli, "--as-of", "2026-11-23")
    assert _keys(back) == ["F1"]
    assert back[0]["due_date"] == "2026-11-18" and back[0]["days_overdue"] == 5  # due date kept
    assert "snooze until a later day" in cli("snooze", "1", "today", code=2).stderr


def test_reschedule_moves_the_due_date_and_clears_a_snooze(cli) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "2026-11-18", "--past")
    cli("snooze", "1", "+10d")
    out = cli("reschedule", "1", "next monday 10:00")
    assert "Rescheduled F1 (manual) with #1 Ann to 2026-11-23 10:00" in out.stdout
    (row,) = _due(cli)
    assert (row["due_date"], row["due_time"], row["days_overdue"]) == ("2026-11-23", "10:00:00", 0)


def test_cancel_drops_it_without_a_contact(cli) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "today")
    assert "Cancelled F1 (manual)" in cli("cancel", "1").stdout
    assert _due(cli) == []
    assert cli.json("show", "Ann")["timeline"] == []


def test_log_closes_follow_ups_due_by_that_day_and_says_which(cli) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "2026-11-18", "--past")
    cli("plan", "Ann", "today")
    cli("plan", "Ann", "+3d")
    out = cli("log", "Ann", "-m", "called")
    assert "closed follow-ups F1, F2" in out.stdout
    assert _keys(_due(cli)) == ["F3"]


def test_log_with_a_past_at_closes_only_what_was_due_by_then(cli) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "2026-11-17", "--past")
    cli("plan", "Ann", "2026-11-19", "--past")
    out = cli("log", "Ann", "--at", "2026-11-18 10:00")
    assert "closed follow-up F1" in out.stdout and "F2" not in out.stdout
    assert _keys(_due(cli)) == ["F2"]


def test_log_keep_open_closes_nothing(cli) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "today")
    out = cli("log", "Ann", "--keep-open")
    assert "closed" not in out.stdout
    assert _keys(_due(cli)) == ["F1"]


def test_log_next_plans_with_the_contact_channel(cli) -> None:
    cli("add", "Ann")
    out = cli("log", "Ann", "-c", "visit", "--next", "明天 15:00", "--next-note", "bring samples")
    assert "next contact planned: F1 on 2026-11-21 15:00" in out.stdout
    (row,) = _due(cli)
    assert (row["channel"], row["note"]) == ("visit", "bring samples")


@pytest.mark.parametrize("action", [("done", "k1"), ("cancel", "k1"), ("snooze", "k1", "+2d")])
def test_acting_on_a_computed_complaint_stores_it_once(cli, action) -> None:
    cli("add", "Ann")
    cli("complain", "Ann", "--priority", "urgent", "-m", "box wet", "--at", "2026-11-19 09:00")
    assert _keys(_due(cli)) == ["k1"]
    out = cli(*action)
    assert "F1 (complaint)" in out.stdout
    assert _due(cli, "--days", "1") == []  # the stored row settles the computed one
    assert "nothing is due for k1" in cli("done", "k1", code=1).stderr
