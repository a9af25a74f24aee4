"""The interface in Chinese and English: choosing the language, the catalogue against the code,
and a scripted day that must read entirely in Chinese under a zh locale (and in English under
an English one)."""

from __future__ import annotations

import gettext
import re
import string
from pathlib import Path

import pytest
import typer.main

from custtrack import i18n
from custtrack.cli import app

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src/custtrack/i18n/locale"
PO = LOCALE / "zh_CN/LC_MESSAGES/custtrack.po"
MO = PO.with_suffix(".mo")


# --- choosing the language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh-CN"),
        ({"LANG": "zh_SG.UTF-8"}, "zh-CN"),
        ({"LANG": "zh_Hans"}, "zh-CN"),
        ({"LANG": "zh_CN.GB18030"}, "zh-CN"),
        ({"LANG": "zh_TW.UTF-8"}, "en"),  # Traditional: no catalogue, English
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LANG": "C"}, "en"),
        ({}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh-CN"),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANGUAGE": "en_US:en"}, "en"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "fr:zh_CN:en"}, "zh-CN"),
        ({"LANG": "zh_CN.UTF-8", "LANGUAGE": "fr:de"}, "zh-CN"),  # nothing we have: locale
    ],
)
def test_language_from_the_environment_in_gettext_order(env, expected) -> None:
    assert i18n.from_environment(env) == expected


def test_setting_overrides_environment_and_lang_overrides_both(cli, monkeypatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "用法" in cli("add", "--help").stdout
    cli("config", "set", "language", "en")
    assert "Usage" in cli("add", "--help").stdout
    assert "用法" in cli("--lang", "zh-CN", "add", "--help").stdout
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    cli("config", "set", "language", "zh-CN")
    assert "用法" in cli("add", "--help").stdout
    assert "Usage" in cli("--lang", "en", "add", "--help").stdout
    cli("config", "set", "language", "")  # back to the environment
    assert "Usage" in cli("add", "--help").stdout


def test_unknown_languages_are_refused(cli) -> None:
    r = cli("--lang", "fr", "list", code=2)
    assert r.stderr.strip() == "Error: --lang 'fr': must be zh-CN or en"
    r = cli("config", "set", "language", "klingon", code=2)
    assert "language 'klingon': must be zh-CN or en" in r.stderr


# --- the catalogue against the code -----------------------------------------------------------


def _extracted() -> dict[tuple[str | None, str], tuple[str, ...]]:
    """Every message the code marks, as `pybabel extract -F babel.cfg` finds it."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    method_map = [("src/custtrack/**.py", "custtrack.i18n.extract:extract")]
    found = {}
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=DEFAULT_KEYWORDS
    ):
        ids = (message,) if isinstance(message, str) else tuple(message)
        found[(context, ids[0])] = ids
    return found


def _catalogue():  # noqa: ANN202
    from babel.messages.pofile import read_po

    with PO.open("rb") as fh:
        return read_po(fh, locale="zh_CN")


def test_every_string_the_code_uses_has_its_chinese_translation() -> None:
    catalogue = _catalogue()
    missing = []
    for (context, msgid), ids in _extracted().items():
        entry = catalogue.get(ids if len(ids) > 1 else msgid, context=context)
        text = entry.string if entry is not None else None
        text = text[0] if isinstance(text, tuple | list) else text
        if not text or (entry is not None and entry.fuzzy):
            missing.append(msgid)
    assert not missing, f"{len(missing)} strings lack Chinese: {missing[:20]}"


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def _texts(string: str | tuple | list | None) -> tuple[str, ...]:
    """A catalogue entry's translation(s): one for a message, one per form for a plural."""
    return (string,) if isinstance(string, str) else tuple(string or ())


def _markup(text: str) -> list[str]:
    """Rich markup tags ([bold] … [/]) in a message."""
    styles = "bold|dim|italic|underline|red|green|yellow|cyan|blue|magenta|b|i"
    return re.findall(rf"\[/?(?:{styles})(?: [a-z]+)*\]|\[/\]", text)


def test_translations_keep_their_placeholders_and_markup() -> None:
    wrong = []
    for entry in _catalogue():
        if not entry.id or not any(_texts(entry.string)):
            continue
        ids = (entry.id,) if isinstance(entry.id, str) else entry.id
        texts = (entry.string,) if isinstance(entry.string, str) else entry.string
        for text in texts:
            try:
                same = _fields(text) == _fields(ids[-1])
            except ValueError:
                same = False
            tags = _markup(text) == _markup(ids[-1])
            if not (same and tags):
                wrong.append((ids[0][:60], text[:60]))
    assert not wrong, wrong[:10]


def test_the_compiled_catalogue_is_the_po_file() -> None:
    mo = gettext.GNUTranslations(MO.open("rb"))
    for entry in _catalogue():
        if not entry.id or not any(_texts(entry.string)) or entry.fuzzy:
            continue
        if isinstance(entry.id, str):
            got = mo.pgettext(entry.context, entry.id) if entry.context else mo.gettext(entry.id)
            assert got == entry.string, f"{entry.id!r}: run pybabel compile"
        else:
            assert mo.ngettext(entry.id[0], entry.id[1], 2) == entry.string[0], entry.id


# --- Typer's and Click's own words ------------------------------------------------------------


def test_typer_and_click_words_in_chinese(cli, monkeypatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    out = cli("log", "--help").stdout
    for word in ("用法：", "─ 参数 ", "─ 选项 ", "显示本帮助并退出。", "[必填]", "[默认："):
        assert word in out, word
    assert "Usage" not in out and "Options" not in out
    assert "─ 命令 " in cli("import", "--help").stdout or "─ 导入" in cli("import").stdout
    errors = {
        ("buy",): "缺少参数",
        ("buy", "x", "1", "--zz"): "没有这个选项：--zz",
        ("buy", "x", "1", "--qty", "abc"): "的值无效：'abc' 不是整数",
        ("lizt",): "没有 'lizt' 这个命令。是不是要用 'list'？",
    }
    for args, expected in errors.items():
        r = cli(*args, code=2)
        assert r.stderr.startswith("错误："), r.stderr
        assert expected in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    cli("add", "王芳")
    cli("add", "王方")
    assert cli("merge", "1", "2", input="n\n", code=1).stderr.strip() == "已取消。"


def test_plural_days() -> None:
    assert i18n.days_from_now(1) == "in 1 day"
    assert i18n.days_from_now(3) == "in 3 days"
    assert i18n.days_from_now(-1) == "1 day ago"
    i18n.use("zh-CN")
    try:
        assert i18n.days_from_now(10) == "10天后"
        assert i18n.days_from_now(-3) == "3天前"
        from datetime import date

        assert [i18n.weekday(date(2026, 11, 16 + k)) for k in range(7)] == [
            "周一", "周二", "周三", "周四", "周五", "周六", "周日",
        ]  # fmt: skip
    finally:
        i18n.use("en")


def test_money_in_chinese() -> None:
    from custtrack.validate import money_text

    assert money_text(128000, "CNY") == "1,280.00 CNY"
    i18n.use("zh-CN")
    try:
        assert money_text(128000, "CNY") == "¥1,280.00"
        assert money_text(-500, "CNY") == "-¥5.00"
        assert money_text(1250, "USD") == "12.50 USD"
    finally:
        i18n.use("en")


# --- a scripted day, in Chinese and in English ------------------------------------------------

# What the day types: data, shown as typed in either language.
DATA = (
    "王芳",
    "李雷",
    "韩梅梅",
    "张伟",
    "西湖龙井 250g",
    "茶叶",
    "问了今年的龙井",
    "发价目表",
    "好喝",
    "快递太慢",
    "已补发",
    "客户.csv",
    "杭州",
    "wangfang88",
    "vip",
    "1391234",
    "meimei@example",
    "张三",
    "李四",
    "姓名",
    "手机",
    "export.csv",
    "backup.db",
)


def _day(cli, tmp_path: Path) -> list[tuple[str, str]]:
    """Runs the scripted day; returns (command, everything it printed) pairs."""
    sheet = tmp_path / "客户.csv"
    sheet.write_text("姓名,手机\n张三,13800138001\n李四,1391234\n", encoding="utf-8")
    steps = [
        ("config", "set", "currency", "CNY"),
        ("config", "set", "phone_region", "CN"),
        ("add", "王芳", "--phone", "138-0013-8000", "--wechat", "wangfang88", "--city", "杭州",
         "--tag", "vip", "--birthday", "1985-11-25"),
        ("add", "李雷", "--phone", "13900139000", "--city", "杭州"),
        ("add", "韩梅梅", "--phone", "13700137000"),
        ("log", "王芳", "-c", "wechat", "-m", "问了今年的龙井", "--next", "+2d",
         "--next-note", "发价目表"),
        ("log", "李雷", "-c", "phone", "--at", "2026-10-01"),
        ("buy", "王芳", "268", "--product", "西湖龙井 250g", "--category", "茶叶"),
        ("buy", "李雷", "1280", "--at", "2026-06-01", "--category", "茶叶"),
        ("buy", "李雷", "88", "--at", "2026-09-01"),
        ("buy", "王芳", "abc"),
        ("feedback", "王芳", "--csat", "5", "--nps", "9", "-m", "好喝"),
        ("complain", "韩梅梅", "快递太慢", "--category", "delivery"),
        ("plan", "韩梅梅", "2026-11-18", "--past", "-c", "phone"),
        ("plan", "李雷", "2026-11-21"),
        ("due",),
        ("due", "--explain"),
        ("done", "1", "--log", "已补发"),
        ("snooze", "2", "+3d"),
        ("show", "王芳"),
        ("show", "张伟"),
        ("list",),
        ("report",),
        ("rfm",),
        ("segments",),
        ("segments", "--explain"),
        ("lifecycle",),
        ("lifecycle", "--explain"),
        ("churn",),
        ("value",),
        ("suggest", "王芳"),
        ("import", "customers", str(sheet)),
        ("export", "customers", "-o", str(tmp_path / "export.csv")),
        ("check",),
        ("complaints",),
        ("resolve", "1", "已补发"),
        ("edit", "李雷", "--city", "上海"),
        ("history", "李雷"),
    ]  # fmt: skip
    printed = []
    for args in steps:
        r = cli(*args, code=None)
        printed.append((" ".join(args), r.stdout + r.stderr))
    for path in _commands():
        r = cli(*path, "--help", code=None)
        assert r.exit_code == 0, (path, r.stdout, r.stderr)
        printed.append((" ".join(path) + " --help", r.stdout))
    return printed


def _commands(group=None, path=()):  # noqa: ANN001, ANN202
    group = group or typer.main.get_command(app)
    yield path
    for name, sub in getattr(group, "commands", {}).items():
        yield from _commands(sub, (*path, name))


# English words that may appear in a Chinese run: codes, names of things, units.
ALLOWED = {
    "custtrack", "csat", "nps", "rfm", "clv", "cac", "cny", "usd", "eur", "json", "csv", "tsv",
    "xlsx", "xlsm", "xls", "ods", "ics", "sqlite", "sqlalchemy", "wps", "excel", "utf", "gbk",
    "gb18030", "iso", "toml", "wechat", "bg", "nbd", "gamma", "gamma-gamma", "url", "id", "ids",
    "kpi", "api", "vip", "str", "bool", "int", "float", "zh-cn", "shell", "tab", "ctrl-c",
    "postgresql", "psycopg",
}  # fmt: skip


def _english_words() -> set[str]:
    """Every word of the interface's English (the catalogue's msgids), in lower case."""
    words = set()
    for entry in _catalogue():
        ids = (entry.id,) if isinstance(entry.id, str) else entry.id or ()
        for text in ids:
            words.update(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]*[A-Za-z]", text))
    return words - ALLOWED


def _strip_code(text: str) -> str:
    """The text without what is code, not prose: command lines, options, metavars, `code`,
    e-mail addresses and file names, and the data the day typed."""
    from custtrack.config import DEFAULTS

    for value in sorted(DATA, key=len, reverse=True):
        text = text.replace(value, " ")
    text = re.sub(r"[\w.]*[_.][a-z][\w.]*", " ", text)  # config keys, module.names, snake_case
    for key in DEFAULTS:  # a setting's name is code: `config set currency CNY`
        text = re.sub(rf"\b{re.escape(key)}\b", " ", text)
    text = re.sub(r"`[^`]*`", " ", text)  # `code`, also when wrapped over lines
    text = re.sub(r"\[默认：[^\]]*\]|\[default: [^\]]*\]", " ", text)  # a default value
    text = re.sub(r"(字段|fields?)：.*?(。|\n[\s│]*\n)", " ", text, flags=re.S)  # field names
    text = re.sub(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\bLANG(UAGE)?\b", " ", text)  # env variables
    text = re.sub(r"JSON[\s│]+Lines", " ", text)  # a format's name
    lines = []
    for line in text.splitlines():
        if line.strip("│ ").startswith(("用法：", "Usage:")):
            continue  # the usage line: command syntax
        lines.append(re.sub(r"\bcusttrack\b.*", " ", line))  # an example command line
    text = "\n".join(lines)
    text = re.sub(r"(?<![\w])--?[A-Za-z][\w-]*", " ", text)  # options
    text = re.sub(r"[\w.+-]+@[\w.-]+", " ", text)
    text = re.sub(r"[\w/.-]+\.(csv|xlsx|json|db|ics|toml|xls|ods)\b", " ", text)
    text = re.sub(r"<[a-z\[\]]+>|\{[a-z_]+\}|\[[A-Z_]+\]", " ", text)  # metavars
    return text


def _names() -> set[str]:
    """Command names and parameter names: code, shown as typed in either language."""
    names = set()
    for path in _commands():
        names.update(path)
        command = typer.main.get_command(app)
        for part in path:
            command = command.commands[part]
        names.update(p.name for p in command.params if p.name)
    return {w.lower() for n in names for w in re.split(r"[_-]", n)}


def test_a_day_in_chinese_shows_no_english(cli, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    english = _english_words() - _names()
    found = {}
    for command, text in _day(cli, tmp_path):
        words = re.findall(r"(?<![\w-])[A-Za-z][A-Za-z'-]*[A-Za-z](?!\w)", _strip_code(text))
        bad = sorted({w for w in words if len(w) > 2 and w.lower() in english})
        if bad:
            found[command] = bad
    assert not found, "\n".join(f"{c}: {', '.join(w)}" for c, w in found.items())


def test_the_same_day_in_english_stays_english(cli, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    han = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
    # Chinese that the English itself quotes (header words it knows, 明天 as a date, 简体中文)
    quoted = sorted(
        {run for e in _catalogue() for t in ((e.id,) if isinstance(e.id, str) else e.id or ())
         for run in han.findall(t)}, key=len, reverse=True,
    )  # fmt: skip
    found = {}
    for command, text in _day(cli, tmp_path):
        rest = _strip_code(text)
        for run in quoted:
            rest = rest.replace(run, " ")
        if han.search(rest):
            found[command] = sorted(set(han.findall(rest)))
    assert not found, found


@pytest.mark.parametrize("width", [80, 120])
def test_chinese_tables_line_up(cli, monkeypatch, width) -> None:
    """Chinese is two cells wide a character: every line of a table is as wide as the others
    (Rich's boxed tables and the compact ones custtrack draws itself), within the terminal."""
    from rich.cells import cell_len

    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("COLUMNS", str(width))
    cli("add", "王芳", "--phone", "13800138000", "--city", "杭州", "--tag", "老客户")
    cli("add", "欧阳娜娜", "--phone", "13900139000", "--city", "乌鲁木齐")
    cli("plan", "王芳", "2026-11-18", "--past", "-m", "发今年的新茶价目表和礼盒图片")
    cli("plan", "欧阳娜娜", "2026-11-20", "-m", "问问上次买的茶具用得怎么样")
    boxed = [ln for ln in cli("list").stdout.splitlines() if ln[:1] in "┏┃┡│└"]
    assert len(boxed) >= 6
    assert len({cell_len(ln) for ln in boxed}) == 1 and cell_len(boxed[0]) <= width
    due = cli("due").stdout.splitlines()
    rule = next(i for i, ln in enumerate(due) if set(ln) == {"─"})
    header, rows = due[rule - 1], []
    for line in due[rule + 1 :]:  # the first section's rows (each section has its own widths)
        if not line.startswith(" "):
            break
        rows.append(line)
    assert "客户" in header and rows
    widths = {cell_len(ln) for ln in [header, due[rule], *rows]}
    assert len(widths) == 1 and widths.pop() <= width
