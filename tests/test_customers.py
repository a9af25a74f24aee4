"""Customer records: add, edit, tag/untag, archive, delete, show, list, and customer lookup."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest

from custtrack import clock, config, db

pytestmark = [pytest.mark.usefixtures("migrated_db"), pytest.mark.both_engines]


def _one(cli, ref: str) -> dict:
    return cli.json("show", ref)["customer"]


# --- add ----------------------------------------------------------------------------------


def test_add_normalises_phone_with_configured_region(cli) -> None:
    config.set_value("phone_region", "cn")
    result = cli("add", "王芳", "--phone", "138 0013 8000", "--city", "杭州", "-t", "VIP")
    assert "Added #1 王芳 (+8613800138000)" in result.stdout
    c = _one(cli, "1")
    assert (c["phone"], c["city"]) == ("+8613800138000", "杭州")
    assert cli.json("show", "1")["tags"] == ["vip"]


def test_add_phone_region_decides_national_numbers(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LC_ALL", "LC_CTYPE", "LANG"):
        monkeypatch.delenv(var, raising=False)
    cli("add", "Bob", "--phone", "(415) 555-0132")  # no setting, no locale: US
    config.set_value("phone_region", "GB")
    cli("add", "Ada", "--phone", "020 7946 0958")
    assert _one(cli, "Bob")["phone"] == "+14155550132"
    assert _one(cli, "Ada")["phone"] == "+442079460958"


def test_add_checks_and_normalises_email(cli) -> None:
    cli("add", "Anna Berg", "-e", "  Anna.Berg@Example.COM ")
    assert _one(cli, "Anna")["email"] == "anna.berg@example.com"
    result = cli("add", "Bad", "--email", "anna@@example", code=2)
    assert result.stderr.startswith("Error: --email 'anna@@example'")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1985-03-12", "1985-03-12"), ("12 March 1985", "1985-03-12"), ("1990年7月1日", "1990-07-01")],
)
def test_add_birthday_iso_and_natural_language(cli, text: str, expected: str) -> None:
    cli("add", "Ann", "--birthday", text)
    assert _one(cli, "Ann")["birthday"] == expected


def test_add_all_fields_round_trip(cli) -> None:
    cli(
        "add", "Li Lei", "-p", "+86 139 1234 5678", "-e", "li@example.cn", "-w", "lilei_wx",
        "--company", "茶社", "--address", "西湖路 1 号", "--city", "杭州", "--gender", "男",
        "--source", "walk-in", "--owner", "mei", "--price-sensitivity", "mid",
        "--notes", "prefers green tea", "-t", "tea", "-t", "wholesale",
    )  # fmt: skip
    c = _one(cli, "li lei")
    assert {k: c[k] for k in ("wechat", "company", "address", "gender", "source", "owner")} == {
        "wechat": "lilei_wx", "company": "茶社", "address": "西湖路 1 号", "gender": "male",
        "source": "walk-in", "owner": "mei",
    }  # fmt: skip
    assert (c["price_sensitivity"], c["notes"], c["status"]) == (
        "medium",
        "prefers green tea",
        "active",
    )
    assert c["created_at"].endswith("+08:00")  # shown in local time (TZ=Asia/Shanghai)


def test_add_refuses_duplicate_phone_naming_the_customer(cli, snapshot) -> None:
    cli("add", "Wang Fang", "-p", "+86 138 0013 8000")
    before = snapshot()
    result = cli("add", "Fang W", "-p", "+8613800138000", code=1)
    assert result.stderr.strip() == (
        "Error: phone +8613800138000 already belongs to #1 Wang Fang (+8613800138000); "
        "use --force to record it anyway"
    )
    assert snapshot() == before
    cli("add", "Fang W", "-p", "+8613800138000", "--force")
    assert [c["name"] for c in cli.json("list")] == ["Fang W", "Wang Fang"]


def test_add_refuses_duplicate_email_case_insensitively(cli, snapshot) -> None:
    cli("add", "Anna", "-e", "anna@example.com")
    before = snapshot()
    result = cli("add", "Anna 2", "-e", "ANNA@example.com", code=1)
    assert "email anna@example.com already belongs to #1 Anna" in result.stderr
    assert snapshot() == before
    cli("add", "Anna 2", "-e", "ANNA@example.com", "--force")


# --- edit, tag, untag, archive, delete ----------------------------------------------------


def test_edit_changes_and_clears_fields(cli) -> None:
    cli("add", "Anna", "-e", "anna@example.com", "--city", "Berlin", "--source", "referral")
    result = cli("edit", "Anna", "--city", "Hamburg", "--source", "", "--owner", "lei")
    assert "city: Berlin → Hamburg" in result.stdout
    assert "source: referral → —" in result.stdout
    c = _one(cli, "Anna")
    assert (c["city"], c["source"], c["owner"], c["email"]) == (
        "Hamburg",
        None,
        "lei",
        "anna@example.com",
    )
    assert c["updated_at"] >= c["created_at"]
    assert "No change" in cli("edit", "Anna", "--city", "Hamburg").stdout


def test_edit_rename_and_phone_conflict(cli, snapshot) -> None:
    cli("add", "Ann", "-p", "+14155550132")
    cli("add", "Bob", "-p", "+14155550133")
    cli("edit", "Ann", "--name", "Ann Lee", "-p", "+1 415 555 0132")  # own phone: no conflict
    before = snapshot()
    result = cli("edit", "Bob", "-p", "+14155550132", code=1)
    assert "already belongs to #1 Ann Lee" in result.stderr
    assert snapshot() == before
    cli("edit", "Bob", "-p", "+14155550132", "--force")


def test_edit_without_options_is_a_usage_error(cli) -> None:
    cli("add", "Ann")
    assert "nothing to change" in cli("edit", "Ann", code=2).stderr


def test_tag_and_untag(cli) -> None:
    cli("add", "Ann")
    out = cli("tag", "Ann", "VIP", "wholesale", "vip").stdout
    assert "+vip +wholesale; tags now: vip, wholesale" in out
    assert "no change" in cli("tag", "Ann", "vip").stdout
    out = cli("untag", "Ann", "wholesale", "never-had").stdout
    assert "-wholesale; tags now: vip" in out
    assert cli.json("show", "Ann")["tags"] == ["vip"]
    assert cli("tag", "Ann", "two words", code=2).stderr.startswith("Error: TAG 'two words'")


def test_archive_and_undo(cli) -> None:
    cli("add", "Old Li")
    cli("add", "New Wu")
    assert "Archived #1 Old Li" in cli("archive", "Old Li").stdout
    assert "#1 Old Li is already archived." in cli("archive", "Old Li").stdout
    assert [c["name"] for c in cli.json("list")] == ["New Wu"]
    assert [c["name"] for c in cli.json("list", "--archived")] == ["Old Li"]
    assert _one(cli, "Old Li")["status"] == "archived"  # still found by name
    assert "Restored #1 Old Li" in cli("archive", "Old Li", "--undo").stdout
    assert [c["name"] for c in cli.json("list")] == ["New Wu", "Old Li"]


def _with_history(cli) -> None:
    cli("add", "Ann", "-t", "vip")
    cli("add", "Bob")
    cli("log", "Ann", "-m", "hi", "--next", "+3d")
    cli("buy", "Ann", "10")
    cli("feedback", "Ann", "--csat", "4")
    cli("complain", "Ann", "-m", "late")


def test_delete_prompt_answered_no_keeps_everything(cli, snapshot) -> None:
    _with_history(cli)
    before = snapshot()
    result = cli("delete", "Ann", input="n\n", code=1)
    assert "Delete #1 Ann" in result.stdout and "Nothing deleted." in result.stdout
    assert snapshot() == before


def test_delete_prompt_answered_yes_cascades(cli, snapshot) -> None:
    _with_history(cli)
    result = cli("delete", "Ann", input="y\n")
    assert "Deleted #1 Ann (1 interaction, 1 purchase, 1 feedback, 1 complaint, 1 followup)" in (
        result.stdout
    )
    after = snapshot()
    for table in (
        "interactions",
        "purchases",
        "feedback",
        "complaints",
        "followups",
        "customer_tags",
    ):
        assert after[table] == [], table
    assert [r[1] for r in after["customers"]] == ["Bob"]
    assert after["tags"] != []  # the tag itself stays for other customers


def test_delete_yes_skips_the_prompt(cli, snapshot) -> None:
    _with_history(cli)
    result = cli("delete", "1", "--yes")
    assert "Delete #1" not in result.stdout and "Deleted #1 Ann" in result.stdout
    assert [r[1] for r in snapshot()["customers"]] == ["Bob"]
    cli("show", "1", code=1)


# --- customer lookup ----------------------------------------------------------------------


def test_customer_reference_by_id_name_phone_email(cli) -> None:
    cli("add", "Wang Fang", "-p", "+86 138 0013 8000", "-e", "wf@example.cn")
    cli("add", "Wang Wei")
    for ref in (
        "1",
        "#1",
        "wang fang",
        "Fang",
        "+86 138 0013 8000",
        "+8613800138000",
        "WF@example.cn",
    ):
        assert _one(cli, ref)["id"] == 1, ref


def test_ambiguous_customer_lists_candidates(cli, snapshot) -> None:
    cli("add", "Wang Fang", "-p", "+86 138 0013 8000")
    cli("add", "Wang Wei", "--city", "Shanghai")
    before = snapshot()
    result = cli("log", "Wang", "-m", "hello", code=1)
    assert result.stderr.strip() == (
        "Error: 'Wang' matches 2 customers: #1 Wang Fang (+8613800138000); "
        "#2 Wang Wei (Shanghai). Use the id."
    )
    assert snapshot() == before


def test_exact_name_beats_partial_matches(cli) -> None:
    cli("add", "Ann")
    cli("add", "Anna")
    cli("add", "Joanne")
    assert _one(cli, "ann")["name"] == "Ann"


def test_unknown_customer_is_exit_1(cli) -> None:
    cli("add", "Ann")
    result = cli("show", "Zed Li", code=1)
    assert result.stderr.strip() == (
        "Error: no customer matches 'Zed Li'; try `custtrack list --search 'Zed Li'`"
    )
    assert "no customer with id #9" in cli("show", "#9", code=1).stderr


# --- show -----------------------------------------------------------------------------------


def test_show_card_and_timeline_newest_first(cli) -> None:
    cli("add", "Wang Fang", "-p", "+86 138 0013 8000", "--owner", "lei", "-t", "vip")
    cli("log", "Wang", "-c", "wechat", "-m", "first chat", "--at", "2026-10-01 10:00")
    cli("buy", "Wang", "268", "--product", "Longjing", "--at", "2026-10-05 11:00")
    cli("feedback", "Wang", "--csat", "5", "--nps", "9", "-m", "lovely", "--at", "2026-10-06")
    cli("complain", "Wang", "--category", "delivery", "-m", "box wet", "--at", "2026-10-07")
    cli("log", "Wang", "-c", "visit", "-m", "came by", "--at", "2026-11-19 16:30", "--next", "+7d")
    out = cli("show", "Wang").stdout
    expected = [
        "#1 Wang Fang", "+86 138 0013 8000", "lei", "vip", "2026-11-19 16:30", "2026-11-27",
        "1 for 268.00 USD", "CSAT 5 NPS 9 “lovely”", "delivery/normal: box wet",
    ]  # fmt: skip
    for text in expected:
        assert text in out, text
    timeline = out[out.index("Timeline") :]
    order = [timeline.index(x) for x in ("came by", "box wet", "lovely", "Longjing", "first chat")]
    assert order == sorted(order)


def test_show_json_is_complete_and_parses(cli) -> None:
    cli("add", "Ann", "-e", "ann@example.com", "-t", "vip")
    cli("log", "Ann", "-m", "hello", "--at", "2026-11-01 09:00")
    cli("buy", "Ann", "19.99", "--at", "2026-11-02")
    cli("buy", "Ann", "500", "--currency", "jpy", "--at", "2026-11-03")
    data = cli.json("show", "ann@example.com")
    assert data["customer"]["email"] == "ann@example.com"
    assert data["tags"] == ["vip"]
    assert data["last_contact"] == "2026-11-01T09:00:00+08:00"
    summary = data["summary"]
    assert summary["purchases"] == 2
    assert summary["spend_by_currency"] == {"JPY": 500, "USD": 1999}
    assert (summary["spend_minor"], summary["currency"]) == (1999, "USD")
    assert [(i["kind"], i["what"]) for i in data["timeline"]] == [
        ("purchase", "500 JPY"), ("purchase", "19.99 USD"), ("contact", "phone"),
    ]  # fmt: skip
    assert data["timeline_total"] == 3
    assert "19.99 USD + 500 JPY" not in cli("show", "Ann").stdout  # JPY sorts first
    assert "2 for 500 JPY + 19.99 USD" in cli("show", "Ann").stdout


def test_show_timeline_is_capped_unless_all(cli) -> None:
    from custtrack.services import customers, records

    cli("add", "Ann")
    start = datetime(2026, 10, 1, 10, 0, tzinfo=clock.local_zone())
    with db.session(write=True) as s:
        ann = customers.resolve(s, "Ann")
        for n in range(1, 33):
            at = start + timedelta(days=n - 1)
            records.log_contact(s, ann, channel="phone", at=at, summary=f"call {n}")
    db.dispose()
    out = cli("show", "Ann").stdout
    assert "newest 30 of 32" in out
    assert not re.search(r"call [12]\b", out) and re.search(r"call 3\b", out)
    out_all = cli("show", "Ann", "--all").stdout
    assert re.search(r"call 1\b", out_all) and "newest" not in out_all
    assert (
        "--format 'yaml': must be one of table, json, csv"
        in cli("show", "Ann", "-f", "yaml", code=2).stderr
    )


# --- list -----------------------------------------------------------------------------------


@pytest.fixture
def shop(cli, prebuilt):
    """Four customers with purchases and contacts; built once, then copied for each test."""
    config.set_value("phone_region", "CN")
    prebuilt("customers-shop", lambda: _build_shop(cli))
    return cli


def _build_shop(cli) -> None:
    cli(
        "add",
        "王芳",
        "-p",
        "13800138000",
        "--city",
        "杭州",
        "--owner",
        "lei",
        "--source",
        "wechat",
        "-t",
        "vip",
    )
    cli(
        "add",
        "Li Lei",
        "-p",
        "13912345678",
        "--city",
        "上海",
        "--owner",
        "mei",
        "--company",
        "Acme Tea",
    )
    cli("add", "Anna Berg", "-e", "anna@example.com", "--city", "Berlin", "--owner", "Lei",
        "--notes", "met at the fair", "-t", "vip", "-t", "export")  # fmt: skip
    cli("add", "张伟", "-w", "zhangwei_wx", "--city", "杭州", "--source", "walk-in")
    cli("buy", "Li Lei", "1,299.50", "--at", "2026-10-01")
    cli("buy", "Anna", "20", "--at", "2026-11-01")
    cli("buy", "Anna", "30", "--at", "2026-11-02")
    cli("log", "张伟", "-m", "hi", "--at", "2026-11-10")
    cli("log", "王芳", "-m", "hi", "--at", "2026-11-15")


def _names(cli, *args: str) -> list[str]:
    return [r["name"] for r in cli.json("list", *args)]


def test_list_filters(shop) -> None:
    assert _names(shop, "--tag", "VIP") == ["Anna Berg", "王芳"]
    assert _names(shop, "--owner", "lei") == ["Anna Berg", "王芳"]
    assert _names(shop, "--city", "杭州") == ["张伟", "王芳"]
    assert _names(shop, "--source", "walk-in") == ["张伟"]
    assert _names(shop, "--tag", "vip", "--city", "Berlin") == ["Anna Berg"]
    assert _names(shop, "--tag", "nobody") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("berg", ["Anna Berg"]), ("138 0013", ["王芳"]), ("+86139", ["Li Lei"]),
     ("example.com", ["Anna Berg"]), ("acme", ["Li Lei"]), ("FAIR", ["Anna Berg"]),
     ("zhangwei", ["张伟"]), ("王", ["王芳"])],
)  # fmt: skip
def test_list_search(shop, text: str, expected: list[str]) -> None:
    assert _names(shop, "--search", text) == expected


def test_list_sort_and_limit(shop) -> None:
    assert _names(shop, "--sort", "spend") == ["Li Lei", "Anna Berg", "王芳", "张伟"]
    assert _names(shop, "--sort", "last-purchase") == ["Anna Berg", "Li Lei", "王芳", "张伟"]
    assert _names(shop, "--sort", "last-contact") == ["王芳", "张伟", "Li Lei", "Anna Berg"]
    assert _names(shop, "--sort", "id") == ["王芳", "Li Lei", "Anna Berg", "张伟"]
    assert _names(shop, "--sort", "created", "--limit", "2") == ["张伟", "Anna Berg"]
    assert _names(shop, "-n", "1") == ["Anna Berg"]
    assert "--sort 'bogus'" in shop("list", "--sort", "bogus", code=2).stderr
    assert "--limit -1" in shop("list", "--limit", "-1", code=2).stderr


def test_list_json_fields(shop) -> None:
    rows = {r["name"]: r for r in shop.json("list")}
    anna, li = rows["Anna Berg"], rows["Li Lei"]
    assert set(anna) == {
        "id", "name", "phone", "email", "wechat", "city", "company", "owner", "source", "tags",
        "orders", "spend", "currency", "last_purchase", "last_contact", "status",
    }  # fmt: skip
    assert (anna["tags"], anna["orders"], anna["spend"], anna["currency"]) == (
        ["export", "vip"], 2, "50.00", "USD",
    )  # fmt: skip
    assert li["spend"] == "1299.50" and li["phone"] == "+8613912345678"
    assert anna["last_purchase"] == "2026-11-02T12:00:00+08:00"
    assert rows["王芳"]["last_contact"] == "2026-11-15T12:00:00+08:00"


def test_list_csv_parses_back_with_cjk(shop) -> None:
    text = shop("list", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["name"] for r in rows] == ["Anna Berg", "Li Lei", "张伟", "王芳"]
    by_name = {r["name"]: r for r in rows}
    assert by_name["Anna Berg"]["tags"] == "export;vip"
    assert by_name["王芳"]["city"] == "杭州" and by_name["王芳"]["phone"] == "+8613800138000"
    assert by_name["Li Lei"]["spend"] == "1299.50"
    assert list(rows[0])[:3] == ["id", "name", "phone"]


def test_list_first_run_says_how_to_start(cli) -> None:
    assert 'No customers yet: custtrack add "Name"' in cli("list").stdout
    assert "No customers match." in cli("list", "--tag", "vip").stdout
    assert cli.json("list") == []


def test_list_table_and_empty(cli, shop) -> None:
    out = shop("list").stdout
    assert "+86 138 0013 8000" in out and "1,299.50" in out
    assert "4 customers" in out
    assert "No customers match." in shop("list", "--city", "Paris").stdout
    assert shop("list", "--city", "Paris", "-f", "csv").stdout.strip().startswith("id,name")
    assert shop.json("list", "--city", "Paris") == []
