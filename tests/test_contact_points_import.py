"""`import contact_points` (issue 17.8): other phones, e-mails and WeChat handles come back from
custtrack's own export (English or Chinese headers) or a shop's list, all or nothing, as a batch
that `import undo` removes; and `add`/`edit` refuse another customer's other phone or e-mail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from custtrack import db


def _rows(sql: str) -> list[tuple]:
    try:
        with db.engine().connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        db.dispose()


def _points() -> list[tuple]:
    return _rows("SELECT customer_id, kind, value, source FROM contact_points ORDER BY id")


@pytest.fixture
def cn(cli):
    cli("config", "set", "phone_region", "CN")
    cli("add", "王芳", "--phone", "13800138000", "--wechat", "wf88")
    cli(
        "add",
        "Bob",
        "--email",
        "bob@example.com",
    )
    return cli


def _file(tmp_path: Path, text: str, name: str = "cp.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


@pytest.mark.both_engines
def test_a_shops_list_imports_once_and_undo_removes_it(cn, tmp_path):
    f = _file(tmp_path, "customer_email,kind,value\n"
                        "bob@example.com,phone,139 0013 9000\n"
                        "bob@example.com,email,Bob.Work@Example.com\n"
                        "bob@example.com,email,bob.work@example.com\n"  # the same again: once
                        "bob@example.com,email,BOB@example.com\n"  # his own e-mail: already there
                        "bob@example.com,wechat,bobby\n")  # fmt: skip
    report = cn.json("import", "contact_points", f)
    assert (report["added"], report["unchanged"], report["rejected"]) == (3, 2, 0)
    assert _points() == [(2, "phone", "+8613900139000", "import"),
                         (2, "email", "bob.work@example.com", "import"),
                         (2, "wechat", "bobby", "import")]  # fmt: skip
    assert cn.json("show", "13900139000")["customer"]["id"] == 2  # the customer is found by it
    again = cn.json("import", "contact-points", f)  # the other spelling; nothing new
    assert (again["added"], again["unchanged"]) == (0, 5)
    out = cn("import", "undo", str(report["batch"]), "--yes").stdout
    assert "removed 3 contact points" in out
    assert _points() == []


@pytest.mark.both_engines
def test_one_bad_row_and_nothing_is_written(cn, tmp_path):
    f = _file(tmp_path, "customer_name,kind,value\n"
                        "王芳,phone,13900139000\n"
                        "王芳,fax,123\n"
                        "Bob,email,not-an-email\n"
                        "Bob,phone,12345\n")  # fmt: skip
    res = cn("import", "contact_points", f, "-f", "json", code=1)
    errors = json.loads(res.stdout)["errors"]
    assert [(e["line"], e["column"], e["value"]) for e in errors] == [
        (3, "kind", "fax"), (4, "value", "not-an-email"), (5, "value", "12345")
    ]  # fmt: skip
    assert _points() == []
    dry = cn("import", "contact_points", f, "--dry-run", code=1)
    assert "3 bad rows" in dry.stdout + dry.stderr
    good = _file(tmp_path, "customer_name,kind,value\n王芳,phone,13900139000\n", "good.csv")
    report = cn.json("import", "contact_points", good, "--dry-run")
    assert report["dry_run"] and report["added"] == 1 and _points() == []


def test_kind_and_header_words_in_chinese(cn, tmp_path):
    f = _file(
        tmp_path,
        "客户姓名,联系方式类型,联系方式,来源\n"
        "王芳,电话,139 0013 9000,\n"
        "王芳,邮箱,fang@example.com,manual\n"
        "王芳,微信,WF88,\n",  # her own handle, in capitals
    )
    report = cn.json("import", "contact_points", f)
    assert "联系方式 → value" in report["mapping"] and "联系方式类型 → kind" in report["mapping"]
    assert (report["added"], report["unchanged"]) == (2, 1)
    assert _points() == [(1, "phone", "+8613900139000", "import"),
                         (1, "email", "fang@example.com", "manual")]  # fmt: skip


@pytest.mark.both_engines
@pytest.mark.parametrize("headers", ["en", "zh"])
def test_export_all_imports_back_into_a_new_book(cn, tmp_path, monkeypatch, headers):
    cn("edit", "王芳", "--add-phone", "139 0013 9000", "--add-email", "Fang@Example.com")
    cn("edit", "Bob", "--add-wechat", "bobby")
    before = cn("export", "contact_points").stdout
    cn("export", "all", "-o", tmp_path / "out", "--headers", headers)
    monkeypatch.setenv("CUSTTRACK_DB", str(tmp_path / "new.db"))
    db.dispose()
    cn("import", "customers", tmp_path / "out" / "customers.csv")
    report = cn.json("import", "contact_points", tmp_path / "out" / "contact_points.csv")
    assert (report["added"], report["rejected"], report["customers_created"]) == (3, 0, 0)
    after = cn("export", "contact_points").stdout

    def kept(text: str) -> list[list[str]]:  # all but the batch
        return [line.split(",")[:7] for line in text.splitlines()]

    assert kept(after) == kept(before)


def test_the_report_in_chinese(cn, tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    f = _file(tmp_path, "客户姓名,联系方式类型,联系方式\n王芳,电话,139 0013 9000\n王芳,传真,1\n")
    res = cn("import", "contact_points", f, code=1)
    text = res.stdout + res.stderr
    assert "传真" in text and "contact point" not in text
    f = _file(tmp_path, "客户姓名,联系方式类型,联系方式\n王芳,电话,139 0013 9000\n", "ok.csv")
    out = cn("import", "contact_points", f).stdout
    assert "新增 1 条其他联系方式" in " ".join(out.split())


# --- add and edit: another customer's other phone or e-mail -----------------------------------


@pytest.mark.both_engines
def test_add_and_edit_refuse_another_customers_other_phone_or_email(cn):
    cn("edit", "王芳", "--add-phone", "139 0013 9000", "--add-email", "fang@example.com")
    res = cn("add", "Zed", "--phone", "+86 139 0013 9000", code=1)
    assert "phone +8613900139000 already belongs to #1 王芳" in res.stderr
    assert "--force" in res.stderr
    res = cn("add", "Zed", "--email", "FANG@example.com", code=1)
    assert "email fang@example.com already belongs to #1 王芳" in res.stderr
    res = cn("edit", "Bob", "--phone", "13900139000", code=1)
    assert "already belongs to #1 王芳" in res.stderr
    assert _rows("SELECT count(*) FROM customers") == [(2,)]
    cn("edit", "王芳", "--email", "fang@example.com")  # her own other e-mail: fine
    cn("add", "Zed", "--phone", "13900139000", "--force")
    assert _rows("SELECT count(*) FROM customers") == [(3,)]
