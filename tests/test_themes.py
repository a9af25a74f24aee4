"""Feedback themes and sentiment, in Chinese and English.

Sentiment accuracy, measured on hand-labelled shop sentences shipped in tests/data (three
classes: positive, neutral, negative):
- sentiment_labelled.tsv: 126 sentences (69 Chinese, 57 English), written before the lexicon and
  used while writing it: 122 right (96.8%); asserted ≥ 0.9.
- sentiment_holdout.tsv: 40 sentences (20 Chinese, 20 English), written before the lexicon and
  scored once it was done: 35 right (87.5%) at first; 36 (90%) after "nobody"/"none" were made
  negators (a demo complaint, "Nobody answered WeChat for two days.", read as positive);
  asserted ≥ 0.85.
- All 166: 95.2%; Chinese 93.3% (89), English 97.4% (77).
"""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from test_rfm import days_ago

from custtrack import clock, db
from custtrack.analytics import themes as th
from custtrack.models import Customer
from custtrack.services import customers, records

DATA = Path(__file__).parent / "data"
NAMES = {"pos": "positive", "neg": "negative", "neu": "neutral"}


def _labelled(name: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("label\t") or not line.strip():
            continue
        label, lang, text = line.split("\t")
        rows.append((NAMES[label], lang, text))
    return rows


def _accuracy(rows: list[tuple[str, str, str]]) -> float:
    return sum(th.label(th.sentiment(text)) == want for want, _, text in rows) / len(rows)


def test_sentiment_accuracy_on_the_hand_labelled_sets() -> None:
    dev, holdout = _labelled("sentiment_labelled.tsv"), _labelled("sentiment_holdout.tsv")
    assert len(dev) + len(holdout) >= 100
    for rows in (dev, holdout):
        assert {lang for _, lang, _ in rows} == {"zh", "en"}
        assert {label for label, _, _ in rows} == {"positive", "negative", "neutral"}
    assert _accuracy(dev) >= 0.9  # measured 0.968
    assert _accuracy(holdout) >= 0.85  # measured 0.90
    zh = [r for r in dev + holdout if r[1] == "zh"]
    en = [r for r in dev + holdout if r[1] == "en"]
    assert _accuracy(zh) >= 0.85 and _accuracy(en) >= 0.85  # measured 0.933, 0.974
    assert {"n": len(holdout), "accuracy": f"{_accuracy(holdout):.0%}"} == th.MEASURED


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("好", "positive"), ("不好", "negative"), ("很好", "positive"), ("不太好", "negative"),
        ("good", "positive"), ("not good", "negative"), ("isn't good", "negative"),
        ("满意", "positive"), ("不满意", "negative"), ("没有问题", "positive"),
        ("有问题", "negative"), ("No complaints.", "positive"), ("not bad", "positive"),
        ("太贵了", "negative"), ("不贵", "positive"), ("太甜了", "negative"),
        ("不太甜，好吃", "positive"), ("价格还行，但是发货太慢", "negative"),
        ("Great tea but a bit crowded.", "positive"), ("请问几点关门？", "neutral"),
        ("", "neutral"), ("Couldn't be happier!", "positive"), ("没让我失望", "positive"),
    ],
)  # fmt: skip
def test_negation_degree_and_contrast(text: str, want: str) -> None:
    assert th.label(th.sentiment(text)) == want


def test_scores_by_hand() -> None:
    assert th.sentiment("不好") == pytest.approx(-0.75)  # 好 +1 × −0.75
    assert th.sentiment("很好") == pytest.approx(1.5)  # × 1.5
    assert th.sentiment("不太满意") == pytest.approx(-0.5)  # weak negation
    assert th.sentiment("A bit dry.") == pytest.approx(-0.3)  # −0.5 × 0.6
    # but: before × 0.5, after × 1.5: great (+2) · 0.5 + crowded (−0.5) · 0.6 · 1.5
    assert th.sentiment("Great tea but a bit crowded") == pytest.approx(1 - 0.45)


def test_terms_and_top_themes() -> None:
    assert th.terms("发货太慢了，包装不好") >= {"发货", "包装", "太慢", "发货太慢"} - {"太慢"}
    assert "gift box" in th.terms("Nice gift box!") and "the" not in th.terms("the box")
    texts = ["Nice gift box, quick delivery", "Lovely gift box", "gift box was crushed", "tea"]
    found = th.theme_index(texts)
    top = dict(th.top_themes(found, 10))
    assert top == {"gift box": 3}  # gift and box say nothing more; one-off words are left out


def test_growth_rule_by_hand() -> None:
    import pandas as pd

    from custtrack.analytics.churn import period_bounds

    bounds = period_bounds(pd.Timestamp("2026-11-20"), "month", 4)  # Aug, Sep, Oct, Nov 1–20
    # 3 before in 92 days, 3 now in 20 days: 0.15/day ≥ 1.5 × 0.033/day
    assert th.growing([1, 1, 1, 3], bounds)
    assert not th.growing([1, 1, 1, 2], bounds)  # fewer than 3 now
    assert not th.growing([5, 5, 5, 3], bounds)  # slower than before
    assert not th.growing([0, 0, 0, 0], bounds)


def _shop() -> dict[str, int]:
    """Ann buys tea and complains about delivery three times this month; Bob buys cups and
    praises them; Cat wrote nothing."""
    ids = {}
    with db.session(write=True) as s:
        for name in ("Ann", "Bob", "Cat"):
            ids[name] = customers.add(s, {"name": name}, tags=[], force=False).id
        ann, bob = s.get(Customer, ids["Ann"]), s.get(Customer, ids["Bob"])

        def at(days: int):  # noqa: ANN202
            return clock.combine(days_ago(days), time(12))

        records.record_purchase(s, ann, amount="100", at=at(40), product="Longjing")
        records.record_purchase(s, bob, amount="50", at=at(40), product="Cups")
        records.record_feedback(s, bob, at=at(30), csat=5, text="Beautiful cups, fast delivery")
        records.record_feedback(s, bob, at=at(25), text="茶杯很漂亮，包装精美")
        records.record_feedback(s, ann, at=at(35), text="包装精美，发货太慢")
        for days, text in ((100, "快递晚了"), (15, "发货太慢，等了一周"), (10, "发货太慢"),
                           (5, "Delivery was slow again, not happy")):  # fmt: skip
            records.open_complaint(s, ann, category="delivery", text=text, at=at(days))
        records.open_complaint(s, bob, category="quality", text="杯子有裂纹", at=at(70))
    db.dispose()
    return ids


def test_themes_command(cli) -> None:
    ids = _shop()
    out = cli.json("themes", "--periods", "6")
    assert out["texts"] == 8 and out["periods"][-1] == "2026-11"
    themes = {t["theme"]: t for t in out["themes"]}
    assert themes["发货太慢"]["texts"] == 3 and themes["发货太慢"]["negative_share"] == 1
    assert themes["包装精美"]["texts"] == 2 and themes["包装精美"]["sources"] == ["feedback"]
    assert themes["发货太慢"]["example"] == "发货太慢"  # the latest
    assert themes["发货太慢"]["trend"] == [0, 0, 0, 0, 1, 2]  # Oct 16 … Nov 10
    cats = {c["category"]: c for c in out["complaint_categories"]}
    assert cats["delivery"]["trend"] == [0, 0, 1, 0, 0, 3] and cats["delivery"]["growing"]
    assert not cats["quality"]["growing"]
    assert out["sentiment"]["negative"] >= 4
    # attributed to the product of the last purchase before (none before it: "(none)")
    by = {g["group"]: g for g in cli.json("themes", "--by", "product")["groups"]}
    assert {k: g["texts"] for k, g in by.items()} == {"Longjing": 4, "Cups": 2, "(none)": 2}
    only = cli.json("themes", "--product", "cups", "--texts")
    assert {r["customer_id"] for r in only} == {ids["Bob"]}
    texts = cli.json("themes", "--texts", "--source", "complaints", "--limit", "2")
    assert [r["text"] for r in texts] == ["Delivery was slow again, not happy", "发货太慢"]
    assert texts[0]["sentiment"] == "negative" and texts[0]["products"] == ["Longjing"]
    table = cli("themes").stdout
    assert "What customers say" in table and "delivery ↑" in table
    # the report flags the growing category
    rep = cli.json("report")
    assert [r["category"] for r in rep["complaints_growing"]] == ["delivery"]
    assert "Growing complaint categories: delivery 3 (before: 0.3 a period)" in cli("report").stdout


def test_themes_in_chinese_and_errors(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    _shop()
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    out = cli("themes").stdout
    assert "客户说了什么" in out and "物流 ↑" in out and "情感：" in out
    assert "增长中的投诉类别：物流 3" in cli("report").stdout
    assert "不好" in cli("themes", "--explain").stdout
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert "--source" in cli("themes", "--source", "emails", code=2).stderr
    assert "--by" in cli("themes", "--by", "city", code=2).stderr
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "jieba" else real(name, *a)
    )
    assert "jieba is not installed" in cli("themes", code=1).stderr


def test_no_texts(cli) -> None:
    cli("add", "Ann")
    assert "No feedback or complaint texts" in cli("themes").stdout
    assert cli.json("themes")["themes"] == []


@pytest.mark.both_engines
def test_themes_on_both_engines(cli) -> None:
    _shop()
    out = cli.json("themes")
    assert out["texts"] == 8 and {t["theme"] for t in out["themes"]} >= {"发货太慢", "包装精美"}
    assert [g["texts"] for g in cli.json("themes", "--by", "segment")["groups"]] == [5, 3]
