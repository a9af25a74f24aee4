"""Loyalty points (a ledger) and tiers, issue 15; migration 0010."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from custtrack import db
from custtrack.errors import CusttrackError
from custtrack.migrations import HEAD
from custtrack.services import loyalty


def _points(cli) -> None:
    cli("config", "set", "currency", "CNY")
    cli("config", "set", "points.per_unit", "1")


def _rows(sql: str) -> list[tuple]:
    try:
        with db.engine().connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        db.dispose()


# --- the rule and the replay, by hand ------------------------------------------------------------


def _rule(**kw) -> loyalty.Rule:
    base = {"per_unit": Decimal("1.5"), "rounding": "down", "multipliers": {"tea": Decimal(2)},
            "signup": 0, "birthday": 0, "expire_days": 0, "currency": "CNY"}  # fmt: skip
    return loyalty.Rule(**{**base, **kw})


def test_purchase_points_by_hand() -> None:
    # 12.99 CNY × 1.5 = 19.485 points
    assert loyalty.purchase_points(_rule(), 1299, "CNY", None) == 19
    assert loyalty.purchase_points(_rule(rounding="nearest"), 1299, "CNY", None) == 19
    assert loyalty.purchase_points(_rule(rounding="up"), 1299, "CNY", None) == 20
    # tea × 2: 38.97 points; a category is matched without regard to case
    assert loyalty.purchase_points(_rule(), 1299, "CNY", "Tea") == 38
    assert loyalty.purchase_points(_rule(), 1299, "USD", None) == 0  # another currency: none
    assert loyalty.purchase_points(_rule(per_unit=Decimal(0)), 1299, "CNY", None) == 0
    assert loyalty.multipliers("茶叶：2，礼品=1.5") == {"茶叶": Decimal(2), "礼品": Decimal("1.5")}


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def test_replay_spends_and_expires_oldest_first() -> None:
    rows = [
        {"at": _at("2026-01-01"), "kind": "earn", "points": 100, "purchase_id": 1},
        {"at": _at("2026-03-01"), "kind": "earn", "points": 50, "purchase_id": 2},
        {"at": _at("2026-04-01"), "kind": "redeem", "points": -120, "purchase_id": None},
    ]
    # no expiry: 30 left
    assert loyalty.replay(rows, 0, _at("2026-12-01")) == (30, [], None)
    # 180 days: the redemption took all 100 of January and 20 of March; March's 30 expire
    # on 2026-08-28 (March 1 + 180 days)
    balance, pending, nxt = loyalty.replay(rows, 180, _at("2026-12-01"))
    assert (balance, pending, nxt) == (0, [(_at("2026-08-28"), 30)], None)
    # before that day: nothing expired yet, 30 expire next
    assert loyalty.replay(rows, 180, _at("2026-06-01")) == (30, [], (_at("2026-08-28"), 30))
    # once written (an expire row at that moment), nothing is pending any more
    written = [*rows, {"at": _at("2026-08-28"), "kind": "expire", "points": -30}]
    assert loyalty.replay(written, 180, _at("2026-12-01")) == (0, [], None)
    # a reversal takes its own purchase's points first; what was spent already is a debt
    reverse = [*rows, {"at": _at("2026-05-01"), "kind": "reverse", "points": -50,
                       "purchase_id": 2}]  # fmt: skip
    assert loyalty.replay(reverse, 180, _at("2026-06-01"))[0] == -20
    earn_again = [*reverse, {"at": _at("2026-05-02"), "kind": "earn", "points": 40}]
    # the new 40 pay the debt of 20 first; the 20 left expire 180 days after May 2
    assert loyalty.replay(earn_again, 180, _at("2026-12-01")) == (0, [(_at("2026-10-29"), 20)],
                                                                  None)  # fmt: skip


# --- points in use -------------------------------------------------------------------------------


@pytest.mark.both_engines
def test_purchases_earn_with_bonuses_and_the_ledger_says_so(cli) -> None:
    _points(cli)
    cli("config", "set", "points.signup_bonus", "50")
    cli("config", "set", "points.birthday_bonus", "100")
    cli("config", "set", "points.category_multipliers", "tea=2")
    cli("add", "Ann", "--birthday", "1990-11-03")
    cli("buy", "Ann", "128.50", "--category", "tea", "--at", "2026-11-02")  # 257 + birthday
    cli("buy", "Ann", "10", "--at", "2026-11-05")  # 10, no second birthday bonus this year
    cli("buy", "Ann", "5", "--at", "2026-10-05", "--currency", "USD")  # another currency: 0
    data = cli.json("points", "Ann")
    assert (data["balance"], data["earned"], data["redeemed"]) == (417, 417, 0)
    kinds = [(r["kind"], r["points"], r["note"]) for r in data["ledger"]]
    assert sorted(kinds, key=str) == sorted(
        [("bonus", 50, "sign-up"), ("earn", 257, None), ("bonus", 100, "birthday"),
         ("earn", 10, None)], key=str,
    )  # fmt: skip
    assert cli.json("show", "Ann")["points"]["balance"] == 417
    table = cli("points", "Ann").stdout
    assert "417 points" in table and "sign-up" in table and "+257" in table


@pytest.mark.both_engines
def test_redeem_refuses_more_than_the_balance_and_adjust_needs_a_reason(cli) -> None:
    _points(cli)
    cli("add", "Ann")
    cli("buy", "Ann", "300", "--at", "2026-11-01")
    out = cli("points", "redeem", "Ann", "301", "--for", "tea", code=1)
    assert out.stderr.strip() == "Error: #1 Ann has 300 points; cannot redeem 301"
    out = cli("points", "redeem", "Ann", "100", "--for", "a tin of tea")
    assert "Redeemed 100 points of #1 Ann for a tin of tea; balance now 200 points" in out.stdout
    row = cli.json("points", "adjust", "Ann", "-50", "--reason", "counted twice")
    assert (row["kind"], row["points"], row["note"], row["balance"]) == (
        "adjust", -50, "counted twice", 150)  # fmt: skip
    assert "--reason" in cli("points", "adjust", "Ann", "10", code=2).stderr
    assert "not a whole number" in cli("points", "redeem", "Ann", "ten", code=2).stderr
    # the trail: who redeemed and adjusted, in the customer's history
    trail = [(r["entity"], r["action"]) for r in cli.json("history", "Ann")]
    assert trail.count(("points", "create")) == 2


@pytest.mark.both_engines
def test_points_expire_after_the_configured_days(cli) -> None:
    _points(cli)
    cli("config", "set", "points.expire_days", "30")
    cli("add", "Ann")
    cli("buy", "Ann", "100", "--at", "2026-09-01")  # expires 2026-10-01
    cli("buy", "Ann", "40", "--at", "2026-11-10")
    cli("points", "redeem", "Ann", "10", "--for", "x")  # writes the expiry of September's 100
    data = cli.json("points", "Ann")
    assert data["balance"] == 30  # 140 earned, 100 expired (written by redeem), 10 redeemed
    assert [r["points"] for r in data["ledger"] if r["kind"] == "expire"] == [-100]
    cli("buy", "Ann", "20", "--at", "2026-09-15")  # a late entry: its 20 expired 2026-10-15
    assert cli.json("points", "Ann")["balance"] == 30  # pending already taken off
    dry = cli.json("points", "expire", "--dry-run")
    assert [(r["customer"], r["points"]) for r in dry] == [("Ann", -20)]
    ledger = cli.json("points", "Ann")["ledger"]
    assert [r["points"] for r in ledger if r["pending"]] == [-20]  # the dry run wrote nothing
    cli("points", "expire")
    assert cli.json("points", "expire") == []
    assert cli.json("points", "Ann")["balance"] == 30


@pytest.mark.both_engines
def test_refunds_and_deleted_purchases_take_their_points_back(cli, tmp_path) -> None:
    _points(cli)
    cli("add", "Ann")
    cli("buy", "Ann", "200", "--at", "2026-11-01")  # purchase #1: 200 points
    cli("buy", "Ann", "50", "--at", "2026-11-02")  # #2: 50
    out = cli("refund", "1", "--amount", "50")
    assert out.stdout.strip() == (
        "✓ Refunded 50.00 CNY of purchase #1 of #1 Ann (refund #3); 150.00 CNY of it is kept; "
        "50 points taken back"
    )
    assert cli.json("show", "Ann")["summary"]["spend_minor"] == 20000
    out = cli.json("refund", "2")
    assert (out["refund_of"], out["amount"], out["points"]) == (2, "-50.00", -50)
    assert cli.json("points", "Ann")["balance"] == 150
    err = cli("refund", "1", "--amount", "151", code=2).stderr
    assert "more than what is left of the purchase (150.00" in err
    # a second refund of the same purchase takes back in proportion of what is left
    assert cli.json("refund", "1", "--amount", "75")["points"] == -75
    assert cli.json("points", "Ann")["balance"] == 75
    # deleting a refund gives its points back; recompute makes the same reversals again
    cli("delete", "purchase", "5", "--yes")
    assert cli.json("points", "Ann")["balance"] == 150
    assert "nothing to change" in cli("points", "recompute").stdout
    assert cli.json("points", "Ann")["balance"] == 150
    trail = {(r["entity"], r["action"], r["field"]) for r in cli.json("history", "Ann")}
    assert {("purchase", "create", None), ("purchase", "delete", None)} <= trail
    # an import's purchases earn points in the batch; undoing it takes them back
    f = tmp_path / "p.csv"
    f.write_text("name,date,amount\nAnn,2026-11-03,30\nBob,2026-11-04,70\n", encoding="utf-8")
    batch = cli.json("import", "purchases", f)["batch"]
    assert cli.json("points", "Ann")["balance"] == 180
    assert cli.json("points", "Bob")["balance"] == 70
    cli("import", "undo", str(batch), "--yes")
    assert cli.json("points", "Ann")["balance"] == 150


@pytest.mark.both_engines
def test_recompute_after_a_rule_change_with_a_dry_run(cli) -> None:
    _points(cli)
    cli("add", "Ann")
    cli("buy", "Ann", "100", "--at", "2026-11-01", "--category", "tea")
    cli("points", "redeem", "Ann", "30")
    cli("config", "set", "points.category_multipliers", "tea=3")
    dry = cli.json("points", "recompute", "--dry-run")
    assert dry == [{"customer_id": 1, "name": "Ann", "earned_before": 100, "earned_after": 300,
                    "balance_before": 70, "balance_after": 270}]  # fmt: skip
    assert cli.json("points", "Ann")["balance"] == 70  # the dry run wrote nothing
    assert "Recomputed the points of 1 customer" in cli("points", "recompute").stdout
    data = cli.json("points", "Ann")
    assert data["balance"] == 270
    assert [r["kind"] for r in data["ledger"]] == ["redeem", "earn"]  # the redemption stays
    assert "nothing to change" in cli("points", "recompute").stdout


def test_a_bad_rule_says_which_setting_and_how_to_fix_it(cli) -> None:
    cli("add", "Ann")
    cli("config", "set", "points.per_unit", "1")
    cli("config", "set", "points.rounding", "sideways")
    err = cli("buy", "Ann", "10", code=1).stderr
    assert "points.rounding" in err and "down, nearest or up" in err


# --- tiers ---------------------------------------------------------------------------------------


def _tiers(cli, basis: str = "spend") -> None:
    cli("config", "set", "currency", "CNY")
    cli("config", "set", "tiers.thresholds", "0,1000,5000,20000")
    cli("config", "set", "tiers.basis", basis)


def test_standing_by_hand(cli) -> None:
    _tiers(cli)
    t = loyalty.tiers()
    assert [(x.name, x.threshold) for x in t.levels] == [
        ("Standard", 0), ("Silver", 100000), ("Gold", 500000), ("Diamond", 2000000)
    ]  # fmt: skip
    d = date.fromisoformat
    events = [(d("2025-12-01"), 300000), (d("2026-03-01"), 150000), (d("2026-06-01"), 100000)]
    s = loyalty.standing_of(events, t, d("2026-11-20"))
    # 5,500 in the 365 days to 2026-11-20: Gold since 2026-06-01; Diamond needs 14,500 more;
    # when 2025-12-01 leaves the window (2026-12-01) 2,500 remain: Silver
    assert (s["value"], s["tier"].name, s["next"].name, s["needed"]) == (
        550000, "Gold", "Diamond", 1450000)  # fmt: skip
    assert (s["drop_on"], s["lower"].name, s["reached_on"]) == (
        d("2026-12-01"), "Silver", d("2026-06-01"))  # fmt: skip
    assert loyalty.standing_of([], t, d("2026-11-20"))["tier"].name == "Standard"
    cli("config", "set", "tiers.names", "普通,银卡,金卡")
    with pytest.raises(CusttrackError, match="expected 4 names"):
        loyalty.tiers()


@pytest.mark.both_engines
def test_show_list_tiers_and_report_per_tier(cli) -> None:
    _tiers(cli)
    cli("add", "Ann")
    cli("add", "Bob")
    cli("add", "Cai")
    cli("buy", "Ann", "6000", "--at", "2026-06-01")
    cli("buy", "Bob", "1200", "--at", "2025-12-20")  # Silver until 2026-12-20
    cli("buy", "Cai", "9000", "--at", "2025-10-01")  # outside the window: Standard
    tier = cli.json("show", "Ann")["tier"]
    assert (tier["tier"], tier["value"], tier["next"], tier["needed"]) == (
        "Gold", 600000, "Diamond", 1400000)  # fmt: skip
    assert tier["drops_on"] == "2027-06-01" and tier["drops_to"] == "Standard"
    card = cli("show", "Ann").stdout
    assert "Gold (6,000.00 CNY in 365 days); 14,000.00 CNY more for Diamond" in card
    assert [c["name"] for c in cli.json("list", "--tier", "silver")] == ["Bob"]
    assert [c["name"] for c in cli.json("list", "--tier", "Standard")] == ["Cai"]
    assert "no such tier" in cli("list", "--tier", "platinum", code=2).stderr
    rows = cli.json("tiers")
    assert [(r["tier"], r["customers"], r["revenue"]) for r in rows] == [
        ("Standard", 1, "0.00"), ("Silver", 1, "1200.00"), ("Gold", 1, "6000.00"),
        ("Diamond", 0, "0.00"),
    ]  # fmt: skip
    report = cli.json("report")
    assert [(r["tier"], r["customers"], r["revenue"]) for r in report["tiers"]] == [
        ("Standard", 1, "0.00"), ("Silver", 1, "1200.00"), ("Gold", 1, "6000.00"),
        ("Diamond", 0, "0.00"),
    ]  # fmt: skip
    assert "Loyalty tiers" in cli("report").stdout


@pytest.mark.both_engines
def test_due_reminds_of_a_tier_reached_and_of_one_about_to_be_lost(cli) -> None:
    _tiers(cli)
    cli("config", "set", "followups.post_purchase_enabled", "false")
    cli("add", "Ann")
    cli("add", "Bob")
    cli("buy", "Ann", "1500", "--at", "2026-11-18")  # reached Silver two days ago
    cli("buy", "Bob", "1200", "--at", "2025-12-10")  # drops on 2026-12-10: warned from 11-10
    items = {i["key"]: i for i in cli.json("due")}
    assert items["t1"]["origin"] == "tier" and items["t1"]["note"] == "reached Silver on 2026-11-18"
    assert items["t2"]["note"] == "drops from Silver to Standard on 2026-12-10"
    assert items["t2"]["due_date"] == "2026-11-10"
    zh = cli("--lang", "zh-CN", "due").stdout
    assert "2026-12-10 将从银卡降为普通" in zh and "会员等级" in zh
    cli("done", "t2", "--log", "offered a gift")  # acted on: stored, the reminder is settled
    keys = [i["key"] for i in cli.json("due")]
    assert "t2" not in keys and "t1" in keys
    # reached 14 days ago or more: no longer news
    assert "t1" not in [i["key"] for i in cli.json("due", "--as-of", "2026-12-03")]


# --- migration 0010 ------------------------------------------------------------------------------

T0 = "2025-01-05 02:00:00.000000"


def _revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(db._alembic_config())
    return [r.revision for r in reversed(list(scripts.walk_revisions())) if r.revision != HEAD]


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")
@pytest.mark.parametrize("old", _revisions())
def test_upgrade_from_every_earlier_version_keeps_every_row(tmp_path: Path, old: str) -> None:
    path = tmp_path / f"at-{old}.db"
    eng = db.bare_engine(str(path))
    try:
        db.upgrade(eng, old)
        with eng.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO customers (id, name, status, created_at, updated_at) VALUES "
                f"(1, 'Ann', 'active', '{T0}', '{T0}'), (2, 'Bob', 'archived', '{T0}', '{T0}')"
            )
            conn.exec_driver_sql(
                "INSERT INTO purchases (id, customer_id, at, qty, amount_minor, currency, "
                f"created_at) VALUES (1, 1, '{T0}', 2, 1299, 'CNY', '{T0}')"
            )
            conn.exec_driver_sql(
                "INSERT INTO interactions (id, customer_id, at, channel, created_at) VALUES "
                f"(1, 2, '{T0}', 'phone', '{T0}')"
            )
        db.upgrade(eng)
        assert db.schema_version(eng) == HEAD
        with eng.connect() as conn:
            got = conn.exec_driver_sql(
                "SELECT id, name, status, kind, referred_by_id FROM customers ORDER BY id"
            ).all()
            assert [tuple(r) for r in got] == [(1, "Ann", "active", "person", None),
                                               (2, "Bob", "archived", "person", None)]  # fmt: skip
            got = conn.exec_driver_sql(
                "SELECT id, customer_id, qty, amount_minor, person_id FROM purchases"
            ).all()
            assert [tuple(r) for r in got] == [(1, 1, 2, 1299, None)]
            got = conn.exec_driver_sql("SELECT id, customer_id, person_id FROM interactions").all()
            assert [tuple(r) for r in got] == [(1, 2, None)]
            for table in ("contact_persons", "points_ledger"):
                assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == 0
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    finally:
        eng.dispose()


@pytest.mark.both_engines
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")
def test_migration_0010_up_with_data_and_down_again(engine, request, isolated) -> None:
    """On both engines: a book with data gains the new columns, tables and triggers (a deleted
    customer or contact person is no longer named), and goes back down without losing a row."""
    from alembic import command

    if engine == "sqlite":
        url = str(isolated)
    else:
        server = request.getfixturevalue("pg_server")
        url = server.create(migrated=False)
        request.addfinalizer(lambda: (db.dispose(), server.drop(url)))
    previous = "0009"  # the revision 0010 comes after (later ones add their own tables)
    eng = db.bare_engine(url)
    try:
        db.upgrade(eng, previous)
        with eng.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO customers (id, name, status, created_at, updated_at) VALUES "
                f"(1, 'Ann', 'active', '{T0}', '{T0}'), (2, 'Bob', 'active', '{T0}', '{T0}')"
            )
            conn.exec_driver_sql(
                "INSERT INTO purchases (id, customer_id, at, qty, amount_minor, currency, "
                f"created_at) VALUES (1, 2, '{T0}', 1, 500, 'CNY', '{T0}')"
            )
        db.upgrade(eng)
        with eng.begin() as conn:
            conn.exec_driver_sql("UPDATE customers SET referred_by_id = 1, kind = 'company' "
                                 "WHERE id = 2")  # fmt: skip
            conn.exec_driver_sql(
                "INSERT INTO contact_persons (id, customer_id, name, created_at, updated_at) "
                f"VALUES (1, 2, 'Li', '{T0}', '{T0}')"
            )
            conn.exec_driver_sql("UPDATE purchases SET person_id = 1")
            conn.exec_driver_sql(
                "INSERT INTO points_ledger (customer_id, at, kind, points, purchase_id, "
                f"created_at) VALUES (2, '{T0}', 'earn', 5, 1, '{T0}')"
            )
            conn.exec_driver_sql("DELETE FROM agenda_dirty")
        with eng.begin() as conn:
            conn.exec_driver_sql("DELETE FROM contact_persons WHERE id = 1")
            conn.exec_driver_sql("DELETE FROM customers WHERE id = 1")
            conn.exec_driver_sql("UPDATE points_ledger SET points = 6")
        with eng.connect() as conn:
            assert conn.exec_driver_sql("SELECT person_id FROM purchases").all() == [(None,)]
            assert conn.exec_driver_sql("SELECT referred_by_id FROM customers").all() == [(None,)]
            assert (2,) in conn.exec_driver_sql("SELECT customer_id FROM agenda_dirty").all()
        cfg = db._alembic_config()
        with eng.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, previous)
        with eng.connect() as conn:
            assert "points_ledger" not in sa.inspect(conn).get_table_names()
            got = conn.exec_driver_sql("SELECT id, name FROM customers").all()
            assert [tuple(r) for r in got] == [(2, "Bob")]
            assert conn.exec_driver_sql("SELECT amount_minor FROM purchases").all() == [(500,)]
    finally:
        eng.dispose()


def test_chinese_points_and_tiers(cli, monkeypatch) -> None:
    _points(cli)
    _tiers(cli)
    cli("add", "王芳")
    cli("buy", "王芳", "1280", "--at", "2026-11-01")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    card = cli("show", "王芳").stdout
    assert "1,280 积分" in card
    assert "银卡（365 天内 ¥1,280.00）；再 ¥3,720.00 升金卡" in card
    ledger = cli("points", "王芳").stdout
    assert "积分明细" in ledger and "获得" in ledger and "余额" in ledger
    assert "门槛" in cli("tiers").stdout
    err = cli("points", "redeem", "王芳", "9999", code=1).stderr
    assert "只有 1,280 积分" not in err and "只有 1280 积分，不能兑换 9999" in err
    out = cli("points", "redeem", "王芳", "80", "--for", "茶叶罐").stdout
    assert out == "✓ 已为 #1 王芳 兑换 80 积分（茶叶罐），余额 1,200 积分\n"


def test_dates_stay_put(cli) -> None:
    """Ledger times are stored UTC and shown local, as every other time."""
    _points(cli)
    cli("add", "Ann")
    cli("buy", "Ann", "10", "--at", "2026-11-19 23:30")
    row = cli.json("points", "Ann")["ledger"][0]
    assert row["at"] == "2026-11-19T23:30:00+08:00"
    assert (datetime.fromisoformat(row["at"]) - timedelta(hours=8)).hour == 15
