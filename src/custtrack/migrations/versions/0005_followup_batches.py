"""Follow-ups remember the import batch that planned them (a tracking sheet's 下次跟进), so that
`import undo` removes them with the rest of the batch. One new column, empty for every existing
follow-up: every row stays as it is.

On SQLite the table is rebuilt (alembic's batch mode: SQLite cannot add a foreign key to a table,
and one declared inline is not read back with its ON DELETE), which drops the table's triggers:
the agenda's three (migration 0004) are made again, as they were.

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

MARK = "INSERT OR IGNORE INTO agenda_dirty (customer_id) VALUES"
TRIGGERS = {  # 0004's triggers on followups
    "agenda_followups_ins": ("AFTER INSERT ON followups", f"{MARK} (NEW.customer_id)"),
    "agenda_followups_upd": (
        "AFTER UPDATE ON followups",
        f"{MARK} (OLD.customer_id), (NEW.customer_id)",
    ),
    "agenda_followups_del": ("AFTER DELETE ON followups", f"{MARK} (OLD.customer_id)"),
}


def _remake_triggers() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, (event, body) in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"CREATE TRIGGER {name} {event} BEGIN {body}; END")


def upgrade() -> None:
    # reflecting followups reflects the customers it refers to, whose expression indexes
    # SQLAlchemy cannot read: it says so in a warning, which is not news for the user
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table("followups") as b:
            b.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
            b.create_foreign_key(
                "fk_followups_batch_id",
                "import_batches",
                ["batch_id"],
                ["id"],
                ondelete="SET NULL",
            )
    _remake_triggers()


def downgrade() -> None:
    with op.batch_alter_table("followups") as b:
        b.drop_constraint("fk_followups_batch_id", type_="foreignkey")
        b.drop_column("batch_id")
    _remake_triggers()
