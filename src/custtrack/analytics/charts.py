"""The charts of the HTML report: the numbers behind each chart (pure functions over the frames
the services load), and each chart as a Vega-Lite spec built with altair, with its title and a
one-line reading of what it shows. Rendering them (SVG, PNG) is io.html_report's job.

altair is imported inside the chart builders only; pandas, as everywhere under analytics/, here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..i18n import _, is_chinese, ngettext, pgettext
from ..vocab import label
from .churn import period_bounds
from .lifecycle import STAGES
from .seasons import holiday_name

# The order in which the charts appear, by key
KEYS = (
    "revenue", "customers", "lifecycle", "segments", "cohorts", "feedback", "complaints",
    "season", "holidays", "clv",
)  # fmt: skip

WIDTH, HEIGHT = 520, 200
BLUE, ORANGE, GREEN, RED, GREY = "#4c78a8", "#f58518", "#54a24b", "#e45756", "#9d9d9d"


@dataclass
class Chart:
    """One chart: its key, title, one-line reading, and the altair chart (None: no data, and
    `reading` says so)."""

    key: str
    title: str
    reading: str
    chart: Any = None

    @property
    def empty(self) -> bool:
        return self.chart is None


@dataclass
class ChartData:
    """Everything the charts show, computed from the store up to `as_of` (see
    io.html_report.chart_data); each frame is documented by the function that makes it."""

    as_of: date
    period: str
    currency: str
    sales: pd.DataFrame  # period_sales()
    trend: pd.DataFrame  # analytics.churn.churn_table()
    stages_before: pd.Series  # stage per customer at the end of the previous period
    stages_now: pd.Series  # stage per customer at as_of
    before: date  # the day of stages_before
    scores: pd.DataFrame  # analytics.rfm.rfm_scores() with spend
    segments: pd.DataFrame  # analytics.rfm.segment_table()
    cohorts: pd.DataFrame  # analytics.churn.cohort_table()
    feedback: pd.DataFrame  # feedback_by_period()
    complaints: pd.DataFrame  # complaints_by_period()
    resolve: pd.DataFrame  # resolve_times()
    categories: pd.DataFrame  # category_months()
    holidays: pd.DataFrame  # seasons.holiday_days() within the months shown
    holiday_weeks: pd.DataFrame  # seasons.holiday_weeks()
    clv_historical: pd.Series
    clv_predicted: pd.Series
    clv_method: str = ""
    horizon_months: int = 12
    segments_note: str = ""  # why segments are not yet meaningful (issue 17.11), shown


# --------------------------------------------------------------------------- the numbers


def period_sales(
    occasions: pd.DataFrame,
    as_of: pd.Timestamp,
    period: str,
    count: int = 12,
    refunds: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Revenue and orders (occasions) per period, the same days a year earlier, and the
    previous period over as many days as the last one has (it may be unfinished). Refunds
    count in the period they were made (churn.revenue_days).

    Columns: period, start, end, partial (the period is not over at as_of), revenue, orders,
    prev_revenue, prev_orders (a year earlier), last_revenue (the period before, over the same
    number of days as this one).
    """
    from .churn import revenue_days

    revenue = revenue_days(occasions, refunds)
    days = revenue.index.to_numpy("datetime64[ns]")
    csum = np.r_[0.0, revenue.cumsum().to_numpy(float)]
    orders = occasions.groupby("day").size().sort_index()
    order_days = orders.index.to_numpy("datetime64[ns]")
    ccount = np.r_[0, orders.cumsum().to_numpy("int64")]

    def window(start: pd.Timestamp, end: pd.Timestamp) -> tuple[float, int]:
        s, e = start.to_datetime64(), end.to_datetime64()
        lo, hi = np.searchsorted(days, s, side="left"), np.searchsorted(days, e, side="right")
        olo = np.searchsorted(order_days, s, side="left")
        ohi = np.searchsorted(order_days, e, side="right")
        return float(csum[hi] - csum[lo]), int(ccount[ohi] - ccount[olo])

    freq = {"month": "M", "quarter": "Q", "year": "Y"}[period]
    year = pd.DateOffset(years=1)
    rows = []
    for label_, start, end in period_bounds(as_of, period, count):
        natural_end = as_of.to_period(freq).end_time.normalize() if end == as_of else end
        revenue, orders = window(start, end)
        prev_revenue, prev_orders = window(start - year, end - year)
        before_start = (start.to_period(freq) - 1).start_time.normalize()
        before_end = min(before_start + (end - start), start - pd.Timedelta(days=1))
        last_revenue, _n = window(before_start, before_end)
        rows.append(
            {
                "period": label_, "start": start.date(), "end": end.date(),
                "partial": bool(end < natural_end), "revenue": revenue, "orders": orders,
                "prev_revenue": prev_revenue, "prev_orders": prev_orders,
                "last_revenue": last_revenue,
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def stage_flow(before: pd.Series, now: pd.Series) -> pd.DataFrame:
    """Customers by (stage before, stage now); from_stage "added" for customers recorded since.
    Columns: from_stage, to_stage, customers (only pairs with customers), in STAGES order."""
    joined = pd.DataFrame({"to_stage": now})
    joined["from_stage"] = before.reindex(now.index).fillna("added")
    counts = joined.groupby(["from_stage", "to_stage"]).size().rename("customers").reset_index()
    order = {s: i for i, s in enumerate(("added", *STAGES))}
    counts["_a"] = counts["from_stage"].map(order)
    counts["_b"] = counts["to_stage"].map(order)
    counts = counts.sort_values(["_a", "_b"]).drop(columns=["_a", "_b"])
    return counts.reset_index(drop=True)


def segment_cells(scores: pd.DataFrame) -> pd.DataFrame:
    """The segment map: one row per (r, fm) cell, 1–5 each, with its segment and customers."""
    from ..services.segments import GRID

    counts = scores.groupby(["r", "fm"]).size() if len(scores) else pd.Series(dtype="int64")
    rows = [
        {"r": r, "fm": fm, "segment": GRID[(r, fm)], "customers": int(counts.get((r, fm), 0))}
        for r in range(1, 6)
        for fm in range(1, 6)
    ]
    return pd.DataFrame(rows)


def cohort_cells(cohorts: pd.DataFrame, last: int = 12) -> pd.DataFrame:
    """The cohort table (analytics.churn.cohort_table) of the `last` cohorts as one row per
    cohort and month since the first purchase (k ≥ 1) that was reached: cohort, customers, k,
    share."""
    cols = ["cohort", "customers", "k", "share"]
    if cohorts.empty:
        return pd.DataFrame(columns=cols)
    part = cohorts.tail(last)
    months = [c for c in part.columns if c.startswith("m") and c != "m0"]
    long = part.melt(id_vars=["cohort", "customers"], value_vars=months, value_name="share")
    long["k"] = long["variable"].str[1:].astype(int)
    long = long.dropna(subset=["share"])
    long["share"] = long["share"].astype(float)
    return long[cols].sort_values(["cohort", "k"]).reset_index(drop=True)


def retention_after(cohorts: pd.DataFrame, k: int) -> float | None:
    """The share of customers who bought in month k after their first, weighted by cohort size
    over the cohorts that reached month k (None if none did)."""
    col = f"m{k}"
    if cohorts.empty or col not in cohorts:
        return None
    part = cohorts[cohorts[col].notna()]
    size = part["customers"].sum()
    return float((part[col] * part["customers"]).sum() / size) if size else None


def feedback_by_period(feedback: pd.DataFrame, bounds: list[tuple]) -> pd.DataFrame:
    """CSAT and NPS per period (analytics.report.feedback_kpis over each (label, start, end)):
    period, csat_responses, csat_satisfied_share, csat_mean, nps_responses, nps."""
    from .report import feedback_kpis

    rows = []
    for label_, start, end in bounds:
        k = feedback_kpis(feedback, start, end)
        keys = ("csat_responses", "csat_satisfied_share", "csat_mean", "nps_responses", "nps")
        rows.append({"period": label_, **{c: k[c] for c in keys}})
    return pd.DataFrame(rows)


def complaints_by_period(complaints: pd.DataFrame, bounds: list[tuple]) -> pd.DataFrame:
    """Complaints opened per period and category: period, category, opened (pairs with none
    left out)."""
    rows = []
    for label_, start, end in bounds:
        day = complaints["opened_day"]
        part = complaints[(day >= start) & (day <= end)]
        for cat, n in part["category"].fillna("other").value_counts(sort=False).items():
            rows.append({"period": label_, "category": cat, "opened": int(n)})
    frame = pd.DataFrame(rows, columns=["period", "category", "opened"])
    return frame.sort_values(["period", "category"], kind="stable").reset_index(drop=True)


def resolve_times(complaints: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Per category, complaints resolved between start and end: resolved, mean_hours,
    median_hours (sorted by category)."""
    day = complaints["resolved_day"]
    done = complaints[(day >= start) & (day <= end)]
    hours = (done["resolved"] - done["opened"]).dt.total_seconds() / 3600
    frame = pd.DataFrame({"category": done["category"].fillna("other"), "hours": hours})
    g = frame.groupby("category")["hours"]
    out = pd.DataFrame({"resolved": g.size(), "mean_hours": g.mean(), "median_hours": g.median()})
    return out.reset_index().sort_values("category").reset_index(drop=True)


def category_months(
    daily: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, top: int = 6
) -> pd.DataFrame:
    """Revenue per month and product category from (day, category, revenue) rows between
    start and end: month (first day), category, revenue. The `top` categories by revenue keep
    their name; the rest become "" (other), a missing category "(none)"."""
    cols = ["month", "category", "revenue"]
    part = daily[(daily["day"] >= start) & (daily["day"] <= end)].copy()
    if part.empty:
        return pd.DataFrame(columns=cols)
    part["category"] = part["category"].fillna("(none)")
    ranked = part.groupby("category")["revenue"].sum().sort_values(ascending=False)
    kept = set(ranked.index[:top]) if len(ranked) > top + 1 else set(ranked.index)
    part.loc[~part["category"].isin(kept), "category"] = ""
    part["month"] = part["day"].dt.to_period("M").dt.start_time
    out = part.groupby(["month", "category"], as_index=False)["revenue"].sum()
    return out[cols].sort_values(["month", "category"]).reset_index(drop=True)


def clv_histogram(historical: pd.Series, predicted: pd.Series, bins: int = 20) -> pd.DataFrame:
    """Customers per CLV band, the same bands for both: kind (historical or predicted), start,
    end, customers. Bands are equal up to the 95th percentile; the last one takes the rest (the
    distribution has a long tail)."""
    cols = ["kind", "start", "end", "customers"]
    values = pd.concat([historical, predicted]).dropna()
    if values.empty:
        return pd.DataFrame(columns=cols)
    top = float(np.quantile(values, 0.95))
    top = top if top > 0 else float(values.max()) or 1.0
    step = _nice_step(top / bins)
    edges = np.arange(0, top + step, step)
    rows = []
    for kind, series in (("historical", historical), ("predicted", predicted)):
        v = series.dropna().to_numpy(float)
        idx = np.minimum((np.maximum(v, 0) // step).astype(int), len(edges) - 1)
        counts = np.bincount(idx, minlength=len(edges))
        for i, n in enumerate(counts):
            rows.append(
                {"kind": kind, "start": float(edges[i]), "end": float(edges[i] + step),
                 "customers": int(n)}
            )  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def _nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at least `raw`."""
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw:
            return float(m * power)
    return float(10 * power)


# --------------------------------------------------------------------------- words and numbers


def _gap() -> str:
    """Between two sentences: a space in English, nothing after a Chinese full stop."""
    return "" if is_chinese() else " "


def _count(n: float) -> str:
    return f"{int(n):,}"


def _pct(x: float | None, digits: int = 0) -> str:
    return "—" if x is None or pd.isna(x) else f"{100 * x:.{digits}f}%"


def _signed(x: float | None) -> str:
    """+12% / −3% / ±0%."""
    if x is None or pd.isna(x) or not math.isfinite(x):
        return "—"
    pct = round(100 * x)
    return "±0%" if pct == 0 else f"{pct:+d}%".replace("-", "−")


def _change(now: float, before: float) -> float | None:
    return now / before - 1 if before else None


def _money(amount: float, currency: str) -> str:
    from ..validate import currency_exponent, money_text

    return money_text(round(amount * 10 ** currency_exponent(currency)), currency)


def unit(currency: str) -> str:
    """The currency as an axis unit: 元 for CNY in Chinese, else the code."""
    return pgettext("currency", "CNY") if currency == "CNY" else currency


def _stage(name: str) -> str:
    return _("(added since)") if name == "added" else label("stage", name)


def _category(name: str) -> str:
    """A product category as typed; the bucket of the smaller ones and a missing one named."""
    if name == "":
        return _("other categories")
    if name == "(none)":
        return _("(no category)")
    return name


def method_text(method: str) -> str:
    """'BG/NBD + Gamma-Gamma' and its catalogue parts (heuristic, own mean spend) translated."""
    return " + ".join(_(part) for part in method.split(" + ")) if method else ""


# --------------------------------------------------------------------------- the charts


def charts(data: ChartData) -> list[Chart]:
    """Every chart of the report, in KEYS order."""
    return [
        revenue_chart(data), customers_chart(data), lifecycle_chart(data),
        segments_chart(data), cohorts_chart(data), feedback_chart(data),
        complaints_chart(data), season_chart(data), holidays_chart(data), clv_chart(data),
    ]  # fmt: skip


def _alt() -> Any:
    import altair as alt

    return alt


def _period_axis(data: ChartData) -> str:
    return {"month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}[data.period]


def _legend(alt: Any) -> Any:
    return alt.Legend(title=None, orient="top", direction="horizontal")


def revenue_chart(data: ChartData) -> Chart:
    title = _("Revenue and orders")
    s = data.sales
    if s.empty or (s[["revenue", "prev_revenue"]].to_numpy().sum() == 0):
        return Chart("revenue", title, _("No purchases in these periods yet."))
    alt = _alt()
    this, prev = _("This period"), _("Same period a year earlier")
    cur = data.currency
    rows = []
    for r in s.to_dict("records"):
        rows.append({"period": r["period"], "series": this, "revenue": r["revenue"],
                     "orders": r["orders"], "partial": r["partial"]})  # fmt: skip
        rows.append({"period": r["period"], "series": prev, "revenue": r["prev_revenue"],
                     "orders": r["prev_orders"], "partial": False})  # fmt: skip
    frame = pd.DataFrame(rows)
    color = alt.Color(
        "series:N", scale=alt.Scale(domain=[this, prev], range=[BLUE, ORANGE]), legend=_legend(alt)
    )
    x = alt.X("period:O", title=_period_axis(data), sort=None, axis=alt.Axis(labelAngle=-40))

    def panel(field_: str, axis_title: str, fmt: str, show_x: bool) -> Any:
        base = alt.Chart(frame).encode(
            x=x if show_x else alt.X("period:O", sort=None, axis=None),
            y=alt.Y(f"{field_}:Q", title=axis_title, axis=alt.Axis(format=fmt)),
            color=color,
        )
        bars = (
            base.transform_filter(alt.datum.series == this)
            .mark_bar()
            .encode(opacity=alt.condition(alt.datum.partial, alt.value(0.45), alt.value(1.0)))
        )
        line = base.transform_filter(alt.datum.series == prev).mark_line(
            point=True, strokeDash=[5, 3]
        )
        return (bars + line).properties(width=WIDTH, height=HEIGHT * 0.8)

    chart = alt.vconcat(
        panel("revenue", _("Revenue ({unit})").format(unit=unit(cur)), "~s", False),
        panel("orders", _("Orders"), "~s", True),
        spacing=8,
    )
    last = s.iloc[-1]
    amount = _money(last["revenue"], cur)
    change = _change(last["revenue"], last["last_revenue"])
    previous = s.iloc[-2]["period"] if len(s) > 1 else ""
    if last["partial"]:
        period = _("{period} up to {day}").format(period=last["period"], day=last["end"])
        previous = _("the same days of {period}").format(period=previous)
    else:
        period = last["period"]
    if change is None:
        reading = _("Revenue in {period}: {amount}; {previous} had none.")
    elif change > 0.005:
        reading = _("Revenue in {period}: {amount}, {pct} more than in {previous}.")
    elif change < -0.005:
        reading = _("Revenue in {period}: {amount}, {pct} less than in {previous}.")
    else:
        reading = _("Revenue in {period}: {amount}, the same as in {previous}.")
    reading = reading.format(
        period=period, amount=amount, previous=previous, pct=_pct(abs(change or 0))
    )
    yoy = _change(last["revenue"], last["prev_revenue"])
    if yoy is not None:
        reading += _gap() + _("A year earlier: {amount} ({change}).").format(
            amount=_money(last["prev_revenue"], cur), change=_signed(yoy)
        )
    if last["partial"]:
        reading += _gap() + _("The last, lighter bar is the period so far.")
    return Chart("revenue", title, reading, chart)


def customers_chart(data: ChartData) -> Chart:
    title = _("Active customers, new buyers and churned customers")
    t = data.trend
    if t.empty or t[["active_end", "new_buyers", "churned"]].to_numpy().sum() == 0:
        return Chart("customers", title, _("No customers have bought in these periods yet."))
    alt = _alt()
    x = alt.X("period:O", title=_period_axis(data), sort=None, axis=alt.Axis(labelAngle=-40))
    active = (
        alt.Chart(t[["period", "active_end"]])
        .mark_line(point=True, color=BLUE)
        .encode(
            x=alt.X("period:O", sort=None, axis=None),
            y=alt.Y("active_end:Q", title=_("Active customers"), axis=alt.Axis(format="~s")),
        )
        .properties(width=WIDTH, height=HEIGHT * 0.7)
    )
    new, churned = _("New buyers"), _("Churned")
    long = pd.concat(
        [
            pd.DataFrame({"period": t["period"], "series": new, "customers": t["new_buyers"]}),
            pd.DataFrame({"period": t["period"], "series": churned, "customers": t["churned"]}),
        ]
    )
    moves = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=x,
            xOffset=alt.XOffset("series:N", sort=[new, churned]),
            y=alt.Y("customers:Q", title=_("Customers"), axis=alt.Axis(format="~s")),
            color=alt.Color(
                "series:N", scale=alt.Scale(domain=[new, churned], range=[GREEN, RED]),
                legend=_legend(alt),
            ),
        )
        .properties(width=WIDTH, height=HEIGHT * 0.8)
    )  # fmt: skip
    chart = alt.vconcat(active, moves, spacing=8)
    last = t.iloc[-1]
    before = int(last["active_start"])
    reading = _(
        "{active} at the end of {period} ({change} on its start); {new} and {churned} in it."
    ).format(
        active=ngettext(
            "{n} active customer", "{n} active customers", int(last["active_end"])
        ).format(n=_count(last["active_end"])),
        period=last["period"],
        change=_signed(_change(last["active_end"], before)),
        new=ngettext("{n} new buyer", "{n} new buyers", int(last["new_buyers"])).format(
            n=_count(last["new_buyers"])
        ),
        churned=ngettext("{n} churned", "{n} churned", int(last["churned"])).format(
            n=_count(last["churned"])
        ),
    )
    return Chart("customers", title, reading, chart)


def lifecycle_chart(data: ChartData) -> Chart:
    title = _("Customers by lifecycle stage, and how they moved")
    now, before = data.stages_now, data.stages_before
    if now.empty:
        return Chart("lifecycle", title, _("No customers yet."))
    alt = _alt()
    then_label = _("On {day}").format(day=data.before)
    now_label = _("On {day}").format(day=data.as_of)
    stage_names = [label("stage", s) for s in STAGES]
    counts = []
    for series, when in ((before, then_label), (now, now_label)):
        vc = series.value_counts()
        for s in STAGES:
            counts.append(
                {"stage": label("stage", s), "when": when, "customers": int(vc.get(s, 0))}
            )
    bars = (
        alt.Chart(pd.DataFrame(counts))
        .mark_bar()
        .encode(
            x=alt.X("stage:N", sort=stage_names, title=_("Lifecycle stage"),
                    axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("when:N", sort=[then_label, now_label]),
            y=alt.Y("customers:Q", title=_("Customers"), axis=alt.Axis(format="~s")),
            color=alt.Color("when:N", scale=alt.Scale(domain=[then_label, now_label],
                            range=[GREY, BLUE]), legend=_legend(alt)),
        )
        .properties(width=WIDTH, height=HEIGHT * 0.8)
    )  # fmt: skip
    flow = stage_flow(before, now)
    flow["from_label"] = flow["from_stage"].map(_stage)
    flow["to_label"] = flow["to_stage"].map(_stage)
    from_names = [_stage(s) for s in ("added", *STAGES)]
    base = alt.Chart(flow).encode(
        x=alt.X("to_label:N", sort=stage_names, title=_("Stage now"),
                axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("from_label:N", sort=from_names, title=_("Stage before")),
    )  # fmt: skip
    cells = base.mark_rect().encode(
        color=alt.Color(
            "customers:Q", scale=alt.Scale(scheme="blues", type="sqrt"),
            title=_("Customers"), legend=None,
        )
    )  # fmt: skip
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("customers:Q", format=","),
        color=alt.condition(
            alt.datum.customers > flow["customers"].max() / 3, alt.value("white"),
            alt.value("#222"),
        ),
    )  # fmt: skip
    matrix = (cells + text).properties(width=WIDTH, height=22 * len(from_names))
    chart = alt.vconcat(bars, matrix, spacing=12)
    largest = now.value_counts().idxmax()
    moved = flow[(flow["from_stage"] != flow["to_stage"]) & (flow["from_stage"] != "added")]
    reading = _("Largest stage: {stage} ({n}).").format(
        stage=label("stage", largest), n=_count(now.value_counts().max())
    )
    if len(moved):
        top = moved.sort_values("customers", ascending=False, kind="stable").iloc[0]
        reading += _gap() + _("Largest move since {day}: {n} from {before} to {now}.").format(
            day=data.before,
            n=ngettext("{n} customer", "{n} customers", int(top["customers"])).format(
                n=_count(top["customers"])
            ),
            before=label("stage", top["from_stage"]),
            now=label("stage", top["to_stage"]),
        )
    return Chart("lifecycle", title, reading, chart)


def segments_chart(data: ChartData) -> Chart:
    from ..services.segments import SEGMENT_NAMES

    title = _("RFM segment map")
    if data.scores.empty:
        return Chart("segments", title, _("No purchases yet: nobody to segment."))
    alt = _alt()
    names = [label("segment", s) for s in SEGMENT_NAMES]
    cells = segment_cells(data.scores)
    cells["name"] = cells["segment"].map(lambda s: label("segment", s))
    palette = [
        "#1f77b4", "#2ca02c", "#98df8a", "#17becf", "#9edae5", "#bcbd22",
        "#ffbb78", "#ff7f0e", "#d62728", "#c5b0d5", "#7f7f7f",
    ]  # fmt: skip
    base = alt.Chart(cells).encode(
        x=alt.X("fm:O", title=_("FM score (frequency and monetary)"), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("r:O", sort="descending", title=_("R score (recency)")),
    )
    rect = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "name:N", scale=alt.Scale(domain=names, range=palette),
            legend=alt.Legend(title=_("Segment"), columns=1, symbolType="square"),
        )
    )  # fmt: skip
    text = base.mark_text(fontSize=11, color="#111").encode(
        text=alt.Text("customers:Q", format=",")
    )
    grid = (rect + text).properties(width=260, height=200)
    seg = data.segments
    long = []
    customers, revenue = _("Share of customers"), _("Share of revenue")
    for r in seg.to_dict("records"):
        for measure, value in ((customers, r["share_customers"]), (revenue, r["share_revenue"])):
            long.append({"segment": label("segment", r["segment"]), "measure": measure,
                         "share": value or 0.0})  # fmt: skip
    shares = (
        alt.Chart(pd.DataFrame(long))
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", sort=names, title=None),
            yOffset=alt.YOffset("measure:N", sort=[customers, revenue]),
            x=alt.X("share:Q", title=_("Share (%)"), axis=alt.Axis(format="%")),
            color=alt.Color("measure:N", scale=alt.Scale(domain=[customers, revenue],
                            range=[GREY, BLUE]), legend=_legend(alt)),
        )
        .properties(width=WIDTH, height=18 * len(names))
    )  # fmt: skip
    chart = alt.vconcat(grid, shares, spacing=14).resolve_scale(color="independent")
    best = seg.dropna(subset=["share_revenue"]).sort_values(
        "share_revenue", ascending=False, kind="stable"
    )
    reading = ""
    if len(best):
        top = best.iloc[0]
        reading = _("{segment}: {customers} of customers bring {revenue} of revenue.").format(
            segment=label("segment", top["segment"]),
            customers=_pct(top["share_customers"]),
            revenue=_pct(top["share_revenue"]),
        )
    if data.segments_note:  # a young book: the names would mislead (services.segments)
        reading = data.segments_note
    reading += _gap() + _("Numbers in the map: customers per R and FM score.")
    return Chart("segments", title, reading.strip(), chart)


def cohorts_chart(data: ChartData) -> Chart:
    title = _("Cohort retention")
    cells = cohort_cells(data.cohorts)
    if cells.empty:
        return Chart("cohorts", title, _("No repeat purchases to follow yet."))
    alt = _alt()
    cells["row"] = [
        _("{cohort} ({n})").format(cohort=c, n=_count(n))
        for c, n in zip(cells["cohort"], cells["customers"], strict=True)
    ]
    rows = list(dict.fromkeys(cells["row"]))
    base = alt.Chart(cells).encode(
        x=alt.X("k:O", title=_("Months since the first purchase"), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("row:N", sort=rows, title=_("First purchase month (customers)")),
    )
    top = float(cells["share"].max()) or 1.0
    rect = base.mark_rect().encode(
        color=alt.Color(
            "share:Q", scale=alt.Scale(scheme="greens", domain=[0, top]),
            legend=alt.Legend(title=_("Bought again"), format="%"),
        )
    )  # fmt: skip
    text = base.mark_text(fontSize=9).encode(
        text=alt.Text("share:Q", format=".0%"),
        color=alt.condition(alt.datum.share > top * 0.6, alt.value("white"), alt.value("#222")),
    )
    chart = (rect + text).properties(width=WIDTH, height=20 * len(rows))
    m1, m3 = retention_after(data.cohorts, 1), retention_after(data.cohorts, 3)
    if m1 is None:
        reading = _("No cohort has reached its second month yet.")
    elif m3 is None:
        reading = _("{m1} of new buyers bought again in the month after their first purchase.")
    else:
        reading = _(
            "{m1} of new buyers bought again in the month after their first purchase, {m3} "
            "three months after."
        )
    return Chart("cohorts", title, reading.format(m1=_pct(m1, 1), m3=_pct(m3, 1)), chart)


def feedback_chart(data: ChartData) -> Chart:
    title = _("Satisfaction (CSAT) and NPS")
    fb = data.feedback
    if fb.empty or (fb["csat_responses"].sum() + fb["nps_responses"].sum()) == 0:
        return Chart("feedback", title, _("No feedback in these periods."))
    alt = _alt()
    x_none = alt.X("period:O", sort=None, axis=None)
    csat = (
        alt.Chart(fb)
        .mark_line(point=True, color=GREEN)
        .encode(
            x=x_none,
            y=alt.Y("csat_satisfied_share:Q", title=_("CSAT, satisfied (%)"),
                    scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        )
        .properties(width=WIDTH, height=HEIGHT * 0.55)
    )  # fmt: skip
    nps = (
        alt.Chart(fb)
        .mark_line(point=True, color=BLUE)
        .encode(
            x=x_none,
            y=alt.Y("nps:Q", title=_("NPS (−100 to 100)"), scale=alt.Scale(domain=[-100, 100])),
        )
        .properties(width=WIDTH, height=HEIGHT * 0.55)
    )
    a, b = _("CSAT answers"), _("NPS answers")
    long = pd.concat(
        [
            pd.DataFrame({"period": fb["period"], "series": a, "answers": fb["csat_responses"]}),
            pd.DataFrame({"period": fb["period"], "series": b, "answers": fb["nps_responses"]}),
        ]
    )
    answers = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("period:O", title=_period_axis(data), sort=None,
                    axis=alt.Axis(labelAngle=-40)),
            xOffset=alt.XOffset("series:N", sort=[a, b]),
            y=alt.Y("answers:Q", title=_("Answers")),
            color=alt.Color("series:N", scale=alt.Scale(domain=[a, b], range=[GREEN, BLUE]),
                            legend=_legend(alt)),
        )
        .properties(width=WIDTH, height=HEIGHT * 0.55)
    )  # fmt: skip
    chart = alt.vconcat(csat, nps, answers, spacing=8)
    answered = fb[(fb["csat_responses"] > 0) | (fb["nps_responses"] > 0)]
    last = answered.iloc[-1]
    reading = _("{period}: {csat} satisfied ({n}); NPS {nps} ({m}).").format(
        period=last["period"],
        csat=_pct(last["csat_satisfied_share"]),
        n=ngettext("{n} answer", "{n} answers", int(last["csat_responses"])).format(
            n=_count(last["csat_responses"])
        ),
        nps="—" if pd.isna(last["nps"]) else f"{last['nps']:.0f}",
        m=ngettext("{n} answer", "{n} answers", int(last["nps_responses"])).format(
            n=_count(last["nps_responses"])
        ),
    )
    return Chart("feedback", title, reading, chart)


def complaints_chart(data: ChartData) -> Chart:
    title = _("Complaints by category and time to resolve")
    opened, res = data.complaints, data.resolve
    if opened.empty and res.empty:
        return Chart("complaints", title, _("No complaints in these periods."))
    alt = _alt()
    cats = sorted(set(opened["category"]) | set(res["category"]))
    names = [label("complaint_category", c) for c in cats]
    scale = alt.Scale(domain=names, scheme="tableau10")
    color = alt.Color("name:N", scale=scale, legend=_legend(alt))
    frame = opened.assign(name=opened["category"].map(lambda c: label("complaint_category", c)))
    periods = list(data.trend["period"]) if len(data.trend) else list(frame["period"].unique())
    per_period = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("period:O", sort=periods, scale=alt.Scale(domain=periods),
                    title=_period_axis(data), axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("opened:Q", title=_("Complaints opened"), stack="zero"),
            color=color,
        )
        .properties(width=WIDTH, height=HEIGHT * 0.8)
    )  # fmt: skip
    parts = [per_period] if len(frame) else []
    if len(res):
        r = res.assign(name=res["category"].map(lambda c: label("complaint_category", c)))
        r["note"] = [
            ngettext("{n} resolved", "{n} resolved", int(n)).format(n=_count(n))
            for n in r["resolved"]
        ]
        base = alt.Chart(r).encode(
            y=alt.Y("name:N", sort=names, title=None),
            x=alt.X("mean_hours:Q", title=_("Mean hours to resolve (h)")),
        )
        hours = (
            base.mark_bar().encode(color=alt.Color("name:N", scale=scale, legend=None))
            + base.mark_text(align="left", dx=4, fontSize=10, color="#333").encode(text="note:N")
        ).properties(width=WIDTH - 80, height=20 * len(r))
        parts.append(hours)
    chart = alt.vconcat(*parts, spacing=14)
    totals = opened.groupby("category")["opened"].sum()
    reading = ""
    if totals.sum():
        top = totals.idxmax()
        reading = _("Most complaints were about {category} ({share}).").format(
            category=label("complaint_category", top), share=_pct(totals[top] / totals.sum())
        )
    if len(res):
        slow = res.sort_values("mean_hours", ascending=False, kind="stable").iloc[0]
        reading += _gap() + _("Slowest to resolve: {category}, {hours} h on average.").format(
            category=label("complaint_category", slow["category"]),
            hours=f"{slow['mean_hours']:.1f}",
        )
    return Chart("complaints", title, reading.strip(), chart)


def season_chart(data: ChartData) -> Chart:
    title = _("Revenue by product category, with Chinese holidays")
    cm = data.categories
    if cm.empty or cm["revenue"].sum() == 0:
        return Chart("season", title, _("No purchases in these months."))
    alt = _alt()
    frame = cm.assign(name=cm["category"].map(_category))
    totals = frame.groupby("name")["revenue"].sum().sort_values(ascending=False)
    order = list(totals.index)
    best = frame.groupby("month")["revenue"].sum()
    headroom = float(best.max()) * 1.3  # the holidays' names go above the bars
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):T", title=_("Month"),
                    axis=alt.Axis(format="%Y-%m", labelAngle=-40, tickCount="month")),
            y=alt.Y("revenue:Q", title=_("Revenue ({unit})").format(unit=unit(data.currency)),
                    axis=alt.Axis(format="~s"), scale=alt.Scale(domain=[0, headroom])),
            color=alt.Color("name:N", sort=order, scale=alt.Scale(scheme="tableau10"),
                            legend=_legend(alt)),
            order=alt.Order("revenue:Q", sort="descending"),
        )
    )  # fmt: skip
    layers = [bars]
    hol = data.holidays
    if len(hol):
        marks = hol.assign(
            name=hol["holiday"].map(holiday_name), level=[i % 3 for i in range(len(hol))]
        )
        rule = alt.Chart(marks).mark_rule(color="#555", strokeDash=[2, 2], opacity=0.7)
        names = (
            alt.Chart(marks)
            .mark_text(align="left", dx=2, fontSize=9, color="#333", baseline="top")
            .encode(
                x="day:T",
                y=alt.Y("level:O", axis=None, scale=alt.Scale(range=[2, 26], padding=0)),
                text="name:N",
            )
        )
        layers += [rule.encode(x="day:T"), names]
    chart = alt.layer(*layers).resolve_scale(y="independent").properties(width=WIDTH, height=HEIGHT)
    best = frame.groupby("month")["revenue"].sum()
    reading = _(
        "Most revenue came from {category} ({share}); the best month was {month} ({amount})."
    )
    reading = reading.format(
        category=order[0],
        share=_pct(totals.iloc[0] / totals.sum()),
        month=best.idxmax().strftime("%Y-%m"),
        amount=_money(best.max(), data.currency),
    )
    return Chart("season", title, reading, chart)


def holidays_chart(data: ChartData) -> Chart:
    title = _("Weeks around holidays compared with ordinary weeks")
    hw = data.holiday_weeks
    if hw.empty or hw["lift"].isna().all():
        return Chart(
            "holidays", title, _("Not enough whole weeks of sales yet to compare holidays.")
        )
    alt = _alt()
    frame = hw.dropna(subset=["lift"]).assign(
        name=lambda f: f["holiday"].map(holiday_name),
        text=lambda f: f["lift"].map(_signed),
    )
    names = list(frame["name"])
    base = alt.Chart(frame).encode(
        y=alt.Y("name:N", sort=names, title=None),
        x=alt.X("lift:Q", title=_("Weekly revenue against ordinary weeks (%)"),
                axis=alt.Axis(format="+%")),
    )  # fmt: skip
    bars = base.mark_bar().encode(
        color=alt.condition(alt.datum.lift >= 0, alt.value(GREEN), alt.value(RED))
    )
    text = base.mark_text(align="left", dx=4, fontSize=10).encode(text="text:N")
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#333").encode(x="x:Q")
    chart = (bars + text + zero).properties(width=WIDTH - 80, height=24 * len(frame))
    top = frame.sort_values("lift", ascending=False, kind="stable").iloc[0]
    if top["lift"] > 0:
        reading = _("The weeks around {holiday} sold {pct} more than ordinary weeks.")
    else:
        reading = _(
            "No holiday sold more than ordinary weeks; {holiday} came closest ({pct} less)."
        )
    reading = reading.format(holiday=top["name"], pct=_pct(abs(top["lift"])))
    reading += _gap() + _("Around = the week of the holiday and the week before.")
    return Chart("holidays", title, reading, chart)


def clv_chart(data: ChartData) -> Chart:
    title = _("Customer lifetime value (CLV)")
    hist = clv_histogram(data.clv_historical, data.clv_predicted)
    if hist.empty:
        return Chart("clv", title, _("No purchases yet: no lifetime value to show."))
    alt = _alt()
    cur = unit(data.currency)
    names = {
        "historical": _("Historical (spent so far)"),
        "predicted": _("Predicted, next {n} months").format(n=data.horizon_months),
    }
    hist["name"] = hist["kind"].map(names)
    top = float(hist["end"].max())
    parts = []
    for kind, color in (("historical", BLUE), ("predicted", ORANGE)):
        part = hist[hist["kind"] == kind]
        last = kind == "predicted"
        parts.append(
            alt.Chart(part, title=alt.TitleParams(names[kind], fontSize=12, anchor="start"))
            .mark_bar(color=color)
            .encode(
                x=alt.X("start:Q", bin="binned", scale=alt.Scale(domain=[0, top]),
                        title=_("CLV ({unit}); the last band includes everything above").format(
                            unit=cur) if last else None, axis=alt.Axis(format="~s")),
                x2="end:Q",
                y=alt.Y("customers:Q", title=_("Customers"), axis=alt.Axis(format="~s")),
            )
            .properties(width=WIDTH, height=HEIGHT * 0.6)
        )  # fmt: skip
    chart = alt.vconcat(*parts, spacing=10)
    h, p = data.clv_historical.dropna(), data.clv_predicted.dropna()
    reading = _("Median CLV so far: {hist}; predicted for the next {n} months: {pred}.").format(
        hist=_money(float(h.median()), data.currency) if len(h) else "—",
        pred=_money(float(p.median()), data.currency) if len(p) else "—",
        n=data.horizon_months,
    )
    if data.clv_method:
        reading += _gap() + _("Method: {method}.").format(method=method_text(data.clv_method))
    return Chart("clv", title, reading, chart)
