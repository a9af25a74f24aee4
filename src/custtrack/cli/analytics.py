"""Analytics commands: rfm, segments, lifecycle, churn, value, report, suggest, lost, campaign.

Each reads the store up to --as-of (default today) and never writes, except `lost` and
`campaign add`. pandas and scipy are imported inside the commands only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..i18n import C_, N_, _, ngettext, pgettext
from ..vocab import label
from ._app import app, sub_app
from ._options import AsOfOpt, CustomerArg, FormatOpt, LimitOpt, WriteFormatOpt, apply_as_of

PANEL = N_("Analytics")

campaign_app = sub_app(
    "campaign", N_("Marketing campaigns: their cost and the customers they bring."), PANEL
)

RULE = N_(
    "Scores 1–5 by quintiles over the customers who bought: each value gets its mid-rank "
    "(tied values share the mean of their positions), p = (midrank − ½) / n and score = "
    "1 + floor(5p). So 5 customers score 1…5, 7 score 1,2,2,3,4,4,5, one customer or an "
    "all-tied book scores 3. Recent buyers score high on R. Fixed cut points in the config "
    "(rfm.recency_cuts etc., four ascending numbers) replace the quintiles."
)


def _command(
    help: str, group: typer.Typer = app, name: str | None = None, panel: str = PANEL
) -> Any:
    """Register a command with its --help text: an N_() message, paragraphs separated by a
    blank line and never broken inside, so Rich wraps them (and the catalogue has them whole;
    the extractor does not see the docstrings of functions registered through here)."""

    def register(func: Any) -> Any:
        kw: dict[str, Any] = {"rich_help_panel": panel} if group is app else {}
        return group.command(name, help=help, **kw)(func)

    return register


def _as_of(as_of: str | None) -> Any:
    from .. import clock

    apply_as_of(as_of)
    return clock.today()


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _money(value: float | None, currency: str) -> str:
    """An amount in major units with its currency: "888.82 CNY" (¥888.82 in Chinese)."""
    import math

    from ..validate import currency_exponent, money_text

    if value is None or math.isnan(value):
        return _("— {currency}").format(currency=currency)
    return money_text(round(value * 10 ** currency_exponent(currency)), currency)


def _method_text(method: str) -> str:
    """The `method` of a value prediction ("heuristic + own mean spend") as people read it."""
    return " + ".join(_(part) for part in method.split(" + ")) if method else ""


def _listed(parts: list[str]) -> str:
    return pgettext("list separator", ", ").join(parts)


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


@_command(
    N_(
        "Recency, frequency and monetary value of every customer who bought, scored 1–5.\n\n"
        "Recency = days since the last purchase; Frequency = purchase occasions (all purchases "
        "of one customer on one local day are one occasion); Monetary = total spend (or "
        "--monetary mean).\n\n"
        "Scores 1–5 by quintiles over the customers who bought: each value gets its mid-rank "
        "(tied values share it), p = (midrank − ½)/n, score = 1 + floor(5p); 5 customers score "
        "1…5, 7 score 1,2,2,3,4,4,5, one customer or all tied score 3. Config rfm.recency_cuts / "
        "rfm.frequency_cuts / rfm.monetary_cuts (four ascending numbers) set fixed cut "
        "points.\n\n"
        "JSON fields: customer_id, name, recency_days, frequency, monetary, r, f, m, rfm, "
        "segment. Only purchases in the configured currency count; how many others were left "
        "out is said under the table (on stderr with --format json/csv).\n\n"
        "Too early: with less than 90 days from the first purchase to --as-of, or fewer than "
        "20 customers who bought, scores rank a handful of customers against each other (a "
        "customer who bought 5 days ago would be At Risk); the scores are shown, the segment "
        'reads "too early", and JSON/CSV rows add meaningful (false) and reason.\n\n'
        "Example: custtrack rfm --segment champions --as-of 2026-06-30"
    )
)
def rfm(
    monetary: Annotated[
        str, typer.Option(help=N_("total (spend so far) or mean (per purchase occasion)."))
    ] = "total",
    segment: Annotated[str | None, typer.Option(help=N_("Only customers in this segment."))] = None,
    sort: Annotated[
        str, typer.Option(help=N_("score, recency, frequency, monetary or name."))
    ] = "score",
    limit: LimitOpt = 0,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    from .. import db
    from ..errors import InvalidValue
    from ..services import analytics
    from ..services.segments import TOO_EARLY, first_purchase_day, maturity, normalise_segment
    from . import _output
    from ._output import Col

    day = _as_of(as_of)
    keys = {"score": None, "recency": "recency_days", "frequency": "frequency"}
    keys |= {"monetary": "monetary", "name": "name"}
    if sort not in keys:
        raise InvalidValue(
            "--sort", sort, _("must be one of {values}").format(values=", ".join(keys))
        )
    seg = normalise_segment(segment) if segment else None
    with db.session() as s:
        scores = analytics.rfm(s, day, monetary)
        left_out = analytics.other_currency_note(analytics.other_currency_purchases(s, day))
        first = first_purchase_day(s, day)  # issue 17.11: too early for segments?
    meaningful, reason = maturity(first, day, len(scores), shown=False)
    shown_reason = maturity(first, day, len(scores))[1]
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
        if not meaningful and len(frame):  # the grid's segment, flagged: segments.MIN_BUYERS
            assert shown_reason is not None  # maturity says why whenever not meaningful
            _output.warn(shown_reason)
            frame = frame.assign(meaningful=False, reason=reason)
        _output.write_frame(frame, fmt)
        return
    too_early = label("segment", TOO_EARLY)
    rows = [
        {**r, "segment": label("segment", r["segment"]) if meaningful else too_early}
        for r in _records(frame)
    ]
    cols = [
        Col("customer_id", _("ID"), "right"), Col("name", _("Customer")),
        Col("recency_days", _("Recency (d)"), "right"), Col("frequency", _("Freq"), "right"),
        Col("monetary", _("Monetary"), "right"), Col("rfm", "RFM", "center"),
        Col("segment", _("Segment")),
    ]  # fmt: skip
    caption = (
        _("as of {day}; monetary = mean ({currency})")
        if monetary == "mean"
        else _("as of {day}; monetary = total ({currency})")
    ).format(day=day, currency=analytics.currency())
    caption += f"\n{left_out}" if left_out else ""
    caption += f"\n{shown_reason}" if not meaningful and len(rows) else ""
    _output.emit(
        rows, cols, fmt, title="RFM", empty=_("No purchases recorded yet."), caption=caption
    )


@_command(
    N_(
        "Customers by RFM segment (or by an attribute with --by), with a suggested action.\n\n"
        "Segments come from R and FM = (F + M) / 2 rounded half to even; `--explain` prints the "
        "grid. JSON fields: segment, customers, share_customers, share_revenue, mean_r, mean_f, "
        "mean_m, action. With --by: group, customers, buyers, revenue, mean_spend, churned, "
        "churn_share.\n\n"
        "Too early: with less than 90 days from the first purchase to --as-of, or fewer than "
        "20 customers who bought, the segments are not yet meaningful: a notice says so and "
        "JSON/CSV rows add meaningful (false) and reason.\n\n"
        "Examples: custtrack segments    custtrack segments --by city    "
        "custtrack list --segment lost"
    )
)
def segments(
    by: Annotated[
        str | None,
        typer.Option(help=N_("Group by city, source, gender, tag, owner or price-sensitivity.")),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help=N_("Show how scores map to segments."))
    ] = False,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
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
    from ..services.segments import first_purchase_day, maturity
    from . import _output
    from ._output import Col

    with db.session() as s:
        scores = analytics.rfm(s, day)
        n_all = len(analytics.customers_frame(s, day))
        left_out = analytics.other_currency_note(analytics.other_currency_purchases(s, day))
        from ..services.referrals import ACTION, advocates  # issue 15

        n_advocates = len(advocates(s, day))
        first = first_purchase_day(s, day)  # issue 17.11: too early for segments?
    meaningful, reason = maturity(first, day, len(scores), shown=False)
    table = segment_table(scores, len(scores))
    if not meaningful and len(scores):
        table = table.assign(meaningful=False, reason=reason)
    rows = _records(table)
    if fmt != "table":
        if not meaningful and len(scores):
            _output.warn(maturity(first, day, len(scores))[1] or "")
        _output.emit(rows, [Col(c, c) for c in table.columns], fmt)
        return
    shown = [
        {
            **r,
            "segment": label("segment", r["segment"]),
            "action": _(r["action"]),
            "share_customers": _pct(r["share_customers"]),
            "share_revenue": _pct(r["share_revenue"]),
            "mean_r": _num(r["mean_r"], 1),
            "mean_f": _num(r["mean_f"], 1),
            "mean_m": _num(r["mean_m"], 1),
        }
        for r in rows
    ]
    cols = [
        Col("segment", _("Segment")), Col("customers", _("Customers"), "right"),
        Col("share_customers", _("Share"), "right"),
        Col("share_revenue", _("Revenue share"), "right"),
        Col("mean_r", "R", "right"), Col("mean_f", "F", "right"), Col("mean_m", "M", "right"),
        Col("action", _("Suggested action")),
    ]  # fmt: skip
    n = len(scores)
    caption = ngettext(
        "as of {day}; {n} customer who bought", "as of {day}; {n} customers who bought", n
    ).format(day=day, n=n)
    if n_all > n:
        # one message for any count: tests/test_segments.py holds "1 without purchases are"
        caption += _("; {n} without purchases are not scored").format(n=n_all - n)
    caption += f"\n{left_out}" if left_out else ""
    if scores.empty:
        _output.info(_("No purchases recorded yet: nothing to segment."))
        return
    if not meaningful:
        # the shares are still true; the names are not yet (services.segments.MIN_BUYERS)
        caption += "\n" + (maturity(first, day, len(scores))[1] or "")
        _output.warn(maturity(first, day, len(scores))[1] or "")
    _output.table(shown, cols, title=_("RFM segments"), caption=caption)
    if n_advocates:  # issue 15
        _output.info(
            ngettext(
                "{n} advocate (brought customers; `custtrack referrals`, `list --segment "
                "advocates`): {action}",
                "{n} advocates (brought customers; `custtrack referrals`, `list --segment "
                "advocates`): {action}",
                n_advocates,
            ).format(n=n_advocates, action=_(ACTION))
        )


def _explain_segments(fmt: str) -> None:
    from ..services.segments import SEGMENTS
    from . import _output
    from ._output import Col

    rows: list[dict[str, Any]] = [
        {"segment": name, "cells": [{"r": r, "fm": fm} for r, fm in cells], "action": action}
        for name, cells, action in SEGMENTS
    ]
    from ..services import referrals  # issue 15: advocates, by referrals rather than scores

    rows.append({"segment": referrals.ADVOCATES, "cells": [], "action": referrals.ACTION})
    if fmt != "table":
        if fmt == "csv":
            rows = [
                {**r, "cells": " ".join(f"{c['r']}{c['fm']}" for c in r["cells"])} for r in rows
            ]
        _output.emit(rows, [Col(k, k) for k in ("segment", "cells", "action")], fmt)
        return
    for row in rows:
        row["cells"] = ", ".join(f"R{c['r']} FM{c['fm']}" for c in row["cells"])
        row["segment"], row["action"] = label("segment", row["segment"]), _(row["action"])
    n = referrals.advocate_min()
    rows[-1]["cells"] = ngettext(
        "brought at least {n} customer (referrals.advocate_min), whatever the scores",
        "brought at least {n} customers (referrals.advocate_min), whatever the scores", n,
    ).format(n=n)  # fmt: skip
    _output.info(_(RULE))
    _output.info(
        _(
            "FM = (F + M) / 2 rounded to the nearest whole number, halves to the even one "
            "(1.5 → 2, 2.5 → 2, 3.5 → 4, 4.5 → 4). Each (R, FM) pair belongs to one segment."
        )
    )
    cols = [
        Col("segment", _("Segment")), Col("cells", _("R and FM scores")),
        Col("action", _("Suggested action")),
    ]  # fmt: skip
    _output.table(rows, cols, title=_("Segment map"))


# --by: the column header and the table title
BY = {
    "city": (N_("City"), N_("Customers by city")),
    "source": (N_("Source"), N_("Customers by source")),
    "gender": (N_("Gender"), N_("Customers by gender")),
    "tag": (N_("Tag"), N_("Customers by tag")),
    "owner": (N_("Owner"), N_("Customers by owner")),
    "price-sensitivity": (N_("Price-sensitivity"), N_("Customers by price-sensitivity")),
}
# --by attributes whose values are a fixed vocabulary (vocab.label)
BY_VOCABULARY = {"gender": "gender", "price-sensitivity": "price_sensitivity"}
NONE = N_("(none)")


def _segments_by(by: str, day: Any, fmt: str) -> None:
    import pandas as pd

    from .. import db
    from ..analytics.lifecycle import stages
    from ..services import analytics
    from ..validate import choice
    from ..vocab import GROUP_BY
    from . import _output
    from ._output import Col

    by = choice(by, GROUP_BY, "--by") or ""  # 城市, 标签 … too (issue 17.14)
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
    if tags is not None:  # --by tag
        frame = frame.join(tags.set_index("customer_id")["tag"].rename("group"), how="left")
    else:
        frame["group"] = cust[by.replace("-", "_")]
    frame["group"] = frame["group"].fillna(NONE)
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

    def group(value: Any) -> str:
        if value == NONE:
            return _(NONE)
        return label(BY_VOCABULARY[by], value) if by in BY_VOCABULARY else value

    shown = [
        {**r, "group": group(r["group"]), "revenue": _num(r["revenue"]),
         "mean_spend": _num(r["mean_spend"]), "churn_share": _pct(r["churn_share"])}
        for r in rows
    ]  # fmt: skip
    header, title = BY[by]
    cols = [
        Col("group", _(header)), Col("customers", _("Customers"), "right"),
        Col("buyers", _("Buyers"), "right"), Col("revenue", _("Revenue"), "right"),
        Col("mean_spend", _("Mean spend"), "right"), Col("churn_share", _("Churned"), "right"),
    ]  # fmt: skip
    caption = (
        _("as of {day}; mean spend per buyer; a customer with several tags counts in each")
        if by == "tag"
        else _("as of {day}; mean spend per buyer")
    ).format(day=day)
    _output.emit(
        shown, cols, fmt, title=_(title), empty=_("No customers yet."), caption=caption
    )  # fmt: skip


@_command(
    N_(
        "Customers by lifecycle stage: potential, new, active, loyal, at risk, churned, won "
        "back.\n\n"
        "Thresholds come from the config (lifecycle.*); `--explain` prints them. JSON fields: "
        "stage, customers, share; with --list: customer_id, name, stage, first_purchase, "
        "last_purchase, occasions, recency_days, usual_gap_days, lost_reason.\n\n"
        'Example: custtrack lifecycle --list --stage "at risk"'
    )
)
def lifecycle(
    explain: Annotated[
        bool, typer.Option("--explain", help=N_("Print the stage definitions and thresholds."))
    ] = False,
    list_: Annotated[bool, typer.Option("--list", help=N_("One row per customer."))] = False,
    stage: Annotated[str | None, typer.Option(help=N_("With --list: only this stage."))] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    from .. import db
    from ..analytics.clv import calibration_summary
    from ..analytics.lifecycle import STAGES, stage_counts, stages
    from ..analytics.lifecycle import explain as explain_rules
    from ..services import analytics
    from . import _output
    from ._output import Col

    day = _as_of(as_of)
    t = analytics.thresholds()
    if explain:
        rules = explain_rules(t, translate=fmt == "table")
        if fmt == "table":
            rules = [{**r, "stage": label("stage", r["stage"])} for r in rules]
        _output.emit(rules, [Col("stage", _("Stage")), Col("rule", _("Rule"))], fmt,
                     title=_("Lifecycle stages (checked top to bottom)"))  # fmt: skip
        return
    if stage is not None:
        from ..validate import choice  # 活跃, 有流失风险 … too (vocab.STAGES, issue 17.14)

        typed = stage.strip().lower().replace("-", " ").replace("_", " ")
        stage = choice(typed if typed in STAGES else stage, tuple(STAGES), "--stage")
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
        rows = [
            {**r, "stage": label("stage", r["stage"]),
             "lost_reason": label("lost_reason", r["lost_reason"])}
            for r in _records(frame)
        ]  # fmt: skip
        cols = [
            Col("customer_id", _("ID"), "right"), Col("name", _("Customer")),
            Col("stage", _("Stage")), Col("last_purchase", _("Last purchase")),
            Col("occasions", _("Occasions"), "right"),
            Col("recency_days", _("Days since"), "right"),
            Col("usual_gap_days", _("Usual gap"), "right"),
            Col("lost_reason", _("Lost reason")),
        ]  # fmt: skip
        _output.emit(
            rows, cols, fmt, title=_("Lifecycle as of {day}").format(day=day),
            empty=_("No customers."),
        )  # fmt: skip
        return
    counts = stage_counts(st)
    total = sum(counts.values())
    rows = [
        {"stage": k, "customers": v, "share": v / total if total else None}
        for k, v in counts.items()
    ]
    shown = (
        rows
        if fmt != "table"
        else [{**r, "stage": label("stage", r["stage"]), "share": _pct(r["share"])} for r in rows]
    )
    cols = [
        Col("stage", _("Stage")),
        Col("customers", _("Customers"), "right"),
        Col("share", _("Share"), "right"),
    ]
    _output.emit(shown, cols, fmt, title=_("Lifecycle as of {day}").format(day=day))
    if fmt == "table":
        _output.info(_("Definitions: `custtrack lifecycle --explain`."))
        if fitted is not None and not fitted["bgnbd"].ok:
            _output.info(
                _("Probability alive not used: {reason}.").format(
                    reason=fitted["bgnbd"].note or fitted["bgnbd"].reason
                )
            )


CHURN_TITLES = {
    "month": N_("Churn by month (as of {day})"),
    "quarter": N_("Churn by quarter (as of {day})"),
}
# the terms defined under the churn table (analytics.churn.DEFINITIONS), as people read them
DEFINED = {
    "active": C_("definition", "active"),
    "churn_rate": C_("definition", "churn rate"),
    "retention_rate": C_("definition", "retention rate"),
    "repurchase_rate": C_("definition", "repurchase rate"),
}


@_command(
    N_(
        "Churn, retention and repurchase rates per period, cohort retention and churn "
        "reasons.\n\n"
        "Active = bought within lifecycle.churn_days days and not marked lost since. Churn rate "
        "= customers active at the start who are not active at the end ÷ customers active at "
        "the start; retention = 1 − churn; repurchase = active at the start who bought in the "
        'period ÷ active at the start. A rate with nobody active at the start is "—" (null in '
        "JSON).\n\n"
        "JSON: {definitions, periods: (period, start, end, active_start, active_end, churned, "
        "new_buyers, buyers, revenue (paid less refunded in the period), refunds, orders, "
        "order_value (the orders' value net of their refunds), churn_rate, retention_rate, "
        "repurchase_rate), "
        "cohorts: (cohort, customers, m0 … m11), reasons: (reason, customers, share)}. CSV: the "
        "periods table."
    )
)
def churn(
    period: Annotated[str, typer.Option(help=N_("month or quarter."))] = "month",
    periods: Annotated[int, typer.Option(help=N_("How many periods to show."))] = 12,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    from .. import db
    from ..analytics import churn as ch
    from ..analytics.lifecycle import stages
    from ..errors import InvalidValue
    from ..services import analytics
    from . import _output
    from ._output import Col

    day = _as_of(as_of)
    if period not in ("month", "quarter"):
        raise InvalidValue("--period", period, _("must be month or quarter"))
    if not 1 <= periods <= 120:
        raise InvalidValue(
            "--periods", periods, _("must be between {low} and {high}").format(low=1, high=120)
        )
    t = analytics.thresholds()
    with db.session() as s:
        cust = analytics.customers_frame(s, day)
        occ = analytics.occasions(s, day)
        back = analytics.refunds_frame(s, day)
    table = ch.churn_table(occ, cust, analytics.ts(day), period, periods, t.churn_days, back)
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
        Col("period", _("Period")), Col("active_start", _("Active at start"), "right"),
        Col("churned", _("Churned"), "right"), Col("churn_rate", _("Churn rate"), "right"),
        Col("retention_rate", _("Retention"), "right"),
        Col("repurchase_rate", _("Repurchase"), "right"),
        Col("new_buyers", _("New buyers"), "right"),
        Col("active_end", _("Active at end"), "right"),
    ]  # fmt: skip
    _output.table(shown, cols, title=_(CHURN_TITLES[period]).format(day=day))
    for key, term in DEFINED.items():
        definition = _(ch.DEFINITIONS[key]).format(churn_days=t.churn_days)
        line = _("[bold]{term}[/]: {definition}")
        _output.info("  " + line.format(term=pgettext("definition", term), definition=definition))
    if len(cohorts):
        ccols = [Col("cohort", _("Cohort")), Col("customers", pgettext("cohort", "N"), "right")]
        ccols += [Col(f"m{i}", f"+{i}", "right") for i in range(12)]
        crow = [  # whole percents: 14 columns must fit a terminal
            {k: ("—" if v is None else f"{100 * v:.0f}") if k.startswith("m") else v
             for k, v in r.items()}
            for r in _records(cohorts)
        ]  # fmt: skip
        _output.table(
            crow, ccols,
            # {pct}: a literal "% o" would read as a %-placeholder to the catalogue's checks
            title=_("Cohort retention: {pct} of each first-purchase month buying in month +k")
            .format(pct="%"),
        )  # fmt: skip
    if len(reasons):
        rrow = [
            {**r, "reason": label("lost_reason", r["reason"]), "share": _pct(r["share"])}
            for r in _records(reasons)
        ]
        _output.table(
            rrow,
            [Col("reason", _("Reason")), Col("customers", _("Customers"), "right"),
             Col("share", _("Share"), "right")],
            title=_("Churned customers by reason"),
        )  # fmt: skip


@_command(
    N_(
        "Customer lifetime value three ways: historical, simple formula and predictive.\n\n"
        "historical = spend so far. simple = purchase frequency per year (occasions ÷ years "
        "since the first purchase, at least one year) × average order value × average lifespan "
        '(1 ÷ the share of customers active a year ago who are no longer active; "—" while '
        "that is zero). predicted = BG/NBD expected purchases month by month × Gamma-Gamma "
        "expected spend, discounted; time in weeks (days / 7), same-day purchases merged. With "
        "too few data or a failed fit a labelled heuristic is used instead (`method` says "
        "which).\n\n"
        "JSON fields: customer_id, name, occasions, historical_clv, aov, frequency_per_year, "
        "simple_clv, p_alive, expected_purchases, expected_spend, predicted_clv, method. With "
        "--model: {bgnbd: {params, log_likelihood, n, ok, reason}, gamma_gamma: {...}, "
        "lifespan_years}."
    )
)
def value(
    model: Annotated[
        bool, typer.Option("--model", help=N_("Print the fitted model parameters."))
    ] = False,
    horizon: Annotated[
        int | None,
        typer.Option(help=N_("Months ahead for predicted value (config value.horizon_months).")),
    ] = None,
    discount: Annotated[
        float | None,
        typer.Option(help=N_("Annual discount rate, e.g. 0.1 (config value.discount_rate).")),
    ] = None,
    sort: Annotated[
        str, typer.Option(help=N_("predicted, historical, simple or name."))
    ] = "predicted",
    margin: Annotated[
        bool,
        typer.Option(
            "--margin",
            help=N_(
                "Margin-based: each value × the customer's margin rate (margin ÷ revenue so far, "
                "after product cost and cost to serve; see `custtrack profit`)."
            ),
        ),
    ] = False,
    limit: LimitOpt = 0,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    from .. import config, db
    from ..errors import InvalidValue
    from ..services import analytics
    from . import _output
    from ._output import Col

    day = _as_of(as_of)
    horizon = int(config.get("value.horizon_months")) if horizon is None else horizon
    discount = float(config.get("value.discount_rate")) if discount is None else discount
    if not 1 <= horizon <= 600:
        raise InvalidValue("--horizon", horizon, _("must be between 1 and 600 months"))
    if not 0 <= discount < 1:
        raise InvalidValue("--discount", discount, _("must be between 0 and 1, e.g. 0.1"))
    sorts = {"predicted": "predicted_clv", "historical": "historical_clv"}
    sorts |= {"simple": "simple_clv", "name": "name"}
    if sort not in sorts:
        raise InvalidValue(
            "--sort", sort, _("must be one of {values}").format(values=", ".join(sorts))
        )
    with db.session() as s:
        res = analytics.value(s, day, horizon, discount, predict=not model)
        left_out = analytics.other_currency_note(analytics.other_currency_purchases(s, day))
        if margin and not model:  # issue 16: services/profit.py
            from ..services import profit

            res["table"] = profit.apply_margin(res["table"], profit.margin_rates(s, day))
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
        Col("customer_id", _("ID"), "right"), Col("name", _("Customer")),
        Col("occasions", _("Occasions"), "right"),
        Col("historical_clv", _("Historical"), "right"),
        Col("simple_clv", _("Simple formula"), "right"),
        Col("predicted_clv", _("Predicted"), "right"), Col("p_alive", _("P(alive)"), "right"),
        Col("expected_purchases", _("Exp. purchases"), "right"),
    ]  # fmt: skip
    method = rows[0]["method"] if rows else ""
    caption = ngettext(
        "as of {day}; predicted over {n} month at {rate}/year: {method}",
        "as of {day}; predicted over {n} months at {rate}/year: {method}",
        horizon,
    ).format(day=day, n=horizon, rate=f"{discount:.0%}", method=_method_text(method))
    if margin:
        caption += "\n" + _("margin-based: × each customer's margin rate (`custtrack profit`)")
    for fit in (res["bgnbd"], res["gg"]):
        if not fit.ok:
            caption += "\n" + _("{reason}; heuristic used instead").format(
                reason=fit.note or fit.reason
            )
    caption += f"\n{left_out}" if left_out else ""
    if margin:
        cols.insert(3, Col("margin_rate", _("Margin %"), "right"))
        shown = [{**r, "margin_rate": _pct(r["margin_rate"])} for r in shown]
    _output.emit(shown, cols, fmt, title=_("Customer lifetime value"), caption=caption,
                 empty=_("No purchases recorded yet."))  # fmt: skip


def _fit_dict(fit: Any) -> dict[str, Any]:
    return {"model": fit.model, "params": fit.params, "log_likelihood": fit.log_likelihood,
            "n": fit.n, "ok": fit.ok, "reason": fit.reason or None}  # fmt: skip


# the rows of the fitted models' table that are not a model parameter (r, alpha … keep their name)
PARAMETERS = {"log_likelihood": N_("log_likelihood"), "customers": N_("customers")}


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
    shown = [{**r, "name": _(PARAMETERS[r["name"]]) if r["name"] in PARAMETERS else r["name"],
              "value": f"{r['value']:.4g}" if isinstance(r["value"], float) else r["value"]}
             for r in rows]  # fmt: skip
    _output.table(shown, [Col("model", _("Model")), Col("name", _("Parameter")),
                          Col("value", _("Value"), "right")], title=_("Fitted models"))  # fmt: skip
    for fit in (res["bgnbd"], res["gg"]):
        if not fit.ok:
            _output.warn(
                _("{reason}; predictions use a labelled heuristic").format(
                    reason=fit.note or fit.reason
                )
            )


@_command(
    N_(
        "The KPI dashboard for the period containing --as-of (default today), with a 12-period "
        "trend.\n\n"
        "JSON fields: period, start, end, customers_total, customers_by_stage, new_customers "
        "(records added), new_buyers (first purchase), active_customers, active_at_start, "
        "churned, churn_rate, retention_rate, repurchase_rate, revenue (paid less refunded in "
        "the period), refunds (given back in the period), orders (purchase occasions; one "
        "refunded in full is none), buyers, average_order_value (the orders' value net of their "
        "refunds ÷ orders), purchase_frequency (orders per buyer), "
        "clv_historical_mean, clv_predicted_mean, clv_predicted_method, cac (campaigns in the "
        "configured currency only), campaigns_other_currency, campaigns (name, source, channel, "
        "start, end, cost, currency, new_customers, cac), csat_responses, csat_satisfied_share "
        "(4–5), csat_mean, nps_responses, nps_promoters_share, nps_detractors_share, nps, "
        "complaints_opened, complaints_open, complaints_resolved, mean_hours_to_resolve, "
        "complaints_by_category (category, opened, open, resolved, mean_hours_to_resolve), "
        "largest_segments (segment, customers, share), trend (period, revenue, new_buyers, "
        "active, churned), currency, purchases_other_currency (purchases left out of every sum: "
        "not in the configured currency), product_cost, cost_to_serve, margin and margin_rate "
        "(revenue less both costs; purchase_lines_cost_unknown lines have no cost), "
        "complaints_growing (categories opened at 1.5 times the rate of the periods before), "
        'tiers (tier, customers, revenue). A ratio with a zero denominator is null ("—"). CSV: '
        "one row per scalar KPI. segments_meaningful is false, with segments_reason, under 90 "
        "days of purchases or 20 customers who bought (see `custtrack rfm --help`)."
    )
)
def report(
    period: Annotated[str, typer.Option(help=N_("month, quarter or year."))] = "month",
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help=N_(
                "Write the report with its charts as one web page (opens offline, prints to "
                "A4, reads on a phone) instead of printing it."
            ),
            show_default=False,
        ),
    ] = None,
    png: Annotated[
        Path | None,
        typer.Option(
            "--png", help=N_("Write each chart as a PNG picture into this folder."),
            show_default=False,
        ),
    ] = None,
    svg: Annotated[
        Path | None,
        typer.Option(
            "--svg", help=N_("Write each chart as an SVG picture into this folder."),
            show_default=False,
        ),
    ] = None,
) -> None:  # fmt: skip
    from .. import db
    from ..errors import InvalidValue, UsageError
    from ..services import report as reports

    day = _as_of(as_of)
    if period not in reports.PERIODS:
        raise InvalidValue("--period", period, _("must be month, quarter or year"))
    files = html or png or svg
    if files and fmt != "table":
        raise UsageError(_("--html, --png and --svg write files: leave out --format"))
    if html and not html.parent.is_dir():
        raise InvalidValue(
            "--html", str(html), _("no such folder: {folder}").format(folder=html.parent)
        )
    with db.session() as s:
        rep = reports.report(s, day, period)
        if files:
            from ..io import html_report

            charts = reports.chart_data(s, day, period, meanwhile=html_report.warm_up, **rep.frames)
    if files:
        _write_report_files(rep.kpis, charts, html, png, svg)
        return
    method = ""
    if rep.method:
        method = ngettext(
            "{method} over {n} month", "{method} over {n} months", rep.horizon
        ).format(method=_method_text(rep.method), n=rep.horizon)
    _render_report(rep.kpis, fmt, method)


def _write_report_files(
    kpis: dict[str, Any], charts: Any, html: Path | None, png: Path | None, svg: Path | None
) -> None:
    from ..errors import CusttrackError
    from ..io import html_report
    from . import _output

    try:
        if html:
            html_report.write_html(html, kpis=kpis, data=charts)
            _output.success(_("Wrote the report to {path}").format(path=html))
        for folder, kind in ((png, "png"), (svg, "svg")):
            if folder:
                written = html_report.write_images(folder, kind, data=charts)
                _output.success(
                    ngettext(
                        "Wrote {n} chart to {folder}", "Wrote {n} charts to {folder}", len(written)
                    ).format(n=len(written), folder=folder)
                )
    except OSError as exc:
        raise CusttrackError(
            _("cannot write {path}: {reason}").format(
                path=exc.filename or html or png or svg, reason=exc.strerror or exc
            )
        ) from None


# the report's trend lines: (key, label, shown with pgettext("trend", label))
TREND = (
    ("revenue", C_("trend", "Revenue")), ("new_buyers", C_("trend", "New buyers")),
    ("active", C_("trend", "Active")), ("churned", C_("trend", "Churned")),
)  # fmt: skip


def _segments_reason_shown(data: dict[str, Any]) -> str:
    """Why a report's segments are not yet meaningful, in the interface language (its JSON
    says it in English: segments_reason)."""
    from ..services.segments import MIN_BUYERS, MIN_HISTORY_DAYS

    return _(
        "not yet meaningful (less than {days} days of purchases or fewer than {buyers} "
        "customers who bought)"
    ).format(days=MIN_HISTORY_DAYS, buyers=MIN_BUYERS)


def _render_report(data: dict[str, Any], fmt: str, method: str = "") -> None:
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
        for r in scalars:  # money as exact decimal strings, as in the JSON
            if r["metric"] in _output.MONEY_KEYS:
                r["value"] = _output.money_value(r["value"], data["currency"])
        _output.write_csv(_output.plain(scalars), ["metric", "value"])
        return
    from rich.cells import cell_len

    cur = data["currency"]
    _output.heading(
        _("Report for {period} ({start} – {end})").format(
            period=data["period"], start=data["start"], end=data["end"]
        )
    )
    stage_text = _listed(
        [f"{label('stage', k)} {v}" for k, v in data["customers_by_stage"].items()]
    )
    days = int(config.get("lifecycle.churn_days"))
    lines = [
        (_("Customers"), _("{n} ({stages})").format(n=data["customers_total"], stages=stage_text)),
        (_("New customers"), ngettext("{added} added, {n} first purchase",
                                      "{added} added, {n} first purchases", data["new_buyers"])
         .format(added=data["new_customers"], n=data["new_buyers"])),
        (
            _("Active customers"),
            ngettext(
                "{n} bought within {days} day (at the start {start}); the stage '{stage}' above "
                "is narrower",
                "{n} bought within {days} days (at the start {start}); the stage '{stage}' above "
                "is narrower",
                days,
            ).format(n=data["active_customers"], days=days, start=data["active_at_start"],
                     stage=label("stage", "active")),
        ),
        (_("Churn rate"), _("{rate} ({churned} of {start} active at the start stopped buying)")
         .format(rate=_pct(data["churn_rate"]), churned=data["churned"],
                 start=data["active_at_start"])),
        (_("Retention"), _pct(data["retention_rate"])),
        (_("Repurchase rate"), _pct(data["repurchase_rate"])),
        (_("Revenue"), _money(data["revenue"], cur) if not data["refunds"] else
         _("{revenue} (after {refunds} refunded)").format(
             revenue=_money(data["revenue"], cur), refunds=_money(data["refunds"], cur))),
        (_("Margin"), _("{margin} ({rate}; product cost {cost}, cost to serve {serve})")
         .format(margin=_money(data["margin"], cur), rate=_pct(data["margin_rate"]),
                 cost=_money(data["product_cost"], cur), serve=_money(data["cost_to_serve"], cur))),
        (_("Orders"), ngettext("{orders} by {n} buyer", "{orders} by {n} buyers", data["buyers"])
         .format(orders=data["orders"], n=data["buyers"])),
        (_("Average order value"), _money(data["average_order_value"], cur)),
        (_("Purchase frequency"), _("{n} orders per buyer")
         .format(n=_num(data["purchase_frequency"]))),
        (_("CLV, historical (mean)"), _money(data["clv_historical_mean"], cur)),
        (_("CLV, predicted (mean)"), _("{amount} [{method}]")
         .format(amount=_money(data["clv_predicted_mean"], cur), method=method)),
        (_("CAC"), _money(data["cac"], cur)),
        (_("CSAT"), ngettext("{share} satisfied (4–5), mean {mean}, {n} answer",
                             "{share} satisfied (4–5), mean {mean}, {n} answers",
                             data["csat_responses"])
         .format(share=_pct(data["csat_satisfied_share"]), mean=_num(data["csat_mean"]),
                 n=data["csat_responses"])),
        (_("NPS"), ngettext("{nps} ({n} answer)", "{nps} ({n} answers)", data["nps_responses"])
         .format(nps=_num(data["nps"], 0), n=data["nps_responses"])),
        (_("Complaints"), _("{opened} opened, {open} open, mean {hours} h to resolve")
         .format(opened=data["complaints_opened"], open=data["complaints_open"],
                 hours=_num(data["mean_hours_to_resolve"], 1))),
    ]  # fmt: skip
    _output.card(_("KPIs"), lines)
    if data["complaints_by_category"]:
        rows = [{**r, "category": label("complaint_category", r["category"]),
                 "mean_hours_to_resolve": _num(r["mean_hours_to_resolve"], 1)}
                for r in data["complaints_by_category"]]  # fmt: skip
        _output.table(rows, [Col("category", _("Category")),
                             Col("opened", pgettext("count", "Opened"), "right"),
                             Col("open", _("Open"), "right"),
                             Col("resolved", _("Resolved"), "right"),
                             Col("mean_hours_to_resolve", _("Mean hours"), "right")],
                      title=_("Complaints by category"))  # fmt: skip
    if data.get("complaints_growing"):  # issue 16: analytics.themes.category_growth
        grow = _listed([_("{category} {n} (before: {mean} a period)").format(
            category=label("complaint_category", r["category"]), n=r["now"],
            mean=_num(r["before_mean"], 1)) for r in data["complaints_growing"]])  # fmt: skip
        line = _("[bold]Growing complaint categories[/]: {categories}")
        _output.info(line.format(categories=grow))
    if data["campaigns"]:
        rows = [{**r, "cost": _num(r["cost"]), "cac": _num(r["cac"])} for r in data["campaigns"]]
        _output.table(rows, [Col("name", _("Campaign")), Col("source", _("Source")),
                             Col("cost", _("Cost"), "right"),
                             Col("new_customers", pgettext("new customers", "New"), "right"),
                             Col("cac", pgettext("column", "CAC"), "right")],
                      title=_("Campaigns"))  # fmt: skip
    if data.get("tiers"):  # issue 15
        from ..services.loyalty import tier_label

        rows = [{"tier": tier_label(r["tier"]), "customers": r["customers"],
                 "revenue": _money(r["revenue"], cur)} for r in data["tiers"]]  # fmt: skip
        _output.table(rows, [Col("tier", _("Tier")), Col("customers", _("Customers"), "right"),
                             Col("revenue", _("Revenue in the window"), "right")],
                      title=_("Loyalty tiers"))  # fmt: skip
    if data["largest_segments"] and not data.get("segments_meaningful", True):  # issue 17.11
        _output.info(_("[bold]Largest segments[/]: {segments}").format(segments=_output.esc(
            _segments_reason_shown(data))))  # fmt: skip
    elif data["largest_segments"]:
        pair = _("{segment} {n} ({share})")
        seg = _listed([
            pair.format(segment=label("segment", r["segment"]), n=r["customers"],
                        share=_pct(r["share"]))
            for r in data["largest_segments"]
        ])  # fmt: skip
        _output.info(_("[bold]Largest segments[/]: {segments}").format(segments=seg))
    trend = data["trend"]
    _output.heading(
        ngettext(
            "Trend, last {n} period ({first} → {last})",
            "Trend, last {n} periods ({first} → {last})",
            len(trend),
        ).format(n=len(trend), first=trend[0]["period"], last=trend[-1]["period"])
    )
    names = {key: pgettext("trend", name) for key, name in TREND}
    width = max(11, *(cell_len(name) for name in names.values()))
    for key, name in names.items():
        values = [r[key] for r in trend]
        last = _num(values[-1], 0 if key != "revenue" else 2)
        shown = name + " " * (width - cell_len(name))
        now = _("now {last}, max {max}").format(last=last, max=_num(max(values), 0))
        _output.info(f"  {shown} {sparkline(values)}  {now}")
    if data["purchases_other_currency"]:
        from ..services.analytics import other_currency_note

        _output.warn(other_currency_note(data["purchases_other_currency"]))
    if data["campaigns_other_currency"]:
        n = data["campaigns_other_currency"]
        _output.warn(
            ngettext(
                "{n} campaign paid in a currency other than {currency} left out of CAC "
                "(each is listed with its own CAC)",
                "{n} campaigns paid in currencies other than {currency} left out of CAC "
                "(each is listed with its own CAC)",
                n,
            ).format(n=n, currency=data["currency"])
        )


@_command(
    N_(
        "Products to offer a customer, each with its reason.\n\n"
        "From what customers with overlapping baskets also bought, then best sellers of the "
        "categories this customer spends most on. JSON fields: product, category, score, source "
        "(co-purchase or category), reason."
    )
)
def suggest(
    customer: CustomerArg,
    limit: LimitOpt = 10,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    from .. import db
    from ..analytics.suggest import suggest as suggest_for
    from ..services import analytics, customers
    from . import _output
    from ._output import Col

    day = _as_of(as_of)
    with db.session() as s:
        c = customers.resolve(s, customer)
        assert c.id is not None  # a stored customer
        who, cid = customers.describe(c), c.id
        lines = analytics.purchase_lines(s, day)
        from ..services import referrals  # issue 15: referrals are a suggestion too

        brought = referrals.brought(s, cid)
    rows = _records(suggest_for(lines, cid, limit, translate=fmt == "table"))
    from .. import config
    from ..analytics.suggest import referral_row
    from ..validate import money_text

    referral = referral_row(
        len(brought), money_text(sum(b["spend_minor"] for b in brought), analytics.currency()),
        int((lines["customer_id"] == cid).sum()), referrals.advocate_min(),
        int(config.get("lifecycle.loyal_min_orders")), translate=fmt == "table",
    )  # fmt: skip
    rows = [referral, *rows] if referral else rows
    cols = [Col("product", _("Product")), Col("category", _("Category")), Col("reason", _("Why"))]
    empty = _("No suggestions for {customer}: they have no purchases with a product name yet.")
    if not rows and (lines["customer_id"] == cid).any():
        empty = _("No suggestions for {customer}: nobody else bought anything related.")
    _output.emit(
        rows, cols, fmt, title=_("Suggestions for {customer}").format(customer=who),
        empty=empty.format(customer=who),
    )  # fmt: skip


@_command(
    N_(
        "Mark a customer lost (counted as churned with that reason), or clear it with "
        "--undo.\n\n"
        'Example: custtrack lost "Old Li" --reason competitor --note "moved to the shop next door"'
    )
)
def lost(
    customer: CustomerArg,
    reason: Annotated[
        str | None,
        typer.Option(help=N_("Why they left: price, competitor, service, quality, other.")),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", "-m", help=N_("What happened."))] = None,
    undo: Annotated[bool, typer.Option("--undo", help=N_("Clear the lost mark."))] = False,
    fmt: WriteFormatOpt = "table",
) -> None:
    from .. import db
    from ..services import analytics, customers
    from . import _output

    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        assert c.id is not None  # a stored customer
        analytics.mark_lost(s, c, reason, note, undo)
        who = customers.describe(c)
        why = c.lost_reason
        tags = customers.tags_of(s, c.id)
    if _output.written(fmt, c, tags=tags):
        return
    if undo:
        _output.success(_("{customer} is no longer marked lost").format(customer=who))
    else:
        _output.success(
            _("Marked {customer} lost ({reason})").format(
                customer=who, reason=label("lost_reason", why)
            )
        )


@_command(
    N_(
        "Record a campaign. Customers added in its window with this source count towards its "
        "CAC.\n\n"
        'Example: custtrack campaign add "Spring flyers" --cost 800 --start 2026-03-01 '
        "--end 2026-03-31 --source flyer"
    ),
    campaign_app,
    "add",
)
def campaign_add(
    name: Annotated[str, typer.Argument(help=N_("Campaign name (unique)."), show_default=False)],
    cost: Annotated[str, typer.Option(help=N_("What it cost, e.g. 1200."))],
    start: Annotated[str, typer.Option(help=N_("First day, e.g. 2026-03-01."))],
    end: Annotated[str | None, typer.Option(help=N_("Last day (default: open-ended)."))] = None,
    channel: Annotated[
        str | None,
        typer.Option(help=N_("phone, wechat, email, visit, meeting, sms, video, social, other.")),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help=N_("Customers with this source were brought by it (default: the name).")),
    ] = None,
    fmt: WriteFormatOpt = "table",
) -> None:
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
        text = _("Added campaign #{id} {name} (source {source})").format(
            id=camp.id, name=repr(camp.name), source=repr(camp.source)
        )
    if _output.written(fmt, camp):
        return
    _output.success(text)


@_command(
    N_(
        "Campaigns with the new customers each brought and the cost per new customer "
        "(CAC).\n\n"
        "JSON fields: name, source, channel, start, end, cost, currency, new_customers, cac."
    ),
    campaign_app,
    "list",
)
def campaign_list(as_of: AsOfOpt = None, fmt: FormatOpt = "table") -> None:
    from .. import db
    from ..services import analytics
    from . import _output
    from ._output import Col

    day = _as_of(as_of)
    with db.session() as s:
        rows = _records(analytics.campaigns_frame(s, day))
    if fmt == "table":
        rows = [{**r, "cost": _num(r["cost"]), "cac": _num(r["cac"]),
                 "channel": label("channel", r["channel"])} for r in rows]  # fmt: skip
    cols = [
        Col("name", _("Campaign")), Col("source", _("Source")), Col("channel", _("Channel")),
        Col("start", _("Start")), Col("end", _("End")), Col("cost", _("Cost"), "right"),
        Col("new_customers", _("New customers"), "right"),
        Col("cac", pgettext("column", "CAC"), "right"),
    ]  # fmt: skip
    _output.emit(rows, cols, fmt, title=_("Campaigns"), empty=_("No campaigns yet."))
