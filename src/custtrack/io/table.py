"""Finding the table in a sheet as people keep it: the header row, found by its content below any
title rows and notes; a group row above it (客户信息 / 跟进情况); merged cells; and the rows
after the header that are not records (合计 totals, 制表人 signature lines, a repeated header),
which are skipped and reported, never imported."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..i18n import N_, _
from . import FORMULA_START, mapping
from .formats import HEAD_ROWS, Block, Records, Source, open_source

# The first words of a row that is not a record: totals, sign-off lines, notes under the table.
_NOT_A_RECORD = (
    r"合\s*计|总\s*计|小\s*计|共\s*计|累\s*计|制\s*表|审\s*核|审\s*批|复\s*核|批\s*准|填\s*表|"
    r"经\s*办|核\s*对|签\s*字|签\s*名|打\s*印|(?:注|备注|说明|负责人|日期)\s*[:：]|"
    r"total\b|grand\s+total|sub-?total|sum\s*[:：]|prepared\s+by|approved\s+by|checked\s+by|"
    r"signature|notes?\s*:"
)
_FOOTER = re.compile(r"\s*(?:" + _NOT_A_RECORD + ")", re.IGNORECASE)
_FOOTER_LINES = re.compile(r"^\s*(?:" + _NOT_A_RECORD + ")", re.IGNORECASE | re.MULTILINE)
_SHOWN = 24  # characters of a skipped row shown in the report
# what a skipped row repeating the header is listed as (English in JSON; see shown_skipped())
HEADER_AGAIN = N_("(the header again)")


@dataclass
class Table:
    """The records of a sheet, under their header."""

    source: Source
    headers: list[str]
    groups: list[str | None]  # the group header above each column (two-row headers)
    header_rows: tuple[int, ...]  # where the header is (one row, or a group row and the header)
    rows: Any  # Records (CSV: blocks of columns) or an iterator of (row number, values)
    sample: list[list[Any]]  # the first records, for mapping's look at the values
    found: bool  # the header was found by its content (not --header-row, not JSON keys)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, its text): not records
    _blank_before: int = 0

    @property
    def blank(self) -> int:
        """Blank rows among the records (those above the header are not counted)."""
        return self.source.blank[0] - self._blank_before

    def where(self, shown: bool = False) -> str | None:
        """'row 3' (or 'rows 2–3'; 'line' in a text file): where the header was found. English
        for the JSON report; shown: in the interface language (第 3 行), for people."""
        if not self.header_rows:
            return None
        rows = self.header_rows
        if self.source.spreadsheet:
            one, span = N_("row {n}"), N_("rows {first}–{last}")
        else:
            one, span = N_("line {n}"), N_("lines {first}–{last}")
        tr = _ if shown else str
        if len(rows) == 1:
            return tr(one).format(n=rows[0])
        return tr(span).format(first=rows[0], last=rows[-1])


def open_table(
    path: str | Path,
    kind: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
) -> Table:
    """Open a file and find its table of `kind`; in a workbook, the worksheet that looks most
    like one (or --sheet)."""

    def best_sheet(heads: list[tuple[str, list[list[Any]]]]) -> str:
        """The worksheet whose best row has the most header words (the first, on a tie)."""
        scores = [
            max((mapping.header_score(r, kind) for r in rows), default=0) for _, rows in heads
        ]
        return heads[scores.index(max(scores))][0]

    src = open_source(path, encoding, sheet, pick=best_sheet)
    try:
        return find_table(src, kind, header_row)
    except BaseException:
        src.close()
        raise


def find_table(src: Source, kind: str | None = None, header_row: int | None = None) -> Table:
    """The table of an opened file: its header (found, or --header-row N) and its records."""
    if src.headers is not None:  # JSON: the keys are the header
        if header_row is not None:
            raise UsageError(_("--header-row only applies to spreadsheets and CSV files"))
        return Table(src, list(src.headers), [None] * len(src.headers), (), src.rows, [], False)
    parts, head = _head(src, header_row)
    if not head:
        raise UsageError(_("{name} has no rows: nothing to import").format(name=src.path.name))
    at = _header_index(head, header_row, src.path.name, kind)
    header = list(head[at][1])
    group = head[at - 1][1] if at and head[at - 1][0] == head[at][0] - 1 else None
    header_merges = [m for m in src.merged if m[0][0] <= head[at][0] - 1 <= m[1][0]]
    if group is not None:
        group = list(group)
        header_merges += [m for m in src.merged if m[0][0] <= head[at][0] - 2 <= m[1][0]]
        _fill_header(header, group, header_merges, head[at][0])
        if not _is_group_row(group, header, any(m[0][0] < m[1][0] or m[0][1] < m[1][1]
                                               for m in header_merges)):  # fmt: skip
            group = None
    if group is None:
        _fill_header(header, None, header_merges, head[at][0])
    headers, groups = _names(header, group, trim=src.spreadsheet)
    top = head[at][0] - (1 if group is not None else 0)  # the header's first row
    table = Table(
        src, headers, groups, tuple(range(top, head[at][0] + 1)), None, [],
        found=header_row is None,
        # blank rows above the header are not among the records
        _blank_before=top - 1 - sum(1 for n, _ in head if n < top),
    )  # fmt: skip
    rest = head[at + 1 :]
    table.sample = [list(v) for _, v in rest[:HEAD_ROWS]]
    records = _records(table, rest, parts, head[at][0])
    table.rows = Records(records) if isinstance(src.rows, Records) else _flat(records)
    return table


def _head(src: Source, header_row: int | None) -> tuple[Iterator[Any], list[tuple[int, list]]]:
    """The first rows (enough to hold the header), and the parts that follow them."""
    if isinstance(src.rows, Records):
        parts: Iterator[Any] = src.rows.parts()
    else:
        parts = iter(lambda: list(islice(src.rows, 5000)), [])
    head: list[tuple[int, list]] = []
    want = HEAD_ROWS
    for part in parts:
        head.extend(part.rows() if isinstance(part, Block) else part)
        if header_row is not None:
            want = max(want, sum(1 for n, _ in head if n <= header_row) + 1)
        if len(head) > want:
            break
    return parts, head


def _header_index(
    head: list[tuple[int, list]], header_row: int | None, name: str, kind: str | None
) -> int:
    if header_row is not None:
        for i, (number, _values) in enumerate(head):
            if number == header_row:
                return i
        raise UsageError(
            _("--header-row {n}: row {n} of {name} is blank or beyond the end of the file").format(
                n=header_row, name=name
            )
        )
    scores = [mapping.header_score(values, kind) for _, values in head[:HEAD_ROWS]]
    best = max(scores)
    return scores.index(best) if best > 0 else 0


def _is_group_row(group: list, header: list, merged: bool) -> bool:
    """A row of group names above the header (客户信息 over 姓名, 电话 …), not a title or a note:
    text only, at least two names (or merged cells) and fewer of them than header names."""
    names = [v for v in group if v != "" and v is not None]
    if not names or any(not isinstance(v, str) for v in names):
        return False
    if mapping.header_score(group) >= mapping.header_score(header):
        return False
    distinct = set(names)
    if len(distinct) < 2:  # one text across the row is a title, merged or not
        return False
    return merged or len(names) < sum(1 for v in header if v != "" and v is not None)


def _fill_header(header: list, group: list | None, merges: list, row: int) -> None:
    """Merged cells in the header rows take the value of their top-left cell (the only one a
    spreadsheet keeps): 客户信息 over each of its columns, 序号 down into the header row."""
    rows = {row - 1: header} if group is None else {row - 2: group, row - 1: header}
    for (r0, c0), (r1, c1) in merges:
        top = rows.get(r0)
        value = top[c0] if top is not None and c0 < len(top) else None
        if value in ("", None):
            continue
        for r in range(r0, r1 + 1):
            cells = rows.get(r)
            if cells is None:
                continue
            for c in range(c0, min(c1 + 1, len(cells))):
                if cells[c] in ("", None):
                    cells[c] = value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _names(header: list, group: list | None, trim: bool) -> tuple[list[str], list[str | None]]:
    """Column names (the group's name where the header cell is empty) and each one's group;
    without merged cells a group runs on to the right until the next one."""
    subs = [_text(v) for v in header]
    groups: list[str | None] = [None] * len(subs)
    if group is not None:
        current = None
        for j, sub in enumerate(subs):
            g = _text(group[j]) if j < len(group) else ""
            if not sub:  # the header is the group cell (merged down, or written once)
                subs[j], current = g, None
                continue
            current = g or current
            groups[j] = current if current != sub else None
    if trim:  # a spreadsheet's empty columns at the right
        while subs and not subs[-1]:
            subs.pop(), groups.pop()
    seen = Counter(subs)  # 日期 under two groups: 跟进情况/日期 and 购买记录/日期
    pairs = zip(subs, groups, strict=True)
    names = [f"{g}/{s}" if s and g and seen[s] > 1 else s for s, g in pairs]
    return names, groups


def _records(
    table: Table, rest: list[tuple[int, list]], parts: Iterator[Any], header_at: int
) -> Iterator[Any]:
    """The parts after the header, without the rows that are not records."""
    src = table.source
    fill = _DownFill(src.merged, header_at) if src.merged else None
    keys = [mapping.norm(h) for h in table.headers]
    for part in chain([rest], parts):
        if isinstance(part, Block):
            _unquote_columns(part)
            if not _maybe_footers(part, table.headers):
                yield part
                continue
        rows = part.rows() if isinstance(part, Block) else part
        kept = []
        for number, values in rows:
            if fill is not None:
                fill(number, values)
            _unquote(values)
            why = _not_a_record(values, keys)
            if why is None:
                kept.append((number, values))
            else:
                table.skipped.append((number, why))
        if kept:
            yield kept


def _unquote(values: list) -> None:
    """'=SUM(…) and '+86… as custtrack export (and the OWASP rule) writes them: the quote off."""
    for j, v in enumerate(values):
        if v.__class__ is str and v[:1] == "'" and v[1:2] in FORMULA_START:
            values[j] = v[1:]


def _unquote_columns(block: Block) -> None:
    for j, column in enumerate(block.columns):
        if "'" in "".join(column):  # in C; quoted cells are rare
            block.columns[j] = [
                v[1:] if v[:1] == "'" and v[1:2] in FORMULA_START else v for v in column
            ]


def _flat(parts: Iterator[Any]) -> Iterator[tuple[int, list]]:
    for part in parts:
        yield from part


def _maybe_footers(block: Block, headers: list[str]) -> bool:
    """Whether a block of a CSV may hold a row that is not a record (a quick look at its first
    columns as one text each, in C); only then is it looked at row by row."""
    first = headers[0] if headers else ""
    for j, column in enumerate(block.columns[:4]):
        text = "\n".join(column)
        if _FOOTER_LINES.search(text) or (j == 0 and first and first in text):
            return True
    return False


def shown_skipped(text: str) -> str:
    """A skipped row's text (Table.skipped, the report's not_records) as people read it: the
    row's own text, or "(the header again)" in the interface language."""
    return _(HEADER_AGAIN) if text == HEADER_AGAIN else text


def _not_a_record(values: list, keys: list[str]) -> str | None:
    """Why a row is not a record (its first text, as shown), or None for a record."""
    j, first = next(((j, v) for j, v in enumerate(values) if v != "" and v is not None), (0, ""))
    if first.__class__ is not str:
        return None  # a number or a date first: data
    if _FOOTER.match(first):
        first = first.strip()
        return first if len(first) <= _SHOWN else first[:_SHOWN] + "…"
    if j < len(keys) and keys[j] and mapping.norm(first) == keys[j]:  # the header again?
        named = [k for k in keys if k]
        cells = [_text(v) for v in values]
        same = sum(1 for k, c in zip(keys, cells, strict=False) if k and mapping.norm(c) == k)
        if same * 2 > len(named):
            return HEADER_AGAIN
    return None


class _DownFill:
    """Cells merged over several rows below the header: each row gets the top cell's value."""

    def __init__(self, merged: list, header_at: int) -> None:
        self.starts: dict[int, list[tuple[int, int]]] = {}
        for (r0, c0), (r1, _c1) in merged:
            if r0 + 1 > header_at and r1 > r0:
                self.starts.setdefault(r0 + 1, []).append((c0, r1 + 1))
        self.active: list[tuple[int, int, Any]] = []  # (column, last row, value)

    def __call__(self, number: int, values: list) -> None:
        for col, last in self.starts.get(number, ()):
            if col < len(values):
                self.active.append((col, last, values[col]))
        if not self.active:
            return
        self.active = [a for a in self.active if a[1] >= number]
        for col, _last, value in self.active:
            if col < len(values) and values[col] in ("", None):
                values[col] = value
