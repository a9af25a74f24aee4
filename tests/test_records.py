"""What happens with a customer: log, buy, feedback, complain, complaints, resolve."""

from __future__ import annotations

import csv
import io

import pytest

from custtrack import config, db
from custtrack.errors import InvalidValue

# every record command on SQLite and on PostgreSQL
pytestmark = [pytest.mark.usefixtures("migrated_db"), pytest.mark.both_engines]


@pytest.fixture
def ann(cli):
    cli("add", "Ann Lee", "-e", "ann@example.com")
    return cli


def _table(snapshot, name: str) -> list[tuple]:
    return snapshot()[name]


# --- log ------------------------------------------------------------------------------------


def test_log_records_contact_and_last_contact(ann, snapshot) -> None:
    out = ann("log", "Ann", "-c", "WeChat", "-m", "asked about tea", "--outcome", "call back",
              "--at", "2026-11-18 15:30").stdout  # fmt: skip
    assert "Logged wechat contact #1 with #1 Ann Lee (ann@example.com)" in out
    data = ann.json("show", "Ann")
    assert data["last_contact"] == "2026-11-18T15:30:00+08:00"
    item = data["timeline"][0]
    assert (item["kind"], item["what"], item["detail"]) == (
        "contact", "wechat", "asked about tea — call back",
    )  # fmt: skip
    # an older contact does not move last contact back
    ann("log", "Ann", "-c", "sms", "--at", "2026-11-01")
    assert ann.json("show", "Ann")["last_contact"] == "2026-11-18T15:30:00+08:00"
    rows = _table(snapshot, "interactions")
    assert [r[3] for r in rows] == ["wechat", "sms"]


def test_log_defaults_to_now_by_phone(ann) -> None:
    ann("log", "ann@example.com")
    data = ann.json("show", "Ann")
    assert data["timeline"][0]["what"] == "phone"
    assert data["last_contact"].startswith("2026-11-20T")


def test_log_next_plans_a_followup(ann) -> None:
    out = ann(
        "log", "Ann", "-m", "quote sent", "--next", "2026-11-25 10:00", "--next-note", "chase"
    ).stdout
    assert "next contact planned: F1 on 2026-11-25 10:00" in out
    nxt = ann.json("show", "Ann")["next_followup"]
    assert (nxt["due_date"], nxt["due_time"], nxt["note"], nxt["channel"]) == (
        "2026-11-25", "10:00:00", "chase", "phone",
    )  # fmt: skip


def test_log_closes_due_followups_unless_keep_open(ann) -> None:
    ann("log", "Ann", "--at", "2026-11-10", "--next", "2026-11-15", "--past")
    ann("log", "Ann", "--at", "2026-11-12", "--keep-open")
    assert ann.json("show", "Ann")["next_followup"]["id"] == 1
    out = ann("log", "Ann", "--at", "2026-11-16").stdout
    assert "closed follow-up F1" in out
    assert ann.json("show", "Ann")["next_followup"] is None


def test_log_in_the_future_is_refused(ann, snapshot) -> None:
    before = snapshot()
    result = ann("log", "Ann", "--at", "2026-12-01", code=2)
    assert result.stderr.strip() == (
        "Error: --at '2026-12-01': is in the future; record it when it happens"
    )
    assert snapshot() == before


def test_log_next_note_needs_next(ann) -> None:
    assert "--next-note needs --next" in ann("log", "Ann", "--next-note", "x", code=2).stderr


# --- buy ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("19.99", None, 1999), ("1,299.50", None, 129950), ("$5", None, 500), ("0.1", None, 10),
     ("268", "CNY", 26800), ("¥88", "cny", 8800), ("1500", "JPY", 1500), ("1.234", "KWD", 1234)],
)  # fmt: skip
def test_buy_stores_money_exactly(
    ann, snapshot, amount: str, currency: str | None, minor: int
) -> None:
    args = ["buy", "Ann", amount] + (["--currency", currency] if currency else [])
    ann(*args)
    row = _table(snapshot, "purchases")[0]
    assert (row[6], row[7]) == (minor, (currency or "USD").upper())  # amount_minor, currency
    assert isinstance(row[6], int)


def test_buy_uses_configured_currency(ann, snapshot) -> None:
    config.set_value("currency", "CNY")
    out = ann("buy", "Ann", "1288", "--product", "龙井 250g", "--category", "tea", "-q", "2").stdout
    assert "Recorded purchase #1: 1,288.00 CNY by #1 Ann Lee" in out
    row = _table(snapshot, "purchases")[0]
    assert row[3:8] == ("龙井 250g", "tea", 2, 128800, "CNY")


def test_buy_with_order_ref_and_date(ann) -> None:
    ann("buy", "Ann", "42", "--order-ref", "T-1", "--at", "2026-11-02 14:00")
    item = ann.json("show", "Ann")["timeline"][0]
    assert (item["at"], item["what"], item["detail"]) == (
        "2026-11-02T14:00:00+08:00", "42.00 USD", "order T-1",
    )  # fmt: skip


def test_duplicate_order_ref_is_refused(ann, snapshot) -> None:
    ann("add", "Bob")
    ann("buy", "Ann", "10", "--order-ref", "R-7")
    before = snapshot()
    result = ann("buy", "Bob", "10", "--order-ref", " R-7 ", code=1)
    assert result.stderr.strip() == (
        "Error: order reference 'R-7' is already recorded (purchase #1 of #1 Ann Lee "
        "(ann@example.com))"
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--", "-5"], "Error: AMOUNT '-5': must not be negative"),
     (["abc"], "Error: AMOUNT 'abc': not an amount of money"),
     (["1,5"], "Error: AMOUNT '1,5': not an amount of money"),
     (["1e3"], "Error: AMOUNT '1e3': not an amount of money"),
     (["19.999"], "Error: AMOUNT '19.999': has more than 2 decimals for USD"),
     (["100.5", "--currency", "JPY"], "Error: AMOUNT '100.5': JPY has no cents"),
     (["10", "--currency", "dollars"],
      "Error: --currency 'dollars': not an ISO 4217 currency code"),
     (["10", "--qty", "0"], "Error: --qty 0: must be at least 1"),
     (["10", "--at", "tomorrow"], "Error: --at '2026-11-21': is in the future")],
)  # fmt: skip
def test_buy_bad_input(ann, snapshot, args: list[str], message: str) -> None:
    before = snapshot()
    result = ann("buy", "Ann", *args, code=2)
    assert result.stderr.startswith(message), result.stderr
    assert snapshot() == before


# --- feedback ---------------------------------------------------------------------------------


def test_feedback_scores_and_text(ann, snapshot) -> None:
    assert (
        "Recorded feedback #1 from #1 Ann Lee"
        in ann(
            "feedback", "Ann", "--csat", "5", "--nps", "10", "-m", "很好", "--channel", "wechat"
        ).stdout
    )
    ann("feedback", "Ann", "--nps", "0")
    ann("feedback", "Ann", "--text", "wants smaller packs")
    rows = _table(snapshot, "feedback")
    assert [(r[3], r[4], r[5], r[6]) for r in rows] == [
        (5, 10, "很好", "wechat"), (None, 0, None, None), (None, None, "wants smaller packs", None),
    ]  # fmt: skip
    assert ann.json("show", "Ann")["latest_feedback"]["id"] == 3


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [(["--csat", "0"], "Error: --csat 0: must be between 1 and 5", 2),
     (["--csat", "6"], "Error: --csat 6: must be between 1 and 5", 2),
     (["--nps", "11"], "Error: --nps 11: must be between 0 and 10", 2),
     (["--nps", "-1"], "Error: --nps -1: must be between 0 and 10", 2),
     ([], "Error: give --csat 1-5, --nps 0-10 or --text", 2),
     (["--csat", "4", "--channel", "fax"], "Error: --channel 'fax': must be one of phone", 2)],
)  # fmt: skip
def test_feedback_range_checks(ann, snapshot, args: list[str], message: str, code: int) -> None:
    before = snapshot()
    result = ann("feedback", "Ann", *args, code=code)
    assert result.stderr.startswith(message), result.stderr
    assert snapshot() == before


# --- complain, complaints, resolve ---------------------------------------------------------


def test_complaint_lifecycle(ann, snapshot) -> None:
    out = ann("complain", "Ann", "--category", "Delivery", "--priority", "high",
              "-m", "box arrived wet", "--assignee", "lei").stdout  # fmt: skip
    assert "Opened complaint #1 (delivery, high) for #1 Ann Lee" in out
    data = ann.json("show", "Ann")
    assert [c["text"] for c in data["open_complaints"]] == ["box arrived wet"]
    out = ann("resolve", "1", "--resolution", "sent a replacement").stdout
    assert "Resolved complaint #1" in out
    row = ann.json("complaints")[0]
    assert (row["status"], row["resolution"], row["assignee"]) == (
        "resolved", "sent a replacement", "lei",
    )  # fmt: skip
    assert row["resolved_at"].startswith("2026-11-20T")
    assert ann.json("show", "Ann")["open_complaints"] == []
    before = snapshot()
    assert "complaint #1 is already resolved" in ann("resolve", "1", "-m", "again", code=1).stderr
    assert "no complaint with id 9" in ann("resolve", "9", "-m", "x", code=1).stderr
    assert snapshot() == before


def test_resolve_needs_a_resolution(ann, snapshot) -> None:
    ann("complain", "Ann", "-m", "rude")
    before = snapshot()
    result = ann("resolve", "1", "--resolution", "  ", code=2)
    assert result.stderr.startswith("Error: --resolution '  ': say how it was resolved")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--category", "smell"], "Error: --category 'smell': must be one of price, quality"),
     (["--priority", "asap"], "Error: --priority 'asap': must be one of low, normal, high, urgent"),
     (["--at", "+2d"], "Error: --at '2026-11-22': is in the future")],
)  # fmt: skip
def test_complain_bad_input(ann, snapshot, args: list[str], message: str) -> None:
    before = snapshot()
    assert ann("complain", "Ann", *args, code=2).stderr.startswith(message)
    assert snapshot() == before


def test_complaints_open_first_then_oldest_first(ann) -> None:
    ann("add", "Bob")
    ann("complain", "Ann", "-m", "A-old", "--at", "2026-11-01")
    ann("complain", "Bob", "-m", "B-new", "--at", "2026-11-15", "--priority", "urgent")
    ann("complain", "Ann", "-m", "A-mid", "--at", "2026-11-10")
    ann("complain", "Bob", "-m", "B-oldest", "--at", "2026-10-01")
    ann("resolve", "4", "-m", "fixed")
    ann("resolve", "1", "-m", "fixed")
    texts = [c["text"] for c in ann.json("complaints")]
    assert texts == ["A-mid", "B-new", "B-oldest", "A-old"]
    assert [c["text"] for c in ann.json("complaints", "--status", "open")] == ["A-mid", "B-new"]
    assert [c["text"] for c in ann.json("complaints", "--status", "resolved")] == [
        "B-oldest", "A-old",
    ]  # fmt: skip
    assert [c["text"] for c in ann.json("complaints", "--customer", "Bob")] == ["B-new", "B-oldest"]
    rows = list(csv.DictReader(io.StringIO(ann("complaints", "-f", "csv").stdout)))
    assert [r["text"] for r in rows] == texts
    assert rows[0]["customer"] == "Ann Lee" and rows[0]["opened_at"] == "2026-11-10T12:00:00+08:00"
    out = ann("complaints").stdout
    assert out.index("A-mid") < out.index("B-new") < out.index("B-oldest") < out.index("A-old")
    assert "--status 'closed'" in ann("complaints", "--status", "closed", code=2).stderr


def test_complaints_empty(cli) -> None:
    assert "No complaints." in cli("complaints").stdout
    assert cli.json("complaints") == []


def test_future_check_uses_the_local_day(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """21:00 in Los Angeles is already tomorrow in UTC: still today for the user."""
    from datetime import UTC, datetime

    from custtrack import clock
    from custtrack.services import customers, records

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    clock._zone.cache_clear()
    cli("add", "Ann")
    with db.session(write=True) as s:
        ann = customers.resolve(s, "Ann")
        evening = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)  # 2026-11-20 21:00 local
        records.log_contact(s, ann, channel="phone", at=evening)
        with pytest.raises(InvalidValue, match="2026-11-21"):
            records.log_contact(s, ann, channel="phone", at=datetime(2026, 11, 21, 9, tzinfo=UTC))
    db.dispose()
    assert cli.json("show", "Ann")["last_contact"] == "2026-11-20T21:00:00-08:00"


# --- timeline (one UNION ALL query since issue 6) ---------------------------------------------


def test_timeline_limit_takes_the_newest_of_every_kind(ann) -> None:
    from custtrack.services import customers, records

    ann("log", "Ann", "-c", "visit", "-m", "came by", "--outcome", "ordered", "--at", "2026-11-01")
    ann("buy", "Ann", "12.50", "-p", "Longjing", "-q", "2", "--category", "tea", "--order-ref",
        "A-1", "--at", "2026-11-05")  # fmt: skip
    ann("feedback", "Ann", "--nps", "0")
    ann("complain", "Ann", "--category", "delivery", "-m", "box wet")
    ann("log", "Ann", "-c", "phone", "--at", "2026-10-01")
    with db.session() as s:
        c = customers.resolve(s, "Ann")
        everything, total = records.timeline(s, c.id)
        newest, total_limited = records.timeline(s, c.id, limit=3)
    assert total == total_limited == len(everything) == 5
    assert newest == everything[:3]
    kinds = [(i["kind"], i["what"], i["detail"]) for i in everything]
    assert kinds[2:] == [
        ("purchase", "12.50 USD", "Longjing ×2 tea order A-1"),
        ("contact", "visit", "came by — ordered"),
        ("contact", "phone", ""),
    ]
    assert kinds[0][0] == "complaint" and kinds[0][1].startswith("delivery")
    assert kinds[1] == ("feedback", "NPS 0", "")
    assert all(i["at"].tzinfo is not None for i in everything)
