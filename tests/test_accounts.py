"""Company accounts (issue 15): a customer that is a company, with contact persons whom contacts
and purchases name; counted as one customer; imported from 公司/单位/联系人 columns; and the
export → import round trip of everything issue 15 stores."""

from __future__ import annotations

import csv
import io
import json

import pytest


def _company(cli) -> None:
    cli("config", "set", "currency", "CNY")
    cli("config", "set", "phone_region", "CN")
    cli("add", "西湖茶社", "--kind", "company", "--city", "杭州")
    cli("person", "add", "西湖茶社", "李娜", "--role", "采购", "-p", "13900139000", "-w", "lina88")
    cli("person", "add", "西湖茶社", "王强", "--role", "老板")


@pytest.mark.both_engines
def test_a_company_with_its_people(cli) -> None:
    _company(cli)
    people = cli.json("person", "list", "西湖茶社")
    assert [(p["name"], p["role"], p["phone"], p["wechat"]) for p in people] == [
        ("李娜", "采购", "+8613900139000", "lina88"), ("王强", "老板", None, None)
    ]  # fmt: skip
    cli("log", "西湖茶社", "-c", "wechat", "-m", "samples", "--person", "李娜")
    cli("buy", "西湖茶社", "800", "--person", "王强", "-p", "龙井", "--at", "2026-11-19")
    data = cli.json("show", "西湖茶社")
    assert data["kind"] == "company"
    assert [p["name"] for p in data["persons"]] == ["李娜", "王强"]
    assert {i["kind"]: i["person"] for i in data["timeline"]} == {"contact": "李娜",
                                                                   "purchase": "王强"}  # fmt: skip
    card = cli("show", "西湖茶社").stdout
    assert "#1 李娜 (采购, +86 139 0013 9000, WeChat lina88)" in card
    assert "龙井 (with 王强)" in card
    # a person is not a company; a person's name must be one of the company's
    cli("add", "Ann")
    assert "is a person, not a company" in cli("person", "add", "Ann", "Bo", code=2).stderr
    err = cli("buy", "西湖茶社", "1", "--person", "nobody", code=1).stderr
    assert "西湖茶社 has no contact person 'nobody' (they have: #1 李娜, #2 王强)" in err
    assert "already has a contact person 李娜" in cli("person", "add", "西湖茶社", "李娜",
                                                    code=1).stderr  # fmt: skip
    # edit and remove; the purchase stays, without the name
    cli("person", "edit", "2", "--role", "经理", "--phone", "13700137000")
    assert cli.json("person", "list", "西湖茶社")[1]["phone"] == "+8613700137000"
    cli("person", "remove", "2")
    data = cli.json("show", "西湖茶社")
    assert [i["person"] for i in data["timeline"] if i["kind"] == "purchase"] == [None]
    assert data["summary"]["purchases"] == 1
    trail = [(r["entity"], r["action"]) for r in cli.json("history", "西湖茶社")]
    assert trail.count(("contact_person", "create")) == 2
    assert ("contact_person", "update") in trail and ("contact_person", "delete") in trail
    assert [c["name"] for c in cli.json("list", "--kind", "company")] == ["西湖茶社"]
    assert [c["name"] for c in cli.json("list", "--kind", "个人")] == ["Ann"]


@pytest.mark.both_engines
def test_a_company_counts_as_one_customer(cli) -> None:
    _company(cli)
    for who, amount, day in (("李娜", "100", "2026-10-01"), ("王强", "300", "2026-10-20"),
                             ("李娜", "200", "2026-11-10")):  # fmt: skip
        cli("buy", "西湖茶社", amount, "--person", who, "--at", day)
    rfm = cli.json("rfm")
    assert [(r["name"], r["frequency"], r["monetary"]) for r in rfm] == [("西湖茶社", 3, "600.00")]
    report = cli.json("report")
    assert report["customers_total"] == 1 and report["buyers"] == 1


def test_a_company_list_imports_as_companies_with_people(cli, tmp_path) -> None:
    cli("config", "set", "phone_region", "CN")
    f = tmp_path / "客户.csv"
    f.write_text(
        "单位,联系人,职务,电话,微信\n东湖茶楼,张三,老板,13700137000,zs01\n"
        "东湖茶楼,李四,采购,13600136000,\n,赵六,,13500135000,zl\n",
        encoding="utf-8",
    )
    report = cli.json("import", "customers", f)
    assert report["mapping"][:2] == ["单位 → name", "联系人 → contact_person"]
    assert report["added"] == 2  # 东湖茶楼 (a company) and 赵六 (a person)
    company = cli.json("show", "东湖茶楼")
    assert company["kind"] == "company" and company["customer"]["phone"] is None
    assert [(p["name"], p["role"], p["phone"], p["wechat"]) for p in company["persons"]] == [
        ("张三", "老板", "+8613700137000", "zs01"), ("李四", "采购", "+8613600136000", None)
    ]  # fmt: skip
    person = cli.json("show", "赵六")
    assert (person["kind"], person["customer"]["phone"]) == ("person", "+8613500135000")
    # again, with a change: the company is found by its name, the person by theirs
    f.write_text("公司,联系人,职务\n东湖茶楼,李四,经理\n东湖茶楼,钱七,会计\n", encoding="utf-8")
    report = cli.json("import", "customers", f)
    assert report["added"] == 0
    people = cli.json("person", "list", "东湖茶楼")
    assert [(p["name"], p["role"]) for p in people] == [("张三", "老板"), ("李四", "经理"),
                                                         ("钱七", "会计")]  # fmt: skip
    # a list of people at companies: import persons
    g = tmp_path / "联系人.csv"
    g.write_text("公司,姓名,手机,职务\n西湖茶社,李娜,13900139000,采购\n", encoding="utf-8")
    report = cli.json("import", "persons", g)
    assert report["customers_created"] == 1
    assert cli.json("show", "西湖茶社")["kind"] == "company"


def _export(cli, table: str) -> list[dict]:
    out = cli("export", table).stdout
    return list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))


# made by the import itself, or a number the import gives anew
IGNORED = {
    "customers": {"batch_id", "updated_at"},
    "persons": {"batch_id", "created_at", "updated_at"},
    "purchases": {"id", "batch_id", "created_at", "recorded_by"},
    "interactions": {"id", "batch_id", "created_at", "recorded_by"},
    "points": {"id", "batch_id", "created_at", "recorded_by", "purchase_id"},
}


@pytest.mark.both_engines
def test_export_then_import_keeps_kinds_referrals_people_and_points(
    cli, tmp_path, monkeypatch, engine
) -> None:
    """Every table issue 15 adds to or changes, exported and imported into a new book, comes
    back the same (ids of contact persons too, so purchases and contacts keep naming them)."""
    _company(cli)
    cli("config", "set", "points.per_unit", "1")
    cli("config", "set", "points.signup_bonus", "5")
    cli("add", "王芳", "-p", "13800138000", "--referred-by", "西湖茶社")
    cli("add", "李雷", "--referred-by", "王芳")
    cli("buy", "西湖茶社", "800", "--person", "李娜", "--at", "2026-11-01 10:00")
    cli("buy", "王芳", "120", "--at", "2026-11-02 11:00")
    cli("log", "西湖茶社", "-m", "visit", "--person", "王强", "--at", "2026-11-03 09:00")
    cli("points", "redeem", "王芳", "20", "--for", "a cup")
    cli("points", "adjust", "西湖茶社", "-5", "--reason", "typo")
    tables = list(IGNORED)
    before = {t: _export(cli, t) for t in tables}
    assert [len(before[t]) for t in tables] == [3, 2, 2, 1, 6]
    for t in tables:
        cli("export", t, "-o", tmp_path / f"{t}.csv")
    monkeypatch.setenv("CUSTTRACK_DB", _new_book(engine, tmp_path))
    for t in tables:
        report = json.loads(cli("import", t, tmp_path / f"{t}.csv", "-f", "json").stdout)
        assert report["rejected"] == 0 and report["customers_created"] == 0, t
    after = {t: _export(cli, t) for t in tables}
    for t in tables:
        drop = IGNORED[t]
        old = sorted(tuple((k, v) for k, v in r.items() if k not in drop) for r in before[t])
        got = sorted(tuple((k, v) for k, v in r.items() if k not in drop) for r in after[t])
        assert got == old, t
    # the points of a purchase still name it (by the customer's purchase at that time)
    earned = [r for r in after["points"] if r["kind"] == "earn"]
    assert all(r["purchase_id"] for r in earned) and len(earned) == 2


_BOOKS: dict = {}


def _new_book(engine: str, tmp_path) -> str:
    if engine == "sqlite":
        return str(tmp_path / "new.db")
    return _BOOKS["pg"]()


@pytest.fixture(autouse=True)
def _pg_books(request, engine):
    """A second, empty-but-migrated PostgreSQL database for the round trip."""
    if engine == "postgresql":
        from custtrack import db

        server = request.getfixturevalue("pg_server")

        def make() -> str:
            url = server.create()
            request.addfinalizer(lambda: (db.dispose(), server.drop(url)))
            return url

        _BOOKS["pg"] = make
    yield
    _BOOKS.clear()


def test_chinese_company_card(cli, monkeypatch) -> None:
    _company(cli)
    cli("buy", "西湖茶社", "300", "--person", "李娜", "--at", "2026-11-01")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    card = cli("show", "西湖茶社").stdout
    assert "客户类型  公司" in card and "#1 李娜（采购、+86 139 0013 9000、微信 lina88）" in card
    assert "对接：李娜" in card  # the purchase has no other detail
    assert "职务" in cli("person", "list", "西湖茶社").stdout
