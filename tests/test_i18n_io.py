"""The file readers, the table finder, the column mapping and the duplicate reasons in Chinese
(and their machine forms, for JSON and the batch record, still in English)."""

from __future__ import annotations

from pathlib import Path

import pytest

from custtrack import db, i18n

ROOT = Path(__file__).resolve().parents[1]
SHEET = ROOT / "examples/tracking-sheet.xlsx"


@pytest.fixture
def zh(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")


def test_reader_errors_in_chinese(cli, zh, tmp_path):
    ok = tmp_path / "ok.csv"
    ok.write_text("姓名,电话,备用\n王芳,13800138000,x\n", encoding="utf-8")
    err = cli("import", "sheet", SHEET, "--sheet", "nosuch", code=2).stderr
    assert "--sheet 'nosuch'：没有这个工作表；此工作簿中的工作表：1 " in err
    err = cli("import", "sheet", SHEET, "--header-row", "99", code=2).stderr
    assert "--header-row 99：tracking-sheet.xlsx 的第 99 行是空行，或已超出文件末尾" in err
    err = cli("import", "customers", ok, "--map", "备用=foo", code=2).stderr
    assert "'foo' 不是客户的字段" in err
    err = cli("import", "customers", ok, "--map", "备用", code=2).stderr
    assert '应写成 列名=字段（例如 --map "手机=phone"）' in err
    err = cli("import", "customers", ok, "--map", "无此列=name", code=2).stderr
    assert "没有这一列（现有的列：'姓名'，'电话'，'备用'）" in err
    err = cli("import", "customers", ok, "--sheet", "2", code=2).stderr
    assert "--sheet 只适用于电子表格" in err
    doc = tmp_path / "合同.doc"  # a Word file is an OLE file, like an old .xls
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    err = cli("import", "customers", doc, code=1).stderr
    assert "合同.doc 不是可读取的电子表格" in err and "无法识别文件格式" in err
    page = tmp_path / "导出.xls"
    page.write_text("<html><table></table></html>", encoding="utf-8")
    assert "其实是网页" in cli("import", "customers", page, code=1).stderr
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    assert "空.csv 是空文件：没有可导入的内容" in cli("import", "customers", empty, code=1).stderr
    bad = tmp_path / "bad.json"
    bad.write_text('[{"name": "a",}]', encoding="utf-8")
    err = cli("import", "customers", bad, code=1).stderr
    assert "bad.json 不是有效的 JSON（第 1 行：应为带双引号的键名；文件不完整？）" in err
    quoted = tmp_path / "q.csv"
    quoted.write_text('name,phone\n"Wang,123\n', encoding="utf-8")
    err = cli("import", "customers", quoted, code=1).stderr
    assert "q.csv 第 2 行：文件在一个带引号的字段中间就结束了" in err
    for err in (cli("import", "customers", tmp_path / "nope.csv", code=2).stderr,):
        assert "找不到文件" in err


def test_where_and_how_a_file_was_read_for_people_and_for_json(tmp_path):
    from custtrack.io.mapping import auto_map, describe
    from custtrack.io.table import HEADER_AGAIN, open_table, shown_skipped

    f = tmp_path / "t.tsv"
    f.write_text("姓名\t电话\t\n王芳\t13800138000\tx\n姓名\t电话\t\n", encoding="utf-8")
    i18n.use("zh-CN")
    table = open_table(f, "customers")
    rows = list(table.rows)
    table.source.close()
    assert len(rows) == 1 and table.skipped == [(3, HEADER_AGAIN)]
    assert table.source.describe() == "CSV, utf-8, delimiter tab"  # stored and in JSON
    assert table.source.describe(shown=True) == "CSV，utf-8，分隔符 制表符"
    assert (table.where(), table.where(shown=True)) == ("line 1", "第 1 行")
    mapping = auto_map("customers", table.headers)
    assert describe(table.headers, mapping)[1] == ["(column 3)"]
    assert describe(table.headers, mapping, shown=True)[1] == ["（第 3 列）"]
    assert (shown_skipped(HEADER_AGAIN), shown_skipped("合计")) == ("（重复的表头）", "合计")
    i18n.use("en")
    assert shown_skipped(HEADER_AGAIN) == "(the header again)"
    assert table.where(shown=True) == "line 1"


def test_duplicate_reasons_in_chinese_for_a_table_english_for_json(cli, zh):
    from custtrack.services.dupes import find_dupes

    cli("add", "王芳", "--city", "杭州", "--phone", "13800138000")
    cli("add", "王 芳", "--city", "杭州", "--email", "wf@example.com")
    cli("add", "W Fang", "--phone", "13800138000", "--force")
    cli("add", "Fang", "--email", "WF@example.com", "--force")
    i18n.use("zh-CN")
    with db.session() as s:
        shown = {(r["a_id"], r["b_id"]): r["reason"] for r in find_dupes(s, shown=True)}
        stored = {(r["a_id"], r["b_id"]): r["reason"] for r in find_dupes(s)}
    assert shown[1, 2] == "同城 杭州，姓名相近（100）"
    assert shown[1, 3] == "电话相同 +8613800138000"
    assert shown[2, 4] == "邮箱相同 wf@example.com"
    assert stored[1, 2] == "similar name in the same city 杭州 (100)"
    assert cli.json("dupes")[0]["reasons"][0].startswith("similar name")  # JSON stays English
    assert "--min-score 必须在 50 到 100 之间" in cli("dupes", "--min-score", "20", code=2).stderr
    assert "KEEP 和 OTHER 是同一位客户" in cli("merge", "1", "#1", "--yes", code=2).stderr
