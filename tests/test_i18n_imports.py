"""`custtrack import …`, `import list`, `import undo`, `dupes` and `merge` in Chinese (and what
stays English: the JSON report, `--format json` of the lists, the rejects file's own columns)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHEET = ROOT / "examples/tracking-sheet.xlsx"


@pytest.fixture
def zh(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")


def flat(text: str) -> str:
    return " ".join(text.split("\n"))


def test_a_tracking_sheet_in_chinese(cli, zh):
    out = flat(cli("import", "sheet", SHEET, "--dry-run").stdout)
    assert "读取 tracking-sheet.xlsx（XLSX，工作表 客户追踪）" in out
    assert "其他工作表：填表说明（用 --sheet 读取其中一张）" in out
    assert "表头：第 3–4 行" in out
    assert "列：姓名 → name，手机 → phone" in out  # the field keys, as --map takes them
    assert "未使用的列：序号" in out
    assert "试运行，未写入任何内容。将会：6 位客户（新增 6 位），6 条联系记录，4 条跟进" in out
    assert "，4 条跟进，3 笔购买" in out
    assert "；已跳过：第 11 行 合计，第 12 行 制表人" in out
    out = flat(cli("import", "sheet", SHEET).stdout)
    assert "✓ 已导入批次 1：6 位客户（新增 6 位），6 条联系记录，4 条跟进，3 笔购买；" in out
    out = flat(cli("import", "sheet", SHEET).stdout)
    assert "这个文件以前导入过（批次 1）；已存储的行会跳过。" in out
    assert "6 位客户（新增 0 位），0 条联系记录（6 条已存在）" in out

    table = cli("import", "list").stdout
    words = "导入记录 批次 类型 文件 导入时间 新增 跳过 状态 客户追踪表 已导入"
    for word in words.split():
        assert word in table, word
    listed = cli.json("import", "list")
    assert (listed[-1]["kind"], listed[-1]["status"]) == ("sheet", "imported")

    out = cli("import", "undo", "2", "--yes").stdout
    assert "✓ 已撤销批次 2（客户追踪表，来自 tracking-sheet.xlsx，新增 0 条）：" in out
    assert "：没有删除任何内容" in out
    out = cli("import", "undo", "1", "--yes").stdout
    assert "✓ 已撤销批次 1（客户追踪表，来自 tracking-sheet.xlsx，新增 19 条）：删除了 " in out
    assert "6 条联系记录，3 笔购买，4 条跟进，6 位客户" in out
    assert "已撤销" in cli("import", "list").stdout
    assert "批次 1 已经撤销过了" in cli("import", "undo", "1", "--yes", code=1).stderr
    err = cli("import", "undo", "9", "--yes", code=1).stderr
    assert "没有导入批次 9；见 `custtrack import list`" in err


def test_bad_rows_in_chinese_and_the_json_report_in_english(cli, zh, tmp_path):
    f = tmp_path / "客户.csv"
    f.write_text("姓名,电话,城市\n王芳,13800138000,杭州\n陈静,abc,\n\n张三,13900139000,\n", "utf-8")
    result = cli("import", "customers", f, code=1)
    out = flat(result.stdout)
    assert "有误的行" in out and "不是电话号码" in out
    for header in ("行", "列", "值", "原因"):
        assert f" {header} " in out
    assert "未导入任何内容。已检查 3 行。" in out
    assert "客户.csv 中有 1 行有误；没有导入任何内容（请改正，或用 --skip-bad REJECTS.csv" in (
        result.stderr
    )
    out = flat(cli("import", "customers", f, "--dry-run", code=1).stdout)
    assert "将会：新增 2 位客户，更新 0 条，跳过 1 条（0 条已存在，1 条有误，0 条已标记）" in out
    assert "0 条已标记）；已跳过：1 个空行" in out
    dry = cli("import", "customers", f, "--dry-run", "--format", "json", code=1)
    report = json.loads(dry.stdout)
    assert (report["format"], report["header"]) == ("CSV, utf-8, delimiter ','", "line 1")
    assert report["mapping"][0] == "姓名 → name"

    rejects = tmp_path / "rejects.csv"
    out = flat(cli("import", "customers", f, "--skip-bad", rejects).stdout)
    assert "✓ 已导入批次 1：新增 2 位客户" in out and f"有误的行已写入 {rejects}" in out
    with rejects.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["姓名", "电话", "城市", "line", "reason"]  # the file's columns, then ours
    assert rows[1][:4] == ["陈静", "abc", "", "3"] and rows[1][4].startswith("电话：")


def test_purchases_and_their_reasons_in_chinese(cli, zh, tmp_path):
    f = tmp_path / "p.csv"
    f.write_text(
        "customer_id,date,amount,order_ref\nK1,2026-11-01,88,A1\nK2,2030-01-01,12,A2\n"
        "K3,2026-11-02,abc,A3\nK4,2026-11-03,5,A1\n",
        encoding="utf-8",
    )
    out = cli("import", "purchases", f, code=1).stdout
    assert "在未来；只能导入已经发生的事" in out
    assert "相同的订单号已出现在第 2 行" in out
    out = cli("import", "purchases", f, "--no-create-customers", "--dry-run", code=1).stdout
    assert "没有这位客户（--create-customers 会新建）" in out
    good = tmp_path / "good.csv"
    good.write_text("customer_id,date,amount\nK1,2026-11-01,88\n", encoding="utf-8")
    out = flat(cli("import", "purchases", good).stdout)
    assert "新增 1 笔购买，更新 0 条" in out and "；新建 1 位客户" in out
    assert "1 位新客户在文件中没有姓名：已被命名为“客户 <编号>”" in out
    assert cli.json("show", "客户 K1")["customer"]["name"] == "客户 K1"
    nomap = tmp_path / "nomap.csv"
    nomap.write_text("foo,bar\n1,2\n", encoding="utf-8")
    err = cli("import", "purchases", nomap, code=2).stderr
    assert "导入购买记录需要一列 amount；文件中的列有 'foo'，'bar'。" in err


def test_dupes_and_merge_in_chinese(cli, zh):
    cli("add", "Wang Fang", "--phone", "+8613800138000")
    cli("add", "Wang Fang", "--email", "wf@example.com", "--city", "杭州", "--phone",
        "+8613800138001")  # fmt: skip
    cli("buy", "2", "99")
    cli("feedback", "2", "--csat", "4")
    assert "没有发现可能重复的客户。" in cli("dupes").stdout
    cli("edit", "1", "--city", "杭州")
    out = cli("dupes").stdout
    assert "可能重复的客户" in out and "相似度" in out and "可能的重复" in out
    assert cli.json("dupes")[0]["reason"].startswith("similar name")
    result = cli("merge", "1", "2", input="n\n", code=1)
    assert "把 #2 Wang Fang (+8613800138001) 合并到 #1 Wang Fang (+8613800138000)？" in (
        result.stdout
    )
    out = cli("merge", "1", "2", "--yes").stdout
    assert "✓ 已把 #2 Wang Fang (+8613800138001) 合并到 #1 Wang Fang" in out
    assert "已移过去：1 笔购买，1 条反馈" in out
    assert "已补充：邮箱" in out


def test_help_in_chinese(cli, zh):
    out = cli("import", "--help").stdout
    assert "导入客户、购买、联系记录、反馈、跟进、投诉，或整张客户追踪表。" in out
    out = cli("import", "sheet", "--help").stdout
    assert "示例：custtrack import sheet 客户追踪表.xlsx --dry-run" in out
    assert "显示将会发生什么；不写入任何内容。" in out
    assert "列出可能重复的客户" in cli("dupes", "--help").stdout
