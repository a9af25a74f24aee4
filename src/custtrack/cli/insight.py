"""Insight commands: behaviour clusters, feedback themes and sentiment, profitability.

They read the store up to --as-of (default today) and never write, except `clusters --save` and
`product set/remove`. pandas, scikit-learn and jieba are imported inside the commands only.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..i18n import C_, N_, _, ngettext, pgettext
from . import analytics
from ._app import app, sub_app
from ._options import AsOfOpt, FormatOpt, LimitOpt, WriteFormatOpt
from .analytics import _as_of, _num, _pct, _records

PANEL = N_("Insight")

product_app = sub_app(
    "product", N_("Products and what each unit costs you, for margins (`custtrack profit`)."), PANEL
)


def _command(help: str, group: typer.Typer = app, name: str | None = None) -> Any:
    """Register a command with its --help text (an N_() message) in the Insight panel."""
    return analytics._command(help, group, name, panel=PANEL)


def _listed(parts: list[str]) -> str:
    return pgettext("list separator", ", ").join(parts)


# --- clusters ------------------------------------------------------------------------------------

CLUSTERS_METHOD = N_(
    "Each customer who bought is described by recency (days since the last purchase), frequency "
    "(purchase occasions), monetary value (total spend), tenure (days as a customer), the share "
    "of their spend in each of the five largest categories, and responsiveness (the share of "
    "their contacts followed by a purchase within {days} days; customers never contacted get "
    "the average). Recency, frequency, monetary value and tenure are log-scaled, every feature "
    "is standardised, and the category shares together weigh as much as one feature. k-means "
    "(k-means++, 10 starts, --seed) groups them; k is the one from 2 to 8 with the highest mean "
    "silhouette (on a sample of {sample} customers at most), unless --k is given. A cluster is "
    "described by the features on which its centre lies at least {z} standard deviations above "
    "or below everyone's, and by its main category when it takes half of its spend or more. "
    "Clusters are numbered by revenue, largest first."
)


@_command(
    N_(
        "Customers grouped by behaviour (k-means), each group described in plain words with a "
        "suggested action.\n\n"
        "Features: recency, frequency, monetary value, tenure, category mix and responsiveness "
        "to contacts; `--explain` says how. k is chosen by the silhouette unless --k is given; "
        "the same --seed gives the same clusters. Needs scikit-learn (pip install "
        "scikit-learn).\n\n"
        "--save NAME keeps the clusters as segments NAME-1, NAME-2 …, for `list --segment`, "
        "`due --segment` and `cadence set --segment` (saving NAME again replaces them).\n\n"
        "JSON: {as_of, k, chosen_by, seed, silhouettes, clusters: (cluster, customers, "
        "share_customers, revenue, share_revenue, mean_recency_days, mean_frequency, "
        "mean_monetary, mean_tenure_days, responsiveness, top_category, top_category_share, "
        "traits, description, action, segment)}; with --list: customer_id, name, cluster and "
        "the features. CSV: the clusters table (or the --list rows).\n\n"
        "Examples: custtrack clusters    custtrack clusters --k 4 --save behaviour    "
        "custtrack list --segment behaviour-1"
    )
)
def clusters(
    k: Annotated[
        int | None,
        typer.Option("--k", help=N_("Number of clusters (default: chosen by silhouette, 2–8).")),
    ] = None,
    seed: Annotated[
        int, typer.Option(help=N_("Random seed: the same seed gives the same clusters."))
    ] = 0,
    save: Annotated[
        str | None,
        typer.Option(
            "--save",
            help=N_("Save the clusters as segments NAME-1, NAME-2 … (for --segment)."),
            show_default=False,
        ),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help=N_("One row per customer with their cluster."))
    ] = False,
    explain: Annotated[bool, typer.Option("--explain", help=N_("Say how it is done."))] = False,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    from .. import db
    from ..analytics import clusters as method
    from ..services import clusters as service
    from . import _output

    day = _as_of(as_of)
    if explain:
        _output.info(
            _(CLUSTERS_METHOD).format(
                days=method.RESPONSE_DAYS, sample=method.SILHOUETTE_SAMPLE, z=method.TRAIT_Z
            )
        )
        return
    service.require("sklearn", "scikit-learn")
    if save is not None:
        service.check_name(save)
    names: list[str] = []
    with db.session(write=save is not None) as s:
        result, who = service.clusters(s, day, k, seed)
        if save is not None:
            names = service.save(s, save, result, day)
    table = result.table.copy()
    table["segment"] = names or None
    if list_:
        _cluster_list(result, who, fmt)
    else:
        _cluster_table(table, result, day, seed, fmt)
    if names:
        message = ngettext(
            "Saved {n} cluster as segment {first}: custtrack list --segment {first}",
            "Saved {n} clusters as segments {first} … {last}: custtrack list --segment {first}",
            len(names),
        ).format(n=len(names), first=names[0], last=names[-1])
        if fmt == "table":
            _output.success(message)
        else:
            _output.notice(message)


def _cluster_table(table: Any, result: Any, day: Any, seed: int, fmt: str) -> None:
    from ..analytics.clusters import description
    from . import _output
    from ._output import Col

    rows = _records(table)
    if fmt == "json":
        _output.write_json(
            {"as_of": day, "k": result.k, "chosen_by": result.chosen_by, "seed": seed,
             "silhouettes": {str(k): v for k, v in result.silhouettes.items()}, "clusters": rows}
        )  # fmt: skip
        return
    if fmt == "csv":
        _output.write_csv([{**r, "traits": ";".join(r["traits"])} for r in rows])
        return
    shown = [
        {
            "cluster": str(r["cluster"]) if not r["segment"] else r["segment"],
            "customers": r["customers"],
            "share_customers": _pct(r["share_customers"]),
            "share_revenue": _pct(r["share_revenue"]),
            "recency": _num(r["mean_recency_days"], 0),
            "frequency": _num(r["mean_frequency"], 1),
            "monetary": _num(r["mean_monetary"]),
            "description": description(
                r["traits"], r["mostly"], lambda t: pgettext("trait", t), _,
                pgettext("list separator", ", "),
            ),
            "action": _(r["action"]),
        }
        for r in rows
    ]  # fmt: skip
    cols = [
        Col("cluster", pgettext("column", "Cluster"), wrap=False),
        Col("customers", _("Customers"), "right"),
        Col("share_revenue", _("Revenue share"), "right"),
        Col("recency", _("Days since"), "right"), Col("frequency", _("Occasions"), "right"),
        Col("monetary", _("Mean spend"), "right"), Col("description", _("Description")),
    ]  # fmt: skip
    if result.chosen_by == "silhouette":
        how = _("k = {k}, the highest silhouette ({score})").format(
            k=result.k, score=_num(result.silhouettes.get(result.k), 2)
        )
        tried = _listed([f"{k}: {_num(v, 2)}" for k, v in sorted(result.silhouettes.items())])
        how += "\n" + _("silhouette by k: {scores}").format(scores=tried)
    else:
        how = _("k = {k} (--k)").format(k=result.k)
    caption = _("as of {day}; seed {seed}; {how}").format(day=day, seed=seed, how=how)
    caption += "\n" + _("Method: `custtrack clusters --explain`.")
    _output.table(shown, cols, title=_("Behaviour clusters"), caption=caption)
    _output.info(_("[bold]Suggested actions[/]"))
    for r in shown:
        _output.info(f"  {_output.esc(r['cluster'])}  {r['action']}")


def _cluster_list(result: Any, names: Any, fmt: str) -> None:
    from . import _output
    from ._output import Col

    feats = result.features
    frame = feats[[c for c in feats.columns if not c.startswith("cat:")]].copy()
    frame.insert(0, "cluster", result.labels)
    frame.insert(0, "name", names)
    frame = frame.reset_index(names="customer_id")
    if fmt != "table":
        _output.write_frame(frame, fmt)
        return
    rows = [
        {**r, "recency_days": _num(r["recency_days"], 0), "frequency": _num(r["frequency"], 0),
         "monetary": _num(r["monetary"]), "tenure_days": _num(r["tenure_days"], 0),
         "responsiveness": _pct(r["responsiveness"])}
        for r in _records(frame)
    ]  # fmt: skip
    cols = [
        Col("customer_id", _("ID"), "right"), Col("name", _("Customer")),
        Col("cluster", pgettext("column", "Cluster"), "right"),
        Col("recency_days", _("Days since"), "right"), Col("frequency", _("Occasions"), "right"),
        Col("monetary", _("Spend"), "right"), Col("tenure_days", _("Tenure (d)"), "right"),
        Col("responsiveness", _("Buys after contact"), "right"),
    ]  # fmt: skip
    _output.table(rows, cols, title=_("Customers by cluster"))


# --- themes --------------------------------------------------------------------------------------

THEMES_METHOD = N_(
    "Themes are the words and two-word phrases that recur in what customers wrote (feedback "
    "texts and complaint texts in the chosen periods), counted once per text; a word is left "
    "out when a phrase containing it is as frequent, and common words (的, 了, the, and …) are "
    "never themes. A theme or complaint category is marked growing when its last period has at "
    "least 3 and, per day, at least 1.5 times the pace of the 3 periods before. Each text is "
    "attributed to the products of its customer's last purchase on or before its day (--product, "
    "--by product) and to the customer's RFM segment today (--by segment)."
)


@_command(
    N_(
        "What customers say: recurring themes in feedback and complaints, their trend, sentiment "
        "and example quotes, in Chinese and English.\n\n"
        "Chinese is cut into words with jieba (pip install jieba); sentiment is a "
        "word-list method that handles negation (不好 and “not good” are negative); `--explain` "
        "says how both work. Complaint categories that grow are flagged here and in `report`.\n\n"
        "JSON: {as_of, period, periods, texts, sentiment (positive, neutral, negative), themes: "
        "(theme, texts, share, negative_share, mean_sentiment, trend, growing, sources, "
        "example), complaint_categories: (category, trend, now, before_mean, growing), groups "
        "(with --by: group, texts, negative_share, mean_sentiment, themes)}; with --texts: "
        "source, id, day, customer_id, customer, sentiment, score, products, text. CSV: the "
        "themes (or the --by groups, or the --texts rows).\n\n"
        "Examples: custtrack themes    custtrack themes --source complaints --period quarter    "
        "custtrack themes --by product    custtrack themes --texts --segment at-risk"
    )
)
def themes(
    period: Annotated[str, typer.Option(help=N_("month or quarter."))] = "month",
    periods: Annotated[int, typer.Option(help=N_("How many periods to look back."))] = 6,
    source: Annotated[str, typer.Option(help=N_("all, feedback or complaints."))] = "all",
    product: Annotated[
        str | None, typer.Option(help=N_("Only what buyers of this product wrote."))
    ] = None,
    segment: Annotated[
        str | None,
        typer.Option(
            help=N_("Only customers in this segment: RFM, or saved by `clusters --save`.")
        ),
    ] = None,
    by: Annotated[str | None, typer.Option(help=N_("Group by product or segment."))] = None,
    texts: Annotated[
        bool, typer.Option("--texts", help=N_("One row per text with its sentiment."))
    ] = False,
    explain: Annotated[bool, typer.Option("--explain", help=N_("Say how it is done."))] = False,
    limit: LimitOpt = 15,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    from .. import db
    from ..analytics.themes import MEASURED, SENTIMENT_METHOD
    from ..services import themes as service
    from . import _output

    day = _as_of(as_of)
    if explain:
        _output.info(_(THEMES_METHOD))
        _output.info("")
        _output.info(_(SENTIMENT_METHOD).format(**MEASURED))
        return
    with db.session() as s:
        res = service.themes(
            s, day, period=period, periods=periods, source=source, product=product,
            segment=segment, by=by, limit=limit,
        )  # fmt: skip
    if texts:
        _theme_texts(res["frame"], fmt, limit)
    elif by:
        _theme_groups(res, by, fmt)
    else:
        _theme_table(res, fmt)


# words shown through pgettext/label: where each text came from, and the trend's periods
SOURCES = (C_("text_source", "feedback"), C_("text_source", "complaint"))
PERIOD_WORDS = (C_("period", "month"), C_("period", "quarter"))


def _theme_table(res: dict[str, Any], fmt: str) -> None:
    from ..analytics.report import sparkline
    from ..vocab import label
    from . import _output
    from ._output import Col

    if fmt == "json":
        _output.write_json({k: v for k, v in res.items() if k != "frame"})
        return
    if fmt == "csv":
        _output.write_csv(
            [{**r, "trend": ";".join(map(str, r["trend"])), "sources": ";".join(r["sources"])}
             for r in res["themes"]]
        )  # fmt: skip
        return
    first, last = res["periods"][0], res["periods"][-1]
    n = res["texts"]
    if not n and not res["complaint_categories"]:
        _output.info(
            _("No feedback or complaint texts from {first} to {last}.").format(
                first=first, last=last
            )
        )
        return
    rows = [
        {
            "theme": r["theme"] + (" ↑" if r["growing"] else ""),
            "texts": r["texts"],
            "share": _pct(r["share"]),
            "negative": _pct(r["negative_share"]),
            "trend": sparkline(r["trend"]),
            "example": r["example"],
        }
        for r in res["themes"]
    ]
    cols = [
        Col("theme", _("Theme")), Col("texts", _("Texts"), "right"),
        Col("share", _("Share"), "right"), Col("negative", _("Negative"), "right"),
        Col("trend", _("Trend")), Col("example", _("Latest example"), flex=True),
    ]  # fmt: skip
    tally = res["sentiment"]
    mood = _listed(
        [f"{pgettext('sentiment', k)} {_pct(v / n if n else None)}" for k, v in tally.items()]
    )
    caption = ngettext(
        "{n} text, {first} – {last}; sentiment: {mood}",
        "{n} texts, {first} – {last}; sentiment: {mood}",
        n,
    ).format(n=n, first=first, last=last, mood=mood)
    caption += "\n" + _(
        "↑ growing; trend: one bar per {period}; method: `custtrack themes --explain`"
    ).format(period=pgettext("period", res["period"]))
    _output.table(
        rows, cols, title=_("What customers say"), caption=caption,
        empty=_("No theme comes up twice yet."),
    )  # fmt: skip
    cats = res["complaint_categories"]
    if cats:
        crow = [
            {
                "category": label("complaint_category", r["category"])
                + (" ↑" if r["growing"] else ""),
                "now": r["now"],
                "before": _num(r["before_mean"], 1),
                "trend": sparkline(r["trend"]),
            }
            for r in cats
        ]
        _output.table(
            crow,
            [Col("category", _("Category")), Col("now", _("This period"), "right"),
             Col("before", _("Before (mean)"), "right"), Col("trend", _("Trend"))],
            title=_("Complaint categories"),
        )  # fmt: skip


def _theme_groups(res: dict[str, Any], by: str, fmt: str) -> None:
    from ..vocab import label
    from . import _output
    from ._output import Col

    groups = res["groups"]
    if fmt == "json":
        _output.write_json({k: v for k, v in res.items() if k != "frame"})
        return
    rows = [
        {**g, "themes": "; ".join(f"{t['theme']} ({t['texts']})" for t in g["themes"])}
        for g in groups
    ]
    if fmt == "csv":
        _output.write_csv(rows)
        return
    from ..services.themes import NONE

    def group(value: str) -> str:
        if value == NONE:
            return _("(none)")
        return label("segment", value) if by == "segment" else value

    shown = [
        {**r, "group": group(r["group"]), "negative_share": _pct(r["negative_share"]),
         "mean_sentiment": _num(r["mean_sentiment"])}
        for r in rows
    ]  # fmt: skip
    header = _("Product") if by == "product" else _("Segment")
    cols = [
        Col("group", header), Col("texts", _("Texts"), "right"),
        Col("negative_share", _("Negative"), "right"),
        Col("mean_sentiment", _("Mean sentiment"), "right"),
        Col("themes", _("Top themes"), flex=True),
    ]  # fmt: skip
    title = (
        _("What customers say, by product")
        if by == "product"
        else _("What customers say, by segment")
    )
    _output.table(shown, cols, title=title, empty=_("No feedback or complaint texts."))


def _theme_texts(frame: Any, fmt: str, limit: int) -> None:
    from ..vocab import label
    from . import _output
    from ._output import Col

    data = frame.sort_values(["day", "source", "id"], ascending=False, kind="stable")
    if limit:
        data = data.head(limit)
    keys = ["source", "id", "day", "customer_id", "customer", "sentiment", "score", "products",
            "text"]  # fmt: skip
    data = data[keys]
    if fmt != "table":
        rows = _records(data)
        if fmt == "csv":
            rows = [{**r, "products": ";".join(r["products"])} for r in rows]
        _output.emit(rows, [Col(k, k) for k in keys], fmt)
        return
    rows = [
        {**r, "source": label("text_source", r["source"]),
         "sentiment": f"{pgettext('sentiment', r['sentiment'])} {r['score']:+.2f}",
         "products": _listed(r["products"])}
        for r in _records(data)
    ]  # fmt: skip
    cols = [
        Col("day", _("Date")), Col("source", _("Source")), Col("customer", _("Customer")),
        Col("sentiment", _("Sentiment")), Col("products", _("Products")),
        Col("text", _("Text"), flex=True),
    ]  # fmt: skip
    _output.table(rows, cols, title=_("Texts and their sentiment"), empty=_("No texts."))


# --- profit --------------------------------------------------------------------------------------


def _money(value: float | None, currency: str) -> str:
    from .analytics import _money as money

    return money(value, currency)


@_command(
    N_(
        "Customers ranked by margin: what they brought in, less what the goods cost and what "
        "serving them cost.\n\n"
        "Product cost per purchase line: its own cost (the import columns 成本/cost or "
        "进价/unit cost × quantity), else the product's unit cost × quantity (`custtrack "
        "product set`), else profit.unknown_cost_share × its amount (0 unless set: such lines "
        "are counted and said). Cost to serve: each contact at the cost of its channel "
        "(profit.contact_cost.phone, .wechat, .visit …) and each complaint at "
        "profit.complaint_cost, set with `custtrack config set`. Margin rate = margin ÷ "
        "revenue. Only purchases in the configured currency count.\n\n"
        "JSON fields: customer_id, name, revenue, product_cost, cost_known_share, contacts, "
        "contact_cost, complaints, complaint_cost, cost_to_serve, margin, margin_rate, segment. "
        "With --by segment: group, customers, revenue, product_cost, cost_to_serve, margin, "
        "margin_rate, margin_share.\n\n"
        "Examples: custtrack profit --limit 20    custtrack profit --by segment    "
        "custtrack config set profit.contact_cost.visit 15"
    )
)
def profit(
    by: Annotated[
        str | None, typer.Option(help=N_("segment: margins per RFM segment instead."))
    ] = None,
    segment: Annotated[
        str | None,
        typer.Option(
            help=N_("Only customers in this segment: RFM, or saved by `clusters --save`.")
        ),
    ] = None,
    sort: Annotated[
        str, typer.Option(help=N_("margin, revenue, rate (margin rate) or cost (cost to serve)."))
    ] = "margin",
    worst: Annotated[
        bool, typer.Option("--worst", help=N_("Lowest first (the least profitable)."))
    ] = False,
    limit: LimitOpt = 0,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    from .. import db
    from ..analytics.profit import group_margins, totals
    from ..errors import InvalidValue
    from ..services import analytics
    from ..services import profit as service
    from ..vocab import label
    from . import _output
    from ._output import Col

    day = _as_of(as_of)
    sorts = {"margin": "margin", "revenue": "revenue", "rate": "margin_rate"}
    sorts["cost"] = "cost_to_serve"
    if sort not in sorts:
        raise InvalidValue(
            "--sort", sort, _("must be one of {values}").format(values=", ".join(sorts))
        )
    if by is not None and by != "segment":
        raise InvalidValue("--by", by, _("must be segment"))
    with db.session() as s:
        got = service.margins(s, day)
        seg = analytics.rfm(s, day)["segment"] if len(got) else None
        members = None
        if segment:
            from ..services.segments import customer_ids_in_segment

            members = customer_ids_in_segment(s, segment, day)
        left_out = analytics.other_currency_note(analytics.other_currency_purchases(s, day))
        names = service.customer_names(s)
    cur = analytics.currency()
    unknown = got.attrs["unknown_lines"]
    if members is not None:
        got = got[got.index.isin(members)]
    notes = []
    if unknown:
        share = float(service.settings()[2])
        notes.append(
            ngettext(
                "{n} purchase line has no known cost: counted at {share} of its amount "
                "(profit.unknown_cost_share); `custtrack product list` shows what to price",
                "{n} purchase lines have no known cost: counted at {share} of their amount "
                "(profit.unknown_cost_share); `custtrack product list` shows what to price",
                unknown,
            ).format(n=unknown, share=f"{share:.0%}")
        )
    if left_out:
        notes.append(left_out)
    if by:
        table = group_margins(got, seg if seg is not None else got["margin"].iloc[0:0])
        frame = table.reset_index()
        if fmt != "table":
            for note in notes:
                _output.warn(note)
            _output.write_frame(frame, fmt)
            return
        rows = [
            {**r, "group": label("segment", r["group"]) if r["group"] != "(none)" else _("(none)"),
             **{k: _num(r[k]) for k in ("revenue", "product_cost", "cost_to_serve", "margin")},
             "margin_rate": _pct(r["margin_rate"]), "margin_share": _pct(r["margin_share"])}
            for r in _records(frame)
        ]  # fmt: skip
        cols = [
            Col("group", _("Segment")), Col("customers", _("Customers"), "right"),
            Col("revenue", _("Revenue"), "right"),
            Col("product_cost", _("Product cost"), "right"),
            Col("cost_to_serve", _("Cost to serve"), "right"),
            Col("margin", _("Margin"), "right"), Col("margin_rate", _("Margin %"), "right"),
            Col("margin_share", _("Share of margin"), "right"),
        ]  # fmt: skip
        caption = _("as of {day}; amounts in {currency}").format(day=day, currency=cur)
        caption += "".join("\n" + n for n in notes)
        _output.table(rows, cols, title=_("Margin by segment"), caption=caption,
                      empty=_("No purchases recorded yet."))  # fmt: skip
        return
    table = got.copy()
    table.insert(0, "name", [names.get(i) for i in table.index])
    table["segment"] = seg.reindex(table.index) if seg is not None else None
    total = totals(table)
    key = sorts[sort]
    table = table.sort_values([key, "revenue"], ascending=worst, kind="stable", na_position="last")
    if limit:
        table = table.head(limit)
    frame = table.reset_index()
    if fmt != "table":
        for note in notes:
            _output.warn(note)
        _output.write_frame(frame, fmt)
        return
    rows = [
        {**r, **{k: _num(r[k]) for k in ("revenue", "product_cost", "cost_to_serve", "margin")},
         "margin_rate": _pct(r["margin_rate"]), "cost_known_share": _pct(r["cost_known_share"])}
        for r in _records(frame)
    ]  # fmt: skip
    cols = [
        Col("customer_id", _("ID"), "right"), Col("name", _("Customer")),
        Col("revenue", _("Revenue"), "right"), Col("product_cost", _("Product cost"), "right"),
        Col("cost_to_serve", _("Cost to serve"), "right"), Col("margin", _("Margin"), "right"),
        Col("margin_rate", _("Margin %"), "right"),
        Col("cost_known_share", _("Cost known"), "right"),
    ]  # fmt: skip
    n = len(got)
    caption = ngettext(
        "as of {day}; {n} customer, margin {margin} of revenue {revenue} ({rate})",
        "as of {day}; {n} customers, margin {margin} of revenue {revenue} ({rate})",
        n,
    ).format(
        day=day, n=n, margin=_money(total["margin"], cur), revenue=_money(total["revenue"], cur),
        rate=_pct(total["margin_rate"]),
    )  # fmt: skip
    caption += "".join("\n" + note for note in notes)
    title = _("Least profitable customers") if worst else _("Customers by margin")
    _output.table(rows, cols, title=title, caption=caption,
                  empty=_("No purchases recorded yet."))  # fmt: skip


@_command(
    N_(
        "Set what one unit of a product costs you (its purchase price, 进价).\n\n"
        "Purchases of this product (the name exactly as on the purchases) that carry no cost of "
        "their own are costed at this × their quantity in `profit`, `value --margin` and the "
        "report.\n\n"
        'Example: custtrack product set "西湖龙井 明前特级 250g" --cost 420 --category tea'
    ),
    product_app,
    "set",
)
def product_set(
    name: Annotated[str, typer.Argument(help=N_("Product name."), show_default=False)],
    cost: Annotated[str, typer.Option(help=N_("What one unit costs you, e.g. 12.50."))],
    category: Annotated[str | None, typer.Option(help=N_("Product category."))] = None,
    currency: Annotated[
        str | None, typer.Option(help=N_("Currency of the cost (default: the configured one)."))
    ] = None,
    fmt: WriteFormatOpt = "table",
) -> None:
    from .. import db
    from ..services import profit as service
    from ..validate import money_text
    from . import _output

    with db.session(write=True) as s:
        prod, created = service.set_product(s, name, cost, category, currency)
    if _output.written(fmt, prod):
        return
    text = (
        _("Added {product}: unit cost {cost}")
        if created
        else _("Changed {product}: unit cost {cost}")
    )
    _output.success(
        text.format(
            product=prod["name"], cost=money_text(prod["unit_cost_minor"], prod["currency"])
        )
    )


@_command(
    N_(
        "Products with their unit cost, and every product on a purchase that has none yet.\n\n"
        "JSON fields: name, category, unit_cost, currency, lines (purchase lines sold), "
        "lines_with_cost (lines that carry their own cost)."
    ),
    product_app,
    "list",
)
def product_list(fmt: FormatOpt = "table") -> None:
    from .. import db
    from ..services import profit as service
    from ..validate import currency_exponent, money_text
    from . import _output
    from ._output import Col

    with db.session() as s:
        rows = service.list_products(s)
    for r in rows:
        minor, cur = r.pop("unit_cost_minor"), r["currency"]
        r["unit_cost"] = None if minor is None else minor / 10 ** currency_exponent(cur)
        r["shown_cost"] = "—" if minor is None else money_text(minor, cur)
    keys = ["name", "category", "unit_cost", "currency", "lines", "lines_with_cost"]
    if fmt != "table":
        _output.emit([{k: r[k] for k in keys} for r in rows], [Col(k, k) for k in keys], fmt)
        return
    cols = [
        Col("name", _("Product")), Col("category", _("Category")),
        Col("shown_cost", _("Unit cost"), "right"), Col("lines", _("Lines sold"), "right"),
        Col("lines_with_cost", _("With own cost"), "right"),
    ]  # fmt: skip
    _output.table(
        rows, cols, title=_("Products"),
        empty=_('No products yet: custtrack product set "Name" --cost 12.50'),
    )  # fmt: skip


@_command(N_("Remove a product's unit cost."), product_app, "remove")
def product_remove(
    name: Annotated[str, typer.Argument(help=N_("Product name."), show_default=False)],
) -> None:
    from .. import db
    from ..services import profit as service
    from . import _output

    with db.session(write=True) as s:
        service.remove_product(s, name)
    _output.success(_("Removed {product}").format(product=name.strip()))
