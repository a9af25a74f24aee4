"""PostgreSQL as well as SQLite (issue 13): the same migrations make the same schema, connection
problems are one clear line, writers take turns, the agenda's triggers and indexes work, and a
scripted day is answered identically by both engines. The server is tests/pg.py's (conftest)."""

from __future__ import annotations

import re
import socket
import threading
import time
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path

import pytest
import sqlalchemy as sa

from custtrack import clock, config, db, dialect
from custtrack.migrations import HEAD

# SQLAlchemy cannot reflect expression indexes (they are checked by name below)
pytestmark = pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")

# a test of PostgreSQL only: its database is CUSTTRACK_DB (the `pg_database` fixture's URL)
on_postgresql = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
EXPRESSION_INDEXES = {"ix_customers_name_lower", "ix_customers_birthday_md"}
# (table, event) of the agenda's triggers (migration 0004), the same on both engines
AGENDA_TRIGGERS = {
    *((t, e) for t in ("interactions", "purchases", "followups", "complaints", "customer_tags")
      for e in ("INSERT", "UPDATE", "DELETE")),
    ("customers", "INSERT"), ("customers", "UPDATE"),
    ("cadences", "INSERT"), ("cadences", "UPDATE"), ("cadences", "DELETE"), ("tags", "UPDATE"),
}  # fmt: skip


def _empty(engine: str, request: pytest.FixtureRequest, isolated: Path) -> str:
    """A new database without any table: a file that does not exist yet, or a new PostgreSQL
    database."""
    if engine == "sqlite":
        return str(isolated)
    server = request.getfixturevalue("pg_server")
    url = server.create(migrated=False)
    request.addfinalizer(lambda: (db.dispose(), server.drop(url)))
    return url


def _schema(eng: sa.Engine) -> dict[str, set]:
    """Tables, ix_ indexes (expression ones too) and triggers as (table, event)."""
    with eng.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        if eng.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("SELECT type, name, sql FROM sqlite_master").all()
            indexes = {n for kind, n, _ in rows if kind == "index" and n.startswith("ix_")}
            triggers = {
                (m[2], m[1])
                for kind, _, sql in rows
                if kind == "trigger" and (m := re.search(r"AFTER (\w+) ON (\w+)", sql))
            }
        else:
            indexes = set(conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND indexname LIKE 'ix\\_%%'"
            ).scalars())  # fmt: skip
            triggers = set(conn.exec_driver_sql(
                "SELECT event_object_table, event_manipulation FROM information_schema.triggers "
                "WHERE trigger_schema = current_schema()"
            ).all())  # fmt: skip
    return {"tables": tables, "indexes": indexes, "triggers": {tuple(t) for t in triggers}}


# --- migrations ------------------------------------------------------------------------------


@pytest.mark.both_engines
def test_migrations_from_empty_to_head_make_every_table_index_and_trigger(
    engine, request, isolated
) -> None:
    from sqlmodel import SQLModel

    from custtrack import models  # noqa: F401  (registers the tables)

    eng = db.bare_engine(_empty(engine, request, isolated))
    try:
        assert db.schema_version(eng) is None
        db.upgrade(eng)
        assert db.schema_version(eng) == HEAD
        found = _schema(eng)
    finally:
        eng.dispose()
    tables = SQLModel.metadata.tables
    assert found["tables"] == set(tables) | {"alembic_version"}
    model_indexes = {ix.name for t in tables.values() for ix in t.indexes}
    assert found["indexes"] == model_indexes | EXPRESSION_INDEXES
    assert found["triggers"] >= AGENDA_TRIGGERS


def _described(eng: sa.Engine) -> dict[str, dict]:
    """What each table means, in terms both engines report alike."""
    out = {}
    with eng.connect() as conn:
        insp = sa.inspect(conn)
        for table in sorted(insp.get_table_names()):
            pk = insp.get_pk_constraint(table)["constrained_columns"]
            out[table] = {
                "columns": [
                    (c["name"], c["type"]._type_affinity.__name__, c["nullable"], c["name"] in pk)
                    for c in insp.get_columns(table)
                ],
                "primary key": pk,
                "foreign keys": sorted(
                    (
                        tuple(f["constrained_columns"]),
                        f["referred_table"],
                        tuple(f["referred_columns"]),
                        (f["options"] or {}).get("ondelete"),
                    )
                    for f in insp.get_foreign_keys(table)
                ),  # fmt: skip
                "unique": sorted(
                    tuple(u["column_names"]) for u in insp.get_unique_constraints(table)
                ),
                "checks": sorted(c["name"] for c in insp.get_check_constraints(table)),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in insp.get_indexes(table)
                    # PostgreSQL also lists the index behind a unique constraint
                    if i["name"] not in EXPRESSION_INDEXES and not i.get("duplicates_constraint")
                ),
            }
    return out


def test_both_engines_have_the_same_columns_keys_and_constraints(pg_server, tmp_path) -> None:
    url = pg_server.create()
    lite = db.bare_engine(str(tmp_path / "same.db"))
    post = db.bare_engine(url)
    try:
        db.upgrade(lite)
        sqlite_tables, pg_tables = _described(lite), _described(post)
    finally:
        lite.dispose()
        post.dispose()
        pg_server.drop(url)
    assert sorted(sqlite_tables) == sorted(pg_tables)
    for table, meaning in sqlite_tables.items():
        assert pg_tables[table] == meaning, table


@on_postgresql
def test_postgresql_database_matches_the_models(pg_database) -> None:
    """What alembic's autogenerate would change on PostgreSQL: nothing (bar the expression
    indexes it cannot read, and text's "C" collation, which the models do not spell out)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from custtrack import models  # noqa: F401

    eng = db.bare_engine(pg_database)
    try:
        with eng.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, SQLModel.metadata)
    finally:
        eng.dispose()
    unreadable = [d for d in diff if d[0] == "remove_index" and d[1].name in EXPRESSION_INDEXES]
    assert [d for d in diff if d not in unreadable] == []


# --- opening a PostgreSQL database ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _with(url: str, **parts: object) -> str:
    return sa.engine.make_url(url).set(**parts).render_as_string(hide_password=False)


@on_postgresql
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_connection_problems_are_one_line_naming_the_fix(cli, pg_database, monkeypatch, lang):
    if lang == "zh":
        monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    url = pg_database
    port = sa.engine.make_url(url).port
    cases = [
        (_with(url, database="no_such_db"),
         ("there is no database no_such_db", "createdb no_such_db"),
         ("没有名为 no_such_db 的数据库", "createdb no_such_db")),
        (_with(url, username="nobody_here"),
         ("there is no PostgreSQL user nobody_here", "createuser nobody_here"),
         ("没有 PostgreSQL 用户 nobody_here", "createuser nobody_here")),
        (_with(url, port=_free_port()),
         ("no PostgreSQL server answers at 127.0.0.1:", "start the server"),
         ("上没有 PostgreSQL 服务器应答", "请启动服务器")),
        (_with(url, host="no-such-host.invalid"),
         ("cannot find the PostgreSQL server's host no-such-host.invalid",),
         ("找不到 PostgreSQL 服务器所在的主机 no-such-host.invalid",)),
        (_with(url, drivername="postgresql+psycopg2"),
         ("through psycopg 3 only",), ("只通过 psycopg 3 连接",)),
    ]  # fmt: skip
    assert port
    for where, english, chinese in cases:
        res = cli("--db", where, "list", code=1)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1, res.stderr
        assert lines[0].startswith("Error: " if lang == "en" else "错误：")
        for part in english if lang == "en" else chinese:
            assert part in lines[0], lines[0]
        assert "Traceback" not in res.stderr and "sqlalche" not in res.stderr


@pytest.mark.parametrize(
    ("server_says", "expected"),
    [
        ('connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  '
         'password authentication failed for user "shop"',
         "PostgreSQL at db.example:5432 refused the password of user shop"),
        ('connection failed: connection to server at "127.0.0.1", port 5432 failed: '
         "fe_sendauth: no password supplied",
         "PostgreSQL at db.example:5432 asks for the password of user shop"),
        ("connection failed: connection to server at \"127.0.0.1\", port 5432 failed: timeout "
         "expired", "did not answer within 10 s"),
        ('connection failed: FATAL:  no pg_hba.conf entry for host "10.0.0.9", user "shop"',
         "does not let user shop in from this computer"),
        ("permission denied for schema public", "may not create custtrack's tables in database "
         "customers; make the user its owner (ALTER DATABASE customers OWNER TO shop)"),
        ("something new", "cannot open the PostgreSQL database "
         "postgresql+psycopg://shop:***@db.example/customers: something new"),
    ],
)  # fmt: skip
def test_what_the_server_says_is_told_with_the_fix(server_says: str, expected: str) -> None:
    """The problems a throw-away test server cannot show (it trusts every local user)."""
    url = sa.engine.make_url("postgresql+psycopg://shop:secret@db.example/customers")
    message = db.pg_connect_error(Exception(server_says), url)
    assert expected in message
    assert "secret" not in message and "\n" not in message


def test_a_missing_driver_says_how_to_install_it(cli, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg fails
    res = cli("--db", "postgresql://shop@localhost/customers", "list", code=1)
    assert res.stderr == (
        "Error: the PostgreSQL driver is not installed; install it with: "
        "pip install 'custtrack[postgres]'\n"
    )


@pytest.mark.both_engines
def test_db_init_creates_the_tables_once(cli, engine, request, isolated, monkeypatch) -> None:
    where = _empty(engine, request, isolated)
    shown = db.display(where)
    assert cli("--db", where, "db", "init").stdout == (
        f"✓ Created the tables of {shown} (schema {HEAD})\n"
    )
    assert cli("--db", where, "db", "init").stdout == f"✓ {shown} is ready (schema {HEAD})\n"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert cli("--db", where, "db", "init").stdout == f"✓ {shown} 已就绪（结构版本 {HEAD}）\n"
    assert cli("--db", where, "add", "Ann").stdout.startswith("✓ 已添加 #1 Ann")


def test_a_password_is_never_shown() -> None:
    assert db.display("postgresql://shop:s3cret@db.example:5433/customers") == (
        "postgresql://shop:***@db.example:5433/customers"
    )


@on_postgresql
def test_each_connection_is_set_up_in_utc_and_isolated(pg_database) -> None:
    """The database's own time zone does not move a day; a reading command sees one moment,
    a writing one takes the write lock and then sees everything committed before."""
    admin = sa.create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        name = conn.exec_driver_sql("SELECT current_database()").scalar()
        conn.exec_driver_sql(f"ALTER DATABASE {name} SET timezone = 'Asia/Tokyo'")
    admin.dispose()
    with db.session() as s:
        assert s.execute(sa.text("SHOW TimeZone")).scalar() == "UTC"
        assert s.execute(sa.text("SHOW transaction_isolation")).scalar() == "repeatable read"
    with db.session(write=True) as s:
        assert s.execute(sa.text("SHOW transaction_isolation")).scalar() == "read committed"
        held = s.execute(
            sa.text(
                "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid()"
            )
        ).scalars()
        assert list(held) == [db.WRITE_LOCK_KEY & 0xFFFFFFFF]
    db.dispose()


# --- writers take turns ----------------------------------------------------------------------


def _hold_write_lock(url: str, seconds: float) -> threading.Thread:
    """Another custtrack command's write transaction, for `seconds`."""
    started = threading.Event()

    def run() -> None:
        eng = sa.create_engine(url)
        try:
            with eng.connect() as conn:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({db.WRITE_LOCK_KEY})")
                started.set()
                time.sleep(seconds)
                conn.rollback()
        finally:
            eng.dispose()

    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(10)
    return thread


@on_postgresql
def test_a_second_writer_waits_for_the_first(cli, pg_database) -> None:
    cli("add", "Ann")
    holder = _hold_write_lock(pg_database, 0.5)
    started = time.monotonic()
    cli("add", "Bob")
    waited = time.monotonic() - started
    holder.join()
    assert waited >= 0.4
    assert [c["name"] for c in cli.json("list")] == ["Ann", "Bob"]


@on_postgresql
def test_a_writer_that_waits_too_long_is_refused_cleanly(cli, pg_database, monkeypatch) -> None:
    cli("add", "Ann")
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    holder = _hold_write_lock(pg_database, 1.5)
    try:
        with pytest.raises(sa.exc.OperationalError) as caught, db.session(write=True) as s:
            s.execute(sa.text("SELECT 1"))
        assert db.write_refused(caught.value)
        db.dispose()
        # `due` then computes on read instead of failing (as on SQLite)
        assert cli.json("due") == []
    finally:
        holder.join()


@on_postgresql
def test_people_logging_at_once_lose_nothing(cli, pg_database) -> None:
    """Four people log 25 contacts each at the same moment: 100 contacts, each customer's
    last contact the latest, and the agenda sees every change."""
    from custtrack.services import customers, records

    for name in ("Ann", "Bob", "Cai"):
        cli("add", name)
    cli("due")  # the agenda is built
    errors: list[BaseException] = []
    clock.set_today(None)

    def person(n: int) -> None:
        try:
            for i in range(25):
                with db.session(write=True) as s:
                    c = customers.resolve(s, ("Ann", "Bob", "Cai")[(n + i) % 3])
                    at = datetime(2026, 11, 1 + i % 19, 8 + n, tzinfo=clock.local_zone())
                    records.log_contact(s, c, channel="phone", at=at, summary=f"{n}/{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=person, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.dispose()
    assert errors == []
    total = 0
    for row in cli.json("list"):
        shown = cli.json("show", str(row["id"]))
        total += shown["timeline_total"]
        assert row["last_contact"] == max(i["at"] for i in shown["timeline"])
    assert total == 100
    with db.session() as s:
        dirty = s.execute(sa.text("SELECT count(*) FROM agenda_dirty")).scalar()
    db.dispose()
    assert dirty == 3


# --- the planner uses PostgreSQL's own forms of the indexes ----------------------------------


def _plan(session, stmt) -> str:  # noqa: ANN001
    sql = str(stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    session.execute(sa.text("SET LOCAL enable_seqscan = off"))  # tiny tables: force the question
    return "\n".join(r[0] for r in session.execute(sa.text("EXPLAIN " + sql)))


@on_postgresql
def test_birthdays_and_names_are_found_through_their_indexes(cli, pg_database) -> None:
    from custtrack.models import Customer
    from custtrack.services.due import C

    cli("add", "Anna Berg", "--birthday", "1990-11-22")
    with db.session() as s:
        md = dialect.month_day(s, C.c.birthday)
        birthdays = sa.select(C.c.id).where(md.in_(dialect.month_day_keys(s, ["11-22"])))
        assert "ix_customers_birthday_md" in _plan(s, birthdays)
        names = sa.select(Customer.id).where(sa.func.lower(Customer.name) == "anna berg")
        assert "ix_customers_name_lower" in _plan(s, names)
        assert s.execute(birthdays).scalars().all() == [1]
    db.dispose()


# --- the SQL that differs, in one place -----------------------------------------------------


def test_driver_sql_in_psycopg_form() -> None:
    pg = sa.dialects.postgresql.dialect()
    lite = sa.dialects.sqlite.dialect()
    sql = "SELECT ?, :name, x::text, '?:a%', strftime('%s', at) FROM t WHERE a LIKE '%x'"
    assert dialect.driver_sql(lite, sql) == sql
    assert dialect.driver_sql(pg, sql) == (
        "SELECT %s, %(name)s, x::text, '?:a%%', strftime('%%s', at) FROM t WHERE a LIKE '%%x'"
    )
    assert dialect.insert_or_ignore(lite, "INSERT INTO t (a) VALUES (?)") == (
        "INSERT OR IGNORE INTO t (a) VALUES (?)"
    )
    assert dialect.insert_or_ignore(pg, "INSERT INTO t (a) VALUES (?)") == (
        "INSERT INTO t (a) VALUES (?) ON CONFLICT DO NOTHING"
    )


@pytest.mark.both_engines
def test_dialect_helpers_give_the_same_values(cli, engine) -> None:
    """Bulk inserts, insert-or-ignore, local days, epoch seconds and month-days, on the engine
    in use, against what Python computes."""
    from custtrack.services.due import C

    cli("add", "Ann", "--birthday", "1990-02-28")
    at = datetime(2026, 11, 19, 16, 30, tzinfo=UTC)  # 00:30 on the 20th in Shanghai
    with db.session(write=True) as s:
        rows = [(1, "2026-11-19 16:30:00.000000", "sms", "2026-11-19 16:30:00.000000")]
        cols = ("customer_id", "at", "channel", "created_at")
        assert dialect.insert_rows(s, "interactions", cols, rows) == 1
        tag = dialect.insert_or_ignore(s, "INSERT INTO tags (name) VALUES (?)")
        assert dialect.execute(s, tag, ("vip",)).rowcount == 1
        assert dialect.execute(s, tag, ("vip",)).rowcount == 0
        assert dialect.executemany(s, tag, [("a",), ("b",), ("a",)]) == 3
        found = dialect.fetch(
            s,
            f"SELECT {dialect.local_date(s, 'at')}, {dialect.local_date(s, 'at', '28800')}, "
            f"{dialect.epoch_seconds_any(s, 'at')}, {dialect.day_number(s, 'at', '28800')[0]}, "
            "at FROM interactions WHERE channel = :c",
            {"c": "sms"},
        )
        assert found[0][:2] == ("2026-11-19", "2026-11-20")
        assert int(found[0][2]) == int(at.timestamp())
        assert found[0][3] == (int(at.timestamp()) + 28800) // 86400 + dialect.EPOCH_SHIFT_DAYS
        assert dialect.to_datetime(found[0][4]) == at
        md = dialect.month_day(s, C.c.birthday)
        keys = dialect.month_day_keys(s, ["02-28", "03-01"])
        assert s.execute(sa.select(C.c.id).where(md.in_(keys))).scalars().all() == [1]
        names = dialect.fetch(s, "SELECT name FROM tags ORDER BY name")
        assert names == [("a",), ("b",), ("vip",)]
    db.dispose()
    assert cli.json("show", "Ann")["timeline"][0]["what"] == "sms"


# --- the same day on both engines ------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _scripted_day(cli) -> dict[str, object]:
    """A day's work in a small shop, the example shop imported, then what list, show, due,
    the analyses and the rest say in JSON."""
    config.set_value("phone_region", "CN")
    config.set_value("currency", "CNY")
    config.set_value("user", "lei")
    run = cli
    run("add", "王芳", "-p", "13800138000", "--city", "杭州", "--birthday", "1988-11-23",
        "--owner", "lei", "-t", "vip")  # fmt: skip
    run("add", "Li Lei", "-p", "13912345678", "--company", "Acme Tea", "--owner", "mei")
    run("add", "Anna Berg", "-e", "anna@example.com", "--city", "Berlin", "-t", "export")
    run("add", "张伟", "-w", "zhangwei_wx", "--source", "walk-in")
    run("edit", "Anna", "--notes", "met at the fair", "--owner", "lei")
    run("tag", "Li Lei", "wholesale", "vip")
    run("untag", "Li Lei", "vip")
    run("log", "王芳", "-c", "wechat", "-m", "asked about 龙井", "--at", "2026-11-02 10:00")
    run("log", "Li Lei", "-m", "no answer", "--at", "2026-10-01 09:00", "--next", "+2d")
    run("buy", "王芳", "1,280", "-p", "龙井", "--category", "tea", "--at", "2026-11-08 15:30")
    run("buy", "Li Lei", "99.50", "-p", "Pot", "--at", "2026-09-20", "--order-ref", "A-1")
    run("buy", "Anna", "20", "--at", "2026-11-01", "--qty", "2")
    run("feedback", "王芳", "--csat", "5", "--nps", "9", "--text", "好喝")
    run("complain", "Li Lei", "--category", "delivery", "--priority", "high", "-m", "box wet",
        "--at", "2026-11-18 09:00")  # fmt: skip
    run("complain", "Anna", "-m", "slow reply", "--at", "2026-11-10 09:00")
    run("resolve", "2", "-m", "apologised")
    run("plan", "Anna", "2026-11-21 15:00", "-c", "email", "-m", "send catalogue")
    run("plan", "张伟", "2026-11-19", "--past", "-m", "first visit")
    run("cadence", "set", "--tag", "vip", "--every", "14d")
    run("cadence", "set", "--customer", "张伟", "--every", "30d")
    run("done", "2", "--log", "visited the shop")
    run("snooze", "1", "2026-11-25")
    run("plan", "Anna", "2026-11-30", "-m", "check order")
    run("reschedule", "4", "2026-11-27")
    run("plan", "Li Lei", "2026-11-22", "-m", "to cancel")
    run("cancel", "5")
    run("done", "c1", "--log", "cadence call")  # 王芳's vip cadence: overdue since 11-16
    run("archive", "张伟")
    run("archive", "张伟", "--undo")
    run("plan", "王芳", "2026-11-26 15:00", "-m", "with a time")
    run("plan", "王芳", "2026-11-26", "-m", "without")  # the next one: no time comes first
    for kind in ("customers", "purchases", "interactions", "feedback", "followups", "complaints"):
        run("import", kind, EXAMPLES / f"{kind}.csv")  # the example shop joins in
    out: dict[str, object] = {
        "list": cli.json("list"),
        "list archived": cli.json("list", "--archived"),
        "list by spend": cli.json("list", "--sort", "spend", "--search", "e"),
        "due": cli.json("due"),
        "due 30": cli.json("due", "--days", "30", "--mine"),
        "due csv": cli("due", "--days", "30", "-f", "csv").stdout,
        "due ics": cli("due", "--days", "30", "-f", "ics").stdout,
        "due explained": cli("due", "--explain").stdout,
        "complaints": cli.json("complaints", "--status", "all"),
        "cadences": cli.json("cadence", "list"),
        "config": cli.json("config", "show"),
        "imports": cli.json("import", "list"),
        "check": cli.json("check"),
    }
    for analysis in ("rfm", "segments", "lifecycle", "churn", "value", "report"):
        out[analysis] = cli.json(analysis)
    for who in ("王芳", "Li Lei", "Anna Berg", "张伟"):
        out[f"show {who}"] = cli.json("show", who)
    return out


def test_a_scripted_day_gives_the_same_json_on_both_engines(cli, pg_server, monkeypatch, tmp_path):
    fixed = clock.combine(clock.today(), dtime(18, 5, 30, 123456))
    monkeypatch.setattr(clock, "now", lambda: fixed)  # the same "now" for both runs
    answers = {}
    for engine, where in (("sqlite", str(tmp_path / "day.db")), ("postgresql", pg_server.create())):
        monkeypatch.setenv("CUSTTRACK_DB", where)
        monkeypatch.setenv("CUSTTRACK_CONFIG", str(tmp_path / f"{engine}.toml"))
        config.clear_cache()
        db.dispose()
        answers[engine] = _scripted_day(cli)
        db.dispose()
        if engine == "postgresql":
            pg_server.drop(where)
    lite, post = answers["sqlite"], answers["postgresql"]
    assert lite["due"] and lite["list"] and lite["show 王芳"]["timeline"]  # the day did things
    for key in lite:
        assert post[key] == lite[key], key
