"""Corrections of records entered by mistake (issue 17.7): `edit` and `delete` of a purchase, a
contact, feedback or a complaint, by the id `show` prints.

The values are checked as `buy`, `log`, `feedback` and `complain` check them (the same functions
of services/records.py), and a bad one changes nothing. Every correction is in the audit trail
(`custtrack history`): a changed field with its old and new value, a deleted record with its
fields. What depends on the record follows it:

- a purchase's points (services/loyalty.py `purchase_corrected`): a deleted purchase gives back
  what it earned; a new amount, currency or category earns what the rule gives it now;
- a refund (a line with `refund_of`) keeps its money: only its day moves, never before its
  purchase; a purchase keeps at least what was refunded of it, its currency, and its day before
  the first refund, and is deleted only after its refunds;
- a customer's last contact is the newest of their contacts again (max(interactions.at)) after
  a contact is moved or deleted; the follow-ups a deleted contact settled are open again, as
  `import undo` reopens them;
- a deleted complaint's open follow-ups are cancelled;
- the agenda of `due` is marked stale by the database's triggers on every changed row.

Changes are written with Core and recorded with `audit.changes`, so that the
trail says `amount: 268.00 CNY → 298.00 CNY` rather than minor units.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from .. import clock, dialect
from ..errors import Conflict, InvalidValue, NotFound
from ..i18n import _
from ..models import Complaint, Customer, Feedback, FollowUp, Interaction, Purchase
from ..validate import check_text, choice, currency_code, money_str, money_text, parse_money
from ..vocab import CHANNELS, COMPLAINT_CATEGORIES, PRIORITIES
from . import audit
from .records import _not_future, check_qty, check_scores

# the kinds of record, as the trail and --format json name them
MODELS: dict[str, type] = {
    "purchase": Purchase,
    "contact": Interaction,
    "feedback": Feedback,
    "complaint": Complaint,
}
# the words a user may type for a kind (`edit 购买 12`)
WORDS = {
    "purchase": "purchase", "contact": "contact", "feedback": "feedback",
    "complaint": "complaint", "购买": "purchase", "联系": "contact", "反馈": "feedback",
    "投诉": "complaint",
}  # fmt: skip


def kind_of(word: str | None) -> str | None:
    """The kind of record a word names (purchase, 购买 …), else None."""
    return WORDS.get((word or "").strip().lower())


def record_id(text: str) -> int:
    """A record's id as typed: 12 or #12."""
    ref = (text or "").strip().lstrip("#")
    if not ref.isdigit() or len(ref) > 18:
        raise InvalidValue(_("ID"), text, _("must be a record's number, e.g. 12"))
    return int(ref)


def get(session: Session, kind: str, rid: int) -> Any:
    """The record of this kind and id, or NotFound."""
    item = session.get(MODELS[kind], rid)
    if item is None:
        messages = {
            "purchase": _("no purchase with id {id}"),
            "contact": _("no contact with id {id}"),
            "feedback": _("no feedback with id {id}"),
            "complaint": _("no complaint with id {id}"),
        }
        raise NotFound(messages[kind].format(id=rid))
    return item


def _money(minor: int | None, currency: str) -> str | None:
    """Money as the trail keeps an amount: '268.00 CNY' (as a refund writes it)."""
    return None if minor is None else f"{money_str(minor, currency)} {currency}"


def _cleared(value: str | None, field: str, limit: int = 5000) -> str | None:
    """A text option: checked as when recorded; "" clears it (None)."""
    if value is None:
        return None
    return (check_text(value, field, limit) or "").strip() or None


def _write(session: Session, item: Any, values: dict[str, Any], shown: dict[str, tuple]) -> dict:
    """Write the changed columns with Core, record the changes in the trail, return them
    ({field: (old, new)}, as the trail has them)."""
    kind = next(k for k, m in MODELS.items() if isinstance(item, m))
    changed = {f: v for f, v in shown.items() if audit.text(v[0]) != audit.text(v[1])}
    if not changed:
        return {}
    session.flush()
    table = type(item).__table__
    session.connection().execute(sa.update(table).where(table.c.id == item.id).values(**values))
    audit.changes(session, kind, item.id, item.customer_id, changed)
    session.refresh(item)  # as stored now (the command prints it after the session)
    return changed


def _last_contact(session: Session, customer_id: int) -> None:
    """The customer's last contact is their newest contact's time (None without any)."""
    session.flush()
    i, c = Interaction.__table__.c, Customer.__table__
    newest = sa.select(sa.func.max(i.at)).where(i.customer_id == customer_id).scalar_subquery()
    session.connection().execute(
        sa.update(c).where(c.c.id == customer_id).values(last_contact_at=newest)
    )
    customer = session.get(Customer, customer_id)
    if customer is not None:
        session.expire(customer, ["last_contact_at"])


def edit_purchase(
    session: Session,
    rid: int,
    *,
    amount: str | None = None,
    currency: str | None = None,
    product: str | None = None,
    category: str | None = None,
    qty: int | None = None,
    at: datetime | None = None,
    cost: str | None = None,
) -> tuple[Purchase, dict[str, tuple]]:
    """Correct a purchase; returns it and what changed. A new amount, currency or category
    re-earns its points (loyalty.purchase_corrected). A new currency alone keeps the amount's
    figure (268.00 CNY → 268.00 USD); a cost is in the purchase's currency ("" clears it)."""
    p = get(session, "purchase", rid)
    if p.refund_of is not None:  # a refund: only its day; its money is its purchase's
        given = {"--amount": amount, "--currency": currency, "--product": product,
                 "--category": category, "--qty": qty, "--cost": cost}  # fmt: skip
        for field, value in given.items():
            if value is not None:
                raise InvalidValue(
                    field, value,
                    _("purchase #{id} is a refund: delete it and refund again").format(id=rid),
                )  # fmt: skip
    cur = currency_code(currency) if currency else p.currency

    def same_figure(minor: int, field: str) -> int:
        """The figure in the new currency (42.75 CNY → 42.75 USD); not one JPY cannot have."""
        try:
            figure = money_str(minor, p.currency)
            assert figure is not None  # a number's string, never None
            return parse_money(figure, cur, field)
        except InvalidValue as e:
            hint = _("give {option} in {currency} too").format(option=field, currency=cur)
            raise InvalidValue("--currency", currency, e.reason, hint) from None

    if amount is not None:
        minor = parse_money(amount, cur, "--amount")
    elif cur != p.currency:
        minor = same_figure(p.amount_minor, "--amount")
    else:
        minor = p.amount_minor
    cost_minor = p.cost_minor
    if cost is not None:
        cost_minor = parse_money(cost, cur, "--cost") if cost.strip() else None
    elif cur != p.currency and p.cost_minor is not None:
        cost_minor = same_figure(p.cost_minor, "--cost")
    if p.refund_of is None and (minor != p.amount_minor or cur != p.currency):
        from .records import refunded

        given_back = refunded(session, rid)
        if given_back and cur != p.currency:
            raise InvalidValue(
                "--currency", currency,
                _("purchase #{id} has refunds in {currency}").format(id=rid, currency=p.currency),
            )  # fmt: skip
        if minor < given_back:
            raise InvalidValue(
                "--amount", amount,
                _("is less than what was refunded of it ({money})").format(
                    money=money_text(given_back, cur)
                ),
            )  # fmt: skip
    values: dict[str, Any] = {"amount_minor": minor, "currency": cur, "cost_minor": cost_minor}
    shown: dict[str, tuple] = {
        "amount": (_money(p.amount_minor, p.currency), _money(minor, cur)),
        "cost": (_money(p.cost_minor, p.currency), _money(cost_minor, cur)),
    }
    if product is not None:
        values["product"] = _cleared(product, "--product", 200)
        shown["product"] = (p.product, values["product"])
    if category is not None:
        values["category"] = _cleared(category, "--category", 100)
        shown["category"] = (p.category, values["category"])
    if qty is not None:
        values["qty"] = check_qty(qty)
        shown["qty"] = (p.qty, qty)
    if at is not None:
        _not_future(at)
        _refund_in_order(session, p, at)
        values["at"] = at
        shown["at"] = (p.at, at)
    changed = _write(session, p, values, shown)
    if changed.keys() & {"amount", "category"}:
        from .loyalty import purchase_corrected

        purchase_corrected(session, p)
    return p, changed


def _refund_in_order(session: Session, p: Purchase, at: datetime) -> None:
    """A refund cannot come before its purchase, nor a purchase after its refunds."""
    t = Purchase.__table__.c
    if p.refund_of is not None:
        bound = (
            session.connection().execute(sa.select(t.at).where(t.id == p.refund_of)).scalar_one()
        )
        if at < bound:
            raise InvalidValue(
                "--at", clock.to_local(at).date().isoformat(),
                _("is before the purchase ({day})").format(day=clock.to_local(bound).date()),
            )  # fmt: skip
        return
    first = (
        session.connection()
        .execute(sa.select(sa.func.min(t.at)).where(t.refund_of == p.id))
        .scalar_one()
    )
    first = dialect.to_datetime(first) if first is not None else None
    if first is not None and at > first:
        raise InvalidValue(
            "--at", clock.to_local(at).date().isoformat(),
            _("is after its first refund ({day})").format(day=clock.to_local(first).date()),
        )  # fmt: skip


def edit_contact(
    session: Session,
    rid: int,
    *,
    channel: str | None = None,
    at: datetime | None = None,
    summary: str | None = None,
    outcome: str | None = None,
) -> tuple[Interaction, dict[str, tuple]]:
    """Correct a contact; a new time makes the customer's last contact right again."""
    item = get(session, "contact", rid)
    values: dict[str, Any] = {}
    shown: dict[str, tuple] = {}
    if channel is not None:
        values["channel"] = choice(channel, CHANNELS, "--channel")
        shown["channel"] = (item.channel, values["channel"])
    if at is not None:
        _not_future(at)
        values["at"] = at
        shown["at"] = (item.at, at)
    if summary is not None:
        values["summary"] = _cleared(summary, "--summary")
        shown["summary"] = (item.summary, values["summary"])
    if outcome is not None:
        values["outcome"] = _cleared(outcome, "--outcome", 200)
        shown["outcome"] = (item.outcome, values["outcome"])
    customer_id = item.customer_id
    changed = _write(session, item, values, shown)
    if "at" in changed:
        _last_contact(session, customer_id)
    return item, changed


def edit_feedback(
    session: Session,
    rid: int,
    *,
    csat: int | None = None,
    nps: int | None = None,
    text: str | None = None,
) -> tuple[Feedback, dict[str, tuple]]:
    """Correct feedback: its scores and what was said (it keeps a score or a text)."""
    item = get(session, "feedback", rid)
    new_text = _cleared(text, "--text") if text is not None else item.text
    check_scores(
        csat if csat is not None else item.csat, nps if nps is not None else item.nps, new_text
    )
    values: dict[str, Any] = {}
    shown: dict[str, tuple] = {}
    if csat is not None:
        values["csat"] = csat
        shown["csat"] = (item.csat, csat)
    if nps is not None:
        values["nps"] = nps
        shown["nps"] = (item.nps, nps)
    if text is not None:
        values["text"] = new_text
        shown["text"] = (item.text, new_text)
    return item, _write(session, item, values, shown)


def edit_complaint(
    session: Session,
    rid: int,
    *,
    category: str | None = None,
    priority: str | None = None,
    text: str | None = None,
) -> tuple[Complaint, dict[str, tuple]]:
    """Correct a complaint's category, priority or text."""
    item = get(session, "complaint", rid)
    values: dict[str, Any] = {}
    shown: dict[str, tuple] = {}
    if category is not None:
        values["category"] = choice(category, COMPLAINT_CATEGORIES, "--category")
        shown["category"] = (item.category, values["category"])
    if priority is not None:
        values["priority"] = choice(priority, PRIORITIES, "--priority")
        shown["priority"] = (item.priority, values["priority"])
    if text is not None:
        values["text"] = _cleared(text, "--text")
        shown["text"] = (item.text, values["text"])
    if any(audit.text(old) != audit.text(new) for old, new in shown.values()):
        values["updated_at"] = clock.utcnow()
    return item, _write(session, item, values, shown)


def delete(session: Session, kind: str, rid: int) -> dict[str, Any]:
    """Delete a record entered by mistake. Returns its fields as they were (`record`), and what
    followed: `points` taken back (a purchase), `reopened` follow-ups (a contact settled them),
    `cancelled` follow-ups (a complaint's)."""
    item = get(session, kind, rid)
    record = item.model_dump()
    customer_id = item.customer_id
    out: dict[str, Any] = {"kind": kind, "record": record}
    now = clock.utcnow()
    if kind == "purchase":
        from .loyalty import purchase_corrected

        t = Purchase.__table__.c
        refunds = (
            session.connection()
            .execute(sa.select(t.id).where(t.refund_of == item.id).order_by(t.id))
            .scalars()
            .all()
        )
        if refunds:
            raise Conflict(
                _("purchase #{id} has refunds ({ids}): delete them first").format(
                    id=rid, ids=", ".join(f"#{i}" for i in refunds)
                )
            )

        out["points"] = purchase_corrected(session, item, deleted=True)
    elif kind == "contact":  # what it settled is open again (as `import undo` does)
        settled = select(FollowUp).where(
            FollowUp.interaction_id == item.id, FollowUp.status == "done"
        )
        out["reopened"] = []
        for fu in list(session.exec(settled)):
            fu.status, fu.closed_at, fu.interaction_id = "open", None, None
            session.add(fu)
            out["reopened"].append(fu.id)
    elif kind == "complaint":  # nothing left to chase
        out["cancelled"] = []
        mine = select(FollowUp).where(FollowUp.complaint_id == item.id, FollowUp.status == "open")
        for fu in list(session.exec(mine)):
            fu.status, fu.closed_at = "cancelled", now
            session.add(fu)
            out["cancelled"].append(fu.id)
    if kind in ("contact", "feedback"):  # not followed by the flush (audit.ENTITIES)
        audit.removed(session, kind, item)
    session.delete(item)  # a purchase's and a complaint's trail row: audit.on_flush
    session.flush()
    if kind == "contact":
        _last_contact(session, customer_id)
    return out
