"""The agenda: every follow-up and reminder that can come due, kept per customer, so that `due`
reads one page of an index instead of computing every reminder of every customer. The tables
start empty (custtrack fills them the first time `due` runs); every existing row stays as it is.

Triggers note which customers' agenda rows a change makes stale, whatever command (or tool) made
it: SQLite's own, and on PostgreSQL one PL/pgSQL function per table doing the same.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# table → the column naming the customer whose agenda a change of one of its rows can change
PER_CUSTOMER = {
    "customers": "id",
    "interactions": "customer_id",
    "purchases": "customer_id",
    "followups": "customer_id",
    "complaints": "customer_id",
    "customer_tags": "customer_id",
}
MARK = "INSERT OR IGNORE INTO agenda_dirty (customer_id)"


def _cadence_customers(row: str) -> str:
    """The customers a cadence rule (NEW or OLD) applies to; segment rules are never kept in the
    agenda (segments move with time: `due` computes on read while one exists)."""
    return (
        f"SELECT CAST({row}.target AS INTEGER) WHERE {row}.scope = 'customer' "
        "UNION SELECT ct.customer_id FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
        f"WHERE {row}.scope = 'tag' AND t.name = {row}.target"
    )


def _triggers() -> list[tuple[str, str, str]]:
    """(name, event, body) of every trigger."""
    out = []
    for table, col in PER_CUSTOMER.items():
        values = f"{MARK} VALUES"
        out.append((f"agenda_{table}_ins", f"AFTER INSERT ON {table}", f"{values} (NEW.{col})"))
        out.append(
            (
                f"agenda_{table}_upd",
                f"AFTER UPDATE ON {table}",
                f"{values} (OLD.{col}), (NEW.{col})",
            )
        )
        if table != "customers":  # a deleted customer's agenda rows go with it (ON DELETE CASCADE)
            out.append((f"agenda_{table}_del", f"AFTER DELETE ON {table}", f"{values} (OLD.{col})"))
    out += [
        ("agenda_cadences_ins", "AFTER INSERT ON cadences", f"{MARK} {_cadence_customers('NEW')}"),
        ("agenda_cadences_del", "AFTER DELETE ON cadences", f"{MARK} {_cadence_customers('OLD')}"),
        (
            "agenda_cadences_upd",
            "AFTER UPDATE ON cadences",
            f"{MARK} {_cadence_customers('OLD')} UNION {_cadence_customers('NEW')}",
        ),
        # a renamed tag may gain or lose a tag cadence (a deleted one's customer_tags rows go by
        # cascade, which fires their own triggers)
        (
            "agenda_tags_upd",
            "AFTER UPDATE ON tags",
            f"{MARK} SELECT customer_id FROM customer_tags WHERE tag_id = NEW.id",
        ),
    ]
    return out


def _pg_cadence_customers(row: str) -> str:
    """_cadence_customers() as PL/pgSQL statements: PostgreSQL may evaluate the CAST of a tag's
    name where SQLite's WHERE skips it, so the scope is tested first."""
    mark, done = "INSERT INTO agenda_dirty (customer_id)", "ON CONFLICT DO NOTHING"
    return (
        f"IF {row}.scope = 'customer' THEN "
        f"{mark} VALUES (CAST({row}.target AS INTEGER)) {done}; "
        f"ELSIF {row}.scope = 'tag' THEN {mark} SELECT ct.customer_id FROM customer_tags ct "
        f"JOIN tags t ON t.id = ct.tag_id WHERE t.name = {row}.target {done}; END IF;"
    )


def _pg_triggers() -> list[str]:
    """PostgreSQL's form of _triggers(): per table a PL/pgSQL function doing what SQLite's
    triggers on it do (ON CONFLICT DO NOTHING for OR IGNORE), and one row trigger for the same
    events."""
    mark, done = "INSERT INTO agenda_dirty (customer_id)", "ON CONFLICT DO NOTHING"
    bodies: dict[str, list[tuple[str, str]]] = {}  # table → [(TG_OP, PL/pgSQL statements)]
    for table, col in PER_CUSTOMER.items():
        ops = [("INSERT", f"{mark} VALUES (NEW.{col}) {done};")]
        ops.append(("UPDATE", f"{mark} VALUES (OLD.{col}), (NEW.{col}) {done};"))
        if table != "customers":
            ops.append(("DELETE", f"{mark} VALUES (OLD.{col}) {done};"))
        bodies[table] = ops
    bodies["cadences"] = [
        ("INSERT", _pg_cadence_customers("NEW")),
        ("DELETE", _pg_cadence_customers("OLD")),
        ("UPDATE", _pg_cadence_customers("OLD") + " " + _pg_cadence_customers("NEW")),
    ]
    bodies["tags"] = [
        ("UPDATE", f"{mark} SELECT customer_id FROM customer_tags WHERE tag_id = NEW.id {done};")
    ]
    out = []
    for table, ops in bodies.items():
        steps = " ".join(f"IF TG_OP = '{tg_op}' THEN {sql} END IF;" for tg_op, sql in ops)
        out.append(
            f"CREATE FUNCTION agenda_mark_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {steps} RETURN NULL; END $$"
        )
        events = " OR ".join(tg_op for tg_op, _sql in ops)
        out.append(
            f"CREATE TRIGGER agenda_{table} AFTER {events} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION agenda_mark_{table}()"
        )
    return out


def _text() -> sa.types.TypeEngine:
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")  # see 0001's S()


def upgrade() -> None:
    op.create_table(
        "agenda",
        sa.Column("key", _text(), primary_key=True),
        sa.Column(
            "customer_id",
            sa.Integer(),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("origin", _text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("due_time", sa.Time(), nullable=True),
        sa.Column("shown_by", _text(), nullable=False),
        sa.Column("show_from", sa.Date(), nullable=True),
        sa.Column("stale_on", sa.Date(), nullable=True),
        sa.Column("order_key", sa.Integer(), nullable=False),
        sa.Column("priority", _text(), nullable=False),
        sa.Column("spend_minor", sa.Integer(), nullable=False),
        sa.Column("owner", _text(), nullable=True),
        sa.Column("channel", _text(), nullable=True),
        sa.Column("note", _text(), nullable=True),
        sa.Column("followup_id", sa.Integer(), nullable=True),
        sa.Column("purchase_id", sa.Integer(), nullable=True),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_agenda_customer_id", "agenda", ["customer_id"])
    op.create_index("ix_agenda_stale_on", "agenda", ["stale_on"])
    op.create_index("ix_agenda_show_from", "agenda", ["show_from", "due_date", "shown_by"])
    op.create_index(
        "ix_agenda_day", "agenda", ["due_date", "order_key", "key", "show_from", "shown_by"]
    )
    op.create_index("ix_agenda_shown", "agenda", ["shown_by", "due_date"])
    op.create_index(
        "ix_agenda_rank", "agenda", ["order_key", "due_date", "key", "show_from", "shown_by"]
    )
    op.create_table(
        "agenda_dirty",
        sa.Column("customer_id", sa.Integer(), primary_key=True, autoincrement=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        for name, event, body in _triggers():
            op.execute(f"CREATE TRIGGER {name} {event} BEGIN {body}; END")
    elif op.get_bind().dialect.name == "postgresql":
        for statement in _pg_triggers():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, _event, _body in _triggers():
            op.execute(f"DROP TRIGGER {name}")
    elif op.get_bind().dialect.name == "postgresql":
        for table in (*PER_CUSTOMER, "cadences", "tags"):
            op.execute(f"DROP TRIGGER agenda_{table} ON {table}")
            op.execute(f"DROP FUNCTION agenda_mark_{table}()")
    op.drop_table("agenda_dirty")
    op.drop_table("agenda")
