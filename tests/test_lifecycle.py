"""Lifecycle stages with the default thresholds, --explain, and marking customers lost."""

from __future__ import annotations

from datetime import timedelta

from test_rfm import book, by_name, days_ago

from custtrack import clock, config, db
from custtrack.models import Customer


def _book() -> dict[str, int]:
    return book(
        {
            "Pat": [],  # potential
            "Nia": [(days_ago(30), 10)],  # new: first purchase 30 ≤ 90 days ago
            "Act": [(days_ago(100), 10), (days_ago(20), 10)],  # gap 80, 20 days since
            "Loy": [(days_ago(d), 10) for d in (200, 150, 100, 50)],  # 4 occasions, gap 50
            "Rsk": [(days_ago(d), 10) for d in (300, 280, 260)],  # gap 20: 260 > max(2·20, 60)
            "Chu": [(days_ago(400), 10)],  # nothing for 400 > 365 days
            "Won": [(days_ago(800), 10), (days_ago(30), 10)],  # back after 770 days, 30 ago
            "Lst": [(days_ago(10), 10)],
        }
    )


def test_stages_by_hand(cli) -> None:
    _book()
    cli("lost", "Lst", "--reason", "price", "--note", "found it cheaper online")
    rows = by_name(cli.json("lifecycle", "--list"))
    stages = {name: r["stage"] for name, r in rows.items()}
    assert stages == {
        "Pat": "potential", "Nia": "new", "Act": "active", "Loy": "loyal", "Rsk": "at risk",
        "Chu": "churned", "Won": "won back", "Lst": "churned",
    }  # fmt: skip
    assert rows["Lst"]["lost_reason"] == "price" and rows["Chu"]["lost_reason"] is None
    assert rows["Act"]["usual_gap_days"] == 80 and rows["Nia"]["usual_gap_days"] is None
    assert rows["Rsk"]["recency_days"] == 260 and rows["Pat"]["recency_days"] is None
    counts = {r["stage"]: r["customers"] for r in cli.json("lifecycle")}
    assert counts == {
        "potential": 1, "new": 1, "active": 1, "loyal": 1, "at risk": 1, "churned": 2,
        "won back": 1,
    }  # fmt: skip
    only = cli.json("lifecycle", "--list", "--stage", "at-risk")
    assert [r["name"] for r in only] == ["Rsk"]
    # before the loss was recorded, Lst was simply new
    early = by_name(cli.json("lifecycle", "--list", "--as-of", (days_ago(5)).isoformat()))
    assert early["Lst"]["stage"] == "new"
    assert "Won" in early and early["Won"]["stage"] == "won back"


def test_thresholds_come_from_the_config(cli) -> None:
    _book()
    config.set_value("lifecycle.churn_days", "250")
    config.set_value("lifecycle.loyal_min_orders", "2")
    stages = {n: r["stage"] for n, r in by_name(cli.json("lifecycle", "--list")).items()}
    assert stages["Rsk"] == "churned"  # 260 > 250
    assert stages["Act"] == "loyal"  # 2 occasions now suffice
    rules = {r["stage"]: r["rule"] for r in cli.json("lifecycle", "--explain")}
    assert "more than 250 days" in rules["churned"]
    assert "at least 2 purchase occasions" in rules["loyal"]
    assert list(rules) == ["potential", "churned", "at risk", "won back", "new", "loyal", "active"]
    assert "2 × the customer's own mean gap" in cli("lifecycle", "--explain").stdout


def test_customer_bought_again_after_being_marked_lost_is_won_back(cli) -> None:
    ids = _book()
    cli("lost", "Act", "--reason", "competitor")
    with db.session(write=True) as s:  # the loss was recorded 60 days ago
        c = s.get(Customer, ids["Act"])
        c.lost_at = clock.utcnow() - timedelta(days=60)
        s.add(c)
    db.dispose()
    stages = {n: r["stage"] for n, r in by_name(cli.json("lifecycle", "--list")).items()}
    assert stages["Act"] == "won back"  # bought 20 days ago, after the loss


def test_lost_needs_a_known_reason_and_changes_nothing_when_refused(cli, snapshot) -> None:
    _book()
    before = snapshot()
    assert "--reason" in cli("lost", "Nia", code=2).stderr
    assert "--reason 'cheap'" in cli("lost", "Nia", "--reason", "cheap", code=2).stderr
    assert "not marked lost" in cli("lost", "Nia", "--undo", code=1).stderr
    assert "no customer" in cli("lost", "Nobody", "--reason", "price", code=1).stderr
    assert snapshot() == before


def test_lost_undo_restores_the_stage(cli) -> None:
    _book()
    out = cli("lost", "Nia", "--reason", "quality", "-m", "broken zip").stdout
    assert "Marked #2 Nia lost (quality)" in out
    assert by_name(cli.json("lifecycle", "--list"))["Nia"]["stage"] == "churned"
    assert "no longer marked lost" in cli("lost", "Nia", "--undo").stdout
    assert by_name(cli.json("lifecycle", "--list"))["Nia"]["stage"] == "new"
    with db.session() as s:
        c = s.get(Customer, 2)
        assert (c.lost_reason, c.lost_note, c.lost_at) == (None, None, None)
