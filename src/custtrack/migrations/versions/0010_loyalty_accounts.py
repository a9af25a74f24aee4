"""Loyalty and company accounts (issue 15): the points ledger (`points_ledger`: earn, bonus,
redeem, adjust, expire, reverse; a balance is always a sum of its rows), a company's contact
persons (`contact_persons`), whether a customer is a person or a company (`customers.kind`,
'person' for every existing row), who brought them (`customers.referred_by_id`) and which contact
person a contact or purchase was with (`interactions.person_id`, `purchases.person_id`), all empty
for every existing row.

Plain CREATE TABLE and ADD COLUMN on both engines: SQLite adds a column without copying the table,
so every row, index and trigger stays as it is. SQLite cannot add a foreign key to an existing
table, so the three new references are plain integers on both engines, each with a partial index
(only the rows that have one) and a trigger that clears it when the customer or person it names is
deleted, as ON DELETE SET NULL would. Changes to the ledger mark the customer's agenda stale (a tier
by points can change), like the triggers of 0004.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# (index, table, column) of the references without a foreign key
REFERENCES = (
    ("ix_customers_referred_by_id", "customers", "referred_by_id"),
    ("ix_interactions_person_id", "interactions", "person_id"),
    ("ix_purchases_person_id", "purchases", "person_id"),
)
MARK = "INSERT OR IGNORE INTO agenda_dirty (customer_id)"
PG_MARK = "INSERT INTO agenda_dirty (customer_id)"

# SQLite: (name, event, body)
TRIGGERS = (
    (
        "loyalty_customers_del",
        "AFTER DELETE ON customers",
        "UPDATE customers SET referred_by_id = NULL WHERE referred_by_id = OLD.id",
    ),
    (
        "loyalty_contact_persons_del",
        "AFTER DELETE ON contact_persons",
        "UPDATE interactions SET person_id = NULL WHERE person_id = OLD.id; "
        "UPDATE purchases SET person_id = NULL WHERE person_id = OLD.id",
    ),
    (
        "agenda_points_ledger_ins",
        "AFTER INSERT ON points_ledger",
        f"{MARK} VALUES (NEW.customer_id)",
    ),
    (
        "agenda_points_ledger_upd",
        "AFTER UPDATE ON points_ledger",
        f"{MARK} VALUES (OLD.customer_id), (NEW.customer_id)",
    ),
    (
        "agenda_points_ledger_del",
        "AFTER DELETE ON points_ledger",
        f"{MARK} VALUES (OLD.customer_id)",
    ),
)
# PostgreSQL: (function, trigger, events, table, PL/pgSQL statements)
PG_TRIGGERS = (
    (
        "loyalty_customer_gone",
        "loyalty_customers_del",
        "DELETE",
        "customers",
        "UPDATE customers SET referred_by_id = NULL WHERE referred_by_id = OLD.id;",
    ),
    (
        "loyalty_person_gone",
        "loyalty_contact_persons_del",
        "DELETE",
        "contact_persons",
        "UPDATE interactions SET person_id = NULL WHERE person_id = OLD.id; "
        "UPDATE purchases SET person_id = NULL WHERE person_id = OLD.id;",
    ),
    (
        "agenda_mark_points_ledger",
        "agenda_points_ledger",
        "INSERT OR UPDATE OR DELETE",
        "points_ledger",
        f"IF TG_OP <> 'INSERT' THEN {PG_MARK} VALUES (OLD.customer_id) ON CONFLICT DO NOTHING; "
        f"END IF; IF TG_OP <> 'DELETE' THEN {PG_MARK} VALUES (NEW.customer_id) "
        "ON CONFLICT DO NOTHING; END IF;",
    ),
)


def _text() -> sa.types.TypeEngine:
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")  # see 0001's S()


def _ts() -> sa.types.TypeEngine:
    return sa.DateTime(timezone=True)


def _set(column: str) -> dict:
    cond = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": cond, "postgresql_where": cond}


def _batch() -> sa.Column:
    return sa.Column(
        "batch_id",
        sa.Integer(),
        sa.ForeignKey("import_batches.id", ondelete="SET NULL"),
        nullable=True,
    )


def _customer() -> sa.Column:
    return sa.Column(
        "customer_id",
        sa.Integer(),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.add_column("customers", sa.Column("kind", _text(), nullable=False, server_default="person"))
    op.add_column("customers", sa.Column("referred_by_id", sa.Integer(), nullable=True))
    op.add_column("interactions", sa.Column("person_id", sa.Integer(), nullable=True))
    op.add_column("purchases", sa.Column("person_id", sa.Integer(), nullable=True))
    for name, table, column in REFERENCES:
        op.create_index(name, table, [column], **_set(column))
    op.create_table(
        "contact_persons",
        sa.Column("id", sa.Integer(), primary_key=True),
        _customer(),
        sa.Column("name", _text(), nullable=False),
        sa.Column("role", _text(), nullable=True),
        sa.Column("phone", _text(), nullable=True),
        sa.Column("wechat", _text(), nullable=True),
        sa.Column("email", _text(), nullable=True),
        sa.Column("notes", _text(), nullable=True),
        _batch(),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
    )
    op.create_index("ix_contact_persons_customer_id", "contact_persons", ["customer_id"])
    op.create_table(
        "points_ledger",
        sa.Column("id", sa.Integer(), primary_key=True),
        _customer(),
        sa.Column("at", _ts(), nullable=False),
        sa.Column("kind", _text(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("purchase_id", sa.Integer(), nullable=True),
        sa.Column("note", _text(), nullable=True),
        sa.Column("recorded_by", _text(), nullable=True),
        _batch(),
        sa.Column("created_at", _ts(), nullable=False),
    )
    op.create_index("ix_points_ledger_customer_at", "points_ledger", ["customer_id", "at"])
    op.create_index(
        "ix_points_ledger_purchase_id", "points_ledger", ["purchase_id"], **_set("purchase_id")
    )
    if op.get_bind().dialect.name == "postgresql":
        for function, trigger, events, table, body in PG_TRIGGERS:
            op.execute(
                f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {body} RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {trigger} AFTER {events} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
    else:
        for name, event, body in TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} {event} BEGIN {body}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for function, trigger, _events, table, _body in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    else:
        for name, _event, _body in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_points_ledger_purchase_id", "points_ledger")
    op.drop_index("ix_points_ledger_customer_at", "points_ledger")
    op.drop_table("points_ledger")
    op.drop_index("ix_contact_persons_customer_id", "contact_persons")
    op.drop_table("contact_persons")
    for name, table, _column in REFERENCES:
        op.drop_index(name, table)
    # SQLite 3.35+: ALTER TABLE … DROP COLUMN (the indexes on them are gone first)
    op.drop_column("purchases", "person_id")
    op.drop_column("interactions", "person_id")
    op.drop_column("customers", "referred_by_id")
    op.drop_column("customers", "kind")
