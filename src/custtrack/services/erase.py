"""Forgetting a customer on request: anonymise (or purge) everything about them, and remember only
a salted hash of their phone and e-mail so that a later import of the same person is flagged.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload

import sqlalchemy as sa
from sqlmodel import Session, col, select

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
_WithText = Interaction | Feedback | Complaint | FollowUp | Purchase
FREE_TEXT: dict[type[_WithText], tuple[str, ...]] = {
    Interaction: ("summary", "outcome"),
    Purchase: ("note",),  # why a refund was made (issue 17.7)
    Feedback: ("text",),
    Complaint: ("text", "resolution"),
    FollowUp: ("note",),
}


@overload
def _salt(session: Session, create: Literal[True]) -> bytes: ...
@overload
def _salt(session: Session, create: bool) -> bytes | None: ...
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
    from .contact_points import values  # their other phones and e-mails too (issue 17.8)

    assert customer.id is not None  # a stored customer
    identities = [(k, getattr(customer, k)) for k in ("phone", "email") if getattr(customer, k)]
    identities += [(k, v) for k, v in values(session, customer.id) if k in ("phone", "email")]
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
    from . import audit, contact_points

    cid = customer.id
    assert cid is not None  # a stored customer
    identity = audit.identity(customer)
    identity |= {v for _kind, v in contact_points.values(session, cid)}  # issue 17.8
    _remember(session, customer)
    kinds = (Interaction, Purchase, Feedback, Complaint, FollowUp)
    counts = {m.__tablename__: _count(session, m, cid) for m in kinds}
    tag_ids = list(
        session.exec(select(CustomerTag.tag_id).where(col(CustomerTag.customer_id) == cid))
    )
    session.exec(sa.delete(CustomerTag).where(col(CustomerTag.customer_id) == cid))
    session.exec(
        sa.delete(Cadence).where(col(Cadence.scope) == "customer", col(Cadence.target) == str(cid))
    )
    # issue 15: a company's people are personal data; notes of points spent are free text
    from ..models import contact_persons as cp
    from ..models import points_ledger as pl

    session.exec(sa.delete(cp).where(cp.c.customer_id == cid))
    contact_points.drop(session, cid)  # other phones, e-mails, WeChat (issue 17.8)
    session.exec(sa.update(pl).where(pl.c.customer_id == cid, pl.c.kind.in_(("redeem", "adjust")))
                 .values(note=None))  # fmt: skip
    if purge:
        for model in FREE_TEXT:
            session.exec(sa.delete(model).where(col(model.customer_id) == cid))
        session.exec(sa.delete(Merge).where(col(Merge.kept_id) == cid))
        session.exec(sa.delete(Customer).where(col(Customer.id) == cid))
    else:
        now = clock.utcnow()
        for model, cols in FREE_TEXT.items():
            session.exec(
                sa.update(model).where(col(model.customer_id) == cid).values(dict.fromkeys(cols))
            )
        # nothing left to chase for someone who asked to be forgotten
        session.exec(
            sa.update(FollowUp)
            .where(col(FollowUp.customer_id) == cid, col(FollowUp.status) == "open")
            .values(status="cancelled", closed_at=now)
        )
        # a merge snapshot holds the other record's personal fields: keep only the fact
        session.exec(
            sa.update(Merge)
            .where(col(Merge.kept_id) == cid)
            .values(merged_snapshot="{}", reason=None)
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
            col(Tag.id).in_(tag_ids), col(Tag.id).not_in(used), col(Tag.name).not_in(cadence_tags)
        )
    )


# --- backups that still hold the person (issue 17.13) ---------------------------------------------

# what `backup` writes next to a SQLite database (maintenance.backup) and what `restore` keeps
# (<name>.replaced-YYYYmmdd-HHMMSS); on PostgreSQL, pg_dump files (pg_backup.backup, the current
# folder by default), which are compressed archives: they cannot be read or changed in place
_BACKUP = re.compile(r"custtrack-\d{8}-\d{6}\.db")
_DUMP = re.compile(r"custtrack-\d{8}-\d{6}\.dump")


@dataclass
class HeldBackup:
    """A backup file that still holds (or, for a dump, may hold) a forgotten customer."""

    path: Path
    kind: str  # "sqlite" (can be scrubbed in place) or "dump" (cannot)


def backup_files(database: Path | None, folders: tuple[Path, ...] = ()) -> list[Path]:
    """custtrack's backups of `database` (a SQLite file; None on PostgreSQL) and the pg_dump
    files in `folders`, oldest first."""
    found: list[Path] = []
    if database is not None and database.parent.is_dir():
        prefix = f"{database.name}.replaced-"
        for p in database.parent.iterdir():
            if p.name.endswith(("-wal", "-shm", "-journal")) or not p.is_file():
                continue
            if _BACKUP.fullmatch(p.name) or p.name.startswith(prefix):
                found.append(p)
    for folder in folders:
        if folder.is_dir():
            found += [p for p in folder.iterdir() if _DUMP.fullmatch(p.name) and p.is_file()]
    return sorted(set(found), key=lambda p: (p.stat().st_mtime, p.name))


def holds(path: Path, customer_id: int, purge: bool = False) -> bool:
    """Whether the SQLite backup at `path` still has customer #id un-erased (or at all, for
    --purge). A file that is not a custtrack database is left out."""
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        row = con.execute("SELECT erased_at FROM customers WHERE id = ?", (customer_id,)).fetchone()
    except sqlite3.Error:
        return False
    finally:
        con.close()
    return row is not None and (purge or row[0] is None)


def backups_holding(
    customer_id: int, database: Path | None, folders: tuple[Path, ...] = (), purge: bool = False
) -> list[HeldBackup]:
    """The backups that still hold customer #id: SQLite backups checked, dumps all listed."""
    out = []
    for path in backup_files(database, folders):
        if path.name.endswith(".dump"):
            out.append(HeldBackup(path, "dump"))
        elif holds(path, customer_id, purge):
            out.append(HeldBackup(path, "sqlite"))
    return out


def scrub_backup(path: Path, customer_id: int, purge: bool = False) -> dict[str, Any]:
    """Erase customer #id in the SQLite backup at `path`, in place, with the same code as the
    database (forget), then compact it so no old page keeps the text; the file stays one
    private (0600) file without a -wal beside it. An older backup is migrated first."""
    import os
    import sqlite3

    from .. import db
    from ..migrations import HEAD
    from .maintenance import scrub

    # an engine of its own, not db.engine(): that one is kept for the command and would write
    # the file again (its WAL) when the command ends
    eng = db.bare_engine(str(path))
    try:
        if db.schema_version(eng) != HEAD:
            db.upgrade(eng)  # an older backup: migrated first, as restore does
        with Session(eng) as session:
            customer = session.get(Customer, customer_id)
            if customer is not None and (purge or customer.erased_at is None):
                forget(session, customer, purge=purge)
                session.commit()
        done = scrub(eng)
    finally:
        eng.dispose()
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
    finally:
        con.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.chmod(path, 0o600)
    return done
