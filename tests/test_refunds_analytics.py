"""Refunds in the numbers (issue 17.7): `refund` records a negative line of its own, linked to the
purchase (refund_of) and dated when the money went back; the purchase keeps its day and amount.

- revenue (report, churn, sales chart, margin): paid less refunded in each period, a refund in
  the period it was made; report and churn say `refunds` (given back in the period);
- orders, frequency, recency, RFM, CLV, lifecycle: each purchase net of its refunds made by
  as_of, on its own day; one refunded in full by then is no occasion (nor its customer a buyer);
- AOV: the period's orders net of their refunds ÷ orders;
- profit: a refund line takes back the cost in proportion (own cost, or unit cost × units);
- tiers: plain sums, a refund lowers the spend of the window it was made in.

Every number is computed by hand in a comment, on both engines. The test clock is 2026-11-20.
"""

from __future__ import annotations

from datetime import date

import pytest

from custtrack import db

pytestmark = pytest.mark.both_engines


def _book(cli) -> None:
    """Ann: an October purchase refunded in part in November, one kept, one refunded in full;
    Bob: his only purchase refunded in full; Cid: never bought."""
    cli("add", "Ann")
    cli("add", "Bob")
    cli("add", "Cid")
    cli("buy", "Ann", "100", "--at", "2026-10-10", "-p", "Tea")  # 1
    cli("buy", "Ann", "60", "--at", "2026-11-05", "-p", "Cup")  # 2
    cli("buy", "Bob", "200", "--at", "2026-11-10", "-p", "Pot")  # 3
    cli("buy", "Ann", "30", "--at", "2026-11-15", "-p", "Mug")  # 4
    cli("refund", "1", "--amount", "40", "--at", "2026-11-03")  # 5: 40 of #1, in November
    cli("refund", "3", "--at", "2026-11-12")  # 6: all 200 of #3
    cli("refund", "4", "--at", "2026-11-16", "-m", "broken")  # 7: all 30 of #4


def _by_name(rows: list[dict]) -> dict[str, dict]:
    return {r["name"]: r for r in rows}


def test_report_counts_a_refund_in_the_month_it_was_made(cli) -> None:
    _book(cli)
    report = cli.json("report")  # November 1–20
    # paid in November 60 + 200 + 30 = 290, given back in November 40 + 200 + 30 = 270
    assert (report["revenue"], report["refunds"]) == ("20.00", "270.00")
    # orders: #2 only (#3 and #4 refunded in full); AOV 60 ÷ 1 (#1's refund lowers revenue, not
    # this month's order value); buyers: Ann
    assert (report["orders"], report["buyers"], report["average_order_value"]) == (1, 1, "60.00")
    trend = {t["period"]: t["revenue"] for t in report["trend"]}
    # October keeps #1 gross: its 40 went back in November
    assert (trend["2026-10"], trend["2026-11"]) == ("100.00", "20.00")
    assert trend["2026-09"] == "0.00"


def test_report_before_the_refunds_counts_what_was_paid(cli) -> None:
    _book(cli)
    october = cli.json("report", "--as-of", "2026-10-31")
    # #1 in full: the refund of 2026-11-03 had not been made
    assert (october["revenue"], october["refunds"], october["orders"]) == ("100.00", "0.00", 1)
    assert october["average_order_value"] == "100.00"
    mid = cli.json("report", "--as-of", "2026-11-11")
    # by 11-11: paid 60 + 200, given back 40 (#3's refund of 11-12 not yet) → 220
    assert (mid["revenue"], mid["refunds"]) == ("220.00", "40.00")
    # orders #2 and #3, worth 60 + 200 → AOV 130; buyers Ann and Bob
    assert (mid["orders"], mid["buyers"], mid["average_order_value"]) == (2, 2, "130.00")


def test_churn_periods_carry_revenue_refunds_and_order_value(cli) -> None:
    _book(cli)
    periods = {p["period"]: p for p in cli.json("churn")["periods"]}
    keys = ("revenue", "refunds", "orders", "order_value", "buyers")
    # October: #1 paid 100; its order is worth 60 now (40 refunded by 11-20)
    assert tuple(periods["2026-10"][k] for k in keys) == ("100.00", "0.00", 1, "60.00", 1)
    # November: 290 paid − 270 given back; one order (#2, 60) by Ann
    assert tuple(periods["2026-11"][k] for k in keys) == ("20.00", "270.00", 1, "60.00", 1)
    # before the refunds: October's order at its full 100
    early = {p["period"]: p for p in cli.json("churn", "--as-of", "2026-10-31")["periods"]}
    assert tuple(early["2026-10"][k] for k in keys) == ("100.00", "0.00", 1, "100.00", 1)


def test_rfm_counts_each_purchase_net_of_its_refunds(cli) -> None:
    _book(cli)
    rows = _by_name(cli.json("rfm"))
    # Bob's only purchase was refunded in full: no buyer
    assert set(rows) == {"Ann"}
    ann = rows["Ann"]
    # occasions 10-10 (100 − 40) and 11-05 (60); #4 (11-15) refunded in full is none, so the
    # last purchase is 11-05: 15 days before 11-20; monetary 60 + 60 = 120
    assert (ann["frequency"], ann["monetary"], ann["recency_days"]) == (2, "120.00", 15)


def test_rfm_as_of_before_a_refund_counts_the_purchase(cli) -> None:
    _book(cli)
    rows = _by_name(cli.json("rfm", "--as-of", "2026-11-11"))
    # by 11-11 #3 was not refunded: Bob bought 200 one day before
    assert set(rows) == {"Ann", "Bob"}
    bob = rows["Bob"]
    assert (bob["frequency"], bob["monetary"], bob["recency_days"]) == (1, "200.00", 1)
    # Ann: 10-10 (60 after the refund of 11-03) and 11-05 (60): 6 days before 11-11
    ann = rows["Ann"]
    assert (ann["frequency"], ann["monetary"], ann["recency_days"]) == (2, "120.00", 6)
    # on 11-15 #4 is bought and not yet refunded: 3 occasions, 60 + 60 + 30, recency 0
    ann = _by_name(cli.json("rfm", "--as-of", "2026-11-15"))["Ann"]
    assert (ann["frequency"], ann["monetary"], ann["recency_days"]) == (3, "150.00", 0)


def test_segments_and_list_segment_agree_with_rfm(cli) -> None:
    _book(cli)
    rfm = _by_name(cli.json("rfm"))
    segment = rfm["Ann"]["segment"]
    table = {r["segment"]: r["customers"] for r in cli.json("segments")}
    # one buyer (Ann) in Ann's segment; Bob, refunded in full, in none
    assert sum(table.values()) == 1 and table[segment] == 1
    listed = cli.json("list", "--segment", segment)
    assert [r["name"] for r in listed] == ["Ann"]
    # the report's segments (from the occasions, not the SQL summaries) agree
    largest = cli.json("report")["largest_segments"]
    assert [(s["segment"], s["customers"]) for s in largest] == [(segment, 1)]


def test_value_counts_occasions_net_of_refunds(cli) -> None:
    _book(cli)
    rows = _by_name(cli.json("value"))
    assert set(rows) == {"Ann"}  # Bob refunded in full: no occasion
    ann = rows["Ann"]
    # occasions 10-10 (60) and 11-05 (60): historical 120, AOV 120 ÷ 2
    assert (ann["occasions"], ann["historical_clv"], ann["aov"]) == (2, "120.00", "60.00")
    # on 11-15, before #4's refund: 60 + 60 + 30 over 3 occasions → 150, AOV 50
    ann = _by_name(cli.json("value", "--as-of", "2026-11-15"))["Ann"]
    assert (ann["occasions"], ann["historical_clv"], ann["aov"]) == (3, "150.00", "50.00")


def test_lifecycle_a_customer_refunded_in_full_is_no_buyer(cli) -> None:
    _book(cli)
    stages = {r["stage"]: r["customers"] for r in cli.json("lifecycle")}
    # Bob (refunded in full) and Cid (never bought) are potential; Ann's first purchase was
    # 41 days ago (≤ 90): new
    assert (stages["potential"], stages["new"], sum(stages.values())) == (2, 1, 3)
    rows = _by_name(cli.json("lifecycle", "--list"))
    bob = rows["Bob"]
    assert (bob["stage"], bob["occasions"], bob["last_purchase"]) == ("potential", 0, None)
    assert (rows["Ann"]["occasions"], rows["Ann"]["last_purchase"]) == (2, "2026-11-05")
    assert cli.json("report")["customers_by_stage"]["potential"] == 2
    # before the refund of 11-12, Bob had bought (11-10): new
    before = {r["stage"]: r["customers"] for r in cli.json("lifecycle", "--as-of", "2026-11-11")}
    assert (before["potential"], before["new"]) == (0, 2)


def test_refunds_completing_a_purchase_and_a_same_day_occasion(cli) -> None:
    cli("add", "Ivy")
    cli("add", "Jon")
    cli("buy", "Ivy", "100", "--at", "2026-11-01")  # 1
    cli("refund", "1", "--amount", "30", "--at", "2026-11-05")  # 2
    cli("refund", "1", "--amount", "70", "--at", "2026-11-10")  # 3: #1 now refunded in full
    cli("buy", "Jon", "40", "--at", "2026-11-03 10:00")  # 4: refunded in full the next day
    cli("buy", "Jon", "60", "--at", "2026-11-03 15:00")  # 5: same day, kept: one occasion
    cli("refund", "4", "--at", "2026-11-04")  # 6
    keys = ("frequency", "monetary", "recency_days")
    # on 11-07: Ivy 100 − 30 = 70 bought 6 days before; Jon one occasion of 60 (11-03)
    rfm = {
        n: tuple(r[k] for k in keys)
        for n, r in _by_name(cli.json("rfm", "--as-of", "2026-11-07")).items()
    }
    assert rfm == {"Ivy": (1, "70.00", 6), "Jon": (1, "60.00", 4)}
    # paid 200, given back 30 + 40 = 70 → 130; orders Ivy (70) and Jon (60): AOV 65
    mid = cli.json("report", "--as-of", "2026-11-07")
    got = tuple(mid[k] for k in ("revenue", "refunds", "orders", "average_order_value"))
    assert got == ("130.00", "70.00", 2, "65.00")
    # on 11-12 the second refund has made #1's whole: Ivy is no buyer any more
    rfm = {
        n: tuple(r[k] for k in keys)
        for n, r in _by_name(cli.json("rfm", "--as-of", "2026-11-12")).items()
    }
    assert rfm == {"Jon": (1, "60.00", 9)}
    assert set(_by_name(cli.json("value", "--as-of", "2026-11-12"))) == {"Jon"}
    late = cli.json("report", "--as-of", "2026-11-12")
    got = tuple(late[k] for k in ("revenue", "refunds", "orders", "average_order_value"))
    assert got == ("60.00", "140.00", 1, "60.00")  # 200 − 140; Jon's 60 alone


def _costed_book(cli) -> None:
    """Dan: a line with its own cost, bought in October, refunded in part in November; Eve: a
    product priced by `product set`, 3 units, refunded in part."""
    cli("add", "Dan")
    cli("add", "Eve")
    cli("product", "set", "Jar", "--cost", "8")
    cli("buy", "Dan", "100", "--at", "2026-10-20", "-p", "Box", "--cost", "40")  # 1
    cli("buy", "Eve", "90", "--at", "2026-11-03", "-p", "Jar", "-q", "3")  # 2
    cli("refund", "1", "--amount", "25", "--at", "2026-11-06")  # 3: cost back 40 × 25/100 = 10
    cli("refund", "2", "--amount", "30", "--at", "2026-11-07")  # 4: 1/3 of 3 units: 8 back


def test_profit_takes_back_the_cost_in_proportion(cli) -> None:
    _costed_book(cli)
    rows = _by_name(cli.json("profit"))
    keys = ("revenue", "product_cost", "margin")
    # Dan: 100 − 25 = 75; cost 40 − 10 = 30; margin 45
    assert tuple(rows["Dan"][k] for k in keys) == ("75.00", "30.00", "45.00")
    # Eve: 90 − 30 = 60; cost 3 × 8 = 24 less 8 × 3 × 30/90 = 8 → 16; margin 44
    assert tuple(rows["Eve"][k] for k in keys) == ("60.00", "16.00", "44.00")
    assert (rows["Dan"]["cost_known_share"], rows["Eve"]["cost_known_share"]) == (1.0, 1.0)
    # before the refunds: Dan 100, cost 40
    early = _by_name(cli.json("profit", "--as-of", "2026-10-31"))
    assert tuple(early["Dan"][k] for k in keys) == ("100.00", "40.00", "60.00")


def test_report_margin_of_the_refunds_month(cli) -> None:
    _costed_book(cli)
    october = cli.json("report", "--as-of", "2026-10-31")
    keys = ("revenue", "refunds", "product_cost", "margin")
    assert tuple(october[k] for k in keys) == ("100.00", "0.00", "40.00", "60.00")
    assert october["purchase_lines_cost_unknown"] == 0
    november = cli.json("report")
    # revenue 90 − 25 − 30 = 35; cost 24 − 10 − 8 = 6; margin 35 − 6 = 29
    assert tuple(november[k] for k in keys) == ("35.00", "55.00", "6.00", "29.00")
    assert november["purchase_lines_cost_unknown"] == 0


def test_report_margin_of_a_refund_line_without_cost(cli) -> None:
    # a line with no cost known: its refund is no known cost either (0 by default)
    cli("add", "Fay")
    cli("buy", "Fay", "80", "--at", "2026-10-05", "-p", "Vase")  # 1
    cli("refund", "1", "--at", "2026-11-02")  # 2: all 80
    november = cli.json("report")
    assert (november["revenue"], november["refunds"], november["orders"]) == ("-80.00", "80.00", 0)
    assert (november["product_cost"], november["margin"]) == ("0.00", "-80.00")
    # October: the purchase refunded in full by 11-20 is no order, yet its revenue stays
    assert {t["period"]: t["revenue"] for t in november["trend"]}["2026-10"] == "80.00"


def test_report_margin_rate_without_revenue_is_null(cli) -> None:
    cli("add", "Fay")
    cli("buy", "Fay", "80", "--at", "2026-10-05", "-p", "Vase")  # 1
    cli("refund", "1", "--at", "2026-11-02")  # 2: all 80; November's revenue −80
    november = cli.json("report")
    assert november["revenue"] == "-80.00"
    # margin −80 on revenue −80 is no "100 %" margin rate: none, as profit's per customer
    assert november["margin_rate"] is None


def _tier_book(cli) -> None:
    cli("config", "set", "tiers.thresholds", "0,100")  # Standard from 0, Silver from 100
    cli("config", "set", "tiers.window_days", "30")  # on 11-20: 10-22 … 11-20
    cli("add", "Gus")
    cli("add", "Hal")
    cli("buy", "Gus", "150", "--at", "2026-11-01")  # 1
    cli("refund", "1", "--amount", "60", "--at", "2026-11-10")  # 2: Gus 150 − 60 = 90
    cli("buy", "Hal", "120", "--at", "2026-10-01")  # 3: before the window
    cli("buy", "Hal", "100", "--at", "2026-11-15")  # 4
    cli("refund", "3", "--amount", "50", "--at", "2026-11-05")  # 5: in the window


def test_tiers_spend_is_lowered_by_a_refund_in_the_window(cli) -> None:
    _tier_book(cli)
    tiers = {t["tier"]: t for t in cli.json("tiers")}
    # Gus 90 (< 100); Hal 100 (11-15) − 50 (refund of 11-05, of an October purchase) = 50
    assert (tiers["Standard"]["customers"], tiers["Standard"]["revenue"]) == (2, "140.00")
    assert (tiers["Silver"]["customers"], tiers["Silver"]["revenue"]) == (0, "0.00")
    # on 11-09 (window 10-11 … 11-09): Gus's 150 not yet refunded → Silver; Hal nothing (0)
    before = {t["tier"]: t for t in cli.json("tiers", "--as-of", "2026-11-09")}
    assert (before["Silver"]["customers"], before["Silver"]["revenue"]) == (1, "150.00")
    assert (before["Standard"]["customers"], before["Standard"]["revenue"]) == (1, "-50.00")


def test_show_says_the_tier_after_a_refund(cli) -> None:
    _tier_book(cli)
    tier = cli.json("show", "Gus")["tier"]
    # 150 − 60 = 90 in the window (minor units): Standard, 10 short of Silver
    assert (tier["tier"], tier["value"], tier["next"], tier["needed"]) == (
        "Standard", 9000, "Silver", 1000,
    )  # fmt: skip


def test_health_facts_use_plain_sums_and_ignore_refund_days(cli) -> None:
    from custtrack.services import health

    _tier_book(cli)
    cli("config", "set", "health.trend_days", "30")  # recent 10-22 … 11-20, prior 09-22 … 10-21
    ids = {r["name"]: r["id"] for r in cli.json("list")}
    with db.session() as s:
        got = health.facts(s, date(2026, 11, 20))
    gus, hal = got[ids["Gus"]], got[ids["Hal"]]
    # Gus: 150 − 60 in the recent window; last purchase 11-01 (the refund of 11-10 is none)
    assert (gus.recent_spend, gus.prior_spend, gus.days_since_purchase) == (9000, 0, 19)
    # Hal: recent 100 − 50 (the refund of 11-05, of the purchase of 10-01); prior 120
    assert (hal.recent_spend, hal.prior_spend, hal.days_since_purchase) == (5000, 12000, 5)


def test_sales_chart_moves_a_refund_to_its_own_month(cli) -> None:
    from custtrack.services import report

    _book(cli)
    with db.session() as s:
        data = report.chart_data(s, date(2026, 11, 20), "month")
    sales = data.sales.set_index("period")
    # October 100 (#1 gross), 1 order; November 290 − 270 = 20, 1 order (#2)
    assert (sales.loc["2026-10", "revenue"], sales.loc["2026-10", "orders"]) == (100.0, 1)
    assert (sales.loc["2026-11", "revenue"], sales.loc["2026-11", "orders"]) == (20.0, 1)
    # the period before November over as many days (10-01 … 10-20): #1 at 100
    assert sales.loc["2026-11", "last_revenue"] == 100.0
    assert sales.loc["2026-09", "revenue"] == 0.0


@pytest.mark.sqlite_only
def test_revenue_days_and_period_sales_by_hand() -> None:
    import pandas as pd

    from custtrack.analytics.charts import period_sales
    from custtrack.analytics.churn import revenue_days

    ts = pd.Timestamp
    # occasions net of their refunds: Ann 10-10 (100 − 40 refunded) and 11-05 (60); Bob's 11-10
    # purchase of 200, refunded in full on 11-12, is no occasion
    occ = pd.DataFrame(
        {"customer_id": [1, 1], "day": [ts("2026-10-10"), ts("2026-11-05")], "amount": [60.0, 60.0]}
    )
    refunds = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "day": [ts("2026-11-03"), ts("2026-11-12")],
            "bought": [ts("2026-10-10"), ts("2026-11-10")],
            "amount": [-40.0, -200.0],
        }
    )
    daily = revenue_days(occ, refunds)
    # each refund back on its purchase's day, then off on its own
    assert daily.to_dict() == {
        ts("2026-10-10"): 100.0,
        ts("2026-11-03"): -40.0,
        ts("2026-11-05"): 60.0,
        ts("2026-11-10"): 200.0,
        ts("2026-11-12"): -200.0,
    }
    assert revenue_days(occ).to_dict() == {ts("2026-10-10"): 60.0, ts("2026-11-05"): 60.0}
    sales = period_sales(occ, ts("2026-11-20"), "month", 2, refunds).set_index("period")
    # October 100, 1 order; November −40 + 60 + 200 − 200 = 20, 1 order
    assert sales["revenue"].to_dict() == {"2026-10": 100.0, "2026-11": 20.0}
    assert sales["orders"].to_dict() == {"2026-10": 1, "2026-11": 1}


def test_list_counts_no_refund_line_as_an_order(cli) -> None:
    _book(cli)
    rows = _by_name(cli.json("list"))
    # as `show`: purchases without refund lines; Ann #1 #2 #4, Bob #3
    assert (rows["Ann"]["orders"], rows["Bob"]["orders"]) == (3, 1)
    # Bob's last purchase is #3 (11-10), not its refund (11-12)
    assert rows["Bob"]["last_purchase"].startswith("2026-11-10")
    # spend: paid less refunded (100 + 60 + 30 − 40 − 30 = 120; 200 − 200 = 0)
    assert (rows["Ann"]["spend"], rows["Bob"]["spend"]) == ("120.00", "0.00")


def _small_book(cli) -> None:
    cli("add", "Ann")
    cli("add", "Bob")
    cli("buy", "Ann", "100", "--at", "2026-11-02", "-p", "Tea")  # purchase 1
    cli("buy", "Ann", "50", "--at", "2026-11-05", "-p", "Cup")  # 2: refunded in full
    cli("buy", "Bob", "200", "--at", "2026-11-10", "-p", "Pot")  # 3: 80 of it refunded


def test_report_rfm_value_and_profit_count_what_was_finally_paid(cli) -> None:
    _small_book(cli)
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
    _small_book(cli)
    res = cli("refund", "3", "--amount", "250", code=None)
    assert res.exit_code in (1, 2) and "250" in res.stderr
    assert cli.json("report")["revenue"] == "350.00"
    res = cli("refund", "99", code=1)
    assert "99" in res.stderr


def test_a_second_refund_is_refused_beyond_what_is_left(cli) -> None:
    _book(cli)
    res = cli("refund", "1", "--amount", "70", code=None)  # 40 of 100 given back already
    assert res.exit_code in (1, 2) and "70" in res.stderr
    assert cli.json("report")["refunds"] == "270.00"
