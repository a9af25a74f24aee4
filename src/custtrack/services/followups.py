"""Follow-ups: planned contacts, and closing them when the contact happens."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlmodel import Session, select

from .. import clock, config
from ..errors import InvalidValue
from ..models import Customer, FollowUp
from ..validate import check_text, choice
from ..vocab import CHANNELS, FOLLOWUP_ORIGINS, PRIORITIES


def plan(
    session: Session,
    customer: Customer,
    due_date: date,
    due_time: time | None = None,
    *,
    channel: str | None = None,
    note: str | None = None,
    owner: str | None = None,
    origin: str = "manual",
    priority: str = "normal",
    complaint_id: int | None = None,
) -> FollowUp:
    if customer.status != "active":
        raise InvalidValue("CUSTOMER", customer.name, f"is {customer.status}; unarchive first")
    if due_date < clock.today() - timedelta(days=366):
        raise InvalidValue("WHEN", due_date.isoformat(), "is more than a year in the past")
    item = FollowUp(
        customer_id=customer.id,
        due_date=due_date,
        due_time=due_time,
        channel=choice(channel, CHANNELS, "--channel"),
        note=check_text(note, "--note", 1000),
        owner=owner or config.get("user") or None,
        origin=choice(origin, FOLLOWUP_ORIGINS, "origin"),
        priority=choice(priority, PRIORITIES, "--priority"),
        complaint_id=complaint_id,
        created_at=clock.utcnow(),
    )
    session.add(item)
    session.flush()
    return item


def next_open(session: Session, customer_id: int) -> FollowUp | None:
    return session.exec(
        select(FollowUp)
        .where(FollowUp.customer_id == customer_id, FollowUp.status == "open")
        .order_by(FollowUp.due_date, FollowUp.due_time, FollowUp.id)
    ).first()


def close_due_on_contact(
    session: Session, customer_id: int, day: date, interaction_id: int
) -> list[FollowUp]:
    """A contact on `day` settles the customer's open follow-ups due on or before that day."""
    items = list(
        session.exec(
            select(FollowUp).where(
                FollowUp.customer_id == customer_id,
                FollowUp.status == "open",
                FollowUp.due_date <= day,
            )
        )
    )
    now = clock.utcnow()
    for fu in items:
        fu.status, fu.closed_at, fu.interaction_id = "done", now, interaction_id
        session.add(fu)
    session.flush()
    return items
