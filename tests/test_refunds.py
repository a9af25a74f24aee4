"""Refunds as lines of their own (issue 17.7; migration 0013): `refund` records a negative purchase
line linked to the original (`refund_of`, `note`), dated when the money went back. What the
commands around it do with such a line: show, corrections, due, check, points and export. The
numbers (report, RFM, profit …) are in test_refunds_analytics.py.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from custtrack import db
from custtrack.migrations import HEAD

T0 = "2025-01-05 02:00:00.000000"  # the purchases
T1 = "2025-01-09 02:00:00.000000"  # their refunds


def _book(cli) -> None:
    """Ann bought tea for 100.00 on 2026-11-02 (purchase #1); the clock says 2026-11-20."""
    cli("config", "set", "currency", "CNY")
    cli("add", "Ann")
    cli("buy", "Ann", "100", "--at", "2026-11-02", "-p", "Tea")


def _purchases(cli) -> list[dict]:
    return json.loads(cli("export", "purchases", "--format", "json").stdout)


# --- migration 0013 ------------------------------------------------------------------------------


def _triggers(conn) -> set[str]:
    rows = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'purchases'"
    )
    return {r[0] for r in rows}


def _dirty(conn) -> set[int]:
    return {r[0] for r in conn.exec_driver_sql("SELECT customer_id FROM agenda_dirty")}


AGENDA_TRIGGERS = {"agenda_purchases_ins", "agenda_purchases_upd", "agenda_purchases_del"}


@pytest.mark.both_engines
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection:sqlalchemy.exc.SAWarning")
def test_upgrade_from_0012_keeps_every_row_and_goes_back(engine, request, isolated: Path):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    assert HEAD >= "0013"
    if engine == "sqlite":
        url = str(isolated)
    else:
        server = request.getfixturevalue("pg_server")
        url = server.create(migrated=False)
        request.addfinalizer(lambda: (db.dispose(), server.drop(url)))
    eng = db.bare_engine(url)
    try:
        db.upgrade(eng, "0012")
        with eng.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO customers (id, name, status, created_at, updated_at) VALUES "
                f"(1, 'Ann', 'active', '{T0}', '{T0}'), (2, '王芳', 'active', '{T0}', '{T0}')"
            )
            conn.exec_driver_sql(
                "INSERT INTO contact_persons (id, customer_id, name, created_at, updated_at) "
                f"VALUES (1, 2, 'Li', '{T0}', '{T0}')"
            )
            conn.exec_driver_sql(
                "INSERT INTO purchases (id, customer_id, at, product, qty, amount_minor, "
                "currency, cost_minor, person_id, created_at) VALUES "
                f"(1, 1, '{T0}', 'Tea', 2, 10000, 'CNY', 4000, NULL, '{T0}'), "
                f"(2, 1, '{T0}', 'Cup', 1, 5000, 'CNY', NULL, NULL, '{T0}'), "
                f"(3, 2, '{T0}', 'Pot', 1, 2000, 'CNY', 1000, 1, '{T0}'), "
                f"(4, 2, '{T0}', 'Box', 1, 700, 'CNY', NULL, NULL, '{T0}')"
            )
        db.upgrade(eng)
        assert db.schema_version(eng) == HEAD
        with eng.begin() as conn:
            got = conn.exec_driver_sql(
                "SELECT id, customer_id, product, qty, amount_minor, cost_minor, person_id, "
                "refund_of, note FROM purchases ORDER BY id"
            ).all()
            assert [tuple(r) for r in got] == [
                (1, 1, "Tea", 2, 10000, 4000, None, None, None),
                (2, 1, "Cup", 1, 5000, None, None, None, None),
                (3, 2, "Pot", 1, 2000, 1000, 1, None, None),
                (4, 2, "Box", 1, 700, None, None, None, None),
            ]
            got = conn.exec_driver_sql("SELECT id, name FROM customers ORDER BY id").all()
            assert [tuple(r) for r in got] == [(1, "Ann"), (2, "王芳")]
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, SQLModel.metadata)
            if engine == "postgresql":  # alembic cannot compare PostgreSQL's expression indexes
                diff = [d for d in diff if "purchases" in repr(d)]
            assert diff == []
            if engine == "sqlite":  # the rebuilt table has 0004's triggers again
                assert _triggers(conn) >= AGENDA_TRIGGERS

        def refused(sql: str) -> None:
            with pytest.raises(sa.exc.IntegrityError), eng.begin() as conn:
                conn.exec_driver_sql(sql)

        columns = "(id, customer_id, at, qty, amount_minor, currency, refund_of, created_at)"
        # the sign rule: an ordinary line 0 or more, a refund less than 0
        refused(f"INSERT INTO purchases {columns} VALUES (9, 1, '{T1}', 1, -100, 'CNY', NULL, "
                f"'{T1}')")  # fmt: skip
        refused(f"INSERT INTO purchases {columns} VALUES (9, 1, '{T1}', 1, 100, 'CNY', 1, "
                f"'{T1}')")  # fmt: skip
        # a refund of no purchase (there is no #99)
        refused(
            f"INSERT INTO purchases {columns} VALUES (9, 1, '{T1}', 1, -100, 'CNY', 99, '{T1}')"
        )

        with eng.begin() as conn:  # the agenda triggers fire: insert …
            conn.exec_driver_sql("DELETE FROM agenda_dirty")
            conn.exec_driver_sql(
                "INSERT INTO purchases (id, customer_id, at, qty, amount_minor, currency, "
                "cost_minor, refund_of, note, created_at) VALUES "
                f"(10, 1, '{T1}', 1, -3000, 'CNY', -1200, 1, 'broken tin', '{T1}'), "
                f"(11, 1, '{T1}', 1, -2000, 'CNY', -800, 1, NULL, '{T1}'), "
                f"(12, 2, '{T1}', 1, -500, 'CNY', -250, 3, NULL, '{T1}'), "
                f"(13, 2, '{T1}', 1, -700, 'CNY', NULL, 4, NULL, '{T1}')"
            )
            assert _dirty(conn) == {1, 2}
        with eng.begin() as conn:  # … update …
            conn.exec_driver_sql("DELETE FROM agenda_dirty")
            conn.exec_driver_sql("UPDATE purchases SET note = 'tin' WHERE id = 10")
            assert _dirty(conn) == {1}
        with eng.begin() as conn:  # … and delete, which takes the purchase's refund with it
            conn.exec_driver_sql("DELETE FROM agenda_dirty")
            conn.exec_driver_sql("DELETE FROM purchases WHERE id = 4")
            assert _dirty(conn) == {2}
            ids = conn.exec_driver_sql("SELECT id FROM purchases ORDER BY id").all()
            assert [r[0] for r in ids] == [1, 2, 3, 10, 11, 12]
        with eng.begin() as conn:  # 0010's trigger naming purchases still works
            conn.exec_driver_sql("DELETE FROM contact_persons WHERE id = 1")
            got = conn.exec_driver_sql("SELECT person_id FROM purchases WHERE id = 3").scalar()
            assert got is None

        cfg = db._alembic_config()
        with eng.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0012")
        assert db.schema_version(eng) == "0012"
        with eng.connect() as conn:
            names = {c["name"] for c in sa.inspect(conn).get_columns("purchases")}
            assert "refund_of" not in names and "note" not in names
            # each refund back into its purchase: amount less what was refunded, cost in
            # proportion (40.00 × 50/100, 10.00 × 15/20); the refund lines are gone
            got = conn.exec_driver_sql(
                "SELECT id, customer_id, product, qty, amount_minor, cost_minor FROM purchases "
                "ORDER BY id"
            ).all()
            assert [tuple(r) for r in got] == [
                (1, 1, "Tea", 2, 5000, 2000),
                (2, 1, "Cup", 1, 5000, None),
                (3, 2, "Pot", 1, 1500, 750),
            ]
            got = conn.exec_driver_sql("SELECT id, name FROM customers ORDER BY id").all()
            assert [tuple(r) for r in got] == [(1, "Ann"), (2, "王芳")]
            if engine == "sqlite":
                assert _triggers(conn) >= AGENDA_TRIGGERS
        # 0012's CHECK again: no negative amount at all
        refused(
            "INSERT INTO purchases (id, customer_id, at, qty, amount_minor, currency, "
            f"created_at) VALUES (9, 1, '{T1}', 1, -100, 'CNY', '{T1}')"
        )
        with eng.begin() as conn:
            conn.exec_driver_sql("DELETE FROM agenda_dirty")
            conn.exec_driver_sql("DELETE FROM purchases WHERE id = 2")
            assert _dirty(conn) == {1}
    finally:
        eng.dispose()


# --- the refund command --------------------------------------------------------------------------


@pytest.mark.both_engines
def test_full_and_partial_refunds(cli) -> None:
    _book(cli)
    out = cli("refund", "1", "--amount", "30", "-m", "one tin was broken").stdout
    assert out.strip() == (
        "✓ Refunded 30.00 CNY of purchase #1 of #1 Ann (refund #2); 70.00 CNY of it is kept"
    )
    got = cli.json("refund", "1", "--amount", "25.5", "--at", "2026-11-10")
    assert got["id"] == 3
    assert (got["refund_of"], got["amount"], got["currency"], got["note"]) == (
        1, "-25.50", "CNY", None,
    )  # fmt: skip
    assert (got["points"], got["left_minor"], got["customer_id"]) == (0, 4450, 1)
    assert got["at"].startswith("2026-11-10")
    out = cli("refund", "1").stdout  # all that is left
    assert out.strip() == ("✓ Refunded purchase #1 of #1 Ann in full (44.50 CNY; refund #4)")
    lines = {p["id"]: (p["amount"], p["refund_of"], p["note"]) for p in _purchases(cli)}
    assert lines == {
        1: ("100.00", None, None),  # the purchase keeps its amount
        2: ("-30.00", 1, "one tin was broken"),
        3: ("-25.50", 1, None),
        4: ("-44.50", 1, None),
    }


@pytest.mark.both_engines
def test_refund_json(cli) -> None:
    _book(cli)
    got = cli.json("refund", "1", "--amount", "30", "-m", "broken")
    assert {k: got[k] for k in ("id", "refund_of", "amount", "note", "points", "left_minor")} == {
        "id": 2, "refund_of": 1, "amount": "-30.00", "note": "broken", "points": 0,
        "left_minor": 7000,
    }  # fmt: skip
    assert got["product"] == "Tea" and got["customer_id"] == 1


@pytest.mark.both_engines
def test_refusals_write_nothing(cli, snapshot) -> None:
    _book(cli)
    cli("refund", "1", "--amount", "60")  # refund #2
    before = snapshot()
    exported = _purchases(cli)

    err = cli("refund", "1", "--amount", "50", code=2).stderr
    assert err == ("Error: --amount '50': is more than what is left of the purchase (40.00 CNY)\n")
    err = cli("refund", "2", code=2).stderr  # a refund is not refunded
    assert err == "Error: PURCHASE 2: is a refund (of purchase #1); refund the purchase\n"
    err = cli("refund", "1", "--at", "2026-11-01", code=2).stderr
    assert err == "Error: --at '2026-11-01': is before the purchase (2026-11-02)\n"
    err = cli("refund", "1", "--at", "2026-11-21", code=2).stderr
    assert err.startswith("Error: --at '2026-11-21': is in the future")
    err = cli("refund", "1", "--amount", "0", code=2).stderr
    assert err == "Error: --amount '0': must be more than 0\n"
    err = cli("refund", "1", "--amount", "-5", code=2).stderr
    assert err == "Error: --amount '-5': give what goes back, without a minus sign\n"
    assert "no purchase with id 99" in cli("refund", "99", code=1).stderr
    assert snapshot() == before
    assert _purchases(cli) == exported

    cli("refund", "1")  # what is left: 40.00
    before = snapshot()
    err = cli("refund", "1", code=1).stderr
    assert err == "Error: purchase #1 was refunded in full already (100.00 CNY)\n"
    err = cli("refund", "1", "--amount", "1", code=1).stderr
    assert "refunded in full already" in err
    assert snapshot() == before


def test_a_refund_on_the_day_of_the_purchase_is_not_before_it(cli) -> None:
    _book(cli)  # bought 2026-11-02 12:00 (a day without its hour)
    got = cli.json("refund", "1", "--amount", "10", "--at", "2026-11-02")
    assert got["at"] == "2026-11-02T12:00:00+08:00"


# --- show ----------------------------------------------------------------------------------------


@pytest.mark.both_engines
def test_show_counts_purchases_and_lists_refund_lines(cli) -> None:
    _book(cli)
    cli("buy", "Ann", "20", "--at", "2026-11-05")  # purchase #2
    cli("refund", "1", "--amount", "30", "--at", "2026-11-10", "-m", "broken tin")  # #3
    summary = cli.json("show", "Ann")["summary"]
    assert summary["purchases"] == 2  # not the refund line
    assert (summary["spend"], summary["refunded_minor"], summary["refunded"]) == (
        "90.00", 3000, "30.00",
    )  # fmt: skip
    assert summary["last_purchase"].startswith("2026-11-05")  # not the refund's day
    timeline = cli.json("show", "Ann")["timeline"]
    refund = next(i for i in timeline if i["id"] == 3)
    assert (refund["kind"], refund["what"]) == ("purchase", "-30.00 CNY")
    assert refund["detail"].startswith("refund of #1 Tea") and refund["detail"].endswith(
        " broken tin"
    )
    out = cli("show", "Ann").stdout
    assert "2 for 90.00 CNY, last 2026-11-05 12:00 (30.00 CNY refunded)" in out
    row = next(line for line in out.splitlines() if "refund #3" in line)
    assert "-30.00 CNY" in row and "refund of #1 Tea" in row and "broken tin" in row
    assert "purchase #1" in out and "purchase #3" not in out


def test_show_without_refunds_says_nothing_of_them(cli) -> None:
    _book(cli)
    out = cli("show", "Ann").stdout
    assert "refund" not in out
    assert cli.json("show", "Ann")["summary"]["refunded_minor"] == 0


def test_show_in_chinese(cli, monkeypatch) -> None:
    _book(cli)
    cli("refund", "1", "--amount", "30", "--at", "2026-11-10", "-m", "破损")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    out = cli("show", "Ann").stdout
    assert "1 笔，共 ¥70.00，最近一次 2026-11-02 12:00（已退款 ¥30.00）" in out
    row = next(line for line in out.splitlines() if "退款 #2" in line)
    assert "-¥30.00" in row and "退款，原购买 #1 Tea" in row and "破损" in row
    assert "refund" not in out
    out = cli("refund", "1", "--amount", "10").stdout
    assert out.strip() == "✓ 已为#1 Ann的购买 #1 退款 ¥10.00（退款 #3）；保留 ¥60.00"
    err = cli("refund", "3", code=2).stderr
    assert err == "错误：PURCHASE 3：是一笔退款（属于购买 #1）；请对原购买退款\n"
    err = cli("refund", "1", "--amount", "500", code=2).stderr
    assert err == "错误：--amount '500'：超过这笔购买剩下的金额（¥60.00）\n"


# --- corrections ---------------------------------------------------------------------------------


@pytest.mark.both_engines
def test_corrections_keep_a_refund_with_its_purchase(cli, snapshot) -> None:
    _book(cli)
    cli("refund", "1", "--amount", "30", "--at", "2026-11-10", "-m", "tin")  # refund #2
    before = snapshot()
    refused = {
        ("2", "--amount", "5"): "Error: --amount '5': purchase #2 is a refund: delete it and "
        "refund again\n",
        (
            "2",
            "--qty",
            "2",
        ): "Error: --qty 2: purchase #2 is a refund: delete it and refund again\n",
        ("2", "--at", "2026-11-01"): "Error: --at '2026-11-01': is before the purchase "
        "(2026-11-02)\n",
        ("1", "--amount", "20"): "Error: --amount '20': is less than what was refunded of it "
        "(30.00 CNY)\n",
        ("1", "--currency", "EUR"): "Error: --currency 'EUR': purchase #1 has refunds in CNY\n",
        ("1", "--at", "2026-11-12"): "Error: --at '2026-11-12': is after its first refund "
        "(2026-11-10)\n",
    }
    for args, message in refused.items():
        assert cli("edit", "purchase", *args, code=2).stderr == message, args
    assert snapshot() == before

    # what stays possible: the refund's day (not before the purchase), the purchase's day (not
    # after its refund), an amount that still covers what was refunded
    assert "Corrected purchase #2" in cli("edit", "purchase", "2", "--at", "2026-11-11").stdout
    assert "Corrected purchase #1" in cli("edit", "purchase", "1", "--at", "2026-11-05").stdout
    assert "Corrected purchase #1" in cli("edit", "purchase", "1", "--amount", "30").stdout
    lines = {p["id"]: (p["at"][:10], p["amount"]) for p in _purchases(cli)}
    assert lines == {1: ("2026-11-05", "30.00"), 2: ("2026-11-11", "-30.00")}


@pytest.mark.both_engines
def test_a_purchase_is_deleted_only_after_its_refunds(cli, snapshot) -> None:
    _book(cli)
    cli("refund", "1", "--amount", "30")  # #2
    cli("refund", "1", "--amount", "20")  # #3
    before = snapshot()
    err = cli("delete", "purchase", "1", "--yes", code=1).stderr
    assert err == "Error: purchase #1 has refunds (#2, #3): delete them first\n"
    assert snapshot() == before
    assert "Deleted" in cli("delete", "purchase", "2", "--yes").stdout
    err = cli("delete", "purchase", "1", "--yes", code=1).stderr
    assert "(#3)" in err
    cli("delete", "purchase", "3", "--yes")
    assert [p["id"] for p in _purchases(cli)] == [1]
    cli("delete", "purchase", "1", "--yes")
    assert _purchases(cli) == []


# --- due, check ----------------------------------------------------------------------------------


@pytest.mark.both_engines
def test_a_refund_is_no_purchase_to_check_in_on(cli) -> None:
    from custtrack import config

    assert "followups.post_purchase_enabled" in config.DEFAULTS
    cli("config", "set", "followups.post_purchase_enabled", "true")
    _book(cli)  # purchase #1 on 2026-11-02: a check-in due 2026-11-16
    cli("add", "Bob")
    cli("buy", "Bob", "50", "--at", "2026-10-01")  # #2: too old for a check-in
    before = {d["key"]: (d["purchase_id"], d["due_date"]) for d in cli.json("due")}
    assert before == {"p1": (1, "2026-11-16")}
    cli("refund", "1", "--amount", "30", "--at", "2026-11-19")  # #3: newer than Ann's purchase
    cli("refund", "2", "--at", "2026-11-12")  # #4: Bob's money back, in the window
    after = {d["key"]: (d["purchase_id"], d["due_date"]) for d in cli.json("due")}
    assert after == before
    out = cli("due").stdout
    assert "bought (Tea) on 2026-11-02" in out and "Bob" not in out
    # the rest of Ann's tea goes back too: nothing is left to ask about
    cli("refund", "1")
    assert [d["key"] for d in cli.json("due")] == []


@pytest.mark.both_engines
def test_check_does_not_flag_a_refund(cli, engine, isolated) -> None:
    _book(cli)
    cli("refund", "1", "--amount", "30")
    assert cli.json("check") == {"ok": True, "problems": []}
    assert "All checks passed" in cli("check").stdout
    if engine != "sqlite":
        return
    # an ordinary line with a negative amount (only past the CHECK) is still flagged
    con = sqlite3.connect(isolated)
    con.execute("PRAGMA ignore_check_constraints = ON")
    con.execute(
        "INSERT INTO purchases (id, customer_id, at, qty, amount_minor, currency, created_at) "
        "VALUES (9, 1, '2026-11-19 02:00:00.000000', 1, -500, 'CNY', '2026-11-19 02:00:00.000000')"
    )
    con.commit()
    con.close()
    report = json.loads(cli("check", "--format", "json", code=None).stdout)
    found = {p["check"]: p for p in report["problems"]}
    assert found["negative-amount"]["examples"] == [9]


# --- points --------------------------------------------------------------------------------------


@pytest.mark.both_engines
def test_points_go_back_in_proportion_and_return_with_the_refund(cli) -> None:
    cli("config", "set", "points.per_unit", "1")
    _book(cli)  # #1: 100 points
    cli("buy", "Ann", "200", "--at", "2026-11-03")  # #2: 200 points
    assert cli.json("points", "Ann")["balance"] == 300
    out = cli("refund", "2", "--amount", "50").stdout  # #3: a quarter
    assert out.strip() == (
        "✓ Refunded 50.00 CNY of purchase #2 of #1 Ann (refund #3); 150.00 CNY of it is kept; "
        "50 points taken back"
    )
    assert cli.json("points", "Ann")["balance"] == 250
    assert cli.json("refund", "2", "--amount", "75")["points"] == -75  # #4: half of what is left
    assert cli.json("points", "Ann")["balance"] == 175
    assert "nothing to change" in cli("points", "recompute").stdout
    cli("delete", "purchase", "3", "--yes")  # its 50 points come back
    assert cli.json("points", "Ann")["balance"] == 225
    assert "nothing to change" in cli("points", "recompute").stdout
    assert cli.json("points", "Ann")["balance"] == 225
    assert cli.json("refund", "2")["points"] == -125  # the rest of #2: 125.00 (#4 took 75)
    assert cli.json("points", "Ann")["balance"] == 100
    assert "nothing to change" in cli("points", "recompute").stdout


def test_points_taken_by_a_refund_are_what_recompute_takes(cli) -> None:
    cli("config", "set", "points.per_unit", "1")
    _book(cli)  # #1: 100 points
    cli("refund", "1", "--amount", "33.33")
    balance = cli.json("points", "Ann")["balance"]
    assert "nothing to change" in cli("points", "recompute").stdout
    assert cli.json("points", "Ann")["balance"] == balance


# --- export --------------------------------------------------------------------------------------


@pytest.mark.both_engines
def test_export_writes_refund_of_and_note(cli) -> None:
    _book(cli)
    cli("refund", "1", "--amount", "30", "--at", "2026-11-10", "-m", "broken, 破损")
    text = cli("export", "purchases").stdout.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {"refund_of", "note"} <= set(rows[0])
    got = [(r["id"], r["amount"].lstrip("'"), r["refund_of"], r["note"]) for r in rows]
    assert got == [("1", "100.00", "", ""), ("2", "-30.00", "1", "broken, 破损")]
    js = _purchases(cli)
    assert [(p["refund_of"], p["note"]) for p in js] == [(None, None), (1, "broken, 破损")]
