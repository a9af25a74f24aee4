"""Moving in: import customers, purchases, contacts and feedback; import batches; duplicates and
merging."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..i18n import C_, N_
from ._app import app, sub_app
from ._options import CustomerArg, FormatOpt, ImportFormatOpt, LimitOpt, YesOpt

PANEL = N_("Data")

# Rich keeps single newlines in help text, so each paragraph is one line of the string.
IMPORT_HELP = N_(
    "Import customers, purchases, contacts, feedback, follow-ups or complaints, or a whole "
    "customer tracking sheet "
    "(客户追踪表: customers with their contacts, follow-ups and purchases), from the files people "
    "keep.\n\n"
    "Files: .xlsx, .xlsm, .xls (Excel 97–2003, as WPS writes), .ods; CSV or TSV with any "
    "delimiter in UTF-8, UTF-16, GBK/GB18030 or Big5; a JSON array of objects or JSON Lines. "
    "In a workbook the sheet that looks most like a table is read (or --sheet NAME|N).\n\n"
    "[bold]The sheet as it is[/]: the header row is found by its content below titles and notes "
    "(or --header-row N), a group row above it (客户信息 / 跟进情况) is read with it, merged cells "
    "are filled in, and rows that are not records (合计, 小计, 制表人, 审核 …) are skipped and "
    "listed. Columns are recognised from common English and Chinese headers (姓名, 电话, 金额, "
    '购买日期 …); name others with --map "Column=field". The mapping used is printed.\n\n'
    "[bold]All or nothing[/]: every row is checked with the same rules as the other commands; one "
    "bad row and nothing is written, and every bad row is listed (row, column, value, reason). "
    "--skip-bad FILE imports the good rows and writes the bad ones, with a reason column, to FILE. "
    "--dry-run shows what would happen and writes nothing.\n\n"
    "[bold]Re-importing is safe[/]: customers are matched on external id, then phone, then e-mail "
    "(customers merged away lead to the one they were merged into). Purchases with an order "
    "reference are matched on it. Purchases without one, contacts and feedback are matched on "
    "their content (customer, time, amount, currency and product / channel and summary / scores "
    "and text), counted: a line is new unless a stored row with the same content is still "
    "unclaimed. So two identical lines in one file are two purchases, and importing the same file "
    "again adds nothing (nor does a file with new lines appended, apart from those).\n\n"
    "Each import is a batch: `import list` shows them, `import undo BATCH` removes what one added."
)

imp = sub_app("import", IMPORT_HELP, PANEL)

FileArg = Annotated[
    str,
    typer.Argument(help=N_("Spreadsheet (.xlsx, .xls, .ods), CSV/TSV, JSON or JSON Lines file; "
                           "- reads standard input (a pipe)."), show_default=False),
]  # fmt: skip
MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map", "-m", help=N_('Column to field, e.g. "手机=phone" (repeatable; "Col=-" ignores).')
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help=N_("Show what would happen; write nothing."))
]
SkipBadOpt = Annotated[
    str | None,
    typer.Option("--skip-bad", metavar="REJECTS.csv",
                 help=N_("Import the good rows; write the bad ones to this CSV file.")),
]  # fmt: skip
EncodingOpt = Annotated[
    str | None, typer.Option("--encoding", help=N_("Text encoding (default: detected)."))
]
SheetOpt = Annotated[
    str | None,
    typer.Option("--sheet", help=N_("Worksheet by name or number (default: the one that looks most "
                 "like a table)."), metavar="NAME|N"),
]  # fmt: skip
HeaderRowOpt = Annotated[
    int | None,
    typer.Option("--header-row", min=1, metavar="N",
                 help=N_("The row that holds the column names (default: found by its content).")),
]  # fmt: skip
CreateOpt = Annotated[
    bool,
    typer.Option(
        "--create-customers/--no-create-customers",
        help=N_("Create customers the file names but we do not know (else such rows are bad)."),
    ),
]
ReportFmt = ImportFormatOpt
UpdateOpt = Annotated[
    bool, typer.Option("--update/--no-update", help=N_("Update customers already stored."))
]
CurrencyOpt = Annotated[
    str | None, typer.Option(help=N_("Currency of amounts without a currency column."))
]

# What people see for the kinds of import and a batch's status in `import list` (stored English).
_LABELS = (
    C_("import_kind", "customers"), C_("import_kind", "purchases"),
    C_("import_kind", "interactions"), C_("import_kind", "feedback"),
    C_("import_kind", "followups"), C_("import_kind", "complaints"), C_("import_kind", "sheet"),
    C_("import_status", "imported"), C_("import_status", "undone"),
    C_("import_kind", "contact_points"),
)  # fmt: skip


# Customer fields as people read them (merge's "filled in", an import's bad rows); the keys are
# what --map, `edit` and the JSON use.
_FIELDS = (
    C_("field", "number"), C_("field", "name"), C_("field", "phone"), C_("field", "email"),
    C_("field", "wechat"), C_("field", "company"), C_("field", "address"), C_("field", "city"),
    C_("field", "birthday"), C_("field", "lunar_birthday"), C_("field", "gender"),
    C_("field", "source"), C_("field", "owner"),
    C_("field", "price_sensitivity"), C_("field", "notes"), C_("field", "external_id"),
    C_("field", "lost_reason"), C_("field", "lost_note"), C_("field", "lost_at"),
)  # fmt: skip


def _run(kind: str, file: str, map_: list[str] | None, dry_run: bool, skip_bad: str | None,
         fmt: str, read: tuple[str | None, str | None, int | None], **kw: Any) -> None:  # fmt: skip
    """read: (encoding, sheet, header row) as given. FILE "-" is standard input."""
    if file != "-":
        return _import_file(kind, file, map_, dry_run, skip_bad, fmt, read, **kw)
    import tempfile

    from ..io.formats import spool_stdin

    with tempfile.TemporaryDirectory(prefix="custtrack-stdin-") as folder:
        path = spool_stdin(folder)
        return _import_file(kind, str(path), map_, dry_run, skip_bad, fmt, read, **kw)


def _import_file(kind: str, file: str, map_: list[str] | None, dry_run: bool,
                 skip_bad: str | None, fmt: str, read: tuple[str | None, str | None, int | None],
                 **kw: Any) -> None:  # fmt: skip
    from pathlib import Path

    from .. import db
    from ..errors import CusttrackError, UsageError
    from ..i18n import _, ngettext
    from ..io.mapping import auto_map, describe
    from ..io.table import open_table
    from ..services import imports

    rejects = Path(skip_bad).expanduser() if skip_bad else None
    if rejects is not None:
        if rejects.resolve() == Path(file).expanduser().resolve():
            raise UsageError(_("--skip-bad must name a new file, not the file being imported"))
        if not rejects.parent.is_dir():
            raise UsageError(
                _("--skip-bad {file}: no such folder {folder}").format(
                    file=skip_bad, folder=rejects.parent
                )
            )
    table = open_table(file, kind, *read)
    src = table.source
    failed: CusttrackError | None = None
    try:
        mapping = auto_map(kind, table.headers, map_, table.groups, table.sample)
        sha = imports.file_sha256(src.path)
        with _progress(src) as tick:
            try:
                with db.session(write=True, create=True) as s:
                    report = imports.import_rows(
                        s, kind, source=src.path.name, file_format=src.describe(), sha256=sha,
                        headers=table.headers, mapping=mapping, rows=table.rows, dry_run=dry_run,
                        skip_bad=rejects is not None, strict_width=src.fmt == "csv",
                        sheet=src.sheet, sample=table.sample, progress=tick, **kw,
                    )  # fmt: skip
            except imports.DryRun as signal:
                report = signal.report
            except imports.ImportFailed as exc:
                report, failed = exc.report, exc
    finally:
        src.close()
    report.other_sheets = [n for n in src.sheets if n != src.sheet]
    report.header, report.not_records, report.blank_rows = table.where(), table.skipped, table.blank
    if rejects is not None and report.rejected:
        _write_rejects(rejects, table.headers, report.rejected, src.spreadsheet)
    # what the report says in English (JSON), as people read it
    shown = {
        "format": src.describe(shown=True),
        "header": table.where(shown=True),
        "ignored": describe(table.headers, mapping, shown=True)[1],
    }
    _render(report, fmt, rejects, src.spreadsheet, shown)
    if failed is not None:
        raise failed
    if dry_run and report.rejected and rejects is None:
        n = len(report.rejected)
        raise CusttrackError(
            ngettext(
                "{n} bad row: the import would fail as it stands",
                "{n} bad rows: the import would fail as it stands",
                n,
            ).format(n=n)
        )


def _row(n: int, sheet: bool) -> str:
    """'row 17' in a spreadsheet, 'line 17' in a text file."""
    from ..i18n import _

    return (_("row {n}") if sheet else _("line {n}")).format(n=n)


def _list(items: list[str]) -> str:
    """Items joined with ', ' (，in Chinese)."""
    from ..i18n import pgettext

    return pgettext("list", ", ").join(items)


class _NoProgress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(src: Any) -> Any:
    """A progress bar on stderr for big files, only when stderr is a terminal."""
    import sys
    from contextlib import contextmanager

    big = src.total > (512 * 1024 if src.fmt in ("csv", "jsonl") else 5000)
    if not (big and sys.stderr.isatty()):
        return _NoProgress()

    @contextmanager
    def bar():  # noqa: ANN202
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        from ..i18n import _
        from ._output import console

        with Progress(
            TextColumn(_("importing {file}").format(file=src.path.name)), BarColumn(),
            TimeRemainingColumn(), console=console(stderr=True), transient=True,
        ) as progress:  # fmt: skip
            task = progress.add_task("import", total=src.total)
            yield lambda: progress.update(task, completed=src.done())

    return bar()


def _write_rejects(
    path: Any, headers: list[str], rejected: list[tuple[int, list, str]], sheet: bool
) -> None:
    import csv

    from ._output import plain

    # utf-8-sig so that Excel shows Chinese text correctly when the file is opened
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow([*headers, "row" if sheet else "line", "reason"])
        for line, values, reason in rejected:
            cells = ["" if v is None else plain(v) for v in values]
            cells += [""] * (len(headers) - len(cells))
            w.writerow([*cells[: len(headers)], line, reason])


def _render(report: Any, fmt: str, rejects: Any, sheet: bool, shown: dict[str, Any]) -> None:
    """shown: the file's format, where its header is and the ignored columns, as people read
    them (the report keeps them in English for JSON)."""
    from ..i18n import _, ngettext
    from . import _output
    from ._output import Col

    if fmt == "json":
        _output.write_json(report.summary())
        return
    _output.info(_("Reading {file} ({format})").format(file=report.source, format=shown["format"]))
    if report.other_sheets:
        _output.info(
            _("Other sheets: {sheets} (read one with --sheet)").format(
                sheets=_list(report.other_sheets)
            )
        )
    if shown["header"]:
        _output.info(_("Header: {where}").format(where=shown["header"]))
    _output.info(_("Columns: {columns}").format(columns=_list(report.mapping)))
    if report.ignored:
        _output.info(_("Ignored columns: {columns}").format(columns=_list(shown["ignored"])))
    if report.phone_region:
        _output.info(
            _(
                "Phones without a country code read as {region} numbers (that is what they look "
                "like); to say so for good: custtrack config set phone_region {region}"
            ).format(region=report.phone_region)
        )
    if report.currency_guess:
        _output.info(
            _(
                "Amounts read as {currency}, as they say (no currency is set); to set it for "
                "good: custtrack config set currency {currency}"
            ).format(currency=report.currency_guess)
        )
    if report.same_file:
        ids = ", ".join(str(i) for i in report.same_file)
        _output.info(
            _(
                "This file was imported before (batch {ids}); rows already stored are skipped."
            ).format(ids=ids)
        )
    cols = [
        Col("line", _("Row") if sheet else _("Line"), "right"),
        Col("column", _("Column")),
        Col("value", _("Value"), max_width=40),
        Col("reason", _("Reason")),
    ]
    if report.errors:
        shown_errors = report.errors[:500]
        more = len(report.errors) - 500
        caption = _("{n} more not shown").format(n=more) if more > 0 else None
        title = (
            _("Bad rows (sheet {sheet})").format(sheet=report.sheet)
            if report.sheet
            else _("Bad rows")
        )
        _output.table([vars(e) for e in shown_errors], cols, title=title, caption=caption)
    if report.flagged:
        title = (
            _("Flagged (not imported) (sheet {sheet})").format(sheet=report.sheet)
            if report.sheet
            else _("Flagged (not imported)")
        )
        _output.table([vars(e) for e in report.flagged], cols, title=title)
    counts = _counts(report)
    skipped = _not_records(report, sheet)
    if skipped:
        counts = _("{counts}; skipped: {skipped}").format(counts=counts, skipped=skipped)
    failed = not report.dry_run and report.rejected and rejects is None
    if report.dry_run:
        _output.info(_("Dry run, nothing written: would have {counts}").format(counts=counts))
    elif failed:
        _output.info(
            ngettext(
                "Nothing imported. Checked {n} row.", "Nothing imported. Checked {n} rows.",
                report.rows,
            ).format(n=report.rows)
        )  # fmt: skip
    else:
        _output.success(
            _("Imported batch {batch}: {counts}").format(batch=report.batch_id, counts=counts)
        )
    n = report.placeholder_names
    if n and not failed:  # nobody was created when nothing was imported
        if report.dry_run:
            text = ngettext(
                "{n} new customer has no name in the file: they would be called 'Customer <id>' "
                "(rename them with `custtrack edit`)",
                "{n} new customers have no name in the file: they would be called 'Customer "
                "<id>' (rename them with `custtrack edit`)",
                n,
            )
        else:
            text = ngettext(
                "{n} new customer has no name in the file: they are called 'Customer <id>' "
                "(rename them with `custtrack edit`)",
                "{n} new customers have no name in the file: they are called 'Customer <id>' "
                "(rename them with `custtrack edit`)",
                n,
            )
        _output.info("  " + text.format(n=n))
    if rejects is not None and report.rejected:
        _output.info("  " + _("bad rows written to {file}").format(file=rejects))


def _counts(report: Any) -> str:
    """'3 purchases added, 0 updated, 1 skipped (…)'; for a tracking sheet, per part:
    '12 customers (12 new), 12 contacts, 3 follow-ups, 0 purchases'."""
    from ..i18n import _, ngettext

    if not report.parts:
        things = _records(report.kind, report.added)
        what = (_("{things} to add") if report.dry_run else _("{things} added")).format(
            things=things
        )
        counts = _(
            "{what}, {updated} updated, {skipped} skipped ({unchanged} already there, {bad} bad, "
            "{flagged} flagged)"
        ).format(
            what=what, updated=report.updated, skipped=report.skipped, unchanged=report.unchanged,
            bad=len(report.rejected), flagged=len(report.flagged),
        )  # fmt: skip
        if report.customers_created:
            n = report.customers_created
            new = ngettext("{n} new customer", "{n} new customers", n).format(n=n)
            counts = _("{counts}; {more}").format(counts=counts, more=new)
        return counts
    c = report.parts["customers"]
    if c["updated"]:
        new = _("{added} new, {updated} updated").format(added=c["added"], updated=c["updated"])
    else:
        new = _("{added} new").format(added=c["added"])
    total = c["added"] + c["updated"] + c["unchanged"]
    bits = [
        ngettext("{n} customer ({detail})", "{n} customers ({detail})", total).format(
            n=total, detail=new
        )
    ]
    for part, what in (("contacts", "contacts"), ("followups", "follow-ups"),
                       ("purchases", "purchases")):  # fmt: skip
        n = report.parts[part]
        things = _records(what, n["added"])
        if n["unchanged"]:
            things = _("{things} ({n} already there)").format(things=things, n=n["unchanged"])
        bits.append(things)
    counts = _list(bits)
    if report.rejected or report.flagged:
        bad = len(report.rejected)
        more = ngettext(
            "{n} bad row, {flagged} flagged", "{n} bad rows, {flagged} flagged", bad
        ).format(n=bad, flagged=len(report.flagged))
        counts = _("{counts}; {more}").format(counts=counts, more=more)
    return counts


def _records(kind: str, n: int) -> str:
    """'3 purchases', '1 contact': a count of one kind of record, as an import reports it."""
    from ..i18n import ngettext

    forms = {
        "customers": ngettext("{n} customer", "{n} customers", n),
        "purchases": ngettext("{n} purchase", "{n} purchases", n),
        "interactions": ngettext("{n} contact", "{n} contacts", n),
        "contacts": ngettext("{n} contact", "{n} contacts", n),  # a tracking sheet's parts
        "feedback": ngettext("{n} feedback", "{n} feedback", n),
        "followups": ngettext("{n} followup", "{n} followups", n),
        "follow-ups": ngettext("{n} follow-up", "{n} follow-ups", n),
        "complaints": ngettext("{n} complaint", "{n} complaints", n),
        "persons": ngettext("{n} contact person", "{n} contact persons", n),  # issue 15
        "points": ngettext("{n} points row", "{n} points rows", n),
        "contact_points": ngettext("{n} contact point", "{n} contact points", n),  # issue 17.8
    }
    return forms[kind].format(n=n)


def _stored(table: str, n: int) -> str:
    """'2 purchases', '1 interaction': rows of a table that an undo removed or a merge moved."""
    from ..i18n import ngettext

    forms = {
        "customers": ngettext("{n} customer", "{n} customers", n),
        "interactions": ngettext("{n} interaction", "{n} interactions", n),
        "purchases": ngettext("{n} purchase", "{n} purchases", n),
        "feedback": ngettext("{n} feedback", "{n} feedback", n),
        "complaints": ngettext("{n} complaint", "{n} complaints", n),
        "followups": ngettext("{n} followup", "{n} followups", n),
        "tags": ngettext("{n} tag", "{n} tags", n),
        "contact_persons": ngettext("{n} contact person", "{n} contact persons", n),  # issue 15
        "points_ledger": ngettext("{n} points row", "{n} points rows", n),
        "contact_points": ngettext("{n} contact point", "{n} contact points", n),  # issue 17.8
    }
    return forms[table].format(n=n)


def _not_records(report: Any, sheet: bool) -> str:
    """'row 17 合计, row 18 制表人：张三; 2 blank rows' (the first ten rows named)."""
    from ..i18n import _, ngettext
    from ..io.table import shown_skipped

    bits = [f"{_row(n, sheet)} {shown_skipped(text)}" for n, text in report.not_records[:10]]
    if len(report.not_records) > 10:
        bits.append(_("{n} more").format(n=len(report.not_records) - 10))
    text = _list(bits)
    if report.blank_rows:
        n = report.blank_rows
        if sheet:
            blank = ngettext("{n} blank row", "{n} blank rows", n).format(n=n)
        else:
            blank = ngettext("{n} blank line", "{n} blank lines", n).format(n=n)
        text = _("{counts}; {more}").format(counts=text, more=blank) if text else blank
    return text


@imp.command(
    "customers",
    help=N_(
        "Import customers: new ones are added, known ones (same external id, phone or "
        "e-mail) updated with the file's non-empty values.\n\n"
        "Fields: name, phone, email, wechat, company, address, city, birthday, gender, "
        "source, owner, price_sensitivity, notes, external_id, tags (separated by commas "
        "or spaces).\n\n"
        "JSON report fields: kind, source, format, dry_run, batch, rows, added, updated, "
        "skipped (unchanged + rejected + flagged), unchanged, rejected, flagged, "
        "customers_created, placeholder_names, mapping, ignored, errors [{line, column, "
        "value, reason}], flagged_rows.\n\n"
        "Example: custtrack import customers 客户.xlsx --dry-run"
    ),
)
def import_customers(
    file: FileArg,
    map_: MapOpt = None,
    dry_run: DryRunOpt = False,
    skip_bad: SkipBadOpt = None,
    update: UpdateOpt = True,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    fmt: ReportFmt = "table",
) -> None:
    _run("customers", file, map_, dry_run, skip_bad, fmt, (encoding, sheet, header_row),
         update=update)  # fmt: skip


@imp.command(
    "purchases",
    help=N_(
        "Import purchases. A date without a time is stored as noon local time.\n\n"
        "Fields: the customer by external_id (customer_id, 客户编号), phone, email or "
        "name (if unique); unknown customers are created (named 'Customer <id>' without a "
        "name column) unless --no-create-customers; at (date, 日期, 购买日期), amount "
        "(金额), qty (quantity, 数量), product, category, order_ref (订单号), currency "
        "(default from config), cost (成本), note (备注). A row with refund_of (退款原单) is a "
        "refund of that purchase: the file's line with that id (as `export purchases` writes "
        "it), else the book's purchase with that id; its amount may have either sign.\n\n"
        "JSON report fields: kind, source, format, dry_run, batch, rows, added, updated, "
        "skipped (unchanged + rejected + flagged), unchanged, rejected, flagged, "
        "customers_created, placeholder_names, mapping, ignored, errors [{line, column, "
        "value, reason}], flagged_rows.\n\n"
        "Example: custtrack import purchases orders.csv --map 'Total paid=amount'"
    ),
)
def import_purchases(
    file: FileArg,
    map_: MapOpt = None,
    dry_run: DryRunOpt = False,
    skip_bad: SkipBadOpt = None,
    create_customers: CreateOpt = True,
    currency: CurrencyOpt = None,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    fmt: ReportFmt = "table",
) -> None:
    _run("purchases", file, map_, dry_run, skip_bad, fmt, (encoding, sheet, header_row),
         create_customers=create_customers, currency=currency)  # fmt: skip


@imp.command(
    "interactions",
    help=N_(
        "Import contacts (calls, visits, messages …); customers' last-contact time is "
        "kept up to date.\n\n"
        "Fields: the customer by external_id (customer_id, 客户编号), phone, email or "
        "name (if unique); unknown customers are created (named 'Customer <id>' without a "
        "name column) unless --no-create-customers; at (date), channel (default other), "
        "summary, outcome, owner.\n\n"
        "JSON report fields: kind, source, format, dry_run, batch, rows, added, updated, "
        "skipped (unchanged + rejected + flagged), unchanged, rejected, flagged, "
        "customers_created, placeholder_names, mapping, ignored, errors [{line, column, "
        "value, reason}], flagged_rows.\n\n"
        "Example: custtrack import interactions calls.csv"
    ),
)
def import_interactions(
    file: FileArg,
    map_: MapOpt = None,
    dry_run: DryRunOpt = False,
    skip_bad: SkipBadOpt = None,
    create_customers: CreateOpt = True,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    fmt: ReportFmt = "table",
) -> None:
    _run("interactions", file, map_, dry_run, skip_bad, fmt, (encoding, sheet, header_row),
         create_customers=create_customers)  # fmt: skip


@imp.command(
    "feedback",
    help=N_(
        "Import feedback: scores and comments.\n\n"
        "Fields: the customer by external_id (customer_id, 客户编号), phone, email or "
        "name (if unique); unknown customers are created (named 'Customer <id>' without a "
        "name column) unless --no-create-customers; at (date), csat (1–5), nps (0–10), "
        "text, channel.\n\n"
        "JSON report fields: kind, source, format, dry_run, batch, rows, added, updated, "
        "skipped (unchanged + rejected + flagged), unchanged, rejected, flagged, "
        "customers_created, placeholder_names, mapping, ignored, errors [{line, column, "
        "value, reason}], flagged_rows.\n\n"
        "Example: custtrack import feedback survey.xlsx"
    ),
)
def import_feedback(
    file: FileArg,
    map_: MapOpt = None,
    dry_run: DryRunOpt = False,
    skip_bad: SkipBadOpt = None,
    create_customers: CreateOpt = True,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    fmt: ReportFmt = "table",
) -> None:
    _run("feedback", file, map_, dry_run, skip_bad, fmt, (encoding, sheet, header_row),
         create_customers=create_customers)  # fmt: skip


@imp.command(
    "followups",
    help=N_(
        "Import follow-ups (planned contacts), open or done; a date may be in the future. "
        "Matched on customer, day, time, note and origin, whatever their status.\n\n"
        "Fields: the customer by external_id (customer_id, 客户编号), phone, email or "
        "name (if unique); unknown customers are created (named 'Customer <id>' without a "
        "name column) unless --no-create-customers; due_date (日期, 下次跟进日期), "
        "due_time, channel, note (内容), owner, status (open, done, cancelled; 待跟进, "
        "已完成 …), origin, priority, snoozed_until, created_at, closed_at.\n\n"
        "JSON report fields: kind, source, format, dry_run, batch, rows, added, updated, "
        "skipped (unchanged + rejected + flagged), unchanged, rejected, flagged, "
        "customers_created, placeholder_names, mapping, ignored, errors [{line, column, "
        "value, reason}], flagged_rows.\n\n"
        "Example: custtrack import followups calls-to-make.xlsx"
    ),
)
def import_followups(
    file: FileArg,
    map_: MapOpt = None,
    dry_run: DryRunOpt = False,
    skip_bad: SkipBadOpt = None,
    create_customers: CreateOpt = True,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    fmt: ReportFmt = "table",
) -> None:
    _run("followups", file, map_, dry_run, skip_bad, fmt, (encoding, sheet, header_row),
         create_customers=create_customers)  # fmt: skip


@imp.command(
    "complaints",
    help=N_(
        "Import complaints, open or resolved (a resolution or a time resolved says "
        "resolved). Matched on customer, time opened, category and text.\n\n"
        "Fields: the customer by external_id (customer_id, 客户编号), phone, email or "
        "name (if unique); unknown customers are created (named 'Customer <id>' without a "
        "name column) unless --no-create-customers; opened_at (投诉日期), category "
        "(price, quality, service, delivery, other; 价格, 质量, 服务, 物流 …), priority, "
        "text (投诉内容), assignee (处理人), status, resolution (处理结果), resolved_at.\n\n"
        "JSON report fields: kind, source, format, dry_run, batch, rows, added, updated, "
        "skipped (unchanged + rejected + flagged), unchanged, rejected, flagged, "
        "customers_created, placeholder_names, mapping, ignored, errors [{line, column, "
        "value, reason}], flagged_rows.\n\n"
        "Example: custtrack import complaints 投诉登记.xlsx"
    ),
)
def import_complaints(
    file: FileArg,
    map_: MapOpt = None,
    dry_run: DryRunOpt = False,
    skip_bad: SkipBadOpt = None,
    create_customers: CreateOpt = True,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    fmt: ReportFmt = "table",
) -> None:
    _run("complaints", file, map_, dry_run, skip_bad, fmt, (encoding, sheet, header_row),
         create_customers=create_customers)  # fmt: skip


@imp.command(
    "sheet",
    help=N_(
        "Import a customer tracking sheet (客户追踪表): each row creates or matches a "
        "customer (by customer id, phone, e-mail, or a name nobody else has), and adds "
        "their contact, the follow-up planned and a purchase where those columns are "
        "filled. A contact settles the customer's open follow-ups due by its day, as "
        "`log` does.\n\n"
        "Fields: the customer's fields (as `import customers`: 姓名, 电话, 微信, 地址 …); "
        "the contact: contact_at (跟进日期, 最近联系时间), channel (跟进方式: 电话, 微信, "
        "拜访 …), summary (跟进内容), outcome (跟进结果); the follow-up: next_at "
        "(下次跟进时间), next_note (下次跟进内容); the purchase: bought_at (购买日期; "
        "else the contact's day), amount (金额), qty, product, category, order_ref, "
        "currency. Under a group header (跟进情况 / 日期) the group decides which part a "
        "column is.\n\n"
        "JSON report fields: kind, source, format, dry_run, batch, rows, added, updated, "
        "skipped (unchanged + rejected + flagged), unchanged, rejected, flagged, "
        "customers_created, placeholder_names, mapping, ignored, errors [{line, column, "
        "value, reason}], flagged_rows.\n\n"
        "Example: custtrack import sheet 客户追踪表.xlsx --dry-run"
    ),
)
def import_sheet(
    file: FileArg,
    map_: MapOpt = None,
    dry_run: DryRunOpt = False,
    skip_bad: SkipBadOpt = None,
    update: UpdateOpt = True,
    currency: CurrencyOpt = None,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    fmt: ReportFmt = "table",
) -> None:
    _run("sheet", file, map_, dry_run, skip_bad, fmt, (encoding, sheet, header_row),
         update=update, currency=currency)  # fmt: skip


_CONTACT_POINTS_HELP = N_(
    "Import a customer's other phones, e-mails and WeChat handles (custtrack export's "
    "contact_points, or a shop's own list); `show` lists them and the customer is found by any "
    "of them.\n\n"
    "Fields: the customer by external_id (customer_id, 客户编号), phone, email or name (if "
    "unique); unknown customers are created unless --no-create-customers; kind (phone, email, "
    "wechat; 电话, 邮箱, 微信), value (联系方式: a phone is stored in E.164, an e-mail is "
    "checked), source (default import), created_at. A value the customer already has is left "
    "as it is.\n\n"
    "JSON report fields: as `import customers`.\n\n"
    "Example: custtrack import contact_points contact_points.csv"
)


@imp.command("contact_points", help=_CONTACT_POINTS_HELP)
@imp.command("contact-points", help=_CONTACT_POINTS_HELP, hidden=True)
def import_contact_points(
    file: FileArg,
    map_: MapOpt = None,
    dry_run: DryRunOpt = False,
    skip_bad: SkipBadOpt = None,
    create_customers: CreateOpt = True,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    fmt: ReportFmt = "table",
) -> None:
    _run("contact_points", file, map_, dry_run, skip_bad, fmt, (encoding, sheet, header_row),
         create_customers=create_customers)  # fmt: skip


@imp.command("list")
def import_list(limit: LimitOpt = 0, fmt: FormatOpt = "table") -> None:
    """List import batches, newest first.

    JSON fields: id, kind, source, file_sha256, rows_added, rows_updated, rows_skipped,
    started_at, finished_at, undone_at, status (imported or undone).
    """
    from .. import db
    from ..i18n import _
    from ..services import imports
    from ..vocab import label
    from . import _output
    from ._output import Col

    with db.session() as s:
        rows = imports.list_batches(s, limit)
    if fmt == "table":
        rows = [
            {**r, "kind": label("import_kind", r["kind"]),
             "status": label("import_status", r["status"])}
            for r in rows
        ]  # fmt: skip
    cols = [
        Col("id", _("Batch"), "right"), Col("kind", _("Kind")),
        Col("source", _("File"), max_width=40), Col("started_at", _("Imported")),
        Col("rows_added", _("Added"), "right"), Col("rows_updated", _("Updated"), "right"),
        Col("rows_skipped", _("Skipped"), "right"), Col("status", _("Status")),
    ]  # fmt: skip
    _output.emit(rows, cols, fmt, title=_("Imports"), empty=_("No imports yet."))


@imp.command("undo")
def import_undo(
    batch: Annotated[int, typer.Argument(help=N_("Batch number (see `import list`)."))],
    yes: YesOpt = False,
) -> None:
    """Remove exactly the rows one import added (updates it made to customers stay).

    Refused when customers it added have since got other records (undo the later batch first).
    """
    from .. import db
    from ..errors import NotFound
    from ..i18n import _, ngettext
    from ..models import ImportBatch
    from ..services import imports
    from ..vocab import label as vocab_label
    from . import _output

    with db.session() as s:
        found = s.get(ImportBatch, batch)
        if found is None:
            raise NotFound(
                _("no import batch {batch}; see `custtrack import list`").format(batch=batch)
            )
        label = _("batch {batch} ({kind} from {file}, {added} added)").format(
            batch=batch, kind=vocab_label("import_kind", found.kind), file=found.source,
            added=found.rows_added,
        )  # fmt: skip
    if not yes and not typer.confirm(_("Remove what {batch} added?").format(batch=label)):
        raise typer.Abort()
    with db.session(write=True) as s:
        counts = imports.undo(s, batch)
    removed = [
        _stored(t, n) for t, n in counts.items() if t not in ("updated_kept", "reopened") and n
    ]
    if removed:
        _output.success(
            _("Undid {batch}: removed {removed}").format(batch=label, removed=_list(removed))
        )
    else:
        _output.success(_("Undid {batch}: removed nothing").format(batch=label))
    n = counts.get("reopened")
    if n:
        _output.info(
            "  "
            + ngettext(
                "{n} follow-up its contacts had settled is open again",
                "{n} follow-ups its contacts had settled are open again",
                n,
            ).format(n=n)
        )
    n = counts.get("updated_kept")
    if n:
        _output.info(
            "  "
            + ngettext(
                "{n} customer update from this batch was kept",
                "{n} customer updates from this batch were kept",
                n,
            ).format(n=n)
        )


@app.command(rich_help_panel=PANEL)
def dupes(
    min_score: Annotated[
        int, typer.Option("--min-score", help=N_("Name similarity needed (50–100)."))
    ] = 85,
    limit: LimitOpt = 0,
    fmt: FormatOpt = "table",
) -> None:
    """List likely duplicate customers, best matches first, with the reason for each pair.

    Same phone, same e-mail or same WeChat (ignoring case; other contact points kept by a merge
    included), whatever the names, or similar names (fuzzy, word order ignored, Chinese included)
    in the same city or company. Merge a pair with `custtrack merge KEEP OTHER`.

    JSON fields: score, a_id, a_name, b_id, b_name, reasons (list), reason.
    """
    from .. import db
    from ..i18n import _
    from ..services import dupes as service
    from . import _output
    from ._output import Col

    with db.session() as s:
        rows = service.find_dupes(s, min_score, limit, shown=fmt == "table")
    cols = [
        Col("score", _("Score"), "right"), Col("a_id", _("Id"), "right"),
        Col("a_name", _("Customer")), Col("b_id", _("Id"), "right"),
        Col("b_name", _("Possible duplicate")), Col("reason", _("Why")),
    ]  # fmt: skip
    _output.emit(
        rows, cols, fmt, title=_("Likely duplicates"), empty=_("No likely duplicates found.")
    )


@app.command(rich_help_panel=PANEL)
def merge(
    keep: CustomerArg,
    other: Annotated[
        str,
        typer.Argument(
            help=N_("The duplicate to merge into KEEP (it is removed)."), show_default=False
        ),
    ],
    reason: Annotated[
        str | None, typer.Option(help=N_("Why (kept with the merge record)."))
    ] = None,
    yes: YesOpt = False,
) -> None:
    """Merge OTHER into KEEP, moving all of OTHER's records and filling KEEP's empty fields.

    Contacts, purchases, feedback, complaints, follow-ups and tags move to KEEP; the merge is
    recorded with a snapshot of OTHER. Every phone, e-mail and WeChat of OTHER that KEEP does not
    have stays as another contact point of KEEP (`show` lists them; they find KEEP too).

    Example: custtrack merge 12 57 --reason "same person, new phone"
    """
    from .. import db
    from ..i18n import _, ngettext
    from ..services import customers
    from ..services import dupes as service
    from ..vocab import label
    from . import _output

    with db.session() as s:  # ask before taking the write lock
        k, o = customers.resolve(s, keep), customers.resolve(s, other)
        ids = (k.id, o.id)
        question = _("Merge {other} into {keep}?").format(
            other=customers.describe(o), keep=customers.describe(k)
        )
    if not yes and not typer.confirm(question):
        raise typer.Abort()
    with db.session(write=True) as s:
        k, o = customers.resolve(s, f"#{ids[0]}"), customers.resolve(s, f"#{ids[1]}")
        counts = service.merge(s, k, o, reason)
        kept = customers.describe(k)
    moved = [
        _stored(t, counts[t]) for t in ("interactions", "purchases", "feedback", "complaints",
                                        "followups", "tags") if counts[t]
    ]  # fmt: skip
    _output.success(_("Merged {other} into {keep}").format(other=counts["merged"], keep=kept))
    if moved:
        _output.info("  " + _("moved: {records}").format(records=_list(moved)))
    else:
        _output.info("  " + _("moved: nothing"))
    if counts["filled"]:
        fields = _list([label("field", f) for f in counts["filled"]])
        _output.info("  " + _("filled in: {fields}").format(fields=fields))
    if counts.get("contact_points"):  # issue 17.8: shown by `show` as "Also"
        n = counts["contact_points"]
        _output.info("  " + ngettext(
            "kept {n} other phone, e-mail or WeChat", "kept {n} other phones, e-mails or WeChats",
            n).format(n=n))  # fmt: skip
