"""Customer lifetime value: BG/NBD and Gamma-Gamma by maximum likelihood, plus the simple formula.

BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science
24(2). Gamma-Gamma: Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves", JMR 42(4).
Inputs per customer: x = repeat purchase occasions, t_x = time of the last one since the first
purchase, T = time from the first purchase to the end of observation (weeks = days / 7).
Both fits use log-parameters, analytic gradients and L-BFGS-B, on customers grouped by
identical (x, t_x, T) so that 100k customers take a fraction of a second.
The summary and the fits work on numpy arrays (a dict of columns, or a DataFrame with the same
columns), so `value --model` runs without pandas; only the per-customer tables use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1

from ..i18n import N_, _
from .lifecycle import day_number, day_numbers, in_order

if TYPE_CHECKING:
    import pandas as pd

    # a calibration summary: equally long arrays by column (customer_id, x, t_x, T,
    # monetary, mean_spend, first, last), or a DataFrame with them; the fits need only some
    Columns: TypeAlias = Mapping[str, np.ndarray] | pd.DataFrame

MIN_CUSTOMERS = 30  # below this, or with fewer repeaters, the models are not trusted
MIN_REPEATERS = 10
WEEKS_PER_MONTH = 365.25 / 12 / 7


@dataclass
class Fit:
    """A fitted model: parameters by name, log-likelihood, and whether it is usable; why not
    in English (`reason`, as JSON writes it) and in the interface language (`note`)."""

    model: str
    params: dict[str, float] = field(default_factory=dict)
    log_likelihood: float | None = None
    n: int = 0
    ok: bool = False
    reason: str = ""
    note: str = ""

    def unusable(self, message: str, /, **fields: object) -> Fit:
        """Say why the fit is not usable: `message` (marked N_) with its named fields."""
        self.reason = message.format(**fields)
        self.note = _(message).format(**fields)
        return self


def calibration_arrays(
    cid: np.ndarray, day: np.ndarray, amount: np.ndarray, end: int
) -> dict[str, np.ndarray]:
    """x, t_x, T (weeks), mean repeat spend, mean spend, first and last day per customer, from
    one entry per customer and local day (days since 1970) with its amount; only days ≤ end."""
    keep = day <= end
    cid, day, amount = in_order(cid[keep], day[keep], np.asarray(amount, float)[keep])
    # numpy over the runs of each customer: 10x quicker than a pandas groupby at 700k rows
    starts = np.flatnonzero(np.r_[True, cid[1:] != cid[:-1]]) if len(cid) else np.array([], int)
    ends = np.r_[starts[1:], len(cid)] - 1 if len(cid) else starts
    n = (ends - starts + 1).astype(float)
    total = np.add.reduceat(amount, starts) if len(cid) else np.array([], float)
    x = n - 1
    return {
        "customer_id": cid[starts],
        "x": x,
        "t_x": (day[ends] - day[starts]).astype(float) / 7.0,
        "T": (end - day[starts]).astype(float) / 7.0,
        "monetary": np.divide(total - amount[starts], x, out=np.zeros(len(x)), where=x > 0),
        "mean_spend": total / n if len(n) else np.array([], float),
        "first": day[starts],
        "last": day[ends],
    }


def summary_frame(cal: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The calibration arrays as a DataFrame indexed by customer_id, first/last as datetimes."""
    import pandas as pd

    cols = ("x", "t_x", "T", "monetary", "mean_spend")
    out = pd.DataFrame({c: cal[c] for c in cols}, index=pd.Index(cal["customer_id"], dtype="int64"))
    for col in ("first", "last"):
        out[col] = cal[col].astype("datetime64[D]").astype("datetime64[ns]")
    out.index.name = "customer_id"
    return out


def calibration_summary(occasions: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """x, t_x, T (weeks) and mean repeat spend per customer from (customer_id, day, amount).

    `occasions` has one row per customer and local day; only days on or before `end` count.
    """
    cid = occasions["customer_id"].to_numpy("int64")
    amount = occasions["amount"].to_numpy(float)
    cal = calibration_arrays(cid, day_numbers(occasions["day"]), amount, day_number(end.date()))
    return summary_frame(cal)


def _grouped(frame: Columns, cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of `cols` and how many customers share each (the likelihood weights)."""
    data = np.column_stack([np.asarray(frame[c], np.float64) for c in cols])
    if not len(data):
        return data, np.array([], float)
    data = data[np.lexsort(data.T[::-1])]  # rows in order, so equal rows are neighbours
    start = np.r_[True, np.any(data[1:] != data[:-1], axis=1)]
    at = np.flatnonzero(start)
    return data[at], np.diff(np.r_[at, len(data)]).astype(float)


def _by_x(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct repeat counts and their total weight: terms that depend on x alone (the
    gamma functions, the costly part) are evaluated once per distinct x, not once per row."""
    ux, inv = np.unique(x, return_inverse=True)
    return ux, np.bincount(inv.ravel(), weights=w, minlength=len(ux))


def _dot(w: np.ndarray, v: np.ndarray) -> float:
    """Weighted sum. Not `w @ v`: OpenBLAS threads made that 7 ms instead of 0.1 ms per call
    on a busy 2-core machine."""
    return float((w * v).sum())


def _bgnbd_ll_grad(
    logp: np.ndarray,
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    w: np.ndarray,
    xs: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[float, np.ndarray]:
    r, alpha, a, b = np.exp(logp)
    ux, wx = _by_x(x, w) if xs is None else xs
    pos = x > 0
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.full_like(x, -np.inf)
    xp = x[pos]
    a4[pos] = np.log(a) - np.log(b + xp - 1) - (r + xp) * np.log(alpha + tx[pos])
    lse = np.logaddexp(a3, a4)
    w3 = np.exp(a3 - lse)
    w4 = np.exp(a4 - lse)
    ll_x = (
        gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + gammaln(a + b) + gammaln(b + ux)
        - gammaln(b) - gammaln(a + b + ux)
    )  # fmt: skip
    ll = float(_dot(wx, ll_x) + _dot(w, lse))
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_bx1 = np.where(pos, 1.0 / (b + x - 1 + (~pos)), 0.0)
    w4_log_tx = np.where(pos, w4 * np.log(alpha + tx), 0.0)
    d_r = _dot(wx, digamma(r + ux) - digamma(r) + np.log(alpha))
    d_r += _dot(w, -w3 * np.log(alpha + T) - w4_log_tx)
    w4_tx = np.where(pos, w4 * (r + x) / (alpha + tx), 0)
    d_alpha = w.sum() * r / alpha + _dot(w, -w3 * (r + x) / (alpha + T) - w4_tx)
    d_a = _dot(wx, digamma(a + b) - digamma(a + b + ux)) + _dot(w, w4 / a)
    d_b = _dot(wx, digamma(a + b) + digamma(b + ux) - digamma(b) - digamma(a + b + ux))
    d_b -= _dot(w, w4 * inv_bx1)
    grad = np.array([d_r, d_alpha, d_a, d_b]) * np.array([r, alpha, a, b])
    return ll, grad


def fit_bgnbd(summary: Columns) -> Fit:
    """Maximum-likelihood BG/NBD on columns x, t_x, T; never raises, says why when it fails."""
    n, repeaters = len(summary["x"]), int((np.asarray(summary["x"]) > 0).sum())
    fit = Fit("BG/NBD", n=n)
    if n < MIN_CUSTOMERS or repeaters < MIN_REPEATERS:
        return fit.unusable(
            N_(
                "too few data for BG/NBD (need {customers} buyers and {repeaters} "
                "repeat buyers, have {n} and {have})"
            ),
            customers=MIN_CUSTOMERS,
            repeaters=MIN_REPEATERS,
            n=n,
            have=repeaters,
        )
    keys, w = _grouped(summary, ["x", "t_x", "T"])
    x, tx, T = keys[:, 0], keys[:, 1], keys[:, 2]
    xs = _by_x(x, w)

    def neg(logp: np.ndarray) -> tuple[float, np.ndarray]:
        ll, g = _bgnbd_ll_grad(logp, x, tx, T, w, xs)
        return -ll, -g

    start = np.log([0.5, max(float(np.average(T, weights=w)) / 4, 1e-3), 1.0, 1.0])
    try:
        res = minimize(neg, start, jac=True, method="L-BFGS-B", bounds=[(-12, 12)] * 4)
    except (ValueError, FloatingPointError) as exc:
        return fit.unusable(N_("the BG/NBD fit failed: {error}"), error=exc)
    params = np.exp(res.x)
    if not res.success or not np.isfinite(res.fun) or np.any(np.abs(res.x) >= 11.9):
        return fit.unusable(N_("the BG/NBD fit did not converge ({message})"), message=res.message)
    fit.params = dict(zip(("r", "alpha", "a", "b"), map(float, params), strict=True))
    fit.log_likelihood, fit.ok = float(-res.fun), True
    return fit


def _gg_ll_grad(
    logp: np.ndarray,
    x: np.ndarray,
    m: np.ndarray,
    w: np.ndarray,
    xs: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[float, np.ndarray]:
    p, q, g = np.exp(logp)
    ux, wx = _by_x(x, w) if xs is None else xs
    px = p * x
    log_m, log_x, log_gmx = np.log(m), np.log(x), np.log(g + m * x)
    pux = p * ux
    ll = _dot(wx, gammaln(pux + q) - gammaln(pux) - gammaln(q) + q * np.log(g))
    ll += _dot(w, (px - 1) * log_m + px * log_x - (px + q) * log_gmx)
    d_p = _dot(wx, ux * (digamma(pux + q) - digamma(pux))) + _dot(w, x * (log_m + log_x - log_gmx))
    d_q = _dot(wx, digamma(pux + q) - digamma(q) + np.log(g)) - _dot(w, log_gmx)
    d_g = _dot(w, q / g - (px + q) / (g + m * x))
    grad = np.array([d_p, d_q, d_g]) * np.array([p, q, g])
    return float(ll), grad


def fit_gamma_gamma(summary: Columns) -> Fit:
    """Maximum-likelihood Gamma-Gamma on repeat buyers (x ≥ 1, mean repeat spend > 0)."""
    x_all = np.asarray(summary["x"], np.float64)
    m_all = np.asarray(summary["monetary"], np.float64)
    use = (x_all > 0) & (m_all > 0)
    rep = {"x": x_all[use], "monetary": m_all[use]}
    fit = Fit("Gamma-Gamma", n=len(rep["x"]))
    if fit.n < MIN_REPEATERS:
        return fit.unusable(
            N_("too few repeat buyers for Gamma-Gamma ({n}, need {repeaters})"),
            n=fit.n,
            repeaters=MIN_REPEATERS,
        )
    keys, w = _grouped(rep, ["x", "monetary"])
    x, m = keys[:, 0], keys[:, 1]
    xs = _by_x(x, w)

    def neg(logp: np.ndarray) -> tuple[float, np.ndarray]:
        ll, g = _gg_ll_grad(logp, x, m, w, xs)
        return -ll, -g

    start = np.log([1.0, 1.0, float(np.average(m, weights=w))])
    try:
        res = minimize(neg, start, jac=True, method="L-BFGS-B", bounds=[(-12, 14)] * 3)
    except (ValueError, FloatingPointError) as exc:
        return fit.unusable(N_("the Gamma-Gamma fit failed: {error}"), error=exc)
    params = np.exp(res.x)
    if not res.success or not np.isfinite(res.fun) or params[1] <= 1:
        return fit.unusable(
            N_("the Gamma-Gamma fit is not usable ({message}; q must exceed 1)"),
            message=res.message,
        )
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


def _distinct(*cols: np.ndarray) -> tuple[np.ndarray, ...]:
    """The distinct rows of equally long columns, column by column, and for each original row
    the index of its distinct row."""
    n = len(cols[0])
    if not n:
        return (*cols, np.array([], dtype=np.intp))
    order = np.lexsort(cols[::-1])
    data = [c[order] for c in cols]
    new = np.zeros(n, dtype=bool)
    new[0] = True
    for c in data:
        new[1:] |= c[1:] != c[:-1]
    inv = np.empty(n, dtype=np.intp)
    inv[order] = np.cumsum(new) - 1
    return (*(c[new] for c in data), inv)


def predictive_clv(
    bg: Fit,
    gg: Fit,
    summary: pd.DataFrame,
    horizon_months: int,
    annual_discount: float,
) -> pd.DataFrame:
    """Per customer: p_alive, expected purchases and discounted expected value over the horizon.

    Month by month: expected purchases in month i × expected spend, discounted by
    (1 + annual rate)^(i/12). `method` says which model produced the figures: its parts,
    joined by " + ", are catalogue messages (for method_text in the CLI).
    """
    import pandas as pd

    x, tx, T = (summary[c].to_numpy(float) for c in ("x", "t_x", "T"))
    out = pd.DataFrame(index=summary.index)
    if bg.ok:
        out["p_alive"] = p_alive(bg, x, tx, T)
        # hyp2f1 per month is the cost: evaluate it once per distinct (x, t_x, T) only
        ux, utx, uT, inv = _distinct(x, tx, T)
        cum = [np.zeros(len(x))]
        for i in range(1, horizon_months + 1):
            cum.append(expected_purchases(bg, i * WEEKS_PER_MONTH, ux, utx, uT)[inv])
        out["expected_purchases"] = cum[-1]
        per_month = [cum[i] - cum[i - 1] for i in range(1, horizon_months + 1)]
        method = "BG/NBD"
    else:
        heur = heuristic(summary, horizon_months)
        out["p_alive"] = heur["p_alive"]
        out["expected_purchases"] = heur["expected_purchases"]
        per_month = [out["expected_purchases"].to_numpy() / max(horizon_months, 1)] * horizon_months
        method = N_("heuristic")
    if gg.ok:
        spend = expected_spend(gg, x, summary["monetary"].to_numpy(float))
        method += " + Gamma-Gamma"
    else:
        spend = summary["mean_spend"].to_numpy(float)
        method += " + " + N_("own mean spend")
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
    import pandas as pd

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
    import pandas as pd

    if lifespan_years is None:
        return pd.Series(np.nan, index=frequency_per_year.index)
    return frequency_per_year * aov * lifespan_years
