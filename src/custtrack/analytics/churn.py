"""Churn, retention and repurchase per period, and cohort retention by first-purchase month."""

from __future__ import annotations

import pandas as pd

from ..i18n import C_, N_
from .lifecycle import active_at

# in English in JSON; translated with _() where a table shows them
DEFINITIONS = {
    "active": N_("bought within the last {churn_days} days and not marked lost since"),
    "churn_rate": N_(
        "customers active at the start who are no longer active at the end ÷ "
        "customers active at the start"
    ),
    "retention_rate": N_(
        "customers active at the start still active at the end ÷ customers "
        "active at the start (= 1 − churn rate)"
    ),
    "repurchase_rate": N_(
        "customers active at the start who bought again in the period ÷ "
        "customers active at the start"
    ),
}
# the reason of a churned customer with none recorded (the others are vocab.LOST_REASONS)
INACTIVE = C_("lost_reason", "inactive")


def period_bounds(as_of: pd.Timestamp, period: str, count: int) -> list[tuple]:
    """The last `count` periods (month, quarter or year) up to the one containing as_of.

    Returns (label, start, end) with inclusive days; the current period ends at as_of.
    """
    freq = {"month": "M", "quarter": "Q", "year": "Y"}[period]
    current = as_of.to_period(freq)
    out = []
    for k in range(count - 1, -1, -1):
        p = current - k
        start = p.start_time.normalize()
        end = min(p.end_time.normalize(), as_of)
        out.append((str(p), start, end))
    return out


def _div(a: float, b: float) -> float | None:
    return a / b if b else None


def revenue_days(occasions: pd.DataFrame, refunds: pd.DataFrame | None = None) -> pd.Series:
    """Revenue per day, sorted: the occasions' amounts (each net of what was refunded of it),
    with every refund moved from its purchase's day to its own (services.analytics
    refunds_frame), so that a period's revenue is what was paid in it less what was given
    back in it."""
    import pandas as pd

    daily = occasions.groupby("day")["amount"].sum()
    if refunds is not None and len(refunds):
        moved = [refunds.groupby("day")["amount"].sum(), -refunds.groupby("bought")["amount"].sum()]
        daily = pd.concat([daily, *moved]).groupby(level=0).sum()
    return daily.sort_index()


def churn_table(
    occasions: pd.DataFrame,
    customers: pd.DataFrame,
    as_of: pd.Timestamp,
    period: str,
    count: int,
    churn_days: int,
    refunds: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per period: active at start/end, churned, new buyers, churn/retention/repurchase rates,
    revenue (refunds counted in their own period: `refunds`, services.analytics.refunds_frame),
    refunds (given back in the period, positive), orders and order_value (the period's orders,
    each net of what was refunded of it; a purchase refunded in full is no order).

    A rate whose denominator is zero is None (shown as "—").
    """
    import numpy as np

    daily = revenue_days(occasions, refunds)
    days, csum = daily.index.to_numpy("datetime64[ns]"), np.r_[0.0, daily.cumsum().to_numpy()]
    back = refunds if refunds is not None and len(refunds) else None
    rows = []
    firsts = occasions.groupby("customer_id")["day"].min()
    for label, start, end in period_bounds(as_of, period, count):
        s = active_at(occasions, customers, start - pd.Timedelta(days=1), churn_days)
        e = active_at(occasions, customers, end, churn_days)
        in_period = occasions[(occasions["day"] >= start) & (occasions["day"] <= end)]
        lo = np.searchsorted(days, start.to_datetime64(), side="left")
        hi = np.searchsorted(days, end.to_datetime64(), side="right")
        given = 0.0  # given back in the period (0.0 - x: never -0.0)
        if back is not None:
            given -= float(back.loc[back["day"].between(start, end), "amount"].sum())
        buyers = pd.Index(in_period["customer_id"].unique())
        new = int(((firsts >= start) & (firsts <= end)).sum())
        stayed = s.intersection(e)
        rows.append(
            {
                "period": label,
                "start": start.date(),
                "end": end.date(),
                "active_start": len(s),
                "active_end": len(e),
                "churned": len(s) - len(stayed),
                "new_buyers": new,
                "buyers": len(buyers),
                "revenue": float(csum[hi] - csum[lo]),
                "refunds": given,
                "orders": int(len(in_period)),
                "order_value": float(in_period["amount"].sum()),
                "churn_rate": _div(len(s) - len(stayed), len(s)),
                "retention_rate": _div(len(stayed), len(s)),
                "repurchase_rate": _div(len(s.intersection(buyers)), len(s)),
            }
        )
    return pd.DataFrame(rows)


def cohort_table(occasions: pd.DataFrame, as_of: pd.Timestamp, months: int = 12) -> pd.DataFrame:
    """Rows: first-purchase month; columns m0..m{months-1}: share of the cohort buying that month.

    Months not yet reached at as_of are None.
    """
    occ = occasions[occasions["day"] <= as_of]
    if occ.empty:
        return pd.DataFrame(columns=["cohort", "customers"] + [f"m{i}" for i in range(months)])
    month = occ["day"].dt.year * 12 + occ["day"].dt.month - 1  # months since year 0, vectorised
    first = month.groupby(occ["customer_id"]).transform("min")
    frame = pd.DataFrame({"customer_id": occ["customer_id"], "cohort": first, "k": month - first})
    frame = frame[frame["k"] < months].drop_duplicates()
    counts = frame.groupby(["cohort", "k"]).size().unstack(fill_value=0)
    sizes = counts[0] if 0 in counts else frame.groupby("cohort")["customer_id"].nunique()
    now = as_of.year * 12 + as_of.month - 1
    rows = []
    for cohort, size in sizes.items():
        row: dict = {"cohort": f"{cohort // 12:04d}-{cohort % 12 + 1:02d}", "customers": int(size)}
        for k in range(months):
            reached = now - cohort >= k
            n = int(counts.loc[cohort, k]) if k in counts.columns else 0
            row[f"m{k}"] = n / size if reached and size else None
        rows.append(row)
    return pd.DataFrame(rows)


def reasons(stages_frame: pd.DataFrame) -> pd.DataFrame:
    """Churned customers by reason ('inactive' when none was recorded)."""
    churned = stages_frame[stages_frame["stage"] == "churned"]
    counts = churned["lost_reason"].fillna(INACTIVE).value_counts()
    total = int(counts.sum())
    return pd.DataFrame(
        [
            {"reason": k, "customers": int(v), "share": v / total if total else None}
            for k, v in counts.items()
        ],
        columns=["reason", "customers", "share"],
    )
