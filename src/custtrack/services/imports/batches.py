"""Running an import as one batch (or not at all), listing batches, and undoing one."""

from __future__ import annotations

import gc
import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ... import clock, config, dialect
from ...errors import Conflict, CusttrackError, NotFound, UsageError
from ...i18n import C_, _, pgettext
from ...models import ImportBatch
from ...vocab import label
from .base import LINK_FIELDS, Importer
from .contact_points import ContactPointImporter
from .customers import CustomerImporter
from .loyalty import PersonImporter, PointsImporter
from .purchases import PurchaseImporter
from .records import (
    ComplaintImporter,
    ContactImporter,
    FeedbackImporter,
    FollowupImporter,
)
from .report import DryRun, ImportFailed, Report
from .sheet import SheetImporter

KINDS: tuple[str, ...] = (
    "customers", "purchases", "interactions", "feedback", "followups", "complaints", "sheet"
)  # fmt: skip
KINDS += ("persons", "points")  # a company's contact persons, the points ledger (issue 15)
KINDS += ("contact_points",)  # other phones, e-mails and WeChat handles (issue 17.8)
CACHE_KIB = 128 * 1024


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


_IMPORTERS: dict[str, type[Importer]] = {
    "customers": CustomerImporter,
    "purchases": PurchaseImporter,
    "interactions": ContactImporter,
    "feedback": FeedbackImporter,
    "followups": FollowupImporter,
    "complaints": ComplaintImporter,
    "sheet": SheetImporter,
    "persons": PersonImporter,
    "points": PointsImporter,
    "contact_points": ContactPointImporter,
}


def check_mapping(kind: str, headers: list[str], mapping: dict[int, str]) -> None:
    """The file must have the columns this kind cannot do without."""
    have = set(mapping.values())
    needs = list(_IMPORTERS[kind].required)
    if kind not in ("customers", "sheet"):  # those two name the customer in their own way
        needs.append(LINK_FIELDS)
    for options in needs:
        if not have & set(options):
            what = pgettext("list", " or ").join(options)
            cols = pgettext("list", ", ").join(repr(h) for h in headers)
            raise UsageError(
                _(
                    "{kind} need a column for {what}; the file has {columns}. "
                    'Name it with --map, e.g. --map "{header}={field}"'
                ).format(
                    kind=label("import_kind", kind),
                    what=what,
                    columns=cols,
                    header=headers[0],
                    field=options[0],
                )
            )


def _phone_region(mapping: dict[int, str], sample: list[list[Any]]) -> str | None:
    """The region for the file's national phone numbers when none is configured and the
    numbers say otherwise than the locale (see validate.likely_region); None: the usual one."""
    from ...validate import likely_region
    from .base import cell

    column = next((i for i, f in mapping.items() if f == "phone"), None)
    if column is None or config.get("phone_region"):
        return None
    numbers = [cell(row[column]) for row in sample if column < len(row)]
    default = config.phone_region()
    region = likely_region([n for n in numbers if isinstance(n, str)], default)
    return region if region != default else None


def _currency(mapping: dict[int, str], sample: list[list[Any]]) -> str | None:
    """The currency the file's amounts say they are in (1280元, ¥88), when none is configured."""
    from ...validate import currency_of

    column = next((i for i, f in mapping.items() if f == "amount"), None)
    if column is None:
        return None
    said = Counter(
        currency_of(row[column])[0]
        for row in sample
        if column < len(row) and isinstance(row[column], str) and currency_of(row[column])
    )
    return said.most_common(1)[0][0] if said else None


def import_rows(
    session: Session,
    kind: str,
    *,
    source: str,
    file_format: str,
    sha256: str | None,
    headers: list[str],
    mapping: dict[int, str],
    rows: Iterator[tuple[int, list[Any]]],
    dry_run: bool = False,
    skip_bad: bool = False,
    create_customers: bool = True,
    update: bool = True,
    currency: str | None = None,
    strict_width: bool = True,
    sheet: str | None = None,
    sample: list[list[Any]] | None = None,
    progress: Callable[[], None] | None = None,
) -> Report:
    """Import rows into the session's write transaction; returns the report.

    Raises ImportFailed if any row is bad (unless skip_bad) and DryRun after a dry run: both roll
    the caller's transaction back, so nothing is written.
    """
    from ...io.mapping import describe

    if kind not in _IMPORTERS:
        raise UsageError(
            _("cannot import {kind}; choose one of {kinds}").format(
                kind=repr(kind), kinds=", ".join(KINDS)
            )
        )
    check_mapping(kind, headers, mapping)
    used, ignored = describe(headers, mapping)
    report = Report(kind, source, file_format, used, ignored, dry_run=dry_run, sheet=sheet)
    report.phone_region = _phone_region(mapping, sample or [])
    if currency is None and not config.is_set("currency"):
        currency = report.currency_guess = _currency(mapping, sample or [])
    conn = session.connection()
    if dialect.is_sqlite(conn):
        # a big page cache keeps the indexes in memory during a long insert (the default 2 MB
        # spills to the WAL over and over); it only lasts as long as this process's connection
        dialect.execute(conn, f"PRAGMA cache_size = -{CACHE_KIB}")
    b = ImportBatch.__table__
    if sha256:
        report.same_file = list(
            conn.execute(
                sa.select(b.c.id).where(
                    b.c.file_sha256 == sha256, b.c.kind == kind, b.c.undone_at.is_(None)
                )
            ).scalars()
        )
    key = conn.execute(
        sa.insert(b).values(
            kind=kind,
            source=source,
            file_sha256=sha256,
            rows_added=0,
            rows_updated=0,
            rows_skipped=0,
            started_at=clock.utcnow(),
        )
    ).inserted_primary_key
    assert key is not None  # one row inserted
    report.batch_id = key[0]
    importer = _IMPORTERS[kind](
        session,
        report,
        headers,
        mapping,
        batch_id=report.batch_id,
        create_customers=create_customers,
        update=update,
        currency=currency,
        strict_width=strict_width,
        region=report.phone_region,
    )
    # Python's cycle collector rescans every cached key and reference on each full collection:
    # on a million rows that was a third of the time. An import makes no cycles worth chasing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        importer.run(rows, progress)
    finally:
        if collecting:
            gc.enable()
    if not report.rows:
        raise CusttrackError(
            _("{file} has a header but no data rows: nothing to import").format(file=source)
        )
    if dry_run or (report.rejected and not skip_bad):
        report.batch_id = None  # rolled back with everything else
        raise DryRun(report) if dry_run else ImportFailed(report)
    # points for what it added, as `buy` and `add` give them; not for custtrack's own export,
    # whose points come back with its own file (`import points`)
    if kind in ("customers", "purchases", "sheet") and "number" not in mapping.values():
        from ..loyalty import earn_batch

        earn_batch(session, report.batch_id)
    conn.execute(
        sa.update(b)
        .where(b.c.id == report.batch_id)
        .values(
            rows_added=report.added,
            rows_updated=report.updated,
            rows_skipped=report.skipped,
            finished_at=clock.utcnow(),
        )
    )
    if report.added or report.updated:  # an import that changed nothing is no change to audit
        from .. import audit

        audit.batch(
            session, "import", report.batch_id,
            {"kind": kind, "source": source, "added": report.added, "updated": report.updated},
        )  # fmt: skip
    return report


# -- batches -------------------------------------------------------------------------------------


def list_batches(session: Session, limit: int = 0) -> list[dict[str, Any]]:
    """Import batches, newest first."""
    b = ImportBatch.__table__
    stmt = sa.select(b).order_by(b.c.id.desc())
    if limit:
        stmt = stmt.limit(limit)
    rows = []
    for r in session.execute(stmt):
        row = dict(r._mapping)
        row["status"] = "undone" if row["undone_at"] else "imported"
        rows.append(row)
    return rows


# the tables of the rows an import adds (besides customers), each with its batch
_CHILDREN: tuple[str, ...] = ("interactions", "purchases", "feedback", "followups", "complaints")
_CHILDREN += ("contact_persons", "points_ledger")  # issue 15
_CHILDREN += ("contact_points",)  # issue 17.8
# how they are named in messages ("customers it added now have contacts recorded …")
_TABLE_LABELS = (
    C_("record_table", "interactions"), C_("record_table", "purchases"),
    C_("record_table", "feedback"), C_("record_table", "followups"),
    C_("record_table", "complaints"), C_("record_table", "contact_persons"),
    C_("record_table", "points_ledger"), C_("record_table", "contact_points"),
)  # fmt: skip


def undo(session: Session, batch_id: int) -> dict[str, int]:
    """Delete exactly the rows a batch added; refuse if someone else's data hangs on them."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound(
            _("no import batch {batch}; see `custtrack import list`").format(batch=batch_id)
        )
    if batch.undone_at is not None:
        raise Conflict(_("batch {batch} was already undone").format(batch=batch_id))
    if batch.finished_at is None:
        raise Conflict(
            _("batch {batch} never finished; there is nothing to undo").format(batch=batch_id)
        )
    conn = session.connection()
    ours = "SELECT id FROM customers WHERE batch_id = ?"
    for table in _CHILDREN:
        rows = dialect.execute(
            conn,
            f"SELECT DISTINCT c.id, c.name FROM {table} x JOIN customers c ON c.id = x.customer_id "
            f"WHERE x.customer_id IN ({ours}) AND (x.batch_id IS NULL OR x.batch_id != ?) LIMIT 6",
            (batch_id, batch_id),
        ).all()
        if rows:
            who = pgettext("list", ", ").join(f"#{cid} {name}" for cid, name in rows[:5])
            raise Conflict(
                _(
                    "cannot undo batch {batch}: customers it added now have {records} recorded "
                    "outside this batch ({who}). Undo the later batches first, or delete those "
                    "records."
                ).format(
                    batch=batch_id,
                    records=label("record_table", table),
                    who=who + (" …" if len(rows) > 5 else ""),
                )
            )
    # issue 17.7: a refund made since names one of its purchases
    later = (
        "SELECT r.id FROM purchases r JOIN purchases o ON o.id = r.refund_of WHERE o.batch_id = ? "
        "AND (r.batch_id IS NULL OR r.batch_id != ?) ORDER BY r.id LIMIT 6"
    )
    refunds = [r[0] for r in dialect.execute(conn, later, (batch_id, batch_id))]
    if refunds:
        raise Conflict(
            _(
                "cannot undo batch {batch}: purchases it added were refunded since ({refunds}); "
                "delete those refunds first (`custtrack delete purchase ID`)"
            ).format(
                batch=batch_id,
                refunds=pgettext("list", ", ").join(f"#{i}" for i in refunds[:5])
                + (" …" if len(refunds) > 5 else ""),
            )
        )
    merged = dialect.execute(
        conn, f"SELECT count(*) FROM merges WHERE kept_id IN ({ours})", (batch_id,)
    ).scalar()
    if merged:
        raise Conflict(
            _("cannot undo batch {batch}: other customers were merged into its customers").format(
                batch=batch_id
            )
        )
    touched = [
        r[0]
        for r in dialect.execute(
            conn, "SELECT DISTINCT customer_id FROM interactions WHERE batch_id = ?", (batch_id,)
        )
    ]
    # follow-ups the batch's contacts settled are open again (`log` would not have closed them)
    counts = {
        "reopened": dialect.execute(
            conn,
            "UPDATE followups SET status = 'open', closed_at = NULL, interaction_id = NULL "
            "WHERE interaction_id IN (SELECT id FROM interactions WHERE batch_id = ?) "
            "AND (batch_id IS NULL OR batch_id != ?)",
            (batch_id, batch_id),
        ).rowcount
    }
    for table in (*_CHILDREN, "customers"):
        counts[table] = dialect.execute(
            conn, f"DELETE FROM {table} WHERE batch_id = ?", (batch_id,)
        ).rowcount
    for start in range(0, len(touched), 500):
        part = touched[start : start + 500]
        dialect.execute(
            conn,
            "UPDATE customers SET last_contact_at = (SELECT max(at) FROM interactions i "
            f"WHERE i.customer_id = customers.id) WHERE id IN ({', '.join('?' * len(part))})",
            tuple(part),
        )
    from ..loyalty import reverse_deleted

    reverse_deleted(conn, batch_id)  # points given outside the batch for purchases it removed
    batch.undone_at = clock.utcnow()
    session.add(batch)
    session.flush()
    counts["updated_kept"] = batch.rows_updated
    from .. import audit

    audit.batch(session, "undo", batch_id, counts)
    return counts
