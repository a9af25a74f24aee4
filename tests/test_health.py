"""The health score (issue 15): 0–100 from visible, configurable weights; hand-computed cases."""

from __future__ import annotations

import pytest

from custtrack.analytics.health import DEFAULT_WEIGHTS, Facts, Scales, score

# Ann on 2026-11-20: last contact 9 days ago, last purchase 36 days ago, 300 CNY spent in the
# last 180 days against 100 CNY in the 180 before, CSAT 5 and NPS 7 this year, one open
# complaint, points earned (none redeemed, nobody brought). With the default weights:
#   contact       20 × (1 − 9/90)                          = 18
#   purchase      25 × (1 − 36/180)                        = 20
#   trend         15 × (0.5 + 0.5 × (300 − 100) / 300)     = 12.5
#   satisfaction  15 × ((5 − 1)/4 + 7/10) / 2              = 12.75
#   complaints    15 × (1 − 1/2)                           = 7.5
#   loyalty       10 × 0.5 (earned points)                 = 5
#                                                    total = 75.75 → 76
ANN = Facts(
    days_since_contact=9, days_since_purchase=36, recent_spend=30000, prior_spend=10000,
    answers=2, answer_sum=1.7, open_complaints=1, earned=True,
)  # fmt: skip
ANN_POINTS = [18.0, 20.0, 12.5, 12.75, 7.5, 5.0]


def test_hand_computed_scores() -> None:
    total, terms = score(ANN, DEFAULT_WEIGHTS, Scales())
    assert total == 76
    assert [t["points"] for t in terms] == ANN_POINTS
    assert [t["term"] for t in terms] == [
        "contact", "purchase", "trend", "satisfaction", "complaints", "loyalty"
    ]  # fmt: skip
    # nothing known: only the neutral satisfaction (0.5 × 15) and no complaints (15): 22.5 → 23
    assert score(Facts(), DEFAULT_WEIGHTS, Scales())[0] == 23
    # weights need not add up to 100: only the purchase counts → 100 × 0.8
    only = dict.fromkeys(DEFAULT_WEIGHTS, 0.0) | {"purchase": 3.0}
    assert score(ANN, only, Scales())[0] == 80
    # falling spend: 0.5 + 0.5 × (0 − 100) / 100 = 0 on the trend; a referral is loyalty too
    falling = Facts(prior_spend=10000, brought=1)
    _total, terms = score(falling, DEFAULT_WEIGHTS, Scales())
    assert {t["term"]: t["factor"] for t in terms}["trend"] == 0.0
    assert {t["term"]: t["factor"] for t in terms}["loyalty"] == 1.0
    # past the scale, recency counts nothing (never below 0)
    assert score(Facts(days_since_contact=400), DEFAULT_WEIGHTS, Scales())[1][0]["factor"] == 0.0


def _ann(cli) -> None:
    cli("config", "set", "currency", "CNY")
    cli("config", "set", "points.per_unit", "1")
    cli("add", "Ann")
    cli("add", "Bob")
    cli("log", "Ann", "-c", "phone", "--at", "2026-11-11")
    cli("buy", "Ann", "100", "--at", "2026-01-10")  # the 180 days before the last 180
    cli("buy", "Ann", "200", "--at", "2026-08-01")
    cli("buy", "Ann", "100", "--at", "2026-10-15")  # 36 days ago
    cli("feedback", "Ann", "--csat", "5", "--nps", "7")
    cli("complain", "Ann", "--category", "quality", "--text", "cracked lid")


@pytest.mark.both_engines
def test_show_explains_each_term_as_computed_by_hand(cli) -> None:
    _ann(cli)
    data = cli.json("show", "Ann", "--explain")
    assert data["health"] == 76
    terms = data["health_terms"]
    assert terms["score"] == 76
    assert [t["points"] for t in terms["terms"]] == ANN_POINTS
    assert terms["terms"][2]["facts"] == {"recent_minor": 30000, "before_minor": 10000,
                                          "days": 180}  # fmt: skip
    out = cli("show", "Ann", "--explain").stdout
    assert "Health 76/100 on 2026-11-20" in out
    assert "9 days ago (0 from 90)" in out and "1 open" in out and "earned points" in out
    assert "76/100 (see show --explain)" in out
    # the weights are settings: the explanation shows them, and the score follows
    cli("config", "set", "health.weight.complaints", "0")
    assert cli.json("show", "Ann")["health"] == round(100 * (75.75 - 7.5) / 85)  # 80
    cli("config", "set", "health.weight.contact", "0")
    cli("config", "set", "health.weight.purchase", "0")
    cli("config", "set", "health.weight.trend", "0")
    cli("config", "set", "health.weight.satisfaction", "0")
    cli("config", "set", "health.weight.loyalty", "0")
    assert "health weights add up to 0" in cli("show", "Ann", code=1).stderr


@pytest.mark.both_engines
def test_list_and_due_rank_by_health(cli) -> None:
    _ann(cli)  # Ann 76, Bob 23
    cli("add", "Cai")
    cli("buy", "Cai", "10", "--at", "2026-11-19")
    # Cai: 25 × (1 − 1/180) + 15 (trend up) + 7.5 + 15 + 5 (earned points) = 67.36 → 67
    rows = cli.json("list", "--sort", "health")
    assert [(r["name"], r["health"]) for r in rows] == [("Bob", 23), ("Cai", 67), ("Ann", 76)]
    assert [r["name"] for r in cli.json("list", "--sort", "health", "--limit", "1")] == ["Bob"]
    assert "Health" in cli("list", "--sort", "health").stdout
    cli("plan", "Ann", "today", "--priority", "urgent")
    cli("plan", "Bob", "today")
    by_urgency = [i["customer"] for i in cli.json("due") if i["section"] == "today"]
    assert by_urgency[:2] == ["Ann", "Bob"]
    items = [i for i in cli.json("due", "--rank", "health") if i["section"] == "today"]
    assert [(i["customer"], i["health"]) for i in items][:2] == [("Bob", 23), ("Ann", 76)]
    assert "must be one of urgency, health" in cli("due", "--rank", "x", code=2).stderr
