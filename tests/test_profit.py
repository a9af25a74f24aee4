"""Profitability by hand: product cost (a line's own, the product list's, or a configured share),
cost to serve (contacts by channel, complaints), margins per customer and per segment, margin-based
CLV, the report's margin; the import columns 成本/进价; migration 0007 keeps every row."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from custtrack import clock, db
from custtrack.migrations import HEAD
from custtrack.models import Customer
from custtrack.services import records

# Ann: Tea 2 × 30 (the product list) + Cup, its own cost 20 + Gift 3 × 10 = 110 of 240;
# Bob: Snack, no cost known, 40. Contacts: Ann 2 phone + 1 visit, Bob 1 wechat, Cat 1 phone;
# one complaint (Bob).
PURCHASES = (  # name, day, product, qty, amount, own cost (minor units)
    ("Ann", "2026-10-01", "Tea", 2, "100.00", None),
    ("Ann", "2026-10-02", "Cup", 1, "50.00", 2000),
    ("Ann", "2026-11-05", "Gift", 3, "90.00", 3000),
    ("Bob", "2026-09-01", "Snack", 1, "40.00", None),
)
COSTS = {
    "profit.contact_cost.phone": "3", "profit.contact_cost.visit": "15",
    "profit.contact_cost.wechat": "1", "profit.complaint_cost": "50",
}  # fmt: skip


def _at(day: str):  # noqa: ANN202
    from datetime import date

    return clock.combine(date.fromisoformat(day), time(12))


def _shop(cli) -> dict[str, int]:
    for name in ("Ann", "Bob", "Cat"):
        cli("add", name)
    cli("product", "set", "Tea", "--cost", "30", "--category", "tea")
    cli("product", "set", "Cup", "--cost", "99")  # the line's own cost wins
    for key, value in COSTS.items():
        cli("config", "set", key, value)
    with db.session(write=True) as s:
        ids = {c.name: c.id for c in s.exec(select(Customer))}
        ann, bob, cat = (s.get(Customer, ids[n]) for n in ("Ann", "Bob", "Cat"))
        for name, day, product, qty, amount, cost in PURCHASES:
            p = records.record_purchase(
                s, s.get(Customer, ids[name]), amount=amount, at=_at(day), product=product,
                qty=qty,
            )  # fmt: skip
            p.cost_minor = cost  # what `import purchases` stores from 成本/进价 (test below)
        records.log_contact(s, ann, channel="phone", at=_at("2026-10-10"))
        records.log_contact(s, ann, channel="phone", at=_at("2026-11-10"))
        records.log_contact(s, ann, channel="visit", at=_at("2026-11-12"))
        records.log_contact(s, bob, channel="wechat", at=_at("2026-09-02"))
        records.log_contact(s, cat, channel="phone", at=_at("2026-11-15"))
        records.open_complaint(s, bob, category="price", at=_at("2026-11-03"))
    db.dispose()
    return ids


@pytest.mark.both_engines
def test_margins_by_hand(cli, tmp_path: Path) -> None:
    ids = _shop(cli)
    rows = {r["name"]: r for r in cli.json("profit")}
    ann, bob, cat = rows["Ann"], rows["Bob"], rows["Cat"]
    assert (ann["revenue"], ann["product_cost"], ann["cost_to_serve"]) == (
        "240.00",
        "110.00",
        "21.00",
    )
    assert ann["margin"] == "109.00" and ann["margin_rate"] == pytest.approx(109 / 240)
    assert (ann["contacts"], ann["contact_cost"], ann["cost_known_share"]) == (3, "21.00", 1)
    assert (bob["product_cost"], bob["contact_cost"], bob["complaint_cost"]) == (
        "0.00",
        "1.00",
        "50.00",
    )
    assert bob["margin"] == "-11.00" and bob["cost_known_share"] == 0
    assert (cat["revenue"], cat["margin"], cat["margin_rate"]) == ("0.00", "-3.00", None)
    assert [r["name"] for r in cli.json("profit")] == ["Ann", "Cat", "Bob"]  # by margin
    assert [r["name"] for r in cli.json("profit", "--worst", "--limit", "1")] == ["Bob"]
    assert [r["name"] for r in cli.json("profit", "--sort", "revenue")][:2] == ["Ann", "Bob"]
    out = cli("profit")
    assert "3 customers, margin 95.00 USD of revenue 280.00 USD (33.9%)" in out.stdout
    assert "1 purchase line has no known cost: counted at 0% of its amount" in out.stdout
    # an unknown cost counted at a share of the amount
    cli("config", "set", "profit.unknown_cost_share", "0.5")
    assert {r["name"]: r["margin"] for r in cli.json("profit")}["Bob"] == "-31.00"
    # per segment: the sums of its customers; Cat bought nothing (no segment)
    seg = {r["group"]: r for r in cli.json("profit", "--by", "segment")}
    assert seg["(none)"]["margin"] == "-3.00" and seg["(none)"]["customers"] == 1
    assert sum(float(r["margin"]) for r in seg.values()) == 109 - 31 - 3
    assert sum(r["customers"] for r in seg.values()) == 3
    segment_of = {r["customer_id"]: r["segment"] for r in cli.json("rfm")}
    name = segment_of[ids["Ann"]]
    in_segment = {r["customer_id"] for r in cli.json("profit", "--segment", name)}
    assert ids["Ann"] in in_segment
    assert in_segment == {c for c, seg in segment_of.items() if seg == name}


def test_buy_with_its_own_cost(cli) -> None:
    cli("add", "Ann")
    cli("product", "set", "Tea", "--cost", "30")
    cli("buy", "Ann", "100", "-p", "Tea", "--qty", "2", "--cost", "45.50")  # its own cost wins
    cli("buy", "Ann", "50", "-p", "Tea")  # the product's: 30
    row = cli.json("profit")[0]
    assert (row["revenue"], row["product_cost"]) == ("150.00", "75.50")
    res = cli("buy", "Ann", "10", "--cost", "-1", code=2)
    assert "--cost" in res.stderr and "'-1'" in res.stderr
    assert cli.json("profit")[0]["revenue"] == "150.00"  # nothing recorded


def test_value_margin_and_report_margin(cli, tmp_path: Path) -> None:
    _shop(cli)
    plain = {r["name"]: r for r in cli.json("value")}
    margin = {r["name"]: r for r in cli.json("value", "--margin")}
    assert margin["Ann"]["historical_clv"] == "109.00"  # the margin so far
    assert margin["Bob"]["historical_clv"] == "-11.00"
    rate = 109 / 240
    assert margin["Ann"]["margin_rate"] == pytest.approx(rate)
    assert plain["Ann"]["simple_clv"] is None  # no lifespan in so small a book
    for key in ("predicted_clv", "expected_spend", "aov"):
        assert float(margin["Ann"][key]) == pytest.approx(float(plain["Ann"][key]) * rate, abs=0.01)
    assert "margin-based" in cli("value", "--margin").stdout
    # November: Gift 90 (cost 30); Ann phone 3 + visit 15, Cat phone 3, Bob's complaint 50
    rep = cli.json("report")
    assert (rep["revenue"], rep["product_cost"], rep["cost_to_serve"]) == (
        "90.00",
        "30.00",
        "71.00",
    )
    assert rep["margin"] == "-11.00" and rep["margin_rate"] == pytest.approx(-11 / 90)
    assert rep["purchase_lines_cost_unknown"] == 0
    line = "Margin                  -11.00 USD (-12.2%; product cost 30.00 USD, cost to serve"
    assert line in cli("report").stdout


def test_products_and_bad_settings(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _shop(cli)
    listed = {r["name"]: r for r in cli.json("product", "list")}
    assert listed["Tea"] == {"name": "Tea", "category": "tea", "unit_cost": "30.00",
                             "currency": "USD", "lines": 1, "lines_with_cost": 0}  # fmt: skip
    assert listed["Snack"]["unit_cost"] is None and listed["Cup"]["lines_with_cost"] == 1
    assert "Changed Tea: unit cost 32.00 USD" in cli("product", "set", "Tea", "--cost", "32").stdout
    assert "Removed Tea" in cli("product", "remove", "Tea").stdout
    assert "no product named 'Tea'" in cli("product", "remove", "Tea", code=1).stderr
    assert "--cost" in cli("product", "set", "X", "--cost", "abc", code=2).stderr
    assert "must not be negative" in cli("config", "set", "--", "profit.complaint_cost", "-5",
                                         code=2).stderr  # fmt: skip
    cli("config", "set", "profit.unknown_cost_share", "2")  # a share: at most 1
    err = cli("profit", code=1).stderr
    assert "config profit.unknown_cost_share must be a number from 0 to 1.0 (got 2.0)" in err
    cli("config", "set", "profit.unknown_cost_share", "0")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    out = cli("profit").stdout
    assert "客户利润排名" in out and "服务成本" in out and "利润率" in out
    assert "已添加 Tea：单位成本" in cli("product", "set", "Tea", "--cost", "30").stdout


def test_import_costs(cli, tmp_path: Path) -> None:
    """成本 (the line's cost) and 进价 (one unit's, × quantity) in a purchases file (read column
    by column, as a till export) and in a tracking sheet; a bad cost is refused with its cell."""
    for name in ("Ann", "Bob"):
        cli("add", name)
    f = tmp_path / "p.csv"
    f.write_text(
        "name,date,product,qty,amount,成本,进价\n"
        "Ann,2026-10-01 10:00:00,Tea,2,100.00,,\n"
        "Ann,2026-10-02 10:00:00,Cup,1,50.00,20.00,\n"
        "Bob,2026-11-05 10:00:00,Gift,3,90.00,,10.00\n",
        encoding="utf-8",
    )
    out = cli("import", "purchases", str(f)).stdout
    assert "成本 → cost" in out and "进价 → unit_cost" in out
    sheet = tmp_path / "s.csv"
    sheet.write_text("客户,购买日期,金额,数量,进价\nDan,2026-11-01,100,4,12.5\n", encoding="utf-8")
    cli("import", "sheet", str(sheet))
    bad = tmp_path / "b.csv"
    bad.write_text("name,date,amount,cost\nAnn,2026-11-01,10,abc\n", encoding="utf-8")
    assert "not an amount of money" in cli("import", "purchases", str(bad), code=1).stdout
    with db.engine().connect() as conn:
        got = conn.execute(sa.text("SELECT product, qty, cost_minor FROM purchases ORDER BY id"))
        assert got.all() == [("Tea", 2, None), ("Cup", 1, 2000), ("Gift", 3, 3000), (None, 4, 5000)]
    assert [r["cost"] for r in cli.json("export", "purchases")] == [None, "20.00", "30.00", "50.00"]


def _previous() -> str:
    """The revision 0007 comes after 0006."""
    folder = Path(__file__).parents[1] / "src/custtrack/migrations/versions"
    text = next(folder.glob("0007_*.py")).read_text(encoding="utf-8")
    return re.search(r'^down_revision = "(\w+)"', text, re.M).group(1)


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_upgrade_keeps_every_row(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    path = tmp_path / "old.db"
    eng = db.bare_engine(str(path))
    t = "2026-01-05 02:00:00.000000"
    try:
        db.upgrade(eng, _previous())
        with eng.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO customers (id, name, status, created_at, updated_at) "
                    "VALUES (1, '王芳', 'active', :t, :t)"
                ),
                {"t": t},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO purchases (id, customer_id, at, product, qty, amount_minor, "
                    "currency, created_at) VALUES (1, 1, :t, '龙井', 2, 53600, 'CNY', :t)"
                ),
                {"t": t},
            )
            triggers = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            ).all()
        db.upgrade(eng)
        assert db.schema_version(eng) == HEAD
        with eng.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT id, customer_id, product, qty, amount_minor, cost_minor FROM purchases"
                )
            ).all()
            assert rows == [(1, 1, "龙井", 2, 53600, None)]
            assert conn.execute(sa.text("SELECT name FROM customers")).all() == [("王芳",)]
            for table in ("products", "saved_segments", "saved_segment_members"):
                assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0
            after = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            ).all()
            assert set(triggers) <= set(after)  # the agenda's triggers are untouched (later
            # migrations may add their own)
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, SQLModel.metadata) == []
        from alembic import command

        cfg = db._alembic_config()
        with eng.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, _previous())
        assert db.schema_version(eng) == _previous()
        with eng.connect() as conn:
            assert conn.execute(sa.text("SELECT amount_minor FROM purchases")).all() == [(53600,)]
    finally:
        eng.dispose()
