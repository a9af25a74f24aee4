"""The customer health score (issue 15): 0–100 from six terms with visible, configurable weights.

Plain Python (no pandas: `show` computes it for one customer on the daily path). Each term is a
factor between 0 and 1 from the facts of one customer on one day:

- contact: 1 − days since the last contact / health.contact_days, at least 0 (never: 0);
- purchase: 1 − days since the last purchase / health.purchase_days, at least 0 (never: 0);
- trend: spend in the last health.trend_days (R) against the same length before (B):
  0.5 + 0.5 × (R − B) / max(R, B), so steady is 0.5, growing towards 1, falling towards 0
  (no spend in either: 0);
- satisfaction: the mean of the last year's answers, each CSAT as (csat − 1) / 4 and each NPS
  as nps / 10 (no answer: 0.5, neither good nor bad);
- complaints: 1 − open complaints / 2, at least 0;
- loyalty: in the last year, points redeemed or a customer brought: 1; points earned: 0.5; else 0.

score = 100 × Σ weight × factor / Σ weight, rounded; a term's contribution is its share of that.
"""

from __future__ import annotations

from dataclasses import dataclass

TERMS = ("contact", "purchase", "trend", "satisfaction", "complaints", "loyalty")
DEFAULT_WEIGHTS = {
    "contact": 20.0,
    "purchase": 25.0,
    "trend": 15.0,
    "satisfaction": 15.0,
    "complaints": 15.0,
    "loyalty": 10.0,
}


@dataclass
class Facts:
    """What the score is made from, for one customer on one day."""

    days_since_contact: int | None = None
    days_since_purchase: int | None = None
    recent_spend: int = 0  # minor units, the last trend_days
    prior_spend: int = 0  # minor units, the trend_days before
    answers: int = 0  # CSAT and NPS answers in the last year
    answer_sum: float = 0.0  # their values on a 0–1 scale, summed
    open_complaints: int = 0
    redeemed: bool = False  # points redeemed in the last year
    earned: bool = False  # points earned in the last year
    brought: int = 0  # customers brought in the last year


@dataclass(frozen=True)
class Scales:
    contact_days: int = 90
    purchase_days: int = 180
    trend_days: int = 180


def _recency(days: int | None, scale: int) -> float:
    if days is None or scale <= 0:
        return 0.0
    return max(0.0, 1.0 - max(days, 0) / scale)


def factors(f: Facts, s: Scales) -> dict[str, float]:
    """Each term's factor, 0–1 (see the module docstring)."""
    top = max(f.recent_spend, f.prior_spend)
    trend = 0.5 + 0.5 * (f.recent_spend - f.prior_spend) / top if top > 0 else 0.0
    satisfaction = f.answer_sum / f.answers if f.answers else 0.5
    loyalty = 1.0 if f.redeemed or f.brought else 0.5 if f.earned else 0.0
    return {
        "contact": _recency(f.days_since_contact, s.contact_days),
        "purchase": _recency(f.days_since_purchase, s.purchase_days),
        "trend": trend,
        "satisfaction": satisfaction,
        "complaints": max(0.0, 1.0 - f.open_complaints / 2),
        "loyalty": loyalty,
    }


def score(f: Facts, weights: dict[str, float], s: Scales) -> tuple[int, list[dict]]:
    """(score 0–100, the terms: term, factor, weight, points), the points summing to the score
    before rounding. Weights are normalised: they need not add up to 100."""
    total = sum(weights[t] for t in TERMS)
    if total <= 0:
        raise ValueError("the health weights add up to 0")
    terms = []
    fs = factors(f, s)
    for term, factor in fs.items():
        w = weights[term]
        terms.append(
            {"term": term, "factor": round(factor, 4), "weight": w,
             "points": round(100 * w * factor / total, 2)}
        )  # fmt: skip
    exact = sum(100 * weights[t] * fs[t] / total for t in TERMS)
    return int(round(exact + 1e-9)), terms
