"""Costs and saved segments: what a purchase line cost the shop (`purchases.cost_minor`, empty for
every existing row), a product list with unit costs (`products`), and the segments saved by
`clusters --save` (`saved_segments` and their customers, `saved_segment_members`).

Plain CREATE TABLE and ADD COLUMN on both engines: SQLite adds a nullable column without copying
the table, so the agenda's triggers on purchases (0004) stay as they are and no row is rewritten.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _text() -> sa.types.TypeEngine:
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")  # see 0001's S()


def _ts() -> sa.types.TypeEngine:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("purchases", sa.Column("cost_minor", sa.Integer(), nullable=True))
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", _text(), nullable=False, unique=True),
        sa.Column("category", _text(), nullable=True),
        sa.Column("unit_cost_minor", sa.Integer(), nullable=False),
        sa.Column("currency", _text(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
    )
    op.create_table(
        "saved_segments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", _text(), nullable=False, unique=True),
        sa.Column("group_name", _text(), nullable=False),
        sa.Column("description", _text(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
    )
    op.create_index("ix_saved_segments_group_name", "saved_segments", ["group_name"])
    op.create_table(
        "saved_segment_members",
        sa.Column("segment_id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), primary_key=True),
        sa.ForeignKeyConstraint(["segment_id"], ["saved_segments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
    )
    op.create_index(
        "ix_saved_segment_members_customer_id", "saved_segment_members", ["customer_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_saved_segment_members_customer_id", "saved_segment_members")
    op.drop_table("saved_segment_members")
    op.drop_index("ix_saved_segments_group_name", "saved_segments")
    op.drop_table("saved_segments")
    op.drop_table("products")
    op.drop_column("purchases", "cost_minor")  # SQLite 3.35+: ALTER TABLE … DROP COLUMN
