"""People and the audit trail: a new table `audit_log` (who changed what, when), and who entered
each contact, purchase, feedback and complaint (`recorded_by`, empty for every existing row).

Plain CREATE TABLE and ADD COLUMN on both engines: SQLite adds a nullable column without copying
the table, so the agenda's triggers (0004, 0005) stay as they are and no row is rewritten.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

RECORDS = ("interactions", "purchases", "feedback", "complaints")


def _text() -> sa.types.TypeEngine:
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")  # see 0001's S()


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", _text(), nullable=False),
        sa.Column("action", _text(), nullable=False),
        sa.Column("entity", _text(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("field", _text(), nullable=True),
        sa.Column("old", _text(), nullable=True),
        sa.Column("new", _text(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_audit_log_customer_at", "audit_log", ["customer_id", "at"])
    op.create_index("ix_audit_log_batch_id", "audit_log", ["batch_id"])
    for table in RECORDS:
        op.add_column(table, sa.Column("recorded_by", _text(), nullable=True))


def downgrade() -> None:
    for table in RECORDS:
        op.drop_column(table, "recorded_by")  # SQLite 3.35+: ALTER TABLE … DROP COLUMN
    op.drop_index("ix_audit_log_batch_id", "audit_log")
    op.drop_index("ix_audit_log_customer_at", "audit_log")
    op.drop_table("audit_log")
