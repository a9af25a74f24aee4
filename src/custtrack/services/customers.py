"""Customers: validation, lookup, add/edit/tag/archive/delete, listing and the profile."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from .. import clock
from ..errors import Ambiguous, Conflict, InvalidValue, NotFound
from ..i18n import _
from ..models import (
    Complaint,
    Customer,
    CustomerTag,
    Feedback,
    FollowUp,
    Interaction,
    Purchase,
    Tag,
)
from ..validate import check_text, choice, normalize_email, normalize_phone
from ..vocab import GENDERS, PRICE_SENSITIVITY

if TYPE_CHECKING:
    from collections.abc import Iterable

TEXT_FIELDS = ("name", "wechat", "company", "address", "city", "source", "owner", "notes")
EDITABLE = (
    *TEXT_FIELDS,
    "phone",
    "email",
    "birthday",
    "lunar_birthday",
    "gender",
    "price_sensitivity",
    "external_id",
    "kind",  # person or company (issue 15)
    "referred_by_id",  # who brought them: a customer id (services.referrals resolves a name)
)


def clean_fields(raw: dict[str, Any], *, prefix: str = "--") -> dict[str, Any]:
    """Validate and normalise customer fields given as text; raise InvalidValue naming the field.

    Empty strings mean "clear this field" (None). Unknown keys are an error.
    """
    from .. import lunar
    from ..dates import NO_YEAR, parse_birthday

    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in EDITABLE:
            raise InvalidValue(_("field"), key, _("not a customer field"), ", ".join(EDITABLE))
        opt = prefix + key.replace("_", "-")
        if value is None:
            continue
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                if key == "name":
                    raise InvalidValue(opt, value, _("a customer needs a name"))
                if key == "kind":
                    raise InvalidValue(opt, value, _("must be person or company"))
                out[key] = None
                continue
        if key == "phone":
            out[key] = normalize_phone(str(value), field=opt)
        elif key == "email":
            out[key] = normalize_email(str(value), field=opt)
        elif key == "birthday" and not isinstance(value, date) and lunar.looks_lunar(str(value)):
            out["lunar_birthday"] = lunar.parse(str(value), opt)  # 农历八月十五 (a 生日 column)
        elif key == "birthday":
            day = value if isinstance(value, date) else parse_birthday(str(value), opt)
            if day.year != NO_YEAR and (day > clock.today() or day.year < 1900):
                raise InvalidValue(opt, value, _("not a plausible birthday"))
            out[key] = day
        elif key == "lunar_birthday":
            out[key] = lunar.parse(str(value), opt)
        elif key == "gender":
            out[key] = choice(str(value), GENDERS, opt)
        elif key == "price_sensitivity":
            out[key] = choice(str(value), PRICE_SENSITIVITY, opt)
        elif key == "kind":
            from .accounts import kind_of

            out[key] = kind_of(str(value), opt)
        elif key == "referred_by_id":
            try:
                out[key] = int(str(value).lstrip("#"))
            except ValueError:
                raise InvalidValue(opt, value, _("not a customer id")) from None
        else:
            out[key] = check_text(str(value), opt, 200 if key != "notes" else 5000)
    return out


def conflicts(
    session: Session, phone: str | None, email: str | None, exclude: int | None = None
) -> list[tuple[str, Customer]]:
    """Customers that already have this phone or e-mail."""
    found: list[tuple[str, Customer]] = []
    for field, value in (("phone", phone), ("email", email)):
        if not value:
            continue
        stmt = select(Customer).where(getattr(Customer, field) == value)
        if exclude is not None:
            stmt = stmt.where(Customer.id != exclude)
        found.extend((field, c) for c in session.exec(stmt))
    return found


def describe(c: Customer) -> str:
    """'#12 Wang Fang (+86 138…)' — how a customer is named in messages."""
    extra = c.phone or c.email or c.city
    return f"#{c.id} {c.name}" + (f" ({extra})" if extra else "")


def _check_conflicts(session: Session, fields: dict[str, Any], exclude: int | None) -> None:
    clash = conflicts(session, fields.get("phone"), fields.get("email"), exclude)
    if clash:
        field, other = clash[0]
        if field == "phone":
            message = _(
                "phone {value} already belongs to {customer}; use --force to record it anyway"
            )
        else:
            message = _(
                "email {value} already belongs to {customer}; use --force to record it anyway"
            )
        raise Conflict(message.format(value=fields[field], customer=describe(other)))
    from .contact_points import customer_ids

    for field in ("phone", "email"):  # another customer's other phone or e-mail (issue 17.8)
        value = fields.get(field)
        others = [c for c in customer_ids(session, field, value) if c != exclude] if value else []
        found = session.get(Customer, others[0]) if others else None
        if found is None:
            continue
        if field == "phone":
            message = _(
                "phone {value} already belongs to {customer} as another phone; "
                "use --force to record it anyway"
            )
        else:
            message = _(
                "email {value} already belongs to {customer} as another e-mail; "
                "use --force to record it anyway"
            )
        raise Conflict(message.format(value=value, customer=describe(found)))


def add(
    session: Session, raw: dict[str, Any], tags: list[str] | None = None, force: bool = False
) -> Customer:
    """A new customer. Unless an owner is given ("" for none), the person adding them owns them,
    as in most CRMs: someone is answerable for every customer, and `due --mine` finds them."""
    if not str(raw.get("name") or "").strip():
        raise InvalidValue(_("NAME"), raw.get("name"), _("a customer needs a name"))
    fields = clean_fields(raw)
    if raw.get("owner") is None:
        from .. import config

        fields["owner"] = config.current_user()
    if not force:
        _check_conflicts(session, fields, None)
        from .erase import erased_match

        kind = erased_match(session, fields.get("phone"), fields.get("email"))
        if kind == "phone":
            raise Conflict(
                _(
                    "this phone belonged to a customer who asked to be forgotten; "
                    "add them again only if they agree (use --force)"
                )
            )
        if kind:
            raise Conflict(
                _(
                    "this email belonged to a customer who asked to be forgotten; "
                    "add them again only if they agree (use --force)"
                )
            )
    now = clock.utcnow()
    customer = Customer(**fields, created_at=now, updated_at=now)
    session.add(customer)
    session.flush()
    if tags:
        set_tags(session, customer, add=tags)
    from .loyalty import on_new_customer

    on_new_customer(session, customer)  # the sign-up bonus, if points.signup_bonus is set
    return customer


def update(session: Session, customer: Customer, raw: dict[str, Any], force: bool = False) -> dict:
    """Change fields; returns {field: (old, new)} for what actually changed.

    Two people editing one customer at once: only the fields that change are written, each only
    if it still holds the value read into `customer` (one conditional UPDATE, so the rule holds
    on any engine and isolation level). Different fields both stay; the same field changed by
    someone else in between is a Conflict naming the field, that person and the value, and
    nothing is written.
    """
    from sqlalchemy.orm.attributes import set_committed_value

    from . import audit

    fields = clean_fields(raw)
    if not force:
        _check_conflicts(session, fields, customer.id)
    changed = {k: (getattr(customer, k), v) for k, v in fields.items() if getattr(customer, k) != v}
    if not changed:
        return changed
    now = clock.utcnow()
    t = Customer.__table__
    session.flush()
    unchanged = [t.c[k].is_not_distinct_from(old) for k, (old, _new) in changed.items()]
    result = session.connection().execute(
        sa.update(t)
        .where(t.c.id == customer.id, *unchanged)
        .values({**{k: new for k, (_old, new) in changed.items()}, "updated_at": now})
    )
    if result.rowcount != 1:
        _edit_conflict(session, customer, changed)
    for key, (_old, new) in changed.items():
        set_committed_value(customer, key, new)
    set_committed_value(customer, "updated_at", now)
    assert customer.id is not None  # a stored customer
    audit.changes(session, "customer", customer.id, customer.id, changed)
    return changed


def _edit_conflict(session: Session, customer: Customer, changed: dict[str, tuple]) -> None:
    """Raise the error for an edit whose fields someone else changed since they were read."""
    from ..vocab import label
    from . import audit

    t = Customer.__table__
    row = (
        session.connection()
        .execute(sa.select(*(t.c[k] for k in changed)).where(t.c.id == customer.id))
        .first()
    )
    if row is None:
        raise NotFound(
            _("{customer} was deleted while you were editing; nothing was saved").format(
                customer=describe(customer)
            )
        )
    now = row._mapping
    field = next((k for k, (old, _new) in changed.items() if now[k] != old), next(iter(changed)))
    shown = lambda v: repr(audit.text(v)) if v not in (None, "") else _("(empty)")  # noqa: E731
    assert customer.id is not None  # a stored customer
    last = audit.last_change(session, customer.id, field)
    values = {
        "field": label("customer_field", field),
        "customer": describe(customer),
        "value": shown(now[field]),
        "yours": shown(changed[field][1]),
    }
    if last is None or last["new"] != audit.text(now[field]):
        raise Conflict(
            _(
                "{field} of {customer} was changed to {value} by another command after you "
                "read it; nothing was saved. Run the edit again to set it to {yours}"
            ).format(**values)
        )
    when = clock.to_local(last["at"]).strftime("%Y-%m-%d %H:%M")
    raise Conflict(
        _(
            "{field} of {customer} was changed to {value} by {person} at {when} after you "
            "read it; nothing was saved. Run the edit again to set it to {yours}"
        ).format(person=last["actor"], when=when, **values)
    )


def _tag_name(name: str, field: str | None = None) -> str:
    tag = name.strip().lower()
    if not tag or len(tag) > 50 or re.search(r"[,\s]", tag):
        raise InvalidValue(
            field or _("TAG"), name, _("tags are single words of at most 50 characters")
        )
    return tag


def tags_of(session: Session, customer_id: int) -> list[str]:
    stmt = (
        select(Tag.name)
        .join(CustomerTag, col(CustomerTag.tag_id) == Tag.id)
        .where(CustomerTag.customer_id == customer_id)
        .order_by(Tag.name)
    )
    return list(session.exec(stmt))


def set_tags(
    session: Session, customer: Customer, add: Iterable[str] = (), remove: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """Add and remove tags; returns (added, removed), leaving out no-ops."""
    assert customer.id is not None  # a stored customer
    current = set(tags_of(session, customer.id))
    added, removed = [], []
    for name in dict.fromkeys(_tag_name(n) for n in add):
        if name in current:
            continue
        tag = session.exec(select(Tag).where(Tag.name == name)).first()
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
            session.flush()
        assert tag.id is not None  # stored, or flushed just above
        session.add(CustomerTag(customer_id=customer.id, tag_id=tag.id))
        added.append(name)
    for name in dict.fromkeys(_tag_name(n) for n in remove):
        if name not in current:
            continue
        tag_id = session.exec(select(Tag.id).where(Tag.name == name)).one()
        session.exec(
            sa.delete(CustomerTag).where(
                col(CustomerTag.customer_id) == customer.id, col(CustomerTag.tag_id) == tag_id
            )
        )
        removed.append(name)
    if added or removed:
        from . import audit

        customer.updated_at = clock.utcnow()
        session.add(customer)
        audit.tags_changed(session, customer.id, current, (current | set(added)) - set(removed))
    return added, removed


def set_archived(session: Session, customer: Customer, archived: bool = True) -> None:
    customer.status = "archived" if archived else "active"
    customer.updated_at = clock.utcnow()
    session.add(customer)


def delete(session: Session, customer: Customer) -> dict[str, int]:
    """Delete the customer and everything recorded about them; returns counts of what went."""
    counts = {}
    for model in (Interaction, Purchase, Feedback, Complaint, FollowUp):
        counts[model.__tablename__] = session.exec(
            select(sa.func.count()).select_from(model).where(model.customer_id == customer.id)
        ).one()
    session.delete(customer)  # the rest goes by ON DELETE CASCADE
    session.flush()
    return counts


def resolve(session: Session, ref: str, include_archived: bool = True) -> Customer:
    """Find one customer by id (`12` or `#12`), or a unique name, phone or e-mail."""
    text = (ref or "").strip()
    if not text:
        raise InvalidValue(_("CUSTOMER"), ref, _("empty customer reference"))
    if re.fullmatch(r"#?\d{1,9}", text):
        found = session.get(Customer, int(text.lstrip("#")))
        if found is not None:
            return found
        if text.startswith("#"):
            raise NotFound(_("no customer with id {id}").format(id=text))
    candidates: list[Customer] = []
    if "@" in text:
        candidates = _with_contact(session, "email", text.lower())
    if not candidates and re.fullmatch(r"[+\d][\d\s().-]{5,}", text):
        try:
            phone = normalize_phone(text, field="CUSTOMER")
        except InvalidValue:
            phone = None
        if phone:
            candidates = _with_contact(session, "phone", phone)
    if not candidates:
        lowered = sa.func.lower(Customer.name)
        candidates = list(session.exec(select(Customer).where(lowered == text.lower())))
    if not candidates:
        pattern = "%" + text.lower().replace("%", r"\%").replace("_", r"\_") + "%"
        stmt = select(Customer).where(sa.func.lower(Customer.name).like(pattern, escape="\\"))
        candidates = list(session.exec(stmt.limit(50)))
    if not include_archived and len(candidates) > 1:
        candidates = [c for c in candidates if c.status == "active"] or candidates
    if not candidates:
        import shlex

        raise NotFound(
            _("no customer matches {ref}; try `custtrack list --search {search}`").format(
                ref=repr(ref), search=shlex.quote(text)
            )
        )
    if len(candidates) > 1:
        raise Ambiguous(ref, [describe(c) for c in candidates])
    return candidates[0]


def _with_contact(session: Session, kind: str, value: str) -> list[Customer]:
    """The customers with this phone or e-mail: as their own, or as a secondary contact point
    (issue 17.8; both looked up by index)."""
    from .contact_points import customer_ids

    column = getattr(Customer, kind)
    found = {c.id: c for c in session.exec(select(Customer).where(column == value))}
    more = [cid for cid in customer_ids(session, kind, value) if cid not in found]
    if more:
        found |= {c.id: c for c in session.exec(select(Customer).where(col(Customer.id).in_(more)))}
    return list(found.values())


SORTS = {
    "name": "name",
    "created": "created",
    "last-contact": "last_contact",
    "last-purchase": "last_purchase",
    "spend": "spend",
    "id": "id",
}


def list_customers(
    session: Session,
    *,
    tag: str | None = None,
    owner: str | None = None,
    city: str | None = None,
    source: str | None = None,
    search: str | None = None,
    status: str | None = "active",
    ids: list[int] | None = None,
    sort: str = "name",
    limit: int = 0,
    currency: str | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Customers with their purchase summary, filtered and sorted in SQL.

    orders counts every purchase (not refund lines); spend_minor adds only those in `currency`
    (default: config), less their refunds.
    """
    from .. import config

    if limit < 0:
        raise InvalidValue("--limit", limit, _("must be 0 (all) or more"))
    currency = (currency or str(config.get("currency") or "USD")).upper()
    c = Customer.__table__
    p = Purchase.__table__
    # a refund line (amount < 0, migration 0013) is no order: the covering index
    # purchases(customer_id, at, amount_minor) still answers both subqueries alone
    bought = p.c.amount_minor >= 0
    n_orders = (
        sa.select(sa.func.count())
        .where(p.c.customer_id == c.c.id, bought)
        .scalar_subquery()
        .label("orders")
    )
    spend = (
        sa.select(sa.func.coalesce(sa.func.sum(p.c.amount_minor), 0))
        .where(p.c.customer_id == c.c.id, p.c.currency == currency)
        .scalar_subquery()
        .label("spend_minor")
    )
    last_purchase = (
        sa.select(sa.func.max(p.c.at)).where(p.c.customer_id == c.c.id, bought).scalar_subquery()
    ).label("last_purchase")
    stmt = sa.select(c, n_orders, spend, last_purchase)
    if status:
        stmt = stmt.where(c.c.status == status)
    if ids is not None:
        stmt = stmt.where(c.c.id.in_(ids))
    if kind:  # person or company (issue 15)
        from .accounts import kind_of

        stmt = stmt.where(c.c.kind == kind_of(kind))
    if tag:
        t, ct = Tag.__table__, CustomerTag.__table__
        sub = sa.select(ct.c.customer_id).join(t, t.c.id == ct.c.tag_id)
        stmt = stmt.where(c.c.id.in_(sub.where(t.c.name == _tag_name(tag, "--tag"))))
    for field, value in (("owner", owner), ("city", city), ("source", source)):
        if value:
            stmt = stmt.where(sa.func.lower(c.c[field]) == value.strip().lower())
    if search:
        like = "%" + search.strip().lower().replace("%", r"\%").replace("_", r"\_") + "%"
        conds = [
            sa.func.lower(c.c[f]).like(like, escape="\\")
            for f in ("name", "phone", "email", "company", "notes", "wechat")
        ]
        digits = re.sub(r"\D", "", search)
        if len(digits) >= 4:
            conds.append(c.c.phone.like(f"%{digits}%"))
        stmt = stmt.where(sa.or_(*conds))
    if sort not in SORTS:
        raise InvalidValue(
            "--sort", sort, _("must be one of {values}").format(values=", ".join(SORTS))
        )
    orders: dict[str, list[Any]] = {
        "name": [sa.func.lower(c.c.name), c.c.id],
        "created": [c.c.created_at.desc(), c.c.id.desc()],
        "last-contact": [c.c.last_contact_at.desc().nulls_last(), c.c.id],
        "last-purchase": [sa.desc("last_purchase").nulls_last(), c.c.id],
        "spend": [sa.desc("spend_minor"), c.c.id],
        "id": [c.c.id],
    }
    stmt = stmt.order_by(*orders[sort])
    if limit:
        stmt = stmt.limit(limit)
    rows = [dict(r._mapping) for r in session.execute(stmt)]
    _attach_tags(session, rows)
    for r in rows:
        if isinstance(r.get("last_purchase"), str):
            r["last_purchase"] = datetime.fromisoformat(r["last_purchase"])
    return rows


def _attach_tags(session: Session, rows: list[dict[str, Any]]) -> None:
    by_id = {r["id"]: r for r in rows}
    for r in rows:
        r["tags"] = []
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stmt = (
            sa.select(col(CustomerTag.customer_id), col(Tag.name))
            .join(Tag, col(Tag.id) == CustomerTag.tag_id)
            .where(col(CustomerTag.customer_id).in_(chunk))
            .order_by(Tag.name)
        )
        for cid, name in session.execute(stmt):
            by_id[cid]["tags"].append(name)
