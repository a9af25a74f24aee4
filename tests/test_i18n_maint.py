"""export, backup, restore, check, forget and demo in Chinese; `export --headers zh` and its way
back in through `custtrack import`."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import openpyxl
import pytest

from custtrack import db


@pytest.fixture
def zh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")


def _seed(cli) -> None:
    """Unique names: a file with Chinese headers finds each record's customer by name."""
    cli("config", "set", "phone_region", "CN")
    cli("add", "王芳", "--phone", "13800138000", "--city", "杭州", "--tag", "vip", "--tag", "茶友",
        "--birthday", "1985-03-12", "--notes", "=1+1 is her joke")  # fmt: skip
    cli("add", "Anna Berg", "--email", "anna@example.com", "--company", "-Berg AB")
    cli("add", "李雷", "--phone", "13700137000", "--city", "上海", "--wechat", "lilei88")
    cli("add", "Lost One", "--phone", "13600136000")
    cli("lost", "Lost One", "--reason", "competitor", "--note", "buys online")
    cli("buy", "王芳", "1,299.05", "--product", "龙井", "--at", "2026-11-19 15:00",
        "--order-ref", "T1")  # fmt: skip
    cli("buy", "王芳", "19.90", "--product", "定胜糕", "--at", "2026-10-01")
    cli("buy", "李雷", "88", "--at", "2026-09-09 10:30", "--category", "tea", "--qty", "2")
    cli("log", "王芳", "-c", "visit", "-m", "tasted tea", "--at", "2026-11-20 09:30")
    cli("log", "李雷", "-c", "wechat", "-m", "+ sent the list", "--at", "2026-11-02")
    cli("log", "Anna", "-c", "email", "--at", "2026-08-01", "--outcome", "no answer")
    cli("feedback", "王芳", "--csat", "5", "--nps", "9", "--text", "好喝")
    cli("feedback", "Anna", "--nps", "3")
    cli("plan", "王芳", "2026-11-27 10:30", "--note", "bring samples", "-c", "visit")
    cli("plan", "李雷", "2026-11-10", "--past", "--note", "-- call back")
    cli("plan", "Anna", "2026-12-05", "--note", "newsletter")
    cli("snooze", "3", "2026-12-01")
    cli("cancel", "2")
    cli("complain", "王芳", "--category", "delivery", "--text", "快递晚了", "--priority", "high")
    cli("complain", "Anna", "--category", "quality", "--text", "=cracked lid")
    cli("resolve", "2", "--resolution", "sent a new lid")


IGNORED = {  # made by the import itself, not data the user keeps (as in test_import_sheets)
    "customers": {"batch_id", "updated_at"},
    "interactions": {"id", "batch_id", "created_at", "recorded_by"},
    "purchases": {"id", "batch_id", "created_at", "recorded_by"},
    "feedback": {"id", "batch_id", "created_at", "recorded_by"},
    "followups": {"id", "batch_id", "complaint_id", "interaction_id"},
    "complaints": {"id", "batch_id", "updated_at", "recorded_by"},
}


def _export(cli, table: str) -> list[dict]:
    out = cli("export", table).stdout
    data = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    return [{k: v for k, v in r.items() if k not in IGNORED[table]} for r in data]


def test_chinese_headers_are_the_words_import_knows(cli, tmp_path):
    _seed(cli)
    out = cli("export", "purchases", "--headers", "zh").stdout
    header = next(csv.reader(io.StringIO(out)))
    assert header[:9] == ["系统编号", "客户系统编号", "客户姓名", "时间", "商品", "类别", "数量",
                          "金额", "币种"]  # fmt: skip
    assert "龙井" in out and "1299.05" in out  # the data stay as they are
    customers = next(
        csv.reader(io.StringIO(cli("export", "customers", "--headers", "中文").stdout))
    )
    assert customers[:4] == ["系统编号", "姓名", "手机", "邮箱"]
    # the default stays English, and machine formats refuse Chinese keys
    assert cli("export", "purchases").stdout.startswith("id,customer_id,customer_name,at,")
    res = cli("export", "purchases", "-f", "json", "--headers", "zh", code=2)
    assert "--headers zh" in res.stderr
    res = cli("export", "purchases", "--headers", "fr", code=2)
    assert "must be en or zh" in res.stderr


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_with_chinese_headers_then_import_gives_the_same_data(cli, tmp_path, monkeypatch,
                                                                      fmt):  # fmt: skip
    _seed(cli)
    tables = list(IGNORED)
    before = {t: _export(cli, t) for t in tables}
    assert [len(before[t]) for t in tables] == [4, 3, 3, 2, 3, 2]
    if fmt == "xlsx":
        book = tmp_path / "全部.xlsx"
        cli("export", "all", "-f", "xlsx", "--headers", "zh", "-o", book)
        wb = openpyxl.load_workbook(book)
        assert wb.sheetnames[:3] == ["客户", "联系记录", "购买记录"]
        assert [c.value for c in wb["客户"][1]][:3] == ["系统编号", "姓名", "手机"]
        sheets = {"customers": "客户", "interactions": "联系记录", "purchases": "购买记录",
                  "feedback": "反馈", "followups": "跟进", "complaints": "投诉"}  # fmt: skip
        files = {t: (book, ["--sheet", sheets[t]]) for t in tables}
    else:
        files = {}
        for t in tables:
            path = tmp_path / f"{t}.csv"
            cli("export", t, "--headers", "zh", "-o", path)
            assert path.read_text(encoding="utf-8-sig").startswith("系统编号,")
            files[t] = (path, [])
    monkeypatch.setenv("CUSTTRACK_DB", str(tmp_path / "new.db"))
    for t in tables:
        path, extra = files[t]
        report = json.loads(cli("import", t, path, *extra, "-f", "json").stdout)
        assert report["rejected"] == 0 and report["customers_created"] == 0, (t, report)
        assert report["added"] == len(before[t]), (t, report)
    after = {t: _export(cli, t) for t in tables}
    for t in tables:
        assert after[t] == before[t], t


def test_export_backup_restore_check_forget_in_chinese(cli, tmp_path, zh, isolated):
    cli("add", "王芳", "--phone", "13800138000", "--tag", "vip")
    cli("buy", "王芳", "88", "--product", "龙井")
    res = cli("export", "customers", "-o", tmp_path / "c.csv")
    assert res.stdout.startswith("✓ 已把客户表的 1 行导出到 ")
    res = cli("export", "all", "-o", tmp_path / "all")
    tables = len(list((tmp_path / "all").glob("*.csv")))
    assert tables >= 11 and f"已从 {tables} 张表导出" in res.stdout
    res = cli("export", "customers", "-o", tmp_path / "c.csv", code=1)
    assert "已存在；请换一个 --out，或加上 --force" in res.stderr

    backup = tmp_path / "b.db"
    res = cli("backup", backup)
    assert "已备份到" in res.stdout and "KB" in res.stdout
    res = cli("restore", backup, "--yes")
    assert (
        "原来的数据库保留为" in res.stdout
        and "已恢复" in res.stdout
        and "（1 位客户）" in res.stdout
    )
    res = cli("restore", backup, input="n\n", code=1)
    assert "（1 位客户）替换" in res.stdout

    assert "所有检查均已通过" in cli("check").stdout
    con = sqlite3.connect(isolated)
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("PRAGMA ignore_check_constraints = ON")  # let the damage in
    con.execute("UPDATE purchases SET qty = 0")
    con.execute("DELETE FROM tags")
    con.commit()
    con.close()
    res = cli("check", code=1)
    assert "购买数量小于 1" in res.stdout and "发现的问题" in res.stdout
    assert "标签关联指向了不存在的标签" in res.stdout
    # JSON stays English
    assert cli("check", "-f", "json", code=1).stdout.count("purchases have a quantity below 1") == 1
    db.dispose()

    res = cli("forget", "王芳", "--yes")
    assert "正在压缩数据库文件" in res.stdout
    assert "已彻底删除客户 #1 的个人信息；匿名保留：1 笔购买" in res.stdout
    res = cli("forget", "1", "--yes")
    assert "已于" in res.stdout and "彻底删除" in res.stdout
    res = cli("backup", tmp_path / "b.db", code=1)
    assert "已存在；请换一个名字" in res.stderr


def test_errors_of_the_store_and_settings_in_chinese(cli, tmp_path, zh, monkeypatch):
    monkeypatch.setenv("CUSTTRACK_DB", str(tmp_path / "nothing.db"))
    res = cli("check", code=1)
    assert "处没有数据库（请检查 --db / CUSTTRACK_DB" in res.stderr
    res = cli("config", "set", "currency", "yuan", code=2)
    assert "不是 ISO 4217 货币代码" in res.stderr
    bad = tmp_path / "c.toml"
    bad.write_text("currency = \n")
    monkeypatch.setenv("CUSTTRACK_CONFIG", str(bad))
    res = cli("config", "set", "currency", "CNY", code=1)
    assert "不是有效的 TOML" in res.stderr


def test_demo_narrates_in_chinese(cli, zh):
    out = cli("demo").stdout
    assert "示例店铺已载入：" in out and "位客户，" in out
    assert "演示日期：2026-11-20" in out and "个营销活动" in out
    assert "一位客户（custtrack show 3）" in out
    assert "到期跟进（custtrack due）" in out and "指标汇总（custtrack report）" in out
    assert "这个演示数据库是临时的，现已删除" in out
    for english in ("Example shop", "demo date", "One customer", "Due list", "KPI summary"):
        assert english not in out


def test_demo_fallbacks_in_chinese(cli, zh, monkeypatch):
    from custtrack.cli import demo

    monkeypatch.setattr(demo, "_command", lambda name: None)  # as if due/report did not exist
    out = cli("demo").stdout
    assert "7 天内到期的跟进计划" in out and "逾期天数" in out
    assert "汇总" in out and "未完成的跟进" in out and "¥" in out
