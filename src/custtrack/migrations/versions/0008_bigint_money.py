"""Money as 64-bit integers on PostgreSQL: the amounts in minor units (`purchases.amount_minor`
and `cost_minor`, `campaigns.cost_minor`, `products.unit_cost_minor`, `agenda.spend_minor`) were
INTEGER there, 32 bits, so one purchase could not exceed 21,474,836.47 and a customer's lifetime
spend in the agenda overflowed at the same sum. They become BIGINT.

SQLite: nothing to do, and nothing is done. Its INTEGER already holds 64 bits, and its tables,
indexes and triggers stay exactly as they are (no table is copied).

PostgreSQL rewrites each table once (one ALTER TABLE per table, all its columns at once) and
rebuilds its indexes: about half a minute for a million purchases. The downgrade turns them back
into INTEGER, and fails ("integer out of range") while a larger amount is stored.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = {  # table: its money columns
    "purchases": ("amount_minor", "cost_minor"),
    "campaigns": ("cost_minor",),
    "products": ("unit_cost_minor",),
    "agenda": ("spend_minor",),
}


def _alter(to: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {c} TYPE {to}" for c in columns)
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    _alter("BIGINT")


def downgrade() -> None:
    _alter("INTEGER")
