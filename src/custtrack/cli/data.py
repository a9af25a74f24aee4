"""Moving in: import customers, purchases, contacts and feedback; import batches; duplicates and
merging."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ._app import app, sub_app
from ._options import CustomerArg, FormatOpt, LimitOpt, YesOpt, check_format

PANEL = "Data"

# Rich keeps single newlines in help text, so each paragraph is one string.
IMPORT_HELP = "\n\n".join([
    "Import customers, purchases, contacts, feedback, follow-ups or complaints, or a whole "
    "customer tracking sheet "
    "(客户追踪表: customers with their contacts, follow-ups and purchases), from the files people "
    "keep.",
    "Files: .xlsx, .xlsm, .xls (Excel 97–2003, as WPS writes), .ods; CSV or TSV with any "
    "delimiter in UTF-8, UTF-16, GBK/GB18030 or Big5; a JSON array of objects or JSON Lines. "
    "In a workbook the sheet that looks most like a table is read (or --sheet NAME|N).",
    "[bold]The sheet as it is[/]: the header row is found by its content below titles and notes "
    "(or --header-row N), a group row above it (客户信息 / 跟进情况) is read with it, merged cells "
    "are filled in, and rows that are not records (合计, 小计, 制表人, 审核 …) are skipped and "
    "listed. Columns are recognised from common English and Chinese headers (姓名, 电话, 金额, "
    "购买日期 …); name others with --map \"Column=field\". The mapping used is printed.",
    "[bold]All or nothing[/]: every row is checked with the same rules as the other commands; one "
    "bad row and nothing is written, and every bad row is listed (row, column, value, reason). "
    "--skip-bad FILE imports the good rows and writes the bad ones, with a reason column, to FILE. "
    "--dry-run shows what would happen and writes nothing.",
    "[bold]Re-importing is safe[/]: customers are matched on external id, then phone, then e-mail "
    "(customers merged away lead to the one they were merged into). Purchases with an order "
    "reference are matched on it. Purchases without one, contacts and feedback are matched on "
    "their content (customer, time, amount, currency and product / channel and summary / scores "
    "and text), counted: a line is new unless a stored row with the same content is still "
    "unclaimed. So two identical lines in one file are two purchases, and importing the same file "
    "again adds nothing (nor does a file with new lines appended, apart from those).",
    "Each import is a batch: `import list` shows them, `import undo BATCH` removes what one added.",
])  # fmt: skip

imp = sub_app("import", IMPORT_HELP, "Data")

FileArg = Annotated[
    str,
    typer.Argument(help="Spreadsheet (.xlsx, .xls, .ods), CSV/TSV, JSON or JSON Lines file.",
                   show_default=False),
]  # fmt: skip
MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map", "-m", help='Column to field, e.g. "手机=phone" (repeatable; "Col=-" ignores).'
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show what would happen; write nothing.")
]
SkipBadOpt = Annotated[
    str | None,
    typer.Option("--skip-bad", help="Import the good rows; write the bad ones to this CSV file.",
                 metavar="REJECTS.csv"),
]  # fmt: skip
EncodingOpt = Annotated[
    str | None, typer.Option("--encoding", help="Text encoding (default: detected).")
]
SheetOpt = Annotated[
    str | None,
    typer.Option("--sheet", help="Worksheet by name or number (default: the one that looks most "
                 "like a table).", metavar="NAME|N"),
]  # fmt: skip
HeaderRowOpt = Annotated[
    int | None,
    typer.Option("--header-row", min=1, metavar="N",
                 help="The row that holds the column names (default: found by its content)."),
]  # fmt: skip
CreateOpt = Annotated[
    bool,
    typer.Option(
        "--create-customers/--no-create-customers",
        help="Create customers the file names but we do not know (else such rows are bad).",
    ),
]
ReportFmt = Annotated[str, typer.Option("--format", "-f", help="Report format: table or json.")]

REPORT_JSON = (
    "JSON report fields: kind, source, format, dry_run, batch, rows, added, updated, skipped "
    "(unchanged + rejected + flagged), unchanged, rejected, flagged, customers_created, "
    "placeholder_names, mapping, ignored, errors [{line, column, value, reason}], flagged_rows."
)


def _run(kind: str, file: str, map_: list[str] | None, dry_run: bool, skip_bad: str | None,
         fmt: str, read: tuple[str | None, str | None, int | None], **kw: Any) -> None:  # fmt: skip
    """read: (encoding, sheet, header row) as given."""
    from pathlib import Path

    from .. import db
    from ..errors import CusttrackError, UsageError
    from ..io.mapping import auto_map
    from ..io.table import open_table
    from ..services import imports

    fmt = check_format(fmt, ("table", "json"))
    rejects = Path(skip_bad).expanduser() if skip_bad else None
    if rejects is not None:
        if rejects.resolve() == Path(file).expanduser().resolve():
            raise UsageError("--skip-bad must name a new file, not the file being imported")
        if not rejects.parent.is_dir():
            raise UsageError(f"--skip-bad {skip_bad}: no such folder {rejects.parent}")
    table = open_table(file, kind, *read)
    src = table.source
    failed: CusttrackError | None = None
    try:
        mapping = auto_map(kind, table.headers, map_, table.groups, table.sample)
        sha = imports.file_sha256(src.path)
        with _progress(src) as tick:
            try:
                with db.session(write=True) as s:
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
    _render(report, fmt, rejects, src.spreadsheet)
    if failed is not None:
        raise failed
    if dry_run and report.rejected and rejects is None:
        n = len(report.rejected)
        raise CusttrackError(f"{n} bad row{'s' * (n != 1)}: the import would fail as it stands")


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

        from ._output import console

        with Progress(
            TextColumn(f"importing {src.path.name}"), BarColumn(), TimeRemainingColumn(),
            console=console(stderr=True), transient=True,
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


def _render(report: Any, fmt: str, rejects: Any, sheet: bool) -> None:
    from . import _output
    from ._output import Col

    if fmt == "json":
        _output.write_json(report.summary())
        return
    _output.info(f"Reading {report.source} ({report.file_format})")
    if report.other_sheets:
        _output.info("Other sheets: " + ", ".join(report.other_sheets) + " (read one with --sheet)")
    if report.header:
        _output.info(f"Header: {report.header}")
    _output.info("Columns: " + ", ".join(report.mapping))
    if report.ignored:
        _output.info("Ignored columns: " + ", ".join(report.ignored))
    if report.phone_region:
        _output.info(
            f"Phones without a country code read as {report.phone_region} numbers (that is what "
            f"they look like); to say so for good: custtrack config set phone_region "
            f"{report.phone_region}"
        )
    if report.currency_guess:
        _output.info(
            f"Amounts read as {report.currency_guess}, as they say (no currency is set); to set "
            f"it for good: custtrack config set currency {report.currency_guess}"
        )
    if report.same_file:
        ids = ", ".join(str(i) for i in report.same_file)
        _output.info(
            f"This file was imported before (batch {ids}); rows already stored are skipped."
        )
    cols = [
        Col("line", "Row" if sheet else "Line", "right"),
        Col("column", "Column"),
        Col("value", "Value", max_width=40),
        Col("reason", "Reason"),
    ]
    where = f" (sheet {report.sheet})" if report.sheet else ""
    if report.errors:
        shown = report.errors[:500]
        caption = f"{len(report.errors) - 500} more not shown" if len(report.errors) > 500 else None
        _output.table([vars(e) for e in shown], cols, title="Bad rows" + where, caption=caption)
    if report.flagged:
        _output.table(
            [vars(e) for e in report.flagged], cols, title="Flagged (not imported)" + where
        )
    counts = _counts(report)
    skipped = _not_records(report, "row" if sheet else "line")
    if skipped:
        counts += f"; skipped: {skipped}"
    failed = not report.dry_run and report.rejected and rejects is None
    if report.dry_run:
        _output.info(f"Dry run, nothing written: would have {counts}")
    elif failed:
        _output.info(f"Nothing imported. Checked {report.rows} rows.")
    else:
        _output.success(f"Imported batch {report.batch_id}: {counts}")
    if report.placeholder_names and not failed:  # nobody was created when nothing was imported
        are = "would be" if report.dry_run else "are"
        _output.info(
            f"  {report.placeholder_names} new customers have no name in the file: they {are} "
            "called 'Customer <id>' (rename them with `custtrack edit`)"
        )
    if rejects is not None and report.rejected:
        _output.info(f"  bad rows written to {rejects}")


def _counts(report: Any) -> str:
    """'3 purchases added, 0 updated, 1 skipped (…)'; for a tracking sheet, per part:
    '12 customers (12 new), 12 contacts, 3 follow-ups, 0 purchases'."""
    if not report.parts:
        verb = " to add" if report.dry_run else " added"
        what = {"interactions": "contacts"}.get(report.kind, report.kind)
        counts = (f"{report.added} {what}{verb}, {report.updated} updated, {report.skipped} "
                  f"skipped ({report.unchanged} already there, {len(report.rejected)} bad, "
                  f"{len(report.flagged)} flagged)")  # fmt: skip
        if report.customers_created:
            counts += f"; {report.customers_created} new customers"
        return counts
    c = report.parts["customers"]
    new = f"{c['added']} new" + (f", {c['updated']} updated" if c["updated"] else "")
    bits = [f"{c['added'] + c['updated'] + c['unchanged']} customers ({new})"]
    for part, what in (("contacts", "contacts"), ("followups", "follow-ups"),
                       ("purchases", "purchases")):  # fmt: skip
        n = report.parts[part]
        bits.append(f"{n['added']} {what}" + (f" ({n['unchanged']} already there)"
                                              if n["unchanged"] else ""))  # fmt: skip
    counts = ", ".join(bits)
    if report.rejected or report.flagged:
        counts += f"; {len(report.rejected)} bad rows, {len(report.flagged)} flagged"
    return counts


def _not_records(report: Any, row: str) -> str:
    """'row 17 合计, row 18 制表人：张三; 2 blank rows' (the first ten rows named)."""
    bits = [f"{row} {n} {text}" for n, text in report.not_records[:10]]
    if len(report.not_records) > 10:
        bits.append(f"{len(report.not_records) - 10} more")
    text = ", ".join(bits)
    if report.blank_rows:
        blank = f"{report.blank_rows} blank {row}{'s' * (report.blank_rows != 1)}"
        text = f"{text}; {blank}" if text else blank
    return text


def _kind_doc(what: str, fields: str, example: str) -> str:
    return f"Import {what}.\n\nFields: {fields}.\n\n{REPORT_JSON}\n\nExample: {example}"


@imp.command("customers", help=_kind_doc(
    "customers: new ones are added, known ones (same external id, phone or e-mail) updated with "
    "the file's non-empty values",
    "name, phone, email, wechat, company, address, city, birthday, gender, source, owner, "
    "price_sensitivity, notes, external_id, tags (separated by commas or spaces)",
    "custtrack import customers 客户.xlsx --dry-run",
))  # fmt: skip
def import_customers(
    file: FileArg,
    map_: MapOpt = None,
    dry_run: DryRunOpt = False,
    skip_bad: SkipBadOpt = None,
    update: Annotated[
        bool, typer.Option("--update/--no-update", help="Update customers already stored.")
    ] = True,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    fmt: ReportFmt = "table",
) -> None:
    _run("customers", file, map_, dry_run, skip_bad, fmt, (encoding, sheet, header_row),
         update=update)  # fmt: skip


_LINK = ("the customer by external_id (customer_id, 客户编号), phone, email or name (if unique); "
         "unknown customers are created (named 'Customer <id>' without a name column) unless "
         "--no-create-customers")  # fmt: skip


@imp.command("purchases", help=_kind_doc(
    "purchases. A date without a time is stored as noon local time",
    f"{_LINK}; at (date, 日期, 购买日期), amount (金额), qty (quantity, 数量), product, category, "
    "order_ref (订单号), currency (default from config)",
    "custtrack import purchases orders.csv --map 'Total paid=amount'",
))  # fmt: skip
def import_purchases(
    file: FileArg,
    map_: MapOpt = None,
    dry_run: DryRunOpt = False,
    skip_bad: SkipBadOpt = None,
    create_customers: CreateOpt = True,
    currency: Annotated[
        str | None, typer.Option(help="Currency of amounts without a currency column.")
    ] = None,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    fmt: ReportFmt = "table",
) -> None:
    _run("purchases", file, map_, dry_run, skip_bad, fmt, (encoding, sheet, header_row),
         create_customers=create_customers, currency=currency)  # fmt: skip


@imp.command("interactions", help=_kind_doc(
    "contacts (calls, visits, messages …); customers' last-contact time is kept up to date",
    f"{_LINK}; at (date), channel (default other), summary, outcome, owner",
    "custtrack import interactions calls.csv",
))  # fmt: skip
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


@imp.command("feedback", help=_kind_doc(
    "feedback: scores and comments",
    f"{_LINK}; at (date), csat (1–5), nps (0–10), text, channel",
    "custtrack import feedback survey.xlsx",
))  # fmt: skip
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


@imp.command("followups", help=_kind_doc(
    "follow-ups (planned contacts), open or done; a date may be in the future. Matched on "
    "customer, day, time, note and origin, whatever their status",
    f"{_LINK}; due_date (日期, 下次跟进日期), due_time, channel, note (内容), owner, status "
    "(open, done, cancelled; 待跟进, 已完成 …), origin, priority, snoozed_until, created_at, "
    "closed_at",
    "custtrack import followups calls-to-make.xlsx",
))  # fmt: skip
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


@imp.command("complaints", help=_kind_doc(
    "complaints, open or resolved (a resolution or a time resolved says resolved). Matched on "
    "customer, time opened, category and text",
    f"{_LINK}; opened_at (投诉日期), category (price, quality, service, delivery, other; 价格, "
    "质量, 服务, 物流 …), priority, text (投诉内容), assignee (处理人), status, resolution "
    "(处理结果), resolved_at",
    "custtrack import complaints 投诉登记.xlsx",
))  # fmt: skip
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


@imp.command("sheet", help=_kind_doc(
    "a customer tracking sheet (客户追踪表): each row creates or matches a customer (by customer "
    "id, phone, e-mail, or a name nobody else has), and adds their contact, the follow-up planned "
    "and a purchase where those columns are filled. A contact settles the customer's open "
    "follow-ups due by its day, as `log` does",
    "the customer's fields (as `import customers`: 姓名, 电话, 微信, 地址 …); the contact: "
    "contact_at (跟进日期, 最近联系时间), channel (跟进方式: 电话, 微信, 拜访 …), "
    "summary (跟进内容), outcome (跟进结果); the follow-up: next_at (下次跟进时间), "
    "next_note (下次跟进内容); the purchase: bought_at (购买日期; else the contact's day), "
    "amount (金额), qty, product, category, order_ref, currency. Under a group header "
    "(跟进情况 / 日期) the group decides which part a column is",
    "custtrack import sheet 客户追踪表.xlsx --dry-run",
))  # fmt: skip
def import_sheet(
    file: FileArg,
    map_: MapOpt = None,
    dry_run: DryRunOpt = False,
    skip_bad: SkipBadOpt = None,
    update: Annotated[
        bool, typer.Option("--update/--no-update", help="Update customers already stored.")
    ] = True,
    currency: Annotated[
        str | None, typer.Option(help="Currency of amounts without a currency column.")
    ] = None,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = None,
    fmt: ReportFmt = "table",
) -> None:
    _run("sheet", file, map_, dry_run, skip_bad, fmt, (encoding, sheet, header_row),
         update=update, currency=currency)  # fmt: skip


@imp.command("list")
def import_list(limit: LimitOpt = 0, fmt: FormatOpt = "table") -> None:
    """List import batches, newest first.

    JSON fields: id, kind, source, file_sha256, rows_added, rows_updated, rows_skipped,
    started_at, finished_at, undone_at, status (imported or undone).
    """
    from .. import db
    from ..services import imports
    from . import _output
    from ._output import Col

    fmt = check_format(fmt)
    with db.session() as s:
        rows = imports.list_batches(s, limit)
    cols = [
        Col("id", "Batch", "right"), Col("kind", "Kind"), Col("source", "File", max_width=40),
        Col("started_at", "Imported"), Col("rows_added", "Added", "right"),
        Col("rows_updated", "Updated", "right"), Col("rows_skipped", "Skipped", "right"),
        Col("status", "Status"),
    ]  # fmt: skip
    _output.emit(rows, cols, fmt, title="Imports", empty="No imports yet.")


@imp.command("undo")
def import_undo(
    batch: Annotated[int, typer.Argument(help="Batch number (see `import list`).")],
    yes: YesOpt = False,
) -> None:
    """Remove exactly the rows one import added (updates it made to customers stay).

    Refused when customers it added have since got other records (undo the later batch first).
    """
    from .. import db
    from ..errors import NotFound
    from ..models import ImportBatch
    from ..services import imports
    from . import _output

    with db.session() as s:
        found = s.get(ImportBatch, batch)
        if found is None:
            raise NotFound(f"no import batch {batch}; see `custtrack import list`")
        label = f"batch {batch} ({found.kind} from {found.source}, {found.rows_added} added)"
    if not yes and not typer.confirm(f"Remove what {label} added?"):
        raise typer.Abort()
    with db.session(write=True) as s:
        counts = imports.undo(s, batch)
    removed = ", ".join(
        f"{n} {t}" for t, n in counts.items() if t not in ("updated_kept", "reopened") and n
    )
    _output.success(f"Undid {label}: removed {removed or 'nothing'}")
    if counts.get("reopened"):
        _output.info(f"  {counts['reopened']} follow-ups its contacts had settled are open again")
    if counts.get("updated_kept"):
        _output.info(f"  {counts['updated_kept']} customer updates from this batch were kept")


@app.command(rich_help_panel=PANEL)
def dupes(
    min_score: Annotated[
        int, typer.Option("--min-score", help="Name similarity needed (50–100).")
    ] = 85,
    limit: LimitOpt = 0,
    fmt: FormatOpt = "table",
) -> None:
    """List likely duplicate customers, best matches first, with the reason for each pair.

    Same phone, same e-mail (ignoring case), or similar names (fuzzy, word order ignored,
    Chinese included) in the same city or company. Merge a pair with `custtrack merge KEEP OTHER`.

    JSON fields: score, a_id, a_name, b_id, b_name, reasons (list), reason.
    """
    from .. import db
    from ..services import dupes as service
    from . import _output
    from ._output import Col

    fmt = check_format(fmt)
    with db.session() as s:
        rows = service.find_dupes(s, min_score, limit)
    cols = [
        Col("score", "Score", "right"), Col("a_id", "Id", "right"), Col("a_name", "Customer"),
        Col("b_id", "Id", "right"), Col("b_name", "Possible duplicate"), Col("reason", "Why"),
    ]  # fmt: skip
    _output.emit(rows, cols, fmt, title="Likely duplicates", empty="No likely duplicates found.")


@app.command(rich_help_panel=PANEL)
def merge(
    keep: CustomerArg,
    other: Annotated[
        str,
        typer.Argument(
            help="The duplicate to merge into KEEP (it is removed).", show_default=False
        ),
    ],
    reason: Annotated[str | None, typer.Option(help="Why (kept with the merge record).")] = None,
    yes: YesOpt = False,
) -> None:
    """Merge OTHER into KEEP, moving all of OTHER's records and filling KEEP's empty fields.

    Contacts, purchases, feedback, complaints, follow-ups and tags move to KEEP; the merge is
    recorded with a snapshot of OTHER.

    Example: custtrack merge 12 57 --reason "same person, new phone"
    """
    from .. import db
    from ..services import customers
    from ..services import dupes as service
    from . import _output

    with db.session() as s:  # ask before taking the write lock
        k, o = customers.resolve(s, keep), customers.resolve(s, other)
        ids, question = (k.id, o.id), f"Merge {customers.describe(o)} into {customers.describe(k)}?"
    if not yes and not typer.confirm(question):
        raise typer.Abort()
    with db.session(write=True) as s:
        k, o = customers.resolve(s, f"#{ids[0]}"), customers.resolve(s, f"#{ids[1]}")
        counts = service.merge(s, k, o, reason)
        label = customers.describe(k)
    moved = ", ".join(
        f"{counts[t]} {t}" for t in ("interactions", "purchases", "feedback", "complaints",
                                     "followups", "tags") if counts[t]
    )  # fmt: skip
    _output.success(f"Merged {counts['merged']} into {label}")
    _output.info(f"  moved: {moved or 'nothing'}")
    if counts["filled"]:
        _output.info("  filled in: " + ", ".join(counts["filled"]))
