"""The cheap paths of `due`'s output give exactly what they replace: compact tables built without
Rich's table layout, Chinese mobile numbers formatted without importing phonenumbers."""

import io
import random

import phonenumbers
import pytest
from rich.console import Console
from rich.segment import Segments

from custtrack.cli import _output
from custtrack.cli._output import Col
from custtrack.validate import format_phone


def _phonenumbers(e164: str) -> str:
    """What format_phone gave before its fast path: phonenumbers for every number."""
    try:
        num = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def test_every_chinese_mobile_prefix_formats_as_phonenumbers_does() -> None:
    # phonenumbers picks the format (and strips carrier codes) by at most the first 5 digits
    rnd = random.Random(6)
    for prefix in range(13000, 20000):
        e164 = f"+86{prefix}{rnd.randrange(10**6):06d}"
        assert format_phone(e164) == _phonenumbers(e164), e164


@pytest.mark.parametrize(
    "e164",
    [
        "+8613800138000", "+861012345678", "+862112345678", "+8657112345678", "+8612345678901",
        "+861380013800", "+86138001380001", "+86１３８００１３８０００", "+12125550123",
        "+442079460958", "+4930123456", "+81312345678", "+85291234567", "+886912345678",
        "+6591234567", "+8613800138000 ", "13800138000", "+999123",
    ],
)  # fmt: skip
def test_other_numbers_and_odd_strings_format_as_phonenumbers_does(e164: str) -> None:
    assert format_phone(e164) == _phonenumbers(e164)


# --- compact tables ---------------------------------------------------------------------------

TEXTS = [
    "罗勇", "陈明雪", "Wang Fang", "complaint #270 (quality, urgent): rude on the phone", "",
    "  padded  ", "x", "欧阳娜娜娜娜娜娜娜", "Ünïcödé", "🙂 smile", "e\u0301t\u0301e\u0301",
    "[bold]not markup[/]", "a:smile:b", "162,511.99", "2026-11-20 15:00", "600d", "k1916",
    "trailing   ", "半角和全角ＡＢＣ mixed",
]  # fmt: skip
ODD = ["tab\there", "line\nbreak", "\u200dzwj", "bell\a", "ideographic\u3000space"]  # Rich's way
STYLES = [None, None, "bold", "red", "bold red", "italic"]


def _random_table(rnd: random.Random) -> tuple[list[Col], list[dict], str | None]:
    cols = []
    for i in range(rnd.randint(1, 9)):
        cols.append(
            Col(
                f"k{i}",
                rnd.choice(
                    ["ID", "Customer", "Why", "Due", "Late", "Note", "Reach", "Spend", "名"]
                ),
                justify=rnd.choice(["left", "right"]),
                style=rnd.choice(STYLES),
                max_width=rnd.choice([None, None, 1, 3, 8, 14]),
                drop=rnd.choice([0, 0, 1, 2, 3]),
            )
        )
    if rnd.random() < 0.7:
        flex = rnd.randrange(len(cols))
        cols[flex] = Col(cols[flex].key, cols[flex].header, cols[flex].justify, flex=True)
    rows = [
        {c.key: rnd.choice(TEXTS) if rnd.random() < 0.9 else None for c in cols}
        for _ in range(rnd.randint(1, 12))
    ]
    if rnd.random() < 0.1:
        rows[0][cols[0].key] = rnd.choice(ODD)
    title = rnd.choice([None, "Overdue (3)", "Next 14 days (1)", "  Today (2) ", "x" * 90])
    return cols, rows, title


def _rich(cells: list[dict], cols: list[Col], title: str | None, caption=None, compact=True):
    """A table as table() built it before this speed work: Rich's Table, every title, caption
    and header given as a string (read as markup)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    t = Table(title=title, caption=caption, header_style="bold", title_justify="left")
    if compact:
        t.box, t.show_edge, t.collapse_padding, t.pad_edge = box.SIMPLE_HEAD, False, True, False
    for c in cols:
        fold = c.wrap and not compact
        t.add_column(
            c.header, justify=c.justify, style=c.style, max_width=c.max_width,
            no_wrap=not fold, overflow="fold" if fold else "ellipsis",
        )  # fmt: skip
    for row in cells:
        t.add_row(*(Text(row[c.key]) for c in cols))
    return t


def _both(cells: list[dict], cols: list[Col], title: str | None, **console: object):
    """(fast output or None, Rich's output) of one compact table on one console."""
    outputs = []
    for fast in (True, False):
        buf = io.StringIO()
        out = Console(file=buf, highlight=False, soft_wrap=False, **console)  # type: ignore[arg-type]
        rows = [dict(r) for r in cells]
        kept = _output._fit(rows, cols, out.width)
        if fast:
            lines = _output._compact_lines(out, rows, kept, title)
            if lines is None:
                outputs.append(None)
                continue
            out.print(Segments(lines))
        else:
            out.print(_rich(rows, kept, title))
        outputs.append(buf.getvalue())
    return outputs


CONSOLES = [
    {"width": 120, "force_terminal": True, "color_system": "truecolor"},
    {"width": 200, "force_terminal": True, "color_system": "standard"},
    {"width": 80, "force_terminal": False},
    {"width": 40, "force_terminal": True, "color_system": "256"},
    {"width": 24, "force_terminal": False},
]


def test_compact_tables_print_exactly_what_rich_prints() -> None:
    rnd = random.Random(2026)
    fast = 0
    for case in range(400):
        cols, rows, title = _random_table(rnd)
        cells = [{c.key: _output.human(r.get(c.key)) for c in cols} for r in rows]
        console = CONSOLES[case % len(CONSOLES)]
        mine, rich = _both(cells, cols, title, **console)
        if mine is not None:
            fast += 1
            assert mine == rich, (case, console, title, cells)
    assert fast > 200  # most tables take the fast path; the rest fall back to Rich itself


DUE_COLS = [
    Col("id", "ID", "right", "bold"), Col("customer", "Customer", max_width=14),
    Col("origin", "Why", drop=2), Col("when", "Due"), Col("late", "Late", "right", "red"),
    Col("channel", "Via", drop=3), Col("note", "Note", flex=True), Col("reach", "Reach"),
    Col("value", "Spend", "right", drop=1),
]  # fmt: skip


@pytest.mark.parametrize("width", [200, 120, 100, 80, 60])
def test_the_due_table_takes_the_fast_path_and_matches_rich(width: int) -> None:
    # at 60 columns even the kept columns do not fit: Rich squeezes them, so Rich renders it
    rows = [
        {"id": "k270", "customer": "罗勇", "origin": "complaint", "when": "2025-03-30 06:14",
         "late": "600d", "channel": "visit", "reach": "+86 132 4026 0927", "value": "162,511.99",
         "note": "complaint #270 (quality, urgent): rude on the phone"},
        {"id": "1145", "customer": "Alexandra Konstantinopoulou", "origin": "manual",
         "when": "2026-11-20", "late": "", "channel": "wechat", "reach": "WeChat wx_0095225",
         "value": "", "note": "新茶到了，问问要不要留两斤"},
    ]  # fmt: skip
    cells = [{c.key: _output.human(r.get(c.key)) for c in DUE_COLS} for r in rows]
    mine, rich = _both(cells, DUE_COLS, "Overdue (2)", width=width, force_terminal=True)
    assert mine == (rich if width >= 80 else None)


def test_due_prints_the_same_with_and_without_the_fast_path(cli, monkeypatch) -> None:
    cli("add", "王芳", "--phone", "+86 138 0013 8000", "--wechat", "wf88")
    cli("buy", "王芳", "1200")
    cli("plan", "王芳", "2026-11-18", "--past", "-m", "送新茶样品，问问口味")
    cli("plan", "王芳", "today 15:00")
    cli("add", "Alexandra Konstantinopoulou", "--wechat", "alex_k")
    cli("plan", "Alexandra", "tomorrow", "-m", "[bold]prices[/] :smile:")
    fast = cli("due").stdout
    calls = []
    real = _output._compact_lines
    monkeypatch.setattr(_output, "_compact_lines", lambda *a: calls.append(real(*a)))
    assert cli("due").stdout == fast
    assert len(calls) == 3 and all(calls)  # three sections, each one had taken the fast path
    assert "+86 138 0013 8000" in fast and "Overdue (1)" in fast and "[bold]prices[/]" in fast


def test_a_header_with_markup_falls_back_to_rich(capsys) -> None:
    cols = [Col("a", "[bold]A[/]"), Col("b", "B")]
    _output.table([{"a": "1", "b": "2"}], cols, title="T", compact=True)
    out = capsys.readouterr().out
    assert out.splitlines()[1].split() == ["A", "B"]  # the header's markup applied, not shown


@pytest.mark.parametrize(
    "message",
    ["… and 11390 more (use --limit 0 to see all).", "Nothing due through 2026-11-27.", "[b]x[/] y",
     "at 10:00 :smile:", "  padded  ", "Example shop loaded: 12 customers."],
)  # fmt: skip
def test_info_prints_what_rich_markup_printing_prints(message: str, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    _output.info(message)
    mine = capsys.readouterr().out
    _output.console().print(message)  # the markup path info() always took before
    assert mine == capsys.readouterr().out


def test_rich_tables_read_titles_and_headers_as_before() -> None:
    # _rich_table hands Rich a Text for a title or header without markup (no emoji table load)
    rnd = random.Random(7)
    for case in range(120):
        cols, rows, title = _random_table(rnd)
        cols[0] = Col(cols[0].key, rnd.choice(["[b]Bold[/]", "Time: now", "x:smile:", "名"]))
        title = rnd.choice([title, "[i]Churn[/] by month", "As of: 2026-11-20", ":star: top"])
        caption = rnd.choice([None, "3 more", "[dim]see --all[/]", "a: b"])
        cells = [{c.key: _output.human(r.get(c.key)) for c in cols} for r in rows]
        compact = rnd.random() < 0.5
        width = rnd.choice([40, 100])
        prints = []
        for table in (_output._rich_table, _rich):
            buf = io.StringIO()
            console = Console(file=buf, highlight=False, force_terminal=True, width=width)
            console.print(table([dict(r) for r in cells], cols, title, caption, compact))
            prints.append(buf.getvalue())
        assert prints[0] == prints[1], (case, title, caption)
