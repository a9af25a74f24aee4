"""Forgetting a customer on request: anonymise (or purge) everything about them, and remember only
a salted hash of their phone and e-mail so that a later import of the same person is flagged.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from .. import clock
from ..errors import Conflict
from ..i18n import _
from ..models import (
    Cadence,
    Complaint,
    Customer,
    CustomerTag,
    ErasedIdentity,
    Feedback,
    FollowUp,
    Interaction,
    Merge,
    Meta,
    Purchase,
    Tag,
)

SALT_KEY = "erase_salt"

# Personal fields cleared on the customer row. Kept: source, owner, status vocabularies and
# dates, so that acquisition and retention figures still add up.
PERSONAL_FIELDS = (
    "phone", "email", "wechat", "company", "address", "city", "birthday", "lunar_birthday",
    "gender", "price_sensitivity", "notes", "external_id", "lost_note",
)  # fmt: skip
# Free text about the person in their records (products, amounts and dates are kept).
FREE_TEXT = {
    Interaction: ("summary", "outcome"),
    Feedback: ("text",),
    Complaint: ("text", "resolution"),
    FollowUp: ("note",),
}


def _salt(session: Session, create: bool) -> bytes | None:
    row = session.get(Meta, SALT_KEY)
    if row is None:
        if not create:
            return None
        row = Meta(key=SALT_KEY, value=secrets.token_hex(32))
        session.add(row)
        session.flush()
    return bytes.fromhex(row.value)


def _normal(kind: str, value: str) -> str:
    value = value.strip()
    if kind == "email":
        return value.lower()
    return value.replace(" ", "")


def digest(salt: bytes, kind: str, value: str) -> str:
    """Salted SHA-256 of a normalised phone (E.164) or e-mail (lower case)."""
    data = salt + f"{kind}:{_normal(kind, value)}".encode()
    return hashlib.sha256(data).hexdigest()


def erased_match(session: Session, phone: str | None, email: str | None) -> str | None:
    """'phone' or 'email' when that identity belonged to a forgotten customer, else None.

    Give the normalised values (E.164 phone, lower-case e-mail), as `validate` produces them.
    """
    salt = _salt(session, create=False)
    if salt is None:
        return None
    for kind, value in (("phone", phone), ("email", email)):
        if not value:
            continue
        stmt = select(ErasedIdentity.id).where(
            ErasedIdentity.digest == digest(salt, kind, value), ErasedIdentity.kind == kind
        )
        if session.exec(stmt).first() is not None:
            return kind
    return None


def _remember(session: Session, customer: Customer) -> int:
    identities = [(k, getattr(customer, k)) for k in ("phone", "email") if getattr(customer, k)]
    if not identities:
        return 0
    salt = _salt(session, create=True)
    added = 0
    for kind, value in identities:
        d = digest(salt, kind, value)
        exists = select(ErasedIdentity.id).where(ErasedIdentity.digest == d)
        if session.exec(exists).first() is None:
            session.add(ErasedIdentity(digest=d, kind=kind, at=clock.utcnow()))
            added += 1
    return added


def _count(session: Session, model: Any, customer_id: int) -> int:
    stmt = select(sa.func.count()).select_from(model).where(model.customer_id == customer_id)
    return session.exec(stmt).one()


def forget(session: Session, customer: Customer, purge: bool = False) -> dict[str, int]:
    """Erase a customer's personal data everywhere; with purge, delete their rows entirely.

    Returns how many records of each kind were anonymised (or deleted).
    """
    if customer.erased_at is not None and not purge:
        raise Conflict(
            _(
                "customer #{id} was already erased; use --purge to delete the anonymous "
                "records as well"
            ).format(id=customer.id)
        )
    from . import audit

    cid = customer.id
    identity = audit.identity(customer)
    _remember(session, customer)
    kinds = (Interaction, Purchase, Feedback, Complaint, FollowUp)
    counts = {m.__tablename__: _count(session, m, cid) for m in kinds}
    tag_ids = list(session.exec(select(CustomerTag.tag_id).where(CustomerTag.customer_id == cid)))
    session.exec(sa.delete(CustomerTag).where(CustomerTag.customer_id == cid))
    session.exec(sa.delete(Cadence).where(Cadence.scope == "customer", Cadence.target == str(cid)))
    # issue 15: a company's people are personal data; notes of points spent are free text
    from ..models import contact_persons as cp
    from ..models import points_ledger as pl

    session.exec(sa.delete(cp).where(cp.c.customer_id == cid))
    session.exec(sa.update(pl).where(pl.c.customer_id == cid, pl.c.kind.in_(("redeem", "adjust")))
                 .values(note=None))  # fmt: skip
    if purge:
        for model in (*FREE_TEXT, Purchase, Merge):
            key = Merge.kept_id if model is Merge else model.customer_id
            session.exec(sa.delete(model).where(key == cid))
        session.exec(sa.delete(Customer).where(Customer.id == cid))
    else:
        now = clock.utcnow()
        for model, cols in FREE_TEXT.items():
            session.exec(
                sa.update(model).where(model.customer_id == cid).values(dict.fromkeys(cols))
            )
        # nothing left to chase for someone who asked to be forgotten
        session.exec(
            sa.update(FollowUp)
            .where(FollowUp.customer_id == cid, FollowUp.status == "open")
            .values(status="cancelled", closed_at=now)
        )
        # a merge snapshot holds the other record's personal fields: keep only the fact
        session.exec(
            sa.update(Merge).where(Merge.kept_id == cid).values(merged_snapshot="{}", reason=None)
        )
        for field in PERSONAL_FIELDS:
            setattr(customer, field, None)
        customer.name = f"Erased customer #{cid}"
        customer.status = "archived"
        customer.erased_at = customer.updated_at = now
        session.add(customer)
    _drop_unused_tags(session, tag_ids)
    # the agenda holds follow-up notes and complaint texts: gone now, not at the next `due`
    from .agenda import drop

    drop(session, cid)
    session.flush()
    # after the last flush: the trail loses what the clearing above just recorded, too
    audit.erase(session, cid, identity, purge=purge)
    session.expire_all()
    return counts


def _drop_unused_tags(session: Session, tag_ids: list[int]) -> None:
    """Tags only this customer had go too (a tag can name a person); cadence tags stay."""
    if not tag_ids:
        return
    used = select(CustomerTag.tag_id)
    cadence_tags = select(Cadence.target).where(Cadence.scope == "tag")
    session.exec(
        sa.delete(Tag).where(
            Tag.id.in_(tag_ids), Tag.id.not_in(used), Tag.name.not_in(cadence_tags)
        )
    )
