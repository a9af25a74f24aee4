"""Money beyond 32 bits (migration 0008): a purchase of 99,999,999.99 on both engines, its sums
read back as int (PostgreSQL's sum() of a BIGINT is NUMERIC), and the upgrade from 0007 with
data on PostgreSQL. SQLite's integers are 64-bit already: 0008 must leave its file untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from custtrack import db, dialect
from custtrack.migrations import HEAD

pytestmark = pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")

BIG = 9_999_999_999  # 99,999,999.99 in fen: over 2**31 - 1 (21,474,836.47)
MONEY = {  # (table, column) of every amount in minor units
    ("purchases", "amount_minor"), ("purchases", "cost_minor"), ("campaigns", "cost_minor"),
    ("products", "unit_cost_minor"), ("agenda", "spend_minor"),
}  # fmt: skip


def _sums(conn: sa.Connection) -> list[object]:
    """Each kind of sum the services read: raw driver SQL and a Core select."""
    raw = dialect.fetch(conn, "SELECT sum(amount_minor), sum(cost_minor) FROM purchases")[0]
    P = sa.table("purchases", sa.column("amount_minor"))
    core = conn.execute(sa.select(sa.func.sum(P.c.amount_minor))).scalar()
    avg = dialect.fetch(conn, "SELECT avg(amount_minor) FROM purchases")[0][0]
    return [*raw, core, avg]


@pytest.mark.both_engines
def test_a_purchase_of_99_999_999_99_is_stored_and_summed_exactly(cli, engine) -> None:
    cli("config", "set", "currency", "CNY")
    cli("add", "Big Buyer", "--phone", "+8613900000001")
    done = cli.json("buy", "Big Buyer", "99,999,999.99", "-p", "Gold bar", "--at", "2026-11-01")
    assert done["amount_minor"] == BIG
    cli("buy", "Big Buyer", "99999999.99", "-p", "Gold bar", "--at", "2026-11-10")
    campaign = cli.json("campaign", "add", "Radio", "--cost", "50,000,000", "--start", "2026-01-01")
    assert campaign["cost_minor"] == 5_000_000_000

    show = cli.json("show", "Big Buyer")
    assert show["summary"]["spend_minor"] == 2 * BIG
    assert show["summary"]["spend_by_currency"] == {"CNY": 2 * BIG}
    assert [t["what"] for t in show["timeline"][:2]] == ["99,999,999.99 CNY"] * 2
    assert cli.json("list")[0]["spend"] == "199999999.98"
    assert cli.json("rfm")[0]["monetary"] == "199999999.98"  # exact, as a decimal string
    report = cli.json("report")
    assert (report["revenue"], report["average_order_value"]) == ("199999999.98", "99999999.99")
    # the agenda keeps the customer's lifetime spend (the post-purchase check-in is due)
    due = cli.json("due", "--days", "30")
    assert [(i["origin"], i["spend"]) for i in due] == [("post-purchase", "199999999.98")]

    with db.session() as s:
        conn = s.connection()
        total, cost, core, avg = _sums(conn)
        spend = conn.exec_driver_sql("SELECT max(spend_minor) FROM agenda").scalar()
    db.dispose()
    assert (total, cost, core, spend) == (2 * BIG, None, 2 * BIG, 2 * BIG)
    assert type(total) is int and type(core) is int and type(spend) is int
    assert float(avg) == BIG  # an average keeps its decimals (a Decimal on PostgreSQL)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_0008_leaves_a_sqlite_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    eng = db.bare_engine(str(path))

    def state() -> tuple[list, list]:
        with eng.connect() as conn:
            schema = conn.exec_driver_sql(
                "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name != "
                "'alembic_version' ORDER BY type, name"
            ).all()
            rows = conn.exec_driver_sql("SELECT * FROM purchases").all()
        return schema, rows

    try:
        db.upgrade(eng, "0007")
        with eng.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO customers (id, name, status, created_at, updated_at) "
                "VALUES (1, 'Ann', 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
            conn.exec_driver_sql(
                "INSERT INTO purchases (customer_id, at, qty, amount_minor, currency, created_at) "
                f"VALUES (1, '2026-01-02 00:00:00', 1, {BIG}, 'CNY', '2026-01-02 00:00:00')"
            )
        before = state()
        db.upgrade(eng, "0008")
        assert db.schema_version(eng) == "0008"
        assert state() == before  # no table copied, no type changed, no row touched
    finally:
        eng.dispose()


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_upgrade_from_0007_with_data_on_postgresql(pg_server) -> None:
    from alembic import command

    url = pg_server.create(migrated=False)
    eng = db.bare_engine(url)

    def types() -> dict[tuple[str, str], str]:
        with eng.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND column_name LIKE '%%\\_minor'"
            ).all()
        return {(t, c): kind for t, c, kind in rows}

    def purchases() -> list[tuple]:
        with eng.connect() as conn:
            return conn.exec_driver_sql(
                "SELECT id, customer_id, amount_minor, cost_minor FROM purchases ORDER BY id"
            ).all()

    try:
        db.upgrade(eng, "0007")
        assert set(types().values()) == {"integer"} and set(types()) == MONEY
        top = 2**31 - 1  # the most a 32-bit column holds: 21,474,836.47
        with eng.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO customers (id, name, status, created_at, updated_at) VALUES "
                "(1, 'Ann', 'active', now(), now()), (2, 'Bo', 'active', now(), now())"
            )
            conn.exec_driver_sql(
                "INSERT INTO purchases (customer_id, at, qty, amount_minor, cost_minor, "
                f"currency, created_at) VALUES (1, now(), 1, {top}, {top - 1}, 'CNY', now()), "
                "(2, now(), 2, 1999, NULL, 'CNY', now())"
            )
            conn.exec_driver_sql(
                "INSERT INTO campaigns (name, source, cost_minor, currency, start, created_at) "
                f"VALUES ('Radio', 'radio', {top}, 'CNY', '2026-01-01', now())"
            )
            with pytest.raises(sa.exc.DataError), conn.begin_nested():  # what 0008 is for
                conn.exec_driver_sql(f"UPDATE purchases SET amount_minor = {BIG}")
        before = purchases()

        db.upgrade(eng, "0008")
        assert db.schema_version(eng) == "0008"
        assert set(types().values()) == {"bigint"} and set(types()) == MONEY
        assert purchases() == before
        with eng.begin() as conn:
            conn.exec_driver_sql(f"UPDATE purchases SET amount_minor = {BIG} WHERE id = 2")
            assert conn.exec_driver_sql("SELECT cost_minor FROM campaigns").scalar() == top
            total, cost, core, _avg = _sums(conn)
        assert (total, cost, core) == (top + BIG, top - 1, top + BIG)
        assert type(total) is int and type(cost) is int

        cfg = db._alembic_config()  # and back: refused while an amount needs 64 bits
        with pytest.raises(sa.exc.DataError, match="out of range"), eng.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0007")
        with eng.begin() as conn:
            conn.exec_driver_sql("UPDATE purchases SET amount_minor = 1999 WHERE id = 2")
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0007")
        assert set(types().values()) == {"integer"}
        assert purchases() == before

        db.upgrade(eng)
        assert db.schema_version(eng) == HEAD
        assert set(types().values()) == {"bigint"}
        assert purchases() == before
    finally:
        eng.dispose()
        pg_server.drop(url)


def test_money_columns_are_64_bit_in_the_models() -> None:
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlmodel import SQLModel

    from custtrack import models  # noqa: F401  (registers the tables)

    for table, column in MONEY:
        kind = SQLModel.metadata.tables[table].c[column].type
        assert kind.compile(dialect=postgresql.dialect()) == "BIGINT", (table, column)
        assert kind.compile(dialect=sqlite.dialect()) == "INTEGER", (table, column)
    assert json.dumps(BIG) == "9999999999"
