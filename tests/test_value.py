"""Lifetime value: historical, the simple formula, the BG/NBD + Gamma-Gamma formulas, the
heuristic fallback, and the speed of the fit."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time as timer

import numpy as np
import pandas as pd
import pytest
from test_rfm import TODAY, book, by_name, days_ago

from custtrack.analytics import clv


def test_small_book_falls_back_to_a_labelled_heuristic(cli) -> None:
    book({"Ann": [(days_ago(40), 100), (days_ago(10), 50)], "Bob": [(days_ago(5), 30)]})
    cli("add", "Cat")  # never bought: not valued
    rows = by_name(cli.json("value"))
    assert set(rows) == {"Ann", "Bob"}
    assert rows["Ann"]["historical_clv"] == "150.00" and rows["Ann"]["occasions"] == 2
    assert rows["Ann"]["method"] == "heuristic + own mean spend"
    assert rows["Ann"]["expected_spend"] == "75.00"  # her own mean per occasion
    assert float(rows["Ann"]["predicted_clv"]) > 0
    model = cli.json("value", "--model")
    assert model["bgnbd"]["ok"] is False and "too few data" in model["bgnbd"]["reason"]
    assert model["gamma_gamma"]["ok"] is False
    out = cli("value")
    assert "heuristic used instead" in out.stdout and "too few data for BG/NBD" in out.stdout
    assert "labelled heuristic" in cli("value", "--model").stderr


def test_simple_formula_and_lifespan_by_hand(cli) -> None:
    book(
        {
            "Old": [(days_ago(1461), 100), (days_ago(100), 300)],  # 4 years of history
            "Gone": [(days_ago(384), 50)],  # active a year ago, not now
            "Kept": [(days_ago(375), 20), (days_ago(19), 20)],  # active then and now
        }
    )
    model = cli.json("value", "--model")
    assert model["lifespan_years"] == 2  # 1 ÷ (1 of the 2 active a year ago churned)
    rows = by_name(cli.json("value"))
    old = rows["Old"]
    assert old["frequency_per_year"] == 0.5  # 2 occasions over 4 years
    assert old["aov"] == "200.00"
    assert old["simple_clv"] == "200.00"  # 0.5 × 200 × 2
    gone = rows["Gone"]  # one occasion over 384 days = 384 / 365.25 years
    assert gone["frequency_per_year"] == pytest.approx(365.25 / 384)
    assert gone["simple_clv"] == "95.12"  # 365.25 / 384 × 50 × 2, to the cent


def test_no_purchases_and_bad_options(cli) -> None:
    cli("add", "Nobody")
    assert cli.json("value") == []
    assert "No purchases recorded yet." in cli("value").stdout
    assert "--discount" in cli("value", "--discount", "1.5", code=2).stderr
    assert "--horizon" in cli("value", "--horizon", "0", code=2).stderr
    assert "--sort" in cli("value", "--sort", "size", code=2).stderr


def test_formulas_by_hand() -> None:
    bg = clv.Fit("BG/NBD", {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}, ok=True)
    x, tx, T = np.array([0.0, 2.0]), np.array([0.0, 10.0]), np.array([30.0, 30.0])
    alive = clv.p_alive(bg, x, tx, T)
    assert alive[0] == 1  # no repeat purchase: never observed to leave
    # 1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
    assert alive[1] == pytest.approx(1 / (1 + 0.8 / 3.5 * (34 / 14) ** 2.25))
    e = clv.expected_purchases(bg, 10.0, x, tx, T)
    assert (e > 0).all() and (clv.expected_purchases(bg, 20.0, x, tx, T) > e).all()
    assert (clv.expected_purchases(bg, 0.0, x, tx, T) == 0).all()
    gg = clv.Fit("Gamma-Gamma", {"p": 6.0, "q": 4.0, "gamma": 15.0}, ok=True)
    spend = clv.expected_spend(gg, np.array([0.0, 3.0]), np.array([0.0, 40.0]))
    assert spend[0] == pytest.approx(6 * 15 / 3)  # the population mean p·γ/(q−1)
    w = 18 / (18 + 3)
    assert spend[1] == pytest.approx((1 - w) * 30 + w * 40)


def test_discounting_and_horizon() -> None:
    summary = pd.DataFrame(
        {"x": [2.0], "t_x": [20.0], "T": [30.0], "monetary": [40.0], "mean_spend": [40.0]}
    )
    bg = clv.Fit("BG/NBD", {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}, ok=True)
    gg = clv.Fit("Gamma-Gamma", {"p": 6.0, "q": 4.0, "gamma": 15.0}, ok=True)
    flat = clv.predictive_clv(bg, gg, summary, 12, 0.0).iloc[0]
    assert flat["method"] == "BG/NBD + Gamma-Gamma"
    assert flat["predicted_clv"] == pytest.approx(
        flat["expected_purchases"] * flat["expected_spend"]
    )
    assert (
        clv.predictive_clv(bg, gg, summary, 12, 0.2).iloc[0]["predicted_clv"]
        < flat["predicted_clv"]
    )
    assert (
        clv.predictive_clv(bg, gg, summary, 24, 0.0).iloc[0]["predicted_clv"]
        > flat["predicted_clv"]
    )


def _simulate(n: int, r: float, alpha: float, a: float, b: float, seed: int = 7) -> pd.DataFrame:
    """Customers drawn from the BG/NBD process itself, observed for 26–52 weeks."""
    rng = np.random.default_rng(seed)
    lam, p = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    T = np.round(rng.uniform(26, 52, n) * 7) / 7
    x, tx, t = np.zeros(n), np.zeros(n), np.zeros(n)
    alive = np.ones(n, bool)
    while alive.any():
        t_new = t + rng.exponential(1 / lam)
        ok = alive & (t_new <= T)
        x[ok] += 1
        tx[ok] = t_new[ok]
        t = np.where(ok, t_new, t)
        alive = ok & (rng.random(n) >= p)
    return pd.DataFrame({"x": x, "t_x": np.round(tx * 7) / 7, "T": T})


def test_fit_recovers_parameters_of_100k_customers_quickly() -> None:
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.7, "b": 3.0}
    summary = _simulate(100_000, **truth)
    start = timer.perf_counter()
    fit = clv.fit_bgnbd(summary)
    elapsed = timer.perf_counter() - start
    assert fit.ok, fit.reason
    assert elapsed < 3.0
    for name, value in truth.items():
        assert math.isclose(fit.params[name], value, rel_tol=0.15), (name, fit.params)


def _forty(cli) -> None:
    """25 one-time buyers from over a year ago, 15 who bought three times (the last within a
    month); one of those 15 marked lost today."""
    spec = {f"One{i}": [(days_ago(400 + i), 30 + 7 * i)] for i in range(25)}
    for i in range(15):
        buys = [days_ago(380 + 7 * i), days_ago(200 - 5 * i), days_ago(30 + i)]
        spec[f"Rep{i}"] = [(d, 20 + 3 * i + 11 * j) for j, d in enumerate(buys)]
    book(spec)
    cli("lost", "Rep0", "--reason", "competitor")


def test_value_model_runs_without_pandas_and_matches_the_dataframe_path(cli) -> None:
    _forty(cli)
    code = (
        "import json, sys\n"
        "from custtrack.cli import main\n"
        "sys.argv = ['custtrack', 'value', '--model', '--format', 'json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in ('pandas', 'scipy.optimize') if m in sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    *out, modules = proc.stdout.strip().splitlines()
    assert json.loads(modules) == ["scipy.optimize"]  # the fit ran, pandas was never loaded
    model = json.loads("\n".join(out))
    bg, gg = model["bgnbd"], model["gamma_gamma"]
    assert (bg["n"], gg["n"]) == (40, 15) and bg["ok"] and gg["ok"], (bg, gg)
    # all 40 were active a year ago; the 25 one-time buyers and the lost one are not now
    assert model["lifespan_years"] == pytest.approx(40 / 26)

    # the same fits from the DataFrame summary that `value` and `report` use
    from custtrack import db
    from custtrack.services import analytics

    with db.session() as s:
        summary = clv.calibration_summary(analytics.occasions(s, TODAY), pd.Timestamp(TODAY))
    assert clv.fit_bgnbd(summary).params == bg["params"]
    assert clv.fit_gamma_gamma(summary).params == gg["params"]


def test_purchases_read_in_blocks_of_customers_and_in_any_order(cli, monkeypatch) -> None:
    from custtrack import db
    from custtrack.services import analytics

    _forty(cli)
    with db.session() as s:
        whole = analytics.occasion_arrays(s, TODAY)
    monkeypatch.setattr(analytics, "CHUNK_CUSTOMERS", 3)  # 14 queries, each a few customers
    with db.session() as s:
        blocks = analytics.occasion_arrays(s, TODAY)
    assert len(whole[0]) == 25 + 15 * 3
    for a, b in zip(whole, blocks, strict=True):
        assert np.array_equal(a, b)
    cid, day, amount = whole
    end = int(day.max())
    sorted_ = clv.calibration_arrays(cid, day, amount.astype(float), end)
    shuffled = np.random.default_rng(1).permutation(len(cid))
    mixed = clv.calibration_arrays(cid[shuffled], day[shuffled], amount[shuffled], end)
    for key, col in sorted_.items():
        assert np.array_equal(col, mixed[key]), key
    assert sorted_["x"].sum() == 30 and sorted_["monetary"].max() > 0
