"""Feedback themes and sentiment: the texts customers wrote (feedback and complaints) read from
the store, attributed to a product and a segment, and summed up by analytics.themes."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..errors import InvalidValue
from ..i18n import _

if TYPE_CHECKING:
    import pandas as pd
    from sqlmodel import Session

SOURCES = ("all", "feedback", "complaints")
BY = ("product", "segment")
EXAMPLE_CHARS = 80
NONE = "(none)"


def texts_frame(session: Session, as_of: date) -> pd.DataFrame:
    """Every feedback and complaint up to as_of: source (feedback, complaint), id, customer_id,
    day (local), text (may be empty), category (complaints), csat (feedback)."""
    import pandas as pd

    from ..models import Complaint, Feedback
    from . import analytics
    from .segments import end_of_day_utc

    end = end_of_day_utc(as_of)
    f, c = Feedback.__table__, Complaint.__table__
    fb = sa.select(f.c.id, f.c.customer_id, f.c.at, f.c.text, f.c.csat).where(f.c.at < end)
    co = sa.select(c.c.id, c.c.customer_id, c.c.opened_at, c.c.text, c.c.category).where(
        c.c.opened_at < end
    )
    cols = ["id", "customer_id", "at", "text"]
    a = pd.DataFrame(list(map(tuple, session.execute(fb))), columns=[*cols, "csat"])
    b = pd.DataFrame(list(map(tuple, session.execute(co))), columns=[*cols, "category"])
    a["source"], b["source"] = "feedback", "complaint"
    frames = [x for x in (a, b) if len(x)]
    if not frames:
        out = pd.DataFrame(columns=["source", *cols, "category", "csat", "day"])
        out["day"] = pd.to_datetime(out["day"])
        return out.drop(columns=["at"])
    out = pd.concat(frames, ignore_index=True)
    for col in ("category", "csat"):
        if col not in out:
            out[col] = None
    out["day"] = analytics._local_day(out["at"].astype(str))
    out["text"] = out["text"].fillna("").astype(str).str.strip()
    return out.drop(columns=["at"]).sort_values(["day", "source", "id"], kind="stable")


def _products_at(session: Session, as_of: date, texts: pd.DataFrame) -> pd.Series:
    """Per text: the products of its customer's last purchase day on or before the text's day
    (what the feedback is most likely about), as a list (empty if none)."""
    import pandas as pd

    from ..models import Purchase
    from . import analytics
    from .segments import end_of_day_utc

    p = Purchase.__table__
    stmt = sa.select(p.c.customer_id, p.c.product, p.c.at).where(
        p.c.at < end_of_day_utc(as_of), p.c.product.is_not(None)
    )
    lines = pd.DataFrame(
        list(map(tuple, session.execute(stmt))), columns=["customer_id", "p", "at"]
    )
    if lines.empty or texts.empty:
        return pd.Series([[] for _ in range(len(texts))], index=texts.index, dtype=object)
    lines["bought"] = analytics._local_day(lines["at"].astype(str)).astype("datetime64[ns]")
    per_day = lines.groupby(["customer_id", "bought"])["p"].agg(lambda s: sorted(set(s)))
    days = per_day.reset_index()[["customer_id", "bought"]].sort_values("bought", kind="stable")
    left = texts[["customer_id", "day"]].astype({"day": "datetime64[ns]"}).reset_index()
    found = pd.merge_asof(
        left.sort_values("day", kind="stable"), days, left_on="day", right_on="bought",
        by="customer_id", direction="backward",
    ).set_index("index")  # fmt: skip
    out = []
    for i in texts.index:
        cid, bought = found.at[i, "customer_id"], found.at[i, "bought"]
        out.append(per_day.get((cid, bought), []) if pd.notna(bought) else [])
    return pd.Series(out, index=texts.index, dtype=object)


def themes(
    session: Session,
    as_of: date,
    *,
    period: str = "month",
    periods: int = 6,
    source: str = "all",
    product: str | None = None,
    segment: str | None = None,
    by: str | None = None,
    limit: int = 15,
) -> dict[str, Any]:
    """Themes, sentiment and complaint categories over the last `periods` periods up to as_of
    (see analytics.themes); `texts` is the per-text frame (sentiment, products, terms)."""
    from ..analytics import churn
    from ..analytics import themes as th
    from . import analytics

    if period not in ("month", "quarter"):
        raise InvalidValue("--period", period, _("must be month or quarter"))
    if not 1 <= periods <= 36:
        raise InvalidValue(
            "--periods", periods, _("must be between {low} and {high}").format(low=1, high=36)
        )
    if source not in SOURCES:
        raise InvalidValue(
            "--source", source, _("must be one of {values}").format(values=", ".join(SOURCES))
        )
    if by is not None and by not in BY:
        raise InvalidValue("--by", by, _("must be one of {values}").format(values=", ".join(BY)))
    from .clusters import require

    require("jieba", "jieba")
    bounds = churn.period_bounds(analytics.ts(as_of), period, periods)
    frame = texts_frame(session, as_of)
    frame = frame[frame["day"] >= bounds[0][1]]
    if source != "all":
        frame = frame[frame["source"] == source.rstrip("s")]
    if segment:
        from .segments import customer_ids_in_segment

        frame = frame[frame["customer_id"].isin(customer_ids_in_segment(session, segment, as_of))]
    frame = frame.copy()
    frame["products"] = _products_at(session, as_of, frame)
    if product:
        key = product.strip().lower()
        frame = frame[frame["products"].map(lambda ps: key in {p.lower() for p in ps})]
    if by == "segment":
        seg = analytics.rfm(session, as_of)["segment"]
        frame["segment"] = frame["customer_id"].map(seg).fillna(NONE)
    from .profit import customer_names

    names = customer_names(session)
    frame["customer"] = frame["customer_id"].map(names)
    complaints = frame[frame["source"] == "complaint"]
    said = frame[frame["text"] != ""].copy()
    said["score"] = [th.sentiment(t) for t in said["text"]]
    said["sentiment"] = [th.label(s) for s in said["score"]]
    said["terms"] = [th.terms(t) for t in said["text"]]
    found = th.theme_index(said["text"])
    rows = [_theme_row(term, n, said, bounds) for term, n in th.top_themes(found, limit)]
    groups = _groups(said, by, limit=3) if by else []
    tally = said["sentiment"].value_counts()
    return {
        "as_of": as_of,
        "period": period,
        "periods": [label for label, _, _ in bounds],
        "texts": int(len(said)),
        "sentiment": {k: int(tally.get(k, 0)) for k in ("positive", "neutral", "negative")},
        "themes": rows,
        "complaint_categories": th.category_growth(complaints, bounds, "day"),
        "groups": groups,
        "frame": said,
    }


def _theme_row(term: str, n: int, said: pd.DataFrame, bounds: list[tuple]) -> dict[str, Any]:
    from ..analytics import themes as th

    mask = said["terms"].map(lambda ts: term in ts)
    part = said[mask]
    trend = th.per_period(part["day"], bounds)
    latest = part.sort_values("day", kind="stable").iloc[-1]
    example = latest["text"]
    if len(example) > EXAMPLE_CHARS:
        example = example[: EXAMPLE_CHARS - 1] + "…"
    return {
        "theme": term,
        "texts": int(n),
        "share": n / len(said) if len(said) else None,
        "negative_share": float((part["sentiment"] == "negative").mean()),
        "mean_sentiment": float(part["score"].mean()),
        "trend": trend,
        "growing": th.growing(trend, bounds),
        "sources": sorted(set(part["source"])),
        "example": example,
    }


def _groups(said: pd.DataFrame, by: str, limit: int) -> list[dict[str, Any]]:
    from ..analytics import themes as th

    if by == "product":
        data = said.explode("products")
        data["group"] = data["products"].fillna(NONE)
    else:
        data = said.assign(group=said["segment"])
    out = []
    for name, part in data.groupby("group", sort=True):
        top = th.top_themes(th.theme_index(part["text"]), limit, min_count=1)
        out.append(
            {
                "group": name,
                "texts": int(len(part)),
                "negative_share": float((part["sentiment"] == "negative").mean()),
                "mean_sentiment": float(part["score"].mean()),
                "themes": [{"theme": t, "texts": k} for t, k in top],
            }
        )
    out.sort(key=lambda g: (-g["texts"], str(g["group"])))
    return out
