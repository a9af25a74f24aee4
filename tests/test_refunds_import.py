"""Refunds in and out (issue 17.7): `export purchases` writes a refund with its negative amount
and `refund_of`, and `import purchases` reads it back, linked to the right purchase even when
the new book numbers its purchases differently; a bad refund row is named and nothing is
written; `import undo` keeps a purchase that was refunded since."""

from __future__ import annotations

import csv
import io

import pytest

pytestmark = pytest.mark.both_engines


def _rows(cli) -> list[dict]:
    return list(csv.DictReader(io.StringIO(cli("export", "purchases").stdout.lstrip("\ufeff"))))


def _shop(cli) -> None:
    cli("add", "Ann")
    cli("add", "Bob")
    cli("buy", "Ann", "100", "--at", "2026-10-02", "-p", "Tea", "--cost", "60")  # 1
    cli("buy", "Bob", "200", "--at", "2026-10-10", "-p", "Pot")  # 2
    cli("refund", "1", "--amount", "30", "--at", "2026-11-03", "-m", "one tin broken")  # 3
    cli("refund", "2", "--at", "2026-11-04")  # 4: all of it


def test_export_then_import_links_each_refund_to_its_purchase(cli, tmp_path, monkeypatch):
    _shop(cli)
    rows = _rows(cli)
    # a plain negative number is no formula: no quote in front of it
    assert [(r["id"], r["amount"], r["refund_of"], r["note"]) for r in rows] == [
        ("1", "100.00", "", ""), ("2", "200.00", "", ""),
        ("3", "-30.00", "1", "one tin broken"), ("4", "-200.00", "2", ""),
    ]  # fmt: skip
    assert [r["cost"] for r in rows] == ["60.00", "", "-18.00", ""]  # 60 × 30/100 back
    f = tmp_path / "p.csv"
    f.write_text(cli("export", "purchases").stdout, encoding="utf-8")
    customers = tmp_path / "c.csv"
    customers.write_text("name\nBob\nAnn\n", encoding="utf-8")  # ids swap in the new book
    monkeypatch.setenv("CUSTTRACK_DB", str(tmp_path / "new.db"))
    cli("import", "customers", customers)
    cli("buy", "Ann", "5", "--at", "2026-09-01")  # purchase 1 of the new book
    mapping = ["--map", "customer_id=-"]  # the old book's customer numbers mean nothing here
    report = cli.json("import", "purchases", f, *mapping)
    assert (report["added"], report["rejected"]) == (4, 0)
    got = {r["id"]: r for r in _rows(cli)}
    # the file's 1 and 2 are purchases 2 and 3 here; its refunds name them
    assert [(r["customer_name"], r["amount"], r["refund_of"]) for r in got.values()] == [
        ("Ann", "5.00", ""), ("Ann", "100.00", ""), ("Bob", "200.00", ""),
        ("Ann", "-30.00", "2"), ("Bob", "-200.00", "3"),
    ]  # fmt: skip
    assert got["4"]["note"] == "one tin broken" and got["4"]["cost"] == "-18.00"
    # the numbers count them as refunds: Bob's purchase refunded in full is no order
    rfm = {r["name"]: (r["frequency"], r["monetary"]) for r in cli.json("rfm")}
    assert rfm == {"Ann": (2, "75.00")}  # 5 + (100 − 30)
    # the same file again: every line is already there
    again = cli.json("import", "purchases", f, *mapping)
    assert (again["added"], again["unchanged"]) == (0, 4)


def test_a_bad_refund_row_is_named_and_nothing_is_written(cli, tmp_path, snapshot):
    _shop(cli)
    before = snapshot()
    f = tmp_path / "r.csv"
    f.write_text(
        "name,date,amount,refund_of\n"
        "Ann,2026-11-10,-80,1\n"  # 70 left of purchase 1
        "Ann,2026-11-10,-5,2\n"  # purchase 2 is Bob's
        "Ann,2026-09-01,-5,1\n"  # before the purchase
        "Ann,2026-11-10,-5,x\n",
        encoding="utf-8",
    )
    out = cli("import", "purchases", f, code=1)
    assert "4 bad rows" in out.stderr
    assert "is more than what is left of the purchase (70.00" in out.stdout
    assert "no purchase with this id of this customer" in out.stdout
    assert "is before the purchase (2026-10-02" in out.stdout
    assert "not a purchase id" in out.stdout
    assert snapshot() == before
    # a good one: the sign may be left out, the refund_of column says it is one
    f.write_text("name,date,amount,refund_of\nAnn,2026-11-10,70,1\n", encoding="utf-8")
    assert cli.json("import", "purchases", f)["added"] == 1
    assert cli.json("show", "Ann")["summary"]["spend_minor"] == 0


def test_undo_keeps_a_purchase_refunded_since(cli, tmp_path):
    cli("add", "Ann")
    f = tmp_path / "p.csv"
    f.write_text("name,date,amount\nAnn,2026-11-01,100\n", encoding="utf-8")
    batch = cli.json("import", "purchases", f)["batch"]
    cli("refund", "1", "--amount", "10")
    err = cli("import", "undo", str(batch), "--yes", code=1).stderr
    assert f"cannot undo batch {batch}: purchases it added were refunded since (#2)" in err
    cli("delete", "purchase", "2", "--yes")
    cli("import", "undo", str(batch), "--yes")
    assert _rows(cli) == []
