"""The report's numbers: the KPIs `custtrack report` prints (and its --format json), and the
data behind the charts of `report --html/--png/--svg`. Reads the store; computes with pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd
    from sqlmodel import Session

    from ..analytics.charts import ChartData

MONTHS_OF_CATEGORIES = 24  # revenue by category and the holiday weeks: the last two years
PERIODS = ("month", "quarter", "year")


@dataclass
class Report:
    """`kpis` is what `report --format json` prints; `method` the value model's English name
    ("BG/NBD + Gamma-Gamma") and `horizon` its months; `frames` what chart_data() can reuse."""

    kpis: dict[str, Any]
    method: str
    horizon: int
    frames: dict[str, Any] = field(default_factory=dict)


def report(session: Session, day: date, period: str = "month") -> Report:
    """The KPI dashboard for the period (month, quarter, year) containing `day`, with a
    12-period trend."""
    from .. import config
    from ..analytics import churn as ch
    from ..analytics import clv
    from ..analytics.lifecycle import stage_counts, stages
    from ..analytics.report import kpis
    from ..analytics.rfm import segment_table
    from . import analytics

    t = analytics.thresholds()
    ad = analytics.ts(day)
    cust = analytics.customers_frame(session, day)
    occ = analytics.occasions(session, day)
    back = analytics.refunds_frame(session, day)
    fb = analytics.feedback_frame(session, day)
    comp = analytics.complaints_frame(session, day)
    camps = analytics.campaigns_frame(session, day, cust)
    scores = analytics.rfm(session, day, occ=occ)
    left_out = analytics.other_currency_purchases(session, day)
    trend = ch.churn_table(occ, cust, ad, period, 12, t.churn_days, back)
    summary = clv.calibration_summary(occ, ad)
    bg, gg = clv.fit_bgnbd(summary), clv.fit_gamma_gamma(summary)
    horizon = int(config.get("value.horizon_months"))
    pred = clv.predictive_clv(bg, gg, summary, horizon, float(config.get("value.discount_rate")))
    pa = pred["p_alive"] if bg.ok else None
    st = stages(occ, cust, ad, t, pa)
    method = _method(pred)
    data = kpis(
        period_row=trend.iloc[-1].to_dict(),
        customers=cust,
        stage_counts=stage_counts(st),
        feedback=fb,
        complaints=comp,
        campaigns=camps,
        segments=segment_table(scores, len(scores)),
        clv_historical=summary["mean_spend"] * (summary["x"] + 1),
        clv_predicted=pred["predicted_clv"],
        clv_method=method + (f" over {horizon} months" if len(pred) else ""),
        trend=trend,
        currency=analytics.currency(),
    )
    data["currency"] = analytics.currency()
    data["purchases_other_currency"] = left_out
    # issue 17.11: on a young or small book the segment names mislead (segments.MIN_BUYERS)
    from .segments import maturity

    first = occ["day"].min().date() if len(occ) else None
    data["segments_meaningful"], data["segments_reason"] = maturity(
        first, day, len(scores), shown=False
    )
    # issue 16: the margin next to the revenue, and the complaint categories that grow
    from ..analytics.themes import category_growth
    from .profit import period_margin

    data.update(period_margin(session, data["start"], data["end"]))
    growth = category_growth(comp, ch.period_bounds(ad, period, 12))
    data["complaints_growing"] = [r for r in growth if r["growing"]]
    # issue 15: customers and their revenue (over the tiers' window) per loyalty tier
    from .loyalty import per_tier

    tiers = per_tier(session, day)
    scale = analytics.scale()
    data["tiers"] = [
        {"tier": t["tier"], "customers": t["customers"], "revenue": t["revenue_minor"] / scale}
        for t in tiers or []
    ]
    frames = {
        "customers": cust, "occasions": occ, "refunds": back, "feedback": fb, "complaints": comp,
        "scores": scores, "trend": trend, "clv_summary": summary, "clv_predicted": pred,
        "stages": st,
    }  # fmt: skip
    return Report(kpis=data, method=method, horizon=horizon, frames=frames)


def chart_data(
    session: Session,
    day: date,
    period: str = "month",
    *,
    customers: pd.DataFrame | None = None,
    occasions: pd.DataFrame | None = None,
    refunds: pd.DataFrame | None = None,
    feedback: pd.DataFrame | None = None,
    complaints: pd.DataFrame | None = None,
    scores: pd.DataFrame | None = None,
    trend: pd.DataFrame | None = None,
    clv_summary: pd.DataFrame | None = None,
    clv_predicted: pd.DataFrame | None = None,
    stages: pd.DataFrame | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> ChartData:
    """Everything the charts show, up to `day` for the last 12 periods (month, quarter, year).

    The keyword frames are what `report` already computed (services.analytics readers,
    churn_table over 12 periods, clv.calibration_summary, clv.predictive_clv, lifecycle.stages):
    passed in, they are not read or computed again. `meanwhile` is called while the purchases
    by category are still being read (the renderer's start: io.html_report.warm_up).
    """
    import pandas as pd

    from .. import config
    from ..analytics import charts as ch
    from ..analytics import churn, clv, lifecycle, seasons
    from ..analytics.rfm import segment_table
    from . import analytics

    t = analytics.thresholds()
    ad = analytics.ts(day)
    by_category = _category_days_later(session, day)  # read while the rest is computed
    cust = analytics.customers_frame(session, day) if customers is None else customers
    occ = analytics.occasions(session, day) if occasions is None else occasions
    back = analytics.refunds_frame(session, day) if refunds is None else refunds
    fb = analytics.feedback_frame(session, day) if feedback is None else feedback
    comp = analytics.complaints_frame(session, day) if complaints is None else complaints
    scores = analytics.rfm(session, day, occ=occ) if scores is None else scores
    if trend is None:
        trend = churn.churn_table(occ, cust, ad, period, 12, t.churn_days, back)
    horizon = int(config.get("value.horizon_months"))
    summary = clv.calibration_summary(occ, ad) if clv_summary is None else clv_summary
    if clv_predicted is None:
        bg, gg = clv.fit_bgnbd(summary), clv.fit_gamma_gamma(summary)
        discount = float(config.get("value.discount_rate"))
        clv_predicted = clv.predictive_clv(bg, gg, summary, horizon, discount)
        p_alive = clv_predicted["p_alive"] if bg.ok else None
    else:
        p_alive = clv_predicted["p_alive"] if "BG/NBD" in _method(clv_predicted) else None
    if stages is None:
        stages = lifecycle.stages(occ, cust, ad, t, p_alive)
    bounds = churn.period_bounds(ad, period, 12)
    before = bounds[-1][1] - pd.Timedelta(days=1)
    first_month = (ad.to_period("M") - (MONTHS_OF_CATEGORIES - 1)).start_time
    if len(occ):  # a younger shop: from its first sale on
        first_month = max(first_month, occ["day"].min().to_period("M").start_time)
    daily = churn.revenue_days(occ, back)  # refunds on their own day, as in the sales chart
    years = range(first_month.year, day.year + 2)  # next year's: its first weeks are not ordinary
    days = seasons.holiday_days(years)
    shown = days[(days["day"] >= first_month) & (days["day"] <= ad)].reset_index(drop=True)
    stages_before = _stages_at(occ, cust, before, t)["stage"]
    if meanwhile:
        meanwhile()
    return ch.ChartData(
        as_of=day,
        period=period,
        currency=analytics.currency(),
        sales=ch.period_sales(occ, ad, period, 12, back),
        trend=trend,
        stages_before=stages_before,
        stages_now=stages["stage"],
        before=before.date(),
        scores=scores,
        segments=segment_table(scores, len(scores)),
        cohorts=churn.cohort_table(occ, ad, 12),
        feedback=ch.feedback_by_period(fb, bounds),
        complaints=ch.complaints_by_period(comp, bounds),
        resolve=ch.resolve_times(comp, bounds[0][1], bounds[-1][2]),
        categories=ch.category_months(by_category(), first_month, ad),
        holidays=shown,
        holiday_weeks=seasons.holiday_weeks(daily, days, first_month.date(), day),
        clv_historical=summary["mean_spend"] * (summary["x"] + 1),
        clv_predicted=clv_predicted["predicted_clv"],
        clv_method=_method(clv_predicted),
        horizon_months=horizon,
        segments_note=_segments_note(occ, day, len(scores)),
    )


def _segments_note(occ: pd.DataFrame, day: date, buyers: int) -> str:
    """Why the segments are not yet meaningful, shown; '' when they are (issue 17.11)."""
    from .segments import maturity

    first = occ["day"].min().date() if len(occ) else None
    return "" if not buyers else maturity(first, day, buyers)[1] or ""


def _method(pred: pd.DataFrame) -> str:
    return str(pred["method"].iloc[0]) if len(pred) else ""


def _stages_at(occ: pd.DataFrame, cust: pd.DataFrame, day: pd.Timestamp, t: Any) -> pd.DataFrame:
    """Lifecycle stages as `report` would have shown them at the end of `day`: only the
    customers known then, losses recorded by then, BG/NBD fitted on the purchases until then."""
    import pandas as pd

    from ..analytics import clv, lifecycle

    occ = occ[occ["day"] <= day]
    known = (cust["created_day"] <= day) | cust.index.isin(occ["customer_id"].unique())
    then = cust[known].copy()
    later = then["lost_day"] > day
    then.loc[later, "lost_reason"] = None
    then.loc[later, "lost_day"] = pd.NaT
    summary = clv.calibration_summary(occ, day)
    bg = clv.fit_bgnbd(summary)
    p_alive = None
    if bg.ok:
        x, tx, T = (summary[c].to_numpy(float) for c in ("x", "t_x", "T"))
        p_alive = pd.Series(clv.p_alive(bg, x, tx, T), index=summary.index)
    return lifecycle.stages(occ, then, day, t, p_alive)


def category_days(session: Session, day: date) -> pd.DataFrame:
    """Revenue (major units) per local day and product category up to `day`: day, category,
    revenue. Purchases in another currency than the configured one are left out."""
    return _category_days_later(session, day, background=False)()


def _category_days_later(
    session: Session, day: date, background: bool = True
) -> Callable[[], pd.DataFrame]:
    """category_days(), as a function that returns it when it is needed.

    One pass over all purchases, grouped in SQLite: about 0.8 s of CPU at 1M purchases, in
    which SQLite holds no Python lock. On a SQLite file it runs on a read-only connection of
    its own in a thread, so that the rest of chart_data() (and the chart renderer's start)
    overlaps with it.
    """
    import sqlite3

    import pandas as pd

    from .. import dialect
    from ..db import location, sqlite_path
    from . import analytics
    from .segments import currency_filter, end_of_day_utc, offset_sql, raw_fetch, stored

    cols = ["day", "category", "revenue"]
    scale = analytics.scale()

    def frame(rows: list[tuple]) -> pd.DataFrame:
        out = pd.DataFrame(rows, columns=["category", "d", "amount"])
        out["day"] = pd.to_datetime(out["d"].astype("int64"), unit="D")
        out["revenue"] = out["amount"].astype(float) / scale
        return out[cols]

    offset = offset_sql(session)
    if offset is None:
        return lambda: pd.DataFrame(columns=cols)
    secs = dialect.epoch_seconds_any(session, "at")
    only, _n = currency_filter(session, day)
    sql = (
        f"SELECT category, (CAST({secs} AS BIGINT) + {offset('at')}) / 86400 AS d, "
        "sum(amount_minor) FROM purchases "
        f"WHERE {dialect.unindexed(session, 'at')} < :end{only} GROUP BY 1, 2"
    )
    params = {"end": stored(end_of_day_utc(day)), "cur": analytics.currency()}
    path = sqlite_path(location())
    if not background or path is None or not path.is_file():
        rows = raw_fetch(session, sql, params)
        return lambda: frame(rows)

    def read() -> list[tuple]:
        con = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="custtrack-categories")
    future = pool.submit(read)
    pool.shutdown(wait=False)
    return lambda: frame(future.result())
