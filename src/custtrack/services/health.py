"""The health score's facts, read from the store, and the settings it is computed with
(`health.weight.*`, `health.*_days`); the arithmetic is analytics.health (plain Python)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from .. import clock, config
from ..analytics.health import DEFAULT_WEIGHTS, TERMS, Facts, Scales, score
from ..errors import CusttrackError
from ..i18n import C_, _
from ..models import Complaint, Customer, Feedback, Purchase, points_ledger

C, P, FB, K, L = (
    Customer.__table__, Purchase.__table__, Feedback.__table__, Complaint.__table__,
    points_ledger,
)  # fmt: skip
_TERM_LABELS = (
    C_("health_term", "contact"), C_("health_term", "purchase"), C_("health_term", "trend"),
    C_("health_term", "satisfaction"), C_("health_term", "complaints"),
    C_("health_term", "loyalty"),
)  # fmt: skip
YEAR = 365


def weights() -> dict[str, float]:
    """The weights in force (config health.weight.<term>)."""
    out = {t: float(config.get(f"health.weight.{t}") or 0) for t in TERMS}
    if sum(out.values()) <= 0:
        raise CusttrackError(
            _(
                "the health weights add up to 0; give one a weight, e.g. `custtrack config set "
                "health.weight.purchase {weight}`"
            ).format(weight=f"{DEFAULT_WEIGHTS['purchase']:g}")
        )
    return out


def scales() -> Scales:
    return Scales(
        contact_days=int(config.get("health.contact_days") or 0),
        purchase_days=int(config.get("health.purchase_days") or 0),
        trend_days=int(config.get("health.trend_days") or 0),
    )


def _start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.local_zone()).astimezone(UTC)


def _conn(bind: Any) -> sa.Connection:
    return bind.connection() if hasattr(bind, "get_bind") else bind


def _parts(ids: list[int] | None) -> Iterator[list[int] | None]:
    if ids is None:
        yield None
        return
    for start in range(0, len(ids), 900):
        yield ids[start : start + 900]


def facts(bind: Any, today: date, ids: list[int] | None = None) -> dict[int, Facts]:
    """Each customer's facts on `today` (ids None: every active customer)."""
    from .segments import configured_currency

    conn = _conn(bind)
    s = scales()
    end = _start(today + timedelta(days=1))
    recent = _start(today - timedelta(days=max(s.trend_days, 1) - 1))
    prior = _start(today - timedelta(days=2 * max(s.trend_days, 1) - 1))
    year = _start(today - timedelta(days=YEAR - 1))
    zone = clock.local_zone()

    def days(value: Any) -> int | None:
        if value is None:
            return None
        return (today - value.astimezone(zone).date()).days

    out: dict[int, Facts] = {}
    cur = configured_currency()
    in_cur = P.c.currency == cur
    stmt: sa.Select[*tuple[Any, ...]]  # one name for queries of differing rows
    for part in _parts(ids):

        def only(column: Any, part: list[int] | None = part) -> list[Any]:
            return [] if part is None else [column.in_(part)]

        stmt = sa.select(C.c.id, C.c.last_contact_at).where(*only(C.c.id))
        if part is None:
            stmt = stmt.where(C.c.status == "active", C.c.erased_at.is_(None))
        for cid, last in conn.execute(stmt):
            out[cid] = Facts(days_since_contact=days(last))
        spent = sa.func.sum(sa.case((sa.and_(in_cur, P.c.at >= recent), P.c.amount_minor), else_=0))
        before = sa.func.sum(
            sa.case((sa.and_(in_cur, P.c.at >= prior, P.c.at < recent), P.c.amount_minor), else_=0)
        )
        last_bought = sa.func.max(sa.case((P.c.refund_of.is_(None), P.c.at)))  # not a refund
        stmt = (
            sa.select(P.c.customer_id, last_bought, spent, before)
            .where(P.c.at < end, *only(P.c.customer_id))
            .group_by(P.c.customer_id)
        )
        for cid, last, r, b in conn.execute(stmt):
            if cid in out:
                f = out[cid]
                f.days_since_purchase, f.recent_spend, f.prior_spend = days(last), r or 0, b or 0
        answers = sa.func.count(FB.c.csat) + sa.func.count(FB.c.nps)
        value = sa.func.coalesce(sa.func.sum((FB.c.csat - 1) / 4.0), 0) + sa.func.coalesce(
            sa.func.sum(FB.c.nps / 10.0), 0
        )
        stmt = (
            sa.select(FB.c.customer_id, answers, value)
            .where(FB.c.at >= year, FB.c.at < end, *only(FB.c.customer_id))
            .group_by(FB.c.customer_id)
        )
        for cid, n, total in conn.execute(stmt):
            if cid in out:
                out[cid].answers, out[cid].answer_sum = int(n or 0), float(total or 0)
        stmt = (
            sa.select(K.c.customer_id, sa.func.count())
            .where(K.c.status == "open", *only(K.c.customer_id))
            .group_by(K.c.customer_id)
        )
        for cid, n in conn.execute(stmt):
            if cid in out:
                out[cid].open_complaints = int(n)
        redeemed = sa.func.max(sa.case((L.c.kind == "redeem", 1), else_=0))
        earned = sa.func.max(sa.case((L.c.kind.in_(("earn", "bonus")), 1), else_=0))
        stmt = (
            sa.select(L.c.customer_id, redeemed, earned)
            .where(L.c.at >= year, L.c.at < end, *only(L.c.customer_id))
            .group_by(L.c.customer_id)
        )
        for cid, r, e in conn.execute(stmt):
            if cid in out:
                out[cid].redeemed, out[cid].earned = bool(r), bool(e)
        stmt = (
            sa.select(C.c.referred_by_id, sa.func.count())
            .where(
                C.c.referred_by_id.is_not(None), C.c.created_at >= year, C.c.created_at < end,
                *only(C.c.referred_by_id),
            )
            .group_by(C.c.referred_by_id)
        )  # fmt: skip
        for cid, n in conn.execute(stmt):
            if cid in out:
                out[cid].brought = int(n)
    return out


def scores(bind: Any, today: date | None = None, ids: list[int] | None = None) -> dict[int, int]:
    """Each customer's score, 0–100."""
    today = today or clock.today()
    w, s = weights(), scales()
    return {cid: score(f, w, s)[0] for cid, f in facts(bind, today, ids).items()}


def explain(bind: Any, customer_id: int, today: date | None = None) -> dict[str, Any]:
    """One customer's score with each term: factor, weight, points, and the facts behind it
    (JSON keys in English)."""
    today = today or clock.today()
    w, s = weights(), scales()
    f = facts(bind, today, [customer_id]).get(customer_id, Facts())
    total, terms = score(f, w, s)
    detail = {
        "contact": {"days_since": f.days_since_contact, "scale_days": s.contact_days},
        "purchase": {"days_since": f.days_since_purchase, "scale_days": s.purchase_days},
        "trend": {"recent_minor": f.recent_spend, "before_minor": f.prior_spend,
                  "days": s.trend_days},
        "satisfaction": {"answers": f.answers,
                         "mean": round(f.answer_sum / f.answers, 4) if f.answers else None},
        "complaints": {"open": f.open_complaints},
        "loyalty": {"redeemed": f.redeemed, "earned": f.earned, "brought": f.brought},
    }  # fmt: skip
    for t in terms:
        t["facts"] = detail[t["term"]]
    return {"score": total, "terms": terms, "as_of": today}


def tiers_and_health(
    session: Any, rows: list[dict[str, Any]], tier: str | None, by_health: bool, limit: int
) -> list[dict[str, Any]]:
    """`list --tier` and `list --sort health`: each row's tier (only the one asked for kept) and
    health score (weakest first), cut to `limit` (0 = all)."""
    from . import loyalty

    today = clock.today()
    ids = [r["id"] for r in rows]
    if tier:
        wanted = loyalty.find_tier(tier)
        t = loyalty.tiers()
        assert t is not None  # find_tier refused otherwise
        values = loyalty.values_on(session, today, ids if len(ids) <= 5000 else None)
        for r in rows:
            r["tier"] = t.of(values.get(r["id"], 0)).name
        rows = [r for r in rows if r["tier"] == wanted.name]
        ids = [r["id"] for r in rows]
    if by_health:
        got = scores(session, today, ids if len(ids) <= 5000 else None)
        if len(ids) > 5000:  # every active customer was scored: archived ones one by one
            missing = [i for i in ids if i not in got]
            got.update(scores(session, today, missing) if missing else {})
        for r in rows:
            r["health"] = got.get(r["id"])
        rows.sort(key=lambda r: (r["health"] if r["health"] is not None else 101, r["id"]))
    return rows[:limit] if limit else rows


def rank_by_health(session: Any, items: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """`due --rank health`: within each section, the customers in the poorest health first
    (then by urgency, as `due` ranks)."""
    from .due import SECTIONS

    ids = sorted({i["customer_id"] for i in items})
    got = scores(session, today, ids) if ids else {}
    for i in items:
        i["health"] = got.get(i["customer_id"])
    order = {s: n for n, s in enumerate(SECTIONS)}
    return sorted(
        items,
        key=lambda i: (order[i["section"]], i["health"] if i["health"] is not None else 101,
                       -i["urgency"], i["due_date"], i["key"]),
    )  # fmt: skip
