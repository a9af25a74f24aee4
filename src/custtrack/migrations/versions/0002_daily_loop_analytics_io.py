"""Follow-up origins and snooze, cadences, campaigns, import batches, merges, erasure; a maintained
last-contact time on customers, filled from the contacts already recorded.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Int, TS = sa.Integer, lambda: sa.DateTime(timezone=True)


def S() -> sa.types.TypeEngine:  # noqa: N802 - a column type, as sa.String
    """Text. On PostgreSQL in the "C" collation: compared, sorted and lower-cased byte by byte
    (ASCII letters only), as SQLite does, whatever the database's own locale."""
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", Int(), primary_key=True),
        sa.Column("kind", S(), nullable=False),
        sa.Column("source", S(), nullable=False),
        sa.Column("file_sha256", S(), nullable=True),
        *(
            sa.Column(c, Int(), nullable=False)
            for c in ("rows_added", "rows_updated", "rows_skipped")
        ),
        sa.Column("started_at", TS(), nullable=False),
        sa.Column("finished_at", TS(), nullable=True),
        sa.Column("undone_at", TS(), nullable=True),
    )
    op.create_table(
        "cadences",
        sa.Column("id", Int(), primary_key=True),
        sa.Column("scope", S(), nullable=False),
        sa.Column("target", S(), nullable=False),
        sa.Column("every_days", Int(), nullable=False),
        sa.Column("created_at", TS(), nullable=False),
        sa.UniqueConstraint("scope", "target", name="uq_cadences_scope_target"),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", Int(), primary_key=True),
        sa.Column("name", S(), nullable=False, unique=True),
        sa.Column("source", S(), nullable=False),
        sa.Column("channel", S(), nullable=True),
        sa.Column("cost_minor", Int(), nullable=False),
        sa.Column("currency", S(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("created_at", TS(), nullable=False),
    )
    op.create_table(
        "merges",
        sa.Column("id", Int(), primary_key=True),
        sa.Column("kept_id", Int(), nullable=False),
        sa.Column("merged_id", Int(), nullable=False),
        sa.Column("merged_snapshot", S(), nullable=False),
        sa.Column("reason", S(), nullable=True),
        sa.Column("at", TS(), nullable=False),
        sa.ForeignKeyConstraint(["kept_id"], ["customers.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_merges_kept_id", "merges", ["kept_id"])
    op.create_table(
        "erased_identities",
        sa.Column("id", Int(), primary_key=True),
        sa.Column("digest", S(), nullable=False),
        sa.Column("kind", S(), nullable=False),
        sa.Column("at", TS(), nullable=False),
    )
    op.create_index("ix_erased_identities_digest", "erased_identities", ["digest"])

    batch_fk = ("batch_id", "import_batches", ["batch_id"], ["id"])
    with op.batch_alter_table("customers") as b:
        b.add_column(sa.Column("external_id", S(), nullable=True))
        b.add_column(sa.Column("lost_reason", S(), nullable=True))
        b.add_column(sa.Column("lost_note", S(), nullable=True))
        b.add_column(sa.Column("lost_at", TS(), nullable=True))
        b.add_column(sa.Column("last_contact_at", TS(), nullable=True))
        b.add_column(sa.Column("erased_at", TS(), nullable=True))
        b.add_column(sa.Column("batch_id", Int(), nullable=True))
        b.create_foreign_key(f"fk_customers_{batch_fk[0]}", *batch_fk[1:], ondelete="SET NULL")
        b.create_index("ix_customers_external_id", ["external_id"])
        b.create_index("ix_customers_last_contact_at", ["last_contact_at"])
    for table in ("interactions", "purchases", "feedback"):
        with op.batch_alter_table(table) as b:
            b.add_column(sa.Column("batch_id", Int(), nullable=True))
            b.create_foreign_key(f"fk_{table}_batch_id", *batch_fk[1:], ondelete="SET NULL")
    with op.batch_alter_table("followups") as b:
        b.add_column(sa.Column("origin", S(), nullable=False, server_default="manual"))
        b.add_column(sa.Column("priority", S(), nullable=False, server_default="normal"))
        b.add_column(sa.Column("snoozed_until", sa.Date(), nullable=True))
        b.add_column(sa.Column("complaint_id", Int(), nullable=True))
        b.add_column(sa.Column("interaction_id", Int(), nullable=True))
        b.create_foreign_key(
            "fk_followups_complaint_id", "complaints", ["complaint_id"], ["id"], ondelete="SET NULL"
        )
        b.create_foreign_key(
            "fk_followups_interaction_id",
            "interactions",
            ["interaction_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(
        "UPDATE customers SET last_contact_at ="
        " (SELECT max(at) FROM interactions WHERE interactions.customer_id = customers.id)"
    )


def downgrade() -> None:
    raise NotImplementedError("custtrack does not downgrade; restore a backup instead")
