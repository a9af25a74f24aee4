"""Birthdays without a year and lunar birthdays (issue 17.5): `customers.lunar_birthday`, the
month and day of a lunar (农历) birthday ("08-15"; "L04-15" in a leap month), empty for every
existing row, with an index for `due`'s look-up of the customers who have one.

A birthday whose year is not known needs no column: it is stored in `customers.birthday` in the
year 1604 (custtrack.dates.NO_YEAR), so the month-day index of 0003 finds it as any other.

Plain ADD COLUMN on both engines: SQLite adds a nullable column without copying the table, so
every row, index and trigger (the agenda's, 0004) stays as it is.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _text() -> sa.types.TypeEngine:
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")  # see 0001's S()


def upgrade() -> None:
    op.add_column("customers", sa.Column("lunar_birthday", _text(), nullable=True))
    op.create_index("ix_customers_lunar_birthday", "customers", ["lunar_birthday"])


def downgrade() -> None:
    op.drop_index("ix_customers_lunar_birthday", "customers")
    op.drop_column("customers", "lunar_birthday")
