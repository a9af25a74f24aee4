"""Sheets as people keep them: built in code, as Excel, WPS and old Excel write them.

Merged titles, two-row headers, float phones, date serials, 合计 and signature rows, several
worksheets, .xls and .ods, GBK/Big5 CSV with a title line; the tracking-sheet import (customers
with contacts, follow-ups and purchases); errors that name sheet, row, column and value; and
export → import round trips."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

TITLE = "某某茶庄 客户追踪表（2025年）"


@pytest.fixture
def cn(cli):
    cli("config", "set", "phone_region", "CN")
    cli("config", "set", "currency", "CNY")
    return cli


def rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def tracking_xlsx(path: Path, *, extra_sheet: bool = True) -> Path:
    """A 客户追踪表 as a shop keeps it in Excel: a merged title, a blank row, a group row over
    the real header (merged cells, 序号 and 备注 merged down), float and dashed phones, a date
    cell, a date serial, money as text, a 合计 row, a signature line, and a second sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "客户"
    ws["A1"] = TITLE
    ws.merge_cells("A1:K1")
    ws.append([])
    ws.append(["序号", "客户信息", None, None, "跟进情况", None, None, "下次跟进", None, "金额",
               "备注"])  # fmt: skip
    for cells in ("B3:D3", "E3:G3", "H3:I3", "A3:A4", "J3:J4", "K3:K4"):
        ws.merge_cells(cells)
    ws.append([None, "姓名", "电话", "性别", "日期", "方式", "内容", "日期", "内容", None, None])
    ws.append([1, "王芳", 13943464097.0, "女", datetime(2025, 3, 19), "微信", "问了新茶价格",
               datetime(2026, 11, 25, 10, 0), "送样品", "¥1,280.00", "老客户"])  # fmt: skip
    ws.append([2, "李雷", "139-4346-4098", "男", 45735, "电话", "约了下周", None, None, None, None])
    ws.append([3, "陈静", "139 4346 4099", "女", "2025年3月21日", "上门拜访", "试喝", "2026/12/1",
               None, "1280元", None])  # fmt: skip
    ws.append(["合计", None, None, None, None, None, None, None, None, 2560, None])
    ws.append(["制表人：张三    审核：李四"])
    ws.merge_cells("A10:K10")
    ws.cell(row=5, column=5).number_format = 'yyyy"年"m"月"d"日"'
    if extra_sheet:
        notes = wb.create_sheet("说明")
        notes.append(["本表由门店每周更新"])
    wb.save(path)
    return path


def test_tracking_sheet_as_kept_in_excel(cn, tmp_path, isolated):
    f = tracking_xlsx(tmp_path / "追踪表.xlsx")
    out = cn("import", "sheet", f).stdout
    assert "Reading 追踪表.xlsx (XLSX, sheet 客户)" in out
    assert "Other sheets: 说明" in out
    assert "Header: rows 3–4" in out
    for shown in ("姓名 → name", "电话 → phone", "跟进情况/日期 → contact_at", "方式 → channel",
                  "跟进情况/内容 → summary", "下次跟进/日期 → next_at",
                  "下次跟进/内容 → next_note", "金额 → amount", "备注 → notes"):  # fmt: skip
        assert shown in out, shown
    assert "Ignored columns: 序号" in out
    assert (
        "3 customers (3 new), 3 contacts, 2 follow-ups, 2 purchases; "
        "skipped: row 8 合计, row 9 制表人：张三    审核：李四"
    ) in " ".join(out.split("\n"))
    # never a customer called 合计 or 制表人
    assert sorted(n for (n,) in rows(isolated, "SELECT name FROM customers")) == [
        "李雷", "王芳", "陈静"
    ]  # fmt: skip
    wang = cn.json("show", "王芳")
    assert wang["customer"]["phone"] == "+8613943464097"  # a float cell
    assert wang["customer"]["gender"] == "female"
    assert wang["customer"]["notes"] == "老客户"
    assert cn.json("show", "李雷")["customer"]["phone"] == "+8613943464098"  # dashes
    contacts = dict(
        rows(
            isolated,
            "SELECT c.name, i.channel || ' ' || substr(i.at, 1, 10) "
            "FROM interactions i JOIN customers c ON c.id = i.customer_id",
        )
    )
    # a date cell, a serial (45735 = 2025-03-19), and 2025年3月21日; noon local is 04:00 UTC
    assert contacts == {"王芳": "wechat 2025-03-19", "李雷": "phone 2025-03-19",
                        "陈静": "visit 2025-03-21"}  # fmt: skip
    assert rows(isolated, "SELECT amount_minor, currency, substr(at, 1, 10) FROM purchases "
                          "ORDER BY id") == [(128000, "CNY", "2025-03-19"),
                                             (128000, "CNY", "2025-03-21")]  # fmt: skip
    plans = rows(
        isolated,
        "SELECT c.name, f.due_date, f.due_time, f.note, f.status FROM "
        "followups f JOIN customers c ON c.id = f.customer_id ORDER BY f.id",
    )
    assert plans == [("王芳", "2026-11-25", "10:00:00.000000", "送样品", "open"),
                     ("陈静", "2026-12-01", None, None, "open")]  # fmt: skip
    # the plan is what `due` shows, and `show` reads it back
    assert wang["next_followup"]["due_date"] == "2026-11-25"
    assert wang["next_followup"]["due_time"] == "10:00:00"
    due = cn.json("due", "--days", "14")
    planned = {(i["customer"], i["due_date"]) for i in due if i["origin"] == "manual"}
    assert planned == {("王芳", "2026-11-25"), ("陈静", "2026-12-01")}
    # customer since: their first dated record in the sheet, not the day of the import
    assert wang["customer"]["created_at"].startswith("2025-03-19")


def test_second_import_of_a_sheet_changes_nothing(cn, tmp_path, snapshot):
    f = tracking_xlsx(tmp_path / "t.xlsx")
    cn("import", "sheet", f)
    before = snapshot()
    report = cn.json("import", "sheet", f)
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 0, 3)
    assert report["parts"]["contacts"] == {"added": 0, "unchanged": 3}
    assert report["parts"]["followups"]["unchanged"] == 2
    assert report["not_records"] == [
        {"line": 8, "text": "合计"}, {"line": 9, "text": "制表人：张三    审核：李四"}
    ]  # fmt: skip
    after = snapshot()
    after.pop("import_batches"), before.pop("import_batches")
    assert after == before


def test_dry_run_and_undo_of_a_sheet(cn, tmp_path, snapshot, isolated):
    cn("add", "王芳", "--phone", "13943464097")
    cn(
        "plan", "王芳", "2026-11-05", "--past", "--note", "old plan"
    )  # settled by the sheet's contact
    before = snapshot()
    f = tmp_path / "t.csv"
    f.write_text(
        "姓名,电话,城市,跟进日期,跟进内容,下次跟进日期,购买日期,金额\n"
        "王芳,13943464097,杭州,2026-11-10,问了新茶,2026-11-25,2026-11-10,268\n"
        "李雷,13943464098,,2026-11-11,约了下周,2026-11-27,,\n"
        "陈静,13943464099,,2026-11-12,试喝,,2026-11-12,88\n",
        encoding="utf-8",
    )
    out = " ".join(cn("import", "sheet", f, "--dry-run").stdout.split("\n"))
    assert ("Dry run, nothing written: would have 3 customers (2 new, 1 updated), 3 contacts, "
            "2 follow-ups, 2 purchases") in out  # fmt: skip
    assert snapshot() == before
    cn("import", "sheet", f)
    old = rows(isolated, "SELECT status, interaction_id IS NOT NULL FROM followups WHERE note = "
                         "'old plan'")  # fmt: skip
    assert old == [("done", 1)]  # as `log` does: a contact settles what was due by its day
    assert cn.json("show", "王芳")["customer"]["city"] == "杭州"
    out = cn("import", "undo", "1", "--yes").stdout
    assert "removed 3 interactions, 2 purchases, 2 followups, 2 customers" in out
    assert "1 follow-up its contacts had settled is open again" in out
    after = snapshot()
    for table in ("interactions", "purchases", "followups"):
        assert after[table] == before[table], table
    # the matched customer keeps the update (documented), the added ones are gone
    assert [r[1] for r in after["customers"]] == ["王芳"]
    assert cn.json("show", "王芳")["customer"]["city"] == "杭州"


def test_bad_cells_name_sheet_row_column_and_value(cn, tmp_path, snapshot):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append([TITLE])
    ws.append(["姓名", "手机", "跟进日期", "跟进方式", "金额"])
    ws.append(["王芳", 13800138000, datetime(2025, 3, 1), "微信", "12.5"])
    ws.append(["李雷", "12345", datetime(2025, 3, 2), "飞鸽传书", "abc"])
    wb.save(tmp_path / "bad.xlsx")
    cn("add", "Someone")
    before = snapshot()
    result = cn("import", "sheet", tmp_path / "bad.xlsx", "-f", "json", code=1)
    errors = json.loads(result.stdout)["errors"]
    assert {(e["sheet"], e["line"], e["column"], e["value"]) for e in errors} == {
        ("名单", 4, "手机", "12345"),
        ("名单", 4, "跟进方式", "飞鸽传书"),
        ("名单", 4, "金额", "abc"),
    }
    assert "1 bad row in bad.xlsx, sheet 名单; nothing was imported" in result.stderr
    table = cn("import", "sheet", tmp_path / "bad.xlsx", code=1).stdout
    assert "Bad rows (sheet 名单)" in table and "Row" in table and "Traceback" not in table
    assert snapshot() == before


def test_header_row_and_sheet_options(cn, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    first.title = "封面"
    first.append(["2025 年度客户资料"])
    ws = wb.create_sheet("客户")
    ws.append(["客户名单", "（内部资料）"])
    ws.append(["Name", "Mobile"])  # a header the search prefers: it has words we know
    ws.append(["姓名", "电话"])
    ws.append(["王芳", "13800138000"])
    wb.save(tmp_path / "book.xlsx")
    out = cn("import", "customers", tmp_path / "book.xlsx", "--dry-run", code=1).stdout
    assert "sheet 客户" in out and "Other sheets: 封面" in out  # the sheet that looks like one
    assert "Header: row 2" in out and "电话" in out  # the first of two rows as good: not this one
    out = cn("import", "customers", tmp_path / "book.xlsx", "--sheet", "2", "--header-row", "3")
    assert "Header: row 3" in out.stdout and "姓名 → name" in out.stdout
    assert [c["name"] for c in cn.json("list")] == ["王芳"]
    result = cn("import", "customers", tmp_path / "book.xlsx", "--sheet", "订单", code=2)
    assert "--sheet '订单': no such worksheet; the workbook has 1 封面, 2 客户" in result.stderr
    result = cn("import", "customers", tmp_path / "book.xlsx", "--header-row", "9", code=2)
    assert "--header-row 9: row 9 of book.xlsx is blank or beyond the end" in result.stderr


def test_old_xls_as_wps_writes_it(cn, tmp_path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    s = book.add_sheet("客户")
    s.write_merge(0, 0, 0, 4, TITLE)
    for j, h in enumerate(["客户编号", "姓名", "手机号码", "购买日期", "实付金额"]):
        s.write(1, j, h)
    s.write(2, 0, "K-1")
    s.write(2, 1, "王芳")
    s.write(2, 2, 13943464097.0)
    s.write(2, 3, datetime(2025, 3, 19), xlwt.easyxf(num_format_str="yyyy/mm/dd"))
    s.write(2, 4, 1280)
    s.write(3, 0, "总计")
    s.write(3, 4, 1280)
    book.save(str(tmp_path / "old.xls"))
    out = cn("import", "purchases", tmp_path / "old.xls").stdout
    assert "(XLS, sheet 客户)" in out and "Header: row 2" in out
    assert "1 purchase added" in out and "skipped: row 4 总计" in out
    wang = cn.json("show", "王芳")
    assert wang["customer"]["external_id"] == "K-1"
    assert wang["customer"]["phone"] == "+8613943464097"
    assert wang["summary"]["spend_minor"] == 128000


def test_ods(cn, tmp_path):
    import pandas as pd

    f = tmp_path / "客户.ods"
    pd.DataFrame({"姓名": ["王芳", "李雷"], "电话": [13943464097, 13943464098],
                  "性别": ["女", "男"], "价格敏感度": ["高", "低"]}).to_excel(
        f, engine="odf", index=False
    )  # fmt: skip
    out = cn("import", "customers", f).stdout
    assert "(ODS, sheet Sheet1)" in out and "2 customers added" in out
    li = cn.json("show", "李雷")["customer"]
    assert (li["phone"], li["gender"], li["price_sensitivity"]) == ("+8613943464098", "male", "low")


def test_gbk_csv_with_a_title_line_as_wps_exports_it(cn, tmp_path):
    text = (f"{TITLE},,,,\n"
            "姓名,电话,跟进时间,跟进方式,跟进内容\n"
            "王芳,13800138000,2025/3/19,电话,问价格\n"
            ",,,,\n"
            "李雷,139-0013-9000,2025年3月20日,面谈,试喝\n"
            "合计,,,,\n")  # fmt: skip
    f = tmp_path / "wps.csv"
    f.write_bytes(text.encode("gbk"))
    out = cn("import", "sheet", f).stdout
    assert "gb18030" in out and "Header: line 2" in out
    flat = " ".join(out.split("\n"))
    assert "2 customers (2 new), 2 contacts, 0 follow-ups, 0 purchases" in flat
    assert "skipped: line 6 合计; 1 blank line" in flat
    channels = {c["name"]: cn.json("show", c["name"])["timeline"][0]["detail"] for c in
                cn.json("list")}  # fmt: skip
    assert channels == {"王芳": "问价格", "李雷": "试喝"}


def test_big5_and_utf16_text_files(cn, tmp_path):
    big5 = tmp_path / "tw.csv"
    big5.write_bytes(
        "姓名,電話,城市,備註\n陳美玲,+886 912 345 678,台北,喜歡烏龍茶\n".encode("big5")
    )
    out = cn("import", "customers", big5).stdout
    assert "big5" in out
    assert cn.json("show", "陳美玲")["customer"]["city"] == "台北"
    tsv = tmp_path / "u16.txt"
    tsv.write_bytes("姓名\t手机\n周杰\t13600136000\n".encode("utf-16"))
    assert "utf-16" in cn("import", "customers", tsv).stdout
    assert cn.json("show", "周杰")["customer"]["phone"] == "+8613600136000"


def test_text_saved_with_an_excel_name_and_a_web_page(cn, tmp_path):
    fake = tmp_path / "系统导出.xls"
    fake.write_bytes("姓名\t手机\n王芳\t13800138000\n".encode("gbk"))  # what shop systems export
    assert "1 customer added" in cn("import", "customers", fake).stdout
    page = tmp_path / "page.xls"
    page.write_bytes(b"<html><table><tr><td>x</td></tr></table></html>")
    result = cn("import", "customers", page, code=1)
    assert "page.xls is a web page saved with a spreadsheet's name" in result.stderr


def test_chinese_values_map_to_our_vocabularies(cn, tmp_path, isolated):
    f = tmp_path / "c.csv"
    f.write_text(
        "姓名,电话,性别,价格敏感度,客户状态,跟进日期,跟进方式\n"
        "甲,13800138001,女,中,正常,2025-01-01,上门拜访\n"
        "乙,13800138002,男,高,停用,2025-01-02,短信\n"
        "丙,13800138003,女士,低,流失,2025-01-03,视频\n",
        encoding="utf-8",
    )
    cn("import", "sheet", f)
    got = rows(
        isolated,
        "SELECT c.name, gender, price_sensitivity, status, lost_reason, channel "
        "FROM customers c JOIN interactions i ON i.customer_id = c.id ORDER BY c.id",
    )
    assert got == [
        ("甲", "female", "medium", "active", None, "visit"),
        ("乙", "male", "high", "archived", None, "sms"),
        ("丙", "female", "low", "active", "other", "video"),
    ]
    # the same words on the command line
    cn("log", "甲", "-c", "微信")
    assert cn.json("show", "甲")["timeline"][0]["what"] == "wechat"


def test_a_customer_on_several_rows_is_one_customer(cn, tmp_path, isolated):
    """A contact log: one row per contact, the customer named by name (and once by phone)."""
    f = tmp_path / "log.csv"
    f.write_text(
        "客户,电话,跟进日期,跟进内容,下次跟进日期\n"
        "王芳,,2025-05-01,第一次,\n"
        "王芳,13800138000,2025-06-01,第二次,\n"
        "王芳,,2025-07-01,第三次,2026-12-01\n"
        "李雷,13900139000,2025-07-02,问价格,\n",
        encoding="utf-8",
    )
    report = cn.json("import", "sheet", f)
    assert report["parts"]["customers"] == {"added": 2, "updated": 0, "unchanged": 0}
    assert report["parts"]["contacts"]["added"] == 4
    wang = cn.json("show", "王芳")
    assert wang["customer"]["phone"] == "+8613800138000"  # filled in by the second row
    assert [t["detail"] for t in wang["timeline"]] == ["第三次", "第二次", "第一次"]
    # another 王芳 with another phone is another customer
    g = tmp_path / "more.csv"
    g.write_text(
        "客户,电话,跟进日期,跟进内容\n王芳,13700137000,2025-08-01,新客\n", encoding="utf-8"
    )
    assert cn.json("import", "sheet", g)["parts"]["customers"]["added"] == 1
    # and a row with the name alone now matches two: it is refused, with the way out
    h = tmp_path / "which.csv"
    h.write_text("客户,跟进日期,跟进内容\n王芳,2025-09-01,哪个?\n", encoding="utf-8")
    result = cn("import", "sheet", h, "-f", "json", code=1)
    assert "matches 2 customers; add a phone" in json.loads(result.stdout)["errors"][0]["reason"]


def test_parts_need_their_key_column_values(cn, tmp_path, snapshot):
    """A contact needs its date; a purchase needs its amount (products alone are not orders)."""
    f = tmp_path / "c.csv"
    f.write_text("姓名,电话,跟进内容,意向产品,产品\n王芳,13800138000,聊了很久,红茶,绿茶\n",
                 encoding="utf-8")  # fmt: skip
    report = cn.json("import", "sheet", f)  # no date column: the contact columns are left out
    assert "跟进内容" in report["ignored"] and "产品" in report["ignored"]
    assert report["parts"]["contacts"]["added"] == 0
    g = tmp_path / "d.csv"
    g.write_text("姓名,电话,跟进日期,跟进内容\n李雷,13900139000,,聊了很久\n", encoding="utf-8")
    before = snapshot()
    result = cn("import", "sheet", g, "-f", "json", code=1)
    error = json.loads(result.stdout)["errors"][0]
    assert (error["column"], error["reason"]) == (
        "跟进日期", "a contact needs its date (跟进内容 is filled)"
    )  # fmt: skip
    assert snapshot() == before


def test_a_sales_ledger_date_is_when_they_bought(cn, tmp_path):
    f = tmp_path / "ledger.csv"
    f.write_text("日期,客户,手机,产品,金额\n2025-04-01,王芳,13800138000,龙井,\"1,280.00\"\n",
                 encoding="utf-8")  # fmt: skip
    out = cn("import", "sheet", f).stdout
    assert "日期 → bought_at" in out
    assert cn.json("show", "王芳")["summary"]["spend_minor"] == 128000


def test_contact_channel_column_or_phone_by_its_values(cn, tmp_path):
    """联系方式 is the phone in one sheet and the channel in another: the values tell."""
    a = tmp_path / "a.csv"
    a.write_text("姓名,联系方式\n王芳,138-0013-8000\n李雷,13900139000\n", encoding="utf-8")
    assert "联系方式 → phone" in cn("import", "sheet", a).stdout
    b = tmp_path / "b.csv"
    b.write_text("姓名,跟进日期,联系方式\n王芳,2025-01-01,微信\n", encoding="utf-8")
    assert "联系方式 → channel" in cn("import", "sheet", b).stdout


def test_examples_import_without_map(cn):
    examples = Path(__file__).resolve().parents[1] / "examples"
    cn("import", "customers", examples / "customers.csv")
    for kind, name in (("interactions", "interactions.csv"), ("purchases", "purchases.csv"),
                       ("feedback", "feedback.csv")):  # fmt: skip
        report = cn.json("import", kind, examples / name)
        assert "customer_external_id → external_id" in report["mapping"], kind
        assert report["added"] == report["rows"] and report["customers_created"] == 0, kind


def _seed(cli) -> None:
    cli("add", "王芳", "--phone", "13800138000", "--city", "杭州", "--tag", "vip", "--tag", "茶友",
        "--birthday", "1985-03-12", "--notes", "=1+1 is her joke")  # fmt: skip
    cli("add", "Anna Berg", "--email", "anna@example.com", "--company", "-Berg AB")
    cli("add", "王芳", "--phone", "13700137000", "--city", "上海")  # same name, another person
    cli("add", "Gone", "--email", "gone@example.com")
    cli("forget", "Gone", "--yes")
    cli("add", "Lost One", "--phone", "13600136000")
    cli("lost", "Lost One", "--reason", "competitor", "--note", "buys online")
    cli(
        "buy",
        "#1",
        "1,299.05",
        "--product",
        "龙井",
        "--at",
        "2026-11-19 15:00",
        "--order-ref",
        "T1",
    )
    cli("buy", "#1", "19.90", "--product", "定胜糕", "--at", "2026-10-01")
    cli("buy", "#3", "88", "--at", "2026-09-09 10:30", "--category", "tea")
    cli("log", "#1", "-c", "visit", "-m", "tasted tea", "--at", "2026-11-20 09:30")
    cli("log", "#3", "-c", "wechat", "-m", "+ sent the list", "--at", "2026-11-02")
    cli("log", "Anna", "-c", "email", "--at", "2026-08-01", "--outcome", "no answer")
    cli("feedback", "#1", "--csat", "5", "--nps", "9", "--text", "好喝")
    cli("feedback", "Anna", "--nps", "3")
    cli("plan", "#1", "2026-11-27 10:30", "--note", "bring samples", "-c", "visit")
    cli("plan", "#3", "2026-11-10", "--past", "--note", "-- call back")
    cli("plan", "Anna", "2026-12-05", "--note", "newsletter")
    cli("snooze", "3", "2026-12-01")
    cli("cancel", "2")
    cli("complain", "#1", "--category", "delivery", "--text", "快递晚了", "--priority", "high")
    cli("complain", "Anna", "--category", "quality", "--text", "=cracked lid")
    cli("resolve", "2", "--resolution", "sent a new lid")
    cli("edit", "#1", "--add-phone", "139 0013 9000", "--add-email", "Fang@Example.com")
    cli("edit", "Anna", "--add-wechat", "anna_b")  # other phones, e-mails, WeChat (17.8)


IGNORED = {  # made by the import itself, not data the user keeps
    "customers": {"batch_id", "updated_at"},
    "interactions": {"id", "batch_id", "created_at", "recorded_by"},
    "purchases": {"id", "batch_id", "created_at", "recorded_by"},
    "feedback": {"id", "batch_id", "created_at", "recorded_by"},
    # links between records (a follow-up's complaint and contact) are not carried over
    "followups": {"id", "batch_id", "complaint_id", "interaction_id"},
    "complaints": {"id", "batch_id", "updated_at", "recorded_by"},
    "contact_points": {"id", "batch_id"},
}


def _export(cli, table: str) -> list[dict]:
    out = cli("export", table).stdout
    data = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    return [{k: v for k, v in r.items() if k not in IGNORED[table]} for r in data]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_gives_the_same_data(cli, tmp_path, monkeypatch, fmt):
    """Every table a person keeps, exported and imported into a new book, comes back the same:
    ids, names, phones, formula-looking text, tags, customer-since, lost marks, money, times."""
    cli("config", "set", "phone_region", "CN")
    _seed(cli)
    tables = list(IGNORED)
    before = {t: _export(cli, t) for t in tables}
    assert [len(before[t]) for t in tables] == [5, 3, 3, 2, 3, 2, 3]
    assert {f["status"] for f in before["followups"]} == {"open", "cancelled"}
    assert {c["status"] for c in before["complaints"]} == {"open", "resolved"}
    if fmt == "xlsx":
        cli("export", "all", "-f", "xlsx", "-o", tmp_path / "all.xlsx")
        files = {t: (tmp_path / "all.xlsx", ["--sheet", t]) for t in tables}
    else:
        files = {}
        for t in tables:
            cli("export", t, "-o", tmp_path / f"{t}.csv")
            files[t] = (tmp_path / f"{t}.csv", [])
    monkeypatch.setenv("CUSTTRACK_DB", str(tmp_path / "new.db"))
    for t in tables:
        path, extra = files[t]
        report = json.loads(cli("import", t, path, *extra, "-f", "json").stdout)
        assert report["rejected"] == 0 and report["customers_created"] == 0, t
    after = {t: _export(cli, t) for t in tables}
    # the placeholder of a forgotten customer is not re-created; everything else is the same
    forgotten = [c for c in before["customers"] if c["erased_at"]]
    assert [c["name"] for c in forgotten] == ["Erased customer #4"]
    before["customers"].remove(forgotten[0])
    for t in tables:
        assert after[t] == before[t], t
    assert before["customers"][0]["notes"] == "'=1+1 is her joke"  # the quote came and went


def test_migration_0005_keeps_follow_ups_and_the_agenda_triggers(tmp_path):
    from custtrack import db

    path = tmp_path / "old.db"
    eng = db.bare_engine(str(path))
    try:
        db.upgrade(eng, "0004")
        with eng.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO customers (id, name, status, created_at, updated_at) VALUES "
                "(1, 'Ann', 'active', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
            )
            conn.exec_driver_sql(
                "INSERT INTO followups (customer_id, due_date, note, status, origin, priority, "
                "created_at) VALUES (1, '2026-12-01', 'keep me', 'open', 'manual', 'normal', "
                "'2025-01-01 00:00:00')"
            )
            conn.exec_driver_sql("DELETE FROM agenda_dirty")
        db.upgrade(eng)
        with eng.begin() as conn:
            kept = conn.exec_driver_sql("SELECT customer_id, due_date, note, batch_id FROM "
                                        "followups").all()  # fmt: skip
            assert [tuple(r) for r in kept] == [(1, "2026-12-01", "keep me", None)]
            conn.exec_driver_sql("UPDATE followups SET note = 'moved'")
            assert conn.exec_driver_sql("SELECT customer_id FROM agenda_dirty").all() == [(1,)]
    finally:
        eng.dispose()


def test_dates_and_money_as_cells_keep_them():
    from custtrack.dates import parse_when
    from custtrack.validate import parse_money

    assert parse_when("45735") == (date(2025, 3, 19), None)  # an Excel serial
    assert parse_when("45735.75")[1].isoformat() == "18:00:00"
    assert parse_when("2025/3/19")[0] == parse_when("2025年3月19日")[0] == date(2025, 3, 19)
    for text in ("¥1,280.00", "1280元", "1,280.00", "RMB 1280", "1280.00 元", "￥1280"):
        assert parse_money(text, "CNY") == 128000, text


def test_chinese_mobiles_are_valid_by_their_first_five_digits():
    """The import's shortcut for Chinese mobiles (base.Importer.phone) holds for phonenumbers'
    rules as installed: every 11-digit 1[3-9]… number is valid or not by its first five digits."""
    import phonenumbers

    for prefix in range(13000, 20000):
        valid = {
            phonenumbers.is_valid_number(phonenumbers.parse(f"{prefix}{tail}", "CN"))
            for tail in ("000000", "999999", "504317")
        }
        assert len(valid) == 1, prefix


def test_phone_shortcut_gives_what_phonenumbers_gives(cn, tmp_path, isolated):
    numbers = ["13800138000", "138 0013 8001", "+86 138-0013-8002", "008613800138003",
               "13800138004"]  # fmt: skip
    f = tmp_path / "c.csv"
    f.write_text("姓名,电话\n" + "".join(f"客{i},{n}\n" for i, n in enumerate(numbers)), "utf-8")
    cn("import", "customers", f)
    got = [p for (p,) in rows(isolated, "SELECT phone FROM customers ORDER BY id")]
    assert got == [f"+861380013800{i}" for i in range(5)]
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名,电话\n甲,13800138000\n乙,14000000000\n", "utf-8")  # 140: no such range
    result = cn("import", "customers", bad, "-f", "json", code=1)
    assert json.loads(result.stdout)["errors"][0]["value"] == "14000000000"


def test_followups_and_complaints_from_a_shop_sheet(cn, tmp_path, isolated, snapshot):
    cn("add", "王芳", "--phone", "13800138000")
    before = snapshot()
    calls = tmp_path / "calls.csv"
    calls.write_text(
        "电话,日期,时间,内容,跟进状态,优先级\n"
        "13800138000,2026-11-25,14:30,送样品,待跟进,重要\n"
        "13800138000,2026-11-01,,问新茶,已完成,\n",
        encoding="utf-8",
    )
    report = cn.json("import", "followups", calls)
    assert report["added"] == 2
    got = rows(isolated, "SELECT due_date, due_time, note, status, priority, closed_at IS NOT NULL "
                         "FROM followups ORDER BY id")  # fmt: skip
    assert got == [("2026-11-25", "14:30:00.000000", "送样品", "open", "high", 0),
                   ("2026-11-01", None, "问新茶", "done", "normal", 1)]  # fmt: skip
    assert cn.json("show", "王芳")["next_followup"]["note"] == "送样品"
    book = tmp_path / "投诉.csv"
    book.write_text(
        "手机,投诉日期,投诉类型,投诉内容,处理人,处理结果\n"
        "13800138000,2026-11-02 10:00,物流,快递晚了三天,张三,补偿了一包桂花糕\n"
        "13800138000,2026-11-18,质量,茶叶受潮,,\n",
        encoding="utf-8",
    )
    report = cn.json("import", "complaints", book)
    assert report["added"] == 2
    got = rows(isolated, "SELECT category, status, assignee, resolved_at IS NOT NULL FROM "
                         "complaints ORDER BY id")  # fmt: skip
    assert got == [("delivery", "resolved", "张三", 1), ("quality", "open", None, 0)]
    assert cn.json("import", "complaints", book)["unchanged"] == 2
    cn("import", "undo", "3", "--yes")  # the second complaints import added nothing
    cn("import", "undo", "2", "--yes")
    cn("import", "undo", "1", "--yes")
    after = snapshot()
    for table in ("followups", "complaints", "customers"):
        assert after[table] == before[table], table


def test_amounts_say_their_currency(cli, tmp_path, isolated):
    cli("config", "set", "phone_region", "CN")
    f = tmp_path / "ledger.csv"
    f.write_text("姓名,电话,购买日期,金额\n王芳,13800138000,2026-11-01,1280元\n"
                 "李雷,13900139000,2026-11-02,¥88.50\n", encoding="utf-8")  # fmt: skip
    out = cli("import", "sheet", f).stdout  # no currency set: the amounts say CNY
    assert "Amounts read as CNY, as they say" in out
    assert rows(isolated, "SELECT amount_minor, currency FROM purchases ORDER BY id") == [
        (128000, "CNY"), (8850, "CNY")
    ]  # fmt: skip
    cli("config", "set", "currency", "USD")
    g = tmp_path / "more.csv"
    g.write_text("姓名,电话,购买日期,金额\n王芳,13800138000,2026-11-03,99元\n", encoding="utf-8")
    result = cli("import", "sheet", g, "-f", "json", code=1)
    assert json.loads(result.stdout)["errors"][0]["reason"] == (
        "is in CNY, not USD (give the currency, e.g. --currency CNY)"
    )
    assert cli.json("import", "sheet", g, "--currency", "CNY")["parts"]["purchases"]["added"] == 1


def test_two_row_header_in_a_csv(cn, tmp_path, isolated):
    """Without merged cells (a CSV), a group runs on to the right until the next one, and a
    header cell left empty under a group name is that name (序号, 备注)."""
    f = tmp_path / "two.csv"
    f.write_text(
        "序号,客户信息,,跟进情况,,购买记录,,备注\n"
        ",姓名,电话,日期,内容,日期,金额,\n"
        "1,王芳,13800138000,2026-11-01,问价,2026-11-02,88,老客户\n",
        encoding="utf-8",
    )
    report = cn.json("import", "sheet", f)
    assert report["header"] == "lines 1–2"
    assert "跟进情况/日期 → contact_at" in report["mapping"]
    assert "购买记录/日期 → bought_at" in report["mapping"]
    assert "备注 → notes" in report["mapping"] and report["ignored"] == ["序号"]
    assert rows(isolated, "SELECT substr(at, 1, 10), amount_minor FROM purchases") == [
        ("2026-11-02", 8800)
    ]
