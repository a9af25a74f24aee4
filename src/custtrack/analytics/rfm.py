"""RFM scores and segments over a per-customer summary (the vectorised twin of services.segments).

The scoring rule and the segment grid are defined once, in custtrack.services.segments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..services.segments import ACTIONS, GRID, SEGMENT_NAMES


def quintile_scores(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """1 + floor(5 × (midrank − ½) / n); ties share their mean rank (see segments.py)."""
    if values.empty:
        return pd.Series([], dtype="int64", index=values.index)
    ranks = (values if higher_is_better else -values).rank(method="average")
    scores = 1 + np.floor(5 * (ranks - 0.5) / len(values))
    return scores.clip(1, 5).astype("int64")


def cut_scores(values: pd.Series, cuts: list[float], higher_is_better: bool = True) -> pd.Series:
    below = sum((values > c).astype("int64") for c in cuts)
    return (1 + below) if higher_is_better else (5 - below)


def _segment_grid() -> np.ndarray:
    grid = np.empty((6, 6), dtype=object)
    for (r, fm), name in GRID.items():
        grid[r, fm] = name
    return grid


def summarise(occasions: pd.DataFrame) -> pd.DataFrame:
    """Per customer from (customer_id, day, amount) occasions: first, last, occasions, spend."""
    g = occasions.groupby("customer_id")
    out = pd.DataFrame(
        {"first": g["day"].min(), "last": g["day"].max(), "occasions": g.size(),
         "spend": g["amount"].sum()}
    )  # fmt: skip
    out.index.name = "customer_id"
    return out


def rfm_scores(
    summary: pd.DataFrame,
    as_of: pd.Timestamp,
    monetary: str = "total",
    cuts: dict[str, list[float] | None] | None = None,
) -> pd.DataFrame:
    """Per buying customer: recency_days, frequency, monetary, r, f, m, fm, segment.

    `summary` is indexed by customer_id with columns last (datetime64 local day), occasions and
    spend (major units). `monetary` is "total" or "mean" (per occasion).
    """
    cuts = cuts or {}
    out = pd.DataFrame(index=summary.index)
    out["recency_days"] = (as_of - summary["last"]).dt.days.astype("int64")
    out["frequency"] = summary["occasions"].astype("int64")
    spend = summary["spend"].astype(float)
    out["monetary"] = spend / summary["occasions"] if monetary == "mean" else spend
    for col, key, kind, better in (
        ("r", "recency_days", "recency", False),
        ("f", "frequency", "frequency", True),
        ("m", "monetary", "monetary", True),
    ):
        fixed = cuts.get(kind)
        out[col] = (
            quintile_scores(out[key], better)
            if fixed is None
            else cut_scores(out[key], fixed, better)
        )
    out["fm"] = ((out["f"] + out["m"]) / 2).round().astype("int64")  # halves to even
    grid = _segment_grid()
    out["segment"] = grid[out["r"].to_numpy(), out["fm"].to_numpy()] if len(out) else []
    return out


def segment_table(scores: pd.DataFrame, n_customers: int) -> pd.DataFrame:
    """Per segment: customers, share of customers, share of revenue, mean R/F/M, action.

    Shares of customers are over all `n_customers` (buyers or not); revenue shares over the
    buyers' total spend.
    """
    revenue = scores["spend"].sum() if "spend" in scores else scores["monetary"].sum()
    rows = []
    for name in SEGMENT_NAMES:
        part = scores[scores["segment"] == name]
        spend = part["spend"].sum() if "spend" in part else part["monetary"].sum()
        rows.append(
            {
                "segment": name,
                "customers": int(len(part)),
                "share_customers": len(part) / n_customers if n_customers else None,
                "share_revenue": float(spend / revenue) if revenue else None,
                "mean_r": float(part["r"].mean()) if len(part) else None,
                "mean_f": float(part["f"].mean()) if len(part) else None,
                "mean_m": float(part["m"].mean()) if len(part) else None,
                "action": ACTIONS[name],
            }
        )
    return pd.DataFrame(rows)
