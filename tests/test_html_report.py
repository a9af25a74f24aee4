"""The HTML report with charts: the numbers behind the charts on hand-computed data, the holidays
against their published dates, the empty states, and the page itself in a real browser
(Debian's headless Chromium): every chart drawn, nothing fetched, no console error, the KPI
numbers those of `report --format json`, in English and in Chinese; pictures of each chart.

CUSTTRACK_DOCS_SCREENSHOTS=1 also writes docs/report.png and docs/report-zh.png (the README's).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from custtrack import db, i18n
from custtrack.analytics import charts as ch
from custtrack.analytics.churn import cohort_table, period_bounds
from custtrack.analytics.seasons import holiday_days, holiday_weeks
from custtrack.io import html_report
from custtrack.services import report as reports

ROOT = Path(__file__).resolve().parents[1]
DEMO_DAY = date(2026, 11, 20)
T = pd.Timestamp


# --- the holidays ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (
            2025,
            {
                "spring_festival": "2025-01-29", "qingming": "2025-04-04",
                "labour_day": "2025-05-01", "dragon_boat": "2025-05-31",
                "mid_autumn": "2025-10-06", "national_day": "2025-10-01",
                "double_eleven": "2025-11-11",
            },
        ),
        (
            2026,
            {
                "spring_festival": "2026-02-17", "qingming": "2026-04-05",
                "labour_day": "2026-05-01", "dragon_boat": "2026-06-19",
                "mid_autumn": "2026-09-25", "national_day": "2026-10-01",
                "double_eleven": "2026-11-11",
            },
        ),
    ],
)  # fmt: skip
def test_holiday_days_are_the_published_ones(year, expected) -> None:
    days = holiday_days([year])
    assert {k: d.date().isoformat() for k, d in zip(days["holiday"], days["day"], strict=True)} == (
        expected
    )
    assert list(days["day"]) == sorted(days["day"])


def test_holiday_weeks_against_ordinary_weeks_by_hand() -> None:
    # 10 whole weeks from Monday 2025-03-03; Qingming (Fri 2025-04-04) is in the week of 03-31.
    # Weeks of 03-24 and 03-31 are "around" it; 04-07 is neither; the other 7 are ordinary.
    start = date(2025, 3, 3)
    days = pd.date_range(start, periods=70)
    revenue = pd.Series(100.0, index=days)
    revenue[(days >= T("2025-03-24")) & (days <= T("2025-04-06"))] = 250.0
    revenue[(days >= T("2025-04-07")) & (days <= T("2025-04-13"))] = 1000.0  # ignored
    hol = pd.DataFrame({"holiday": ["qingming"], "day": [T("2025-04-04")]})
    out = holiday_weeks(revenue, hol, start, date(2025, 5, 11))
    assert out.to_dict("records") == [
        {
            "holiday": "qingming", "weeks": 2, "mean_revenue": 1750.0, "ordinary_weeks": 7,
            "ordinary_mean": 700.0, "lift": 1.5,
        }
    ]  # fmt: skip
    # a partial first and last week do not count: from Wednesday to Saturday
    out = holiday_weeks(revenue, hol, date(2025, 3, 5), date(2025, 5, 10))
    assert out.iloc[0]["ordinary_weeks"] == 5
    # no whole week at all
    assert holiday_weeks(revenue, hol, date(2025, 3, 5), date(2025, 3, 8)).empty


# --- the numbers behind the charts -------------------------------------------------------------


def _occ(rows: list[tuple[int, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "day", "amount"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def test_cohort_matrix_by_hand() -> None:
    # January cohort: customers 1 and 2; 1 comes back in February, both in March.
    # February cohort: customer 3, back in March. As of 2026-03-31 month 3 is not reached.
    occ = _occ([
        (1, "2026-01-05", 10), (1, "2026-02-10", 10), (1, "2026-03-01", 10),
        (2, "2026-01-20", 10), (2, "2026-03-15", 10),
        (3, "2026-02-02", 10), (3, "2026-03-03", 10), (3, "2026-03-04", 10),
    ])  # fmt: skip
    table = cohort_table(occ, T("2026-03-31"), 12)
    cells = ch.cohort_cells(table)
    assert cells.to_dict("records") == [
        {"cohort": "2026-01", "customers": 2, "k": 1, "share": 0.5},
        {"cohort": "2026-01", "customers": 2, "k": 2, "share": 1.0},
        {"cohort": "2026-02", "customers": 1, "k": 1, "share": 1.0},
    ]
    assert ch.retention_after(table, 1) == pytest.approx((0.5 * 2 + 1.0 * 1) / 3)
    assert ch.retention_after(table, 3) is None


def test_period_sales_compare_a_year_earlier_and_the_same_days_before() -> None:
    occ = _occ([
        (1, "2025-11-03", 50), (2, "2025-11-25", 70),  # a year earlier; the 25th is after day 20
        (1, "2026-10-02", 30), (1, "2026-10-28", 99),  # October: only 1–20 compares with now
        (1, "2026-11-05", 40), (2, "2026-11-05", 5), (3, "2026-11-19", 15),
    ])  # fmt: skip
    sales = ch.period_sales(occ, T("2026-11-20"), "month", 2)
    last = sales.iloc[-1].to_dict()
    assert last["period"] == "2026-11" and last["partial"] is True
    assert (last["revenue"], last["orders"]) == (60.0, 3)
    assert (last["prev_revenue"], last["prev_orders"]) == (50.0, 1)
    assert last["last_revenue"] == 30.0
    october = sales.iloc[0].to_dict()
    assert october["partial"] is False and october["revenue"] == 129.0


def test_stage_flow_counts_moves_and_new_records() -> None:
    before = pd.Series({1: "new", 2: "active", 3: "active"})
    now = pd.Series({1: "active", 2: "active", 3: "at risk", 4: "potential"})
    assert ch.stage_flow(before, now).to_dict("records") == [
        {"from_stage": "added", "to_stage": "potential", "customers": 1},
        {"from_stage": "new", "to_stage": "active", "customers": 1},
        {"from_stage": "active", "to_stage": "active", "customers": 1},
        {"from_stage": "active", "to_stage": "at risk", "customers": 1},
    ]


def test_clv_bands_are_shared_and_the_last_takes_the_rest() -> None:
    hist = pd.Series([0.0, 5.0, 12.0, 19.0, 1000.0])
    pred = pd.Series([1.0, 2.0])
    bands = ch.clv_histogram(hist, pred, bins=4)
    assert bands.groupby("kind")["customers"].sum().to_dict() == {"historical": 5, "predicted": 2}
    assert list(bands[bands["kind"] == "historical"]["start"]) == list(
        bands[bands["kind"] == "predicted"]["start"]
    )


def _empty_data() -> ch.ChartData:
    none = pd.DataFrame()
    occ = _occ([])
    bounds = period_bounds(T("2026-11-20"), "month", 12)
    comp = pd.DataFrame(columns=["category", "opened", "resolved", "opened_day", "resolved_day"])
    for col in comp.columns[1:]:
        comp[col] = pd.to_datetime(comp[col])
    fb = pd.DataFrame({"day": pd.to_datetime([]), "csat": [], "nps": []})
    return ch.ChartData(
        as_of=DEMO_DAY, period="month", currency="CNY",
        sales=ch.period_sales(occ, T("2026-11-20"), "month", 12),
        trend=pd.DataFrame(columns=["period", "active_end", "new_buyers", "churned"]),
        stages_before=pd.Series(dtype=object), stages_now=pd.Series(dtype=object),
        before=date(2026, 10, 31), scores=none, segments=none,
        cohorts=cohort_table(occ, T("2026-11-20")), feedback=ch.feedback_by_period(fb, bounds),
        complaints=ch.complaints_by_period(comp, bounds),
        resolve=ch.resolve_times(comp, bounds[0][1], bounds[-1][2]),
        categories=ch.category_months(
            pd.DataFrame(columns=["day", "category", "revenue"]), T("2025-01-01"), T("2026-11-20")
        ),
        holidays=holiday_days([2026]), holiday_weeks=pd.DataFrame(columns=["holiday", "lift"]),
        clv_historical=pd.Series(dtype=float), clv_predicted=pd.Series(dtype=float),
    )  # fmt: skip


def test_every_chart_has_an_empty_state_that_says_so() -> None:
    made = ch.charts(_empty_data())
    assert [c.key for c in made] == list(ch.KEYS)
    assert all(c.empty for c in made)
    readings = {c.key: c.reading for c in made}
    assert readings["revenue"] == "No purchases in these periods yet."
    assert readings["feedback"] == "No feedback in these periods."
    assert readings["complaints"] == "No complaints in these periods."
    assert readings["holidays"] == "Not enough whole weeks of sales yet to compare holidays."
    assert readings["clv"] == "No purchases yet: no lifetime value to show."


def test_empty_states_in_chinese() -> None:
    i18n.use("zh-CN")
    made = {c.key: c for c in ch.charts(_empty_data())}
    assert made["revenue"].title == "销售额与订单"
    assert made["revenue"].reading == "这些时期还没有购买记录。"
    assert made["season"].reading == "这些月份没有购买记录。"


# --- the page in a real browser -----------------------------------------------------------------


def _need_chromium() -> None:
    from browser import chromium

    if chromium() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must have chromium (.ci/run installs it)")
        pytest.skip("no chromium here: apt-get install chromium fonts-noto-cjk")


@pytest.fixture(scope="module")
def browser():
    _need_chromium()
    from browser import chromium_browser

    with chromium_browser() as b:
        yield b


_demo_files: dict[str, bytes] = {}


@pytest.fixture
def demo(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundled example shop, as `custtrack demo --keep` leaves it, in use (loaded once per
    run, then copied)."""
    from custtrack import config

    shop = tmp_path / "shop.db"
    settings = tmp_path / "shop.db.toml"
    if not _demo_files:
        cli("demo", "--keep", shop)
        _demo_files.update(db=shop.read_bytes(), toml=settings.read_bytes())
    else:
        shop.write_bytes(_demo_files["db"])
        settings.write_bytes(_demo_files["toml"])
    monkeypatch.setenv("CUSTTRACK_DB", str(shop))
    monkeypatch.setenv("CUSTTRACK_CONFIG", str(settings))
    config.clear_cache()
    db.dispose()
    db.set_db(str(shop))
    return shop


def _report(cli, out: Path, language: str) -> dict:
    """`report --format json`, then `report --html` of the same day in `language`."""
    kpis = cli.json("report", "--as-of", DEMO_DAY.isoformat())
    done = cli("--lang", language, "report", "--as-of", DEMO_DAY.isoformat(), "--html", out)
    assert str(out) in done.stdout
    return kpis


def _check_page(browser, page: Path, kpis: dict, shot: Path, drawn: set[str]) -> dict:
    """The checks of issue 14 on one page; returns the charts' titles and the KPI texts."""
    from browser import visit

    with visit(browser, page) as v:
        charts = v.page.eval_on_selector_all(
            "figure[data-chart]",
            """figs => figs.map(f => {
                const svg = f.querySelector('.plot svg');
                const box = svg ? svg.getBoundingClientRect() : null;
                return {key: f.dataset.chart, state: f.dataset.state,
                        title: f.querySelector('h2').textContent,
                        width: box ? box.width : 0, height: box ? box.height : 0,
                        marks: svg ? svg.querySelectorAll(
                            'g.mark-rect path, g.mark-line path, g.mark-symbol path,'
                            + ' g.mark-rule line, g.mark-text text').length : 0,
                        text: svg ? svg.textContent : f.querySelector('.plot').textContent};
            })""",
        )
        cards = v.page.eval_on_selector_all(
            "li.kpi",
            """lis => lis.map(li => ({key: li.dataset.kpi, value: li.dataset.value,
                text: li.querySelector('.value').textContent}))""",
        )
        v.page.screenshot(path=str(shot), full_page=True)
        assert v.errors == []
        assert v.requests == [page.resolve().as_uri()]  # the page itself, nothing else
    assert [c["key"] for c in charts] == list(ch.KEYS)
    for c in charts:
        if c["key"] in drawn:
            assert c["state"] == "drawn", c
            assert c["width"] > 200 and c["height"] > 100 and c["marks"] >= 3, c
        else:
            assert c["state"] == "empty" and c["marks"] == 0 and c["text"].strip(), c
    assert {c["key"] for c in cards} <= set(kpis)
    for card in cards:
        expected = kpis[card["key"]]
        if expected is None:
            assert card["value"] == "" and card["text"] == "—", card
            continue
        cent = 0.005 if isinstance(expected, str) else 0  # JSON money: a string, to the cent
        expected = float(expected) if isinstance(expected, str) else expected
        assert float(card["value"]) == pytest.approx(expected, rel=1e-12, abs=cent), card
        if card["key"] in ("revenue", "average_order_value", "cac") or "clv" in card["key"]:
            assert f"{expected:,.2f}" in card["text"], card
        elif card["key"].endswith(("_rate", "_share")):
            assert card["text"] == f"{100 * expected:.1f}%", card
        elif isinstance(expected, int):
            assert card["text"] == f"{expected:,}", card
    return {"titles": [c["title"] for c in charts], "text": " ".join(c["text"] for c in charts)}


def test_the_demo_report_in_a_browser(browser, cli, demo, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    kpis = _report(cli, page, "en")
    assert page.stat().st_size < 5_000_000
    seen = _check_page(browser, page, kpis, tmp_path / "report.png", set(ch.KEYS))
    assert seen["titles"][0] == "Revenue and orders"
    assert "at risk" in seen["text"] and "Spring Festival" in seen["text"]
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text and "http://" not in text.replace("http://www.w3.org/", "")
    assert "default-src 'none'" in text  # the browser itself refuses any fetch
    _phone_and_print(browser, page)
    if os.environ.get("CUSTTRACK_DOCS_SCREENSHOTS"):
        _docs_screenshot(browser, page, ROOT / "docs" / "report.png")


def _phone_and_print(browser, page: Path) -> None:
    from browser import visit

    with visit(browser, page, width=390, height=844) as v:
        # the page itself never scrolls sideways (a wide chart scrolls in its own box)
        assert v.page.evaluate("document.documentElement.scrollWidth") <= 390
        columns = v.page.evaluate("getComputedStyle(document.querySelector('.kpis'))"
                                  ".gridTemplateColumns.split(' ').length")  # fmt: skip
        assert columns == 2
        pdf = v.page.pdf(format="A4", print_background=True)  # print media, A4 pages
        assert v.errors == []
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 3


def test_the_demo_report_in_chinese(browser, cli, demo, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    page = tmp_path / "report-zh.html"
    kpis = _report(cli, page, "zh-CN")
    seen = _check_page(browser, page, kpis, tmp_path / "report-zh.png", set(ch.KEYS))
    assert seen["titles"][0] == "销售额与订单"
    assert "有流失风险" in seen["text"] and "春节" in seen["text"] and "月份" in seen["text"]
    assert 'lang="zh-CN"' in page.read_text(encoding="utf-8")
    if os.environ.get("CUSTTRACK_DOCS_SCREENSHOTS"):
        _docs_screenshot(browser, page, ROOT / "docs" / "report-zh.png")


def _docs_screenshot(browser, page: Path, out: Path) -> None:
    """The README's picture: the top of the page (the KPIs and the first charts)."""
    from browser import visit

    out.parent.mkdir(exist_ok=True)
    with visit(browser, page, width=1200, height=1500) as v:
        v.page.screenshot(path=str(out))


def test_an_empty_shop_shows_empty_states(browser, cli, tmp_path: Path) -> None:
    cli("add", "Ann")  # one customer, nothing bought, no feedback, no complaints
    page = tmp_path / "empty.html"
    kpis = _report(cli, page, "en")
    seen = _check_page(browser, page, kpis, tmp_path / "empty.png", {"lifecycle"})
    assert "No feedback in these periods." in seen["text"]


def test_pictures_of_each_chart(cli, demo, tmp_path: Path) -> None:
    i18n.use("zh-CN")
    with db.session() as s:
        data = reports.chart_data(s, DEMO_DAY, "month")
    pngs = html_report.write_images(tmp_path / "png", "png", data=data)
    assert [p.name for p in pngs] == [f"{i:02d}-{k}.png" for i, k in enumerate(ch.KEYS, 1)]
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000
    svgs = html_report.write_images(tmp_path / "svg", "svg", data=_empty_data())
    assert [p.name for p in svgs] == [f"{i:02d}-{k}.svg" for i, k in enumerate(ch.KEYS, 1)]
    first = svgs[0].read_text(encoding="utf-8")
    assert (
        first.startswith("<svg") and "销售额与订单" in first and "这些时期还没有购买记录" in first
    )
    assert "Noto Sans CJK SC" in first  # the fonts a viewer should use


def test_the_report_modules_stay_off_the_daily_import_path() -> None:
    import subprocess
    import sys

    code = (
        "import sys, custtrack.io.html_report, custtrack.analytics.charts; "
        "print(','.join(m for m in ('altair', 'vl_convert', 'holidays') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_report_files_from_the_command_line(cli, demo, tmp_path: Path) -> None:
    day = DEMO_DAY.isoformat()
    r = cli("report", "--as-of", day, "--png", tmp_path / "png", "--svg", tmp_path / "svg")
    assert r.stdout.splitlines() == [
        f"✓ Wrote 10 charts to {tmp_path / 'png'}", f"✓ Wrote 10 charts to {tmp_path / 'svg'}",
    ]  # fmt: skip
    assert len(list((tmp_path / "png").glob("*.png"))) == len(ch.KEYS) == 10
    r = cli("report", "--html", tmp_path / "no" / "r.html", code=2)
    assert r.stderr.strip() == f"Error: --html '{tmp_path / 'no' / 'r.html'}': no such folder: " + (
        f"{tmp_path / 'no'}"
    )
    r = cli("report", "--html", tmp_path / "r.html", "--format", "json", code=2)
    assert "leave out --format" in r.stderr and not (tmp_path / "r.html").exists()
    (tmp_path / "taken").write_text("a file, not a folder")
    r = cli("report", "--as-of", day, "--svg", tmp_path / "taken", code=1)
    assert r.stderr.startswith("Error: cannot write") and "Traceback" not in r.stderr
