"""The store: where the database lives, how connections are set up, and sessions.

Two engines: a SQLite file (the default) or a PostgreSQL server (a `postgresql://` URL). What
differs in how they are opened, locked and fail (file mode, pragmas, BEGIN IMMEDIATE, the time
zone, the write lock, connection errors) stays in this module; what differs in the SQL services
write is in `custtrack.dialect`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlmodel import Session

_db_override: str | None = None
_engines: dict[str, sa.Engine] = {}
_commits = 0  # sessions committed in this process (see commits())
_written: set[sa.Engine] = set()  # SQLite engines this process committed a write on (see close())
_in_command = False  # a command is running (see command())
_close_at_exit = False  # close() registered with atexit
_on_upgrade: Callable[[str, str], None] | None = None  # see on_upgrade()

BUSY_TIMEOUT_MS = 10_000
# close(): how long the last checkpoint waits for another process's reads before it settles for
# what it can copy without waiting (that process's own close copies the rest)
CHECKPOINT_WAIT_MS = 200
CONNECT_TIMEOUT_S = 10  # a wrong host address should not hang a command for minutes
# PostgreSQL: the key of the advisory lock every writing transaction takes (see _pg_engine)
WRITE_LOCK_KEY = 0x0C057_7AC4


def set_db(location: str | None) -> None:
    """Use this database (a file path or a SQLAlchemy URL) instead of the default."""
    global _db_override
    _db_override = location


def on_upgrade(report: Callable[[str, str], None] | None) -> None:
    """Have report(old, new) called before an existing database's schema is upgraded: building
    new indexes on millions of rows takes minutes, which should not pass in silence."""
    global _on_upgrade
    _on_upgrade = report


def override() -> str | None:
    """The database set with set_db() (None: CUSTTRACK_DB or the default applies)."""
    return _db_override


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("custtrack", appauthor=False)) / "custtrack.db"


def location() -> str:
    """The database in use: --db, else CUSTTRACK_DB, else the user's data directory."""
    return _db_override or os.environ.get("CUSTTRACK_DB") or str(default_path())


def is_url(loc: str) -> bool:
    return "://" in loc


def is_postgresql(loc: str | None = None) -> bool:
    """Whether the database (default: the one in use) is a PostgreSQL URL."""
    loc = loc or location()
    return loc.startswith(("postgresql:", "postgresql+", "postgres:"))


def display(loc: str | None = None) -> str:
    """The database as shown in messages: a URL's password is never printed."""
    loc = loc or location()
    if not is_url(loc):
        return loc
    try:
        from sqlalchemy.engine import make_url

        return make_url(loc).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot parse is shown as typed
        return loc


def sqlite_path(loc: str | None = None) -> Path | None:
    loc = loc or location()
    if is_url(loc):
        return Path(loc.split(":///", 1)[1]) if loc.startswith("sqlite:///") else None
    return Path(loc).expanduser()


def _create_private_file(path: Path) -> None:
    """Create the database file with mode 0600 before SQLite touches it (SQLite then gives its
    -wal and -shm files the same mode).

    Only the default database's folder (custtrack's own, in the user's data directory) is
    created: a folder named with --db or CUSTTRACK_DB that does not exist is a typo far more
    often than a wish, and the database would be made where nobody looks for it."""
    if not path.parent.is_dir():
        if path.expanduser().resolve() != default_path().resolve():
            from .errors import CusttrackError
            from .i18n import _

            raise CusttrackError(
                _(
                    "there is no folder {folder} for the database {path}: check --db / "
                    "CUSTTRACK_DB, or create the folder first"
                ).format(folder=path.parent, path=path)
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)


def _sqlite_engine(path: Path) -> sa.Engine:
    import sqlalchemy as sa
    from sqlalchemy import event

    _create_private_file(path)
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA secure_delete = ON")  # erased text must not linger in free pages
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        # Writers take the lock up front, so two commands at once wait (busy timeout) rather
        # than fail with "database is locked" when a read turns into a write.
        mode = conn.get_execution_options().get("custtrack_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode else "BEGIN")

    @event.listens_for(engine, "commit")
    def _on_commit(_conn) -> None:  # noqa: ANN001
        _written.add(engine)

    return engine


def _pg_url(loc: str) -> str:
    """postgresql:// (and postgres://) mean psycopg 3, the driver custtrack supports."""
    for prefix in ("postgresql://", "postgres://"):
        if loc.startswith(prefix):
            return "postgresql+psycopg://" + loc[len(prefix) :]
    return loc


def _pg_engine(loc: str) -> sa.Engine:
    import sqlalchemy as sa
    from sqlalchemy import event

    from .errors import CusttrackError
    from .i18n import _

    url = sa.engine.make_url(_pg_url(loc))
    if url.get_driver_name() != "psycopg":
        raise CusttrackError(
            _(
                "custtrack talks to PostgreSQL through psycopg 3 only: write the URL as "
                "postgresql+psycopg://USER@HOST:PORT/DATABASE (not {driver})"
            ).format(driver=url.drivername)
        )
    args = {} if "connect_timeout" in url.query else {"connect_timeout": CONNECT_TIMEOUT_S}
    try:
        engine = sa.create_engine(url, connect_args=args, pool_pre_ping=False)
    except ImportError:
        raise CusttrackError(
            _(
                "the PostgreSQL driver is not installed; install it with: "
                "pip install 'custtrack[postgres]'"
            )
        ) from None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        # Times are compared and cut into days in UTC, as stored (SQLite has no zone at all):
        # the server's or the database's own TimeZone setting must not move a date.
        auto = dbapi_conn.autocommit
        dbapi_conn.autocommit = True
        dbapi_conn.execute("SET TIME ZONE 'UTC'")
        dbapi_conn.execute("SET client_encoding = 'UTF8'")
        dbapi_conn.autocommit = auto
        _whole_numerics_as_int(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        if conn.get_execution_options().get("custtrack_write", False):
            # SQLite's BEGIN IMMEDIATE: one writer at a time, the others wait up to the busy
            # timeout. The code relies on it (the agenda's catch-up reads which customers are
            # stale, computes them and clears the marks; an import numbers new customers from
            # max(id)). Read committed, so that once the lock is held every statement sees all
            # that the previous writers committed.
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {BUSY_TIMEOUT_MS}")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
        else:
            # a reading command sees every table as of one moment, as in SQLite's WAL mode
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")

    return engine


def _whole_numerics_as_int(dbapi_conn: Any) -> None:
    """PostgreSQL's sum() of a BIGINT column (money in minor units, migration 0008) is NUMERIC,
    which psycopg reads as a Decimal: read a NUMERIC without decimals as an int instead, as
    SQLite gives every sum of integers. One with decimals (an avg()) stays a Decimal."""
    from decimal import Decimal

    from psycopg.adapt import Loader

    class WholeAsInt(Loader):
        def load(self, data: Any) -> int | Decimal:
            text = bytes(data)
            if text.lstrip(b"-").isdigit():
                return int(text)
            return Decimal(text.decode())  # decimals, NaN, Infinity

    dbapi_conn.adapters.register_loader("numeric", WholeAsInt)


def bare_engine(loc: str) -> sa.Engine:
    """A new engine with the per-connection set-up but no migration and no caching."""
    import sqlalchemy as sa

    if is_postgresql(loc):
        return _pg_engine(loc)
    path = sqlite_path(loc)
    return _sqlite_engine(path) if path is not None else sa.create_engine(loc)


def engine(loc: str | None = None) -> sa.Engine:
    """The engine for a database, migrated to the current schema."""
    loc = loc or location()
    if loc not in _engines:
        import sqlalchemy as sa

        from .errors import CusttrackError
        from .i18n import _

        eng = bare_engine(loc)
        try:
            _found[loc] = _ensure_schema(eng)
        except sa.exc.DBAPIError as exc:
            eng.dispose()
            if eng.dialect.name == "postgresql":
                raise CusttrackError(pg_connect_error(exc, eng.url)) from None
            raise CusttrackError(
                _(
                    "cannot open the database {location}: {error} (is it a custtrack database?)"
                ).format(location=display(loc), error=exc.orig or exc)
            ) from None
        _engines[loc] = eng
        _resume_gc()
        global _close_at_exit
        if not _close_at_exit:
            import atexit

            atexit.register(close)
            _close_at_exit = True
    return _engines[loc]


def _resume_gc() -> None:
    """Turn garbage collection back on if the entry point paused it for start-up.

    The imports before the first database access create most of a run's long-lived objects
    (SQLAlchemy, pydantic, Typer); collecting them again and again cost ~0.2 s of a daily
    command. Frozen, they are never scanned again; what the command itself allocates still is.
    """
    import gc

    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def dispose() -> None:
    """Close every engine (tests, and before replacing a database file)."""
    for eng in _engines.values():
        eng.dispose()
    _engines.clear()
    _written.clear()  # closed: SQLite checkpoints when a file's last connection closes


def close() -> None:
    """End of a command (registered with atexit): move what this process wrote from SQLite's
    -wal file into the database file, then close every connection.

    Without it the last writes live in `NAME.db-wal` until some later command happens to copy
    them over, and a copy of `NAME.db` alone (a backup, a file sent to a colleague) misses them.
    TRUNCATE also empties the -wal file; closing the last connection deletes it.
    """
    import sqlite3

    for eng in list(_engines.values()):
        if eng not in _written:
            continue
        try:
            raw = eng.raw_connection()  # autocommit: a checkpoint cannot run in a transaction
        except Exception:  # noqa: BLE001 - nothing to checkpoint through; closing still helps
            continue
        try:
            cur = raw.cursor()
            cur.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cur.close()
        except sqlite3.Error:
            pass  # read-only, or another process reading: it checkpoints when it closes
        finally:
            raw.close()
    _written.clear()
    dispose()


def schema_version(eng: sa.Engine) -> str | None:
    import sqlalchemy as sa

    with eng.connect() as conn:
        try:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except sa.exc.OperationalError:
            return None
        except sa.exc.ProgrammingError:  # PostgreSQL: no such table
            return None


_found: dict[str, str | None] = {}  # per database: the schema version it had when opened


def init() -> tuple[str | None, str]:
    """Open the database in use, creating or upgrading its schema: (the schema version it had,
    None for a new one; the version it has now)."""
    from .migrations import HEAD

    loc = location()
    engine(loc)
    return _found.get(loc, HEAD), HEAD


def _ensure_schema(eng: sa.Engine) -> str | None:
    """Create or upgrade the schema; returns the version found (None: a new database)."""
    from .migrations import HEAD

    version = schema_version(eng)
    if version == HEAD:
        return version
    from alembic.script import ScriptDirectory

    from .errors import CusttrackError
    from .i18n import _

    scripts = ScriptDirectory.from_config(_alembic_config())
    known = {rev.revision for rev in scripts.walk_revisions()}
    if version is not None and version not in known:
        raise CusttrackError(
            _(
                "the database was written by a newer custtrack (schema {version}); "
                "upgrade custtrack to open it"
            ).format(version=version)
        )
    if version is not None and _on_upgrade is not None:
        _on_upgrade(version, HEAD)
    upgrade(eng)
    return version


def _alembic_config():  # noqa: ANN202  (alembic.config.Config, imported lazily)
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "custtrack:migrations")
    return cfg


def upgrade(eng: sa.Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` in one transaction (alembic imported only here)."""
    from alembic import command

    cfg = _alembic_config()
    with eng.connect() as conn:
        # SQLite alters a table by copying it and dropping the original; with foreign keys on,
        # that DROP cascades and deletes every contact, purchase … of every customer. The
        # pragma is ignored inside a transaction, so it is set on the raw connection first.
        raw = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.execution_options(custtrack_write=True).begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                if raw is not None:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        from .errors import CusttrackError
                        from .i18n import ngettext

                        raise CusttrackError(
                            ngettext(
                                "upgrading the database would break {n} reference "
                                "(first: {first}); nothing was changed",
                                "upgrading the database would break {n} references "
                                "(first: {first}); nothing was changed",
                                len(broken),
                            ).format(n=len(broken), first=tuple(broken[0]))
                        )
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")


def write_refused(exc: BaseException) -> bool:
    """Whether a write failed only because the database cannot take one now: a read-only file
    (PostgreSQL: a read-only server, transaction or role), or another process holding the write
    lock past the busy timeout."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlite_errorname", "") in ("SQLITE_READONLY", "SQLITE_BUSY"):
        return True
    # lock_not_available, read_only_sql_transaction, insufficient_privilege
    return getattr(orig, "sqlstate", None) in ("55P03", "25006", "42501")


# What a failed connection to PostgreSQL says (psycopg gives no code for these, only libpq's
# English text), and the fix; anything else is shown as the server said it.
_PG_CONNECT_PROBLEMS = (
    ("password authentication failed", "password"),
    ("no password supplied", "no_password"),
    ("does not exist", None),  # database or role: told apart below
    ("could not translate host name", "host"),
    ("failed to resolve host", "host"),
    ("Name or service not known", "host"),
    ("Connection refused", "port"),
    ("No such file or directory", "port"),  # a Unix socket that is not there
    ("timeout expired", "timeout"),
    ("no pg_hba.conf entry", "hba"),
    ("permission denied for schema", "schema"),
)


def pg_connect_error(exc: BaseException, url: Any) -> str:
    """One line saying why custtrack could not open a PostgreSQL database, and how to fix it."""
    from .i18n import _

    text = str(getattr(exc, "orig", None) or exc).strip()
    first = " ".join(text.split("\n")[0].split())
    import getpass

    host, port = url.host or "localhost", url.port or 5432
    user = url.username or getpass.getuser()
    database = url.database or user
    where = url.render_as_string(hide_password=True)
    kind = next((k for needle, k in _PG_CONNECT_PROBLEMS if needle in text), "other")
    if kind is None:
        kind = "user" if 'role "' in text else "database"
    messages = {
        "password": _(
            "PostgreSQL at {host}:{port} refused the password of user {user} (or there is no "
            "such user); check both in the URL (postgresql+psycopg://USER:PASSWORD@HOST:PORT/"
            "DATABASE) or the password in ~/.pgpass"
        ),
        "no_password": _(
            "PostgreSQL at {host}:{port} asks for the password of user {user}; give it in the "
            "URL (postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE) or in ~/.pgpass"
        ),
        "database": _(
            "there is no database {database} on the PostgreSQL server at {host}:{port}; "
            "create it (createdb {database}) or correct the name in --db / CUSTTRACK_DB"
        ),
        "user": _(
            "there is no PostgreSQL user {user} on the server at {host}:{port}; create it "
            "(createuser {user}) or correct the user in --db / CUSTTRACK_DB"
        ),
        "host": _(
            "cannot find the PostgreSQL server's host {host} (no computer has that name); "
            "correct the host in --db / CUSTTRACK_DB"
        ),
        "port": _(
            "no PostgreSQL server answers at {host}:{port}; start the server, or correct "
            "the host and port in --db / CUSTTRACK_DB"
        ),
        "timeout": _(
            "the PostgreSQL server at {host}:{port} did not answer within {seconds} s; "
            "check the host and port in --db / CUSTTRACK_DB and that a firewall lets you in"
        ),
        "hba": _(
            "the PostgreSQL server at {host}:{port} does not let user {user} in from this "
            "computer (pg_hba.conf); ask its administrator to allow it"
        ),
        "schema": _(
            "PostgreSQL user {user} may not create custtrack's tables in database {database}; "
            "make the user its owner (ALTER DATABASE {database} OWNER TO {user}) or allow it "
            "(GRANT CREATE ON SCHEMA public TO {user})"
        ),
        "other": _("cannot open the PostgreSQL database {location}: {error}"),
    }
    return messages[kind].format(
        user=user, host=host, port=port, database=database, location=where, error=first,
        seconds=CONNECT_TIMEOUT_S,
    )  # fmt: skip


def commits() -> int:
    """How many write sessions this process has committed: an error report can then tell
    whether the failed command had already saved its change."""
    return _commits


def _refuse_missing_file() -> None:
    """A database file named with --db or CUSTTRACK_DB that does not exist is a typo far more
    often than a wish for a new, empty database (which `check` would then pass, and where `log`
    would find no customer); only the commands that create a database open one that is not
    there (see session(create=True))."""
    loc = location()
    if loc in _engines or not (_db_override or os.environ.get("CUSTTRACK_DB")):
        return
    path = sqlite_path(loc)
    if path is not None and not path.exists():
        from .errors import CusttrackError
        from .i18n import _

        raise CusttrackError(
            _(
                "no database at {path} (check --db / CUSTTRACK_DB; `custtrack add`, "
                "`custtrack import` or `custtrack db init` creates one)"
            ).format(path=path)
        )


@contextmanager
def command() -> Iterator[None]:
    """While a command runs: its write sessions, too, refuse a database file named by --db or
    CUSTTRACK_DB that does not exist, unless the command creates databases (session(create=
    True): add, import, demo). Code using the services directly creates it on first write."""
    global _in_command
    outer, _in_command = _in_command, True
    try:
        yield
    finally:
        _in_command = outer


@contextmanager
def session(write: bool = False, create: bool = False) -> Iterator[Session]:
    """One transaction: committed if the block ends normally, rolled back on any error.

    A missing database file named by --db or CUSTTRACK_DB is refused ("no database at …") by a
    read, and by a command's write unless `create` (see command())."""
    from sqlmodel import Session

    if not write or _in_command and not create:
        _refuse_missing_file()
    eng = engine()
    bind = eng.execution_options(custtrack_write=True) if write else eng
    with Session(bind, expire_on_commit=False) as s:
        try:
            yield s
            if write:
                s.commit()
                global _commits
                _commits += 1
            else:
                s.rollback()
        except BaseException:
            s.rollback()
            raise
