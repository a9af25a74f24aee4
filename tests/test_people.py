"""People: who you are (CUSTTRACK_USER, config `user`, the login), owners, who logged what."""

from __future__ import annotations

import getpass

import pytest
import sqlalchemy as sa

from custtrack import config, db


def _rows(sql: str) -> list[tuple]:
    """Rows straight from the database of the test (either engine)."""
    try:
        with db.engine().connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        db.dispose()


@pytest.fixture
def login(monkeypatch: pytest.MonkeyPatch) -> str:
    """The OS login name, fixed for the test."""
    monkeypatch.setattr(getpass, "getuser", lambda: "shopkeeper")
    return "shopkeeper"


def test_who_you_are_env_then_setting_then_login(cli, login, monkeypatch) -> None:
    assert config.current_user() == "shopkeeper"
    cli("config", "set", "user", "Lei")
    assert config.current_user() == "Lei"
    monkeypatch.setenv("CUSTTRACK_USER", "mei")
    assert config.current_user() == "mei"


def test_no_login_name_at_all_is_unknown(monkeypatch) -> None:
    def fail() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr(getpass, "getuser", fail)
    assert config.current_user() == "unknown"


def test_config_show_says_the_login_stands_in_for_an_empty_user(cli, login) -> None:
    out = cli("config", "show").stdout
    assert "(empty: your login name, shopkeeper)" in out
    assert cli("config", "get", "user").stdout == "(empty)\n"  # the setting itself is empty
    row = next(r for r in cli.json("config", "show") if r["key"] == "user")
    assert row["value"] == ""  # machine formats give the setting as stored


def test_the_person_adding_a_customer_owns_them_unless_told(cli, login, monkeypatch) -> None:
    cli("add", "Ann")
    cli("add", "Bob", "--owner", "lei")
    cli("add", "Cai", "--owner", "")  # nobody's
    monkeypatch.setenv("CUSTTRACK_USER", "mei")
    cli("add", "Dan")
    owners = {c["name"]: c["owner"] for c in cli.json("list")}
    assert owners == {"Ann": "shopkeeper", "Bob": "lei", "Cai": None, "Dan": "mei"}
    assert [c["name"] for c in cli.json("list", "--owner", "MEI")] == ["Dan"]
    cli("edit", "Dan", "--owner", "lei")
    assert [c["name"] for c in cli.json("list", "--owner", "lei")] == ["Bob", "Dan"]
    assert "default: you" in cli("add", "--help").stdout


def test_log_buy_feedback_complain_record_who_entered_them(cli, login, monkeypatch) -> None:
    cli("add", "Ann")
    monkeypatch.setenv("CUSTTRACK_USER", "lei")
    cli("log", "Ann", "-m", "called", "--at", "2026-11-18 10:00")
    monkeypatch.setenv("CUSTTRACK_USER", "mei")
    cli("buy", "Ann", "30", "--at", "2026-11-19 10:00")
    cli("feedback", "Ann", "--csat", "5", "--at", "2026-11-19 11:00")
    cli("complain", "Ann", "--category", "price", "-m", "dear")
    assert _rows("SELECT owner, recorded_by FROM interactions") == [("lei", "lei")]
    assert _rows("SELECT recorded_by FROM purchases") == [("mei",)]
    assert _rows("SELECT recorded_by FROM feedback") == [("mei",)]
    assert _rows("SELECT recorded_by FROM complaints") == [("mei",)]
    timeline = cli.json("show", "Ann")["timeline"]
    assert [(t["kind"], t["by"]) for t in timeline] == [
        ("complaint", "mei"), ("feedback", "mei"), ("purchase", "mei"), ("contact", "lei"),
    ]  # fmt: skip
    out = cli("show", "Ann").stdout
    assert "By" in out and "lei" in out


def test_an_imported_contact_shows_the_person_the_file_names(cli, tmp_path) -> None:
    cli("add", "Ann")
    sheet = tmp_path / "contacts.csv"
    sheet.write_text("customer,date,channel,summary,owner\nAnn,2026-11-01,phone,hello,wang\n")
    cli("import", "interactions", sheet)
    [item] = cli.json("show", "Ann")["timeline"]
    assert item["by"] == "wang"  # no one typed it in: the salesperson of the sheet


def test_plan_and_acting_on_a_reminder_default_to_you(cli, login, monkeypatch) -> None:
    cli("add", "Ann", "--owner", "lei", "--birthday", "1990-11-22")
    cli("plan", "Ann", "today")
    cli("plan", "Ann", "tomorrow", "--owner", "wang")
    due = {r["key"]: r["owner"] for r in cli.json("due")}
    assert due == {"F1": "shopkeeper", "F2": "wang", "b1": "lei"}  # a reminder: the customer's
    cli("snooze", "b1", "+3d")  # stored as a follow-up of the customer's owner
    assert _rows("SELECT owner FROM followups WHERE origin = 'birthday'") == [("lei",)]


def test_due_lists_everyone_unless_mine_or_owner(cli, login, monkeypatch) -> None:
    cli("add", "Ann", "--owner", "lei")
    cli("add", "Bob")  # the shopkeeper's
    cli("plan", "Ann", "today", "--owner", "lei")
    cli("plan", "Bob", "today")
    assert [r["owner"] for r in cli.json("due")] == ["lei", "shopkeeper"]  # everyone
    assert [r["customer"] for r in cli.json("due", "--mine")] == ["Bob"]  # the login
    monkeypatch.setenv("CUSTTRACK_USER", "lei")
    assert [r["customer"] for r in cli.json("due", "--mine")] == ["Ann"]
    assert [r["customer"] for r in cli.json("due", "--owner", "shopkeeper")] == ["Bob"]
    text = " ".join(cli("due", "--help").stdout.replace("│", " ").split())
    assert "`due` lists everyone's, also on a shared database" in text
