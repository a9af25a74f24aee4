"""The KPI report for one period: pure computation over the frames the service loads."""

from __future__ import annotations

from typing import Any

import pandas as pd


def _div(a: float, b: float) -> float | None:
    return float(a) / float(b) if b else None


def _none(value: Any) -> Any:
    """NaN to None, numpy scalars to Python numbers (JSON-ready)."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    return value.item() if hasattr(value, "item") else value


def feedback_kpis(feedback: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    """CSAT (share of 4–5 answers, mean) and NPS (% promoters 9–10 − % detractors 0–6)."""
    part = feedback[(feedback["day"] >= start) & (feedback["day"] <= end)]
    csat = part["csat"].dropna()
    nps = part["nps"].dropna()
    promoters, detractors = int((nps >= 9).sum()), int((nps <= 6).sum())
    return {
        "csat_responses": int(len(csat)),
        "csat_satisfied_share": _div((csat >= 4).sum(), len(csat)),
        "csat_mean": _none(csat.mean()) if len(csat) else None,
        "nps_responses": int(len(nps)),
        "nps_promoters_share": _div(promoters, len(nps)),
        "nps_detractors_share": _div(detractors, len(nps)),
        "nps": _div(100 * (promoters - detractors), len(nps)),
    }


def complaint_kpis(complaints: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    """Opened in the period, open at its end, mean hours to resolve those resolved in it."""
    opened = complaints[(complaints["opened_day"] >= start) & (complaints["opened_day"] <= end)]
    still_open = complaints[complaints["resolved"].isna()]
    done = complaints[(complaints["resolved_day"] >= start) & (complaints["resolved_day"] <= end)]
    hours = (done["resolved"] - done["opened"]).dt.total_seconds() / 3600
    cats = sorted(set(opened["category"]) | set(still_open["category"]) | set(done["category"]))
    by_cat = []
    for cat in cats:
        h = hours[done["category"] == cat]
        by_cat.append(
            {
                "category": cat,
                "opened": int((opened["category"] == cat).sum()),
                "open": int((still_open["category"] == cat).sum()),
                "resolved": int(len(h)),
                "mean_hours_to_resolve": _none(h.mean()) if len(h) else None,
            }
        )
    return {
        "complaints_opened": int(len(opened)),
        "complaints_open": int(len(still_open)),
        "complaints_resolved": int(len(done)),
        "mean_hours_to_resolve": _none(hours.mean()) if len(hours) else None,
        "complaints_by_category": by_cat,
    }


def kpis(
    *,
    period_row: dict,
    customers: pd.DataFrame,
    stage_counts: dict[str, int],
    feedback: pd.DataFrame,
    complaints: pd.DataFrame,
    campaigns: pd.DataFrame,
    segments: pd.DataFrame,
    clv_historical: pd.Series,
    clv_predicted: pd.Series,
    clv_method: str,
    trend: pd.DataFrame,
    currency: str,
) -> dict[str, Any]:
    """Every KPI of the report as one JSON-ready dict (field names are documented in `report`).

    CAC counts the campaigns paid in `currency` only: costs in two currencies cannot be added
    (the others are still listed, each with its own CAC, and counted in campaigns_other_currency).
    """
    start, end = pd.Timestamp(period_row["start"]), pd.Timestamp(period_row["end"])
    created = customers["created_day"]
    new_customers = int(((created >= start) & (created <= end)).sum())
    revenue, orders, buyers = period_row["revenue"], period_row["orders"], period_row["buyers"]
    paid = campaigns[campaigns["currency"] == currency] if len(campaigns) else campaigns
    brought = int(paid["new_customers"].sum()) if len(paid) else 0
    cost = float(paid["cost"].sum()) if len(paid) else 0.0
    top = (
        segments[segments["customers"] > 0]
        .sort_values("customers", ascending=False, kind="stable")
        .head(3)
    )
    out: dict[str, Any] = {
        "period": period_row["period"],
        "start": start.date(),
        "end": end.date(),
        "customers_total": int(len(customers)),
        "customers_by_stage": stage_counts,
        "new_customers": new_customers,
        "new_buyers": int(period_row["new_buyers"]),
        "active_customers": int(period_row["active_end"]),
        "active_at_start": int(period_row["active_start"]),
        "churned": int(period_row["churned"]),
        "churn_rate": period_row["churn_rate"],
        "retention_rate": period_row["retention_rate"],
        "repurchase_rate": period_row["repurchase_rate"],
        "revenue": float(revenue),
        "refunds": float(period_row.get("refunds", 0.0)),
        "orders": int(orders),
        "buyers": int(buyers),
        # what the period's orders were worth (each net of its refunds), not its revenue: a
        # refund of an older order lowers revenue, not the value of this period's orders
        "average_order_value": _div(period_row.get("order_value", revenue), orders),
        "purchase_frequency": _div(orders, buyers),
        "clv_historical_mean": _none(clv_historical.mean()) if len(clv_historical) else None,
        "clv_predicted_mean": _none(clv_predicted.mean()) if len(clv_predicted) else None,
        "clv_predicted_method": clv_method,
        "cac": _div(cost, brought),
        "campaigns_other_currency": int(len(campaigns) - len(paid)),
        "campaigns": [
            {k: _none(v) for k, v in row.items()} for row in campaigns.to_dict("records")
        ],
    }
    out.update(feedback_kpis(feedback, start, end))
    out.update(complaint_kpis(complaints, start, end))
    out["largest_segments"] = [
        {"segment": r["segment"], "customers": int(r["customers"]), "share": r["share_customers"]}
        for r in top.to_dict("records")
    ]
    out["trend"] = [
        {
            "period": r["period"],
            "revenue": float(r["revenue"]),
            "new_buyers": int(r["new_buyers"]),
            "active": int(r["active_end"]),
            "churned": int(r["churned"]),
        }
        for r in trend.to_dict("records")
    ]
    return out


BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float]) -> str:
    """One character per value, scaled from the smallest to the largest (all equal: mid bars)."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    if hi == lo:
        return (BARS[0] if hi == 0 else BARS[3]) * len(values)
    return "".join(BARS[round((v - lo) / (hi - lo) * (len(BARS) - 1))] for v in values)
