"""The one place that renders: Rich tables and cards for people, JSON and CSV for programs.

Rich drops colour by itself when output is piped or NO_COLOR is set, and measures East Asian
wide characters, so CJK names line up.
"""

from __future__ import annotations

import csv
import functools
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Col:
    key: str
    header: str
    justify: str = "left"
    style: str | None = None
    max_width: int | None = None
    wrap: bool = True  # False: one line per row, cut with "…"
    flex: bool = False  # compact tables: takes (and is cut to) the width the others leave
    drop: int = 0  # left out when too narrow, highest first (0 = kept while it can be)
    width: int | None = None  # set by the fit of a narrow boxed table: its header wraps within


def console(stderr: bool = False):  # noqa: ANN201
    """A Rich console: plain text when piped; with NO_COLOR, no escape codes at all (Rich alone
    would drop colours but keep bold)."""
    import os

    from rich.console import Console

    kw: dict[str, Any] = {"color_system": None} if os.environ.get("NO_COLOR") else {}
    out = Console(stderr=stderr, highlight=False, soft_wrap=False, **kw)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out.width = 120  # piped or captured: do not squeeze tables into 80 columns
    return out


def plain(value: Any) -> Any:
    """A JSON/CSV-ready value: ISO dates, exact decimals as strings."""
    if isinstance(value, datetime):
        from ..clock import to_local

        return to_local(value).isoformat(timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def human(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        from ..clock import to_local

        return to_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(human(v) for v in value)
    return str(value)


def due_text(day: date, at: time | None = None) -> str:
    """A follow-up's due date, with its time of day when it has one: '2026-11-23 10:00'."""
    return human(day) + (f" {human(at)}" if at else "")


def emit(
    rows: Sequence[dict[str, Any]],
    cols: Sequence[Col],
    fmt: str = "table",
    title: str | None = None,
    empty: str | None = None,
    caption: str | None = None,
) -> None:
    """Print rows as a table, JSON (a list of objects) or CSV (every field of the rows)."""
    if fmt == "json":
        write_json([plain(r) for r in rows])
    elif fmt == "csv":
        write_csv(rows, [c.key for c in cols])
    else:
        table(rows, cols, title=title, empty=empty, caption=caption)


@contextmanager
def to_file(out: str | None, force: bool = False) -> Iterator[Any]:
    """Standard output into the file `out` for the block (the path is yielded; None and no
    change without `out`), as `export -o` writes: an existing file is refused unless `force`,
    the file is readable by the user only (0600), and a failure leaves no half file."""
    if not out:
        yield None
        return
    from pathlib import Path

    from ..io import export as ex

    target = Path(out).expanduser()
    ex.check_target(target, force)
    saved = sys.stdout
    with ex.atomic_file(target) as fh:
        sys.stdout = fh
        try:
            yield target
        finally:
            sys.stdout = saved


def write_json(data: Any) -> None:
    data = money_strings(plain(data))
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


# Money for programs (JSON and CSV): an exact decimal string with the currency's digits,
# "1280.00", never a float. These are the keys that hold an amount in major units wherever they
# appear (an amount in minor units is an integer named *_minor, e.g. amount_minor).
MONEY_KEYS = frozenset(
    {
        "spend", "amount", "monetary", "revenue", "aov", "average_order_value", "cost",
        "unit_cost", "product_cost", "contact_cost", "complaint_cost", "cost_to_serve",
        "margin", "cac", "historical_clv", "simple_clv", "predicted_clv", "expected_spend",
        "clv_historical_mean", "clv_predicted_mean", "mean_monetary", "mean_spend",
        "mean_revenue", "prev_revenue", "last_revenue", "ordinary_mean", "refunded", "refunds",
        "order_value",
    }
)  # fmt: skip


def money_value(value: Any, currency: str | None = None) -> Any:
    """An amount in major units (float, int or Decimal) as its exact decimal string ("1280.00",
    rounded to the currency's digits); None, text and NaN as they are (NaN: None)."""
    import math

    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if not isinstance(value, int | float | Decimal):
        return value
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return str(number.quantize(_quantum(currency or _currency())))


@functools.lru_cache(maxsize=64)
def _quantum(currency: str) -> Decimal:
    """The currency's smallest unit as a Decimal (0.01 for CNY, 1 for JPY)."""
    from ..validate import currency_exponent

    return Decimal(1).scaleb(-currency_exponent(currency))


def money_column(values: list[Any], currency: str | None = None) -> list[Any]:
    """money_value() of each value in one currency: the same strings, the currency's digits
    looked up once (a 90,000-row `rfm --format csv` spent 0.9 s in money_value)."""
    import math

    step = _quantum(currency or _currency())
    return [
        (str(Decimal(repr(v)).quantize(step)) if math.isfinite(v) else None)
        if v.__class__ is float
        else money_value(v, currency)
        for v in values
    ]


def _currency() -> str:
    from .. import config

    return str(config.get("currency") or "USD").upper()


def money_strings(data: Any, currency: str | None = None) -> Any:
    """`data` (plain JSON values) with every amount under a MONEY_KEYS key as an exact decimal
    string, in the currency of its object (its "currency" key) or the configured one."""
    if isinstance(data, list):
        return [money_strings(v, currency) for v in data]
    if not isinstance(data, dict):
        return data
    cur = data.get("currency") if isinstance(data.get("currency"), str) else currency
    return {
        k: money_value(v, cur) if k in MONEY_KEYS else money_strings(v, cur)
        for k, v in data.items()
    }


def flat(data: Any) -> list[dict[str, Any]]:
    """One JSON document as key,value rows (the CSV of a single record): nested keys joined
    with "." (next_followup.due_date), list items by position (open_complaints.0.text); a list
    of plain values is one row (joined with ";" in CSV), an empty object or null one empty row."""
    rows: list[dict[str, Any]] = []

    def walk(key: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for k, v in value.items():
                walk(f"{key}.{k}" if key else str(k), v)
        elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
            for i, v in enumerate(value):
                walk(f"{key}.{i}", v)
        else:
            rows.append({"key": key, "value": None if value == {} else value})

    walk("", plain(data))
    return rows


def record(obj: Any, **extra: Any) -> dict[str, Any]:
    """A stored record as the JSON of `show` and the write commands has it: every field of
    the table (model_dump: English keys), plus `extra` keys. Money comes twice: as stored, in
    minor units (amount_minor: 128000), and as the exact decimal string (amount: "1280.00")."""
    data = in_order(obj.model_dump(), type(obj)) if hasattr(obj, "model_dump") else dict(obj)
    return with_money(data) | extra


def with_money(data: dict[str, Any]) -> dict[str, Any]:
    """A record with the decimal string of each *_minor amount next to it (amount_minor →
    amount), in the record's currency."""
    currency = data.get("currency")
    if not isinstance(currency, str):
        return data
    out: dict[str, Any] = {}
    for k, v in data.items():
        out[k] = v
        name = k.removesuffix("_minor")
        if name != k and name not in data and isinstance(v, int) and not isinstance(v, bool):
            from ..validate import money_str

            out[name] = money_str(v, currency)
    return out


def in_order(data: dict[str, Any], model: Any) -> dict[str, Any]:
    """A model_dump() with its keys in the order the model declares its fields (a loaded row's
    come in the order SQLAlchemy set them)."""
    return {k: data[k] for k in model.model_fields if k in data} | data


def written(fmt: str, obj: Any, **extra: Any) -> bool:
    """`--format json` of a write command: print the record it created or changed (with its
    id, so scripts can chain commands) and return True; False for the table (the human line)."""
    if fmt != "json":
        return False
    write_json(record(obj, **extra))
    return True


def write_frame(frame: Any, fmt: str) -> None:
    """A pandas DataFrame as CSV or JSON records in one vectorised pass (big analytics tables);
    dates as YYYY-MM-DD, missing values as empty / null."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
        elif col in MONEY_KEYS and pd.api.types.is_numeric_dtype(out[col]):
            if "currency" in out.columns:
                cells = zip(out[col].tolist(), out["currency"].tolist(), strict=True)
                out[col] = [money_value(v, c if isinstance(c, str) else None) for v, c in cells]
            else:
                out[col] = money_column(out[col].tolist())
    if fmt == "csv":
        out.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        text = out.to_json(orient="records", force_ascii=False, indent=2, double_precision=15)
        sys.stdout.write(text + "\n")


def write_csv(rows: Sequence[dict[str, Any]], keys: Sequence[str] | None = None) -> None:
    fields = list(keys or [])
    for row in rows:  # every key any row has, the preferred ones first
        fields.extend(k for k in row if k not in fields)
    writer = csv.DictWriter(
        sys.stdout, fieldnames=fields, extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(v) for k, v in money_strings(plain(dict(row))).items()})


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value


def table(
    rows: Sequence[dict[str, Any]],
    cols: Sequence[Col],
    title: str | None = None,
    empty: str | None = None,
    caption: str | None = None,
    compact: bool = False,
) -> None:
    """Rows as a Rich table. Cell values are shown as typed: never read as [style] markup.

    compact: one line per row, no vertical rules; columns with `drop` are left out (highest
    first) until the rest fits the terminal, and the `flex` column is cut to the room left.
    """
    out = console()
    if not rows:
        from rich.text import Text

        from ..i18n import _

        out.print(Text(_("Nothing to show.") if empty is None else empty))
        return

    cells = [{c.key: human(r.get(c.key)) for c in cols} for r in rows]
    if compact:
        cols = _fit(cells, cols, out.width)
        lines = _compact_lines(out, cells, cols, title) if caption is None else None
        if lines is not None:
            from rich.segment import Segments

            out.print(Segments(lines))
            return
    else:
        cols = _fit_wide(cells, cols, out.width)
    out.print(_rich_table(cells, cols, title, caption, compact))


# a cell that must never wrap: an amount, a number, a date or time, a phone, an id (#12, F19,
# b185), a percentage or a count with its unit (22d, 3天)
_ATOMIC = re.compile(
    r"[#+\-−]?[A-Za-z]{0,2}[¥$€£￥]?\s?\d[\d\s.,:/%+\-−×]*"
    r"(?:\s?[A-Za-z¥$€£￥元天日岁次%]{1,3})?"
)
_DATETIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")


def _fit_wide(cells: list[dict[str, str]], cols: Sequence[Col], width: int) -> list[Col]:
    """Choose the columns of a boxed table for `width`: numbers, money, dates, phones and ids
    never wrap (their columns get wrap=False); when the table would not fit, times are cut from
    date-and-time columns, then columns with `drop` are left out (highest first). Text columns
    keep room for their header's longest word and wrap within it."""
    import dataclasses

    from rich.cells import cell_len

    def fixed(c: Col) -> bool:
        if not c.wrap:
            return True
        if c.flex:
            return False
        seen = [r[c.key] for r in cells if r[c.key]]
        return bool(seen) and all(
            cell_len(t) <= 24 and _ATOMIC.fullmatch(t) is not None for t in seen
        )

    kept = [dataclasses.replace(c, wrap=False) if fixed(c) else c for c in cols]

    def word(c: Col) -> int:
        return max((cell_len(w) for w in c.header.split()), default=0)

    def content(c: Col) -> int:
        return max([0, *(cell_len(r[c.key]) for r in cells)])

    def need(c: Col, tight: bool) -> int:
        if c.wrap:  # its header's longest word, at least 6 cells, unless all it holds is shorter
            longest = min(max(cell_len(c.header), content(c)), max(word(c), 6))
        elif tight:  # the header wraps between its words
            longest = max(content(c), word(c), 1)
        else:
            longest = max(cell_len(c.header), content(c))
        return min(longest, c.max_width) if c.max_width else longest

    def total(cs: list[Col], tight: bool = True) -> int:
        return sum(need(c, tight) for c in cs) + 3 * len(cs) + 1  # padding, rules and edges

    if total(kept, tight=False) <= width:
        return kept
    for c in kept:  # shorten first: the day without its time
        if not c.wrap and all(_DATETIME.fullmatch(r[c.key]) for r in cells if r[c.key]):
            for r in cells:
                r[c.key] = r[c.key][:10]
    while total(kept) > width and any(c.drop for c in kept):
        kept.remove(max((c for c in kept if c.drop), key=lambda c: c.drop))
    while total(kept) > width and len(kept) > 2:  # then from the right
        kept.pop()
    return [dataclasses.replace(c, width=need(c, True)) if not c.wrap else c for c in kept]


def _rich_table(
    cells: list[dict[str, str]],
    cols: Sequence[Col],
    title: str | None,
    caption: str | None,
    compact: bool,
) -> Any:
    """The Rich Table of a table() (Rich lays it out: wrapping, narrow terminals)."""
    from rich.table import Table
    from rich.text import Text

    t = Table(
        title=_as_markup(title, "table.title"),
        caption=_as_markup(caption, "table.caption"),
        header_style="bold",
        title_justify="left",
    )
    if compact:
        from rich import box

        t.box, t.show_edge, t.collapse_padding, t.pad_edge = box.SIMPLE_HEAD, False, True, False
    for c in cols:
        header = _as_markup(c.header)
        if c.width is not None:  # a fixed width: the header wraps between its words
            header = Text(c.header, no_wrap=False, overflow="fold")
        t.add_column(
            header,
            justify=c.justify,  # type: ignore[arg-type]
            style=c.style,
            width=c.width,
            max_width=c.max_width,
            no_wrap=compact or not c.wrap,
            overflow="fold" if c.wrap and not compact else "ellipsis",
        )
    for row in cells:
        t.add_row(*(Text(row[c.key]) for c in cols))
    return t


def _as_markup(text: str | None, style: str = "") -> Any:
    """A table title or header as Rich reads it (markup): the Text Rich would make of it when it
    holds no markup or :emoji: code, so Rich need not load its emoji table (~5 ms)."""
    if text is None or "[" in text or ":" in text:
        return text
    from rich.text import Text

    return Text(text, style=style)


def _fit(cells: list[dict[str, str]], cols: Sequence[Col], width: int) -> list[Col]:
    """Choose the columns of a compact table for `width`, and cut the flex column's text."""
    from rich.cells import cell_len

    needs: dict[str, int] = {}

    def need(c: Col) -> int:
        if c.key not in needs:
            w = max([cell_len(c.header), *(cell_len(r[c.key]) for r in cells)])
            needs[c.key] = min(w, c.max_width) if c.max_width else w
        return needs[c.key]

    kept = list(cols)
    flex_min = 12

    def total(cs: list[Col]) -> int:
        return sum(flex_min if c.flex else need(c) for c in cs) + 2 * (len(cs) - 1)

    while total(kept) > width and any(c.drop for c in kept):
        kept.remove(max((c for c in kept if c.drop), key=lambda c: c.drop))
    for c in kept:
        if c.flex:
            room = max(flex_min, width - (total(kept) - flex_min))
            for r in cells:
                if cell_len(r[c.key]) > room:
                    r[c.key] = _cut(r[c.key], room)
    return kept


def _compact_lines(
    out: Any, cells: list[dict[str, str]], cols: Sequence[Col], title: str | None
) -> list[Any] | None:
    """The segments Rich's Table prints for a compact table, built directly (Rich's general
    layout took ~0.1 s for 50 rows of `due`); None where only Rich's own layout is exact: a table
    wider than the terminal, markup or emoji codes in a header, control characters, an ASCII box.

    Mirrors rich.table for box SIMPLE_HEAD, show_edge/pad_edge False, collapse_padding, padding
    (0, 1), no_wrap, overflow "ellipsis": each column is as wide as its widest cell (header
    included) up to max_width; a cell is its text cut with "…" and padded by its justify, then one
    space of padding (not after the last column) in the cell's style, then the column divider.
    tests/test_render_speed.py compares the output with Rich's, byte for byte.
    """
    from rich import box
    from rich.cells import cell_len, set_cell_size
    from rich.segment import Segment

    options = out.options
    if box.SIMPLE_HEAD.substitute(options, safe=out.safe_box) is not box.SIMPLE_HEAD:
        return None
    for text in [title or "", *(c.header for c in cols)]:
        if "[" in text or ":" in text or not text.isprintable():
            return None  # Rich reads titles and headers as markup with emoji codes
    if any(c.justify not in ("left", "right") for c in cols):
        return None
    last = len(cols) - 1
    room = options.max_width - last  # the dividers take one cell each
    texts, widths = [], []
    for i, c in enumerate(cols):
        col = [c.header, *(r[c.key] for r in cells)]
        if not all(t.isprintable() for t in col):
            return None  # Rich strips or expands control characters; let it
        pad = 0 if i == last else 1
        if room - pad < 1:
            return None
        width = min(max(min(cell_len(t), room - pad) + pad for t in col), room)
        if c.max_width is not None:
            width = min(width, c.max_width + pad)
        width = width or 1
        if width - pad < 1:
            return None
        texts.append(col)
        widths.append(width)
    table_width = sum(widths) + last
    if table_width > options.max_width:
        return None  # Rich would squeeze the columns
    get_style = out.get_style
    header_style = get_style("bold")
    styles = [get_style(c.style) if c.style else None for c in cols]
    null = get_style("")  # the border and dividers: no style
    new_line = Segment("\n")
    lines: list[Any] = []
    if title:
        if cell_len(title) > table_width:
            return None  # Rich would wrap it
        lines += [Segment(set_cell_size(title, table_width), get_style("table.title")), new_line]
    divider = Segment(" ", null)
    for row in range(len(cells) + 1):
        for i, c in enumerate(cols):
            style = header_style if row == 0 else styles[i]
            pad = 0 if i == last else 1
            width = widths[i] - pad
            text = texts[i][row]
            if c.justify == "right":
                text = text.rstrip()
            size = cell_len(text)
            if size > width:
                text = set_cell_size(text, width - 1) + "…"
                size = cell_len(text)
            if size != width:
                text = (
                    " " * (width - size) + text
                    if c.justify == "right"
                    else text + " " * (width - size)
                )
                if cell_len(text) != width:
                    return None
            lines.append(Segment(text, style))
            if pad:
                lines += [Segment(" ", style or null), divider]
        lines.append(new_line)
        if row == 0:
            lines += [Segment(box.SIMPLE_HEAD.get_row(widths, "head", edge=False), null), new_line]
    return lines


def _cut(text: str, room: int) -> str:
    from rich.cells import cell_len

    while cell_len(text) > room - 1:
        text = text[:-1]
    return text + "…"


def card(title: str, fields: Iterable[tuple[str, Any]], subtitle: str | None = None) -> None:
    """A profile card: label/value pairs in a panel; empty values are left out."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column(overflow="fold")  # Chinese has no spaces to wrap at
    for label, value in fields:
        text = human(value)
        if text:
            grid.add_row(Text(label), Text(text))
    panel = Panel(
        grid,
        title=Text(title, style="bold"),
        subtitle=Text(subtitle) if subtitle else None,
        title_align="left",
    )
    panel.expand = False  # as wide as its content, not the whole terminal
    console().print(panel)


def esc(text: Any) -> str:
    """User data inside an info() message: shown as typed, never read as [style] markup."""
    from rich.markup import escape

    return escape(str(text))


def heading(text: str) -> None:
    from rich.text import Text

    console().print(Text("\n" + text, style="bold"))


def info(message: str) -> None:
    """A line of Rich markup ([bold]…[/]); wrap user data in esc()."""
    if "[" in message or ":" in message:
        console().print(message)
    else:  # no markup and no :emoji: code: the same Text, without loading Rich's emoji table
        from rich.text import Text

        console().print(Text(message))


def success(message: str) -> None:
    """A plain-text message after a green tick (user data is safe in it)."""
    from rich.text import Text

    console().print(Text.assemble(("✓", "green"), " ", message))


def notice(message: str) -> None:
    """A plain-text line on stderr, for progress the user should know about."""
    from rich.text import Text

    console(stderr=True).print(Text(message, style="dim"))


def warn(message: str) -> None:
    """A plain-text warning on stderr."""
    from rich.text import Text

    from ..i18n import _

    label = _("Warning:")
    console(stderr=True).print(Text.assemble((label, "yellow"), _gap(label), message))


def error(message: str) -> None:
    from rich.markup import escape

    from ..i18n import _

    label = _("Error:")
    console(stderr=True).print(f"[red]{label}[/]{_gap(label)}{escape(message)}", soft_wrap=True)


def _gap(label: str) -> str:
    """The space after "Error:"; none after a full-width colon (错误：)."""
    return "" if label.endswith("：") else " "
