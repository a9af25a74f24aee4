"""Behaviour clusters: k-means recovers groups of customers made to behave differently (adjusted
Rand index ≥ 0.9), describes them in plain words, is the same for the same seed, and saves them
as segments that `list --segment`, `due --segment` and cadences use."""

from __future__ import annotations

from datetime import date, time, timedelta

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from test_rfm import TODAY, days_ago

from custtrack import clock, db
from custtrack.analytics import clusters as method
from custtrack.services import customers, records

AS_OF = pd.Timestamp(TODAY)
# three kinds of customer: (recency days, occasions, spend per occasion, main category, answers)
KINDS = {
    "regular": ((3, 30), (10, 16), (250, 400), "tea", True),
    "lapsed": ((300, 500), (1, 2), (20, 60), "snacks", False),
    "gifts": ((60, 120), (3, 5), (600, 900), "gifts", False),
}


def _synthetic(per_kind: int, seed: int = 1) -> tuple[pd.DataFrame, list[str]]:
    """occasions, customers, lines and contacts frames for customers of the KINDS, with noise:
    each buys 15% of the time outside their main category."""
    rng = np.random.default_rng(seed)
    occ, lines, contacts, truth, created = [], [], [], [], {}
    cid = 0
    for kind, ((r0, r1), (f0, f1), (m0, m1), cat, answers) in KINDS.items():
        for _ in range(per_kind):
            cid += 1
            truth.append(kind)
            last = int(rng.integers(r0, r1))
            n = int(rng.integers(f0, f1 + 1))
            gap = int(rng.integers(10, 25))
            days = sorted({last + gap * j + int(rng.integers(0, 3)) for j in range(n)})
            for d in days:
                day = AS_OF - pd.Timedelta(days=d)
                amount = float(rng.uniform(m0, m1))
                occ.append((cid, day, amount))
                other = rng.random() < 0.15
                lines.append((cid, "teaware" if other else cat, amount))
                if answers:  # contacted a few days before buying
                    contacts.append((cid, day - pd.Timedelta(days=int(rng.integers(0, 5)))))
            if not answers:  # contacted, never bought after
                contacts.append((cid, AS_OF - pd.Timedelta(days=last - 30)))
            created[cid] = AS_OF - pd.Timedelta(days=max(days) + int(rng.integers(0, 30)))
    frames = (
        pd.DataFrame(occ, columns=["customer_id", "day", "amount"]),
        pd.DataFrame({"created_day": pd.Series(created)}),
        pd.DataFrame(lines, columns=["customer_id", "category", "amount"]),
        pd.DataFrame(contacts, columns=["customer_id", "day"]),
    )
    return method.features(*frames, AS_OF), truth


def test_recovers_known_groups_by_silhouette() -> None:
    feats, truth = _synthetic(40)
    result = method.cluster(feats, seed=0)
    assert result.chosen_by == "silhouette" and result.k == 3
    assert result.silhouettes[3] == max(result.silhouettes.values())
    ari = adjusted_rand_score(truth, result.labels.to_numpy())
    assert ari >= 0.9, ari  # measured: 1.0
    again = method.cluster(feats, seed=0)
    assert (again.labels == result.labels).all()  # deterministic for a seed
    table = result.table.set_index("cluster")
    # numbered by revenue: the regulars first, then the gift buyers, then the lapsed
    assert table.loc[1, "traits"][:3] == ["recent", "frequent", "high spend"]
    assert table.loc[1, "mostly"] == "tea"
    assert table.loc[1, "description"].endswith("mostly tea")
    assert table.loc[1, "action"] == "reward them: early access, ask for referrals"
    assert "lapsed" in table.loc[3, "traits"] and table.loc[3, "mostly"] == "snacks"
    assert table["customers"].tolist() == [40, 40, 40]
    assert table["share_revenue"].sum() == pytest.approx(1.0)


def test_given_k_and_the_features_by_hand() -> None:
    occ = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "day": pd.to_datetime(["2026-11-01", "2026-11-10", "2026-06-01"]),
            "amount": [10.0, 30.0, 5.0],
        }
    )
    cust = pd.DataFrame({"created_day": pd.to_datetime(["2026-01-01", "2026-06-01"])}, index=[1, 2])
    lines = pd.DataFrame(
        {"customer_id": [1, 1, 2], "category": ["tea", "cups", "tea"], "amount": [10.0, 30.0, 5.0]}
    )
    contacts = pd.DataFrame(
        {"customer_id": [1, 1], "day": pd.to_datetime(["2026-10-25", "2026-09-01"])}
    )
    f = method.features(occ, cust, lines, contacts, AS_OF)
    assert f.loc[1, "recency_days"] == 10 and f.loc[1, "frequency"] == 2
    assert f.loc[1, "monetary"] == 40 and f.loc[1, "tenure_days"] == (TODAY - date(2026, 1, 1)).days
    # contacts on 10-25 (bought 11-01, within 14 days) and 09-01 (next purchase 11-01: too late)
    assert f.loc[1, "responsiveness"] == 0.5
    assert f.loc[2, "responsiveness"] == 0.5  # never contacted: the mean of those who were
    assert f.loc[1, "cat:cups"] == 0.75 and f.loc[1, "cat:tea"] == 0.25
    assert list(f.columns[:5]) == list(method.BASE)


def _book(per_kind: int = 4) -> dict[str, list[int]]:
    """Customers of the three KINDS through the services (a small shop); {kind: [ids]}."""
    rng = np.random.default_rng(3)
    ids: dict[str, list[int]] = {k: [] for k in KINDS}
    with db.session(write=True) as s:
        for kind, ((r0, r1), (f0, f1), (m0, m1), cat, _answers) in KINDS.items():
            for i in range(per_kind):
                c = customers.add(s, {"name": f"{kind} {i}"}, tags=[], force=False)
                ids[kind].append(c.id)
                last = int(rng.integers(r0, r1))
                for j in range(int(rng.integers(f0, f1 + 1))):
                    at = clock.combine(days_ago(last + 14 * j), time(12))
                    records.record_purchase(
                        s, c, amount=f"{rng.uniform(m0, m1):.2f}", at=at, product=cat,
                        category=cat,
                    )  # fmt: skip
    db.dispose()
    return ids


@pytest.mark.both_engines
def test_cli_clusters_save_and_use_as_segment(cli) -> None:
    ids = _book()
    out = cli.json("clusters", "--k", "3", "--seed", "7")
    assert out["k"] == 3 and out["chosen_by"] == "given" and out["seed"] == 7
    assert [c["customers"] for c in out["clusters"]] == [4, 4, 4]
    listed = cli.json("clusters", "--k", "3", "--seed", "7", "--list")
    by_id = {r["customer_id"]: r["cluster"] for r in listed}
    truth = [k for k, members in ids.items() for _ in members]
    found = [by_id[i] for members in ids.values() for i in members]
    assert adjusted_rand_score(truth, found) >= 0.9
    assert cli.json("clusters", "--k", "3", "--seed", "7") == out  # the same seed, the same

    saved = cli("clusters", "--k", "3", "--seed", "7", "--save", "Behaviour")
    assert "Saved 3 clusters as segments Behaviour-1 … Behaviour-3" in saved.stdout
    regulars = by_id[ids["regular"][0]]
    members = cli.json("list", "--segment", f"behaviour-{regulars}")
    assert sorted(r["id"] for r in members) == sorted(ids["regular"])
    # due --segment: only the segment's customers (a follow-up for one in and one out of it)
    cli("plan", str(ids["regular"][0]), "today", "-m", "in")
    cli("plan", str(ids["lapsed"][0]), "today", "-m", "out")
    due = cli.json("due", "--segment", f"Behaviour-{regulars}")
    assert "in" in [r["note"] for r in due] and "out" not in [r["note"] for r in due]
    assert {r["customer_id"] for r in due} <= set(ids["regular"])  # and their check-ins
    assert "out" in [r["note"] for r in cli.json("due")]
    cli("cadence", "set", "--segment", f"behaviour-{regulars}", "--every", "30")
    cads = cli.json("cadence", "list")
    assert [(c["target"], c["customers"]) for c in cads] == [(f"Behaviour-{regulars}", 4)]
    # saving the name again replaces the segments (and a fourth no longer exists)
    cli("clusters", "--k", "2", "--save", "behaviour")
    assert "unknown segment" in cli("list", "--segment", "behaviour-3", code=2).stderr


def test_bad_names_and_too_few_customers(cli) -> None:
    _book()
    err = cli("clusters", "--save", "at-risk", code=2).stderr
    assert "is the name of an RFM segment; choose another name" in err
    assert "--k" in cli("clusters", "--k", "1", code=2).stderr
    cli("clusters", "--k", "2", "--save", "a")
    cli("clusters", "--k", "2", "--save", "a-1")  # a-1-1, a-1-2: no clash with a-1, a-2


def test_too_few_and_missing_scikit_learn(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli("add", "Ann")
    err = cli("clusters", code=1).stderr
    assert "too few customers who bought to find clusters (0; at least 10)" in err
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a)
    )
    err = cli("clusters", code=1).stderr
    assert err.strip() == (
        "Error: scikit-learn is not installed; install it with: pip install 'custtrack[insight]'"
    )
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "未安装 scikit-learn" in cli("clusters", code=1).stderr


def test_chinese_table(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    _book()
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    out = cli("clusters", "--k", "3").stdout
    assert "行为聚类" in out and "近期购买" in out and "建议行动" in out
    assert "轮廓系数" in cli("clusters").stdout
    assert "k-means" in cli("clusters", "--explain").stdout


def test_clusters_is_not_on_the_daily_path() -> None:
    """The insight modules load nothing heavy at import; the command imports sklearn itself."""
    import subprocess
    import sys

    code = (
        "import sys; import custtrack.cli.insight, custtrack.services.segments; "
        "print(sorted(m for m in ('sklearn', 'jieba', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_today_is_fixed() -> None:
    assert date(2026, 11, 20) == TODAY and days_ago(1) == TODAY - timedelta(days=1)
