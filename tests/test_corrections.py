"""Corrections of records entered by mistake (issue 17.7): `edit KIND ID` and `delete KIND ID`
for purchases, contacts, feedback and complaints; their trail, points, last contact and agenda."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from custtrack import db


def _rows(sql: str) -> list[tuple]:
    try:
        with db.engine().connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        db.dispose()


def _trail(cli, who: str = "Ann") -> list[tuple]:
    """(action, entity, entity_id, field, old, new) of the customer's trail, oldest first."""
    rows = cli.json("history", who)
    return [(r["action"], r["entity"], r["entity_id"], r["field"], r["old"], r["new"])
            for r in reversed(rows)]  # fmt: skip


def _points(cli, who: str = "Ann") -> int:
    return cli.json("show", who)["points"]["balance"]


@pytest.fixture
def ann(cli):
    cli("config", "set", "currency", "CNY")
    cli("add", "Ann")
    return cli


# --- each kind edited and deleted, on both engines ---------------------------------------------


@pytest.mark.both_engines
def test_edit_and_delete_a_purchase_keep_points_and_trail(ann) -> None:
    cli = ann
    cli("config", "set", "points.per_unit", "1")
    p = cli.json("buy", "Ann", "100", "--product", "Longjing", "--at", "2026-11-18")
    assert _points(cli) == 100
    out = cli("edit", "purchase", str(p["id"]), "--amount", "250", "--qty", "2").stdout
    assert "amount: 100.00 CNY → 250.00 CNY" in out and "qty: 1 → 2" in out
    assert "Corrected purchase #1 of #1 Ann" in out
    assert _points(cli) == 250
    data = cli.json("edit", "purchase", "#1", "--amount", "80", "--category", "tea")
    assert (data["id"], data["amount_minor"], data["category"], data["qty"]) == (1, 8000, "tea", 2)
    assert data["kind"] == "purchase"
    assert _points(cli) == 80
    shown = cli.json("show", "Ann")
    assert shown["summary"]["spend_minor"] == 8000
    trail = _trail(cli)
    assert ("update", "purchase", 1, "amount", "100.00 CNY", "250.00 CNY") in trail
    assert ("update", "purchase", 1, "qty", "1", "2") in trail
    assert ("update", "purchase", 1, "category", None, "tea") in trail
    out = cli("delete", "purchase", "1", "--yes").stdout
    assert "Deleted purchase #1 of #1 Ann" in out and "80 points taken back" in out
    assert _points(cli) == 0
    assert cli.json("show", "Ann")["summary"]["purchases"] == 0
    [gone] = [t for t in _trail(cli) if t[0] == "delete"]
    assert gone[1:3] == ("purchase", 1)
    assert json.loads(gone[4])["amount_minor"] == 8000
    notes = _rows("SELECT kind, points, note FROM points_ledger ORDER BY id")
    assert notes == [
        ("earn", 100, None), ("earn", 150, "purchase corrected"),
        ("reverse", -170, "purchase corrected"), ("reverse", -80, "purchase deleted"),
    ]  # fmt: skip


@pytest.mark.both_engines
def test_edit_and_delete_a_contact_keep_last_contact_right(ann) -> None:
    cli = ann
    cli("log", "Ann", "-c", "phone", "-m", "first", "--at", "2026-11-10 10:00")
    cli("log", "Ann", "-c", "visit", "-m", "latest", "--at", "2026-11-19 15:00")
    assert cli.json("show", "Ann")["last_contact"].startswith("2026-11-19T15:00")
    out = cli("edit", "contact", "2", "-c", "wechat", "-m", "latest, corrected").stdout
    assert "channel: visit → wechat" in out and "Corrected contact #2 of #1 Ann" in out
    # moved back before the other one: the last contact is the other one's time
    data = cli.json("edit", "contact", "2", "--at", "2026-11-05 09:00", "--outcome", "ordered")
    assert (data["channel"], data["summary"], data["outcome"]) == (
        "wechat", "latest, corrected", "ordered",
    )  # fmt: skip
    assert cli.json("show", "Ann")["last_contact"].startswith("2026-11-10T10:00")
    cli("edit", "contact", "2", "--at", "2026-11-19 15:00")
    cli("delete", "contact", "2", "--yes")
    shown = cli.json("show", "Ann")
    assert shown["last_contact"].startswith("2026-11-10T10:00")
    assert [t["id"] for t in shown["timeline"]] == [1]
    cli("delete", "contact", "1", "--yes")
    assert cli.json("show", "Ann")["last_contact"] is None
    trail = _trail(cli)
    assert ("update", "contact", 2, "channel", "visit", "wechat") in trail
    assert ("update", "contact", 2, "summary", "latest", "latest, corrected") in trail
    deleted = [(t[2], json.loads(t[4])["summary"]) for t in trail if t[0] == "delete"]
    assert deleted == [(2, "latest, corrected"), (1, "first")]
    out = cli("history", "Ann").stdout
    assert "contact #2" in out and "summary" in out


@pytest.mark.both_engines
def test_edit_and_delete_feedback(ann) -> None:
    cli = ann
    cli("feedback", "Ann", "--csat", "2", "--text", "slow")
    out = cli("edit", "feedback", "1", "--csat", "4", "--nps", "9", "--text", "fast").stdout
    assert "csat: 2 → 4" in out and "nps: — → 9" in out
    fb = cli.json("show", "Ann")["latest_feedback"]
    assert (fb["csat"], fb["nps"], fb["text"]) == (4, 9, "fast")
    assert ("update", "feedback", 1, "text", "slow", "fast") in _trail(cli)
    data = cli.json("delete", "feedback", "1", "--yes")
    assert (data["id"], data["csat"], data["deleted"]) == (1, 4, True)
    assert cli.json("show", "Ann")["latest_feedback"] is None
    assert [t[:3] for t in _trail(cli) if t[0] == "delete"] == [("delete", "feedback", 1)]


@pytest.mark.both_engines
def test_edit_and_delete_a_complaint_keep_due_right(ann) -> None:
    cli = ann
    cli("complain", "Ann", "--priority", "low", "-m", "late", "--at", "2026-11-19 10:00")
    assert cli.json("due") == []  # low: 168 h
    out = cli("edit", "complaint", "1", "--priority", "high", "--category", "delivery").stdout
    assert "priority: normal" not in out and "priority: low → high" in out
    assert [r["key"] for r in cli.json("due")] == ["k1"]  # high: 24 h, the agenda followed
    cli("edit", "投诉", "1", "--text", "very late")
    c = cli.json("complaints")[0]
    assert (c["priority"], c["category"], c["text"]) == ("high", "delivery", "very late")
    trail = _trail(cli)
    assert ("update", "complaint", 1, "priority", "low", "high") in trail
    assert ("update", "complaint", 1, "category", "other", "delivery") in trail
    cli("delete", "complaint", "1", "--yes")
    assert cli.json("due") == []
    assert cli.json("complaints") == []
    assert ("delete", "complaint", 1) in [t[:3] for t in _trail(cli)]


@pytest.mark.both_engines
def test_due_follows_deleted_contacts_and_purchases(ann) -> None:
    cli = ann
    cli("cadence", "set", "--customer", "Ann", "--every", "30d")
    cli("config", "set", "followups.post_purchase_days", "3")
    cli("buy", "Ann", "10", "--at", "2026-11-10")
    cli("log", "Ann", "--at", "2026-10-01 10:00")

    def due() -> list[str]:
        return sorted(r["key"] for r in cli.json("due"))

    assert due() == ["c1", "p1"]
    cli("log", "Ann", "--at", "2026-11-19 10:00")  # settles both
    assert due() == []
    cli("delete", "contact", "2", "--yes")  # as if never logged: both are due again
    assert due() == ["c1", "p1"]
    cli("delete", "purchase", "1", "--yes")
    assert due() == ["c1"]
    cli("edit", "contact", "1", "--at", "2026-11-18 10:00")  # moved: the cadence is met
    assert due() == []


@pytest.mark.both_engines
def test_deleting_a_contact_reopens_the_follow_ups_it_settled(ann) -> None:
    cli = ann
    cli("plan", "Ann", "today")
    assert "closed follow-up F1" in cli("log", "Ann", "-m", "oops, wrong customer").stdout
    assert cli.json("due") == []
    out = cli("delete", "contact", "1", "--yes").stdout
    assert "follow-up F1 is open again" in out
    assert [r["key"] for r in cli.json("due")] == ["F1"]


def test_a_purchase_without_points_programme_keeps_the_ledger_empty(ann) -> None:
    cli = ann
    cli("buy", "Ann", "100")
    cli("edit", "purchase", "1", "--amount", "200")
    cli("delete", "purchase", "1", "--yes")
    assert _rows("SELECT count(*) FROM points_ledger") == [(0,)]


def test_import_undo_after_a_purchase_deleted_by_hand(ann, tmp_path) -> None:
    cli = ann
    cli("config", "set", "points.per_unit", "1")
    buys = tmp_path / "buys.csv"
    buys.write_text("name,date,amount,currency\nAnn,2026-11-01,10,CNY\nAnn,2026-11-02,20,CNY\n")
    cli("import", "purchases", buys)
    assert _points(cli) == 30
    cli("edit", "purchase", "2", "--amount", "50")
    cli("delete", "purchase", "1", "--yes")
    assert _points(cli) == 50
    cli("import", "undo", "1", "--yes")
    assert _points(cli) == 0
    assert _rows("SELECT count(*) FROM purchases") == [(0,)]
    assert _rows("SELECT count(*) FROM points_ledger") == [(0,)]


# --- bad values, unknown ids, wrong options ----------------------------------------------------


BAD = [
    (["edit", "purchase", "1", "--amount", "abc"], 2, "Error: --amount 'abc': not an amount"),
    (["edit", "purchase", "1", "--amount", "-5"], 2, "Error: --amount '-5': must not be"),
    (["edit", "purchase", "1", "--qty", "0"], 2, "Error: --qty 0: must be at least 1"),
    (["edit", "purchase", "1", "--currency", "XXY"], 2, "Error: --currency 'XXY': not an ISO"),
    (["edit", "purchase", "1", "--at", "2026-12-01"], 2, "Error: --at '2026-12-01': is in the"),
    (["edit", "purchase", "1", "--cost", "x"], 2, "Error: --cost 'x': not an amount"),
    (["edit", "contact", "1", "--channel", "fax"], 2, "Error: --channel 'fax': must be one of"),
    (["edit", "feedback", "1", "--csat", "6"], 2, "Error: --csat 6: must be between 1 and 5"),
    (["edit", "feedback", "1", "--nps", "11"], 2, "Error: --nps 11: must be between 0 and 10"),
    (["edit", "complaint", "1", "--priority", "asap"], 2, "Error: --priority 'asap': must be"),
    (["edit", "complaint", "1", "--category", "x"], 2, "Error: --category 'x': must be one of"),
    (["edit", "purchase", "1", "--city", "Rome"], 2, "Error: --city does not apply to purchase #1"),
    (["edit", "feedback", "1", "--amount", "3"], 2, "Error: --amount does not apply to feedback"),
    (["edit", "contact", "1"], 2, "Error: nothing to change: give at least one option, e.g."),
    (["edit", "Ann", "--amount", "3"], 2, "Error: --amount corrects a purchase, contact"),
    (["edit", "order", "1", "--amount", "3"], 2, "Error: KIND 'order': before an ID"),
    (["edit", "purchase", "x1", "--amount", "3"], 2, "Error: ID 'x1': must be a record's"),
    (["edit", "purchase", "999", "--amount", "3"], 1, "Error: no purchase with id 999"),
    (["edit", "contact", "999", "-m", "x"], 1, "Error: no contact with id 999"),
    (["edit", "feedback", "999", "--csat", "3"], 1, "Error: no feedback with id 999"),
    (["edit", "complaint", "999", "--text", "x"], 1, "Error: no complaint with id 999"),
    (["delete", "purchase", "999", "--yes"], 1, "Error: no purchase with id 999"),
    (["delete", "contact", "999", "--yes"], 1, "Error: no contact with id 999"),
    (["delete", "feedback", "999", "--yes"], 1, "Error: no feedback with id 999"),
    (["delete", "complaint", "999", "--yes"], 1, "Error: no complaint with id 999"),
]


@pytest.mark.both_engines
def test_bad_values_and_unknown_ids_change_nothing(ann, snapshot) -> None:
    cli = ann
    cli("buy", "Ann", "10")
    cli("log", "Ann")
    cli("feedback", "Ann", "--csat", "3")
    cli("complain", "Ann", "-m", "late")
    before = snapshot()
    for args, code, error in BAD:
        result = cli(*args, code=code)
        assert result.stderr.startswith(error), (args, result.stderr)
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stdout + result.stderr
    assert snapshot() == before


def test_feedback_keeps_a_score_or_a_text(ann, snapshot) -> None:
    cli = ann
    cli("feedback", "Ann", "--text", "nice")
    before = snapshot()
    result = cli("edit", "feedback", "1", "--text", "", code=2)
    assert result.stderr.startswith("Error: give --csat 1-5, --nps 0-10 or --text")
    assert snapshot() == before


def test_delete_asks_first_and_no_keeps_the_record(ann) -> None:
    cli = ann
    cli("buy", "Ann", "268", "--product", "Longjing")
    result = cli("delete", "purchase", "1", input="n\n", code=1)
    assert "Delete purchase #1 (268.00 CNY Longjing 2026-11-20) of #1 Ann?" in result.stdout
    assert "Nothing deleted." in result.stdout + result.stderr
    assert cli.json("show", "Ann")["summary"]["purchases"] == 1
    cli("delete", "purchase", "1", input="y\n")
    assert cli.json("show", "Ann")["summary"]["purchases"] == 0


# --- the customer's edit and delete are as they were -------------------------------------------


def test_edit_and_delete_customer_unchanged(ann) -> None:
    cli = ann
    out = cli("edit", "Ann", "--city", "杭州").stdout
    assert "city: — → 杭州" in out and "Updated #1 Ann" in out
    cli("add", "purchase")  # a customer called like a kind: one argument is a customer
    assert "Updated #2 purchase" in cli("edit", "purchase", "--city", "Rome").stdout
    cli("log", "Ann")
    out = cli("delete", "purchase", "--yes").stdout
    assert "Deleted #2 purchase" in out
    data = cli.json("delete", "Ann", "--yes")
    assert (data["id"], data["name"], data["deleted"]["interactions"]) == (1, "Ann", 1)


def test_show_prints_the_ids_of_every_kind(ann) -> None:
    cli = ann
    cli("log", "Ann", "-m", "hello")
    cli("buy", "Ann", "10")
    cli("feedback", "Ann", "--csat", "5")
    cli("complain", "Ann", "-m", "late")
    out = cli("show", "Ann").stdout
    for shown in ("contact #1", "purchase #1", "feedback #1", "complaint #1"):
        assert shown in out


def test_in_chinese(ann, monkeypatch) -> None:
    cli = ann
    cli("config", "set", "points.per_unit", "1")
    cli("buy", "Ann", "100")
    cli("log", "Ann", "-m", "hi")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    out = cli("edit", "购买", "1", "--amount", "120").stdout
    assert "金额：100.00 CNY → 120.00 CNY" in out and "已更正 #1 Ann 的购买 #1" in out
    result = cli("edit", "购买", "1", "--qty", "0", code=2)
    assert result.stderr.startswith("错误：--qty 0：")
    assert "没有编号为 999 的联系记录" in cli("delete", "联系", "999", "--yes", code=1).stderr
    out = cli("delete", "联系", "1", "--yes").stdout
    assert "已删除 #1 Ann 的联系 #1" in out
    out = cli("history", "Ann").stdout
    assert "联系记录 #1" in out and "购买 #1" in out and "摘要" in out
    help_text = cli("edit", "--help").stdout
    assert "更正购买" in help_text


def test_a_new_currency_keeps_the_figure_or_says_to_give_the_amount(ann, snapshot) -> None:
    cli = ann
    cli("buy", "Ann", "42.75")
    before = snapshot()
    result = cli("edit", "purchase", "1", "--currency", "JPY", code=2)
    assert result.stderr == (
        "Error: --currency 'JPY': JPY has no cents (give --amount in JPY too)\n"
    )
    assert snapshot() == before
    assert (
        "amount: 42.75 CNY → 42.75 USD" in cli("edit", "purchase", "1", "--currency", "usd").stdout
    )
    data = cli.json("edit", "purchase", "1", "--currency", "JPY", "--amount", "900")
    assert (data["amount_minor"], data["currency"]) == (900, "JPY")
