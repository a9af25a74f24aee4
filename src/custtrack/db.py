"""The store: where the database lives, how connections are set up, and sessions.

Everything SQLite-specific (file mode, pragmas, BEGIN IMMEDIATE) stays in this module, so that a
PostgreSQL URL can be used instead of a file path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlmodel import Session

_db_override: str | None = None
_engines: dict[str, sa.Engine] = {}
_commits = 0  # sessions committed in this process (see commits())
_on_upgrade: Callable[[str, str], None] | None = None  # see on_upgrade()

BUSY_TIMEOUT_MS = 10_000


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


def sqlite_path(loc: str | None = None) -> Path | None:
    loc = loc or location()
    if is_url(loc):
        return Path(loc.split(":///", 1)[1]) if loc.startswith("sqlite:///") else None
    return Path(loc).expanduser()


def _create_private_file(path: Path) -> None:
    """Create the database file with mode 0600 before SQLite touches it (SQLite then gives its
    -wal and -shm files the same mode)."""
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

    return engine


def bare_engine(loc: str) -> sa.Engine:
    """A new engine with the per-connection set-up but no migration and no caching."""
    import sqlalchemy as sa

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
            _ensure_schema(eng)
        except sa.exc.DatabaseError as exc:
            eng.dispose()
            raise CusttrackError(
                _(
                    "cannot open the database {location}: {error} (is it a custtrack database?)"
                ).format(location=loc, error=exc.orig or exc)
            ) from None
        _engines[loc] = eng
        _resume_gc()
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


def schema_version(eng: sa.Engine) -> str | None:
    import sqlalchemy as sa

    with eng.connect() as conn:
        try:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except sa.exc.OperationalError:
            return None
        except sa.exc.ProgrammingError:  # PostgreSQL: no such table
            return None


def _ensure_schema(eng: sa.Engine) -> None:
    from .migrations import HEAD

    version = schema_version(eng)
    if version == HEAD:
        return
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
    """Whether a write failed only because the database cannot take one now: a read-only file,
    or another process holding the write lock past the busy timeout."""
    orig = getattr(exc, "orig", exc)
    return getattr(orig, "sqlite_errorname", "") in ("SQLITE_READONLY", "SQLITE_BUSY")


def commits() -> int:
    """How many write sessions this process has committed: an error report can then tell
    whether the failed command had already saved its change."""
    return _commits


def _refuse_missing_file() -> None:
    """A read of a database file named with --db or CUSTTRACK_DB that does not exist is a typo
    far more often than a wish for a new, empty database (which `check` would then pass)."""
    loc = location()
    if loc in _engines or not (_db_override or os.environ.get("CUSTTRACK_DB")):
        return
    path = sqlite_path(loc)
    if path is not None and not path.exists():
        from .errors import CusttrackError
        from .i18n import _

        raise CusttrackError(
            _(
                "no database at {path} (check --db / CUSTTRACK_DB; a command that records "
                "something, such as `custtrack add` or `custtrack import`, creates it)"
            ).format(path=path)
        )


@contextmanager
def session(write: bool = False) -> Iterator[Session]:
    """One transaction: committed if the block ends normally, rolled back on any error."""
    from sqlmodel import Session

    if not write:
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
