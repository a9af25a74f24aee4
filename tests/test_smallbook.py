"""Issue 17.11 and 17.14: RFM segments on a small or young book say they are not yet meaningful;
Chinese words for every vocabulary of the command options, and amounts with 元/¥/￥."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from test_rfm import TODAY, book, days_ago

from custtrack import db, i18n
from custtrack.services.segments import MIN_BUYERS, MIN_HISTORY_DAYS, maturity

# --- 17.11: small books ---------------------------------------------------------------------------


def test_the_stated_minimum_at_the_threshold() -> None:
    assert (MIN_HISTORY_DAYS, MIN_BUYERS) == (90, 20)
    as_of = date(2026, 11, 20)
    # 89 days from the first purchase: just under; 90: just over (with enough buyers)
    ok, why = maturity(as_of - timedelta(days=89), as_of, 20, shown=False)
    assert not ok
    assert why == (
        "segments are not yet meaningful: 89 days of purchases (from 2026-08-23), at least 90 "
        "needed"
    )
    assert maturity(as_of - timedelta(days=90), as_of, 20) == (True, None)
    # 19 buyers: just under; 20: just over (with enough history)
    ok, why = maturity(as_of - timedelta(days=200), as_of, 19, shown=False)
    assert not ok
    assert why == "segments are not yet meaningful: 19 customers who bought, at least 20 needed"
    assert maturity(as_of - timedelta(days=200), as_of, 20) == (True, None)
    assert maturity(None, as_of, 0)[0] is False


def _shop(buyers: int, first_days_ago: int) -> None:
    """`buyers` customers: B1 bought `first_days_ago` days ago (the book's first purchase), the
    others k days ago (k = 1 … buyers − 1)."""
    spec = {"B1": [(days_ago(first_days_ago), 100)]}
    for k in range(2, buyers + 1):
        spec[f"B{k}"] = [(days_ago(k - 1), 10 * k)]
    book(spec)


@pytest.mark.both_engines
def test_rfm_just_under_the_history_says_too_early(cli) -> None:
    _shop(MIN_BUYERS, MIN_HISTORY_DAYS - 1)
    rows = cli.json("rfm")
    assert len(rows) == 20 and all(r["meaningful"] is False for r in rows)
    assert rows[0]["reason"] == (
        "segments are not yet meaningful: 89 days of purchases (from 2026-08-23), at least 90 "
        "needed"
    )
    out = cli("rfm")
    assert "too early" in out.stdout and "not yet meaningful" in out.stdout
    for name in ("Champions", "At Risk", "Lost", "Hibernating", "Loyal"):
        assert name not in out.stdout
    seg = cli("segments")
    assert "not yet meaningful" in seg.stderr and "89 days of purchases" in seg.stdout
    assert all(r["meaningful"] is False for r in cli.json("segments"))
    rep = cli.json("report")
    assert rep["segments_meaningful"] is False
    assert rep["segments_reason"].startswith("segments are not yet meaningful: 89 days")
    assert "Largest segments: not yet meaningful" in cli("report").stdout


@pytest.mark.both_engines
def test_rfm_just_over_the_history_names_segments(cli) -> None:
    _shop(MIN_BUYERS, MIN_HISTORY_DAYS)
    rows = cli.json("rfm")
    assert len(rows) == 20 and all("meaningful" not in r for r in rows)
    # B1: one purchase, 90 days ago: the oldest (R 1), 100 spent (M 3 of 20: 10·k, k ≤ 20)
    b1 = next(r for r in rows if r["name"] == "B1")
    assert (b1["r"], b1["segment"]) == (1, "Hibernating")
    out = cli("rfm").stdout
    assert "too early" not in out and "Hibernating" in out
    assert "not yet meaningful" not in cli("segments").stderr
    rep = cli.json("report")
    assert rep["segments_meaningful"] is True and rep["segments_reason"] is None


def test_nineteen_buyers_are_too_few_twenty_are_enough(cli) -> None:
    _shop(MIN_BUYERS - 1, 200)
    rows = cli.json("rfm")
    assert rows[0]["reason"] == (
        "segments are not yet meaningful: 19 customers who bought, at least 20 needed"
    )
    book({"B20": [(days_ago(3), 50)]})
    assert all("meaningful" not in r for r in cli.json("rfm"))


def test_a_first_week_does_not_call_a_recent_buyer_at_risk(cli) -> None:
    """The issue's case: a customer who bought 5 days ago was called At Risk."""
    book({"Ann": [(days_ago(0), 300)], "Bob": [(days_ago(5), 100)], "Cat": [(days_ago(1), 80)]})
    bob = next(r for r in cli.json("rfm") if r["name"] == "Bob")
    assert bob["r"] == 1 and bob["meaningful"] is False  # the lowest recency of three
    out = cli("rfm").stdout
    assert "At Risk" not in out and "Lost" not in out and "Hibernating" not in out
    assert "5 days of purchases" in out


def test_rfm_csv_carries_the_flag(cli) -> None:
    book({"Ann": [(days_ago(2), 10)]})
    lines = cli("rfm", "-f", "csv").stdout.splitlines()
    assert lines[0].endswith(",segment,meaningful,reason")
    assert ",False," in lines[1]


def test_html_report_says_segments_are_too_early(cli) -> None:
    from custtrack.analytics import charts
    from custtrack.services import report

    _shop(5, 30)
    with db.session() as s:
        data = report.chart_data(s, TODAY, "month")
    assert data.segments_note.startswith("segments are not yet meaningful: 30 days")
    assert charts.segments_chart(data).reading.startswith(data.segments_note)


def test_small_book_in_chinese(cli, monkeypatch) -> None:
    _shop(3, 10)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    out = cli("rfm").stdout
    assert "数据太少" in out and "客户分群还没有意义" in out
    assert "有流失风险" not in out
    assert "客户分群还没有意义" in cli("segments").stderr
    assert "客户分群还没有意义" in cli("report").stdout


# --- 17.14: Chinese values ------------------------------------------------------------------------


@pytest.fixture
def ann(cli) -> None:
    cli("config", "set", "currency", "CNY")
    cli("add", "Ann")


@pytest.mark.both_engines
def test_chinese_channels_categories_priorities_and_amounts(cli, ann) -> None:
    assert cli.json("log", "Ann", "-c", "微信", "-m", "hi")["channel"] == "wechat"
    assert cli.json("log", "Ann", "-c", "短信", "-m", "hi")["channel"] == "sms"
    c = cli.json("complain", "Ann", "--category", "质量", "--priority", "紧急", "-m", "bad")
    assert (c["category"], c["priority"]) == ("quality", "urgent")
    assert cli.json("complain", "Ann", "--category", "物流", "-m", "late")["category"] == "delivery"
    for amount in ("268元", "¥268", "￥268", "268 元"):
        got = cli.json("buy", "Ann", amount)
        assert (got["amount_minor"], got["currency"]) == (26800, "CNY")
    f = cli.json("feedback", "Ann", "--csat", "5", "--channel", "电话")
    assert f["channel"] == "phone"
    p = cli.json("plan", "Ann", "明天", "-c", "上门", "--priority", "高")
    assert (p["channel"], p["priority"]) == ("visit", "high")


def test_chinese_labels_are_accepted_as_they_are_shown(cli, ann) -> None:
    # the Chinese label of each value (what `list`, `show` display) is a word for it too
    assert cli.json("log", "Ann", "-c", "社交媒体", "-m", "x")["channel"] == "social"
    assert cli.json("log", "Ann", "-c", "会面", "-m", "x")["channel"] == "meeting"
    assert "resolved" not in cli("complaints", "--status", "未解决").stdout


def test_chinese_lost_reasons_gender_and_sensitivity(cli, ann) -> None:
    assert cli.json("lost", "Ann", "--reason", "竞争对手")["lost_reason"] == "competitor"
    assert cli.json("lost", "Ann", "--reason", "太贵")["lost_reason"] == "price"
    out = cli("edit", "Ann", "--gender", "女", "--price-sensitivity", "高").stdout
    assert "high" in out and "female" in out


def test_chinese_stages_segments_group_by_and_rank(cli, ann) -> None:
    book({"Bob": [(days_ago(3), 10)]})
    assert [r["name"] for r in cli.json("lifecycle", "--list", "--stage", "新客")] == ["Bob"]
    assert cli.json("lifecycle", "--list", "--stage", "有流失风险") == []
    rows = cli.json("segments", "--by", "城市")
    assert rows and "group" in rows[0]
    assert cli("due", "--rank", "健康度").exit_code == 0
    assert cli("list", "--segment", "有流失风险").exit_code == 0
    assert cli("rfm", "--segment", "冠军客户").exit_code == 0


def test_refused_values_list_the_accepted_ones_in_each_language(cli, ann, monkeypatch) -> None:
    err = cli("log", "Ann", "-c", "飞鸽", "-m", "x", code=2).stderr
    assert err.strip() == (
        "Error: --channel '飞鸽': must be one of phone, wechat, email, visit, meeting, sms, "
        "video, social, other"
    )
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    err = cli("log", "Ann", "-c", "飞鸽", "-m", "x", code=2).stderr
    assert "电话、微信、邮件" in err and "wechat" not in err
    assert (
        "价格、质量、服务、物流、其他" in cli("complain", "Ann", "--category", "x", code=2).stderr
    )
    assert "紧急" in cli("complain", "Ann", "--priority", "x", code=2).stderr
    assert "竞争对手" in cli("lost", "Ann", "--reason", "x", code=2).stderr
    assert "有流失风险" in cli("lifecycle", "--list", "--stage", "x", code=2).stderr
    assert "城市" in cli("segments", "--by", "x", code=2).stderr
    assert "健康度" in cli("due", "--rank", "x", code=2).stderr
    assert "冠军客户" in cli("list", "--segment", "x", code=2).stderr
    assert "未解决" in cli("complaints", "--status", "x", code=2).stderr


def test_a_yuan_amount_in_another_currency_is_refused(cli) -> None:
    cli("config", "set", "currency", "USD")
    cli("add", "Ann")
    err = cli("buy", "Ann", "268元", code=2).stderr
    assert "268元" in err and "CNY" in err and "USD" in err


def test_chinese_values_in_a_chinese_run(cli, ann, monkeypatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "微信" in cli("log", "Ann", "-c", "微信", "-m", "hi").stdout
    assert "¥268.00" in cli("buy", "Ann", "268元").stdout
    i18n.use("en")
