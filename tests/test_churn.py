"""Churn, retention and repurchase per month, cohorts and reasons, checked by hand.

With lifecycle.churn_days = 30, a customer is active on a day when their last purchase is at
most 30 days before it.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_rfm import book

from custtrack import config


def _book() -> None:
    config.set_value("lifecycle.churn_days", "30")
    book(
        {
            "A": [(date(2026, 7, 20), 10), (date(2026, 8, 10), 20), (date(2026, 9, 5), 30)],
            "B": [(date(2026, 7, 25), 40)],
            "C": [(date(2026, 9, 20), 5), (date(2026, 10, 30), 15)],
            "D": [(date(2026, 11, 5), 100)],
        }
    )


def test_monthly_churn_by_hand(cli) -> None:
    _book()
    data = cli.json("churn", "--periods", "4")
    got = {
        p["period"]: (p["active_start"], p["active_end"], p["churned"], p["new_buyers"],
                      p["churn_rate"], p["retention_rate"], p["repurchase_rate"], p["revenue"])
        for p in data["periods"]
    }  # fmt: skip
    assert got == {
        # Aug: active at Jul 31 {A, B}; at Aug 31 {A}; A bought in Aug
        "2026-08": (2, 1, 1, 0, 0.5, 0.5, 0.5, "20.00"),  # money: decimal strings
        # Sep: {A} → {A, C}; A bought again; C is new
        "2026-09": (1, 2, 0, 1, 0.0, 1.0, 1.0, "35.00"),
        # Oct: {A, C} → {C}; only C bought
        "2026-10": (2, 1, 1, 0, 0.5, 0.5, 0.5, "15.00"),
        # Nov (to the 20th): {C} → {C, D}; C did not buy; D is new
        "2026-11": (1, 2, 0, 1, 0.0, 1.0, 0.0, "100.00"),
    }
    assert data["periods"][-1]["end"] == "2026-11-20"
    assert "no longer active at the end" in data["definitions"]["churn_rate"]
    assert "30 days" in data["definitions"]["active"]
    table = cli("churn", "--periods", "4").stdout
    assert "50.0%" in table and "churn rate: customers active at the start" in table


def test_cohort_retention_by_first_purchase_month(cli) -> None:
    _book()
    cohorts = {c["cohort"]: c for c in cli.json("churn")["cohorts"]}
    jul, sep, nov = cohorts["2026-07"], cohorts["2026-09"], cohorts["2026-11"]
    assert jul["customers"] == 2
    assert [jul[f"m{k}"] for k in range(6)] == [1.0, 0.5, 0.5, 0.0, 0.0, None]
    assert [sep[f"m{k}"] for k in range(4)] == [1.0, 1.0, 0.0, None]
    assert (nov["customers"], nov["m0"], nov["m1"]) == (1, 1.0, None)


def test_churn_reasons(cli) -> None:
    _book()
    cli("lost", "B", "--reason", "competitor")
    reasons = {r["reason"]: r for r in cli.json("churn")["reasons"]}
    assert {k: r["customers"] for k, r in reasons.items()} == {"inactive": 1, "competitor": 1}
    assert reasons["competitor"]["share"] == pytest.approx(0.5)


def test_period_with_nobody_active_shows_a_dash(cli) -> None:
    _book()
    data = cli.json("churn", "--periods", "2", "--as-of", "2026-07-10")
    june, july = data["periods"]
    assert june["period"] == "2026-06" and june["active_start"] == 0
    assert june["churn_rate"] is None and june["retention_rate"] is None
    assert july["end"] == "2026-07-10" and july["active_start"] == 0
    table = cli("churn", "--periods", "2", "--as-of", "2026-07-10").stdout
    assert "—" in table and "0.0%" not in table


def test_no_purchases_at_all_and_csv(cli) -> None:
    cli("add", "Nobody")
    data = cli.json("churn", "--period", "quarter", "--periods", "3")
    assert [p["period"] for p in data["periods"]] == ["2026Q2", "2026Q3", "2026Q4"]
    assert all(p["churn_rate"] is None for p in data["periods"])
    assert data["cohorts"] == [] and data["reasons"] == []
    csv = cli("churn", "--periods", "1", "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("period,start,end,active_start,active_end,churned")
    assert csv[1].startswith("2026-11,2026-11-01,2026-11-20,0,0,0")
    assert "--period" in cli("churn", "--period", "week", code=2).stderr
