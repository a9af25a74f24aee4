"""--format everywhere: a choice that --help lists and the shell completes, refused in one line
in either language; csv for show, check and config show; json for the write commands, printing
the record written so scripts can chain them (issue #18.6, #18.7)."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from custtrack import models
from custtrack.cli import app

TABLE_JSON_CSV = {"table", "json", "csv"}
WRITE = {"table", "json"}
WRITE_COMMANDS = {
    "add", "edit", "tag", "untag", "archive", "lost", "log", "buy", "feedback", "complain",
    "resolve", "plan", "done", "snooze", "reschedule", "cancel", "cadence set", "product set",
    "campaign add", "refund", "points redeem", "points adjust", "person add", "person edit",
    "person remove", "delete",
}  # fmt: skip


def _expected(name: str) -> set[str]:
    if name == "due":
        return {"table", "json", "csv", "ics"}
    if name == "export":
        return {"csv", "json", "xlsx"}
    if name.startswith("import ") and name != "import list":
        return {"table", "json"}  # the import report
    return WRITE if name in WRITE_COMMANDS else TABLE_JSON_CSV


def _format_options() -> dict[str, object]:
    """Every command's --format parameter, by the command's name ("cadence set")."""
    found = {}

    def walk(cmd, path):  # noqa: ANN001, ANN202
        for param in getattr(cmd, "params", []):
            if "--format" in param.opts:
                found[" ".join(path)] = param
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


def test_every_format_option_is_a_choice_of_its_commands_values() -> None:
    options = _format_options()
    assert len(options) > 40
    assert set(options) >= WRITE_COMMANDS
    for name, param in options.items():
        desc = param.type_descriptor
        assert desc.is_choice, name
        assert set(desc.choices) == _expected(name), name
        assert param.opts == ["--format", "-f"], name


@pytest.mark.parametrize(
    ("args", "values"),
    [(["due"], "<table|json|csv|ics>"), (["export"], "<csv|json|xlsx>"),
     (["import", "customers"], "<table|json>"), (["show"], "<table|json|csv>"),
     (["check"], "<table|json|csv>"), (["config", "show"], "<table|json|csv>"),
     (["add"], "<table|json>"), (["cadence", "set"], "<table|json>")],
)  # fmt: skip
def test_help_lists_the_values(cli, args: list[str], values: str) -> None:
    assert values in cli(*args, "--help").stdout


def _complete(words: str) -> list[str]:
    env = {**os.environ, "_CUSTTRACK_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split(" ")) - 1)}  # fmt: skip
    script = Path(sys.executable).with_name("custtrack")  # the installed console script
    proc = subprocess.run([script], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_the_shell_completes_the_values() -> None:
    assert _complete("custtrack due --format ") == ["table", "json", "csv", "ics"]
    assert _complete("custtrack export -f ") == ["csv", "json", "xlsx"]
    assert _complete("custtrack list --format ") == ["table", "json", "csv"]
    assert _complete("custtrack add Ann --format j") == ["json"]
    assert _complete("custtrack import purchases x.csv -f ") == ["table", "json"]


BAD = [  # (command, its arguments, the values it takes)
    ("list", [], "table, json, csv"),
    ("show", ["Ann"], "table, json, csv"),
    ("due", [], "table, json, csv, ics"),
    ("export", ["customers"], "csv, json, xlsx"),
    ("import customers", ["x.csv"], "table, json"),
    ("check", [], "table, json, csv"),
    ("config show", [], "table, json, csv"),
    ("add", ["Bob"], "table, json"),
    ("cadence set", ["--tag", "vip", "--every", "30d"], "table, json"),
]


@pytest.mark.parametrize(("command", "args", "values"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_format_is_one_line_exit_2_and_writes_nothing(
    cli, snapshot, command: str, args: list[str], values: str
) -> None:
    cli("add", "Ann")
    before = snapshot()
    result = cli(*command.split(), *args, "--format", "xml", code=2)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"Error: --format 'xml': must be one of {values} (see `custtrack {command} --help`)"
    ]
    assert snapshot() == before


@pytest.mark.parametrize(("command", "args", "values"), BAD[:5], ids=[b[0] for b in BAD[:5]])
def test_a_bad_format_in_chinese(
    cli, monkeypatch, command: str, args: list[str], values: str
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    cli("add", "Ann")
    result = cli(*command.split(), *args, "-f", "yaml", code=2)
    assert result.stderr.splitlines() == [
        f"错误：--format 'yaml'：只能是以下之一：{values}（见 `custtrack {command} --help`）"
    ]


def test_format_values_ignore_case(cli) -> None:
    cli("add", "Ann")
    assert json.loads(cli("list", "-f", "JSON").stdout)[0]["name"] == "Ann"
    assert cli("due", "--format", "Ics").stdout.startswith("BEGIN:VCALENDAR")


# --- csv of show, check, config show ----------------------------------------------------------


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_show_csv_is_the_card_as_key_value_rows(cli) -> None:
    cli("add", "Ann Lee", "-p", "+8613800138000", "--tag", "vip", "--tag", "tea")
    cli("buy", "Ann", "12.50", "--currency", "CNY")
    cli("plan", "Ann", "2026-11-25", "-m", "call back")
    cli("complain", "Ann", "--category", "delivery", "-m", "late")
    out = cli("show", "Ann", "--format", "csv").stdout
    assert out.startswith("key,value\n")
    card = {r["key"]: r["value"] for r in _csv(out)}
    doc = cli.json("show", "Ann")
    fields = [k for k in card if k.startswith("customer.")]
    assert fields == [f"customer.{k}" for k in models.Customer.model_fields]  # declared order
    assert card["customer.name"] == "Ann Lee" and card["customer.phone"] == "+8613800138000"
    assert card["tags"] == "tea;vip"
    assert card["next_followup.due_date"] == "2026-11-25"
    assert card["next_followup.note"] == "call back"
    assert card["summary.spend_by_currency.CNY"] == "1250"
    assert card["open_complaints.0.category"] == "delivery"
    assert card["latest_feedback"] == ""  # none yet: an empty row, so the shape is stable
    assert card["timeline_total"] == str(doc["timeline_total"])
    assert not any(k.startswith("timeline.") for k in card)  # the card, not the timeline
    assert list(doc["customer"]) == list(models.Customer.model_fields)  # JSON in that order too


def test_check_csv_has_one_row_per_problem(cli, isolated) -> None:
    cli("add", "Ann")
    cli("feedback", "Ann", "--csat", "4")
    cli("buy", "Ann", "5")
    assert cli("check", "-f", "csv").stdout == "check,message,count,examples\n"
    con = sqlite3.connect(isolated)
    con.execute("PRAGMA ignore_check_constraints = ON")
    con.execute("UPDATE feedback SET csat = 9")
    con.execute("UPDATE purchases SET qty = 0")
    con.commit()
    con.close()
    rows = _csv(cli("check", "--format", "csv", code=1).stdout)
    assert {"csat-range", "bad-quantity"} <= {r["check"] for r in rows}
    problems = {p["check"]: p for p in json.loads(cli("check", "-f", "json", code=1).stdout)[
        "problems"]}  # fmt: skip
    assert len(rows) == len(problems)
    for r in rows:
        p = problems[r["check"]]
        assert (r["message"], int(r["count"])) == (p["message"], p["count"])
        assert r["examples"] == ";".join(str(i) for i in p["examples"])


def test_config_show_csv_is_key_value_default_source(cli) -> None:
    cli("config", "set", "currency", "CNY")
    rows = _csv(cli("config", "show", "-f", "csv").stdout)
    assert list(rows[0]) == ["key", "value", "default", "source"]
    currency = next(r for r in rows if r["key"] == "currency")
    assert currency == {"key": "currency", "value": "CNY", "default": "USD", "source": "file"}


# --- json of the write commands ---------------------------------------------------------------


def _fields(model: type) -> list[str]:
    return list(model.model_fields)


def test_write_commands_print_the_record_with_its_id(cli) -> None:
    def run(*args: str) -> dict:
        result = cli(*args, "--format", "json")
        assert result.stderr == ""
        return json.loads(result.stdout)

    ann = run("add", "Ann Lee", "-p", "+8613800138000", "--tag", "vip")
    assert list(ann) == [*_fields(models.Customer), "tags"]
    assert (ann["name"], ann["phone"], ann["tags"]) == ("Ann Lee", "+8613800138000", ["vip"])
    cid = str(ann["id"])
    # the customer's fields as `show --format json` has them
    assert {k: v for k, v in ann.items() if k != "tags"} == cli.json("show", cid)["customer"]
    assert run("edit", cid, "--city", "杭州")["city"] == "杭州"
    assert run("tag", cid, "tea")["tags"] == ["tea", "vip"]
    assert run("untag", cid, "vip")["tags"] == ["tea"]
    assert run("archive", cid)["status"] == "archived"
    assert run("archive", cid, "--undo")["status"] == "active"
    assert run("lost", cid, "--reason", "price")["lost_reason"] == "price"
    assert run("lost", cid, "--undo")["lost_reason"] is None

    fu = run("plan", cid, "2026-11-22", "-m", "first")
    assert list(fu) == _fields(models.FollowUp)
    assert (fu["due_date"], fu["note"], fu["status"]) == ("2026-11-22", "first", "open")
    contact = run("log", cid, "-c", "wechat", "-m", "hi", "--next", "2026-12-01")
    assert list(contact) == [*_fields(models.Interaction), "closed_followups", "next_followup"]
    assert (contact["channel"], contact["summary"]) == ("wechat", "hi")
    assert contact["closed_followups"] == []  # the plan is due later than today
    nxt = contact["next_followup"]
    assert (nxt["due_date"], nxt["customer_id"]) == ("2026-12-01", ann["id"])
    assert run("snooze", str(fu["id"]), "2026-11-24")["snoozed_until"] == "2026-11-24"
    moved = run("reschedule", str(fu["id"]), "2026-11-23 10:00")
    assert (moved["due_date"], moved["due_time"], moved["snoozed_until"]) == (
        "2026-11-23", "10:00:00", None)  # fmt: skip
    done = run("done", str(fu["id"]), "-m", "talked", "--next", "+2w")
    assert (done["id"], done["status"]) == (fu["id"], "done")
    assert done["contact"]["summary"] == "talked"
    assert done["contact"]["id"] == done["interaction_id"]
    assert done["next_followup"]["due_date"] == "2026-12-04"
    assert run("cancel", str(nxt["id"]))["status"] == "cancelled"

    p = run("buy", cid, "1,299.50", "-p", "tea", "--qty", "2", "--currency", "CNY")
    assert [k for k in p if k != "amount"] == _fields(models.Purchase)  # + the decimal string
    assert p["amount"] == "1299.50"
    assert (p["amount_minor"], p["currency"], p["qty"]) == (129950, "CNY", 2)
    f = run("feedback", cid, "--csat", "5", "--nps", "9")
    assert list(f) == _fields(models.Feedback) and (f["csat"], f["nps"]) == (5, 9)
    k = run("complain", cid, "--category", "delivery", "-m", "late")
    assert list(k) == _fields(models.Complaint) and k["status"] == "open"
    r = run("resolve", str(k["id"]), "-m", "sent again")
    assert (r["id"], r["status"], r["resolution"]) == (k["id"], "resolved", "sent again")

    cad = run("cadence", "set", "--tag", "tea", "--every", "30d")
    assert (cad["scope"], cad["target"], cad["every_days"], cad["label"]) == (
        "tag", "tea", 30, "tea")  # fmt: skip
    assert run("cadence", "set", "--tag", "tea", "--every", "2w") == {**cad, "every_days": 14}
    prod = run("product", "set", "Longjing", "--cost", "42", "--currency", "CNY")
    assert prod == {"id": 1, "name": "Longjing", "category": None, "unit_cost_minor": 4200,
                    "unit_cost": "42.00", "currency": "CNY"}  # fmt: skip
    assert run("product", "set", "Longjing", "--cost", "40", "--currency", "CNY")["id"] == 1
    camp = run("campaign", "add", "Spring", "--cost", "800", "--start", "2026-03-01")
    assert [k for k in camp if k != "cost"] == _fields(models.Campaign)
    assert (camp["cost_minor"], camp["cost"]) == (80000, "800.00")


def test_ids_chain_from_one_command_to_the_next(cli) -> None:
    cid = cli.json("add", "Ann")["id"]
    fid = cli.json("plan", str(cid), "tomorrow")["id"]
    assert cli.json("done", str(fid))["customer_id"] == cid


def test_a_failed_write_prints_no_json_only_its_error_line(cli, snapshot) -> None:
    cli("add", "Ann")
    before = snapshot()
    cases = [(["buy", "Nobody", "5"], 1), (["buy", "Ann", "ten"], 2),
             (["plan", "Ann", "someday"], 2), (["resolve", "9", "-m", "x"], 1)]  # fmt: skip
    for args, code in cases:
        result = cli(*args, "--format", "json", code=code)
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: ")
    assert snapshot() == before


def test_the_table_format_keeps_the_human_line(cli) -> None:
    assert cli("add", "Ann").stdout.startswith("✓ Added #1 Ann")
    assert cli("buy", "Ann", "5", "--format", "table").stdout.startswith("✓ Recorded purchase #1")
