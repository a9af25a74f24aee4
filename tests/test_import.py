"""Import: formats, column mapping, dry run, all-or-nothing, rejects, idempotence, batches, undo."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "import"
CDNOW = Path(__file__).resolve().parent / "data" / "cdnow_sample.txt"  # copy, see PROVENANCE.md


@pytest.fixture
def cn(cli):
    """Numbers without +86 are Chinese mobile numbers, as in the fixture files."""
    cli("config", "set", "phone_region", "CN")
    return cli


def rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_customers_from_chinese_excel_csv(cn, isolated):
    result = cn("import", "customers", DATA / "customers_zh.csv")
    out = result.stdout
    assert "utf-8-sig" in out and "delimiter ';'" in out
    assert "姓名 → name" in out and "手机 → phone" in out and "标签 → tags" in out
    assert "Ignored columns: 序号" in out
    assert "3 customers added" in out
    wang = cn.json("show", "王芳")
    assert wang["customer"]["phone"] == "+8613800138000"
    assert wang["customer"]["email"] == "wangfang@example.com"
    assert wang["customer"]["birthday"] == "1985-03-12"
    assert wang["customer"]["notes"] == "喜欢龙井"
    assert wang["tags"] == ["vip"]
    anna = cn.json("show", "Anna")
    assert anna["customer"]["birthday"] == "1990-03-12"
    assert anna["tags"] == ["de", "vip"]
    batch = rows(isolated, "SELECT DISTINCT batch_id FROM customers")
    assert batch == [(1,)]


def test_gbk_file_is_detected(cn):
    result = cn("import", "customers", DATA / "customers_gbk.csv")
    assert "gb18030" in result.stdout
    names = sorted(c["name"] for c in cn.json("list"))
    assert names == ["张伟", "王芳"]


def test_utf16_tab_separated(cn, tmp_path):
    f = write(tmp_path / "u16.txt", "Name\tPhone\tCity\n陈静\t13600136000\t广州\n", "utf-16")
    result = cn("import", "customers", f)
    assert "utf-16" in result.stdout and "delimiter tab" in result.stdout
    assert cn.json("show", "陈静")["customer"]["city"] == "广州"


def test_xlsx_with_real_dates_and_numeric_phones(cn, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["客户编号", "姓名", "手机"])
    ws.append(["K-1", "赵敏", 13500135000])
    ws.append(["K-2", "周杰", 13400134000])
    sheet = wb.create_sheet("订单")
    sheet.append(["客户编号", "下单日期", "实付金额", "商品"])
    sheet.append(["K-1", datetime(2026, 3, 1), 99.9, "茶叶"])
    sheet.append(["K-2", datetime(2026, 3, 2, 15, 30), 120, "茶壶"])
    sheet.append(["K-2", datetime(2026, 3, 3), 0.1 + 0.2, "糖"])  # a binary float, shown as 0.3
    wb.save(tmp_path / "book.xlsx")
    cn("import", "customers", tmp_path / "book.xlsx")
    result = cn("import", "purchases", tmp_path / "book.xlsx", "--sheet", "订单")
    assert "3 purchases added" in result.stdout
    assert cn.json("show", "周杰")["summary"]["spend_minor"] == 12030
    zhao = cn.json("show", "赵敏")
    assert zhao["customer"]["phone"] == "+8613500135000"
    assert zhao["customer"]["external_id"] == "K-1"
    assert zhao["summary"]["spend_minor"] == 9990
    # a date-only cell (midnight in Excel) is noon local; a real time is kept
    times = {t["detail"]: t["at"] for t in cn.json("show", "周杰")["timeline"]}
    assert times["茶壶"].startswith("2026-03-02T15:30")
    assert [t["at"] for t in zhao["timeline"]][0].startswith("2026-03-01T12:00")


def test_purchases_interactions_feedback_from_csv_jsonl_json(cn, isolated):
    cn("import", "customers", DATA / "customers_zh.csv")
    out = cn("import", "purchases", DATA / "purchases.csv").stdout
    assert "4 purchases added" in out
    assert "购买日期 → at" in out and "订单号 → order_ref" in out
    li = cn.json("show", "李雷")
    assert li["summary"]["purchases"] == 2  # two identical lines are two purchases
    assert li["summary"]["spend_minor"] == 17600
    out = cn("import", "interactions", DATA / "interactions.jsonl").stdout
    assert "JSONL" in out and "3 contacts added" in out
    out = cn("import", "feedback", DATA / "feedback.json").stdout
    assert "满意度 → csat" in out and "2 feedback added" in out
    wang = cn.json("show", "王芳")
    assert wang["latest_feedback"]["nps"] == 9
    assert wang["latest_feedback"]["text"] == "很好"
    # last contact = the latest imported contact (2026-11-10, noon local = 04:00 UTC)
    assert rows(isolated, "SELECT last_contact_at FROM customers WHERE name='王芳'") == [
        ("2026-11-10 04:00:00.000000",)
    ]
    anna = cn.json("show", "Anna")
    assert anna["latest_feedback"]["csat"] == 3  # e-mail matched ignoring case


def test_second_import_of_every_kind_changes_nothing(cn, snapshot):
    files = [
        ("customers", DATA / "customers_zh.csv"),
        ("purchases", DATA / "purchases.csv"),
        ("interactions", DATA / "interactions.jsonl"),
        ("feedback", DATA / "feedback.json"),
    ]
    for kind, f in files:
        cn("import", kind, f)
    before = snapshot()
    for kind, f in files:
        report = cn.json("import", kind, f)
        assert report["added"] == 0 and report["updated"] == 0, kind
        assert report["unchanged"] == report["rows"], kind
    after = snapshot()
    after.pop("import_batches"), before.pop("import_batches")
    assert after == before


def test_appended_lines_are_the_only_new_ones(cn, tmp_path):
    head = "customer_id,date,amount\n"
    lines = ["7,2026-01-05,10.00\n", "7,2026-01-05,10.00\n", "8,2026-01-06,5.50\n"]
    f = write(tmp_path / "p.csv", head + "".join(lines))
    assert cn.json("import", "purchases", f)["added"] == 3
    write(f, head + "".join(lines) + "7,2026-01-05,10.00\n9,2026-02-01,1\n")
    report = cn.json("import", "purchases", f)
    assert (report["added"], report["unchanged"]) == (2, 3)
    assert cn.json("show", "Customer 7")["summary"]["purchases"] == 3


def test_customers_are_updated_from_non_empty_cells(cn, tmp_path):
    cn("add", "王芳", "--phone", "13800138000", "--city", "杭州", "--notes", "keep me")
    f = write(tmp_path / "c.csv", "电话,城市,备注,公司\n+86 138 0013 8000,上海,,西湖茶社\n")
    report = cn.json("import", "customers", f)
    assert (report["added"], report["updated"]) == (0, 1)
    c = cn.json("show", "王芳")["customer"]
    assert (c["city"], c["company"], c["notes"]) == ("上海", "西湖茶社", "keep me")
    assert cn.json("import", "customers", f)["updated"] == 0


def test_map_option_and_mapping_errors(cn, tmp_path, snapshot):
    f = write(tmp_path / "c.csv", "Kunde,Telefon,Stadt\nJonas,+49 30 901820,Berlin\n")
    cn("add", "Someone")
    before = snapshot()
    result = cn("import", "customers", f, "--map", "Kunde=nmae", code=2)
    assert "'nmae' is not a field of customers" in result.stderr
    result = cn("import", "customers", f, "--map", "Kundin=name", code=2)
    assert "no such column" in result.stderr and "'Kunde'" in result.stderr
    result = cn("import", "purchases", f, code=2)
    assert "purchases need a column for amount" in result.stderr
    assert snapshot() == before
    out = cn(
        "import", "customers", f, "-m", "Kunde=name", "-m", "Telefon=phone", "-m", "Stadt=city"
    )
    assert "Kunde → name, Telefon → phone, Stadt → city" in out.stdout
    assert cn.json("show", "Jonas")["customer"]["phone"] == "+4930901820"


def test_dry_run_reports_and_writes_nothing(cn, tmp_path, snapshot):
    cn("add", "王芳", "--phone", "13800138000")
    f = write(tmp_path / "c.csv", "姓名,电话\n王芳,13800138000\n李雷,13900139000\n")
    before = snapshot()
    report = cn.json("import", "customers", f, "--dry-run")
    assert report["dry_run"] is True
    assert (report["added"], report["unchanged"], report["rejected"]) == (1, 1, 0)
    out = cn("import", "customers", f, "--dry-run").stdout
    assert "Dry run, nothing written" in out and "1 customer to add" in out
    assert snapshot() == before


def test_one_bad_row_means_nothing_is_written_and_all_are_listed(cn, tmp_path, snapshot):
    cn("add", "Ann", "--email", "ann@example.com")
    f = write(
        tmp_path / "p.csv",
        "email,date,amount,qty\n"
        "ann@example.com,2026-01-01,10,1\n"
        "ann@example.com,2026-01-02,-5,1\n"
        "ann@example.com,someday soon,abc,two\n"
        "ann@example.com,2026-01-04,7,1\n",
    )
    before = snapshot()
    result = cn("import", "purchases", f, code=1)
    assert "3 bad rows" not in result.stderr  # rows, not errors, are counted
    assert "2 bad rows in p.csv; nothing was imported" in result.stderr
    report_rows = [line for line in result.stdout.splitlines() if "│" in line]
    text = "\n".join(report_rows)
    assert "must not be negative" in text
    assert "not an amount of money" in text and "not a whole number" in text
    assert "cannot read this date" in text
    assert snapshot() == before
    # dry run: same report, exit 1 since the import would fail, still nothing written
    report = json.loads(cn("import", "purchases", f, "--dry-run", "-f", "json", code=1).stdout)
    assert sorted({e["line"] for e in report["errors"]}) == [3, 4]
    assert {e["column"] for e in report["errors"] if e["line"] == 4} == {"date", "amount", "qty"}
    assert snapshot() == before


def test_skip_bad_imports_good_rows_and_writes_rejects(cn, tmp_path):
    cn("add", "Ann", "--email", "ann@example.com")
    f = write(
        tmp_path / "p.csv",
        "email,date,amount\nann@example.com,2026-01-01,10\nann@example.com,2030-01-01,5\n"
        "nobody@example.com,2026-01-03,x\n",
    )
    rejects = tmp_path / "rejects.csv"
    result = cn("import", "purchases", f, "--skip-bad", rejects, "--no-create-customers")
    assert "1 purchase added" in result.stdout and f"written to {rejects}" in result.stdout
    with rejects.open(encoding="utf-8-sig") as fh:
        got = list(csv.DictReader(fh))
    assert [r["line"] for r in got] == ["3", "4"]
    assert got[0]["date"] == "2030-01-01" and "is in the future" in got[0]["reason"]
    assert "not an amount of money" in got[1]["reason"]
    assert cn.json("show", "Ann")["summary"]["purchases"] == 1


def test_unknown_customers_rejected_without_create(cn, tmp_path, snapshot):
    f = write(tmp_path / "p.csv", "customer_id,date,amount\nX1,2026-01-01,10\n")
    cn("add", "Someone")
    before = snapshot()
    result = cn("import", "purchases", f, "--no-create-customers", code=1)
    assert "no such customer" in result.stdout
    assert snapshot() == before


def test_name_linking_must_be_unique(cn, tmp_path):
    cn("add", "Wang Fang", "--city", "杭州")
    cn("add", "Wang Fang", "--city", "上海")
    f = write(tmp_path / "p.csv", "name,date,amount\nwang fang,2026-01-01,10\n")
    result = cn("import", "purchases", f, code=1)
    assert "matches 2 customers" in result.stdout


def test_duplicate_keys_within_one_customers_file(cn, tmp_path, snapshot):
    f = write(tmp_path / "c.csv", "name,email\nA,a@example.com\nB,A@example.com\n")
    cn("add", "Someone")
    before = snapshot()
    result = cn("import", "customers", f, code=1)
    assert "the same email is on line 2" in result.stdout
    assert snapshot() == before


def test_cdnow_sample_imports_every_line(cn, tmp_path, isolated):
    lines = CDNOW.read_text().split()
    records = [lines[i : i + 5] for i in range(0, len(lines), 5)]
    f = tmp_path / "cdnow.csv"
    with f.open("w") as fh:
        fh.write("customer_id,date,quantity,amount\n")
        fh.writelines(f"{r[1]},{r[2]},{r[3]},{r[4]}\n" for r in records)
    result = cn("import", "purchases", f)
    assert "customer_id → external_id" in result.stdout and "quantity → qty" in result.stdout
    assert "2357 new customers have no name" in result.stdout
    expected = sum(round(float(r[4]) * 100) for r in records)
    got = rows(
        isolated, "SELECT count(*), count(DISTINCT customer_id), sum(amount_minor) FROM purchases"
    )
    assert got == [(6919, 2357, expected)]
    assert rows(isolated, "SELECT name FROM customers WHERE external_id = '0001'") == [
        ("Customer 0001",)
    ]
    report = cn.json("import", "purchases", f)
    assert (report["added"], report["unchanged"]) == (0, 6919)


def test_import_list_and_undo(cn, tmp_path, isolated, snapshot):
    cn("add", "Old", "--email", "old@example.com")
    cn("buy", "Old", "5")
    before = snapshot()
    f = write(
        tmp_path / "p.csv",
        "email,date,amount\nold@example.com,2026-01-01,10\nnew@example.com,2026-01-02,20\n",
    )
    cn("import", "purchases", f)
    f2 = write(tmp_path / "i.csv", "email,date,channel\nnew@example.com,2026-01-03,phone\n")
    cn("import", "interactions", f2)
    batches = cn.json("import", "list")
    assert [(b["id"], b["kind"], b["rows_added"], b["status"]) for b in batches] == [
        (2, "interactions", 1, "imported"),
        (1, "purchases", 2, "imported"),
    ]
    # batch 1 created new@ who now has a contact from batch 2: refused, nothing changes
    mid = snapshot()
    result = cn("import", "undo", "1", "--yes", code=1)
    assert "cannot undo batch 1" in result.stderr and "interactions" in result.stderr
    assert snapshot() == mid
    cn("import", "undo", "2", "--yes")
    out = cn("import", "undo", "1", "--yes").stdout
    assert "removed 2 purchases, 1 customer" in out
    after = snapshot()
    for table in ("customers", "purchases", "interactions"):
        assert after[table] == before[table], table
    assert [b["status"] for b in cn.json("import", "list")] == ["undone", "undone"]
    result = cn("import", "undo", "1", "--yes", code=1)
    assert "already undone" in result.stderr
    cn("import", "undo", "9", "--yes", code=1)


def test_undo_of_contacts_restores_last_contact(cn, tmp_path, isolated):
    cn("add", "Ann", "--email", "ann@example.com")
    cn("log", "Ann", "--at", "2026-10-01")
    f = write(tmp_path / "i.csv", "email,date\nann@example.com,2026-11-01\n")
    cn("import", "interactions", f)
    assert rows(isolated, "SELECT last_contact_at FROM customers") == [
        ("2026-11-01 04:00:00.000000",)
    ]
    cn("import", "undo", "1", "--yes")
    assert rows(isolated, "SELECT last_contact_at FROM customers")[0][0].startswith("2026-10-01")


def test_forgotten_people_are_flagged_not_recreated(cn, tmp_path, isolated):
    cn("add", "Gone", "--phone", "13800138000", "--email", "gone@example.com")
    cn("forget", "Gone", "--purge", "--yes")
    f = write(
        tmp_path / "c.csv", "name,phone,email\nGone Again,13800138000,\nNew,,new@example.com\n"
    )
    report = cn.json("import", "customers", f)
    assert (report["added"], report["flagged"]) == (1, 1)
    assert report["flagged_rows"][0]["column"] == "phone"
    out = cn("import", "customers", f, "--dry-run").stdout
    assert "forgotten on request" in out
    assert [r[0] for r in rows(isolated, "SELECT name FROM customers")] == ["New"]
    p = write(tmp_path / "p.csv", "email,date,amount\ngone@example.com,2026-01-01,3\n")
    report = cn.json("import", "purchases", p)
    assert (report["added"], report["flagged"], report["customers_created"]) == (0, 1, 0)


def test_merged_away_identities_lead_to_the_kept_customer(cn, tmp_path):
    cn("add", "Ann", "--email", "ann@example.com")
    cn("add", "Ann B", "--email", "annb@example.com")
    cn("merge", "Ann", "Ann B", "--yes")
    f = write(tmp_path / "p.csv", "email,date,amount\nannb@example.com,2026-01-01,10\n")
    report = cn.json("import", "purchases", f)
    assert (report["added"], report["customers_created"]) == (1, 0)
    assert cn.json("show", "Ann")["summary"]["purchases"] == 1


def test_till_times_parsed_per_chunk_match_the_row_by_row_rules(cli, tmp_path, isolated, snapshot):
    """The whole-chunk path for 'YYYY-MM-DD HH:MM:SS' stores what `moment` stores, row by row;
    DST gaps and overlaps, bad days, the future and other shapes take the row-by-row path."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    cli("config", "set", "timezone", "America/New_York")
    good = [
        "2025-07-01 09:30:00",  # summer: UTC-4
        "2025-01-15 23:59:59",  # winter, crosses midnight in UTC
        " 2025-11-02 01:30:00 ",  # happens twice: the first (EDT), as zoneinfo's fold=0
        "2025-03-09 02:30:00",  # never happens: zoneinfo's fold=0 reading
        "2025-07-01",  # a bare date: noon
        "2025-07-01T10:00:00",
    ]
    lines = ["customer_id,date,amount"] + [f"C{i},{t},1.00" for i, t in enumerate(good)]
    cli("import", "purchases", write(tmp_path / "ok.csv", "\n".join(lines) + "\n"))
    zone = ZoneInfo("America/New_York")

    def stored(text: str) -> str:
        text = text.strip()
        local = datetime.fromisoformat(text if "T" in text or " " in text else text + " 12:00")
        utc = local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
        return utc.isoformat(sep=" ", timespec="microseconds")

    got = rows(isolated, "SELECT at FROM purchases ORDER BY id")
    assert [a for (a,) in got] == [stored(t) for t in good]
    assert got[2][0] == "2025-11-02 05:30:00.000000" and got[3][0] == "2025-03-09 07:30:00.000000"

    before = snapshot()
    bad = ["2025-02-30 10:00:00", "2026-11-21 09:00:00", "1899-12-31 10:00:00"]
    bad.append("2025-07-01 25:00:00")
    lines = ["customer_id,date,amount"] + [f"D{i},{t},1.00" for i, t in enumerate(bad)]
    bad_csv = write(tmp_path / "bad.csv", "\n".join(lines) + "\n")
    result = cli("import", "purchases", bad_csv, "--format", "json", code=1)
    reasons = [(e["line"], e["value"], e["reason"]) for e in json.loads(result.stdout)["errors"]]
    assert reasons == [
        (2, bad[0], "not a valid date and time"),
        (3, bad[1], "is in the future; only what already happened can be imported"),
        (4, bad[2], "is before 1900"),
        (5, bad[3], "not a valid date and time"),
    ]
    assert snapshot() == before


def _till_file(path: Path) -> Path:
    """A tab-separated till export with every kind of cell the column checks must get right (or
    hand to the row-by-row rules): odd amounts, times, currencies, quantities, long products,
    repeated references, unknown shapes, a line of the wrong width and blank lines."""
    import random

    rnd = random.Random(7)
    amounts = ["29.33", "12", "12.", "0.5", "007.10", "1,299.00", "¥88", "1e3", "-3", "", "12.345",
               "٣", "9999999999999", "999999999999.99", "0", " 8.8 "]  # fmt: skip
    times = ["2025-07-01 09:30:00", " 2025-01-15 23:59:59 ", "2025-07-01", "2025-07-01T10:00:00",
             "2026-11-21 09:00:00", "2025-02-30 10:00:00", "someday", "", "2026-11-20 23:59:59",
             "1899-12-31 10:00:00", "20250701", "2025-7-1 09:30:00"]  # fmt: skip
    lines = ["customer_id\tdate\tamount\tcurrency\tqty\tproduct\torder_ref"]
    for i in range(600):
        lines.append("\t".join([
            rnd.choice([f"K{i % 40}", f" K{i % 40} ", ""]) if i % 9 == 0 else f"K{i % 40}",
            rnd.choice(times) if i % 3 == 0 else f"2025-0{1 + i % 9}-1{i % 10} 1{i % 10}:00:00",
            rnd.choice(amounts) if i % 2 == 0 else f"{i}.{i % 100:02d}",
            rnd.choice(["", "CNY", "cny", "JPY", "KWD", "C1Y", "EUR"]) if i % 5 == 0 else "",
            rnd.choice(["", "1", "2", " 3 ", "1000", "0", "2.5"]) if i % 4 == 0 else "1",
            rnd.choice(["", "Tea", "x" * 201, " Cup "]),
            rnd.choice(["", f"R{i}", f"R{i - 1}", "R1"]) if i % 7 == 0 else f"R{i}",
        ]))  # fmt: skip
        if i == 300:
            lines.append("K1\t2025-01-01 10:00:00\t5\t\t1\tTea\tR-extra\tstray")  # wrong width
        if i % 50 == 0:
            lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_column_checks_store_and_report_what_the_row_rules_do(cli, tmp_path, monkeypatch):
    """Blocks of a CSV checked a column at once give the same rows, customers and report as
    every row through `check_row`, on a file full of cells the columns must hand over."""
    from custtrack.io import formats
    from custtrack.services.imports.purchases import PurchaseImporter

    f = _till_file(tmp_path / "till.tsv")
    calls = {"block": 0, "check_row": 0}
    block, check_row = PurchaseImporter.block, PurchaseImporter.check_row

    def spy_block(self, part):  # noqa: ANN001, ANN202
        calls["block"] += 1
        return block(self, part)

    def spy_check_row(self, line, values):  # noqa: ANN001, ANN202
        calls["check_row"] += 1
        return check_row(self, line, values)

    monkeypatch.setattr(PurchaseImporter, "block", spy_block)
    monkeypatch.setattr(PurchaseImporter, "check_row", spy_check_row)

    def run(label: str) -> tuple[dict, list, list, list]:
        db = tmp_path / f"{label}.db"
        rejects = tmp_path / f"{label}-rejects.csv"
        result = cli("--db", db, "import", "purchases", f, "--skip-bad", rejects, "-f", "json")
        report = json.loads(result.stdout)
        report.pop("source")
        stored = rows(db, "SELECT customer_id, at, product, category, qty, amount_minor, "
                      "currency, order_ref, batch_id FROM purchases ORDER BY id")  # fmt: skip
        people = rows(db, "SELECT id, name, external_id FROM customers ORDER BY id")
        return report, stored, people, rejects.read_text(encoding="utf-8-sig").splitlines()

    monkeypatch.setattr(formats, "BLOCK_CHARS", 700)  # blocks of ~15 lines
    by_column = run("columns")
    assert calls["block"] > 20
    assert 0 < calls["check_row"] < 400  # only the rows the columns could not vouch for
    # every row through the row-by-row rules
    monkeypatch.setattr(PurchaseImporter, "_fits", lambda self, width: False)
    calls["check_row"] = 0
    by_row = run("rows")
    assert calls["check_row"] == by_row[0]["rows"] == 601
    assert by_column == by_row
    report, stored, people, rejected = by_column
    assert report["added"] > 250 and report["rejected"] > 50
    reasons = " | ".join(e["reason"] for e in report["errors"])
    for reason in ("not an amount of money", "must not be negative", "not a whole number",
                   "not a currency code (e.g. CNY)", "is before 1900", "JPY has no cents",
                   "is in the future", "the same order reference is on line"):  # fmt: skip
        assert reason in reasons
    assert ("K1", "Customer K1") in {(x, n) for _, n, x in people}
    assert len(rejected) == report["rejected"] + 1  # and a header


def test_purchases_link_by_phone_alone(cn, tmp_path, isolated):
    """A file whose only customer column is a phone finds the customer by that phone."""
    cn("add", "Ann", "--phone", "13800138000")
    f = write(tmp_path / "p.csv", "phone,date,amount\n138 0013 8000,2026-01-01 10:00:00,5\n"
              "13800138000,2026-01-02 10:00:00,6\n")  # fmt: skip
    report = cn.json("import", "purchases", f)
    assert (report["added"], report["customers_created"]) == (2, 0)
    assert rows(isolated, "SELECT customer_id, amount_minor FROM purchases") == [(1, 500), (1, 600)]


def test_csv_reader_reads_what_the_csv_module_reads(tmp_path, monkeypatch):
    """The quick split of plain blocks and the csv module for the rest give the same records
    and line numbers: CRLF and lone CR line ends, blank lines, quotes from some line on, a
    last line without a line end."""
    from custtrack.io import formats

    monkeypatch.setattr(formats, "BLOCK_CHARS", 64)
    body = (
        "a,b,c\r\n1,2,3\r\n\r\n , ,\r\n,,\r\nx\r\n4,5,6\n7,8\n" + "9,10,11\n" * 30
        + 'q,"r\nr",s\n' + "12,13,14\r15,16,17\n" + "18,19,20"
    )  # fmt: skip
    f = tmp_path / "r.csv"
    f.write_bytes(body.encode())
    with f.open(newline="", encoding="utf-8") as fh:
        reader, expected, line, blank = csv.reader(fh), [], 1, 0
        for values in reader:
            start, line = line, reader.line_num + 1
            if any(values) and (len(values) > 1 or values[0].strip()):
                expected.append((start, values))
            else:
                blank += 1
    src = formats.open_source(f)
    try:
        assert list(src.rows) == expected  # the header too: `table` decides which row it is
        assert src.blank == [blank] == [2]
    finally:
        src.close()
    assert expected[-1] == (43, ["18", "19", "20"]) and (39, ["q", "r\nr", "s"]) in expected


def test_bad_bytes_are_reported_near_their_line(cn, tmp_path):
    f = tmp_path / "p.csv"
    good = "".join(f"K{i},2026-01-01 10:00:00,5\n" for i in range(3000))
    f.write_bytes(b"customer_id,date,amount\n" + good.encode() + b"K9,2026-01-01,\xff\n")
    result = cn("import", "purchases", f, "--encoding", "utf-8", code=1)
    assert "is not valid utf-8 text near line 3002" in result.stderr


def test_the_no_name_note_only_when_customers_were_or_would_be_created(cn, tmp_path):
    f = write(tmp_path / "p.csv", "customer_id,date,amount\nX1,2026-11-01,5\nX2,2026-11-02,oops\n")
    failed = cn("import", "purchases", f, code=1)
    assert "Nothing imported" in failed.stdout and "have no name" not in failed.stdout
    dry = cn("import", "purchases", f, "--dry-run", "--skip-bad", str(tmp_path / "bad.csv"))
    assert "1 new customer has no name in the file: they would be called" in dry.stdout
