"""Reading a file into rows: CSV and TSV (any delimiter; UTF-8 with or without BOM, UTF-16,
GBK/GB18030 or Big5), spreadsheets (.xlsx, .xlsm, .xlsb, .xls and .ods, read by calamine), a JSON
array of objects and JSON Lines.

Every reader yields (row number, values) for each row that is not blank, from the file's first
row on: which row is the header is decided by `table`, from their content. Row numbers are the
ones a person sees (the line in a text file, the row in Excel). CSV and JSON Lines stream, so a
million-row file is never held in memory as Python objects, and a CSV reader also hands on plain
blocks of lines as columns (`Records.parts`), for importers that check a column at a time.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from ..errors import CusttrackError, UsageError
from ..i18n import N_, _, pgettext

SAMPLE_BYTES = 1 << 20  # enough text to pick an encoding and a delimiter
BLOCK_CHARS = 1 << 20  # text read at a time by the CSV reader (a line longer than twice this
# goes to the csv module, which enforces its field size limit)
PART_ROWS = 5000  # rows handed on at a time when the csv module reads
DELIMITERS = ",;\t|"


@dataclass
class Block:
    """Records on consecutive lines from `first` on, as columns of text."""

    first: int
    columns: list[list[str]]

    def __len__(self) -> int:
        return len(self.columns[0])

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        n = len(self)
        return zip(
            range(self.first, self.first + n),
            map(list, zip(*self.columns, strict=True)),
            strict=True,
        )


class Records:
    """The records after the header: iterate for (line number, values), or take `parts()`,
    the same records as they were read: Blocks, or lists of (line number, values).

    Use one or the other: both read the same file."""

    def __init__(self, parts: Iterator[Block | list[tuple[int, list[Any]]]]) -> None:
        self._parts = parts
        self._rows = (row for part in parts for row in (_rows_of(part)))

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        return self._rows

    def __next__(self) -> tuple[int, list[Any]]:
        return next(self._rows)

    def parts(self) -> Iterator[Block | list[tuple[int, list[Any]]]]:
        return self._parts


def _rows_of(part: Block | list[tuple[int, list[Any]]]) -> Iterable[tuple[int, list[Any]]]:
    return part.rows() if isinstance(part, Block) else part


@dataclass
class Source:
    """An opened file: its rows and how it was read."""

    path: Path
    fmt: str  # csv, xlsx, xls, ods, json, jsonl
    rows: Iterator[tuple[int, list[Any]]]  # (row number in the file, values), blank rows left out
    headers: list[str] | None = None  # known from the format itself (JSON keys), else None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None  # the worksheet read
    sheets: list[str] = field(default_factory=list)  # every visible worksheet, in order
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)  # 0-based
    blank: list[int] = field(default_factory=lambda: [0])  # blank rows read so far (a counter)
    total: int = 0  # for progress: bytes (csv, jsonl) or rows (spreadsheets, json)
    done: Any = field(default=lambda: 0)  # callable giving progress so far, in `total` units
    _closers: list[Any] = field(default_factory=list)

    @property
    def spreadsheet(self) -> bool:
        return self.fmt in SPREADSHEETS.values()

    def describe(self, shown: bool = False) -> str:
        """'XLSX, sheet 客户' or 'CSV, utf-8, delimiter tab': English as stored and written
        (import batches, JSON); shown: in the interface language, for people."""
        tr = _ if shown else str
        bits = [self.fmt.upper()]
        if self.sheet is not None:
            bits.append(tr(N_("sheet {name}")).format(name=self.sheet))
        if self.encoding:
            bits.append(self.encoding)
        if self.delimiter:
            shown_delimiter = tr(N_("tab")) if self.delimiter == "\t" else repr(self.delimiter)
            bits.append(tr(N_("delimiter {delimiter}")).format(delimiter=shown_delimiter))
        return (pgettext("list", ", ") if shown else ", ").join(bits)

    def close(self) -> None:
        for close in self._closers:
            close()


class _Counting(io.RawIOBase):
    """A raw file that counts the bytes read, for a progress bar over a text stream."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        n = self.raw.readinto(buf)
        self.count += n or 0
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


# spreadsheet extensions -> format name; the file's first bytes win over its name
SPREADSHEETS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xlsb": "xlsb", ".xls": "xls", ".ods": "ods"}
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEAD_ROWS = 30  # rows of each worksheet read to choose one


Pick = Callable[[list[tuple[str, list[list[Any]]]]], str]


def open_source(
    path: str | Path,
    encoding: str | None = None,
    sheet: str | None = None,
    pick: Pick | None = None,
) -> Source:
    """Open a spreadsheet, CSV, JSON or JSON Lines file (by its first bytes, then its name).

    sheet: a worksheet's name or number (1 = the first); without one, `pick` chooses among the
    visible worksheets from their first rows (default: the first)."""
    p = Path(path).expanduser()
    if not p.exists():
        raise UsageError(_("no such file: {path}").format(path=p))
    if p.is_dir():
        raise UsageError(_("{path} is a folder, not a file").format(path=p))
    if p.stat().st_size == 0:
        raise CusttrackError(_("{name} is empty: nothing to import").format(name=p.name))
    with p.open("rb") as f:
        magic = f.read(8)
    ext = p.suffix.lower()
    if ext in SPREADSHEETS and not (magic.startswith(_ZIP) or magic == _OLE):
        # what some shop systems export as "Excel": a web page, or plain text with tabs
        if magic.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            raise CusttrackError(
                _(
                    "{name} is a web page saved with a spreadsheet's name: open it in Excel or "
                    "WPS and save it as .xlsx"
                ).format(name=p.name)
            )
        ext = ".csv"
    elif magic.startswith(_ZIP) or magic == _OLE:
        if encoding:
            raise UsageError(_("--encoding only applies to text files (CSV, TSV, JSON)"))
        return _open_workbook(p, sheet, pick)
    if sheet:
        raise UsageError(_("--sheet only applies to spreadsheets (.xlsx, .xls, .ods)"))
    enc = encoding or detect_encoding(p)
    if ext in (".json", ".jsonl", ".ndjson"):
        return _open_json(p, enc)
    return _open_csv(p, enc)


def spool_stdin(folder: str | Path) -> Path:
    """Standard input copied into a file in `folder`, named by what it holds (stdin.xlsx for a
    workbook, stdin.json for JSON, else stdin.csv), so that it is read like any file: its format
    and encoding found from its bytes, all-or-nothing, the same file never imported twice."""
    import shutil
    import sys

    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError(
            _("nothing on standard input: pipe a file in, e.g. cat customers.csv | custtrack "
              "import customers -")
        )  # fmt: skip
    spool = Path(folder) / "stdin"
    with spool.open("wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
    with spool.open("rb") as f:
        head = f.read(SAMPLE_BYTES)
    if head.startswith(_ZIP) or head[:8] == _OLE:
        ext = ".xlsx" if head.startswith(_ZIP) else ".xls"
    else:
        text = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")
        ext = ".json" if text[:1] in (b"[", b"{") else ".csv"
    return spool.rename(spool.with_name("stdin" + ext))


def detect_encoding(path: Path) -> str:
    """The encoding of a text file: utf-8-sig / utf-16 by their BOM; UTF-8 if the sample decodes;
    GB18030 (GBK's superset: what Chinese Excel and WPS write) when the text reads as Simplified
    Chinese, or Big5 as Traditional; else what charset-normalizer finds, when it is sure. Not
    sure (several encodings read differently, or the text reads as garbage in all): a clear
    error asking for --encoding, never a guess that turns "Renée" into "Ren閑"."""
    with path.open("rb") as f:
        sample = f.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    final = len(sample) < SAMPLE_BYTES
    texts = {}
    for enc in ("utf-8", "gb18030", "big5"):
        try:
            texts[enc] = codecs.getincrementaldecoder(enc)().decode(sample, final=final)
        except UnicodeDecodeError:
            continue
    if "utf-8" in texts:
        return "utf-8"
    chinese = [enc for enc, text in texts.items() if _reads_as_chinese(text, enc)]
    if len(chinese) > 1:
        from charset_normalizer import from_bytes

        best = from_bytes(sample, cp_isolation=chinese).best()
        chinese = [best.encoding] if best is not None else chinese
    if chinese:
        return chinese[0]
    # Excel's "CSV" on Western systems: Windows-1252, when it reads as accented words
    western = sample.decode("cp1252", errors="replace")
    if "\ufffd" not in western and _accented_words(western):
        return "cp1252"
    return _detected(path, sample)


def _reads_as_chinese(text: str, encoding: str) -> bool:
    """Whether text decoded as GB18030 or Big5 is Chinese, not another encoding misread: most
    characters beyond ASCII are common ones (GB2312's set for GB18030; Big5's symbols and
    frequent characters, lead bytes A1–C6, for Big5). Latin, Japanese or Korean text decoded
    this way gives rare characters instead ("Renée" → "Ren閑")."""
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return False
    fits = sum(map(_COMMON[encoding], wide))
    return fits >= 0.8 * len(wide)


def _accented_words(text: str) -> bool:
    """Whether the characters beyond ASCII are what Western European text has: Latin-1 letters
    inside words (each next to an ASCII letter: "Renée", "Größe"), or the euro, quotes and
    dashes. Another encoding read as Windows-1252 gives runs of such characters instead."""
    wide = [i for i, ch in enumerate(text) if ord(ch) > 0x7F]
    if not wide:
        return False
    for i in wide:
        ch = text[i]
        if ch in _CP1252_SIGNS or ch == "\u00a0":
            continue
        if not ("\u00c0" <= ch <= "\u00ff" and ch not in "×÷"):
            return False
        around = text[i - 1 : i] + text[i + 1 : i + 2]
        if not any(c.isascii() and c.isalpha() for c in around):
            return False
    return True


_CP1252_SIGNS = set("€‚„…†‡‰‹›‘’“”•–—™£¥©®°±²³´µ¶·¸¹º»¼½¾¿«§¨ª¬¯¡¢¤¦")


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _big5_frequent(ch: str) -> bool:
    try:
        return 0xA1 <= ch.encode("big5")[0] <= 0xC6
    except UnicodeEncodeError:
        return False


_COMMON = {"gb18030": _in_gb2312, "big5": _big5_frequent}


def _detected(path: Path, sample: bytes) -> str:
    """charset-normalizer's answer, when the encodings it finds plausible all read the same."""
    from charset_normalizer import from_bytes

    matches = [m for m in from_bytes(sample) if m.chaos <= 0.1]
    if matches:
        best = matches[0]
        rivals = [m for m in matches[1:] if m.chaos <= best.chaos + 0.05]
        if all(str(m) == str(best) for m in rivals):
            return best.encoding

        candidates = ", ".join(m.encoding for m in [best, *rivals][:4])
        raise CusttrackError(
            _(
                "cannot tell the encoding of {name}: it reads differently as {candidates} "
                "(give --encoding, e.g. --encoding {first}, or save it as 'CSV UTF-8')"
            ).format(name=path.name, candidates=candidates, first=best.encoding)
        )
    raise CusttrackError(
        _(
            "cannot read the text of {name}: it is neither UTF-8 nor GBK/GB18030 nor Big5 "
            "(save it as 'CSV UTF-8', or give --encoding, e.g. --encoding latin-1)"
        ).format(name=path.name)
    )


def _text_stream(path: Path, encoding: str) -> tuple[io.TextIOWrapper, _Counting]:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UsageError(
            _("--encoding {encoding}: unknown encoding").format(encoding=repr(encoding))
        ) from None
    raw = _Counting(path.open("rb"))
    text = io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding=encoding, newline="")
    return text, raw


def _sample(path: Path, encoding: str, size: int = 64 * 1024) -> str:
    """The start of the file as text (to sniff the delimiter or the JSON flavour)."""
    with path.open("rb") as f:
        data = f.read(size)
    try:
        return codecs.getincrementaldecoder(encoding)().decode(data, final=len(data) < size)
    except UnicodeDecodeError:
        raise _decode_error(path, encoding, 1) from None
    except LookupError:
        raise UsageError(
            _("--encoding {encoding}: unknown encoding").format(encoding=repr(encoding))
        ) from None


def _bad_line(path: Path, encoding: str, fallback: int) -> int:
    """The line of the first byte that does not decode (the reader reads ahead of its rows)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with path.open("rb") as f:
        while block := f.read(1 << 16):
            try:
                line += decoder.decode(block).count("\n")
            except UnicodeDecodeError as exc:
                return line + exc.object[: exc.start].decode(encoding, "replace").count("\n")
    return fallback


def _decode_error(path: Path, encoding: str, line: int) -> CusttrackError:
    return CusttrackError(
        _(
            "{name} is not valid {encoding} text near line {line}: a different encoding or a "
            "damaged file (save it as 'CSV UTF-8', or give --encoding)"
        ).format(name=path.name, encoding=encoding, line=line)
    )


def _open_csv(path: Path, encoding: str) -> Source:
    import csv

    csv.field_size_limit(1 << 20)
    sample = _sample(path, encoding)
    text, raw = _text_stream(path, encoding)
    # the line with the most delimiter candidates of the first few: a header, not a title line
    head = max(sample.lstrip("\ufeff").split("\n")[:20], key=_delimiters)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        # one column, or too little text for the sniffer: count candidates in the header
        delimiter = max(DELIMITERS, key=head.count) if _delimiters(head) else ","
    if head and delimiter not in head and _delimiters(head):
        delimiter = max(DELIMITERS, key=head.count)  # the sniffer was fooled by the data rows
    blank = [0]

    def read() -> Iterator[Block | list[tuple[int, list[str]]]]:
        line = 1  # the line the next record starts on
        try:
            # a block without a quote or a lone CR is one record per line, split on the
            # delimiter: exactly what the csv module makes of it, several times as fast
            tail = ""
            while True:
                more = text.read(BLOCK_CHARS)
                block = tail + more
                if more:
                    cut = block.rfind("\n") + 1
                    if cut == 0 and len(block) < BLOCK_CHARS * 2:
                        tail = block  # a long line: read on to its end
                        continue
                    block, tail = block[:cut], block[cut:]
                    lines = block
                elif block:
                    tail, lines = "", block + "\n"  # the last line has no line end
                else:
                    return
                split = lines.replace("\r\n", "\n") if "\r" in lines else lines
                if not block or '"' in split or "\r" in split:
                    break  # quotes, old Mac line ends or a huge line: the csv module reads on
                part: Block | list[tuple[int, list[str]]] | None = (
                    _columns(split, delimiter, line) if line > 1 else None
                )
                if part is None:
                    part = _records(split, delimiter, line)
                    n = split.count("\n")
                    blank[0] += n - len(part)
                    line += n
                else:
                    line += len(part)
                if part:
                    yield part
            # the rest through the csv module, from the start of the block that needs it
            rest = chain(io.StringIO(block + tail + text.readline(), newline=""), text)
            reader = csv.reader(rest, delimiter=delimiter, quotechar='"', strict=True)
            done, rows = line - 1, []
            try:
                for values in reader:
                    start, line = line, done + reader.line_num + 1
                    # any() on the strings is C-speed; only a lone cell needs a closer look
                    if any(values) and (len(values) > 1 or values[0].strip()):
                        rows.append((start, values))
                        if len(rows) == PART_ROWS:
                            yield rows
                            rows = []
                    else:
                        blank[0] += 1
            finally:
                if rows:  # the records before a bad one, as the csv module gave them
                    yield rows
        except UnicodeDecodeError:
            raise _decode_error(path, encoding, _bad_line(path, encoding, line)) from None
        except csv.Error as exc:
            raise CusttrackError(
                _("{name} line {line}: {reason}").format(
                    name=path.name, line=line, reason=_csv_reason(str(exc))
                )
            ) from None

    parts = read()
    first: list[tuple[int, list[str]]] = []
    for part in parts:  # the first block is read as rows, so a title line cannot spoil it
        first = part if isinstance(part, list) else list(part.rows())
        if first:
            break
    if not first:
        text.close()
        raise CusttrackError(
            _("{name} has no header and no rows: nothing to import").format(name=path.name)
        )
    first[0][1][0] = first[0][1][0].lstrip("\ufeff")
    return Source(
        path, "csv", Records(chain([first], parts)), encoding=encoding, delimiter=delimiter,
        blank=blank, total=path.stat().st_size, done=lambda: raw.count, _closers=[text.close],
    )  # fmt: skip


def _csv_reason(reason: str) -> str:
    """The csv module's complaint, in the user's words (and language, for the ones it makes)."""
    if "unexpected end of data" in reason:
        return _("the file ends inside a quoted field (is it truncated?)")
    if m := re.fullmatch(r"'(.+)' expected after '\"'", reason):
        return _("'{delimiter}' expected after '\"'").format(delimiter=m[1])
    if m := re.fullmatch(r"field larger than field limit \((\d+)\)", reason):
        return _("field larger than field limit ({limit})").format(limit=m[1])
    return reason


# the json module's messages (exc.msg) for a damaged file: shown in the interface language
_JSON_REASONS = (
    N_("Expecting value"),
    N_("Expecting ',' delimiter"),
    N_("Expecting ':' delimiter"),
    N_("Expecting property name enclosed in double quotes"),
    N_("Unterminated string starting at"),
    N_("Invalid control character at"),
    N_("Invalid \\escape"),
    N_("Invalid \\uXXXX escape"),
    N_("Extra data"),
)


def _json_reason(msg: str) -> str:
    return _(msg) if msg in _JSON_REASONS else msg


def _delimiters(line: str) -> int:
    return sum(map(line.count, DELIMITERS))


def _records(text: str, delimiter: str, line: int) -> list[tuple[int, list[str]]]:
    """The records of lines without quotes ('\\n' line ends), numbered from `line`."""
    records = [r.split(delimiter) for r in text.split("\n")]
    records.pop()  # after the last line end
    numbered = zip(range(line, line + len(records)), records, strict=True)
    # all() and min() are C-speed; only blank-looking records need a closer look
    if all(map(any, records)) and min(map(len, records)) > 1:
        return list(numbered)
    return [(n, v) for n, v in numbered if any(v) and (len(v) > 1 or v[0].strip())]


def _columns(text: str, delimiter: str, line: int) -> Block | None:
    """Lines without quotes as columns, if every line has the same number (≥ 2) of fields and
    none is blank: one split of the whole text, then every column is a slice of it."""
    width = text.count(delimiter, 0, text.find("\n")) + 1
    if width < 2 or "\0" in text or ("\n" + delimiter * (width - 1) + "\n") in "\n" + text:
        return None
    cells = text.replace("\n", delimiter + "\0" + delimiter).split(delimiter)
    cells.pop()  # after the last line end
    n, step = text.count("\n"), width + 1
    # a line with a field too many or too few moves the line-end markers off their places
    if len(cells) != n * step or cells[width::step].count("\0") != n:
        return None
    return Block(line, [cells[j::step] for j in range(width)])


def _open_workbook(path: Path, sheet: str | None, pick: Pick | None) -> Source:
    """A worksheet of an Excel or OpenDocument file, through calamine (Rust): on a 100k-row
    sheet it reads about 16 times as fast as openpyxl. The sheet is held in memory as Python
    values (no spreadsheet reader streams merged cells and shared strings cheaply)."""
    from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

    fmt = SPREADSHEETS.get(path.suffix.lower(), "xlsx")
    book = None
    try:
        book = CalamineWorkbook.from_path(str(path))
        visible = [
            m.name for m in book.sheets_metadata if m.visible == SheetVisibleEnum.Visible
        ] or list(book.sheet_names)
        if sheet is not None:
            name = _sheet_named(sheet, book.sheet_names, visible)
        elif len(visible) > 1 and pick is not None:
            heads = [
                (n, book.get_sheet_by_name(n).to_python(skip_empty_area=False, nrows=HEAD_ROWS))
                for n in visible
            ]
            name = pick(heads)
        else:
            name = visible[0]
        ws = book.get_sheet_by_name(name)
        grid = ws.to_python(skip_empty_area=False)
        merged = ws.merged_cell_ranges or []
    except (CalamineError, OSError, ValueError) as exc:  # calamine's errors for damaged files
        raise CusttrackError(
            _(
                "{name} is not a readable spreadsheet (damaged, truncated, or protected with a "
                "password?): {detail}"
            ).format(
                name=path.name,
                detail=_calamine_reason(
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                ),
            )
        ) from None
    finally:
        if book is not None:
            book.close()
    state, blank = {"n": 0}, [0]

    def read() -> Iterator[tuple[int, list[Any]]]:
        for number, values in enumerate(grid, start=1):
            state["n"] = number
            if any(v != "" and (v.__class__ is not str or v.strip()) for v in values):
                yield number, values
            else:
                blank[0] += 1

    return Source(
        path, fmt, read(), sheet=name, sheets=visible, merged=merged, blank=blank,
        total=len(grid), done=lambda: state["n"],
    )  # fmt: skip


# what calamine says of a file that is no spreadsheet at all (a Word .doc is also OLE)
_NO_FORMAT = N_("Cannot detect file format")


def _calamine_reason(reason: str) -> str:
    return _(reason) if reason == _NO_FORMAT else reason


def _sheet_named(sheet: str, names: list[str], visible: list[str]) -> str:
    """--sheet NAME or --sheet N (1 = the first visible sheet); a clear error otherwise."""
    if sheet in names:
        return sheet
    folded = {n.strip().casefold(): n for n in names}
    if sheet.strip().casefold() in folded:
        return folded[sheet.strip().casefold()]
    if sheet.strip().isdigit() and 1 <= int(sheet) <= len(visible):
        return visible[int(sheet) - 1]
    raise UsageError(
        _("--sheet {sheet}: no such worksheet; the workbook has {sheets}").format(
            sheet=repr(sheet),
            sheets=pgettext("list", ", ").join(f"{i} {n}" for i, n in enumerate(visible, start=1)),
        )
    )


def _open_json(path: Path, encoding: str) -> Source:
    head = _sample(path, encoding).lstrip("\ufeff \t\r\n")
    text, raw = _text_stream(path, encoding)
    if head.startswith("["):
        # a JSON array has to be parsed whole; JSON Lines streams
        try:
            data = json.load(text)
        except json.JSONDecodeError as exc:
            raise CusttrackError(
                _("{name} is not valid JSON (line {line}: {reason}; truncated?)").format(
                    name=path.name, line=exc.lineno, reason=_json_reason(exc.msg)
                )
            ) from None
        except UnicodeDecodeError:
            raise _decode_error(path, encoding, 1) from None
        finally:
            text.close()
        if not all(isinstance(r, dict) for r in data):
            raise CusttrackError(
                _("{name}: expected a JSON array of objects").format(name=path.name)
            )
        if not data:
            raise CusttrackError(
                _("{name} holds an empty list: nothing to import").format(name=path.name)
            )
        headers = _keys(data)
        state = {"n": 0}

        def read_array() -> Iterator[tuple[int, list[Any]]]:
            for number, record in enumerate(data, start=1):
                state["n"] = number
                yield number, [record.get(h) for h in headers]

        return Source(
            path, "json", read_array(), headers, encoding, total=len(data),
            done=lambda: state["n"],
        )  # fmt: skip

    def records() -> Iterator[tuple[int, dict]]:
        number = 0
        try:
            for number, line in enumerate(text, start=1):  # noqa: B007
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CusttrackError(
                        _("{name} line {line}: not valid JSON ({reason}; truncated?)").format(
                            name=path.name, line=number, reason=_json_reason(exc.msg)
                        )
                    ) from None
                if not isinstance(record, dict):
                    raise CusttrackError(
                        _("{name} line {line}: expected a JSON object").format(
                            name=path.name, line=number
                        )
                    )
                yield number, record
        except UnicodeDecodeError:
            raise _decode_error(path, encoding, number + 1) from None

    it = records()
    buffer = list(islice(it, 1000))
    if not buffer:
        text.close()
        raise CusttrackError(_("{name} has no records: nothing to import").format(name=path.name))
    headers = _keys([r for _, r in buffer])

    def read_lines() -> Iterator[tuple[int, list[Any]]]:
        for number, record in chain(buffer, it):
            yield number, [record.get(h) for h in headers]

    return Source(
        path, "jsonl", read_lines(), headers, encoding, total=path.stat().st_size,
        done=lambda: raw.count, _closers=[text.close],
    )  # fmt: skip


def _keys(records: list[dict]) -> list[str]:
    keys: dict[str, None] = {}
    for r in records:
        keys.update(dict.fromkeys(str(k) for k in r))
    return list(keys)
