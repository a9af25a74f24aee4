"""Follow-ups and complaints remember the import batch that added them (a tracking sheet's 下次跟进,
an imported complaints list), so that `import undo` removes them with the rest of the batch. One
new column in each, empty for every existing row: every row stays as it is.

On SQLite each table is rebuilt (alembic's batch mode: SQLite cannot add a foreign key to a
table, and one declared inline is not read back with its ON DELETE), which drops the table's
triggers: the agenda's three on each (migration 0004) are made again, as they were.

Revision ID: 0005
Revises: 0004
"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("followups", "complaints")
MARK = "INSERT OR IGNORE INTO agenda_dirty (customer_id) VALUES"


def _triggers(table: str) -> dict[str, tuple[str, str]]:
    """0004's triggers on the table."""
    return {
        f"agenda_{table}_ins": (f"AFTER INSERT ON {table}", f"{MARK} (NEW.customer_id)"),
        f"agenda_{table}_upd": (
            f"AFTER UPDATE ON {table}",
            f"{MARK} (OLD.customer_id), (NEW.customer_id)",
        ),
        f"agenda_{table}_del": (f"AFTER DELETE ON {table}", f"{MARK} (OLD.customer_id)"),
    }


def _remake_triggers(table: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, (event, body) in _triggers(table).items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"CREATE TRIGGER {name} {event} BEGIN {body}; END")


def upgrade() -> None:
    # reflecting followups reflects the customers it refers to, whose expression indexes
    # SQLAlchemy cannot read: it says so in a warning, which is not news for the user
    for table in TABLES:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
            with op.batch_alter_table(table) as b:
                b.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
                b.create_foreign_key(
                    f"fk_{table}_batch_id",
                    "import_batches",
                    ["batch_id"],
                    ["id"],
                    ondelete="SET NULL",
                )
        _remake_triggers(table)


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as b:
            b.drop_constraint(f"fk_{table}_batch_id", type_="foreignkey")
            b.drop_column("batch_id")
        _remake_triggers(table)
