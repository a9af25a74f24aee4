"""The agenda: everything that can come due, kept as rows per customer, so that `due` reads one
page of an index and its cost follows the page, not the number of customers.

The rows are a cache of the rules in `due` (stored follow-ups, cadences, birthdays, post-purchase
check-ins, complaint deadlines), computed by the very same code for one customer at a time:

- Which customers to recompute is noted by database triggers (migration 0004) in `agenda_dirty`,
  whatever command changed their contacts, purchases, follow-ups, complaints, tags or record.
- A row does not depend on the day it was computed on, except a birthday or a post-purchase
  check-in whose grace has run out: `stale_on` says from which day that customer is recomputed.
- A change of the settings the rows are made from (see `fingerprint`) recomputes every customer.

`due` brings the agenda up to date first (`catch_up`, usually a handful of customers), then reads
it (`page`). It computes on read instead (`due._due_items`) where the agenda cannot answer: a day
before the one it was brought up to date for (`--as-of` in the past), a segment cadence (segments
move with time), or a database without the triggers (neither SQLite nor PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from .. import clock, config, dialect
from ..models import Meta
from ..models import agenda as A
from ..models import agenda_dirty as D
from . import due as rules

M = Meta.__table__  # Core tables only: an ORM attribute would configure every mapper (~35 ms)

VERSION = 1  # of the rows' meaning: a change here rebuilds every agenda
STATE_KEY = "agenda"
CHUNK = 2000  # customers computed at once
_AHEAD = 3660  # how far computed rows look: every cadence, the next birthday or two
# the settings rows are made from (followups.due_days and birthday_lead_days only filter on read)
_SETTINGS = (
    "currency",
    "followups.cadence_default_days",
    "followups.reminder_grace_days",
    "followups.post_purchase_enabled",
    "followups.post_purchase_days",
    "followups.post_purchase_grace_days",
    *(f"urgency.{k}" for k in ("due", "priority", "value", "origin")),
    *(f"complaints.deadline_hours.{p}" for p in rules.PRIORITY_WEIGHT),
)


def fingerprint() -> str:
    """What the rows were computed under: settings, time zone and this module's VERSION."""
    zone = clock.local_zone()
    values = {k: config.get(k) for k in _SETTINGS}
    from .loyalty import fingerprint_settings

    values.update(fingerprint_settings())  # tiers, only when set (issue 15)
    return json.dumps([VERSION, getattr(zone, "key", str(zone)), values], sort_keys=True)


def _state(session: Session) -> dict[str, Any] | None:
    raw = session.execute(sa.select(M.c.value).where(M.c.key == STATE_KEY)).scalar()
    return json.loads(raw) if raw else None


def _set_state(session: Session, fp: str, today: date) -> None:
    value = json.dumps({"fingerprint": fp, "as_of": today.isoformat()})
    session.execute(sa.delete(M).where(M.c.key == STATE_KEY))
    session.execute(sa.insert(M).values(key=STATE_KEY, value=value))


def kept(session: Session) -> bool:
    """Whether this database keeps an agenda: the triggers of migration 0004 exist for SQLite
    and PostgreSQL (another engine would compute on read)."""
    return dialect.name(session) in (dialect.SQLITE, dialect.POSTGRESQL)


def _segment_rules(session: Session) -> bool:
    stmt = sa.select(rules.CAD.c.id).where(rules.CAD.c.scope == "segment").limit(1)
    return session.execute(stmt).first() is not None


def pending(session: Session, today: date) -> str | None:
    """What `catch_up` has to do before `page` can answer for `today`: "build" (everything),
    "refresh" (some customers), None (nothing, or the agenda cannot answer: see `answers`)."""
    if not kept(session) or _segment_rules(session):
        return None
    state = _state(session)
    if state is None or state["fingerprint"] != fingerprint():
        return "build"
    if date.fromisoformat(state["as_of"]) > today:
        return None
    dirty = session.execute(sa.select(D.c.customer_id).limit(1)).first()
    if dirty is not None or state["as_of"] != today.isoformat():
        return "refresh"
    return None


def answers(session: Session, today: date) -> bool:
    """Whether the agenda is up to date for `today` (else `due` computes on read)."""
    if not kept(session) or _segment_rules(session):
        return False
    state = _state(session)
    if state is None or state["fingerprint"] != fingerprint():
        return False
    if state["as_of"] != today.isoformat():
        return False
    return session.execute(sa.select(D.c.customer_id).limit(1)).first() is None


def catch_up(session: Session, today: date, announce: Callable[[int], None] | None = None) -> int:
    """Bring the agenda up to date for `today` in this (write) session; returns how many
    customers were recomputed. announce(n) is called first when every customer is."""
    todo = pending(session, today)
    if todo is None:
        return 0
    with rules._local_zone():
        if todo == "build":
            return _build(session, today, announce)
        return _refresh(session, today)


def _build(session: Session, today: date, announce: Callable[[int], None] | None) -> int:
    C = rules.C
    first, last, count = session.execute(
        sa.select(sa.func.min(C.c.id), sa.func.max(C.c.id), sa.func.count())
    ).one()
    if announce is not None and count:
        announce(count)
    session.execute(sa.delete(A))
    session.execute(sa.delete(D))
    if count:
        for lo in range(first, last + 1, CHUNK):
            _compute(session, today, rules.Scope(among=(lo, lo + CHUNK - 1)))
    _set_state(session, fingerprint(), today)
    return count


def _refresh(session: Session, today: date) -> int:
    dirty = set(session.execute(sa.select(D.c.customer_id)).scalars())
    # no DISTINCT: it would walk every row by customer instead of the few stale by date
    stale = session.execute(sa.select(A.c.customer_id).where(A.c.stale_on <= today)).scalars()
    ids = sorted(dirty.union(stale))
    for n in range(0, len(ids), CHUNK):
        chunk = ids[n : n + CHUNK]
        session.execute(sa.delete(A).where(A.c.customer_id.in_(chunk)))
        _compute(session, today, rules.Scope(among=chunk))
    session.execute(sa.delete(D))
    _set_state(session, fingerprint(), today)
    return len(ids)


def drop(session: Session, customer_id: int) -> None:
    """Remove a customer's rows now (erasure: their notes must not wait for the next `due`)."""
    session.execute(sa.delete(A).where(A.c.customer_id == customer_id))


def _compute(session: Session, today: date, scope: rules.Scope) -> None:
    """Compute and insert the rows of the customers in scope (their old rows already gone)."""
    ahead = today + timedelta(days=_AHEAD)
    grace = int(config.get("followups.reminder_grace_days") or 0)
    pp_grace = int(config.get("followups.post_purchase_grace_days") or 0)
    items = rules._stored(session, today, None, scope)
    for item in items:
        item["shown_by"] = "b" if item["origin"] == "birthday" else "h"
    computed = [
        *((i, "h", None) for i in rules._cadence(session, today, ahead, scope)),
        *((i, "b", grace) for i in rules._birthdays(session, today, ahead, scope)),
        *((i, "h", pp_grace) for i in rules._post_purchase(session, today, ahead, scope)),
        *((i, "t", None) for i in rules._complaints(session, today, scope, until=ahead)),
        # issue 15: loyalty tiers (each item has its own stale_on: the day its facts change)
        *((i, "h", None) for i in rules._tiers(session, today, ahead, scope)),
    ]
    for item, shown_by, stale_after in computed:
        item["shown_by"] = shown_by
        if stale_after is not None:
            item["stale_on"] = item["due_date"] + timedelta(days=stale_after + 1)
        items.append(item)
    if not items:
        return
    rules._attach_spend(session, items, today)
    rules.fill_channels(session, items)
    coef = rules.coefficients()
    scale = rules.currency_scale()
    rows = []
    for i in items:
        terms = rules.urgency_terms({**i, "days_overdue": 0, "days_until": 0}, coef, scale)
        cents = sum(round(terms[k] * 100) for k in ("priority", "value", "origin"))
        rows.append(
            {
                "key": i["key"],
                "customer_id": i["customer_id"],
                "origin": i["origin"],
                "due_date": i["due_date"],
                "due_time": i["due_time"],
                "shown_by": i["shown_by"],
                "show_from": i.get("snoozed_until"),
                "stale_on": i.get("stale_on"),
                "order_key": -cents,
                "priority": i["priority"],
                "spend_minor": i["spend_minor"] or 0,
                "owner": i["owner"],
                "channel": i["channel"],
                "note": i["note"],
                "followup_id": i["followup_id"],
                "purchase_id": i["purchase_id"],
                "complaint_id": i["complaint_id"],
            }
        )
    session.execute(sa.insert(A), rows)


# --- reading -----------------------------------------------------------------------------------

_NEAR_PAST, _NEAR_FUTURE = 7, 14  # the due term is flat from 7 days overdue and 14 days ahead
_BY_RANK = 2000  # from this many items in one range, walk the order_key index rather than sort


def page(
    session: Session,
    limit: int,
    today: date,
    horizon: date,
    scope: rules.Scope,
    channel: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """The first `limit` items due (all when 0), in `due`'s order, and how many are due.

    Within a range of due dates that share the due term (one day, or all from 7 days overdue,
    or all from 14 days ahead) the order is fixed by order_key, so the first `limit` keys of each
    range, read from an index, hold the page; only the page's rows are then read in full.
    """
    last = max(horizon, rules._birthday_end(today, horizon))
    until = sa.case((A.c.shown_by == "h", horizon), (A.c.shown_by == "b", last), else_=today)
    cond = [A.c.due_date <= until, sa.or_(A.c.show_from.is_(None), A.c.show_from <= today)]
    if scope.owner:
        cond.append(sa.func.lower(A.c.owner) == scope.owner)
    if scope.tag:
        CT, T = rules.CT, rules.T
        tagged = sa.select(CT.c.customer_id).join(T, T.c.id == CT.c.tag_id)
        cond.append(A.c.customer_id.in_(tagged.where(T.c.name == scope.tag)))
    if channel:
        cond.append(sa.func.coalesce(A.c.channel, "") == channel)
    # snoozed follow-ups that come back within view: listed on that day (rules.shown_on), few
    back = [A.c.show_from > today, A.c.show_from <= until, A.c.due_date <= until, *cond[2:]]
    total, old = _count(session, cond, until, today, horizon, last)
    returning = session.execute(
        sa.select(A.c.key, A.c.due_date, A.c.show_from, A.c.order_key).where(*back)
    ).all()
    total += len(returning)
    if not total:
        return [], 0
    if not limit:
        shown = sa.or_(sa.and_(A.c.due_date <= last, *cond), sa.and_(*back))
        return _items(session, [shown], today), total
    ranges = _ranges(today, last)
    many = old >= _BY_RANK
    coef = rules.coefficients()
    found: list[tuple[Any, ...]] = []
    for key, day, show_from, order_key in returning:
        cents = round(rules.due_term(-(max(day, show_from) - today).days, coef) * 100) - order_key
        found.append((_section(today, max(day, show_from)), -cents, day, key))
    found = sorted(found)[:limit]
    for n, (lo, hi) in enumerate(ranges):
        full = found[-1][0] if len(found) >= limit else 3  # sections after the page's last: out
        if _section(today, hi) > full:
            continue
        # many items 7 days overdue or more: walk ix_agenda_rank in order (coalesce keeps the
        # planner off the due-date index) rather than sort them all; a day: its ix_agenda_day part
        day = sa.func.coalesce(A.c.due_date, lo) if n == 0 and many else A.c.due_date
        stmt = sa.select(A.c.key, A.c.due_date, A.c.order_key).where(*cond, day <= hi)
        if lo is not None:
            stmt = stmt.where(day >= lo)
        order = (A.c.order_key, A.c.key) if lo == hi else (A.c.order_key, A.c.due_date, A.c.key)
        for key, day, order_key in session.execute(stmt.order_by(*order).limit(limit)):
            cents = round(rules.due_term((today - day).days, coef) * 100) - order_key
            found.append((_section(today, day), -cents, day, key))
        found = sorted(found)[:limit]
    return _items(session, [A.c.key.in_([f[3] for f in found])], today), total


def _count(
    session: Session, cond: list[Any], until: Any, today: date, horizon: date, last: date
) -> tuple[int, int]:
    """How many items are due, and how many of them 7 days overdue or more.

    Without filters these are index counts: everything up to today shows, after today the rows
    up to their own limit (ix_agenda_shown), less the few follow-ups snoozed past today.
    """
    far = today - timedelta(days=_NEAR_PAST)

    def count(*where: Any) -> int:
        return session.execute(sa.select(sa.func.count()).where(*where)).scalar_one()

    if len(cond) > 2:  # owner, tag or channel: every row is checked
        return count(A.c.due_date <= last, *cond), count(A.c.due_date <= far, *cond)
    old = count(A.c.due_date <= far)
    total = old + count(A.c.due_date > far, A.c.due_date <= today)
    for shown_by, until in (("h", horizon), ("b", last)):
        total += count(A.c.shown_by == shown_by, A.c.due_date > today, A.c.due_date <= until)
    snoozed = [A.c.show_from > today, A.c.due_date <= until]
    return total - count(*snoozed), old - count(*snoozed, A.c.due_date <= far)


def _section(today: date, day: date) -> int:
    return 0 if day < today else 1 if day == today else 2


def _ranges(today: date, last: date) -> list[tuple[date | None, date]]:
    """Ranges of due dates whose items share the due term, in order, up to `last`."""
    far_past = today - timedelta(days=_NEAR_PAST)
    out: list[tuple[date | None, date]] = [(None, far_past)]
    day = far_past + timedelta(days=1)
    while day <= last and day < today + timedelta(days=_NEAR_FUTURE):
        out.append((day, day))
        day += timedelta(days=1)
    if day <= last:
        out.append((day, last))
    return out


def _items(session: Session, cond: list[Any], today: date) -> list[dict[str, Any]]:
    C = rules.C
    stmt = (
        sa.select(A, C.c.name.label("customer"), C.c.phone, C.c.wechat)
        .join(C, C.c.id == A.c.customer_id)
        .where(*cond)
    )
    coef, scale = rules.coefficients(), rules.currency_scale()
    items = []
    for r in session.execute(stmt).mappings():
        item = {
            "customer_id": r["customer_id"],
            "customer": r["customer"],
            "phone": r["phone"],
            "wechat": r["wechat"],
            "owner": r["owner"],
            "spend_minor": r["spend_minor"],
            "channel": r["channel"],
            "priority": r["priority"],
            "due_time": r["due_time"],
            "followup_id": r["followup_id"],
            "purchase_id": r["purchase_id"],
            "complaint_id": r["complaint_id"],
            "key": r["key"],
            "origin": r["origin"],
            "due_date": r["due_date"],
            "note": r["note"],
            "snoozed_until": r["show_from"],
        }
        rules.place(item, today)
        items.append(item)
    rules.rank(items, coef, scale)
    return items
