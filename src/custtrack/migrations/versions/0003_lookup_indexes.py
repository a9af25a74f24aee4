"""Indexes for the daily look-ups, so their cost does not grow with the number of customers:
names matched without case, birthdays by month and day, follow-ups by complaint, purchases by
currency, and purchases by time with the customer (covering, replacing the index on time alone).
Indexes only: every row stays as it is.

Revision ID: 0003
Revises: 0002
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _month_day() -> sa.ColumnElement[Any] | sa.TextClause:
    # the same expression as custtrack.dialect.month_day, so the planner can use the index
    column: sa.ColumnClause[Any] = sa.column("birthday")
    if op.get_bind().dialect.name == "sqlite":
        return sa.func.strftime("%m-%d", column)
    # PostgreSQL indexes only IMMUTABLE expressions, which to_char() is not: month * 100 + day
    return sa.text("(EXTRACT(MONTH FROM birthday) * 100 + EXTRACT(DAY FROM birthday))")


def upgrade() -> None:
    op.create_index("ix_customers_name_lower", "customers", [sa.func.lower(sa.column("name"))])
    op.create_index("ix_customers_birthday_md", "customers", [_month_day()])
    op.create_index("ix_followups_complaint_id", "followups", ["complaint_id"])
    op.create_index("ix_purchases_currency", "purchases", ["currency"])
    op.create_index("ix_purchases_at_customer", "purchases", ["at", "customer_id"])
    op.drop_index("ix_purchases_at", "purchases")


def downgrade() -> None:
    op.create_index("ix_purchases_at", "purchases", ["at"])
    op.drop_index("ix_purchases_at_customer", "purchases")
    op.drop_index("ix_purchases_currency", "purchases")
    op.drop_index("ix_followups_complaint_id", "followups")
    op.drop_index("ix_customers_birthday_md", "customers")
    op.drop_index("ix_customers_name_lower", "customers")
