"""Secondary contact points (issue 17.8): `contact_points`, the other phones, e-mails and WeChat
handles a customer is known by (`kind` phone, email or wechat; `value` as stored on a customer:
E.164, lower case, as typed; `source` merge or manual), empty for every existing book. `merge`
keeps there what the merged customer had that the kept one does not; the customer lookup, `dupes`
and `forget` read them too.

A plain CREATE TABLE on both engines: nothing existing changes, so every row, index and trigger
stays as it is. The rows go with their customer (ON DELETE CASCADE); `value` is indexed for the
lookup of a customer by a phone or e-mail.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _text() -> sa.types.TypeEngine:
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")  # see 0001's S()


def upgrade() -> None:
    op.create_table(
        "contact_points",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "customer_id",
            sa.Integer(),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", _text(), nullable=False),
        sa.Column("value", _text(), nullable=False),
        sa.Column("source", _text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_contact_points_customer_id", "contact_points", ["customer_id"])
    op.create_index("ix_contact_points_value", "contact_points", ["value"])


def downgrade() -> None:
    op.drop_index("ix_contact_points_value", "contact_points")
    op.drop_index("ix_contact_points_customer_id", "contact_points")
    op.drop_table("contact_points")
