"""The tables. Times are aware UTC datetimes; money is integer minor units plus a currency code.

This module describes the current schema; `migrations/` holds how each database gets there.
"""

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Session as _OrmSession
from sqlmodel import Field, SQLModel


class _Table(SQLModel):
    """Base of the tables: pydantic builds a table's validator and serializer on first use.

    Building all fourteen at import cost ~35 ms of every command; a daily command uses two or
    three. (Table models are not validated on construction anyway.)
    """

    model_config = {"defer_build": True}

    if TYPE_CHECKING:  # set by SQLModel on each table model, not declared by it
        __table__: ClassVar[sa.Table]


class UTCDateTime(sa.types.TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001, ANN201
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # noqa: ANN001, ANN201
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Money in minor units: 64-bit on both engines (SQLite's INTEGER is; PostgreSQL's is 32-bit, so
# BIGINT there, migration 0008). A sum of it is NUMERIC on PostgreSQL, read as int (see db.py).
MONEY = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def _utcnow() -> datetime:
    from .clock import utcnow

    return utcnow()


def _fk(target: str, ondelete: str = "CASCADE", index: bool = True, nullable: bool = False):  # noqa: ANN202
    return Field(
        default=None if nullable else ...,
        sa_column_args=[sa.ForeignKey(target, ondelete=ondelete)],
        index=index,
        nullable=nullable,
    )


def _when(nullable: bool = False, index: bool = False, default: bool = False):  # noqa: ANN202
    kw = {"default_factory": _utcnow} if default else {"default": None if nullable else ...}
    return Field(sa_type=UTCDateTime, nullable=nullable, index=index, **kw)


class ImportBatch(_Table, table=True):
    __tablename__ = "import_batches"
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # customers, purchases, interactions, feedback
    source: str  # file name as given
    file_sha256: str | None = None
    rows_added: int = 0
    rows_updated: int = 0
    rows_skipped: int = 0
    started_at: datetime = _when(default=True)
    finished_at: datetime | None = _when(nullable=True)
    undone_at: datetime | None = _when(nullable=True)


class Customer(_Table, table=True):
    # also indexed on lower(name) and on the birthday's month-day (expression indexes, written in
    # migration 0003 only: SQLAlchemy cannot compare them with a database)
    __tablename__ = "customers"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    phone: str | None = Field(default=None, index=True)  # E.164
    email: str | None = Field(default=None, index=True)  # normalised, lower case
    wechat: str | None = None  # WeChat or other IM handle
    company: str | None = None
    address: str | None = None
    city: str | None = Field(default=None, index=True)
    birthday: date | None = None  # in the year dates.NO_YEAR (1604) when the year is not known
    # a lunar (农历) birthday: "08-15", "L04-15" in a leap month (custtrack.lunar)
    lunar_birthday: str | None = Field(default=None, index=True)
    gender: str | None = None
    source: str | None = Field(default=None, index=True)  # acquisition source / campaign
    owner: str | None = Field(default=None, index=True)
    price_sensitivity: str | None = None
    notes: str | None = None
    status: str = Field(default="active", index=True)  # active, archived
    external_id: str | None = Field(default=None, index=True)
    lost_reason: str | None = None
    lost_note: str | None = None
    lost_at: datetime | None = _when(nullable=True)
    last_contact_at: datetime | None = _when(nullable=True, index=True)  # maintained by `log`
    erased_at: datetime | None = _when(nullable=True)  # set by `forget`
    batch_id: int | None = _fk("import_batches.id", "SET NULL", index=False, nullable=True)
    created_at: datetime = _when(default=True)
    updated_at: datetime = _when(default=True)
    # issue 15 (migration 0010): a person or a company (with contact persons); who brought them
    # (no foreign key: SQLite cannot add one to a table; a trigger clears it when they go)
    kind: str = Field(default="person", sa_column_kwargs={"server_default": "person"})
    referred_by_id: int | None = None


class Tag(_Table, table=True):
    __tablename__ = "tags"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column_kwargs={"unique": True})


class CustomerTag(_Table, table=True):
    __tablename__ = "customer_tags"
    customer_id: int = Field(
        sa_column_args=[sa.ForeignKey("customers.id", ondelete="CASCADE")], primary_key=True
    )
    tag_id: int = Field(
        sa_column_args=[sa.ForeignKey("tags.id", ondelete="CASCADE")], primary_key=True, index=True
    )


class Interaction(_Table, table=True):
    """One contact with a customer: a call, visit, message …"""

    __tablename__ = "interactions"
    __table_args__ = (sa.Index("ix_interactions_customer_at", "customer_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id", index=False)
    at: datetime = _when(index=True)
    channel: str
    summary: str | None = None
    outcome: str | None = None
    owner: str | None = None  # who made the contact (a sheet's salesperson, or who logged it)
    batch_id: int | None = _fk("import_batches.id", "SET NULL", index=False, nullable=True)
    created_at: datetime = _when(default=True)
    recorded_by: str | None = None  # who entered it (config.current_user()); empty when imported
    person_id: int | None = None  # the company's contact person it was with (migration 0010)


# an ordinary line pays (0 or more), a refund gives back (less than 0) part of the one it names
REFUND_SIGN = (
    "(refund_of IS NULL AND amount_minor >= 0) OR (refund_of IS NOT NULL AND amount_minor < 0)"
)


class Purchase(_Table, table=True):
    __tablename__ = "purchases"
    __table_args__ = (
        sa.Index("ix_purchases_customer_at", "customer_id", "at", "amount_minor"),
        # covering for "who bought in this period" (due's post-purchase check-ins)
        sa.Index("ix_purchases_at_customer", "at", "customer_id"),
        # a refund (migration 0013) is a negative line linked to the purchase it gives back
        sa.CheckConstraint(REFUND_SIGN, name="ck_purchases_refund_sign"),
        sa.CheckConstraint("qty > 0", name="ck_purchases_qty_pos"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id", index=False)
    at: datetime = _when()
    product: str | None = None
    category: str | None = None
    qty: int = 1
    amount_minor: int = Field(sa_type=MONEY)  # total paid for this line, in minor units (fen)
    currency: str = Field(index=True)
    order_ref: str | None = Field(default=None, sa_column_kwargs={"unique": True})
    batch_id: int | None = _fk("import_batches.id", "SET NULL", index=False, nullable=True)
    created_at: datetime = _when(default=True)
    recorded_by: str | None = None
    # what the goods of this line cost the shop (same currency)
    cost_minor: int | None = Field(default=None, sa_type=MONEY)
    person_id: int | None = None  # the company's contact person who bought (migration 0010)
    # the purchase this line refunds (its amount is then negative), and why; migration 0013
    note: str | None = None
    refund_of: int | None = Field(
        default=None,
        sa_column_args=[
            sa.ForeignKey("purchases.id", ondelete="CASCADE", name="fk_purchases_refund_of")
        ],
        nullable=True,
    )


class Feedback(_Table, table=True):
    __tablename__ = "feedback"
    __table_args__ = (
        sa.CheckConstraint("csat IS NULL OR csat BETWEEN 1 AND 5", name="ck_feedback_csat"),
        sa.CheckConstraint("nps IS NULL OR nps BETWEEN 0 AND 10", name="ck_feedback_nps"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id")
    at: datetime = _when(index=True)
    csat: int | None = None  # 1–5
    nps: int | None = None  # 0–10
    text: str | None = None
    channel: str | None = None
    batch_id: int | None = _fk("import_batches.id", "SET NULL", index=False, nullable=True)
    created_at: datetime = _when(default=True)
    recorded_by: str | None = None


class Complaint(_Table, table=True):
    __tablename__ = "complaints"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id")
    category: str
    priority: str = "normal"
    text: str | None = None
    assignee: str | None = None
    status: str = Field(default="open", index=True)  # open, resolved
    resolution: str | None = None
    opened_at: datetime = _when(default=True)
    resolved_at: datetime | None = _when(nullable=True)
    batch_id: int | None = _fk("import_batches.id", "SET NULL", index=False, nullable=True)
    updated_at: datetime = _when(default=True)
    recorded_by: str | None = None


class FollowUp(_Table, table=True):
    """A planned contact. due_date/due_time are the user's local wall-clock date and time."""

    __tablename__ = "followups"
    __table_args__ = (sa.Index("ix_followups_status_due", "status", "due_date"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id")
    due_date: date
    due_time: time | None = None
    channel: str | None = None
    note: str | None = None
    owner: str | None = None
    status: str = "open"  # open, done, cancelled
    origin: str = "manual"  # manual, cadence, birthday, post-purchase, complaint, at-risk
    priority: str = "normal"
    snoozed_until: date | None = None
    complaint_id: int | None = _fk("complaints.id", "SET NULL", index=True, nullable=True)
    interaction_id: int | None = _fk("interactions.id", "SET NULL", index=False, nullable=True)
    batch_id: int | None = _fk("import_batches.id", "SET NULL", index=False, nullable=True)
    created_at: datetime = _when(default=True)
    closed_at: datetime | None = _when(nullable=True)


class Cadence(_Table, table=True):
    """A stay-in-touch rule: contact every N days the customers in scope."""

    __tablename__ = "cadences"
    __table_args__ = (sa.UniqueConstraint("scope", "target", name="uq_cadences_scope_target"),)
    id: int | None = Field(default=None, primary_key=True)
    scope: str  # tag, customer, segment
    target: str  # tag name, customer id, segment name
    every_days: int
    created_at: datetime = _when(default=True)


class Campaign(_Table, table=True):
    __tablename__ = "campaigns"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column_kwargs={"unique": True})
    source: str  # customers whose source equals this were brought by the campaign
    channel: str | None = None
    cost_minor: int = Field(default=0, sa_type=MONEY)
    currency: str
    start: date
    end: date | None = None
    created_at: datetime = _when(default=True)


class Merge(_Table, table=True):
    """A record of two customers merged into one, so the merge can be explained later."""

    __tablename__ = "merges"
    id: int | None = Field(default=None, primary_key=True)
    kept_id: int = _fk("customers.id")
    merged_id: int  # the removed customer's old id
    merged_snapshot: str  # JSON of the removed customer's fields
    reason: str | None = None
    at: datetime = _when(default=True)


class ErasedIdentity(_Table, table=True):
    """Salted hashes of forgotten phones and e-mails, so re-imports are flagged."""

    __tablename__ = "erased_identities"
    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(index=True)
    kind: str  # phone, email
    at: datetime = _when(default=True)


class Meta(_Table, table=True):
    __tablename__ = "meta"
    key: str = Field(primary_key=True)
    value: str


# The agenda: a cache of everything that can come due, kept per customer (services/agenda.py).
# Plain tables, not models: nothing is loaded as an object, and a model class costs start-up time.
agenda = sa.Table(
    "agenda",
    SQLModel.metadata,
    sa.Column("key", sa.String(), primary_key=True),  # as `due` shows it: 12, c5, b5, p345, k7
    sa.Column(
        "customer_id",
        sa.Integer(),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("origin", sa.String(), nullable=False),
    sa.Column("due_date", sa.Date(), nullable=False),
    sa.Column("due_time", sa.Time(), nullable=True),
    sa.Column("shown_by", sa.String(), nullable=False),  # h: horizon, b: birthday lead, t: today
    sa.Column("show_from", sa.Date(), nullable=True),  # a snoozed follow-up's return
    sa.Column("stale_on", sa.Date(), nullable=True, index=True),  # recompute from this day
    sa.Column("order_key", sa.Integer(), nullable=False),  # -(urgency but its due term), cents
    sa.Column("priority", sa.String(), nullable=False),
    sa.Column("spend_minor", MONEY, nullable=False),
    sa.Column("owner", sa.String(), nullable=True),
    sa.Column("channel", sa.String(), nullable=True),
    sa.Column("note", sa.String(), nullable=True),
    sa.Column("followup_id", sa.Integer(), nullable=True),
    sa.Column("purchase_id", sa.Integer(), nullable=True),
    sa.Column("complaint_id", sa.Integer(), nullable=True),
    # a day's page in urgency order, and the section counts, from the index alone
    sa.Index("ix_agenda_day", "due_date", "order_key", "key", "show_from", "shown_by"),
    # the few snoozed, with what tells whether they would show (see agenda._count)
    sa.Index("ix_agenda_show_from", "show_from", "due_date", "shown_by"),
    # how many are due after today, each kind up to its own limit (see agenda._count)
    sa.Index("ix_agenda_shown", "shown_by", "due_date"),
    # the most urgent of many days at once (everything 7 days overdue or more)
    sa.Index("ix_agenda_rank", "order_key", "due_date", "key", "show_from", "shown_by"),
)

# customers whose agenda rows are out of date, filled by triggers (migration 0004)
agenda_dirty = sa.Table(
    "agenda_dirty",
    SQLModel.metadata,
    sa.Column("customer_id", sa.Integer(), primary_key=True, autoincrement=False),
)

# The audit trail (services/audit.py): who changed what and when, one row per changed field, or
# one per record created or deleted (its fields as JSON in `new` or `old`), or one per import
# batch, merge, undo or erasure. No foreign keys: the trail outlives the records it describes.
audit_log = sa.Table(
    "audit_log",
    SQLModel.metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("actor", sa.String(), nullable=False),  # config.current_user() of the command
    sa.Column("action", sa.String(), nullable=False),  # create, update, delete, import, merge …
    sa.Column("entity", sa.String(), nullable=False),  # customer, purchase, followup, complaint …
    sa.Column("entity_id", sa.Integer(), nullable=True),
    sa.Column("customer_id", sa.Integer(), nullable=True),  # whose history it is part of
    sa.Column("field", sa.String(), nullable=True),
    sa.Column("old", sa.String(), nullable=True),
    sa.Column("new", sa.String(), nullable=True),
    sa.Column("batch_id", sa.Integer(), nullable=True),
    # `history CUSTOMER`, newest first
    sa.Index("ix_audit_log_customer_at", "customer_id", "at"),
    # a batch's own row, found by `history` for the records the batch added
    sa.Index("ix_audit_log_batch_id", "batch_id"),
)


def _audit_flush(session, _context) -> None:  # noqa: ANN001
    """Every ORM flush writes the audit rows of what it changed, in the same transaction."""
    from .services.audit import on_flush

    on_flush(session)


sa.event.listen(_OrmSession, "after_flush", _audit_flush)


# Profitability and saved segments (migration 0007): plain tables, read and written with Core.
# A product's unit cost prices the purchases of that product that carry no cost of their own.
products = sa.Table(
    "products",
    SQLModel.metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(), nullable=False, unique=True),  # as purchases.product has it
    sa.Column("category", sa.String(), nullable=True),
    sa.Column("unit_cost_minor", MONEY, nullable=False),
    sa.Column("currency", sa.String(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

# A segment saved by `clusters --save NAME`: one row per cluster (NAME-1, NAME-2 …, all with
# group_name NAME) and its customers; usable wherever an RFM segment is (`list --segment`,
# `due --segment`, `cadence set --segment`).
saved_segments = sa.Table(
    "saved_segments",
    SQLModel.metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(), nullable=False, unique=True),
    sa.Column("group_name", sa.String(), nullable=False, index=True),
    sa.Column("description", sa.String(), nullable=True),  # English, as JSON writes it
    sa.Column("as_of", sa.Date(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)
saved_segment_members = sa.Table(
    "saved_segment_members",
    SQLModel.metadata,
    sa.Column(
        "segment_id",
        sa.Integer(),
        sa.ForeignKey("saved_segments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "customer_id",
        sa.Integer(),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


# Loyalty and company accounts (issue 15, migration 0010): plain tables, read and written with
# Core (services/loyalty.py, services/accounts.py), which write their own audit rows.
def _set(column: str) -> dict:
    """A partial index's condition: only the rows that have a value (most have none)."""
    cond = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": cond, "postgresql_where": cond}


# who brought a customer, who of a company a contact or purchase was with (the columns have no
# foreign key, since SQLite cannot add one to a table: triggers clear them when that one goes)
sa.Index(
    "ix_customers_referred_by_id", Customer.__table__.c.referred_by_id, **_set("referred_by_id")
)
sa.Index("ix_interactions_person_id", Interaction.__table__.c.person_id, **_set("person_id"))
sa.Index("ix_purchases_person_id", Purchase.__table__.c.person_id, **_set("person_id"))
sa.Index("ix_purchases_refund_of", Purchase.__table__.c.refund_of, **_set("refund_of"))

# A company customer's people (name, role, phone, WeChat): who buys or is called there.
contact_persons = sa.Table(
    "contact_persons",
    SQLModel.metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "customer_id",
        sa.Integer(),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("role", sa.String(), nullable=True),
    sa.Column("phone", sa.String(), nullable=True),  # E.164
    sa.Column("wechat", sa.String(), nullable=True),
    sa.Column("email", sa.String(), nullable=True),
    sa.Column("notes", sa.String(), nullable=True),
    sa.Column(
        "batch_id",
        sa.Integer(),
        sa.ForeignKey("import_batches.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

# The points ledger: every change of a customer's points is a row (earn, bonus, redeem, adjust,
# expire, reverse); a balance is the sum of the rows, never a stored number.
points_ledger = sa.Table(
    "points_ledger",
    SQLModel.metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "customer_id",
        sa.Integer(),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("kind", sa.String(), nullable=False),
    sa.Column("points", sa.Integer(), nullable=False),  # + earned, - spent or taken back
    sa.Column("purchase_id", sa.Integer(), nullable=True),  # no foreign key: outlives a refund
    sa.Column("note", sa.String(), nullable=True),
    sa.Column("recorded_by", sa.String(), nullable=True),
    sa.Column(
        "batch_id",
        sa.Integer(),
        sa.ForeignKey("import_batches.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    # a customer's ledger in time order
    sa.Index("ix_points_ledger_customer_at", "customer_id", "at"),
    # the rows of a purchase (refunds, recompute)
    sa.Index("ix_points_ledger_purchase_id", "purchase_id", **_set("purchase_id")),
)

# Secondary contact points (issue 17.8, migration 0011): the other phones, e-mails and WeChat
# handles a customer is known by, kept by `merge` (source 'merge') or added by hand ('manual').
# A plain table, read and written with Core (services/contact_points.py).
contact_points = sa.Table(
    "contact_points",
    SQLModel.metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "customer_id",
        sa.Integer(),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("kind", sa.String(), nullable=False),  # phone, email, wechat
    sa.Column("value", sa.String(), nullable=False, index=True),  # E.164, lower case, as typed
    sa.Column("source", sa.String(), nullable=False),  # merge, manual, import
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("batch_id", sa.Integer(), nullable=True),  # the import that added it (0012)
)
