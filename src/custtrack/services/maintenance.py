"""Looking after the database file: backup, restore, consistency checks and scrubbing free pages.

Backup and restore work on the SQLite file with the standard library's online backup API, which
copies a consistent snapshot even while another process is writing (WAL mode); on PostgreSQL
they run pg_dump and pg_restore (services/pg_backup.py).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from .. import clock, dialect
from ..errors import Conflict, CusttrackError, NotFound, UsageError
from ..i18n import C_, N_, _, pgettext

SQLITE_MAGIC = b"SQLite format 3\x00"


def _on_server() -> bool:
    from .. import db

    return db.is_postgresql()


def _db_file(must_exist: bool = True) -> Path:
    from .. import db

    path = db.sqlite_path()
    if path is None:
        raise UsageError(_("backup and restore work on SQLite files only; use your server's tools"))
    if must_exist and not path.exists():
        raise NotFound(_("no database at {path}").format(path=path))
    return path


def _stamp() -> str:
    return clock.now().strftime("%Y%m%d-%H%M%S")


def _private(path: Path) -> None:
    """Create PATH empty with mode 0600; refuse if it exists (never overwrite a backup)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise Conflict(_("{path} already exists; give another name").format(path=path)) from None
    except FileNotFoundError:
        raise NotFound(_("folder {path} does not exist").format(path=path.parent)) from None
    os.close(fd)
    os.chmod(path, 0o600)


def _copy(source: Path, dest: Path) -> None:
    """Consistent copy of SOURCE (including committed WAL content) into the new file DEST."""
    from ..db import BUSY_TIMEOUT_MS

    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(dest)
        try:
            # one step (pages=-1): the copy is a single read transaction, a true snapshot
            src.backup(dst)
            # the copy is one self-contained file, without a -wal beside it
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        dest.unlink(missing_ok=True)
        raise CusttrackError(
            _("could not copy {source}: {error}").format(source=source, error=exc)
        ) from None
    finally:
        src.close()


def backup(dest: Path | None = None) -> dict[str, Any]:
    """Copy the database to DEST (default: custtrack-YYYYmmdd-HHMMSS.db next to it), mode 0600."""
    if _on_server():
        from . import pg_backup

        return pg_backup.backup(dest)
    source = _db_file()
    name = f"custtrack-{_stamp()}.db"
    if dest is None:
        dest = source.parent / name
    elif dest.is_dir():
        dest = dest / name
    if dest.resolve() == source.resolve():
        raise UsageError(_("the backup must not be the database itself"))
    if dest.exists():
        raise Conflict(_("{path} already exists; give another name").format(path=dest))
    # copy under a temporary name, so an interrupted backup never looks like a finished one
    part = dest.with_name(f".{dest.name}.part")
    part.unlink(missing_ok=True)  # left by a backup that was killed
    _private(part)
    _copy(source, part)
    _publish(part, dest)
    return {"path": str(dest), "bytes": dest.stat().st_size}


def _publish(part: Path, dest: Path) -> None:
    """Give PART its final name DEST without ever replacing an existing file."""
    try:
        os.link(part, dest)  # fails if DEST appeared meanwhile, unlike a rename
    except FileExistsError:
        part.unlink()
        raise Conflict(_("{path} already exists; give another name").format(path=dest)) from None
    except OSError:  # a file system without hard links
        os.replace(part, dest)
        return
    part.unlink()


@dataclass
class Candidate:
    """What restore found out about a file before touching anything."""

    path: Path
    revision: str
    customers: int
    problems: list[str] = field(default_factory=list)


def _known_revisions() -> list[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", "custtrack:migrations")
    return [s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()]


def inspect(path: Path) -> Candidate:
    """Check that PATH is a healthy custtrack database this version can open; raise if not."""
    if _on_server():
        from . import pg_backup

        return pg_backup.inspect(path)
    if not path.is_file():
        raise NotFound(_("no file at {path}").format(path=path))
    with open(path, "rb") as fh:
        head = fh.read(16)
        if head.startswith(b"PGDMP"):
            raise CusttrackError(
                _(
                    "{path} is a backup of a PostgreSQL database (pg_dump) and cannot be restored "
                    "into a SQLite file; restore it with --db pointing at a PostgreSQL database. "
                    "Nothing was changed"
                ).format(path=path)
            )
        if head != SQLITE_MAGIC:
            raise CusttrackError(
                _("{path} is not a SQLite database; nothing was changed").format(path=path)
            )
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise CusttrackError(
            _("cannot open {path}: {error}; nothing was changed").format(path=path, error=exc)
        ) from None
    try:
        result = [r[0] for r in con.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise CusttrackError(
                _("{path} is damaged ({details}); nothing was changed").format(
                    path=path, details="; ".join(result[:3])
                )
            )
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables or "customers" not in tables:
            raise CusttrackError(
                _("{path} is not a custtrack database; nothing was changed").format(path=path)
            )
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()
        customers = con.execute("SELECT count(*) FROM customers").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise CusttrackError(
            _("{path} cannot be read ({error}); nothing was changed").format(path=path, error=exc)
        ) from None
    finally:
        con.close()
    if not revision:
        raise CusttrackError(
            _("{path} has no schema version; nothing was changed").format(path=path)
        )
    if revision[0] not in _known_revisions():
        from ..migrations import HEAD

        raise CusttrackError(
            _(
                "{path} was written by a newer custtrack (schema {version}; this version knows "
                "up to {head}); upgrade custtrack first. Nothing was changed"
            ).format(path=path, version=revision[0], head=HEAD)
        )
    return Candidate(path=path, revision=revision[0], customers=customers)


def restore(path: Path, checked: Candidate | None = None) -> dict[str, Any]:
    """Replace the database with the backup at PATH, keeping the old file beside it.

    The candidate is checked and copied (and migrated, if older) before the old file is touched.
    """
    from .. import db
    from ..migrations import HEAD

    if _on_server():
        from . import pg_backup

        if isinstance(checked, pg_backup.DumpCandidate) and checked.path == path:
            return pg_backup.restore(path, checked)
        return pg_backup.restore(path, pg_backup.inspect(path))
    target = _db_file(must_exist=False)
    if target.exists() and path.resolve() == target.resolve():
        raise UsageError(_("that file is the database in use; give a backup file"))
    cand = checked if checked is not None and checked.path == path else inspect(path)
    db.dispose()
    stamp = _stamp()
    staged = target.with_name(f"{target.name}.restoring-{stamp}")
    _private(staged)
    try:
        _copy(path, staged)
        if cand.revision != HEAD:
            db.engine(str(staged))  # opening migrates it
            db.dispose()
            con = sqlite3.connect(staged)
            con.execute("PRAGMA journal_mode = DELETE")
            con.close()
    except BaseException:
        db.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{staged}{suffix}").unlink(missing_ok=True)
        raise
    kept = None
    if target.exists():
        kept = target.with_name(f"{target.name}.replaced-{stamp}")
        _keep(target, kept)
    os.replace(staged, target)
    for suffix in ("-wal", "-shm"):  # belonged to the old file; must not be applied to the new
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    return {
        "restored": str(path),
        "database": str(target),
        "kept": str(kept) if kept else None,
        "revision": cand.revision,
        "migrated_to": HEAD if cand.revision != HEAD else None,
        "customers": cand.customers,
    }


def _keep(target: Path, kept: Path) -> None:
    """Set the current database aside as KEPT: a consistent copy including what its WAL holds,
    or, when it cannot even be read (often why one restores), the file itself and its WAL."""
    _private(kept)
    try:
        _copy(target, kept)
    except CusttrackError:
        os.replace(target, kept)
        for suffix in ("-wal", "-shm"):
            if Path(f"{target}{suffix}").exists():
                os.replace(f"{target}{suffix}", f"{kept}{suffix}")


@dataclass
class Problem:
    check: str
    message: str  # English, as JSON gives it
    count: int
    examples: list[Any] = field(default_factory=list)
    text: str = ""  # the message in the interface language, for people

    def __post_init__(self) -> None:
        self.text = self.text or _(self.message)


# (check name, plain-words message, SQL returning the ids of offending rows)
_ORPHAN = "SELECT t.id FROM {t} t LEFT JOIN customers c ON c.id = t.customer_id WHERE c.id IS NULL"
INVARIANTS: list[tuple[str, str, str]] = [
    ("orphan-interactions", N_("contacts belong to no customer"), _ORPHAN.format(t="interactions")),
    ("orphan-purchases", N_("purchases belong to no customer"), _ORPHAN.format(t="purchases")),
    ("orphan-feedback", N_("feedback entries belong to no customer"), _ORPHAN.format(t="feedback")),
    ("orphan-complaints", N_("complaints belong to no customer"), _ORPHAN.format(t="complaints")),
    ("orphan-followups", N_("follow-ups belong to no customer"), _ORPHAN.format(t="followups")),
    (
        "followup-archived-customer",
        N_("open follow-ups are planned for archived customers"),
        "SELECT f.id FROM followups f JOIN customers c ON c.id = f.customer_id "
        "WHERE f.status = 'open' AND c.status = 'archived'",
    ),
    (
        "negative-amount",
        N_("purchases have a negative amount"),  # a refund line's is (refund_of, 0013)
        "SELECT id FROM purchases WHERE amount_minor < 0 AND refund_of IS NULL",
    ),
    (
        "bad-quantity",
        N_("purchases have a quantity below 1"),
        "SELECT id FROM purchases WHERE qty < 1",
    ),
    (
        "negative-campaign-cost",
        N_("campaigns have a negative cost"),
        "SELECT id FROM campaigns WHERE cost_minor < 0",
    ),
    (
        "csat-range",
        N_("feedback entries have a CSAT outside 1-5"),
        "SELECT id FROM feedback WHERE csat IS NOT NULL AND csat NOT BETWEEN 1 AND 5",
    ),
    (
        "nps-range",
        N_("feedback entries have an NPS outside 0-10"),
        "SELECT id FROM feedback WHERE nps IS NOT NULL AND nps NOT BETWEEN 0 AND 10",
    ),
    (
        "last-contact",
        N_("customers have a last-contact time that differs from their latest contact"),
        "SELECT c.id FROM customers c LEFT JOIN (SELECT customer_id, max(at) AS at "
        "FROM interactions GROUP BY customer_id) i ON i.customer_id = c.id "
        "WHERE (c.last_contact_at IS NULL) != (i.at IS NULL) "
        "OR {c.last_contact_at differs from i.at}",
    ),
    (
        "complaint-resolved-at",
        N_("resolved complaints have no resolution time"),
        "SELECT id FROM complaints WHERE status = 'resolved' AND resolved_at IS NULL",
    ),
    (
        "complaint-open-resolved",
        N_("open complaints carry a resolution time"),
        "SELECT id FROM complaints WHERE status = 'open' AND resolved_at IS NOT NULL",
    ),
    (
        "complaint-status",
        N_("complaints have an unknown status"),
        "SELECT id FROM complaints WHERE status NOT IN ('open', 'resolved')",
    ),
    (
        "followup-status",
        N_("follow-ups have an unknown status"),
        "SELECT id FROM followups WHERE status NOT IN ('open', 'done', 'cancelled')",
    ),
    (
        "followup-closed-at",
        N_("closed follow-ups (done or cancelled) have no closing time"),
        "SELECT id FROM followups WHERE status IN ('done', 'cancelled') AND closed_at IS NULL",
    ),
    (
        "customer-status",
        N_("customers have an unknown status"),
        "SELECT id FROM customers WHERE status NOT IN ('active', 'archived')",
    ),
    (
        "customer-name",
        N_("customers have an empty name"),
        "SELECT id FROM customers WHERE trim(coalesce(name, '')) = ''",
    ),
    (
        "erased-personal-data",
        N_("erased customers still carry a phone, e-mail, WeChat, address or notes"),
        "SELECT id FROM customers WHERE erased_at IS NOT NULL AND (phone IS NOT NULL OR "
        "email IS NOT NULL OR wechat IS NOT NULL OR address IS NOT NULL OR notes IS NOT NULL)",
    ),
    (
        "purchase-currency",
        N_("purchases have no valid currency code"),
        "SELECT id FROM purchases WHERE length(coalesce(currency, '')) != 3",
    ),
]
# foreign keys already reported in plain words above
_COVERED = {
    (t, "customers") for t in ("interactions", "purchases", "feedback", "complaints", "followups")
}
_NOUN = {  # table: (one, many)
    "interactions": ("contact", "contacts"), "purchases": ("purchase", "purchases"),
    "feedback": ("feedback entry", "feedback entries"), "complaints": ("complaint", "complaints"),
    "followups": ("follow-up", "follow-ups"), "customer_tags": ("tag link", "tag links"),
    "customers": ("customer", "customers"), "merges": ("merge record", "merge records"),
    "tags": ("tag", "tags"), "import_batches": ("import batch", "import batches"),
}  # fmt: skip
_NOUN_WORDS = (  # the nouns above in the message people read (Chinese has no plural)
    C_("check", "contact"), C_("check", "contacts"), C_("check", "purchase"),
    C_("check", "purchases"), C_("check", "feedback entry"), C_("check", "feedback entries"),
    C_("check", "complaint"), C_("check", "complaints"), C_("check", "follow-up"),
    C_("check", "follow-ups"), C_("check", "tag link"), C_("check", "tag links"),
    C_("check", "customer"), C_("check", "customers"), C_("check", "merge record"),
    C_("check", "merge records"), C_("check", "tag"), C_("check", "tags"),
    C_("check", "import batch"), C_("check", "import batches"),
)  # fmt: skip


def check(session: Session, quick: bool = False) -> list[Problem]:
    """SQLite's integrity and foreign-key checks, then custtrack's rules; [] when all is well."""
    conn = session.connection()
    problems: list[Problem] = []
    result = dialect.integrity_check(conn, quick)  # quick skips index contents
    if result != ["ok"]:
        problems.append(
            Problem("integrity", N_("SQLite reports damage in the file"), len(result), result[:5])
        )
    fk: dict[tuple[str, str], list[int]] = {}
    for table, rowid, parent in dialect.foreign_key_violations(conn):
        if (table, parent) not in _COVERED:
            fk.setdefault((table, parent), []).append(rowid)
    for (table, parent), ids in fk.items():
        many, one = _NOUN.get(table, (None, None))[1], _NOUN.get(parent, (None, None))[0]
        many_text = pgettext("check", many) if many else _("{table} rows").format(table=table)
        one_text = pgettext("check", one) if one else _("{table} row").format(table=parent)
        many = many or f"{table} rows"
        one = one or f"{parent} row"
        problems.append(
            Problem(
                f"foreign-key:{table}",
                f"{many} refer to a {one} that does not exist",
                len(ids),
                ids[:10],
                _("{many} refer to a {one} that does not exist").format(
                    many=many_text, one=one_text
                ),
            )
        )
    differ = dialect.instants_differ(conn, "c.last_contact_at", "i.at")
    for name, message, sql in INVARIANTS:
        sql = sql.replace("{c.last_contact_at differs from i.at}", differ)
        try:
            ids = [r[0] for r in conn.execute(sa.text(sql))]
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:  # a missing table
            problems.append(
                Problem(
                    name,
                    f"could not run this check: {exc.orig}",
                    1,
                    text=_("could not run this check: {error}").format(error=exc.orig),
                )
            )
            continue
        if ids:
            problems.append(Problem(name, message, len(ids), ids[:10]))
    return problems


# PostgreSQL: the tables whose rows `forget` rewrites or deletes (see _scrub_postgresql)
_ERASED_TABLES = (
    "customers", "customer_tags", "tags", "cadences", "interactions", "feedback", "complaints",
    "followups", "merges", "agenda", "audit_log",
    # a refund's reason (issue 17.7); a company's people, the points' notes (15); other phones,
    # e-mails and WeChat (17.8)
    "purchases", "contact_persons", "points_ledger", "contact_points",
)  # fmt: skip


def scrub(engine: sa.Engine) -> dict[str, Any]:
    """Make erased text unrecoverable from the file: checkpoint the WAL into the database,
    VACUUM (rewrites every page, so no free page keeps old bytes), and truncate the WAL.
    On PostgreSQL see _scrub_postgresql.
    """
    from ..db import BUSY_TIMEOUT_MS

    if dialect.is_postgresql(engine):
        return _scrub_postgresql(engine)
    if not dialect.is_sqlite(engine):
        return {"vacuumed": False, "wal_truncated": False}
    raw = engine.raw_connection()
    vacuumed = False
    try:
        cur = raw.cursor()  # autocommit (the store issues BEGIN itself), as VACUUM needs
        cur.execute("PRAGMA secure_delete = ON")
        # a reader elsewhere makes the checkpoints wait: give up sooner than a normal write
        cur.execute("PRAGMA busy_timeout = 2000")
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            cur.execute("VACUUM")
            vacuumed = True
        except sqlite3.OperationalError:
            pass  # busy or no room for the copy; the erasure itself is committed already
        busy = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.close()
    finally:
        raw.close()
    return {"vacuumed": vacuumed, "wal_truncated": not busy}


def _scrub_postgresql(engine: sa.Engine) -> dict[str, Any]:
    """PostgreSQL keeps an updated or deleted row's old version in the table's pages until a
    vacuum, and a plain VACUUM only marks its space free: VACUUM FULL writes the tables `forget`
    touches anew (and their indexes), so the erased text is in no file of the database. It
    waits at most 2 s for other sessions' locks, and must keep the old versions a transaction
    still running elsewhere may read (its report says so: then it is not done). The server's
    WAL, its replicas and earlier dumps still hold the text until recycled or deleted."""
    import re

    kept: list[int] = []  # old row versions VACUUM had to keep, per table

    def note(diag: Any) -> None:  # the server's report on each table (English servers)
        detail = diag.message_detail or ""
        found = re.search(r"(\d+) dead row versions cannot be removed yet", detail)
        kept.append(int(found[1]) if found else 0)

    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None  # None only once the pool has invalidated the connection
        conn.rollback()
        conn.autocommit = True  # VACUUM cannot run in a transaction
        conn.add_notice_handler(note)
        # (table, whether we may vacuum it: only its owner or a superuser may)
        present = dict(conn.execute(
            "SELECT tablename, pg_has_role(tableowner, 'MEMBER') OR (SELECT rolsuper FROM "
            "pg_roles WHERE rolname = current_user) FROM pg_tables "
            "WHERE schemaname = current_schema()"
        ).fetchall())  # fmt: skip
        tables = [t for t in _ERASED_TABLES if t in present]
        conn.execute("SET lock_timeout = 2000")
        try:
            conn.execute(f"VACUUM (FULL, VERBOSE) {', '.join(tables)}")
            # else a table was skipped (a server warning), or old versions were kept
            vacuumed = all(present[t] for t in tables) and not any(kept)
        except Exception:  # noqa: BLE001 - a lock timeout: the erasure itself is committed
            vacuumed = False
        conn.remove_notice_handler(note)
        conn.execute("RESET lock_timeout")
        conn.autocommit = False
    finally:
        raw.close()
    return {"vacuumed": vacuumed, "wal_truncated": True}
