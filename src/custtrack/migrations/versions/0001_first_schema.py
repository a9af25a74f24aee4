"""First schema: customers, tags, contacts, purchases, feedback, complaints, follow-ups.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Int, TS = sa.Integer, lambda: sa.DateTime(timezone=True)


def S() -> sa.types.TypeEngine:  # noqa: N802 - a column type, as sa.String
    """Text. On PostgreSQL in the "C" collation: compared, sorted and lower-cased byte by byte
    (ASCII letters only), as SQLite does, whatever the database's own locale."""
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")


def _fk_customer() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "meta", sa.Column("key", S(), primary_key=True), sa.Column("value", S(), nullable=False)
    )
    op.create_table(
        "tags",
        sa.Column("id", Int(), primary_key=True),
        sa.Column("name", S(), nullable=False, unique=True),
    )
    op.create_table(
        "customers",
        sa.Column("id", Int(), primary_key=True),
        sa.Column("name", S(), nullable=False),
        *(
            sa.Column(c, S(), nullable=True)
            for c in ("phone", "email", "wechat", "company", "address", "city")
        ),
        sa.Column("birthday", sa.Date(), nullable=True),
        *(
            sa.Column(c, S(), nullable=True)
            for c in ("gender", "source", "owner", "price_sensitivity", "notes")
        ),
        sa.Column("status", S(), nullable=False),
        sa.Column("created_at", TS(), nullable=False),
        sa.Column("updated_at", TS(), nullable=False),
    )
    for col in ("city", "email", "name", "owner", "phone", "source", "status"):
        op.create_index(f"ix_customers_{col}", "customers", [col])
    op.create_table(
        "customer_tags",
        sa.Column("customer_id", Int(), primary_key=True),
        sa.Column("tag_id", Int(), primary_key=True),
        _fk_customer(),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_customer_tags_tag_id", "customer_tags", ["tag_id"])
    op.create_table(
        "interactions",
        sa.Column("id", Int(), primary_key=True),
        sa.Column("customer_id", Int(), nullable=False),
        sa.Column("at", TS(), nullable=False),
        sa.Column("channel", S(), nullable=False),
        *(sa.Column(c, S(), nullable=True) for c in ("summary", "outcome", "owner")),
        sa.Column("created_at", TS(), nullable=False),
        _fk_customer(),
    )
    op.create_index("ix_interactions_at", "interactions", ["at"])
    op.create_index("ix_interactions_customer_at", "interactions", ["customer_id", "at"])
    op.create_table(
        "purchases",
        sa.Column("id", Int(), primary_key=True),
        sa.Column("customer_id", Int(), nullable=False),
        sa.Column("at", TS(), nullable=False),
        sa.Column("product", S(), nullable=True),
        sa.Column("category", S(), nullable=True),
        sa.Column("qty", Int(), nullable=False),
        sa.Column("amount_minor", Int(), nullable=False),
        sa.Column("currency", S(), nullable=False),
        sa.Column("order_ref", S(), nullable=True, unique=True),
        sa.Column("created_at", TS(), nullable=False),
        sa.CheckConstraint("amount_minor >= 0", name="ck_purchases_amount_nonneg"),
        sa.CheckConstraint("qty > 0", name="ck_purchases_qty_pos"),
        _fk_customer(),
    )
    op.create_index("ix_purchases_at", "purchases", ["at"])
    op.create_index("ix_purchases_customer_at", "purchases", ["customer_id", "at", "amount_minor"])
    op.create_table(
        "feedback",
        sa.Column("id", Int(), primary_key=True),
        sa.Column("customer_id", Int(), nullable=False),
        sa.Column("at", TS(), nullable=False),
        sa.Column("csat", Int(), nullable=True),
        sa.Column("nps", Int(), nullable=True),
        sa.Column("text", S(), nullable=True),
        sa.Column("channel", S(), nullable=True),
        sa.Column("created_at", TS(), nullable=False),
        sa.CheckConstraint("csat IS NULL OR csat BETWEEN 1 AND 5", name="ck_feedback_csat"),
        sa.CheckConstraint("nps IS NULL OR nps BETWEEN 0 AND 10", name="ck_feedback_nps"),
        _fk_customer(),
    )
    op.create_index("ix_feedback_at", "feedback", ["at"])
    op.create_index("ix_feedback_customer_id", "feedback", ["customer_id"])
    op.create_table(
        "complaints",
        sa.Column("id", Int(), primary_key=True),
        sa.Column("customer_id", Int(), nullable=False),
        sa.Column("category", S(), nullable=False),
        sa.Column("priority", S(), nullable=False),
        *(sa.Column(c, S(), nullable=True) for c in ("text", "assignee")),
        sa.Column("status", S(), nullable=False),
        sa.Column("resolution", S(), nullable=True),
        sa.Column("opened_at", TS(), nullable=False),
        sa.Column("resolved_at", TS(), nullable=True),
        sa.Column("updated_at", TS(), nullable=False),
        _fk_customer(),
    )
    op.create_index("ix_complaints_customer_id", "complaints", ["customer_id"])
    op.create_index("ix_complaints_status", "complaints", ["status"])
    op.create_table(
        "followups",
        sa.Column("id", Int(), primary_key=True),
        sa.Column("customer_id", Int(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("due_time", sa.Time(), nullable=True),
        *(sa.Column(c, S(), nullable=True) for c in ("channel", "note", "owner")),
        sa.Column("status", S(), nullable=False),
        sa.Column("created_at", TS(), nullable=False),
        sa.Column("closed_at", TS(), nullable=True),
        _fk_customer(),
    )
    op.create_index("ix_followups_customer_id", "followups", ["customer_id"])
    op.create_index("ix_followups_status_due", "followups", ["status", "due_date"])


def downgrade() -> None:
    for table in ("followups", "complaints", "feedback", "purchases", "interactions",
                  "customer_tags", "customers", "tags", "meta"):  # fmt: skip
        op.drop_table(table)
