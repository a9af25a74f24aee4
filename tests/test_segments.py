"""Named segments: the map, the segment table, --by groups, `list --segment`, and the pandas-free
path giving the same answers as the pandas one."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from test_rfm import TODAY, book, by_name, days_ago, seven

from custtrack import clock, config, db
from custtrack.models import Customer, Purchase
from custtrack.services import analytics
from custtrack.services.bulk import insert_rows
from custtrack.services.segments import SEGMENT_NAMES, rfm_rows, segment_of


def test_explain_shows_every_segment_and_covers_every_score(cli) -> None:
    out = cli("segments", "--explain").stdout
    for name in SEGMENT_NAMES:
        assert name in out
    assert "midrank" in out and "halves to the even one" in out
    grid = cli.json("segments", "--explain")
    cells = [(c["r"], c["fm"]) for g in grid for c in g["cells"]]
    assert sorted(cells) == [(r, fm) for r in range(1, 6) for fm in range(1, 6)]  # once each
    assert segment_of(5, 5, 4) == "Champions"  # FM 4.5 → 4: (5, 4)
    assert segment_of(1, 5, 5) == "Can't Lose Them"
    assert segment_of(3, 2, 3) == "About to Sleep"  # FM 2.5 → 2
    assert segment_of(3, 3, 4) == "Loyal"  # FM 3.5 → 4


def test_segment_table_shares_by_hand(cli) -> None:
    seven()  # C1 Lost, C2 C3 Hibernating, C4 Need Attention, C5 C6 Loyal, C7 Champions
    cli("add", "Window Shopper")  # no purchase: not scored
    rows = {r["segment"]: r for r in cli.json("segments")}
    assert list(rows) == list(SEGMENT_NAMES)
    revenue = sum(10 * k * k for k in range(1, 8))  # 1400
    loyal = rows["Loyal"]
    assert loyal["customers"] == 2
    assert loyal["share_customers"] == pytest.approx(2 / 7)
    assert loyal["share_revenue"] == pytest.approx((250 + 360) / revenue)
    assert (loyal["mean_r"], loyal["mean_f"], loyal["mean_m"]) == (4, 4, 4)
    assert rows["Champions"]["share_revenue"] == pytest.approx(490 / revenue)
    assert rows["New"]["customers"] == 0 and rows["New"]["mean_r"] is None
    assert "win back" in rows["Lost"]["action"]
    table = cli("segments").stdout
    assert "28.6%" in table and "1 without purchases are not scored" in table


def test_list_segment_filters_customers(cli) -> None:
    ids = seven()
    listed = cli.json("list", "--segment", "hibernating")
    assert sorted(r["id"] for r in listed) == sorted([ids["C2"], ids["C3"]])
    listed = cli.json("list", "--segment", "CHAMPIONS")
    assert [r["name"] for r in listed] == ["C7"]
    assert "unknown segment" in cli("list", "--segment", "whales", code=2).stderr


def test_segments_by_city_and_tag(cli) -> None:
    book(
        {
            "Ann": [(days_ago(10), 100), (days_ago(20), 50)],
            "Bob": [(days_ago(400), 30)],  # churned: nothing for over 365 days
            "Cat": [],
            "Dan": [(days_ago(5), 20)],
        },
        Ann={"city": "Hangzhou"}, Bob={"city": "Hangzhou"}, Cat={"city": "Hangzhou"},
    )  # fmt: skip
    cli("tag", "Ann", "vip")
    cli("tag", "Dan", "vip", "wholesale")
    rows = {r["group"]: r for r in cli.json("segments", "--by", "city")}
    hz = rows["Hangzhou"]
    assert (hz["customers"], hz["buyers"], hz["revenue"]) == (3, 2, "180.00")
    assert hz["mean_spend"] == "90.00"  # 180 over 2 buyers
    assert hz["churned"] == 1 and hz["churn_share"] == pytest.approx(1 / 3)
    assert rows["(none)"]["customers"] == 1 and rows["(none)"]["revenue"] == "20.00"
    tags = {r["group"]: r for r in cli.json("segments", "--by", "tag")}
    assert tags["vip"]["customers"] == 2 and tags["vip"]["revenue"] == "170.00"
    assert tags["wholesale"]["revenue"] == "20.00" and tags["(none)"]["customers"] == 2
    assert "--by" in cli("segments", "--by", "shoe-size", code=2).stderr


def _random_book(n: int, seed: int) -> None:
    """Many customers with ties in every measure, inserted in bulk."""
    rnd = random.Random(seed)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    custs = [{"id": i, "name": f"R{i}", "status": "active", "created_at": now, "updated_at": now}
             for i in range(1, n + 1)]  # fmt: skip
    buys = []
    for i in range(1, n + 1):
        for _ in range(rnd.choice([1, 1, 2, 3, 5, 8])):
            at = datetime(2026, 11, 19, 15, tzinfo=UTC) - timedelta(
                days=rnd.choice([0, 1, 7, 30, 31, 90, 200, 400]), hours=rnd.choice([0, 9, 20])
            )
            amount = rnd.choice([500, 1000, 1000, 2500, 9900])
            buys.append({"customer_id": i, "at": at, "amount_minor": amount, "qty": 1,
                         "currency": "USD", "created_at": now})  # fmt: skip
    eng = db.engine()
    with eng.begin() as conn:
        insert_rows(conn, Customer.__table__, custs, 500)
        insert_rows(conn, Purchase.__table__, buys, 500)
    db.dispose()


@pytest.mark.parametrize("monetary", ["total", "mean"])
def test_pandas_free_path_agrees_with_pandas(monetary: str) -> None:
    _random_book(300, seed=4)
    for cuts in (False, True):
        if cuts:
            config.set_value("rfm.recency_cuts", "1,7,31,200")
            config.set_value("rfm.monetary_cuts", "10,25,50,100")
        with db.session() as s:
            plain = {r["customer_id"]: r for r in rfm_rows(s, TODAY, monetary)}
            frame = analytics.rfm(s, TODAY, monetary)
            via_occasions = analytics.rfm(s, TODAY, monetary, occ=analytics.occasions(s, TODAY))
        assert len(plain) == len(frame) == 300
        cols = ["recency_days", "frequency", "r", "f", "m", "segment"]
        assert via_occasions[cols].sort_index().equals(frame[cols].sort_index())
        for cid, row in frame.iterrows():
            p = plain[cid]
            assert (p["r"], p["f"], p["m"], p["segment"]) == (
                row["r"], row["f"], row["m"], row["segment"],
            ), cid  # fmt: skip
            assert p["recency_days"] == row["recency_days"]
            assert p["monetary"] == pytest.approx(row["monetary"])
        assert len({r["segment"] for r in plain.values()}) >= 5  # a varied book


def test_local_days_follow_daylight_saving_time(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """New York switched to EDT on 2026-03-08 02:00: the SQL local day must switch with it."""
    monkeypatch.setenv("TZ", "America/New_York")
    clock._zone.cache_clear()
    ny = clock.local_zone()
    moments = [
        datetime(2026, 3, 7, 23, 30), datetime(2026, 3, 8, 4, 30), datetime(2026, 3, 8, 23, 30),
        datetime(2026, 3, 9, 0, 30), datetime(2026, 11, 1, 0, 30), datetime(2026, 11, 1, 23, 30),
        datetime(2026, 11, 2, 0, 30),
    ]  # fmt: skip
    cli("add", "Traveller")
    from custtrack.services import customers, records

    with db.session(write=True) as s:
        c = customers.resolve(s, "Traveller")
        for m in moments:
            records.record_purchase(s, c, amount="1", at=m.replace(tzinfo=ny))
    db.dispose()
    with db.session() as s:
        occ = analytics.occasions(s, TODAY)
    # a fixed offset would move 00:30 on Mar 9 and Nov 1, and 23:30 on Nov 1, to other days
    per_day = {d.date(): a for d, a in zip(occ["day"], occ["amount"], strict=True)}
    assert per_day == {
        date(2026, 3, 7): 1, date(2026, 3, 8): 2, date(2026, 3, 9): 1,
        date(2026, 11, 1): 2, date(2026, 11, 2): 1,
    }  # fmt: skip
    (row,) = cli.json("rfm")
    assert row["frequency"] == 5
    assert row["recency_days"] == (TODAY - date(2026, 11, 2)).days
    assert by_name(cli.json("lifecycle", "--list"))["Traveller"]["occasions"] == 5


def test_list_segment_does_not_import_pandas(cli, tmp_path) -> None:
    import subprocess
    import sys

    seven()
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from custtrack.cli import app\n"
        "r = CliRunner().invoke(app, ['list', '--segment', 'champions', '--format', 'json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "assert 'C7' in r.stdout\n"
        "print(sorted(m for m in ('pandas', 'scipy', 'numpy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
