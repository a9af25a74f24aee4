"""RFM: recency, frequency (occasions), monetary and their 1–5 scores, computed by hand here."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from custtrack import clock, config, db
from custtrack.services import customers, records

TODAY = date(2026, 11, 20)  # conftest fixes CUSTTRACK_TODAY


def book(spec: dict[str, list[tuple]], **fields: dict) -> dict[str, int]:
    """Customers and their purchases through the services: {name: [(day, amount[, product,
    category[, hour]])]}; returns {name: id}. `fields` gives extra customer fields by name."""
    ids = {}
    with db.session(write=True) as s:
        for name, buys in spec.items():
            c = customers.add(s, {"name": name, **fields.get(name, {})}, tags=[], force=False)
            ids[name] = c.id
            for item in buys:
                day, amount = item[0], item[1]
                product = item[2] if len(item) > 2 else None
                category = item[3] if len(item) > 3 else None
                at = clock.combine(day, time(item[4] if len(item) > 4 else 12))
                records.record_purchase(
                    s, c, amount=str(amount), at=at, product=product, category=category
                )
    db.dispose()
    return ids


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def seven() -> dict[str, int]:
    """Customer k (1..7) bought k times, 10·k each time, the last (8−k)·10 days ago."""
    spec = {}
    for k in range(1, 8):
        last = (8 - k) * 10
        spec[f"C{k}"] = [(days_ago(last + 3 * j), 10 * k) for j in range(k)]
    return book(spec)


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {r["name"]: r for r in rows}


def test_seven_customers_get_mid_rank_quintile_scores(cli) -> None:
    seven()
    rows = by_name(cli.json("rfm"))
    expected = [1, 2, 2, 3, 4, 4, 5]  # 1 + floor(5 (k − ½) / 7) for k = 1..7
    for k in range(1, 8):
        r = rows[f"C{k}"]
        assert r["recency_days"] == (8 - k) * 10
        assert r["frequency"] == k
        assert r["monetary"] == f"{10 * k * k}.00"  # money: an exact decimal string
        s = expected[k - 1]
        assert (r["r"], r["f"], r["m"]) == (s, s, s)
        assert r["rfm"] == f"{s}{s}{s}"
    segs = {k: rows[f"C{k}"]["segment"] for k in range(1, 8)}
    assert segs == {
        1: "Lost", 2: "Hibernating", 3: "Hibernating", 4: "Need Attention",
        5: "Loyal", 6: "Loyal", 7: "Champions",
    }  # fmt: skip


def test_all_tied_customers_score_3(cli) -> None:
    book({n: [(days_ago(5), 50)] for n in ("Ann", "Bob", "Cat", "Dan")})
    rows = cli.json("rfm")
    assert len(rows) == 4
    assert {(r["r"], r["f"], r["m"], r["segment"]) for r in rows} == {(3, 3, 3, "Need Attention")}


def test_one_customer_scores_3_and_a_one_time_buyer_has_frequency_1(cli) -> None:
    book({"Solo": [(days_ago(40), "19.90")]})
    (row,) = cli.json("rfm")
    assert (row["recency_days"], row["frequency"], row["monetary"]) == (40, 1, "19.90")
    assert row["rfm"] == "333"


def test_no_purchases_at_all(cli) -> None:
    cli("add", "Nobody")
    assert cli.json("rfm") == []
    assert "No purchases recorded yet." in cli("rfm").stdout
    assert "nothing to segment" in cli("segments").stdout


def test_purchases_on_one_local_day_are_one_occasion(cli) -> None:
    # Asia/Shanghai is UTC+8: 07:00 and 21:00 on Jan 5 are on different UTC days but one local
    # day; 23:00 on Jan 6 and 01:00 on Jan 7 share a UTC day but are two local days.
    with db.session(write=True) as s:
        c = customers.add(s, {"name": "Night Owl"}, tags=[], force=False)
        for when, amount in (
            (datetime(2026, 1, 5, 7), "10"), (datetime(2026, 1, 5, 21), "5"),
            (datetime(2026, 1, 6, 23), "1"), (datetime(2026, 1, 7, 1), "2"),
        ):  # fmt: skip
            at = clock.combine(when.date(), when.time())
            records.record_purchase(s, c, amount=amount, at=at)
    db.dispose()
    (row,) = cli.json("rfm")
    assert row["frequency"] == 3
    assert row["monetary"] == "18.00"
    assert row["recency_days"] == (TODAY - date(2026, 1, 7)).days
    (mean,) = cli.json("rfm", "--monetary", "mean")
    assert mean["monetary"] == "6.00"  # 18 over 3 occasions


def test_fixed_cut_points_from_the_config(cli) -> None:
    seven()
    config.set_value("rfm.recency_cuts", "15,35,55,65")
    config.set_value("rfm.frequency_cuts", "1,2,4,6")
    config.set_value("rfm.monetary_cuts", "100,200,300,400")
    rows = by_name(cli.json("rfm"))
    # recency (8−k)·10 → 70,60,50,40,30,20,10; ≤15 → 5, ≤35 → 4, ≤55 → 3, ≤65 → 2, else 1
    assert [rows[f"C{k}"]["r"] for k in range(1, 8)] == [1, 2, 3, 3, 4, 4, 5]
    # frequency k: ≤1 → 1, ≤2 → 2, ≤4 → 3, ≤6 → 4, else 5
    assert [rows[f"C{k}"]["f"] for k in range(1, 8)] == [1, 2, 3, 3, 4, 4, 5]
    # monetary 10k²: 10, 40, 90, 160, 250, 360, 490
    assert [rows[f"C{k}"]["m"] for k in range(1, 8)] == [1, 1, 1, 2, 3, 4, 5]


def test_bad_cut_points_are_reported(cli) -> None:
    seven()
    config.set_value("rfm.recency_cuts", "30,10")
    result = cli("rfm", code=1)
    assert "rfm.recency_cuts must be four ascending numbers" in result.stderr


def test_as_of_ignores_later_purchases(cli) -> None:
    book(
        {"Ann": [(date(2026, 1, 10), 100), (date(2026, 3, 1), 50)], "Bob": [(date(2026, 2, 1), 7)]}
    )
    rows = by_name(cli.json("rfm", "--as-of", "2026-02-15"))
    assert rows["Ann"]["frequency"] == 1 and rows["Ann"]["monetary"] == "100.00"
    assert rows["Ann"]["recency_days"] == 36
    assert rows["Bob"]["recency_days"] == 14
    assert set(by_name(cli.json("rfm", "--as-of", "2026-01-31"))) == {"Ann"}


@pytest.mark.usefixtures("migrated_db")  # an empty database, not a missing file
def test_rfm_rejects_bad_options(cli) -> None:
    assert "--monetary" in cli("rfm", "--monetary", "median", code=2).stderr
    assert "--format" in cli("rfm", "--format", "xml", code=2).stderr
    assert "unknown segment" in cli("rfm", "--segment", "whales", code=2).stderr


def test_rfm_csv_and_segment_filter(cli) -> None:
    seven()
    out = cli("rfm", "--segment", "loyal", "--format", "csv").stdout.splitlines()
    assert out[0].split(",")[:3] == ["customer_id", "name", "recency_days"]
    assert sorted(line.split(",")[1] for line in out[1:]) == ["C5", "C6"]
