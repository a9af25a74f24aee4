"""Backup and restore of a PostgreSQL database, with PostgreSQL's own tools.

`backup` runs pg_dump in its custom format (-Fc: compressed, one consistent snapshot even while
others write); `restore` runs pg_restore --clean --if-exists in one transaction, after checking
the file as the SQLite path checks its copy (a custtrack dump, a schema this version knows, its
rows counted), and keeps the database it replaces as a dump beside the backup. The tools come
from PATH or Debian's /usr/lib/postgresql/*/bin (the newest: pg_dump refuses a newer server).
A password in the URL reaches them through PGPASSWORD, never on their command line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Conflict, CusttrackError, NotFound
from ..i18n import _
from .maintenance import SQLITE_MAGIC, Candidate, _known_revisions, _private, _publish, _stamp

DUMP_MAGIC = b"PGDMP"  # the first bytes of pg_dump's custom format
BIN_DIRS = "/usr/lib/postgresql/*/bin"
# a TOC line of `pg_restore --list`: "215; 1259 16385 TABLE public customers owner"
_TOC = re.compile(r"^\d+; \d+ \d+ (TABLE|FUNCTION) (\S+) (\S+?)(?:\(\))? ")
# "231; 2606 16411 FK CONSTRAINT public purchases fk_purchases_batch_id owner"
_FK = re.compile(r"^\d+; \d+ \d+ FK CONSTRAINT \S+ (\S+) (\S+) ")


@dataclass
class DumpCandidate(Candidate):
    """What restore found in a dump: rows per table, and the tables, functions and foreign keys
    (table, name) it holds."""

    counts: dict[str, int] = field(default_factory=dict)
    tables: set[str] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)
    foreign_keys: set[tuple[str, str]] = field(default_factory=set)


def tool(name: str) -> str:
    """Where pg_dump or pg_restore is: on PATH, else the newest of /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found

    def version(folder: Path) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", folder.parent.name)) or (0,)

    for folder in sorted(Path("/").glob(BIN_DIRS.lstrip("/")), key=version, reverse=True):
        if (folder / name).is_file():
            return str(folder / name)
    raise CusttrackError(
        _(
            "{tool} is not installed, and custtrack backs up and restores a PostgreSQL database "
            "with it: install PostgreSQL's client tools (Debian, Ubuntu: apt-get install "
            "postgresql-client; macOS: brew install libpq), or use your server's own backups"
        ).format(tool=name)
    )


def _target(loc: str) -> tuple[str, dict[str, str], str]:
    """(a libpq URI without the password, the environment for the tools, the URL as shown)."""
    from sqlalchemy.engine import make_url

    from .. import db

    url = make_url(db._pg_url(loc))
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    env.setdefault("PGCONNECT_TIMEOUT", str(db.CONNECT_TIMEOUT_S))
    # others' open transactions on the tables: give up as a custtrack writer would, not hang
    options = f"-c lock_timeout={db.BUSY_TIMEOUT_MS}"
    env["PGOPTIONS"] = f"{env['PGOPTIONS']} {options}" if env.get("PGOPTIONS") else options
    plain = url._replace(drivername="postgresql", password=None)  # set() ignores a None
    uri = plain.render_as_string(hide_password=False)
    return uri, env, url.render_as_string(hide_password=True)


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)


def _said(proc: subprocess.CompletedProcess[str]) -> str:
    """The tool's own words: its first error line, without the program's name."""
    lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
    first = lines[0] if lines else f"exit {proc.returncode}"
    line = next((x for x in lines if "error:" in x), first)
    return re.sub(r"^pg_\w+: (error: )?", "", line)


def _dump(loc: str, dest: Path) -> None:
    """pg_dump -Fc of the database at `loc` into the new file `dest` (mode 0600)."""
    pg_dump = tool("pg_dump")
    uri, env, shown = _target(loc)
    part = dest.with_name(f".{dest.name}.part")
    part.unlink(missing_ok=True)  # left by a backup that was killed
    try:
        _private(part)
    except PermissionError as exc:
        raise CusttrackError(
            _("cannot write {path}: {reason}").format(path=part.parent, reason=exc.strerror)
        ) from None
    proc = _run([pg_dump, "--format=custom", f"--file={part}", f"--dbname={uri}"], env)
    if proc.returncode:
        part.unlink(missing_ok=True)
        raise CusttrackError(
            _("pg_dump could not back up {database}: {error}").format(
                database=shown, error=_said(proc)
            )
        )
    _publish(part, dest)


def backup(dest: Path | None = None) -> dict[str, Any]:
    """pg_dump the database in use to DEST (default: custtrack-YYYYmmdd-HHMMSS.dump in the
    current folder), mode 0600; never over an existing file."""
    from .. import db

    loc = db.location()
    db.engine(loc)  # a wrong URL or password: the one clear line of db.pg_connect_error
    name = f"custtrack-{_stamp()}.dump"
    if dest is None:
        dest = Path.cwd() / name
    elif dest.is_dir():
        dest = dest / name
    if dest.exists():
        raise Conflict(_("{path} already exists; give another name").format(path=dest))
    _dump(loc, dest)
    return {"path": str(dest), "bytes": dest.stat().st_size}


def inspect(path: Path) -> DumpCandidate:
    """Check that PATH is a custtrack dump this version can restore; raise if not. Reads its
    table of contents, its schema version and how many rows each table has."""
    if not path.is_file():
        raise NotFound(_("no file at {path}").format(path=path))
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head == SQLITE_MAGIC:
        raise CusttrackError(
            _(
                "{path} is a backup of a SQLite database and cannot be restored into "
                "PostgreSQL; restore it with --db pointing at a SQLite file. Nothing was changed"
            ).format(path=path)
        )
    if not head.startswith(DUMP_MAGIC):
        raise CusttrackError(
            _(
                "{path} is not a backup made by custtrack backup on PostgreSQL (pg_dump's "
                "custom format); nothing was changed"
            ).format(path=path)
        )
    pg_restore = tool("pg_restore")
    env = dict(os.environ)
    listed = _run([pg_restore, "--list", str(path)], env)
    if listed.returncode:
        raise CusttrackError(
            _("{path} cannot be read ({error}); nothing was changed").format(
                path=path, error=_said(listed)
            )
        )
    tables: set[str] = set()
    functions: set[str] = set()
    foreign_keys: set[tuple[str, str]] = set()
    for line in listed.stdout.splitlines():
        if m := _TOC.match(line):
            (tables if m[1] == "TABLE" else functions).add(m[3])
        elif m := _FK.match(line):
            foreign_keys.add((m[1], m[2]))
    if not {"alembic_version", "customers"} <= tables:
        raise CusttrackError(
            _("{path} is not a custtrack database; nothing was changed").format(path=path)
        )
    counts, revision = _rows(pg_restore, path, env)
    if not revision:
        raise CusttrackError(
            _("{path} has no schema version; nothing was changed").format(path=path)
        )
    if revision not in _known_revisions():
        from ..migrations import HEAD

        raise CusttrackError(
            _(
                "{path} was written by a newer custtrack (schema {version}; this version knows "
                "up to {head}); upgrade custtrack first. Nothing was changed"
            ).format(path=path, version=revision, head=HEAD)
        )
    return DumpCandidate(
        path=path,
        revision=revision,
        customers=counts.get("customers", 0),
        counts=counts,
        tables=tables,
        functions=functions,
        foreign_keys=foreign_keys,
    )


def _rows(pg_restore: str, path: Path, env: dict[str, str]) -> tuple[dict[str, int], str | None]:
    """Rows per table in the dump, and its schema version: its data as COPY text, one line a
    row (a newline inside a value is written \\n), read as it streams."""
    counts: dict[str, int] = {}
    revision = None
    argv = [pg_restore, "--data-only", "--file=-", str(path)]
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    ) as proc:
        assert proc.stdout is not None
        table = None
        n = 0
        for line in proc.stdout:
            if table is None:
                if line.startswith(b"COPY "):
                    table, n = line.split()[1].decode().rsplit(".", 1)[-1].strip('"'), 0
            elif line == b"\\.\n":
                counts[table] = n
                table = None
            else:
                if table == "alembic_version" and revision is None:
                    revision = line.decode().strip()
                n += 1
        error = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode:
        raise CusttrackError(
            _("{path} cannot be read ({error}); nothing was changed").format(
                path=path, error=error.strip().splitlines()[0] if error.strip() else proc.returncode
            )
        )
    return counts, revision


def _present(loc: str) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """custtrack's tables in the database (those the models know, and alembic_version), the
    functions their triggers run (the agenda's and others of the migrations), and their foreign
    keys (table, name)."""
    import sqlalchemy as sa
    from sqlmodel import SQLModel

    from .. import db, models  # noqa: F401  (registers the tables)

    known = set(SQLModel.metadata.tables) | {"alembic_version"}
    eng = db.bare_engine(loc)
    try:
        with eng.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names()) & known
            functions = set(
                conn.exec_driver_sql(
                    "SELECT DISTINCT p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = "
                    "t.tgfoid JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal "
                    "AND c.relnamespace = current_schema()::regnamespace "
                    "AND c.relname = ANY(%(tables)s)",
                    {"tables": sorted(tables)},
                ).scalars()
            )
            foreign_keys = {
                (t, name)
                for t, name in conn.exec_driver_sql(
                    "SELECT c.relname, k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = "
                    "k.conrelid WHERE k.contype = 'f' AND c.relnamespace = "
                    "current_schema()::regnamespace AND c.relname = ANY(%(tables)s)",
                    {"tables": sorted(tables)},
                )
            }
    except sa.exc.DBAPIError as exc:
        raise CusttrackError(db.pg_connect_error(exc, eng.url)) from None
    finally:
        eng.dispose()
    return tables, functions, foreign_keys


def _drop(
    loc: str, tables: set[str], functions: set[str], foreign_keys: set[tuple[str, str]]
) -> None:
    """Drop what the database has and the dump has not (a newer schema's tables, trigger
    functions and foreign keys: 0013's purchases → purchases would keep pg_restore --clean
    from dropping the primary key it names), so that the dump's own schema can be restored
    and then upgraded."""
    from .. import db

    eng = db.bare_engine(loc)
    try:
        with eng.connect() as conn, conn.begin():
            for table in sorted(tables):
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
            for function in sorted(functions):
                conn.exec_driver_sql(f'DROP FUNCTION IF EXISTS "{function}"() CASCADE')
            for table, name in sorted(foreign_keys):
                if table not in tables:
                    conn.exec_driver_sql(
                        f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"'
                    )
    finally:
        eng.dispose()


def _count(loc: str, tables: list[str]) -> tuple[dict[str, int], str | None]:
    """Rows per table, and the schema version, as restored (before any upgrade)."""
    from .. import db

    eng = db.bare_engine(loc)
    try:
        with eng.connect() as conn:
            counts = {
                t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar_one() for t in tables
            }
        return counts, db.schema_version(eng)
    finally:
        eng.dispose()


def restore(path: Path, cand: DumpCandidate) -> dict[str, Any]:
    """Replace the database in use with the dump at PATH (checked by inspect()).

    The database is first kept as custtrack-replaced-YYYYmmdd-HHMMSS.dump beside the backup;
    pg_restore then runs in one transaction (all or nothing); the rows of every table are
    counted against the dump's, and an older schema is upgraded."""
    from .. import db
    from ..migrations import HEAD

    loc = db.location()
    pg_restore = tool("pg_restore")
    uri, env, shown = _target(loc)
    db.dispose()
    tables, functions, foreign_keys = _present(loc)
    kept = None
    if tables:
        kept = path.resolve().parent / f"custtrack-replaced-{_stamp()}.dump"
        if kept.exists():
            raise Conflict(_("{path} already exists; give another name").format(path=kept))
        _dump(loc, kept)
    extra_tables, extra_functions = tables - cand.tables, functions - cand.functions
    extra_keys = foreign_keys - cand.foreign_keys
    if extra_tables or extra_functions or extra_keys:
        _drop(loc, extra_tables, extra_functions, extra_keys)
    proc = _run(
        [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
         "--exit-on-error", f"--dbname={uri}", str(path)],
        env,
    )  # fmt: skip
    if proc.returncode:
        if kept is not None:
            failed = _(
                "pg_restore could not restore {source} into {database}: {error}; the previous "
                "database is kept as {kept}"
            )
        else:
            failed = _("pg_restore could not restore {source} into {database}: {error}")
        raise CusttrackError(
            failed.format(source=path, database=shown, error=_said(proc), kept=kept)
        )
    found, version = _count(loc, sorted(cand.counts))
    differ = [f"{t} {found[t]} != {n}" for t, n in sorted(cand.counts.items()) if found[t] != n]
    if differ or version != cand.revision:
        details = "; ".join(differ) or f"schema {version} != {cand.revision}"
        if kept is not None:
            wrong = _(
                "the restored database does not hold what {source} holds ({details}); the "
                "previous database is kept as {kept}"
            )
        else:
            wrong = _("the restored database does not hold what {source} holds ({details})")
        raise CusttrackError(wrong.format(source=path, details=details, kept=kept))
    if cand.revision != HEAD:
        db.engine(loc)  # opening migrates it
        db.dispose()
    return {
        "restored": str(path),
        "database": shown,
        "kept": str(kept) if kept else None,
        "revision": cand.revision,
        "migrated_to": HEAD if cand.revision != HEAD else None,
        "customers": cand.customers,
    }
