"""export: tables to CSV/JSON/XLSX with formula escaping, `all`, and one customer's data."""

from __future__ import annotations

import csv
import io
import json
import shutil
import stat
from pathlib import Path

import openpyxl
import pytest

from custtrack import db
from custtrack.models import Merge


def _seed(cli) -> None:
    cli("add", "Wang Fang", "--phone", "+86 138 0013 8000", "--city", "杭州", "--tag", "vip",
        "--notes", "=HYPERLINK(\"http://evil\")")  # fmt: skip
    cli("add", "@mallory", "--email", "m@example.com", "--company", "-2+3")
    cli("buy", "Wang", "1,299.05", "--product", "Longjing", "--at", "2026-11-19 15:00",
        "--order-ref", "T-1", "--currency", "CNY")  # fmt: skip
    cli("buy", "mallory", "1200", "--currency", "JPY", "--at", "2026-11-18", "--product", "+tea")
    cli("log", "Wang", "-c", "visit", "-m", "tasted tea", "--at", "2026-11-20 09:30",
        "--next", "2026-11-27", "--next-note", "bring samples")  # fmt: skip
    cli("feedback", "Wang", "--csat", "5", "--text", "lovely")
    cli("complain", "Wang", "--category", "delivery", "--text", "late parcel")


_template: list[Path] = []


@pytest.fixture
def seeded(cli, isolated: Path, tmp_path_factory) -> Path:
    """The _seed data, built once and then copied (keeps the module fast)."""
    if not _template:
        _seed(cli)
        keep = tmp_path_factory.mktemp("export") / "template.db"
        shutil.copyfile(isolated, keep)
        _template.append(keep)
    else:
        shutil.copyfile(_template[0], isolated)
    return isolated


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_customers_csv_to_stdout_escapes_formulas(cli, seeded):
    out = cli("export", "customers").stdout
    rows = {r["id"]: r for r in _csv(out)}
    wang, mal = rows["1"], rows["2"]
    # OWASP rule: = + - @ at the start get a quote; a phone number too (documented)
    assert wang["notes"] == '\'=HYPERLINK("http://evil")'
    assert wang["phone"] == "'+8613800138000"
    assert mal["name"] == "'@mallory"
    assert mal["company"] == "'-2+3"
    assert wang["city"] == "杭州" and wang["tags"] == "vip"
    assert out.splitlines()[0].startswith("id,name,phone,email,")
    assert "amount_minor" not in out


def test_json_keeps_text_money_exact_and_times_local(cli, seeded):
    rows = json.loads(cli("export", "purchases", "-f", "json").stdout)
    by_ref = {r["product"]: r for r in rows}
    cny = by_ref["Longjing"]
    assert (cny["amount"], cny["currency"], cny["order_ref"]) == ("1299.05", "CNY", "T-1")
    assert by_ref["+tea"]["amount"] == "1200"  # JPY has no minor unit; JSON is not escaped
    assert cny["at"] == "2026-11-19T15:00:00+08:00"  # local ISO 8601 (TZ=Asia/Shanghai)
    assert cny["customer_name"] == "Wang Fang"
    assert "amount_minor" not in cny
    customers = json.loads(cli("export", "customers", "-f", "json").stdout)
    assert customers[0]["notes"].startswith("=HYPERLINK")


def test_contacts_alias_and_followups(cli, seeded):
    contacts = _csv(cli("export", "contacts").stdout)
    assert [c["summary"] for c in contacts] == ["tasted tea"]
    assert contacts[0]["at"] == "2026-11-20T09:30:00+08:00"
    fus = json.loads(cli("export", "followups", "-f", "json").stdout)
    assert fus[0]["due_date"] == "2026-11-27" and fus[0]["note"] == "bring samples"


def test_xlsx_single_table_escapes_and_sums(cli, tmp_path, seeded):
    target = tmp_path / "p.xlsx"
    res = cli("export", "customers", "-f", "xlsx", "-o", target)
    assert "Exported 2 rows of customers" in res.stdout
    ws = openpyxl.load_workbook(target)["customers"]
    header = [c.value for c in ws[1]]
    notes = ws.cell(row=2, column=header.index("notes") + 1)
    assert notes.value == '\'=HYPERLINK("http://evil")'
    assert notes.data_type == "s"  # text, not a formula
    cli("export", "purchases", "-f", "xlsx", "-o", tmp_path / "q.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "q.xlsx")["purchases"]
    header = [c.value for c in ws[1]]
    amounts = [r[header.index("amount")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert sorted(amounts) == [1200, 1299.05]  # numbers, so Excel can sum them
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_all_as_csv_folder_and_xlsx_workbook(cli, tmp_path, seeded):
    folder = tmp_path / "dump"
    res = cli("export", "all", "-o", folder)
    assert "from 14 tables" in res.stdout  # 11, persons and points (15), contact_points (17.8)
    names = sorted(p.name for p in folder.iterdir())
    assert "customers.csv" in names and "purchases.csv" in names and "tags.csv" in names
    raw = (folder / "customers.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads UTF-8 Chinese
    assert "杭州" in raw.decode("utf-8-sig")
    tags = _csv((folder / "tags.csv").read_text(encoding="utf-8-sig"))
    assert tags == [{"customer_id": "1", "customer_name": "Wang Fang", "tag": "vip"}]
    assert _csv((folder / "campaigns.csv").read_text(encoding="utf-8-sig")) == []
    # a second run would overwrite: refused unless --force
    res = cli("export", "all", "-o", folder, code=1)
    assert "already exists" in res.stderr and "--force" in res.stderr
    cli("export", "all", "-o", folder, "--force")

    book = tmp_path / "all.xlsx"
    cli("export", "all", "-f", "xlsx", "-o", book)
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[:3] == ["customers", "interactions", "purchases"]
    assert wb["complaints"].max_row == 2
    assert not list(tmp_path.glob("*.part"))


def test_all_json_folder(cli, tmp_path, seeded):
    cli("export", "all", "-f", "json", "-o", tmp_path / "j")
    feedback = json.loads((tmp_path / "j" / "feedback.json").read_text())
    assert feedback[0]["csat"] == 5 and feedback[0]["text"] == "lovely"
    assert json.loads((tmp_path / "j" / "merges.json").read_text()) == []


def test_customer_data_access_request(cli, tmp_path, seeded):
    with db.session(write=True) as s:
        snap = json.dumps({"name": "Wang F.", "phone": "+8613900000000"})
        s.add(Merge(kept_id=1, merged_id=7, merged_snapshot=snap, reason="same phone"))
    db.dispose()
    data = cli.json("export", "--customer", "Wang Fang")
    assert data["customer"]["name"] == "Wang Fang"
    assert data["customer"]["tags"] == ["vip"]
    assert data["customer"]["notes"].startswith("=HYPERLINK")  # JSON: unescaped
    assert [p["amount"] for p in data["purchases"]] == ["1299.05"]
    assert data["interactions"][0]["summary"] == "tasted tea"
    assert data["feedback"][0]["text"] == "lovely"
    assert data["complaints"][0]["text"] == "late parcel"
    assert data["followups"][0]["note"] == "bring samples"
    assert data["merges"][0]["merged_snapshot"]["name"] == "Wang F."
    # nothing about the other customer
    assert "mallory" not in json.dumps(data)

    target = tmp_path / "wang.json"
    res = cli("export", "--customer", "1", "-o", target)
    assert "Wang Fang" in res.stdout
    assert json.loads(target.read_text())["customer"]["id"] == 1


def test_bad_requests(cli, tmp_path, seeded):
    res = cli("export", "orders", code=2)
    assert res.stderr.startswith("Error: TABLE 'orders': not a table")
    res = cli("export", code=2)
    assert "say what to export" in res.stderr
    res = cli("export", "customers", "--customer", "Wang", code=2)
    assert "not both" in res.stderr
    res = cli("export", "--customer", "Wang", "-f", "csv", code=2)
    assert "JSON only" in res.stderr
    res = cli("export", "customers", "-f", "pdf", code=2)
    assert "--format 'pdf'" in res.stderr
    res = cli("export", "--customer", "Nobody", code=1)
    assert "no customer matches" in res.stderr
    res = cli("export", "customers", "-o", tmp_path / "missing" / "x.csv", code=1)
    assert "does not exist" in res.stderr
    existing = tmp_path / "c.csv"
    existing.write_text("keep me")
    cli("export", "customers", "-o", existing, code=1)
    assert existing.read_text() == "keep me"
    cli("export", "customers", "-o", existing, "--force")
    assert _csv(existing.read_text(encoding="utf-8-sig"))[0]["name"] == "Wang Fang"


def test_help_has_examples(cli):
    for command in ("export", "backup", "restore", "check", "forget"):
        out = cli(command, "--help").stdout
        assert "Examples" in out and f"custtrack {command}" in out
