"""Analytics commands: rfm, segments, lifecycle, churn, value, report, suggest, lost, campaign.

Each reads the store up to --as-of (default today) and never writes, except `lost` and
`campaign add`. pandas and scipy are imported inside the commands only.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..vocab import CHANNELS, LOST_REASONS
from ._app import app, sub_app
from ._options import AsOfOpt, CustomerArg, FormatOpt, LimitOpt, apply_as_of, check_format

PANEL = "Analytics"

campaign_app = sub_app(
    "campaign", "Marketing campaigns: their cost and the customers they bring.", "Analytics"
)

RULE = (
    "Scores 1–5 by quintiles over the customers who bought: each value gets its mid-rank "
    "(tied values share the mean of their positions), p = (midrank − ½) / n and score = "
    "1 + floor(5p). So 5 customers score 1…5, 7 score 1,2,2,3,4,4,5, one customer or an "
    "all-tied book scores 3. Recent buyers score high on R. Fixed cut points in the config "
    "(rfm.recency_cuts etc., four ascending numbers) replace the quintiles."
)


def _doc(text: str) -> str:
    """A docstring as --help text: the lines of each paragraph joined, so Rich wraps them."""
    paras = [" ".join(line.strip() for line in p.splitlines()) for p in text.split("\n\n")]
    return "\n\n".join(p.strip() for p in paras if p.strip())


def _command(group: typer.Typer = app, name: str | None = None) -> Any:
    """Register a command with its docstring reflowed for --help."""

    def register(func: Any) -> Any:
        kw = {"rich_help_panel": PANEL} if group is app else {}
        return group.command(name, help=_doc(func.__doc__ or ""), **kw)(func)

    return register


def _as_of(as_of: str | None) -> Any:
    from .. import clock

    apply_as_of(as_of)
    return clock.today()


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def _records(frame: Any) -> list[dict[str, Any]]:
    """DataFrame rows as JSON-ready dicts: NaN → None, numpy → Python, timestamps → dates."""
    import pandas as pd

    rows = []
    for rec in frame.to_dict("records"):
        row = {}
        for k, v in rec.items():
            if isinstance(v, pd.Timestamp):
                v = v.date()
            elif v is pd.NaT or (not isinstance(v, str | list | dict) and pd.isna(v)):
                v = None
            elif hasattr(v, "item"):
                v = v.item()
            row[k] = v
        rows.append(row)
    return rows


@_command()
def rfm(
    monetary: Annotated[
        str, typer.Option(help="total (spend so far) or mean (per purchase occasion).")
    ] = "total",
    segment: Annotated[str | None, typer.Option(help="Only customers in this segment.")] = None,
    sort: Annotated[
        str, typer.Option(help="score, recency, frequency, monetary or name.")
    ] = "score",
    limit: LimitOpt = 0,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Recency, frequency and monetary value of every customer who bought, scored 1–5.

    Recency = days since the last purchase; Frequency = purchase occasions (all purchases of
    one customer on one local day are one occasion); Monetary = total spend (or --monetary mean).

    Scores 1–5 by quintiles over the customers who bought: each value gets its mid-rank (tied
    values share it), p = (midrank − ½)/n, score = 1 + floor(5p); 5 customers score 1…5, 7 score
    1,2,2,3,4,4,5, one customer or all tied score 3. Config rfm.recency_cuts /
    rfm.frequency_cuts / rfm.monetary_cuts (four ascending numbers) set fixed cut points.

    JSON fields: customer_id, name, recency_days, frequency, monetary, r, f, m, rfm, segment.
    Only purchases in the configured currency count; how many others were left out is said
    under the table (on stderr with --format json/csv).

    Example: custtrack rfm --segment champions --as-of 2026-06-30
    """
    from .. import db
    from ..errors import InvalidValue
    from ..services import analytics
    from ..services.segments import normalise_segment
    from . import _output
    from ._output import Col

    fmt = check_format(fmt)
    day = _as_of(as_of)
    keys = {"score": None, "recency": "recency_days", "frequency": "frequency"}
    keys |= {"monetary": "monetary", "name": "name"}
    if sort not in keys:
        raise InvalidValue("--sort", sort, "must be one of " + ", ".join(keys))
    seg = normalise_segment(segment) if segment else None
    with db.session() as s:
        scores = analytics.rfm(s, day, monetary)
        left_out = analytics.other_currency_note(analytics.other_currency_purchases(s, day))
    scores["rfm"] = (
        scores["r"].astype(str) + scores["f"].astype(str) + scores["m"].astype(str)
        if len(scores)
        else []
    )
    if seg:
        scores = scores[scores["segment"] == seg]
    if sort == "score":
        scores = scores.sort_values(["r", "f", "m", "monetary"], ascending=False, kind="stable")
    else:
        scores = scores.sort_values(
            keys[sort], ascending=sort in ("name", "recency"), kind="stable"
        )
    if limit:
        scores = scores.head(limit)
    fields = ["name", "recency_days", "frequency", "monetary", "r", "f", "m", "rfm", "segment"]
    frame = scores.reset_index()[["customer_id", *fields]]
    if fmt != "table":
        if left_out:
            _output.warn(left_out)
        _output.write_frame(frame, fmt)
        return
    rows = _records(frame)
    cols = [
        Col("customer_id", "ID", "right"), Col("name", "Customer"),
        Col("recency_days", "Recency (d)", "right"), Col("frequency", "Freq", "right"),
        Col("monetary", "Monetary", "right"), Col("rfm", "RFM", "center"),
        Col("segment", "Segment"),
    ]  # fmt: skip
    caption = f"as of {day}; monetary = {monetary} ({analytics.currency()})"
    caption += f"\n{left_out}" if left_out else ""
    _output.emit(rows, cols, fmt, title="RFM", empty="No purchases recorded yet.", caption=caption)


@_command()
def segments(
    by: Annotated[
        str | None,
        typer.Option(help="Group by city, source, gender, tag, owner or price-sensitivity."),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show how scores map to segments.")
    ] = False,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Customers by RFM segment (or by an attribute with --by), with a suggested action.

    Segments come from R and FM = (F + M) / 2 rounded half to even; `--explain` prints the grid.
    JSON fields: segment, customers, share_customers, share_revenue, mean_r, mean_f, mean_m,
    action. With --by: group, customers, buyers, revenue, mean_spend, churned, churn_share.

    Examples: custtrack segments    custtrack segments --by city    custtrack list --segment lost
    """
    fmt = check_format(fmt)
    day = _as_of(as_of)
    if explain:
        _explain_segments(fmt)
        return
    if by:
        _segments_by(by, day, fmt)
        return
    from .. import db
    from ..analytics.rfm import segment_table
    from ..services import analytics
    from . import _output
    from ._output import Col

    with db.session() as s:
        scores = analytics.rfm(s, day)
        n_all = len(analytics.customers_frame(s, day))
        left_out = analytics.other_currency_note(analytics.other_currency_purchases(s, day))
    table = segment_table(scores, len(scores))
    rows = _records(table)
    if fmt != "table":
        _output.emit(rows, [Col(c, c) for c in table.columns], fmt)
        return
    shown = [
        {
            **r,
            "share_customers": _pct(r["share_customers"]),
            "share_revenue": _pct(r["share_revenue"]),
            "mean_r": _num(r["mean_r"], 1),
            "mean_f": _num(r["mean_f"], 1),
            "mean_m": _num(r["mean_m"], 1),
        }
        for r in rows
    ]
    cols = [
        Col("segment", "Segment"), Col("customers", "Customers", "right"),
        Col("share_customers", "Share", "right"), Col("share_revenue", "Revenue share", "right"),
        Col("mean_r", "R", "right"), Col("mean_f", "F", "right"), Col("mean_m", "M", "right"),
        Col("action", "Suggested action"),
    ]  # fmt: skip
    caption = f"as of {day}; {len(scores)} customers who bought"
    if n_all > len(scores):
        caption += f"; {n_all - len(scores)} without purchases are not scored"
    caption += f"\n{left_out}" if left_out else ""
    if scores.empty:
        _output.info("No purchases recorded yet: nothing to segment.")
        return
    _output.table(shown, cols, title="RFM segments", caption=caption)


def _explain_segments(fmt: str) -> None:
    from ..services.segments import SEGMENTS
    from . import _output
    from ._output import Col

    rows = [
        {"segment": name, "cells": [{"r": r, "fm": fm} for r, fm in cells], "action": action}
        for name, cells, action in SEGMENTS
    ]
    if fmt != "table":
        if fmt == "csv":
            rows = [
                {**r, "cells": " ".join(f"{c['r']}{c['fm']}" for c in r["cells"])} for r in rows
            ]
        _output.emit(rows, [Col(k, k) for k in ("segment", "cells", "action")], fmt)
        return
    for row in rows:
        row["cells"] = ", ".join(f"R{c['r']} FM{c['fm']}" for c in row["cells"])
    _output.info(RULE)
    _output.info(
        "FM = (F + M) / 2 rounded to the nearest whole number, halves to the even one "
        "(1.5 → 2, 2.5 → 2, 3.5 → 4, 4.5 → 4). Each (R, FM) pair belongs to one segment."
    )
    cols = [
        Col("segment", "Segment"), Col("cells", "R and FM scores"),
        Col("action", "Suggested action"),
    ]  # fmt: skip
    _output.table(rows, cols, title="Segment map")


def _segments_by(by: str, day: Any, fmt: str) -> None:
    import pandas as pd

    from .. import db
    from ..analytics.lifecycle import stages
    from ..errors import InvalidValue
    from ..services import analytics
    from . import _output
    from ._output import Col

    attrs = ("city", "source", "gender", "tag", "owner", "price-sensitivity")
    if by not in attrs:
        raise InvalidValue("--by", by, "must be one of " + ", ".join(attrs))
    with db.session() as s:
        cust = analytics.customers_frame(s, day)
        occ = analytics.occasions(s, day)
        tags = analytics.customer_tags(s) if by == "tag" else None
    st = stages(occ, cust, analytics.ts(day), analytics.thresholds())
    spend = occ.groupby("customer_id")["amount"].sum()
    frame = pd.DataFrame(index=cust.index)
    frame["spend"] = spend.reindex(cust.index).fillna(0.0)
    frame["buyer"] = spend.reindex(cust.index).notna()
    frame["churned"] = st["stage"] == "churned"
    if by == "tag":
        frame = frame.join(tags.set_index("customer_id")["tag"].rename("group"), how="left")
    else:
        frame["group"] = cust[by.replace("-", "_")]
    frame["group"] = frame["group"].fillna("(none)")
    g = frame.groupby("group", sort=True)
    rows = []
    for name, part in g:
        buyers = int(part["buyer"].sum())
        revenue = float(part["spend"].sum())
        rows.append(
            {
                "group": name,
                "customers": int(len(part)),
                "buyers": buyers,
                "revenue": revenue,
                "mean_spend": revenue / buyers if buyers else None,
                "churned": int(part["churned"].sum()),
                "churn_share": int(part["churned"].sum()) / len(part) if len(part) else None,
            }
        )
    rows.sort(key=lambda r: (-r["revenue"], -r["customers"], str(r["group"])))
    if fmt != "table":
        keys = ("group", "customers", "buyers", "revenue", "mean_spend", "churned", "churn_share")
        _output.emit(rows, [Col(k, k) for k in keys], fmt)
        return
    shown = [
        {**r, "revenue": _num(r["revenue"]), "mean_spend": _num(r["mean_spend"]),
         "churn_share": _pct(r["churn_share"])}
        for r in rows
    ]  # fmt: skip
    cols = [
        Col("group", by.capitalize()), Col("customers", "Customers", "right"),
        Col("buyers", "Buyers", "right"), Col("revenue", "Revenue", "right"),
        Col("mean_spend", "Mean spend", "right"), Col("churn_share", "Churned", "right"),
    ]  # fmt: skip
    note = "a customer with several tags counts in each" if by == "tag" else ""
    _output.emit(
        shown, cols, fmt, title=f"Customers by {by}", empty="No customers yet.",
        caption=f"as of {day}; mean spend per buyer; {note}".rstrip("; "),
    )  # fmt: skip


@_command()
def lifecycle(
    explain: Annotated[
        bool, typer.Option("--explain", help="Print the stage definitions and thresholds.")
    ] = False,
    list_: Annotated[bool, typer.Option("--list", help="One row per customer.")] = False,
    stage: Annotated[str | None, typer.Option(help="With --list: only this stage.")] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Customers by lifecycle stage: potential, new, active, loyal, at risk, churned, won back.

    Thresholds come from the config (lifecycle.*); `--explain` prints them.
    JSON fields: stage, customers, share; with --list: customer_id, name, stage, first_purchase,
    last_purchase, occasions, recency_days, usual_gap_days, lost_reason.

    Example: custtrack lifecycle --list --stage "at risk"
    """
    from .. import db
    from ..analytics.clv import calibration_summary
    from ..analytics.lifecycle import STAGES, stage_counts, stages
    from ..analytics.lifecycle import explain as explain_rules
    from ..errors import InvalidValue
    from ..services import analytics
    from . import _output
    from ._output import Col

    fmt = check_format(fmt)
    day = _as_of(as_of)
    t = analytics.thresholds()
    if explain:
        rules = explain_rules(t)
        _output.emit(rules, [Col("stage", "Stage"), Col("rule", "Rule")], fmt,
                     title="Lifecycle stages (checked top to bottom)")  # fmt: skip
        return
    if stage is not None:
        stage = stage.strip().lower().replace("-", " ").replace("_", " ")
        if stage not in STAGES:
            raise InvalidValue("--stage", stage, "must be one of " + ", ".join(STAGES))
    with db.session() as s:
        cust = analytics.customers_frame(s, day)
        occ = analytics.occasions(s, day)
        # from the occasions just read (models() alone would read every purchase again)
        summ = calibration_summary(occ, analytics.ts(day))
        fitted = analytics.models(s, day, summ) if len(occ) else None
    p_alive = None
    if fitted and fitted["bgnbd"].ok:
        from ..analytics.clv import p_alive as p_alive_of

        summ = fitted["summary"]
        import pandas as pd

        p_alive = pd.Series(
            p_alive_of(fitted["bgnbd"], summ["x"], summ["t_x"], summ["T"]), index=summ.index
        )
    st = stages(occ, cust, analytics.ts(day), t, p_alive)
    if list_:
        st.insert(0, "name", cust["name"])
        if stage:
            st = st[st["stage"] == stage]
        keys = ["name", "stage", "first_purchase", "last_purchase", "occasions", "recency_days",
                "usual_gap_days", "lost_reason"]  # fmt: skip
        frame = st.reset_index(names="customer_id")[["customer_id", *keys]]
        if fmt != "table":
            _output.write_frame(frame, fmt)
            return
        rows = _records(frame)
        cols = [
            Col("customer_id", "ID", "right"), Col("name", "Customer"), Col("stage", "Stage"),
            Col("last_purchase", "Last purchase"), Col("occasions", "Occasions", "right"),
            Col("recency_days", "Days since", "right"), Col("usual_gap_days", "Usual gap", "right"),
            Col("lost_reason", "Lost reason"),
        ]  # fmt: skip
        _output.emit(rows, cols, fmt, title=f"Lifecycle as of {day}", empty="No customers.")
        return
    counts = stage_counts(st)
    total = sum(counts.values())
    rows = [
        {"stage": k, "customers": v, "share": v / total if total else None}
        for k, v in counts.items()
    ]
    shown = rows if fmt != "table" else [{**r, "share": _pct(r["share"])} for r in rows]
    cols = [
        Col("stage", "Stage"),
        Col("customers", "Customers", "right"),
        Col("share", "Share", "right"),
    ]
    _output.emit(shown, cols, fmt, title=f"Lifecycle as of {day}")
    if fmt == "table":
        _output.info("Definitions: `custtrack lifecycle --explain`.")
        if fitted is not None and not fitted["bgnbd"].ok:
            _output.info("Probability alive not used: " + fitted["bgnbd"].reason + ".")


@_command()
def churn(
    period: Annotated[str, typer.Option(help="month or quarter.")] = "month",
    periods: Annotated[int, typer.Option(help="How many periods to show.")] = 12,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Churn, retention and repurchase rates per period, cohort retention and churn reasons.

    Active = bought within lifecycle.churn_days days and not marked lost since. Churn rate =
    customers active at the start who are not active at the end ÷ customers active at the start;
    retention = 1 − churn; repurchase = active at the start who bought in the period ÷ active at
    the start. A rate with nobody active at the start is "—" (null in JSON).

    JSON: {definitions, periods: (period, start, end, active_start, active_end, churned,
    new_buyers, buyers, revenue, orders, churn_rate, retention_rate, repurchase_rate),
    cohorts: (cohort, customers, m0 … m11), reasons: (reason, customers, share)}.
    CSV: the periods table.
    """
    from .. import db
    from ..analytics import churn as ch
    from ..analytics.lifecycle import stages
    from ..errors import InvalidValue
    from ..services import analytics
    from . import _output
    from ._output import Col

    fmt = check_format(fmt)
    day = _as_of(as_of)
    if period not in ("month", "quarter"):
        raise InvalidValue("--period", period, "must be month or quarter")
    if not 1 <= periods <= 120:
        raise InvalidValue("--periods", periods, "must be between 1 and 120")
    t = analytics.thresholds()
    with db.session() as s:
        cust = analytics.customers_frame(s, day)
        occ = analytics.occasions(s, day)
    table = ch.churn_table(occ, cust, analytics.ts(day), period, periods, t.churn_days)
    cohorts = ch.cohort_table(occ, analytics.ts(day))
    reasons = ch.reasons(stages(occ, cust, analytics.ts(day), t))
    defs = {k: v.format(churn_days=t.churn_days) for k, v in ch.DEFINITIONS.items()}
    rows = _records(table)
    if fmt == "json":
        _output.write_json(
            {"definitions": defs, "periods": rows, "cohorts": _records(cohorts),
             "reasons": _records(reasons)}
        )  # fmt: skip
        return
    if fmt == "csv":
        _output.write_csv(rows, list(table.columns))
        return
    shown = [
        {**r, "churn_rate": _pct(r["churn_rate"]), "retention_rate": _pct(r["retention_rate"]),
         "repurchase_rate": _pct(r["repurchase_rate"])}
        for r in rows
    ]  # fmt: skip
    cols = [
        Col("period", "Period"), Col("active_start", "Active at start", "right"),
        Col("churned", "Churned", "right"), Col("churn_rate", "Churn rate", "right"),
        Col("retention_rate", "Retention", "right"), Col("repurchase_rate", "Repurchase", "right"),
        Col("new_buyers", "New buyers", "right"), Col("active_end", "Active at end", "right"),
    ]  # fmt: skip
    _output.table(shown, cols, title=f"Churn by {period} (as of {day})")
    for key in ("active", "churn_rate", "retention_rate", "repurchase_rate"):
        _output.info(f"  [bold]{key.replace('_', ' ')}[/]: {defs[key]}")
    if len(cohorts):
        ccols = [Col("cohort", "Cohort"), Col("customers", "N", "right")]
        ccols += [Col(f"m{i}", f"+{i}", "right") for i in range(12)]
        crow = [  # whole percents: 14 columns must fit a terminal
            {k: ("—" if v is None else f"{100 * v:.0f}") if k.startswith("m") else v
             for k, v in r.items()}
            for r in _records(cohorts)
        ]  # fmt: skip
        _output.table(
            crow, ccols, title="Cohort retention: % of each first-purchase month buying in month +k"
        )
    if len(reasons):
        rrow = [{**r, "share": _pct(r["share"])} for r in _records(reasons)]
        _output.table(
            rrow,
            [Col("reason", "Reason"), Col("customers", "Customers", "right"),
             Col("share", "Share", "right")],
            title="Churned customers by reason",
        )  # fmt: skip


@_command()
def value(
    model: Annotated[
        bool, typer.Option("--model", help="Print the fitted model parameters.")
    ] = False,
    horizon: Annotated[
        int | None,
        typer.Option(help="Months ahead for predicted value (config value.horizon_months)."),
    ] = None,
    discount: Annotated[
        float | None,
        typer.Option(help="Annual discount rate, e.g. 0.1 (config value.discount_rate)."),
    ] = None,
    sort: Annotated[str, typer.Option(help="predicted, historical, simple or name.")] = "predicted",
    limit: LimitOpt = 0,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Customer lifetime value three ways: historical, simple formula and predictive.

    historical = spend so far. simple = purchase frequency per year (occasions ÷ years since the
    first purchase, at least one year) × average order value × average lifespan (1 ÷ the share
    of customers active a year ago who are no longer active; "—" while that is zero).
    predicted = BG/NBD expected purchases month by month × Gamma-Gamma expected spend,
    discounted; time in weeks (days / 7), same-day purchases merged. With too few data or a
    failed fit a labelled heuristic is used instead (`method` says which).

    JSON fields: customer_id, name, occasions, historical_clv, aov, frequency_per_year,
    simple_clv, p_alive, expected_purchases, expected_spend, predicted_clv, method.
    With --model: {bgnbd: {params, log_likelihood, n, ok, reason}, gamma_gamma: {...},
    lifespan_years}.
    """
    from .. import config, db
    from ..errors import InvalidValue
    from ..services import analytics
    from . import _output
    from ._output import Col

    fmt = check_format(fmt)
    day = _as_of(as_of)
    horizon = int(config.get("value.horizon_months")) if horizon is None else horizon
    discount = float(config.get("value.discount_rate")) if discount is None else discount
    if not 1 <= horizon <= 600:
        raise InvalidValue("--horizon", horizon, "must be between 1 and 600 months")
    if not 0 <= discount < 1:
        raise InvalidValue("--discount", discount, "must be between 0 and 1, e.g. 0.1")
    sorts = {"predicted": "predicted_clv", "historical": "historical_clv"}
    sorts |= {"simple": "simple_clv", "name": "name"}
    if sort not in sorts:
        raise InvalidValue("--sort", sort, "must be one of " + ", ".join(sorts))
    with db.session() as s:
        res = analytics.value(s, day, horizon, discount, predict=not model)
        left_out = analytics.other_currency_note(analytics.other_currency_purchases(s, day))
    if left_out and (model or fmt != "table"):
        _output.warn(left_out)
    if model:
        _show_model(res, fmt)
        return
    tab = res["table"].sort_values(sorts[sort], ascending=sort == "name", kind="stable")
    if limit:
        tab = tab.head(limit)
    if fmt != "table":
        _output.write_frame(tab.reset_index(names="customer_id"), fmt)
        return
    rows = _records(tab.reset_index(names="customer_id"))
    shown = [
        {**r, **{k: _num(r[k]) for k in ("historical_clv", "simple_clv", "predicted_clv",
                                          "expected_purchases")},
         "p_alive": _pct(r["p_alive"])}
        for r in rows
    ]  # fmt: skip
    cols = [
        Col("customer_id", "ID", "right"), Col("name", "Customer"),
        Col("occasions", "Occasions", "right"), Col("historical_clv", "Historical", "right"),
        Col("simple_clv", "Simple formula", "right"), Col("predicted_clv", "Predicted", "right"),
        Col("p_alive", "P(alive)", "right"), Col("expected_purchases", "Exp. purchases", "right"),
    ]  # fmt: skip
    method = rows[0]["method"] if rows else ""
    caption = f"as of {day}; predicted over {horizon} months at {discount:.0%}/year: {method}"
    for fit in (res["bgnbd"], res["gg"]):
        if not fit.ok:
            caption += f"\n{fit.reason}; heuristic used instead"
    caption += f"\n{left_out}" if left_out else ""
    _output.emit(shown, cols, fmt, title="Customer lifetime value", caption=caption,
                 empty="No purchases recorded yet.")  # fmt: skip


def _fit_dict(fit: Any) -> dict[str, Any]:
    return {"model": fit.model, "params": fit.params, "log_likelihood": fit.log_likelihood,
            "n": fit.n, "ok": fit.ok, "reason": fit.reason or None}  # fmt: skip


def _show_model(res: dict[str, Any], fmt: str) -> None:
    from . import _output
    from ._output import Col

    data = {"bgnbd": _fit_dict(res["bgnbd"]), "gamma_gamma": _fit_dict(res["gg"]),
            "lifespan_years": res["lifespan_years"]}  # fmt: skip
    if fmt == "json":
        _output.write_json(data)
        return
    rows = []
    for key in ("bgnbd", "gamma_gamma"):
        fit = data[key]
        for name, v in fit["params"].items():
            rows.append({"model": fit["model"], "name": name, "value": v})
        if fit["ok"]:
            rows.append(
                {"model": fit["model"], "name": "log_likelihood", "value": fit["log_likelihood"]}
            )
        rows.append({"model": fit["model"], "name": "customers", "value": fit["n"]})
    if fmt == "csv":
        _output.write_csv(rows, ["model", "name", "value"])
        return
    shown = [{**r, "value": f"{r['value']:.4g}" if isinstance(r["value"], float) else r["value"]}
             for r in rows]  # fmt: skip
    _output.table(shown, [Col("model", "Model"), Col("name", "Parameter"),
                          Col("value", "Value", "right")], title="Fitted models")  # fmt: skip
    for key in ("bgnbd", "gamma_gamma"):
        if not data[key]["ok"]:
            _output.warn(f"{data[key]['reason']}; predictions use a labelled heuristic")


@_command()
def report(
    period: Annotated[str, typer.Option(help="month, quarter or year.")] = "month",
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """The KPI dashboard for the period containing --as-of (default today), with a 12-period trend.

    JSON fields: period, start, end, customers_total, customers_by_stage, new_customers
    (records added), new_buyers (first purchase), active_customers, active_at_start, churned,
    churn_rate, retention_rate, repurchase_rate, revenue, orders (purchase occasions), buyers,
    average_order_value, purchase_frequency (orders per buyer), clv_historical_mean,
    clv_predicted_mean, clv_predicted_method, cac (campaigns in the configured currency only),
    campaigns_other_currency, campaigns (name, source, channel, start, end, cost, currency,
    new_customers, cac), csat_responses, csat_satisfied_share (4–5), csat_mean,
    nps_responses, nps_promoters_share, nps_detractors_share, nps, complaints_opened,
    complaints_open, complaints_resolved, mean_hours_to_resolve, complaints_by_category
    (category, opened, open, resolved, mean_hours_to_resolve), largest_segments (segment,
    customers, share), trend (period, revenue, new_buyers, active, churned), currency,
    purchases_other_currency (purchases left out of every sum: not in the configured
    currency). A ratio with a zero denominator is null ("—"). CSV: one row per scalar KPI.
    """
    from .. import config, db
    from ..analytics import churn as ch
    from ..analytics import clv
    from ..analytics.lifecycle import stage_counts, stages
    from ..analytics.report import kpis
    from ..analytics.rfm import segment_table
    from ..errors import InvalidValue
    from ..services import analytics

    fmt = check_format(fmt)
    day = _as_of(as_of)
    if period not in ("month", "quarter", "year"):
        raise InvalidValue("--period", period, "must be month, quarter or year")
    t = analytics.thresholds()
    ad = analytics.ts(day)
    with db.session() as s:
        cust = analytics.customers_frame(s, day)
        occ = analytics.occasions(s, day)
        fb = analytics.feedback_frame(s, day)
        comp = analytics.complaints_frame(s, day)
        camps = analytics.campaigns_frame(s, day, cust)
        scores = analytics.rfm(s, day, occ=occ)
        left_out = analytics.other_currency_purchases(s, day)
    trend = ch.churn_table(occ, cust, ad, period, 12, t.churn_days)
    summary = clv.calibration_summary(occ, ad)
    bg, gg = clv.fit_bgnbd(summary), clv.fit_gamma_gamma(summary)
    horizon = int(config.get("value.horizon_months"))
    pred = clv.predictive_clv(bg, gg, summary, horizon, float(config.get("value.discount_rate")))
    pa = pred["p_alive"] if bg.ok else None
    st = stages(occ, cust, ad, t, pa)
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
        clv_method=(pred["method"].iloc[0] if len(pred) else "")
        + (f" over {horizon} months" if len(pred) else ""),
        trend=trend,
        currency=analytics.currency(),
    )
    data["currency"] = analytics.currency()
    data["purchases_other_currency"] = left_out
    _render_report(data, fmt)


def _render_report(data: dict[str, Any], fmt: str) -> None:
    from .. import config
    from ..analytics.report import sparkline
    from . import _output
    from ._output import Col

    if fmt == "json":
        _output.write_json(data)
        return
    scalars = [{"metric": k, "value": v} for k, v in data.items() if not isinstance(v, list | dict)]
    scalars += [{"metric": f"customers_{k.replace(' ', '_')}", "value": v}
                for k, v in data["customers_by_stage"].items()]  # fmt: skip
    if fmt == "csv":
        _output.write_csv(_output.plain(scalars), ["metric", "value"])
        return
    cur = data["currency"]
    _output.heading(f"Report for {data['period']} ({data['start']} – {data['end']})")
    stage_text = ", ".join(f"{k} {v}" for k, v in data["customers_by_stage"].items())
    lines = [
        ("Customers", f"{data['customers_total']} ({stage_text})"),
        ("New customers", f"{data['new_customers']} added, {data['new_buyers']} first purchases"),
        (
            "Active customers",
            f"{data['active_customers']} bought within {config.get('lifecycle.churn_days')} days "
            f"(at the start {data['active_at_start']}); the stage 'active' above is narrower",
        ),
        ("Churn rate", f"{_pct(data['churn_rate'])} ({data['churned']} of "
                       f"{data['active_at_start']} active at the start stopped buying)"),
        ("Retention", _pct(data["retention_rate"])),
        ("Repurchase rate", _pct(data["repurchase_rate"])),
        ("Revenue", f"{_num(data['revenue'])} {cur}"),
        ("Orders", f"{data['orders']} by {data['buyers']} buyers"),
        ("Average order value", f"{_num(data['average_order_value'])} {cur}"),
        ("Purchase frequency", f"{_num(data['purchase_frequency'])} orders per buyer"),
        ("CLV, historical (mean)", f"{_num(data['clv_historical_mean'])} {cur}"),
        ("CLV, predicted (mean)", f"{_num(data['clv_predicted_mean'])} {cur} "
                                  f"[{data['clv_predicted_method']}]"),
        ("CAC", f"{_num(data['cac'])} {cur}"),
        ("CSAT", f"{_pct(data['csat_satisfied_share'])} satisfied (4–5), mean "
                 f"{_num(data['csat_mean'])}, {data['csat_responses']} answers"),
        ("NPS", f"{_num(data['nps'], 0)} ({data['nps_responses']} answers)"),
        ("Complaints", f"{data['complaints_opened']} opened, {data['complaints_open']} open, "
                       f"mean {_num(data['mean_hours_to_resolve'], 1)} h to resolve"),
    ]  # fmt: skip
    _output.card("KPIs", lines)
    if data["complaints_by_category"]:
        rows = [{**r, "mean_hours_to_resolve": _num(r["mean_hours_to_resolve"], 1)}
                for r in data["complaints_by_category"]]  # fmt: skip
        _output.table(rows, [Col("category", "Category"), Col("opened", "Opened", "right"),
                             Col("open", "Open", "right"), Col("resolved", "Resolved", "right"),
                             Col("mean_hours_to_resolve", "Mean hours", "right")],
                      title="Complaints by category")  # fmt: skip
    if data["campaigns"]:
        rows = [{**r, "cost": _num(r["cost"]), "cac": _num(r["cac"])} for r in data["campaigns"]]
        _output.table(rows, [Col("name", "Campaign"), Col("source", "Source"),
                             Col("cost", "Cost", "right"), Col("new_customers", "New", "right"),
                             Col("cac", "CAC", "right")], title="Campaigns")  # fmt: skip
    if data["largest_segments"]:
        seg = ", ".join(f"{r['segment']} {r['customers']} ({_pct(r['share'])})"
                        for r in data["largest_segments"])  # fmt: skip
        _output.info(f"[bold]Largest segments[/]: {seg}")
    trend = data["trend"]
    _output.heading(
        f"Trend, last {len(trend)} periods ({trend[0]['period']} → {trend[-1]['period']})"
    )
    for key, label in (("revenue", "Revenue"), ("new_buyers", "New buyers"),
                       ("active", "Active"), ("churned", "Churned")):  # fmt: skip
        values = [r[key] for r in trend]
        last = _num(values[-1], 0 if key != "revenue" else 2)
        _output.info(f"  {label:<11} {sparkline(values)}  now {last}, max {_num(max(values), 0)}")
    if data["purchases_other_currency"]:
        from ..services.analytics import other_currency_note

        _output.warn(other_currency_note(data["purchases_other_currency"]))
    if data["campaigns_other_currency"]:
        from ..services.analytics import other_currency

        n = data["campaigns_other_currency"]
        _output.warn(
            f"{n} campaign{'s' if n != 1 else ''} paid in {other_currency(n)} than "
            f"{data['currency']} left out of CAC (each is listed with its own CAC)"
        )


@_command()
def suggest(
    customer: CustomerArg,
    limit: LimitOpt = 10,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Products to offer a customer, each with its reason.

    From what customers with overlapping baskets also bought, then best sellers of the
    categories this customer spends most on. JSON fields: product, category, score, source
    (co-purchase or category), reason.
    """
    from .. import db
    from ..analytics.suggest import suggest as suggest_for
    from ..services import analytics, customers
    from . import _output
    from ._output import Col

    fmt = check_format(fmt)
    day = _as_of(as_of)
    with db.session() as s:
        c = customers.resolve(s, customer)
        label, cid = customers.describe(c), c.id
        lines = analytics.purchase_lines(s, day)
    rows = _records(suggest_for(lines, cid, limit))
    cols = [Col("product", "Product"), Col("category", "Category"), Col("reason", "Why")]
    empty = f"No suggestions for {label}: they have no purchases with a product name yet."
    if not rows and (lines["customer_id"] == cid).any():
        empty = f"No suggestions for {label}: nobody else bought anything related."
    _output.emit(rows, cols, fmt, title=f"Suggestions for {label}", empty=empty)


@_command()
def lost(
    customer: CustomerArg,
    reason: Annotated[
        str | None, typer.Option(help="Why they left: " + ", ".join(LOST_REASONS) + ".")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", "-m", help="What happened.")] = None,
    undo: Annotated[bool, typer.Option("--undo", help="Clear the lost mark.")] = False,
) -> None:
    """Mark a customer lost (counted as churned with that reason), or clear it with --undo.

    Example: custtrack lost "Old Li" --reason competitor --note "moved to the shop next door"
    """
    from .. import db
    from ..services import analytics, customers
    from . import _output

    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        analytics.mark_lost(s, c, reason, note, undo)
        label = customers.describe(c)
        why = c.lost_reason
    if undo:
        _output.success(f"{label} is no longer marked lost")
    else:
        _output.success(f"Marked {label} lost ({why})")


@_command(campaign_app, "add")
def campaign_add(
    name: Annotated[str, typer.Argument(help="Campaign name (unique).", show_default=False)],
    cost: Annotated[str, typer.Option(help="What it cost, e.g. 1200.")],
    start: Annotated[str, typer.Option(help="First day, e.g. 2026-03-01.")],
    end: Annotated[str | None, typer.Option(help="Last day (default: open-ended).")] = None,
    channel: Annotated[str | None, typer.Option(help=", ".join(CHANNELS) + ".")] = None,
    source: Annotated[
        str | None,
        typer.Option(help="Customers with this source were brought by it (default: the name)."),
    ] = None,
) -> None:
    """Record a campaign. Customers added in its window with this source count towards its CAC.

    Example: custtrack campaign add "Spring flyers" --cost 800 --start 2026-03-01 --end 2026-03-31
    --source flyer
    """
    from .. import db
    from ..dates import parse_date
    from ..services import analytics
    from . import _output

    first = parse_date(start, "--start")
    last = parse_date(end, "--end") if end else None
    with db.session(write=True) as s:
        camp = analytics.add_campaign(
            s, name, cost=cost, start=first, end=last, channel=channel, source=source
        )
        text = f"campaign #{camp.id} {camp.name!r} (source {camp.source!r})"
    _output.success(f"Added {text}")


@_command(campaign_app, "list")
def campaign_list(as_of: AsOfOpt = None, fmt: FormatOpt = "table") -> None:
    """Campaigns with the new customers each brought and the cost per new customer (CAC).

    JSON fields: name, source, channel, start, end, cost, currency, new_customers, cac.
    """
    from .. import db
    from ..services import analytics
    from . import _output
    from ._output import Col

    fmt = check_format(fmt)
    day = _as_of(as_of)
    with db.session() as s:
        rows = _records(analytics.campaigns_frame(s, day))
    if fmt == "table":
        rows = [{**r, "cost": _num(r["cost"]), "cac": _num(r["cac"])} for r in rows]
    cols = [
        Col("name", "Campaign"), Col("source", "Source"), Col("channel", "Channel"),
        Col("start", "Start"), Col("end", "End"), Col("cost", "Cost", "right"),
        Col("new_customers", "New customers", "right"), Col("cac", "CAC", "right"),
    ]  # fmt: skip
    _output.emit(rows, cols, fmt, title="Campaigns", empty="No campaigns yet.")
