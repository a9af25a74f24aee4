"""Refunds in the numbers (issue 17.7): `refund` lowers a purchase or removes it, so every
analysis counts what the customer finally paid. Hand-computed on a small book."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.both_engines


def _book(cli) -> None:
    cli("add", "Ann")
    cli("add", "Bob")
    cli("buy", "Ann", "100", "--at", "2026-11-02", "-p", "Tea")  # purchase 1
    cli("buy", "Ann", "50", "--at", "2026-11-05", "-p", "Cup")  # 2: refunded in full
    cli("buy", "Bob", "200", "--at", "2026-11-10", "-p", "Pot")  # 3: 80 of it refunded


def test_report_rfm_value_and_profit_count_what_was_finally_paid(cli) -> None:
    _book(cli)
    before = cli.json("report")
    assert (before["revenue"], before["orders"], before["average_order_value"]) == (
        "350.00", 3, "116.67",
    )  # fmt: skip
    cli("refund", "2")
    cli("refund", "3", "--amount", "80")
    report = cli.json("report")
    # 100 (Ann) + 120 (Bob) over two purchase occasions: the refunded one is no order
    assert (report["revenue"], report["orders"], report["buyers"]) == ("220.00", 2, 2)
    assert report["average_order_value"] == "110.00"
    rfm = {r["name"]: (r["frequency"], r["monetary"]) for r in cli.json("rfm")}
    assert rfm == {"Ann": (1, "100.00"), "Bob": (1, "120.00")}
    profit = {r["name"]: r["revenue"] for r in cli.json("profit")}
    assert profit == {"Ann": "100.00", "Bob": "120.00"}
    shown = cli.json("show", "Bob")
    assert shown["summary"]["spend"] == "120.00"


def test_a_refund_is_refused_beyond_the_purchase_and_changes_nothing(cli) -> None:
    _book(cli)
    res = cli("refund", "3", "--amount", "250", code=None)
    assert res.exit_code in (1, 2) and "250" in res.stderr
    assert cli.json("report")["revenue"] == "350.00"
    res = cli("refund", "99", code=1)
    assert "99" in res.stderr
