"""What an import did: counts, bad rows, flagged rows; and the two ways it ends unwritten."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...errors import CusttrackError, InvalidValue
from ...i18n import _, ngettext


@dataclass
class BadRow:
    line: int
    column: str
    value: str
    reason: str


@dataclass
class Report:
    """What an import did (or would do)."""

    kind: str
    source: str
    file_format: str
    mapping: list[str]
    ignored: list[str]
    dry_run: bool = False
    batch_id: int | None = None
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    customers_created: int = 0
    placeholder_names: int = 0
    errors: list[BadRow] = field(default_factory=list)
    flagged: list[BadRow] = field(default_factory=list)
    rejected: list[tuple[int, list[Any], str]] = field(default_factory=list)
    same_file: list[int] = field(default_factory=list)
    # where the table was found (custtrack.io.table), for the report
    sheet: str | None = None
    other_sheets: list[str] = field(default_factory=list)
    header: str | None = None  # 'row 3', when the header is not simply the first row
    not_records: list[tuple[int, str]] = field(default_factory=list)  # (row, text): 合计 …
    blank_rows: int = 0
    phone_region: str | None = None  # national numbers read in this region (not the config's)
    currency_guess: str | None = None  # the amounts' own currency, none being configured
    # a tracking sheet's rows hold several kinds: what was done for each
    parts: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def skipped(self) -> int:
        return self.unchanged + len(self.flagged) + len(self.rejected)

    @property
    def where(self) -> str:
        """'book.xlsx' or 'book.xlsx, sheet 客户': where a bad row is to be found."""
        if self.sheet is None:
            return self.source
        return _("{file}, sheet {sheet}").format(file=self.source, sheet=self.sheet)

    def summary(self) -> dict[str, Any]:
        """The stable JSON form (documented in `import --help`)."""
        return {
            "kind": self.kind,
            "source": self.source,
            "format": self.file_format,
            "dry_run": self.dry_run,
            "batch": self.batch_id,
            "rows": self.rows,
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "flagged": len(self.flagged),
            "customers_created": self.customers_created,
            "placeholder_names": self.placeholder_names,
            "mapping": self.mapping,
            "ignored": self.ignored,
            "errors": [{**vars(e), "sheet": self.sheet} for e in self.errors],
            "flagged_rows": [{**vars(e), "sheet": self.sheet} for e in self.flagged],
            "sheet": self.sheet,
            "header": self.header,
            "not_records": [{"line": n, "text": t} for n, t in self.not_records],
            "blank_rows": self.blank_rows,
            "parts": self.parts,
            "phone_region": self.phone_region,
            "currency_guess": self.currency_guess,
        }


class ImportFailed(CusttrackError):
    """Bad rows in an all-or-nothing import: nothing was written."""

    def __init__(self, report: Report) -> None:
        self.report = report
        n = len(report.rejected)
        super().__init__(
            ngettext(
                "{n} bad row in {where}; nothing was imported (fix them, or use --skip-bad "
                "REJECTS.csv to import the good rows)",
                "{n} bad rows in {where}; nothing was imported (fix them, or use --skip-bad "
                "REJECTS.csv to import the good rows)",
                n,
            ).format(n=n, where=report.where)
        )


class DryRun(Exception):  # noqa: N818 - a signal, not an error: it rolls the transaction back
    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__("dry run")


class RowErrors(list):
    def add(self, column: str, value: Any, reason: str) -> None:
        shown = "" if value is None else str(value)
        self.append(BadRow(0, column, shown[:60] + ("…" if len(shown) > 60 else ""), reason))

    def invalid(self, column: str, value: Any, exc: InvalidValue) -> None:
        reason = exc.reason
        if exc.hint:
            reason = _("{reason} ({hint})").format(reason=reason, hint=exc.hint)
        self.add(column, value, reason)
