"""maintenance commands: export, db init, backup, restore, check, forget."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import N_, _, ngettext, pgettext
from ._app import app, sub_app
from ._options import CustomerArg, ExportFormatOpt, FormatOpt, YesOpt

PANEL = N_("Data")


@app.command(rich_help_panel=PANEL)
def export(
    table: Annotated[
        str | None,
        typer.Argument(
            help=N_(
                "What to export: customers, interactions (contacts), purchases, feedback, "
                "complaints, followups, tags, campaigns, cadences, imports, merges, or all."
            ),
            show_default=False,
        ),
    ] = None,
    fmt: ExportFormatOpt = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            "-o",
            help=N_(
                "File (or folder, for `all` as csv/json). Default: standard "
                "output for one table as csv/json; a dated name in this folder otherwise."
            ),
            show_default=False,
        ),
    ] = None,
    customer: Annotated[
        str | None,
        typer.Option(
            "--customer",
            "-c",
            help=N_("Everything stored about this one customer, as JSON."),
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help=N_("Overwrite existing files."))] = False,
    headers: Annotated[
        str,
        typer.Option(
            "--headers",
            help=N_(
                "Header row of CSV and XLSX files: en (the column names) or zh (Chinese words "
                "that `custtrack import` reads back)."
            ),
        ),
    ] = "en",
) -> None:
    """Export a table, every table, or all data about one customer.

    Fields are the table's columns; rows about a customer also carry `customer_name`.
    Times are local ISO 8601 (2026-11-20T15:00:00+08:00).
    Money is an exact decimal string in `amount` (or `cost`) next to `currency`.
    `customers` has `tags`, separated by ";".
    CSV files are UTF-8 with a byte-order mark, so Excel shows Chinese correctly.
    XLSX has one sheet per table; amounts are numbers there, so they can be summed.

    --headers zh writes the header row (and the XLSX sheet names) in Chinese: 姓名, 手机, 金额 …,
    words that `custtrack import` recognises, so the file imports back. The ids are not read
    back from such a file: customers are numbered anew and each record finds its customer by
    name, and forgotten customers are not recognised. Keep en for a file that must return exactly.

    Formula safety (the OWASP rule): in CSV and XLSX, text starting with = + - @ or a tab
    gets a leading ' so a spreadsheet never runs it as a formula. Phone numbers such as
    +8613800138000 therefore appear as '+8613800138000. JSON is never changed.

    --customer writes one JSON document, a data-access request, with the keys
    customer, interactions, purchases, feedback, complaints, followups, merges, cadences.

    Examples:

      custtrack export customers > customers.csv

      custtrack export purchases -f xlsx -o purchases.xlsx

      custtrack export customers --headers zh -o 客户.csv

      custtrack export all -f xlsx -o everything.xlsx

      custtrack export all -f json -o export-folder

      custtrack export --customer "Wang Fang" -o wang-fang.json
    """
    import sys
    from pathlib import Path

    from .. import db
    from ..errors import UsageError
    from ..io import export as ex
    from . import _output

    lang = ex.header_language(headers)
    if customer is not None:
        if table is not None:
            raise UsageError(_("give either a TABLE or --customer, not both"))
        if (fmt or "json") != "json":
            raise UsageError(_("--customer exports JSON only (one document with every record)"))
        if lang != "en":
            raise UsageError(_("--headers zh is for CSV and XLSX files; JSON keeps its keys"))
        from ..services import customers

        with db.session() as s:
            c = customers.resolve(s, customer)
            assert c.id is not None  # a stored customer
            label = customers.describe(c)
            record = ex.customer_record(s, c.id)
        _write_json_doc(record, out, force)
        if out:
            _output.success(
                _("Wrote everything stored about {label} to {path}").format(label=label, path=out)
            )
        return
    if table is None:
        raise UsageError(_("say what to export: a table name or all (see custtrack export --help)"))
    fmt = fmt or "csv"
    if fmt == "json" and lang != "en":
        raise UsageError(_("--headers zh is for CSV and XLSX files; JSON keeps its keys"))
    name = "all" if table.strip().lower() == "all" else ex.table_name(table)
    stamp = _stamp()
    with db.session() as s:  # one read transaction: every table from the same moment
        if name == "all":
            default = f"custtrack-export-{stamp}" + (".xlsx" if fmt == "xlsx" else "")
            target = Path(out or default).expanduser()
            counts = ex.export_all(s, fmt, target, force, lang)
            total = sum(counts.values())
            _output.success(
                ngettext(
                    "Exported {total} row from {tables} tables to {target}",
                    "Exported {total} rows from {tables} tables to {target}",
                    total,
                ).format(total=total, tables=len(counts), target=target)
            )
            return
        data = ex.rows(s, name)
        if fmt == "xlsx":
            target = Path(out or f"custtrack-{name}-{stamp}.xlsx").expanduser()
            ex.check_target(target, force)
            n = ex.write_xlsx([(name, ex.fields(name), data)], target, lang)[name]
        elif out:
            target = Path(out).expanduser()
            ex.check_target(target, force)
            n = ex.write_file(name, data, fmt, target, lang)
        elif fmt == "csv":
            keys = ex.fields(name)
            ex.write_csv(data, keys, sys.stdout, ex.headers(name, keys, lang))
            return
        else:
            ex.write_json(data, sys.stdout)
            return
    _output.success(
        ngettext(
            "Exported {n} row of {table} to {target}", "Exported {n} rows of {table} to {target}", n
        ).format(n=n, table=pgettext("export_table", name), target=target)
    )


def _stamp() -> str:
    from .. import clock

    return clock.now().strftime("%Y%m%d-%H%M%S")


def _write_json_doc(record: dict, out: str | None, force: bool) -> None:
    import json
    import sys
    from pathlib import Path

    from ..io import export as ex

    text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
    if not out:
        sys.stdout.write(text)
        return
    target = Path(out).expanduser()
    ex.check_target(target, force)
    with ex.atomic_file(target) as fh:
        fh.write(text)


db_app = sub_app("db", N_("The database itself: create its tables."), PANEL)


@db_app.command("init")
def db_init() -> None:
    """Create custtrack's tables in a new, empty database, or bring an older one up to date.

    Any command does this the first time it opens a database; `db init` does only that, so that
    a shared PostgreSQL database can be made ready before anyone uses it. Running it again
    changes nothing.

    Examples:

      custtrack --db postgresql+psycopg://shop@db.example.com/customers db init

      CUSTTRACK_DB=postgresql+psycopg://shop@localhost:5432/customers custtrack db init
    """
    from .. import db
    from . import _output

    old, new = db.init()
    where = db.display()
    if old is None:
        done = _("Created the tables of {database} (schema {version})")
    elif old != new:
        done = _("Upgraded {database} from schema {old} to {version}")
    else:
        done = _("{database} is ready (schema {version})")
    _output.success(done.format(database=where, version=new, old=old))


@app.command(rich_help_panel=PANEL)
def backup(
    path: Annotated[
        str | None,
        typer.Argument(
            help=N_(
                "Backup file or folder. Default: custtrack-YYYYmmdd-HHMMSS.db next to the database "
                "(PostgreSQL: custtrack-YYYYmmdd-HHMMSS.dump in the current folder)."
            ),
            show_default=False,
        ),
    ] = None,
) -> None:
    """Copy the database to a backup file (safe while other commands are writing).

    The copy is a consistent snapshot, readable only by you (file mode 0600).
    An existing file is never overwritten.
    On PostgreSQL the backup is made by pg_dump (its custom format, -Fc), which must be
    installed (apt-get install postgresql-client, brew install libpq); a password in the URL
    is passed to it in PGPASSWORD, never on its command line.

    Examples:

      custtrack backup

      custtrack backup ~/Dropbox/custtrack-before-import.db
    """
    from pathlib import Path

    from ..services import maintenance
    from . import _output

    done = maintenance.backup(Path(path).expanduser() if path else None)
    _output.success(
        _("Backed up to {path} ({size})").format(path=done["path"], size=_size(done["bytes"]))
    )


def _size(n: int) -> str:
    size: float = n  # n itself stays the whole number of bytes
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            if unit == "bytes":
                return ngettext("{n} byte", "{n} bytes", n).format(n=n)
            return f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


@app.command(rich_help_panel=PANEL)
def restore(
    path: Annotated[
        str, typer.Argument(help=N_("The backup file to restore."), show_default=False)
    ],
    yes: YesOpt = False,
) -> None:
    """Replace the database with a backup; the current file is kept beside it.

    The backup is checked first: a SQLite file, passes integrity_check, and a custtrack schema
    no newer than this version. If any check fails, nothing is touched.
    An older backup is upgraded to the current schema.
    The replaced database is kept as <database>.replaced-YYYYmmdd-HHMMSS.
    Close other custtrack commands first.
    On PostgreSQL the backup is a file made by `custtrack backup` there (pg_dump); it is
    restored with pg_restore --clean in one transaction, every table's rows are counted
    against the backup's, and the replaced database is kept first as
    custtrack-replaced-YYYYmmdd-HHMMSS.dump beside the backup.

    Examples:

      custtrack restore custtrack-20261120-093000.db

      custtrack restore backup.db --yes
    """
    from pathlib import Path

    from .. import db
    from ..services import maintenance
    from . import _output

    source = Path(path).expanduser()
    cand = maintenance.inspect(source)
    question = ngettext(
        "Replace {database} with {source} ({n} customer)?",
        "Replace {database} with {source} ({n} customers)?",
        cand.customers,
    ).format(database=db.sqlite_path() or db.display(), source=source, n=cand.customers)
    if not yes and not typer.confirm(question, default=False):
        raise typer.Exit(1)
    done = maintenance.restore(source, cand)
    if done["kept"]:
        _output.info(_("The previous database is kept as {path}").format(path=done["kept"]))
    if done["migrated_to"]:
        _output.info(
            _("Upgraded the restored data from schema {old} to {new}").format(
                old=done["revision"], new=done["migrated_to"]
            )
        )
    _output.success(
        ngettext(
            "Restored {source} ({n} customer)",
            "Restored {source} ({n} customers)",
            done["customers"],
        ).format(source=source, n=done["customers"])
    )


@app.command(rich_help_panel=PANEL)
def check(
    quick: Annotated[
        bool,
        typer.Option(
            "--quick", help=N_("SQLite's quick_check: faster on big files, skips indexes.")
        ),
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Check the database: SQLite's integrity and foreign keys, and custtrack's own rules.

    Every contact, purchase, feedback entry, complaint and follow-up belongs to a customer.
    No open follow-up for an archived customer.
    Amounts and campaign costs are not negative; quantities are at least 1.
    CSAT is 1-5 and NPS 0-10.
    Each customer's last-contact time equals their latest contact.
    Resolved complaints have a resolution time; closed follow-ups a closing time.
    Statuses are known; erased customers keep no personal data.

    Exit code 1 when a problem is found.
    JSON: {"ok": true|false, "problems": [{"check", "message", "count", "examples"}]},
    where examples are the ids of up to 10 offending rows.
    CSV: one row per problem with the same fields (examples joined with ";").

    Examples:

      custtrack check

      custtrack check --quick -f json
    """
    import sqlalchemy as sa

    from .. import db
    from ..errors import CusttrackError
    from ..services import maintenance
    from . import _output
    from ._output import Col

    try:
        with db.session() as s:
            problems = maintenance.check(s, quick=quick)
    except sa.exc.DatabaseError as exc:
        raise CusttrackError(
            _("the database {location} cannot be read ({error}); restore a backup").format(
                location=db.location(), error=exc.orig
            )
        ) from None
    rows = [
        {"check": p.check, "message": p.message, "count": p.count, "examples": p.examples}
        for p in problems
    ]
    if fmt == "json":
        _output.write_json({"ok": not problems, "problems": rows})
    elif fmt == "csv":  # one row per problem; only the header when all is well
        _output.write_csv(rows, ["check", "message", "count", "examples"])
    elif problems:
        for r, p in zip(rows, problems, strict=True):
            r["text"] = p.text[:1].upper() + p.text[1:]  # the message in the interface language
        cols = [Col("text", _("Problem"), style="red"), Col("count", _("Rows"), "right"),
                Col("examples", _("Ids (first 10)")), Col("check", _("Check"))]  # fmt: skip
        _output.table(rows, cols, title=_("Problems found"))
    else:
        _output.success(_("All checks passed"))
    if problems:
        raise typer.Exit(1)


def _count(n: int, table: str) -> str:
    if table == "interactions":
        text = ngettext("{n} contact", "{n} contacts", n)
    elif table == "purchases":
        text = ngettext("{n} purchase", "{n} purchases", n)
    elif table == "feedback":
        text = ngettext("{n} feedback entry", "{n} feedback entries", n)
    elif table == "complaints":
        text = ngettext("{n} complaint", "{n} complaints", n)
    elif table == "followups":
        text = ngettext("{n} follow-up", "{n} follow-ups", n)
    else:
        return f"{n} {table}"
    return text.format(n=n)


@app.command(rich_help_panel=PANEL)
def forget(
    customer: CustomerArg,
    purge: Annotated[
        bool,
        typer.Option("--purge", help=N_("Delete their records entirely instead of anonymising.")),
    ] = False,
    include_backups: Annotated[
        bool,
        typer.Option(
            "--include-backups",
            help=N_(
                "Erase them from custtrack's backups next to the database as well (custtrack-"
                "YYYYmmdd-HHMMSS.db and the .replaced-* files restore keeps), in place."
            ),
        ),
    ] = False,
    yes: YesOpt = False,
) -> None:
    """Erase a customer on request (the right to be forgotten); asks first.

    Erased: the name (it becomes "Erased customer #ID"), phone, e-mail, WeChat, company,
    address, city, birthday, gender, notes and external id; and the free text about them
    everywhere: contact summaries and outcomes, feedback text, complaint text and resolutions,
    follow-up notes, refund notes, merge snapshots. Their tags are removed, open follow-ups
    cancelled, and the customer archived.
    Kept, anonymously: amounts, products, scores and dates, so totals still add up.
    --purge deletes the customer and all their records instead.

    A salted hash of the phone and e-mail is kept, so importing the same person again is
    flagged. The file is then compacted, so the erased text cannot be recovered from it.
    For a customer already erased, forget only compacts the file again (useful if another
    program had it open the first time).

    Backups made before still hold the person: forget lists custtrack's backups that do
    (custtrack-YYYYmmdd-HHMMSS.db next to the database, the .replaced-* files restore keeps).
    --include-backups erases them there too, in place, with the same code. PostgreSQL dumps
    (.dump) cannot be changed: they are listed, to delete when no longer needed.

    Examples:

      custtrack forget "Wang Fang"

      custtrack forget 12 --purge --yes

      custtrack forget 12 --include-backups
    """
    from .. import db
    from ..services import customers, erase, maintenance
    from . import _output

    with db.session() as s:
        c = customers.resolve(s, customer)
        assert c.id is not None  # a stored customer
        cid, label, erased_at = c.id, customers.describe(c), c.erased_at
    on_server = db.is_postgresql()
    if erased_at is not None and not purge:
        maintenance.scrub(db.engine())  # nothing left to erase; make sure no trace is left
        if on_server:
            again = _(
                "Customer #{id} was already erased on {date}; the tables were compacted again "
                "(add --purge to delete their anonymous records too)"
            )
        else:
            again = _(
                "Customer #{id} was already erased on {date}; the file was compacted again "
                "(add --purge to delete their anonymous records too)"
            )
        _output.success(again.format(id=cid, date=_output.human(erased_at)[:10]))
        _forget_in_backups(cid, purge, include_backups)
        return
    if purge:
        question = _("Delete {label}? This cannot be undone.").format(label=label)
    else:
        question = _("Erase the personal data of {label}? This cannot be undone.").format(
            label=label
        )
    if not yes and not typer.confirm(question, default=False):
        raise typer.Exit(1)
    with db.session(write=True) as s:
        c = customers.resolve(s, f"#{cid}")
        counts = erase.forget(s, c, purge=purge)
    if on_server:
        _output.info(
            _(
                "Rewriting the tables on the server (VACUUM FULL), so the erased data cannot be "
                "recovered from them…"
            )
        )
    else:
        _output.info(
            _("Compacting the database file, so the erased data cannot be recovered from it…")
        )
    scrubbed = maintenance.scrub(db.engine())
    kept = pgettext("list", ", ").join(_count(n, k) for k, n in counts.items() if n)
    if purge and kept:
        done = _("Deleted customer #{id} and {records}").format(id=cid, records=kept)
    elif purge:
        done = _("Deleted customer #{id}").format(id=cid)
    elif kept:
        done = _("Erased customer #{id}; kept anonymously: {records}").format(id=cid, records=kept)
    else:
        done = _("Erased customer #{id}").format(id=cid)
    _output.success(done)
    if on_server and not scrubbed["vacuumed"]:
        _output.warn(
            _(
                "the old versions of the erased rows are still in the server's table files "
                "(other sessions were using or still reading the tables, or you do not own "
                "them); run `custtrack forget {id}` again later, or have the database owner run "
                "VACUUM FULL"
            ).format(id=cid)
        )
    elif not scrubbed["vacuumed"] or not scrubbed["wal_truncated"]:
        _output.warn(
            _(
                "another program has the database open, so the file could not be fully "
                "compacted; close it and run `custtrack forget {id}` again to finish"
            ).format(id=cid)
        )
    _forget_in_backups(cid, purge, include_backups)


def _forget_in_backups(cid: int, purge: bool, include: bool) -> None:
    """The backups that still hold customer #cid: erased there too (--include-backups), or
    listed with how to (issue 17.13)."""
    from pathlib import Path

    from .. import db
    from ..services import erase
    from . import _output

    folders = (Path.cwd(),) if db.is_postgresql() else ()
    held = erase.backups_holding(cid, db.sqlite_path(), folders, purge)
    if not held:
        return
    dumps = [h.path for h in held if h.kind == "dump"]
    files = [h.path for h in held if h.kind == "sqlite"]
    if include:
        for path in files:
            done = erase.scrub_backup(path, cid, purge)
            _output.success(_("Erased customer #{id} from the backup {path}").format(
                id=cid, path=path))  # fmt: skip
            if not done["vacuumed"]:
                _output.warn(_("{path} could not be compacted; run the command again").format(
                    path=path))  # fmt: skip
    else:
        _output.info(
            ngettext(
                "{n} backup still holds customer #{id}:",
                "{n} backups still hold customer #{id}:",
                len(files),
            ).format(n=len(files), id=cid)
            if files
            else _("PostgreSQL dumps may still hold customer #{id}:").format(id=cid)
        )
        for path in files:
            _output.info(f"  {_output.esc(str(path))}")
    for path in dumps:
        _output.info(f"  {_output.esc(str(path))}")
    if dumps:
        _output.warn(
            _(
                "a PostgreSQL dump (.dump) cannot be changed, only deleted: delete the ones "
                "listed when they are no longer needed"
            )
        )
    if files and not include:
        _output.info(
            _(
                "Erase them there too with `custtrack forget {id} --include-backups`, or "
                "delete them"
            ).format(id=cid)
        )
