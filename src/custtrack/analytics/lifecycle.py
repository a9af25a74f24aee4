"""Lifecycle stages, and who was active / churned at any date (the basis of churn and report).

Who was active, and the lifespan that follows from it, are computed on numpy arrays (days as
integers since 1970) so that `value --model` needs no pandas; the DataFrame functions wrap them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from ..dates import add_months
from ..i18n import C_, N_, _

if TYPE_CHECKING:
    import pandas as pd

EPOCH = date(1970, 1, 1)

# stored and written (JSON) in English; people read them through vocab.label("stage", name)
STAGES = (
    C_("stage", "potential"), C_("stage", "new"), C_("stage", "active"), C_("stage", "loyal"),
    C_("stage", "at risk"), C_("stage", "churned"), C_("stage", "won back"),
)  # fmt: skip


@dataclass(frozen=True)
class Thresholds:
    new_days: int = 90
    loyal_min_orders: int = 4
    churn_days: int = 365
    at_risk_factor: float = 2.0
    at_risk_min_days: int = 60
    at_risk_p_alive: float = 0.3


# each stage's rule, in the order they are checked; fields from the thresholds in force
RULES = (
    ("potential", N_("no purchase yet")),
    (
        "churned",
        N_(
            "no purchase for more than {churn_days} days (lifecycle.churn_days), or "
            "marked lost (`custtrack lost`) with no purchase since"
        ),
    ),
    (
        "at risk",
        N_(
            "days since the last purchase exceed {at_risk_factor} × the customer's "
            "own mean gap between purchases, and at least {at_risk_min_days} days "
            "(lifecycle.at_risk_factor, lifecycle.at_risk_min_days; one-time buyers: the book's "
            "median gap); or a BG/NBD probability alive below {at_risk_p_alive} "
            "(lifecycle.at_risk_p_alive) when the model could be fitted"
        ),
    ),
    (
        "won back",
        N_(
            "bought again after a gap of more than {churn_days} days or after being "
            "marked lost, within the last {new_days} days"
        ),
    ),
    ("new", N_("first purchase within the last {new_days} days (lifecycle.new_days)")),
    ("loyal", N_("at least {loyal_min_orders} purchase occasions (lifecycle.loyal_min_orders)")),
    ("active", N_("any other customer who has bought")),
)


def explain(t: Thresholds, translate: bool = False) -> list[dict[str, str]]:
    """The stage definitions with the thresholds in force, checked in this order (in English,
    as JSON writes them; translate=True: in the interface language, for people)."""
    fields = {
        "churn_days": t.churn_days,
        "new_days": t.new_days,
        "loyal_min_orders": t.loyal_min_orders,
        "at_risk_factor": f"{t.at_risk_factor:g}",
        "at_risk_min_days": t.at_risk_min_days,
        "at_risk_p_alive": f"{t.at_risk_p_alive:g}",
    }
    return [
        {"stage": stage, "rule": (_(rule) if translate else rule).format(**fields)}
        for stage, rule in RULES
    ]


def day_number(day: date) -> int:
    """A calendar day as days since 1970-01-01 (the day unit of the array functions)."""
    return (day - EPOCH).days


def in_order(cid: np.ndarray, day: np.ndarray, *more: np.ndarray) -> tuple[np.ndarray, ...]:
    """The columns sorted by customer, then day (untouched when they already are, as
    services.analytics.occasion_arrays gives them)."""
    same = cid[1:] == cid[:-1]
    if len(cid) < 2 or bool(np.all((cid[1:] > cid[:-1]) | (same & (day[1:] >= day[:-1])))):
        return (cid, day, *more)
    order = np.lexsort((day, cid))
    return tuple(c[order] for c in (cid, day, *more))


def active_ids(
    cid: np.ndarray,
    day: np.ndarray,
    lost: tuple[np.ndarray, np.ndarray],
    on: int,
    churn_days: int,
) -> np.ndarray:
    """Ids (ascending) of the customers active at the end of day `on`: bought within churn_days,
    not marked lost since. `lost`: (ids, lost days) of the customers marked lost."""
    # only the window matters: the latest day in it is the latest day up to `on` (a year of
    # occasions instead of all history: churn_table calls this twice per period)
    keep = (day <= on) & (day >= on - churn_days)
    c, d = in_order(cid[keep], day[keep])
    last_row = np.r_[c[1:] != c[:-1], True] if len(c) else np.array([], bool)
    ids, last = c[last_row], d[last_row]
    lost_ids, lost_days = lost
    order = np.argsort(lost_ids, kind="stable")
    lost_ids, lost_days = lost_ids[order], lost_days[order]
    at = np.minimum(np.searchsorted(lost_ids, ids), max(len(lost_ids) - 1, 0))
    marked = (lost_ids[at] == ids) if len(lost_ids) else np.zeros(len(ids), bool)
    lost_on = lost_days[at] if len(lost_ids) else np.zeros(len(ids), "int64")
    still = ~marked | (lost_on > on) | (last > lost_on)
    return ids[still]


def lifespan(
    cid: np.ndarray,
    day: np.ndarray,
    lost: tuple[np.ndarray, np.ndarray],
    as_of: date,
    churn_days: int,
) -> float | None:
    """Average customer lifespan in years = 1 ÷ annual churn rate (the share of customers
    active a year before as_of who are not active at as_of); None when nobody was active a
    year ago or nobody churned since."""
    start = active_ids(cid, day, lost, day_number(add_months(as_of, -12)), churn_days)
    end = active_ids(cid, day, lost, day_number(as_of), churn_days)
    if len(start) == 0:
        return None
    rate = (len(start) - int(np.isin(start, end, assume_unique=True).sum())) / len(start)
    return 1 / rate if rate else None


def day_numbers(values: pd.Series) -> np.ndarray:
    """A datetime64 column of calendar days as days since 1970."""
    return values.to_numpy("datetime64[ns]").astype("datetime64[D]").astype("int64")


def lost_arrays(customers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(ids, lost days) from a customers frame indexed by id with a lost_day column."""
    marked = customers["lost_day"].dropna()
    return marked.index.to_numpy("int64"), day_numbers(marked)


def active_at(
    occasions: pd.DataFrame, customers: pd.DataFrame, day: pd.Timestamp, churn_days: int
) -> pd.Index:
    """Customers active at the end of `day`: bought within churn_days, not marked lost since."""
    import pandas as pd

    ids = active_ids(
        occasions["customer_id"].to_numpy("int64"),
        day_numbers(occasions["day"]),
        lost_arrays(customers),
        day_number(day.date()),
        churn_days,
    )
    return pd.Index(ids, dtype="int64", name="customer_id")


def stages(
    occasions: pd.DataFrame,
    customers: pd.DataFrame,
    as_of: pd.Timestamp,
    t: Thresholds,
    p_alive: pd.Series | None = None,
) -> pd.DataFrame:
    """Per customer (index of `customers`): stage, first/last purchase, occasions, usual gap.

    `occasions`: customer_id, day (local, datetime64), amount; only days ≤ as_of are used.
    `customers`: indexed by id, column lost_day (datetime64 or NaT) and lost_reason.
    """
    import pandas as pd

    occ = occasions[occasions["day"] <= as_of].sort_values(["customer_id", "day"])
    g = occ.groupby("customer_id")
    first, last, n = g["day"].min(), g["day"].max(), g.size()
    gaps = occ["day"].diff().dt.days.where(occ["customer_id"].eq(occ["customer_id"].shift()))
    occ = occ.assign(gap=gaps)
    # the latest day on which a customer came back after a churn-length gap
    returns = occ[occ["gap"] > t.churn_days].groupby("customer_id")["day"].max()

    out = pd.DataFrame(index=customers.index)
    out["first_purchase"] = pd.to_datetime(first.reindex(out.index))
    out["last_purchase"] = pd.to_datetime(last.reindex(out.index))
    out["occasions"] = n.reindex(out.index).fillna(0).astype("int64")
    recency = (as_of - out["last_purchase"]).dt.days
    out["recency_days"] = recency.astype("Int64")
    span = (out["last_purchase"] - out["first_purchase"]).dt.days
    out["usual_gap_days"] = (span / (out["occasions"] - 1)).where(out["occasions"] > 1).round(1)
    book_gap = float(out["usual_gap_days"].median()) if out["usual_gap_days"].notna().any() else 0
    gap = out["usual_gap_days"].fillna(book_gap)
    limit = np.maximum(t.at_risk_factor * gap, t.at_risk_min_days)

    lost_day = pd.to_datetime(customers["lost_day"].reindex(out.index))
    marked_lost = lost_day.notna() & (lost_day <= as_of)
    bought_after_lost = marked_lost & (out["last_purchase"] > lost_day)
    occ_lost = pd.Series(
        lost_day.reindex(occ["customer_id"].to_numpy()).to_numpy(), index=occ.index
    ).astype("datetime64[ns]")
    back_after_lost = occ[occ["day"] > occ_lost].groupby("customer_id")["day"].min()
    won_day = pd.concat([returns, back_after_lost], axis=1).max(axis=1)
    won_day = pd.to_datetime(won_day.reindex(out.index))

    stage = pd.Series("active", index=out.index, dtype=object)
    stage[out["occasions"] >= t.loyal_min_orders] = "loyal"
    stage[(as_of - out["first_purchase"]).dt.days <= t.new_days] = "new"
    stage[(as_of - won_day).dt.days <= t.new_days] = "won back"
    at_risk = recency > limit
    if p_alive is not None:
        at_risk |= p_alive.reindex(out.index) < t.at_risk_p_alive
    stage[at_risk & out["occasions"].gt(0)] = "at risk"
    stage[recency > t.churn_days] = "churned"
    stage[out["occasions"] == 0] = "potential"
    stage[marked_lost & ~bought_after_lost] = "churned"
    out["stage"] = stage
    out["lost_reason"] = customers["lost_reason"].where(stage == "churned")
    return out


def stage_counts(stages_frame: pd.DataFrame) -> dict[str, int]:
    counts = stages_frame["stage"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STAGES}
