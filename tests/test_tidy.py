"""Issue 17, points 9, 10 and 12: ids that cannot be confused (F19 for follow-ups, #12 for
customers), tables that never wrap numbers at 80 columns, and one way to say things to scripts
(money as exact decimal strings, flags without <bool>, usage errors as our one line, due -o)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from custtrack.cli._output import MONEY_KEYS


def _widest(text: str) -> int:
    return max((cell_len(line) for line in text.splitlines()), default=0)


# --- 9. ids: F19 for a follow-up, #12 for a customer, computed keys as they were ---------------


@pytest.fixture
def planned(cli):
    """Customers #1 Ann, #2 Bob, #3 Cai; follow-ups F1…F4 all Cai's, so that no follow-up id is
    Cai's customer id by chance, and Ann's birthday reminder b1."""
    cli("add", "Ann", "--birthday", "1990-11-21")
    cli("add", "Bob")
    cli("add", "Cai")
    for when in ("today", "tomorrow", "+2d", "+3d"):
        cli("plan", "Cai", when, "-m", "call")
    return cli


@pytest.mark.both_engines
def test_due_shows_follow_ups_as_F_ids_and_json_keys_match(planned) -> None:
    cli = planned
    rows = cli.json("due")
    assert sorted(r["key"] for r in rows) == ["F1", "F2", "F3", "F4", "b1"]
    f1 = next(r for r in rows if r["key"] == "F1")
    assert (f1["followup_id"], f1["customer_id"]) == (1, 3)  # the number stays a number
    assert next(r for r in rows if r["key"] == "b1")["followup_id"] is None
    table = cli("due").stdout
    assert re.search(r"^\s*F1\s+Cai", table, re.M) and re.search(r"^\s*b1\s+Ann", table, re.M)
    assert not re.search(r"^\s*\d+\s", table, re.M)  # no bare number in the ID column
    csv_keys = [line.split(",")[0] for line in cli("due", "--format", "csv").stdout.splitlines()]
    assert "F1" in csv_keys
    # the key of the JSON goes straight back into the commands
    assert "Done F1 (manual) with #3 Cai" in cli("done", f1["key"]).stdout


@pytest.mark.parametrize("ref", ["F2", "f2", "2", "#2"])
def test_every_command_takes_the_new_and_the_old_forms(planned, ref: str) -> None:
    cli = planned
    out = cli("snooze", ref, "+5d").stdout
    assert "Snoozed F2 (manual) with #3 Cai until 2026-11-25" in out
    assert "Rescheduled F2" in cli("reschedule", ref, "2026-11-30").stdout
    assert "Cancelled F2" in cli("cancel", ref).stdout
    assert "follow-up F2 is already cancelled" in cli("done", ref, code=1).stderr


def test_messages_name_follow_ups_by_F_and_customers_by_hash(planned) -> None:
    cli = planned
    out = cli("done", "F1", "--next", "+7d").stdout
    assert "Done F1 (manual) with #3 Cai" in out
    assert "also closed" not in out and "next contact planned: F5 on 2026-11-27" in out
    out = cli("snooze", "b1", "+2d").stdout  # a computed reminder, stored as F6 on the spot
    assert "Snoozed F6 (birthday) with #1 Ann until 2026-11-22" in out
    assert "Snoozed #" not in out
    assert "Next follow-up" in (card := cli("show", "Cai").stdout) and "F2 2026-11-21" in card
    assert "Planned follow-up F7 with #2 Bob" in cli("plan", "Bob", "today").stdout
    cli("plan", "Bob", "today")
    assert "closed follow-ups F7, F8" in cli("log", "Bob").stdout
    assert "no follow-up F99" in cli("done", "F99", code=1).stderr
    err = cli("done", "G1", code=2).stderr
    assert "not a follow-up id" in err and "F12" in err
    ics = cli("due", "--format", "ics").stdout
    assert "custtrack done F4" in ics.replace("\r\n ", "")


def test_ids_in_chinese(planned, monkeypatch) -> None:
    cli = planned
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "已暂缓与 #3 Cai 的跟进 F1（手动）" in cli("snooze", "f1", "+3d").stdout
    assert "没有跟进 F99" in cli("cancel", "F99", code=1).stderr
    assert "F12" in cli("done", "--help").stdout


# --- 10. tables at 80 columns -----------------------------------------------------------------


@pytest.fixture
def wide_values(cli):
    """A customer whose every value is long: a big spend, a long name, tags, a long complaint."""
    cli("add", "Alexandra Konstantinopoulou-Whitfield", "-p", "+86 138 0013 8000",
        "--city", "Hangzhou West Lake District", "--owner", "Maximilian Oberholzer",
        "-t", "wholesale-partner", "-t", "vip-since-2019", "-t", "gift-buyer")  # fmt: skip
    cli("buy", "1", "1234567.89", "--at", "2026-11-18 10:00")
    cli("log", "1", "--at", "2026-11-19 16:45", "-m", "called")
    cli("complain", "1", "--category", "delivery", "--priority", "urgent",
        "-m", "The teapot arrived with a cracked lid and the box was soaked through by the rain",
        "--at", "2026-11-19 09:30")  # fmt: skip
    cli("add", "王芳", "-p", "+86 139 0013 9000")
    cli("buy", "2", "88", "--at", "2026-11-10")
    return cli


@pytest.mark.parametrize("lang", ["en_US.UTF-8", "zh_CN.UTF-8"])
@pytest.mark.parametrize("command", [["list"], ["complaints"]])
def test_no_number_money_date_or_phone_wraps_at_80_columns(
    wide_values, monkeypatch, lang: str, command: list[str]
) -> None:
    monkeypatch.setenv("LANG", lang)
    monkeypatch.setenv("COLUMNS", "80")
    out = wide_values(*command).stdout
    assert _widest(out) <= 80
    for whole in ("2026-11-19",) + (
        ("1,234,567.89", "+86 138 0013 8000", "+86 139 0013 9000") if command == ["list"] else ()
    ):
        assert whole in out, f"{whole} is split:\n{out}"
    monkeypatch.setenv("COLUMNS", "120")  # room enough: the time of day is kept
    wide = wide_values(*command).stdout
    assert "2026-11-19 16:45" in wide if command == ["list"] else "2026-11-19 09:30" in wide


def test_narrow_tables_leave_out_the_least_important_columns(wide_values, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    narrow = wide_values("list").stdout
    assert (
        "Tags" not in narrow
        and "Owner" not in narrow
        and "Spend (CNY)" in narrow.replace("│\n│", "")
        or "Spend" in narrow
    )
    assert "Assignee" not in wide_values("complaints").stdout
    monkeypatch.setenv("COLUMNS", "200")
    assert "Tags" in wide_values("list").stdout
    assert "Assignee" in wide_values("complaints").stdout


@pytest.mark.parametrize(
    "command", [["rfm"], ["value"], ["profit"], ["churn"], ["segments"], ["show", "1"]]
)
def test_other_tables_fit_80_columns_with_whole_numbers(
    wide_values, monkeypatch, command: list[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = wide_values(*command).stdout
    assert _widest(out) <= 80
    assert not re.search(r"\d…|…\d", out)  # no number cut short


def test_piped_output_honours_columns(wide_values, isolated: Path) -> None:
    exe = Path(sys.executable).with_name("custtrack")
    env = {**os.environ, "COLUMNS": "80"}
    piped = subprocess.run(
        f"'{exe}' list | cat", shell=True, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "1,234,567.89" in piped and _widest(piped) <= 80
    del env["COLUMNS"]  # no COLUMNS: 120, not squeezed into 80
    unset = subprocess.run([str(exe), "list"], env=env, capture_output=True, text=True).stdout
    assert 80 < _widest(unset) <= 120


# --- 12. one way to say things ----------------------------------------------------------------

_DECIMAL = re.compile(r"-?\d+\.\d{2}")


def _money_values(data: object, path: str = "") -> list[tuple[str, object]]:
    """(path, value) of every MONEY_KEYS key in a JSON document."""
    found = []
    if isinstance(data, dict):
        for k, v in data.items():
            if k in MONEY_KEYS and not isinstance(v, dict | list):
                found.append((f"{path}.{k}", v))
            else:
                found += _money_values(v, f"{path}.{k}")
    elif isinstance(data, list):
        for v in data:
            found += _money_values(v, f"{path}[]")
    return found


@pytest.fixture
def shop(cli):
    cli("config", "set", "currency", "CNY")
    cli("config", "set", "tiers.thresholds", "0,500,2000")
    cli("add", "Ann")
    cli("add", "Bob", "--referred-by", "Ann")
    cli("add", "Cai")
    for customer, amount, day in [
        ("Ann", "1280", "2026-03-02"), ("Ann", "99.90", "2026-08-15"),
        ("Ann", "1280", "2026-11-01"), ("Bob", "268", "2026-05-20"),
        ("Bob", "45.5", "2026-10-30"), ("Cai", "19.99", "2025-12-24"),
    ]:  # fmt: skip
        cli("buy", customer, amount, "--at", day)
    cli("campaign", "add", "Spring fair", "--cost", "600.5", "--start", "2026-03-01")
    return cli


@pytest.mark.both_engines
@pytest.mark.parametrize(
    "command",
    [["list"], ["show", "Ann"], ["due"], ["rfm"], ["value"], ["report"], ["profit"], ["tiers"],
     ["referrals"], ["campaign", "list"], ["buy", "Cai", "12.3"]],
)  # fmt: skip
def test_json_money_is_an_exact_decimal_string_everywhere(shop, command: list[str]) -> None:
    data = shop.json(*command)
    found = _money_values(data)
    assert found, f"no money in {command}"
    for path, value in found:
        assert value is None or (isinstance(value, str) and _DECIMAL.fullmatch(value)), (
            f"{command} {path} = {value!r}"
        )


def test_money_strings_are_exact_and_records_keep_their_minor_units(shop) -> None:
    assert next(r for r in shop.json("list") if r["name"] == "Ann")["spend"] == "2659.90"
    summary = shop.json("show", "Ann")["summary"]
    assert (summary["spend"], summary["spend_minor"]) == ("2659.90", 265990)
    bought = shop.json("buy", "Cai", "1280")
    assert (bought["amount"], bought["amount_minor"]) == ("1280.00", 128000)
    report = shop.json("report", "--period", "year")
    assert report["revenue"] == "4253.40"  # the purchases of 2026 (2973.40 + 1280), to the fen
    rfm = {r["customer_id"]: r["monetary"] for r in shop.json("rfm")}
    assert rfm[1] == "2659.90" and rfm[3] == "1299.99"
    csv_text = shop("rfm", "--format", "csv").stdout
    assert "2659.90" in csv_text


@pytest.mark.parametrize("lang", ["en_US.UTF-8", "zh_CN.UTF-8"])
@pytest.mark.parametrize(
    "command", [[], ["add"], ["due"], ["done"], ["import", "customers"], ["export"]]
)
def test_help_shows_no_bool_nor_brace_placeholders(
    cli, monkeypatch, lang: str, command: list[str]
) -> None:
    monkeypatch.setenv("LANG", lang)
    out = cli(*command, "--help").stdout
    assert "<bool>" not in out
    assert not re.search(r"\{\w+\}", out), out
    if command == ["add"]:
        assert re.search(r"custtrack add \S+ NAME", out)  # the usage line, in capitals


@pytest.mark.parametrize("lang", ["en_US.UTF-8", "zh_CN.UTF-8"])
@pytest.mark.parametrize(
    "args",
    [["show"], ["list", "--bogus"], ["list", "--format", "xml"], ["show", "1", "2"], ["--db"],
     ["--lang"], ["due", "--days", "x"], ["cadence", "set"], ["snooze", "F1"], ["frobnicate"]],
)  # fmt: skip
def test_usage_errors_are_one_line_never_a_box(
    cli, monkeypatch, lang: str, args: list[str]
) -> None:
    monkeypatch.setenv("LANG", lang)
    err = cli(*args, code=2).stderr
    assert err.startswith("Error: " if lang.startswith("en") else "错误："), err
    assert len(err.strip().splitlines()) == 1, err
    assert not set("╭╰│─") & set(err)


def test_missing_argument_is_named_as_the_usage_line_names_it(cli) -> None:
    assert "Missing argument CUSTOMER." in cli("show", code=2).stderr


def test_due_out_writes_a_private_file_and_refuses_to_overwrite(planned, tmp_path) -> None:
    cli = planned
    target = tmp_path / "due.json"
    out = cli("due", "--format", "json", "-o", str(target)).stdout
    assert out.startswith("✓ Wrote 5 follow-ups to")
    assert [r["key"] for r in json.loads(target.read_text())][:1] == ["F1"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    before = target.read_text()
    err = cli("due", "--format", "csv", "-o", str(target), code=1).stderr
    assert "already exists" in err and "--force" in err and target.read_text() == before
    cli("due", "--format", "csv", "-o", str(target), "--force")
    assert target.read_text().startswith("key,section")
    ics = tmp_path / "due.ics"
    cli("due", "--format", "ics", "--out", str(ics))
    assert ics.read_text().startswith("BEGIN:VCALENDAR")
    table = tmp_path / "due.txt"
    cli("due", "-o", str(table))
    assert "F1" in table.read_text() and "Cai" in table.read_text()
    assert "does not exist" in cli("due", "-o", str(tmp_path / "no" / "x"), code=1).stderr
    assert not list(tmp_path.glob("*.part"))
