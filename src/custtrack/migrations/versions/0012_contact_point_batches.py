"""Contact points an import added (issue 17.8): `contact_points.batch_id`, so that `import
contact_points` is a batch like the other kinds and `import undo` removes exactly its rows.

One nullable column added on both engines (no foreign key, as 0010's person_id): every existing
row keeps its values and has no batch, as a point added by `merge` or `edit` has.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("contact_points", sa.Column("batch_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact_points") as batch:
        batch.drop_column("batch_id")
