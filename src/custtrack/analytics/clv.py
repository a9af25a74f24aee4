"""Customer lifetime value: BG/NBD and Gamma-Gamma by maximum likelihood, plus the simple formula.

BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science
24(2). Gamma-Gamma: Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves", JMR 42(4).
Inputs per customer: x = repeat purchase occasions, t_x = time of the last one since the first
purchase, T = time from the first purchase to the end of observation (weeks = days / 7).
Both fits use log-parameters, analytic gradients and L-BFGS-B, on customers grouped by
identical (x, t_x, T) so that 100k customers take a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1

MIN_CUSTOMERS = 30  # below this, or with fewer repeaters, the models are not trusted
MIN_REPEATERS = 10
WEEKS_PER_MONTH = 365.25 / 12 / 7


@dataclass
class Fit:
    """A fitted model: parameters by name, log-likelihood, and whether it is usable."""

    model: str
    params: dict[str, float] = field(default_factory=dict)
    log_likelihood: float | None = None
    n: int = 0
    ok: bool = False
    reason: str = ""


def calibration_summary(occasions: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """x, t_x, T (weeks) and mean repeat spend per customer from (customer_id, day, amount).

    `occasions` has one row per customer and local day; only days on or before `end` count.
    """
    occ = occasions[occasions["day"] <= end]
    g = occ.sort_values(["customer_id", "day"]).groupby("customer_id", sort=True)
    first = g["day"].min()
    last = g["day"].max()
    n = g.size()
    total = g["amount"].sum()
    first_amount = g["amount"].first()
    x = (n - 1).astype(float)
    out = pd.DataFrame(
        {
            "x": x,
            "t_x": (last - first).dt.days / 7.0,
            "T": (end - first).dt.days / 7.0,
            "monetary": np.where(x > 0, (total - first_amount) / x.where(x > 0, 1), 0.0),
            "mean_spend": total / n,
            "first": first,
            "last": last,
        }
    )
    out.index.name = "customer_id"
    return out


def _grouped(frame: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    counts = frame.groupby(cols, sort=False).size()
    keys = np.array(counts.index.tolist(), dtype=float).reshape(len(counts), len(cols))
    return keys, counts.to_numpy(dtype=float)


def _bgnbd_ll_grad(
    logp: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    r, alpha, a, b = np.exp(logp)
    pos = x > 0
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.full_like(x, -np.inf)
    xp = x[pos]
    a4[pos] = np.log(a) - np.log(b + xp - 1) - (r + xp) * np.log(alpha + tx[pos])
    lse = np.logaddexp(a3, a4)
    w3 = np.exp(a3 - lse)
    w4 = np.exp(a4 - lse)
    ll = (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + x)
        - gammaln(b)
        - gammaln(a + b + x)
        + lse
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_bx1 = np.where(pos, 1.0 / (b + x - 1 + (~pos)), 0.0)
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w3 * np.log(alpha + T)
    d_r -= np.where(pos, w4 * np.log(alpha + tx), 0.0)
    d_alpha = r / alpha - w3 * (r + x) / (alpha + T) - np.where(pos, w4 * (r + x) / (alpha + tx), 0)
    d_a = digamma(a + b) - digamma(a + b + x) + w4 / a
    d_b = digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - w4 * inv_bx1
    grad = np.array([(w * d).sum() for d in (d_r, d_alpha, d_a, d_b)]) * np.array([r, alpha, a, b])
    return float((w * ll).sum()), grad


def fit_bgnbd(summary: pd.DataFrame) -> Fit:
    """Maximum-likelihood BG/NBD on columns x, t_x, T; never raises, says why when it fails."""
    fit = Fit("BG/NBD", n=len(summary))
    if len(summary) < MIN_CUSTOMERS or int((summary["x"] > 0).sum()) < MIN_REPEATERS:
        fit.reason = (
            f"too few data for BG/NBD (need {MIN_CUSTOMERS} buyers and {MIN_REPEATERS} "
            f"repeat buyers, have {len(summary)} and {int((summary['x'] > 0).sum())})"
        )
        return fit
    keys, w = _grouped(summary, ["x", "t_x", "T"])
    x, tx, T = keys[:, 0], keys[:, 1], keys[:, 2]

    def neg(logp: np.ndarray) -> tuple[float, np.ndarray]:
        ll, g = _bgnbd_ll_grad(logp, x, tx, T, w)
        return -ll, -g

    start = np.log([0.5, max(float(np.average(T, weights=w)) / 4, 1e-3), 1.0, 1.0])
    try:
        res = minimize(neg, start, jac=True, method="L-BFGS-B", bounds=[(-12, 12)] * 4)
    except (ValueError, FloatingPointError) as exc:
        fit.reason = f"the BG/NBD fit failed: {exc}"
        return fit
    params = np.exp(res.x)
    if not res.success or not np.isfinite(res.fun) or np.any(np.abs(res.x) >= 11.9):
        fit.reason = f"the BG/NBD fit did not converge ({res.message})"
        return fit
    fit.params = dict(zip(("r", "alpha", "a", "b"), map(float, params), strict=True))
    fit.log_likelihood, fit.ok = float(-res.fun), True
    return fit


def _gg_ll_grad(
    logp: np.ndarray, x: np.ndarray, m: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    p, q, g = np.exp(logp)
    px = p * x
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(g)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(g + m * x)
    )
    d_p = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - np.log(g + m * x))
    d_q = digamma(px + q) - digamma(q) + np.log(g) - np.log(g + m * x)
    d_g = q / g - (px + q) / (g + m * x)
    grad = np.array([(w * d).sum() for d in (d_p, d_q, d_g)]) * np.array([p, q, g])
    return float((w * ll).sum()), grad


def fit_gamma_gamma(summary: pd.DataFrame) -> Fit:
    """Maximum-likelihood Gamma-Gamma on repeat buyers (x ≥ 1, mean repeat spend > 0)."""
    rep = summary[(summary["x"] > 0) & (summary["monetary"] > 0)]
    fit = Fit("Gamma-Gamma", n=len(rep))
    if len(rep) < MIN_REPEATERS:
        fit.reason = f"too few repeat buyers for Gamma-Gamma ({len(rep)}, need {MIN_REPEATERS})"
        return fit
    keys, w = _grouped(rep, ["x", "monetary"])
    x, m = keys[:, 0], keys[:, 1]

    def neg(logp: np.ndarray) -> tuple[float, np.ndarray]:
        ll, g = _gg_ll_grad(logp, x, m, w)
        return -ll, -g

    start = np.log([1.0, 1.0, float(np.average(m, weights=w))])
    try:
        res = minimize(neg, start, jac=True, method="L-BFGS-B", bounds=[(-12, 14)] * 3)
    except (ValueError, FloatingPointError) as exc:
        fit.reason = f"the Gamma-Gamma fit failed: {exc}"
        return fit
    params = np.exp(res.x)
    if not res.success or not np.isfinite(res.fun) or params[1] <= 1:
        fit.reason = f"the Gamma-Gamma fit is not usable ({res.message}; q must exceed 1)"
        return fit
    fit.params = dict(zip(("p", "q", "gamma"), map(float, params), strict=True))
    fit.log_likelihood, fit.ok = float(-res.fun), True
    return fit


def p_alive(fit: Fit, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """BG/NBD probability that each customer is still active."""
    r, alpha, a, b = (fit.params[k] for k in ("r", "alpha", "a", "b"))
    x = np.asarray(x, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(
            x > 0,
            a / (b + x - 1 + (x == 0)) * np.exp((r + x) * np.log((alpha + T) / (alpha + tx))),
            0.0,
        )
    return 1.0 / (1.0 + ratio)


def expected_purchases(
    fit: Fit, t: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """BG/NBD expected number of purchases in the next `t` weeks."""
    r, alpha, a, b = (fit.params[k] for k in ("r", "alpha", "a", "b"))
    x = np.asarray(x, float)
    if t <= 0:
        return np.zeros_like(x)
    z = t / (alpha + T + t)
    head = (a + b + x - 1) / (a - 1)
    body = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    return head * body * p_alive(fit, x, tx, T)


def expected_spend(fit: Fit, x: np.ndarray, monetary: np.ndarray) -> np.ndarray:
    """Gamma-Gamma expected spend per future purchase (conditional on history)."""
    p, q, g = fit.params["p"], fit.params["q"], fit.params["gamma"]
    x = np.asarray(x, float)
    pop = p * g / (q - 1)
    weight = p * x / (p * x + q - 1)
    return (1 - weight) * pop + weight * np.asarray(monetary, float)


def predictive_clv(
    bg: Fit,
    gg: Fit,
    summary: pd.DataFrame,
    horizon_months: int,
    annual_discount: float,
) -> pd.DataFrame:
    """Per customer: p_alive, expected purchases and discounted expected value over the horizon.

    Month by month: expected purchases in month i × expected spend, discounted by
    (1 + annual rate)^(i/12). `method` says which model produced the figures.
    """
    x, tx, T = (summary[c].to_numpy(float) for c in ("x", "t_x", "T"))
    out = pd.DataFrame(index=summary.index)
    if bg.ok:
        out["p_alive"] = p_alive(bg, x, tx, T)
        cum = [np.zeros(len(x))]
        for i in range(1, horizon_months + 1):
            cum.append(expected_purchases(bg, i * WEEKS_PER_MONTH, x, tx, T))
        out["expected_purchases"] = cum[-1]
        per_month = [cum[i] - cum[i - 1] for i in range(1, horizon_months + 1)]
        method = "BG/NBD"
    else:
        heur = heuristic(summary, horizon_months)
        out["p_alive"] = heur["p_alive"]
        out["expected_purchases"] = heur["expected_purchases"]
        per_month = [out["expected_purchases"].to_numpy() / max(horizon_months, 1)] * horizon_months
        method = "heuristic"
    if gg.ok:
        spend = expected_spend(gg, x, summary["monetary"].to_numpy(float))
        method += " + Gamma-Gamma"
    else:
        spend = summary["mean_spend"].to_numpy(float)
        method += " + own mean spend"
    value = np.zeros(len(x))
    for i, n in enumerate(per_month, start=1):
        value += n * spend / (1 + annual_discount) ** (i / 12)
    out["expected_spend"] = spend
    out["predicted_clv"] = value
    out["method"] = method
    return out


def heuristic(summary: pd.DataFrame, horizon_months: int) -> pd.DataFrame:
    """Labelled fallback: the customer's own purchase rate, damped by how overdue they are.

    rate = the customer's repeat purchases ÷ weeks since the first (one-time buyers: the book's
    repeat rate); p_alive = exp(-(weeks since the last purchase ÷ usual gap − 1)), 1 while not
    overdue (usual gap: the customer's mean gap; one-time buyers: the book's median tenure).
    """
    x = summary["x"].to_numpy(float)
    weeks = np.maximum(summary["T"].to_numpy(float), 1.0)
    book_rate = float(x.sum() / weeks.sum()) if len(x) else 0.0
    since_last = summary["T"].to_numpy(float) - summary["t_x"].to_numpy(float)
    mean_gap = np.where(summary["x"] > 0, summary["t_x"] / summary["x"].clip(lower=1), np.nan)
    fallback = float(np.nanmedian(summary["T"])) if len(summary) else 1.0
    mean_gap = np.where(np.isnan(mean_gap) | (mean_gap <= 0), max(fallback, 1.0), mean_gap)
    alive = np.exp(-np.maximum(since_last / mean_gap - 1, 0))
    rate = np.where(x > 0, x / weeks, book_rate)
    return pd.DataFrame(
        {"p_alive": alive, "expected_purchases": rate * horizon_months * WEEKS_PER_MONTH * alive},
        index=summary.index,
    )


def simple_clv(
    frequency_per_year: pd.Series, aov: pd.Series, lifespan_years: float | None
) -> pd.Series:
    """CLTV = purchase frequency × average order value × average customer lifespan."""
    if lifespan_years is None:
        return pd.Series(np.nan, index=frequency_per_year.index)
    return frequency_per_year * aov * lifespan_years
