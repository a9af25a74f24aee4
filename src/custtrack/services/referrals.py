"""Referrals (issue 15): who brought whom (`customers.referred_by_id`), the advocates who bring
the most customers and the revenue those customers bring, and the advocate segment.

An advocate is a customer who brought at least `referrals.advocate_min` customers; they are a
segment wherever segments are used (`list --segment advocates`, `due --segment advocates`, a
cadence), an action in `segments --explain`, and a line of `suggest`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from .. import clock, config
from ..errors import InvalidValue
from ..i18n import C_, N_, _, pgettext
from ..models import Customer, Purchase

C, P = Customer.__table__, Purchase.__table__
ADVOCATES = C_("segment", "Advocates")  # the segment's name (shown through vocab.label)
ACTION = N_("thank them and reward each referral; ask them to bring a friend again")
_NAMES = ("advocates", "advocate", "推荐者", "推荐人", "介绍人", "口碑客户")


def is_advocate_segment(name: str) -> bool:
    """Whether a segment name as typed means the advocates."""
    return name.strip().lower() in _NAMES or name.strip() == pgettext("segment", ADVOCATES)


def advocate_min() -> int:
    return max(1, int(config.get("referrals.advocate_min") or 1))


def _conn(bind: Any) -> sa.Connection:
    return bind.connection() if hasattr(bind, "get_bind") else bind


def referrer_id(session: Any, ref: str | None, customer_id: int | None = None) -> int | None:
    """The id of the customer `ref` names as the one who brought a customer ("" clears it: None
    as well). A customer cannot have brought themselves."""
    if ref is None or not ref.strip():
        return None
    from .customers import resolve

    found = resolve(session, ref)
    if customer_id is not None and found.id == customer_id:
        raise InvalidValue("--referred-by", ref, _("a customer cannot have brought themselves"))
    return found.id


def referrer_of(bind: Any, customer: Any) -> dict[str, Any] | None:
    if customer.referred_by_id is None:
        return None
    row = (
        _conn(bind)
        .execute(sa.select(C.c.id, C.c.name).where(C.c.id == customer.referred_by_id))
        .first()
    )
    return {"id": row[0], "name": row[1]} if row else None


def _spend(conn: sa.Connection, ids: list[int], end: Any = None) -> dict[int, int]:
    from .segments import configured_currency

    out: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        stmt = (
            sa.select(P.c.customer_id, sa.func.sum(P.c.amount_minor))
            .where(P.c.customer_id.in_(part), P.c.currency == configured_currency())
            .group_by(P.c.customer_id)
        )
        if end is not None:
            stmt = stmt.where(P.c.at < end)
        out.update(conn.execute(stmt).all())
    return out


def brought(bind: Any, customer_id: int) -> list[dict[str, Any]]:
    """The customers this one brought, oldest first: id, name, since, spend_minor."""
    conn = _conn(bind)
    rows = [
        dict(r._mapping)
        for r in conn.execute(
            sa.select(C.c.id, C.c.name, C.c.created_at.label("since"))
            .where(C.c.referred_by_id == customer_id)
            .order_by(C.c.created_at, C.c.id)
        )
    ]
    spend = _spend(conn, [r["id"] for r in rows])
    for r in rows:
        r["spend_minor"] = spend.get(r["id"], 0)
    return rows


def counts(bind: Any, as_of: date | None = None) -> dict[int, int]:
    """Customers brought, per customer who brought any (up to the end of `as_of`)."""
    stmt = (
        sa.select(C.c.referred_by_id, sa.func.count())
        .where(C.c.referred_by_id.is_not(None))
        .group_by(C.c.referred_by_id)
    )
    if as_of is not None:
        from .segments import end_of_day_utc

        stmt = stmt.where(C.c.created_at < end_of_day_utc(as_of))
    return dict(_conn(bind).execute(stmt).all())


def advocates(bind: Any, as_of: date | None = None) -> dict[int, int]:
    """The advocates (at least referrals.advocate_min customers brought): id -> how many."""
    least = advocate_min()
    return {cid: n for cid, n in counts(bind, as_of).items() if n >= least}


def ranking(bind: Any, as_of: date | None = None, limit: int = 0) -> list[dict[str, Any]]:
    """Customers who brought others, best first: by customers brought, then by the revenue
    those customers brought (configured currency, up to the end of `as_of`)."""
    from .segments import configured_currency, end_of_day_utc

    conn = _conn(bind)
    as_of = as_of or clock.today()
    end = end_of_day_utc(as_of)
    pairs = conn.execute(
        sa.select(C.c.referred_by_id, C.c.id).where(
            C.c.referred_by_id.is_not(None), C.c.created_at < end
        )
    ).all()
    by: dict[int, list[int]] = {}
    for referrer, cid in pairs:
        by.setdefault(referrer, []).append(cid)
    spend = _spend(conn, sorted({cid for _r, cid in pairs}), end)
    names: dict[int, str] = {}
    ids = sorted(by)
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        names.update(conn.execute(sa.select(C.c.id, C.c.name).where(C.c.id.in_(part))).all())
    least = advocate_min()
    rows: list[dict[str, Any]] = [
        {
            "customer_id": rid,
            "name": names.get(rid),
            "brought": len(cids),
            "buyers": sum(1 for c in cids if spend.get(c)),
            "revenue_minor": sum(spend.get(c, 0) for c in cids),
            "currency": configured_currency(),
            "advocate": len(cids) >= least,
        }
        for rid, cids in by.items()
    ]
    rows.sort(key=lambda r: (-r["brought"], -r["revenue_minor"], r["customer_id"]))
    return rows[:limit] if limit else rows
