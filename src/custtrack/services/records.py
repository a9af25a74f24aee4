"""What happens with a customer: contacts, purchases, feedback and complaints, and the profile."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload

import sqlalchemy as sa
from sqlmodel import Session, col, select

from .. import clock, config
from ..errors import Conflict, InvalidValue, NotFound, UsageError
from ..i18n import _
from ..models import Complaint, Customer, Feedback, FollowUp, Interaction, Purchase
from ..validate import check_text, choice, currency_code, parse_money
from ..vocab import CHANNELS, COMPLAINT_CATEGORIES, PRIORITIES
from .customers import describe, tags_of


def _not_future(at: datetime, field: str = "--at") -> None:
    day = clock.to_local(at).date()  # callers may pass UTC; "today" is the user's local day
    if day > clock.today():
        raise InvalidValue(field, day.isoformat(), _("is in the future; record it when it happens"))


# checks of a purchase's and a feedback's values, shared with their corrections (corrections.py)
def purchase_currency(currency: str | None) -> str:
    """The currency of a purchase: the one given, else the `currency` setting (checked)."""
    if currency:
        return currency_code(currency)
    return currency_code(str(config.get("currency") or "USD"), _("config currency"))


def check_qty(qty: int) -> int:
    if qty < 1:
        raise InvalidValue("--qty", qty, _("must be at least 1"))
    return qty


def check_scores(csat: int | None, nps: int | None, text: str | None) -> None:
    """Feedback has a CSAT (1-5), an NPS (0-10) or a text."""
    if csat is None and nps is None and not (text or "").strip():
        raise UsageError(_("give --csat 1-5, --nps 0-10 or --text"))
    if csat is not None and not 1 <= csat <= 5:
        raise InvalidValue(
            "--csat", csat, _("must be between {low} and {high}").format(low=1, high=5)
        )
    if nps is not None and not 0 <= nps <= 10:
        raise InvalidValue(
            "--nps", nps, _("must be between {low} and {high}").format(low=0, high=10)
        )


def log_contact(
    session: Session,
    customer: Customer,
    *,
    channel: str,
    at: datetime,
    summary: str | None = None,
    outcome: str | None = None,
    owner: str | None = None,
    person_id: int | None = None,
) -> Interaction:
    """Record a contact and move the customer's last-contact time forward (never back)."""
    channel = choice(channel, CHANNELS, "--channel")
    _not_future(at)
    assert customer.id is not None  # a stored customer
    contact = Interaction(
        customer_id=customer.id,
        at=at,
        channel=channel,
        summary=check_text(summary, "--summary"),
        outcome=check_text(outcome, "--outcome", 200),
        owner=owner or config.current_user(),
        created_at=clock.utcnow(),
        recorded_by=config.current_user(),
        person_id=person_id,  # the company's contact person it was with (issue 15)
    )
    session.add(contact)
    if customer.last_contact_at is None or customer.last_contact_at < at:
        customer.last_contact_at = at
        session.add(customer)
    session.flush()
    return contact


def record_purchase(
    session: Session,
    customer: Customer,
    *,
    amount: str,
    at: datetime,
    product: str | None = None,
    category: str | None = None,
    qty: int = 1,
    order_ref: str | None = None,
    currency: str | None = None,
    person_id: int | None = None,
    cost: str | None = None,
) -> Purchase:
    currency = purchase_currency(currency)
    minor = parse_money(amount, currency)
    # what the goods of this line cost the shop; else profit uses the product's unit cost
    cost_minor = parse_money(cost, currency, "--cost") if cost else None
    check_qty(qty)
    _not_future(at)
    if order_ref:
        order_ref = order_ref.strip()
        clash = session.exec(select(Purchase).where(Purchase.order_ref == order_ref)).first()
        if clash is not None:
            owner = session.get(Customer, clash.customer_id)
            assert owner is not None  # the purchase's own customer
            raise Conflict(
                _(
                    "order reference {ref} is already recorded (purchase #{id} of {customer})"
                ).format(ref=repr(order_ref), id=clash.id, customer=describe(owner))
            )
    assert customer.id is not None  # a stored customer
    purchase = Purchase(
        customer_id=customer.id,
        at=at,
        product=check_text(product, "--product", 200),
        category=check_text(category, "--category", 100),
        qty=qty,
        amount_minor=minor,
        currency=currency,
        order_ref=order_ref or None,
        created_at=clock.utcnow(),
        recorded_by=config.current_user(),
        person_id=person_id,  # the company's contact person who bought (issue 15)
        cost_minor=cost_minor,
    )
    session.add(purchase)
    session.flush()
    from .loyalty import on_purchase

    on_purchase(session, purchase)  # the points it earns (issue 15)
    return purchase


def refunded(session: Session, purchase_id: int) -> int:
    """How much of the purchase was given back so far, in its minor units (0 or more)."""
    p = Purchase.__table__.c
    stmt = sa.select(sa.func.coalesce(sa.func.sum(p.amount_minor), 0)).where(
        p.refund_of == purchase_id
    )
    return -int(session.connection().execute(stmt).scalar_one())


def record_refund(
    session: Session,
    purchase_id: int,
    *,
    amount: str | None = None,
    at: datetime | None = None,
    note: str | None = None,
) -> tuple[Purchase, int, int]:
    """Money given back for a purchase: a line of its own with a negative amount, linked to the
    purchase (`refund_of`) and dated when it went back, so that revenue counts it then and the
    purchase keeps what it was. Default: all that is left of it. The cost of the goods comes
    back in proportion (all of it with the last refund); the points it earned go back in
    proportion (loyalty.on_refund). Returns (the refund line, what is left of the purchase in
    minor units, points taken back)."""
    from ..validate import money_text

    purchase = session.get(Purchase, purchase_id)
    if purchase is None:
        raise NotFound(_("no purchase with id {id}").format(id=purchase_id))
    if purchase.refund_of is not None:
        raise InvalidValue(
            "PURCHASE", purchase_id,
            _("is a refund (of purchase #{id}); refund the purchase").format(
                id=purchase.refund_of
            ),
        )  # fmt: skip
    assert purchase.id is not None  # stored
    given = refunded(session, purchase.id)
    left = purchase.amount_minor - given
    cur = purchase.currency
    if left <= 0:
        raise Conflict(
            _("purchase #{id} was refunded in full already ({money})").format(
                id=purchase.id, money=money_text(given, cur)
            )
        )
    if amount is not None and amount.strip().startswith(("-", "−", "－")):
        raise InvalidValue("--amount", amount, _("give what goes back, without a minus sign"))
    back = left if amount is None else parse_money(amount, cur, "--amount")
    if back <= 0:
        raise InvalidValue("--amount", amount, _("must be more than 0"))
    if back > left:
        what = (
            _("is more than what is left of the purchase ({amount})")
            if given
            else _("is more than the purchase ({amount})")
        )
        raise InvalidValue("--amount", amount, what.format(amount=money_text(left, cur)))
    when = at or clock.now()
    _not_future(when)
    if when < purchase.at and clock.to_local(when).date() == clock.to_local(purchase.at).date():
        when = purchase.at  # the same day, given without its hour
    if when < purchase.at:
        raise InvalidValue(
            "--at", when.date().isoformat(),
            _("is before the purchase ({day})").format(day=clock.to_local(purchase.at).date()),
        )  # fmt: skip
    cost = None
    if purchase.cost_minor is not None and purchase.amount_minor:
        # in proportion; the last refund takes back exactly what is left of the cost
        p = Purchase.__table__.c
        cost_back = (
            session.connection()
            .execute(
                sa.select(sa.func.coalesce(sa.func.sum(p.cost_minor), 0)).where(
                    p.refund_of == purchase.id
                )
            )
            .scalar_one()
        )
        if back == left:
            cost = -(purchase.cost_minor + int(cost_back))
        else:
            cost = -round(purchase.cost_minor * back / purchase.amount_minor)
    line = Purchase(
        customer_id=purchase.customer_id,
        at=when,
        product=purchase.product,
        category=purchase.category,
        qty=purchase.qty if back == purchase.amount_minor else 1,
        amount_minor=-back,
        currency=cur,
        created_at=clock.utcnow(),
        recorded_by=config.current_user(),
        person_id=purchase.person_id,
        cost_minor=cost,
        note=check_text((note or "").strip() or None, "--note", 200),
        refund_of=purchase.id,
    )
    session.add(line)
    session.flush()
    from .loyalty import on_refund

    taken = on_refund(session, line, left)
    return line, left - back, taken


def record_feedback(
    session: Session,
    customer: Customer,
    *,
    at: datetime,
    csat: int | None = None,
    nps: int | None = None,
    text: str | None = None,
    channel: str | None = None,
) -> Feedback:
    check_scores(csat, nps, text)
    _not_future(at)
    assert customer.id is not None  # a stored customer
    item = Feedback(
        customer_id=customer.id,
        at=at,
        csat=csat,
        nps=nps,
        text=check_text(text, "--text"),
        channel=choice(channel, CHANNELS, "--channel"),
        created_at=clock.utcnow(),
        recorded_by=config.current_user(),
    )
    session.add(item)
    session.flush()
    return item


def open_complaint(
    session: Session,
    customer: Customer,
    *,
    category: str,
    priority: str = "normal",
    text: str | None = None,
    assignee: str | None = None,
    at: datetime | None = None,
) -> Complaint:
    now = clock.utcnow()
    at = at or now
    _not_future(at)
    assert customer.id is not None  # a stored customer
    item = Complaint(
        customer_id=customer.id,
        category=choice(category, COMPLAINT_CATEGORIES, "--category"),
        priority=choice(priority, PRIORITIES, "--priority"),
        text=check_text(text, "--text"),
        assignee=check_text(assignee, "--assignee", 100),
        opened_at=at,
        updated_at=now,
        recorded_by=config.current_user(),
    )
    session.add(item)
    session.flush()
    return item


def resolve_complaint(session: Session, complaint_id: int, resolution: str) -> Complaint:
    item = session.get(Complaint, complaint_id)
    if item is None:
        raise NotFound(_("no complaint with id {id}").format(id=complaint_id))
    if item.status == "resolved":
        raise Conflict(_("complaint #{id} is already resolved").format(id=complaint_id))
    if not (resolution or "").strip():
        raise InvalidValue("--resolution", resolution, _("say how it was resolved"))
    now = clock.utcnow()
    item.status, item.resolution = "resolved", check_text(resolution.strip(), "--resolution")
    item.resolved_at = item.updated_at = now
    session.add(item)
    # a complaint follow-up has nothing left to chase
    for fu in session.exec(
        select(FollowUp).where(FollowUp.complaint_id == item.id, FollowUp.status == "open")
    ):
        fu.status, fu.closed_at = "done", now
        session.add(fu)
    session.flush()
    return item


def list_complaints(
    session: Session, status: str | None = None, customer: Customer | None = None, limit: int = 0
) -> list[dict[str, Any]]:
    """Complaints, open ones first and oldest first within each status."""
    if limit < 0:
        raise InvalidValue("--limit", limit, _("must be 0 (all) or more"))
    stmt = sa.select(Complaint, col(Customer.name)).join(
        Customer, col(Customer.id) == Complaint.customer_id
    )
    if status and status != "all":
        stmt = stmt.where(col(Complaint.status) == choice(status, ("open", "resolved"), "--status"))
    if customer is not None:
        stmt = stmt.where(col(Complaint.customer_id) == customer.id)
    stmt = stmt.order_by(
        (col(Complaint.status) != "open"), col(Complaint.opened_at), col(Complaint.id)
    )
    if limit:
        stmt = stmt.limit(limit)
    rows = []
    for comp, name in session.execute(stmt):
        row = comp.model_dump()
        row["customer"] = name
        rows.append(row)
    return rows


@overload
def _utc(text: str | datetime) -> datetime: ...
@overload
def _utc(text: str | datetime | None) -> datetime | None: ...
def _utc(text: str | datetime | None) -> datetime | None:
    """A stored UTC time (SQLite text, no zone) as an aware datetime, as UTCDateTime reads it."""
    if text is None:
        return None
    value = datetime.fromisoformat(text) if isinstance(text, str) else text
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def purchase_summary(session: Session, customer_id: int) -> dict[str, Any]:
    """Count, last purchase and spend; spend_minor (what was paid less what was refunded) and
    refunded_minor are in the configured currency only, because amounts in different currencies
    cannot be added (spend_by_currency has them all). Refund lines are not purchases."""
    # Plain SQL: `show` runs once per process, where compiling Core statements costs more than
    # the indexed queries themselves (the covering index purchases(customer_id, at, amount)).
    conn = session.connection()
    row = conn.execute(
        sa.text(
            # a refund is a line of its own, not a purchase (migration 0013): its amount is
            # below 0, which the covering index answers
            "SELECT count(*), max(at), count(DISTINCT date(at)) FROM purchases "
            "WHERE customer_id = :c AND amount_minor >= 0"
        ),
        {"c": customer_id},
    ).one()
    sums = list(
        conn.execute(
            sa.text(
                "SELECT currency, sum(amount_minor), "
                "sum(CASE WHEN amount_minor < 0 THEN amount_minor ELSE 0 END) FROM purchases "
                "WHERE customer_id = :c GROUP BY currency ORDER BY currency"
            ),
            {"c": customer_id},
        ).all()
    )
    by_currency: dict[str, int] = {cur: int(total) for cur, total, _back in sums}
    currency = str(config.get("currency") or "USD").upper()
    back = next((-int(b) for cur, _total, b in sums if cur == currency), 0)
    return {
        "purchases": row[0],
        "spend_minor": by_currency.get(currency, 0),
        "refunded_minor": back,
        "currency": currency,
        "spend_by_currency": by_currency,
        "last_purchase": _utc(row[1]),
        "occasions": row[2],
    }


# One UNION ALL over the four kinds, each branch its own newest-N (index customer_id, at), with
# the columns _timeline_item needs in typed slots: text t1..t5, integers n1, n2 (PostgreSQL
# refuses a column that is text in one branch and a number in another, and reads a bare NULL
# in a subquery as text; SQLite does not mind).
_TIMELINE_SQL = sa.text("""
SELECT * FROM (SELECT 'contact' AS kind, id, at, channel AS t1, summary AS t2, outcome AS t3,
    NULL AS t4, NULL AS t5, CAST(NULL AS INTEGER) AS n1, CAST(NULL AS INTEGER) AS n2,
    CAST(NULL AS INTEGER) AS n3, coalesce(recorded_by, owner) AS who FROM interactions
    WHERE customer_id = :c ORDER BY at DESC LIMIT :n) AS contacts
UNION ALL SELECT * FROM (SELECT 'purchase', id, at, currency, product, category, order_ref, note,
    amount_minor, qty, refund_of, recorded_by FROM purchases WHERE customer_id = :c
    ORDER BY at DESC LIMIT :n) AS bought
UNION ALL SELECT * FROM (SELECT 'feedback', id, at, text, NULL, NULL, NULL, NULL, csat, nps,
    CAST(NULL AS INTEGER), recorded_by FROM feedback WHERE customer_id = :c
    ORDER BY at DESC LIMIT :n) AS said
UNION ALL SELECT * FROM (SELECT 'complaint', id, opened_at, category, priority, status, text,
    resolution, CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), recorded_by
    FROM complaints WHERE customer_id = :c ORDER BY opened_at DESC LIMIT :n) AS complained
""")
# the slots (t1..t5, n1, n2, n3) in the order _timeline_item reads each kind's values; then
# `who`: who recorded it (a contact: who made it, when an import named them)
_SLOTS = {
    "contact": (0, 1, 2),
    "purchase": (5, 0, 1, 6, 2, 3, 7, 4),
    "feedback": (5, 6, 0),
    "complaint": (0, 1, 2, 3, 4),
}
_TIMELINE_COUNT_SQL = sa.text("""
SELECT (SELECT count(*) FROM interactions WHERE customer_id = :c)
    + (SELECT count(*) FROM purchases WHERE customer_id = :c)
    + (SELECT count(*) FROM feedback WHERE customer_id = :c)
    + (SELECT count(*) FROM complaints WHERE customer_id = :c)
""")


def timeline(session: Session, customer_id: int, limit: int = 0) -> tuple[list[dict], int]:
    """Everything that happened with the customer, newest first; returns (items, total count)."""
    conn = session.connection()
    total = conn.execute(_TIMELINE_COUNT_SQL, {"c": customer_id}).scalar_one()
    # the newest `limit` of each kind cover the newest `limit` overall
    rows = conn.execute(_TIMELINE_SQL, {"c": customer_id, "n": limit or 2**63 - 1})
    items = [
        {
            **_timeline_item(r[0], r[1], _utc(r[2]), tuple(r[3 + i] for i in _SLOTS[r[0]])),
            "by": r[11],
        }
        for r in rows
    ]
    items.sort(key=lambda i: (i["at"], i["id"]), reverse=True)
    return (items[:limit] if limit else items), total


def _timeline_item(kind: str, id_: int, at: datetime, v: tuple) -> dict[str, Any]:
    """One timeline entry. `what` and `detail` are the English of JSON; `_what` and `_detail`
    the same in the interface language, for the table (stored values through vocab.label)."""
    from ..validate import format_money, money_text
    from ..vocab import label

    if kind == "contact":
        channel, summary, outcome = v[:3]
        what, shown = channel, label("channel", channel)
        detail = shown_detail = " — ".join(x for x in (summary, outcome) if x)
    elif kind == "purchase":
        amount_minor, currency, product, qty, category, order_ref, refund_of, note = v
        what = f"{format_money(amount_minor, currency)} {currency}"
        shown = money_text(amount_minor, currency)
        parts = [product, f"×{qty}" if qty != 1 else None, category]
        if refund_of is not None:  # a refund line: what it gives back for, and why
            why = f" — {note}" if note else ""
            detail = " ".join(x for x in [f"refund of #{refund_of}", *parts] if x) + why
            of = _("refund of #{id}").format(id=refund_of)
            shown_detail = " ".join(x for x in [of, *parts] if x) + why
        else:
            detail = " ".join(x for x in [*parts, f"order {order_ref}" if order_ref else None] if x)
            ref = _("order {ref}").format(ref=order_ref) if order_ref else None
            shown_detail = " ".join(x for x in [*parts, ref] if x)
    elif kind == "feedback":
        csat, nps, text = v[:3]
        scores = [f"CSAT {csat}" if csat else None]
        scores.append(f"NPS {nps}" if nps is not None else None)
        what = ", ".join(s for s in scores if s) or "comment"
        shown = ", ".join(s for s in scores if s) or _("comment")
        detail = shown_detail = text or ""
    else:
        category, priority, status, text, resolution = v[:5]
        what = f"{category} ({priority}) {status}"
        shown = _("{category} ({priority}) {status}").format(
            category=label("complaint_category", category),
            priority=label("priority", priority),
            status=label("complaint_status", status),
        )
        detail = text or ""
        if resolution:
            detail += f" → {resolution}"
        shown_detail = detail
    out = {
        "at": at, "kind": kind, "id": id_, "what": what, "detail": detail,
        "_what": shown, "_detail": shown_detail,
    }  # fmt: skip
    if kind == "purchase" and v[6] is not None:
        out["_kind"] = "refund"  # the table's word; JSON keeps the record's kind and its detail
    return out


def profile(session: Session, customer: Customer, timeline_limit: int = 0) -> dict[str, Any]:
    """All that `show` displays, as plain data."""
    from . import contact_points
    from .followups import next_open
    from .loyalty import profile_extras

    assert customer.id is not None  # a stored customer
    summary = purchase_summary(session, customer.id)
    fb = session.exec(
        select(Feedback)
        .where(col(Feedback.customer_id) == customer.id)
        .order_by(col(Feedback.at).desc(), col(Feedback.id).desc())
    ).first()
    complaints = list_complaints(session, status="open", customer=customer)
    items, total = timeline(session, customer.id, timeline_limit)
    nxt = next_open(session, customer.id)
    return {
        "customer": customer.model_dump(),
        "tags": tags_of(session, customer.id),
        "last_contact": customer.last_contact_at,
        "next_followup": nxt.model_dump() if nxt else None,
        "summary": summary,
        "latest_feedback": fb.model_dump() if fb else None,
        "open_complaints": complaints,
        "timeline": items,
        "timeline_total": total,
        **profile_extras(session, customer, items),  # points, tier, referrals, people, health
        "contact_points": contact_points.of(session, customer.id),  # other phones … (17.8)
    }
