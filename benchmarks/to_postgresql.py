"""Copy a benchmark database (SQLite, from generate.py) into a new PostgreSQL database.

    python benchmarks/to_postgresql.py /tmp/bench-M.db postgresql+psycopg://postgres@HOST:PORT/bench_m
    python benchmarks/to_postgresql.py --empty postgresql+psycopg://…/bench_empty

The database named in the URL is dropped if it exists and created anew on that server (the user
must be allowed to create databases; the copy is faster as a superuser). Its schema comes from
custtrack's own migrations (`db.upgrade`), so it is what `custtrack db init` makes; then every
table's rows are copied as they are stored (ids, stored UTC times as text read in UTC, the
agenda and its state too, so both engines start from the same maintained agenda), with COPY,
secondary indexes dropped and rebuilt around each table's load and triggers off (the rows are
custtrack's own, already consistent). The id sequences then continue after the largest id, and
VACUUM ANALYZE does at once what autovacuum does on a server within a minute of such a load (the
planner's statistics, the visibility map that index-only scans need). `--empty`: only the schema
(the import benchmarks start from it).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

# the serial id of these tables continues after the copied ids
SERIAL = ("import_batches", "customers", "tags", "interactions", "purchases", "feedback",
          "complaints", "followups", "cadences", "campaigns", "merges", "erased_identities",
          "audit_log", "products", "saved_segments")  # fmt: skip
SKIP = {"alembic_version"}  # written by the migrations


def _psycopg_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def recreate(url: str) -> None:
    """Drop the URL's database if it exists and create it empty (connected to `postgres`)."""
    import psycopg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = _psycopg_url(target.set(database="postgres").render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target.database}" TEMPLATE template0 ENCODING UTF8')


def migrate(url: str) -> None:
    from custtrack import db

    eng = db.bare_engine(url)
    try:
        db.upgrade(eng)
    finally:
        eng.dispose()


def copy_rows(source: Path, url: str) -> dict[str, int]:
    """Every table's rows from the SQLite file into the migrated PostgreSQL database."""
    import psycopg

    lite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    counts: dict[str, int] = {}
    with psycopg.connect(_psycopg_url(url)) as conn:
        conn.execute("SET TIME ZONE 'UTC'")  # stored times are UTC text, as custtrack reads them
        conn.execute("SET maintenance_work_mem = '256MB'")
        try:  # triggers and foreign-key checks off (superusers only; else they run, slower)
            conn.execute("SET session_replication_role = replica")
        except psycopg.errors.InsufficientPrivilege:
            conn.rollback()
            conn.execute("SET TIME ZONE 'UTC'")
        pg_tables = {
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        tables = [
            r[0]
            for r in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if r[0] in pg_tables and r[0] not in SKIP
        ]
        for table in tables:
            t0 = time.perf_counter()
            columns = [r[1] for r in lite.execute(f'PRAGMA table_info("{table}")')]
            indexes = conn.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = "
                "current_schema() AND i.tablename = %s AND NOT EXISTS (SELECT 1 FROM "
                "pg_constraint c WHERE c.conname = i.indexname)",
                (table,),
            ).fetchall()
            for name, _ in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            names = ", ".join(f'"{c}"' for c in columns)
            n = 0
            with conn.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in lite.execute(f'SELECT {names} FROM "{table}"'):
                    copy.write_row(row)
                    n += 1
            for _, sql in indexes:
                conn.execute(sql)
            counts[table] = n
            took = time.perf_counter() - t0
            print(f"  {table:<22} {n:>11,} rows  {took:6.1f} s", file=sys.stderr)
        for table in SERIAL:
            if table in tables:
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
        conn.commit()
    lite.close()
    return counts


def analyze(url: str) -> None:
    import psycopg

    with psycopg.connect(_psycopg_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def build(source: Path | None, url: str) -> dict[str, int]:
    """The copy (or, without a source, an empty schema); returns the rows copied per table."""
    t0 = time.perf_counter()
    recreate(url)
    migrate(url)
    counts = copy_rows(source, url) if source is not None else {}
    if counts:
        analyze(url)
    print(f"  PostgreSQL copy ready in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", nargs="?", type=Path, help="the SQLite benchmark database")
    parser.add_argument("url", help="postgresql+psycopg://USER@HOST:PORT/DATABASE (recreated)")
    parser.add_argument("--empty", action="store_true", help="only custtrack's schema")
    args = parser.parse_args(argv)
    if (args.source is None) != args.empty:
        parser.error("give either a SQLite SOURCE or --empty")
    build(None if args.empty else args.source, args.url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
