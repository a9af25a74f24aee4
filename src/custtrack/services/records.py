"""What happens with a customer: contacts, purchases, feedback and complaints, and the profile."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from .. import clock, config
from ..errors import Conflict, InvalidValue, NotFound, UsageError
from ..models import Complaint, Customer, Feedback, FollowUp, Interaction, Purchase
from ..validate import check_text, choice, currency_code, parse_money
from ..vocab import CHANNELS, COMPLAINT_CATEGORIES, PRIORITIES
from .customers import describe, tags_of


def _not_future(at: datetime, field: str = "--at") -> None:
    day = clock.to_local(at).date()  # callers may pass UTC; "today" is the user's local day
    if day > clock.today():
        raise InvalidValue(field, day.isoformat(), "is in the future; record it when it happens")


def log_contact(
    session: Session,
    customer: Customer,
    *,
    channel: str,
    at: datetime,
    summary: str | None = None,
    outcome: str | None = None,
    owner: str | None = None,
) -> Interaction:
    """Record a contact and move the customer's last-contact time forward (never back)."""
    channel = choice(channel, CHANNELS, "--channel")
    _not_future(at)
    contact = Interaction(
        customer_id=customer.id,
        at=at,
        channel=channel,
        summary=check_text(summary, "--summary"),
        outcome=check_text(outcome, "--outcome", 200),
        owner=owner or config.get("user") or None,
        created_at=clock.utcnow(),
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
) -> Purchase:
    if currency:
        currency = currency_code(currency)
    else:
        currency = currency_code(str(config.get("currency") or "USD"), "config currency")
    minor = parse_money(amount, currency)
    if qty < 1:
        raise InvalidValue("--qty", qty, "must be at least 1")
    _not_future(at)
    if order_ref:
        order_ref = order_ref.strip()
        clash = session.exec(select(Purchase).where(Purchase.order_ref == order_ref)).first()
        if clash is not None:
            owner = session.get(Customer, clash.customer_id)
            raise Conflict(
                f"order reference {order_ref!r} is already recorded (purchase #{clash.id} "
                f"of {describe(owner)})"
            )
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
    )
    session.add(purchase)
    session.flush()
    return purchase


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
    if csat is None and nps is None and not (text or "").strip():
        raise UsageError("give --csat 1-5, --nps 0-10 or --text")
    if csat is not None and not 1 <= csat <= 5:
        raise InvalidValue("--csat", csat, "must be between 1 and 5")
    if nps is not None and not 0 <= nps <= 10:
        raise InvalidValue("--nps", nps, "must be between 0 and 10")
    _not_future(at)
    item = Feedback(
        customer_id=customer.id,
        at=at,
        csat=csat,
        nps=nps,
        text=check_text(text, "--text"),
        channel=choice(channel, CHANNELS, "--channel"),
        created_at=clock.utcnow(),
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
    item = Complaint(
        customer_id=customer.id,
        category=choice(category, COMPLAINT_CATEGORIES, "--category"),
        priority=choice(priority, PRIORITIES, "--priority"),
        text=check_text(text, "--text"),
        assignee=check_text(assignee, "--assignee", 100),
        opened_at=at,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    return item


def resolve_complaint(session: Session, complaint_id: int, resolution: str) -> Complaint:
    item = session.get(Complaint, complaint_id)
    if item is None:
        raise NotFound(f"no complaint with id {complaint_id}")
    if item.status == "resolved":
        raise Conflict(f"complaint #{complaint_id} is already resolved")
    if not (resolution or "").strip():
        raise InvalidValue("--resolution", resolution, "say how it was resolved")
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
        raise InvalidValue("--limit", limit, "must be 0 (all) or more")
    stmt = sa.select(Complaint, Customer.name).join(Customer, Customer.id == Complaint.customer_id)
    if status and status != "all":
        stmt = stmt.where(Complaint.status == choice(status, ("open", "resolved"), "--status"))
    if customer is not None:
        stmt = stmt.where(Complaint.customer_id == customer.id)
    stmt = stmt.order_by((Complaint.status != "open"), Complaint.opened_at, Complaint.id)
    if limit:
        stmt = stmt.limit(limit)
    rows = []
    for comp, name in session.execute(stmt):
        row = comp.model_dump()
        row["customer"] = name
        rows.append(row)
    return rows


def purchase_summary(session: Session, customer_id: int) -> dict[str, Any]:
    """Count, last purchase and spend; spend_minor is in the configured currency only, because
    amounts in different currencies cannot be added (spend_by_currency has them all)."""
    p = Purchase.__table__
    row = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.max(p.c.at),
            sa.func.count(sa.distinct(sa.func.date(p.c.at))),
        ).where(p.c.customer_id == customer_id)
    ).one()
    by_currency = dict(
        session.execute(
            sa.select(p.c.currency, sa.func.sum(p.c.amount_minor))
            .where(p.c.customer_id == customer_id)
            .group_by(p.c.currency)
            .order_by(p.c.currency)
        ).all()
    )
    last = row[1]
    if isinstance(last, str):
        last = datetime.fromisoformat(last)
    currency = str(config.get("currency") or "USD").upper()
    return {
        "purchases": row[0],
        "spend_minor": by_currency.get(currency, 0),
        "currency": currency,
        "spend_by_currency": by_currency,
        "last_purchase": last,
        "occasions": row[2],
    }


def timeline(session: Session, customer_id: int, limit: int = 0) -> tuple[list[dict], int]:
    """Everything that happened with the customer, newest first; returns (items, total count)."""
    items: list[dict[str, Any]] = []
    queries = [
        (Interaction, Interaction.at, "contact"),
        (Purchase, Purchase.at, "purchase"),
        (Feedback, Feedback.at, "feedback"),
        (Complaint, Complaint.opened_at, "complaint"),
    ]
    total = 0
    for model, at_col, kind in queries:
        total += session.exec(
            select(sa.func.count()).select_from(model).where(model.customer_id == customer_id)
        ).one()
        stmt = select(model).where(model.customer_id == customer_id).order_by(at_col.desc())
        if limit:
            stmt = stmt.limit(limit)  # the newest `limit` of each kind cover the newest overall
        for obj in session.exec(stmt):
            items.append(_timeline_item(kind, obj))
    items.sort(key=lambda i: (i["at"], i["id"]), reverse=True)
    return (items[:limit] if limit else items), total


def _timeline_item(kind: str, obj: Any) -> dict[str, Any]:
    from ..validate import format_money

    if kind == "contact":
        what = obj.channel
        detail = " — ".join(x for x in (obj.summary, obj.outcome) if x)
        at = obj.at
    elif kind == "purchase":
        what = f"{format_money(obj.amount_minor, obj.currency)} {obj.currency}"
        parts = [obj.product, f"×{obj.qty}" if obj.qty != 1 else None, obj.category]
        if obj.order_ref:
            parts.append(f"order {obj.order_ref}")
        detail = " ".join(x for x in parts if x)
        at = obj.at
    elif kind == "feedback":
        scores = [f"CSAT {obj.csat}" if obj.csat else None]
        scores.append(f"NPS {obj.nps}" if obj.nps is not None else None)
        what = ", ".join(s for s in scores if s) or "comment"
        detail = obj.text or ""
        at = obj.at
    else:
        what = f"{obj.category} ({obj.priority}) {obj.status}"
        detail = obj.text or ""
        if obj.resolution:
            detail += f" → {obj.resolution}"
        at = obj.opened_at
    return {"at": at, "kind": kind, "id": obj.id, "what": what, "detail": detail}


def profile(session: Session, customer: Customer, timeline_limit: int = 0) -> dict[str, Any]:
    """All that `show` displays, as plain data."""
    from .followups import next_open

    summary = purchase_summary(session, customer.id)
    fb = session.exec(
        select(Feedback)
        .where(Feedback.customer_id == customer.id)
        .order_by(Feedback.at.desc(), Feedback.id.desc())
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
    }
