"""Follow-ups: planned contacts, closing them when the contact happens, snooze and the rest.

Computed reminders (cadence, birthday …) live in `due`; acting on one stores it here first.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from .. import clock, config, vocab
from ..errors import Conflict, InvalidValue, NotFound
from ..i18n import _
from ..models import Cadence, Customer, FollowUp, Interaction
from ..validate import check_text, choice
from ..vocab import CADENCE_SCOPES, CHANNELS, FOLLOWUP_ORIGINS, PRIORITIES


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
        raise InvalidValue(
            "CUSTOMER",
            customer.name,
            _("is {status}; unarchive first").format(
                status=vocab.label("customer_status", customer.status)
            ),
        )
    if due_date < clock.today() - timedelta(days=366):
        raise InvalidValue("WHEN", due_date.isoformat(), _("is more than a year in the past"))
    assert customer.id is not None  # a stored customer
    item = FollowUp(
        customer_id=customer.id,
        due_date=due_date,
        due_time=due_time,
        channel=choice(channel, CHANNELS, "--channel"),
        note=check_text(note, "--note", 1000),
        owner=owner or config.current_user(),  # who plans it makes the contact, unless told
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
        .order_by(col(FollowUp.due_date), col(FollowUp.due_time).nulls_first(), col(FollowUp.id))
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


def get_open(session: Session, followup_id: int) -> FollowUp:
    item = session.get(FollowUp, followup_id)
    if item is None:
        raise NotFound(_("no follow-up F{id}; see `custtrack due`").format(id=followup_id))
    if item.status != "open":
        raise Conflict(
            _("follow-up F{id} is already {status}").format(
                id=followup_id, status=vocab.label("followup_status", item.status)
            )
        )
    return item


def materialise(session: Session, origin: str, ident: int) -> FollowUp:
    """Store a computed reminder (c12, b12, p345, k7) as a follow-up row, so it can be acted on.

    The stored row settles the rule for this cycle, birthday, purchase or complaint.
    """
    from .due import computed_item

    item = computed_item(session, origin, ident)
    customer = session.get(Customer, item["customer_id"])
    assert customer is not None  # the reminder's own customer
    row = FollowUp(
        customer_id=item["customer_id"],
        due_date=item["due_date"],
        due_time=item["due_time"],
        note=item["note"],
        owner=customer.owner or config.current_user(),
        origin=origin,
        priority=item["priority"],
        complaint_id=item["complaint_id"],
        created_at=clock.utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def resolve_item(session: Session, ref: str) -> FollowUp:
    """An open follow-up by id ('F12', '12'), or a computed reminder ('c12') stored on the spot."""
    from .due import parse_key

    origin, ident = parse_key(ref)
    if origin is None:
        return get_open(session, ident)
    return materialise(session, origin, ident)


def _close(session: Session, item: FollowUp, status: str) -> None:
    item.status, item.closed_at = status, clock.utcnow()
    session.add(item)
    session.flush()


def complete(
    session: Session,
    item: FollowUp,
    *,
    at: datetime,
    summary: str | None = None,
    channel: str | None = None,
) -> tuple[Interaction, list[FollowUp]]:
    """Mark done and record the contact; returns the contact and every follow-up it closed.
    Without a summary the contact gets the follow-up's note, in the interface language."""
    from .due import note_text
    from .records import log_contact

    customer = session.get(Customer, item.customer_id)
    assert customer is not None  # the follow-up's own customer
    text = (
        summary
        or note_text(item.note, item.origin)
        or _("{origin} follow-up F{id}").format(
            origin=vocab.label("origin", item.origin), id=item.id
        )
    )
    contact = log_contact(
        session, customer, channel=channel or item.channel or "phone", at=at, summary=text
    )
    assert customer.id is not None and contact.id is not None  # both stored
    closed = close_due_on_contact(
        session, customer.id, at.astimezone(clock.local_zone()).date(), contact.id
    )
    if item.status == "open":  # done ahead of its day
        item.interaction_id = contact.id
        _close(session, item, "done")
        closed.insert(0, item)
    return contact, closed


def snooze(session: Session, item: FollowUp, until: date, past: bool = False) -> FollowUp:
    """Hide until `until`; the due date (and so any cadence) stays where it was. A day not
    after today is refused unless `past` (it then shows again at once)."""
    if until <= clock.today() and not past:
        raise InvalidValue(
            "WHEN", until.isoformat(), _("snooze until a later day"), _("e.g. tomorrow, +3d")
        )
    item.snoozed_until = until
    session.add(item)
    session.flush()
    return item


def reschedule(session: Session, item: FollowUp, due_date: date, due_time: time | None) -> FollowUp:
    if due_date < clock.today() - timedelta(days=366):
        raise InvalidValue("WHEN", due_date.isoformat(), _("is more than a year in the past"))
    item.due_date, item.due_time, item.snoozed_until = due_date, due_time, None
    session.add(item)
    session.flush()
    return item


def cancel(session: Session, item: FollowUp) -> FollowUp:
    _close(session, item, "cancelled")
    return item


def _cadence_target(session: Session, scope: str, target: str) -> tuple[str, str]:
    """(stored target, label): a customer's id, a tag name, a segment's display name."""
    from .customers import _tag_name, describe, resolve

    if scope == "customer":
        c = resolve(session, target)
        return str(c.id), describe(c)
    if scope == "tag":
        name = _tag_name(target)
        return name, name
    if scope == "segment":
        from .segments import normalise_segment

        name = normalise_segment(target, session)
        return name, name
    raise InvalidValue(
        "scope", scope, _("must be one of {values}").format(values=", ".join(CADENCE_SCOPES))
    )


def set_cadence(session: Session, scope: str, target: str, days: int) -> tuple[Cadence, str, bool]:
    """Create or change a cadence; returns (cadence, label, created)."""
    if not 1 <= days <= 3660:
        raise InvalidValue("--every", days, _("must be between 1 day and 10 years"))
    key, label = _cadence_target(session, scope, target)
    cad = session.exec(select(Cadence).where(Cadence.scope == scope, Cadence.target == key)).first()
    created = cad is None
    if cad is None:
        cad = Cadence(scope=scope, target=key, every_days=days, created_at=clock.utcnow())
    cad.every_days = days
    session.add(cad)
    session.flush()
    return cad, label, created


def clear_cadence(session: Session, scope: str, target: str) -> str:
    key, label = _cadence_target(session, scope, target)
    cad = session.exec(select(Cadence).where(Cadence.scope == scope, Cadence.target == key)).first()
    if cad is None:
        raise NotFound(
            _("no cadence for {scope} {target}; see `custtrack cadence list`").format(
                scope=vocab.label("cadence_scope", scope),
                target=vocab.label("segment", label) if scope == "segment" else label,
            )
        )
    session.delete(cad)
    session.flush()
    return label


def list_cadences(session: Session) -> list[dict]:
    """Cadences with the number of active customers each covers (before precedence)."""
    import sqlalchemy as sa

    from ..models import CustomerTag, Tag

    rows = []
    order = {s: i for i, s in enumerate(CADENCE_SCOPES)}
    cads = sorted(session.exec(select(Cadence)), key=lambda c: (order[c.scope], c.target))
    for cad in cads:
        label, count = cad.target, None
        if cad.scope == "customer":
            c = session.get(Customer, int(cad.target))
            label, count = (c.name if c else f"#{cad.target} (deleted)"), int(c is not None)
        elif cad.scope == "tag":
            count = session.exec(
                select(sa.func.count())
                .select_from(CustomerTag)
                .join(Tag, col(Tag.id) == CustomerTag.tag_id)
                .join(Customer, col(Customer.id) == CustomerTag.customer_id)
                .where(Tag.name == cad.target, Customer.status == "active")
            ).one()
        else:
            from .segments import customer_ids_in_segment

            count = len(customer_ids_in_segment(session, cad.target))
        rows.append(
            {"id": cad.id, "scope": cad.scope, "target": cad.target, "label": label,
             "every_days": cad.every_days, "customers": count}
        )  # fmt: skip
    return rows
