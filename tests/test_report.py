"""The KPI report, every figure computed by hand; campaigns and CAC; suggestions."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from test_rfm import book

from custtrack import clock, db
from custtrack.models import Complaint
from custtrack.services import customers, records


def _at(day: date, hour: int = 10) -> datetime:
    return clock.combine(day, time(hour))


def _shop(cli) -> None:
    book(
        {
            "Ann": [(date(2026, 10, 15), 100), (date(2026, 11, 3), 50), (date(2026, 11, 3), 30)],
            "Bob": [(date(2026, 11, 10), 40)],
            "Cat": [(date(2025, 1, 1), 10)],
            "Dan": [],
        },
        Ann={"source": "flyer"}, Bob={"source": "Flyer"},
    )  # fmt: skip
    with db.session(write=True) as s:
        c = {n: customers.resolve(s, n) for n in ("Ann", "Bob", "Cat", "Dan")}
        for name, day, csat, nps in (
            ("Ann", date(2026, 11, 4), 5, 9), ("Bob", date(2026, 11, 11), 3, 6),
            ("Cat", date(2026, 11, 12), 4, None), ("Dan", date(2026, 11, 13), None, 10),
            ("Ann", date(2026, 10, 20), 1, 0),  # October: not in the November report
        ):  # fmt: skip
            records.record_feedback(s, c[name], at=_at(day), csat=csat, nps=nps)
        done = records.open_complaint(s, c["Ann"], category="delivery", at=_at(date(2026, 11, 2)))
        records.open_complaint(s, c["Bob"], category="quality", at=_at(date(2026, 11, 5)))
        records.open_complaint(s, c["Cat"], category="service", at=_at(date(2026, 10, 1)))
        records.resolve_complaint(s, done.id, "sent again")
    db.dispose()
    cli("campaign", "add", "Flyers", "--cost", "200", "--start", "2026-11-01", "--source", "flyer")
    cli("campaign", "add", "Radio", "--cost", "300", "--start", "2026-10-01", "--channel", "other")


def test_month_report_by_hand(cli) -> None:
    _shop(cli)
    r = cli.json("report")
    assert (r["period"], r["start"], r["end"]) == ("2026-11", "2026-11-01", "2026-11-20")
    assert r["customers_total"] == 4 and r["new_customers"] == 4
    assert r["customers_by_stage"] == {
        "potential": 1, "new": 2, "active": 0, "loyal": 0, "at risk": 0, "churned": 1,
        "won back": 0,
    }  # fmt: skip
    # Nov: Ann one occasion (50 + 30 on the 3rd), Bob one (40)
    assert (r["revenue"], r["orders"], r["buyers"]) == ("120.00", 2, 2)  # money: decimal strings
    assert r["average_order_value"] == "60.00" and r["purchase_frequency"] == 1
    assert r["new_buyers"] == 1  # Bob; Ann first bought in October
    assert (r["active_at_start"], r["active_customers"], r["churned"]) == (1, 2, 0)
    assert (r["churn_rate"], r["retention_rate"], r["repurchase_rate"]) == (0, 1, 1)
    assert r["clv_historical_mean"] == "76.67"  # (180 + 40 + 10) / 3, to the cent
    assert float(r["clv_predicted_mean"]) > 0 and "heuristic" in r["clv_predicted_method"]
    # CSAT: 5, 3, 4 → 2 of 3 satisfied, mean 4; NPS: 9, 6, 10 → (2 − 1) / 3
    assert r["csat_responses"] == 3 and r["csat_mean"] == 4
    assert r["csat_satisfied_share"] == pytest.approx(2 / 3)
    assert r["nps_responses"] == 3 and r["nps"] == pytest.approx(100 / 3)
    assert r["nps_promoters_share"] == pytest.approx(2 / 3)
    # complaints: two opened in November, Bob's and Cat's (from October) still open
    assert (r["complaints_opened"], r["complaints_open"], r["complaints_resolved"]) == (2, 2, 1)
    with db.session() as s:
        ann = s.get(Complaint, 1)
        hours = (ann.resolved_at - ann.opened_at).total_seconds() / 3600
    assert r["mean_hours_to_resolve"] == pytest.approx(hours)
    cats = {c["category"]: c for c in r["complaints_by_category"]}
    assert (cats["delivery"]["opened"], cats["delivery"]["open"], cats["delivery"]["resolved"]) == (
        1, 0, 1,
    )  # fmt: skip
    assert (cats["quality"]["open"], cats["service"]["opened"], cats["service"]["open"]) == (
        1,
        0,
        1,
    )
    assert cats["quality"]["mean_hours_to_resolve"] is None
    # CAC: Flyers brought Ann and Bob (source matched case-insensitively), Radio nobody
    camps = {c["name"]: c for c in r["campaigns"]}
    assert camps["Flyers"]["new_customers"] == 2 and camps["Flyers"]["cac"] == "100.00"
    assert camps["Radio"]["new_customers"] == 0 and camps["Radio"]["cac"] is None
    assert r["cac"] == "250.00"  # 500 spent, 2 customers brought
    # RFM over 3 buyers: Ann 3-5-5 Loyal, Bob 5-2-3 Potential Loyalist, Cat 1-2-1 Lost
    assert [s["segment"] for s in r["largest_segments"]] == ["Loyal", "Potential Loyalist", "Lost"]
    assert len(r["trend"]) == 12 and r["trend"][-1]["revenue"] == "120.00"
    assert r["trend"][-2] == {
        "period": "2026-10",
        "revenue": "100.00",
        "new_buyers": 1,
        "active": 1,
        "churned": 0,
    }


def test_report_table_csv_and_other_periods(cli) -> None:
    _shop(cli)
    table = cli("report").stdout
    for text in ("Report for 2026-11", "120.00 USD", "CAC", "NPS", "Largest segments", "Trend"):
        assert text in table
    assert any(ch in table for ch in "▁▂▃▄▅▆▇█")
    csv = dict(line.split(",", 1) for line in cli("report", "-f", "csv").stdout.splitlines())
    assert csv["revenue"] == "120.00" and csv["orders"] == "2" and csv["customers_churned"] == "1"
    year = cli.json("report", "--period", "year")
    assert (year["period"], year["start"], year["revenue"]) == ("2026", "2026-01-01", "220.00")
    assert [t["period"] for t in year["trend"]][-2:] == ["2025", "2026"]
    assert cli.json("report", "--period", "quarter")["period"] == "2026Q4"
    assert "--period" in cli("report", "--period", "week", code=2).stderr


def test_period_with_no_active_customers_shows_dashes(cli) -> None:
    _shop(cli)
    r = cli.json("report", "--as-of", "2024-06-15")
    assert r["customers_total"] == 0 and r["orders"] == 0
    empty = ("churn_rate", "retention_rate", "average_order_value", "purchase_frequency",
             "csat_mean", "nps", "cac", "mean_hours_to_resolve", "clv_historical_mean")  # fmt: skip
    for key in empty:
        assert r[key] is None, key
    table = cli("report", "--as-of", "2024-06-15").stdout
    assert "Churn rate              — (0 of 0" in table
    assert "Average order value     — USD" in table


@pytest.mark.usefixtures("migrated_db")  # an empty database, not a missing file
def test_help_names_every_json_field(cli) -> None:
    _shop(cli)
    fields = set(cli.json("report"))
    text = " ".join(cli("report", "--help").stdout.split())
    missing = sorted(f for f in fields if f not in text)
    assert not missing, f"report --help does not name {missing}"


def test_empty_database_report(cli) -> None:
    cli("db", "init")  # an empty book (report alone does not create one: issue 17.6)
    r = cli.json("report")
    assert r["customers_total"] == 0 and r["revenue"] == "0.00" and r["largest_segments"] == []
    assert cli("report").exit_code == 0


def test_campaign_add_and_list(cli, snapshot) -> None:
    cli("add", "Eve", "--source", "radio")
    cli(
        "campaign",
        "add",
        "Radio",
        "--cost",
        "90.50",
        "--start",
        "2026-11-01",
        "--end",
        "2026-11-30",
    )
    (row,) = cli.json("campaign", "list")
    assert row["cost"] == "90.50" and row["new_customers"] == 1 and row["cac"] == "90.50"
    assert row["end"] == "2026-11-30" and row["source"] == "Radio"
    before = snapshot()
    assert "already exists" in cli("campaign", "add", "Radio", "--cost", "1", "--start",
                                   "2026-11-01", code=1).stderr  # fmt: skip
    bad = cli("campaign", "add", "X", "--cost", "1", "--start", "2026-11-02", "--end", "2026-11-01",
              code=2)  # fmt: skip
    assert "is before --start" in bad.stderr
    assert "--cost" in cli("campaign", "add", "Y", "--cost", "-5", "--start", "2026-11-01",
                           code=2).stderr  # fmt: skip
    assert snapshot() == before
    assert cli.json("campaign", "list", "--as-of", "2026-10-31") == []


D1, D2, D3 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)


def test_suggest_from_similar_baskets_and_categories(cli) -> None:
    book(
        {
            "Ann": [(D1, 10, "Longjing", "tea"), (D1, 5, "Cup", "ware")],
            "Bob": [(D2, 10, "Longjing", "tea"), (D2, 8, "Pot", "ware")],
            "Cat": [(D3, 12, "Longjing", "tea"), (D3, 8, "Pot", "ware"), (D3, 9, "Oolong", "tea")],
            "Dan": [(D3, 30, "Puer", "tea"), (date(2026, 11, 5), 30, "Puer", "tea")],
            "Eve": [],
        }
    )  # fmt: skip
    rows = cli.json("suggest", "Ann")
    assert [(r["product"], r["source"]) for r in rows] == [
        ("Pot", "co-purchase"),
        ("Oolong", "co-purchase"),
        ("Puer", "category"),
    ]
    assert rows[0]["reason"] == "2 customers who bought Longjing also bought Pot"
    assert rows[1]["reason"] == "1 customer who bought Longjing also bought Oolong"
    assert rows[2]["reason"] == "a best seller in tea, a category they buy (1 buyer)"
    assert [r["product"] for r in cli.json("suggest", "Ann", "--limit", "1")] == ["Pot"]
    assert "no purchases with a product name" in cli("suggest", "Eve").stdout
    assert cli.json("suggest", "Ann", "--as-of", "2026-11-01") == []  # nobody else yet


def test_other_currencies_are_left_out_and_counted(cli) -> None:
    ids = book({"Ann": [(date(2026, 11, 3), 100)], "Bob": [(date(2026, 11, 10), 40)]})
    assert cli.json("report")["purchases_other_currency"] == 0
    assert "other currencies" not in cli("rfm").stdout + cli("rfm").stderr
    with db.session(write=True) as s:
        eve = customers.add(s, {"name": "Eve"}, tags=[], force=False)
        for who, amount in ((eve, "70"), (customers.resolve(s, "Ann"), "999")):
            records.record_purchase(
                s, who, amount=amount, at=_at(date(2026, 11, 5)), currency="EUR"
            )
    db.dispose()
    r = cli.json("report")
    # 100 + 40 in USD (the setting); the 999 and 70 EUR are not added to them
    assert (r["revenue"], r["orders"], r["buyers"]) == ("140.00", 2, 2)
    assert r["purchases_other_currency"] == 2 and r["currency"] == "USD"
    rfm = {row["customer_id"]: row for row in cli.json("rfm")}
    assert set(rfm) == {ids["Ann"], ids["Bob"]}  # Eve bought only in EUR
    assert (rfm[ids["Ann"]]["monetary"], rfm[ids["Ann"]]["frequency"]) == ("100.00", 1)
    note = "2 purchases in currencies other than USD left out"
    assert note in cli("rfm", "--format", "json").stderr
    assert note in " ".join(cli("rfm").stdout.split())
    assert note in " ".join(cli("report").stderr.split())
    value = {row["customer_id"]: row for row in cli.json("value")}
    assert value[ids["Ann"]]["historical_clv"] == "100.00" and len(value) == 2
    # before the EUR purchases (as of Nov 4) nothing is left out
    assert cli.json("report", "--as-of", "2026-11-04")["purchases_other_currency"] == 0


def test_cac_adds_costs_in_one_currency_only(cli) -> None:
    """A campaign paid in another currency (recorded before the currency was changed) is listed
    with its own CAC but kept out of the report's CAC, and the report says so."""
    cli("db", "init")  # `campaign add` does not create a database (issue 17.6)
    cli("config", "set", "currency", "EUR")
    cli("campaign", "add", "Old ads", "--cost", "900", "--start", "2026-11-01", "--source", "ads")
    cli("config", "set", "currency", "USD")
    cli("campaign", "add", "Flyers", "--cost", "200", "--start", "2026-11-01", "--source", "flyer")
    cli("add", "Ann", "--source", "flyer")
    cli("add", "Bob", "--source", "ads")
    r = cli.json("report")
    assert r["cac"] == "200.00"  # 200 USD for Ann; not (900 + 200) / 2
    assert r["campaigns_other_currency"] == 1
    camps = {c["name"]: c for c in r["campaigns"]}
    assert (camps["Old ads"]["currency"], camps["Old ads"]["cac"]) == ("EUR", "900.00")
    shown = cli("report").stderr + cli("report").stdout
    assert "1 campaign paid in a currency other than USD left out of CAC" in " ".join(shown.split())
