"""Birthdays without a year and lunar (农历) birthdays (issue 17.5): entered, imported, exported,
shown, and reminded of on the right solar day, on both engines."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from custtrack import db, lunar
from custtrack.dates import NO_YEAR, parse_birthday

pytestmark = pytest.mark.both_engines


def _birthday_rows(cli, *args: str) -> list[tuple[str, str, str]]:
    return [
        (r["customer"], r["due_date"], r["note"])
        for r in cli.json("due", *args)
        if r["origin"] == "birthday"
    ]


# --- without a year ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written", ["11-25", "11月25日", "11月25号", "Nov 25", "25 Nov", "--11-25"]
)
def test_a_birthday_without_a_year_is_kept_without_one(cli, written: str) -> None:
    cli("add", "Ann", "--birthday", written)
    shown = cli.json("show", "Ann")
    assert shown["customer"]["birthday"] == "--11-25"  # ISO 8601's form without a year
    card = cli("show", "Ann").stdout
    assert "11-25 (year not known)" in card
    # reminded like any birthday, with no age in the note
    assert _birthday_rows(cli, "--as-of", "2026-11-22") == [("Ann", "2026-11-25", "birthday 11-25")]


def test_dates_with_a_year_still_give_the_age(cli) -> None:
    cli("add", "Bo", "--birthday", "12 November 1985")
    cli("add", "Cy", "--birthday", "Dec 3")
    assert _birthday_rows(cli, "--as-of", "2026-11-09") == [
        ("Bo", "2026-11-12", "birthday 11-12 (turns 41)")
    ]
    assert _birthday_rows(cli, "--as-of", "2026-12-01") == [("Cy", "2026-12-03", "birthday 12-03")]


def test_29_february_without_a_year(cli) -> None:
    cli("add", "Di", "--birthday", "02-29")
    assert cli.json("show", "Di")["customer"]["birthday"] == "--02-29"
    assert _birthday_rows(cli, "--as-of", "2027-02-26") == [("Di", "2027-02-28", "birthday 02-28")]


@pytest.mark.parametrize("written", ["02-30", "13-01", "11月32日", "Foo 3"])
def test_impossible_month_days_are_refused(cli, written: str) -> None:
    result = cli("add", "Ann", "--birthday", written, code=2)
    assert result.stderr.startswith(f"Error: --birthday {written!r}: ")
    assert cli("list").stdout.count("Ann") == 0


def test_parse_birthday() -> None:
    assert parse_birthday("Dec 3") == date(NO_YEAR, 12, 3)
    assert parse_birthday("3rd of December") == date(NO_YEAR, 12, 3)
    assert parse_birthday("1985-03-12") == date(1985, 3, 12)


def test_edit_says_the_birthday_as_people_read_it(cli) -> None:
    cli("add", "Ann", "--birthday", "11-25")
    out = cli("edit", "Ann", "--birthday", "1990-11-25").stdout
    assert "birthday: 11-25 → 1990-11-25" in out
    out = cli("edit", "Ann", "--lunar-birthday", "八月十五").stdout
    assert "lunar_birthday: — → lunar 八月十五" in out


# --- lunar ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "written", "stored"),
    [
        ("--lunar-birthday", "八月十五", "08-15"),
        ("--lunar-birthday", "农历八月十五", "08-15"),
        ("--lunar-birthday", "8-15", "08-15"),
        ("--birthday", "农历八月十五", "08-15"),
        ("--birthday", "八月十五", "08-15"),  # Chinese numerals: how a lunar date is written
        ("--lunar-birthday", "正月初八", "01-08"),
        ("--lunar-birthday", "腊月廿三", "12-23"),
        ("--lunar-birthday", "闰四月十五", "L04-15"),
    ],
)
def test_a_lunar_birthday_is_stored_as_its_month_and_day(
    cli, option: str, written: str, stored: str
) -> None:
    cli("add", "Li", option, written)
    customer = cli.json("show", "Li")["customer"]
    assert customer["lunar_birthday"] == stored
    assert customer["birthday"] is None


def test_mid_autumn_is_reminded_on_its_solar_day_every_year(cli, monkeypatch) -> None:
    monkeypatch.setenv("CUSTTRACK_TODAY", "2026-01-05")  # a customer since before the birthdays
    cli("add", "Li", "--lunar-birthday", "八月十五")
    monkeypatch.setenv("CUSTTRACK_TODAY", "2026-11-20")
    # 中秋: 2026-09-25, 2027-09-15, 2028-10-03
    assert _birthday_rows(cli, "--as-of", "2026-09-20") == [
        ("Li", "2026-09-25", "lunar birthday 08-15 on 09-25")
    ]
    assert _birthday_rows(cli, "--as-of", "2027-09-10") == [
        ("Li", "2027-09-15", "lunar birthday 08-15 on 09-15")
    ]
    assert _birthday_rows(cli, "--as-of", "2028-09-30") == [
        ("Li", "2028-10-03", "lunar birthday 08-15 on 10-03")
    ]
    # a missed one stays overdue for followups.reminder_grace_days (30), as a solar one does
    late = cli.json("due", "--as-of", "2026-10-20")
    assert [(r["key"], r["days_overdue"]) for r in late] == [("b1", 25)]
    cli("config", "set", "followups.reminder_grace_days", "20")
    assert _birthday_rows(cli, "--as-of", "2026-10-20") == []


def test_the_lunar_birthday_is_the_one_reminded_and_the_solar_year_gives_the_age(cli) -> None:
    cli("add", "Cy", "--birthday", "1980-01-05", "--lunar-birthday", "8-16")
    assert _birthday_rows(cli, "--as-of", "2026-09-20") == [
        ("Cy", "2026-09-26", "lunar birthday 08-16 on 09-26 (turns 46)")
    ]
    assert _birthday_rows(cli, "--as-of", "2026-01-02") == []  # not the solar one too


def test_leap_months_and_the_30th(cli) -> None:
    """闰四月十五 is celebrated in 四月; a 30th in a month of 29 days on the 29th."""
    cli("add", "Ann", "--lunar-birthday", "闰四月十五")
    cli("add", "Bo", "--lunar-birthday", "八月三十")  # 八月 of 2026 has 29 days
    assert _birthday_rows(cli, "--as-of", "2026-05-28") == [
        ("Ann", "2026-05-31", "lunar birthday L04-15 on 05-31")
    ]
    assert _birthday_rows(cli, "--as-of", "2026-10-05") == [
        ("Bo", "2026-10-09", "lunar birthday 08-30 on 10-09")
    ]
    assert lunar.solar_day("08-30", 2027) == date(2027, 9, 29)  # 八月 of 2027: 29 days too
    assert lunar.solar_day("09-30", 2026) == date(2026, 11, 8)  # 九月 of 2026: 30 days


def test_show_names_the_lunar_birthday_and_its_next_day(cli, monkeypatch) -> None:
    cli("add", "Li", "--lunar-birthday", "八月十五")
    card = cli("show", "Li").stdout  # today 2026-11-20: 2026's (09-25) has passed
    assert "Lunar birthday" in card and "lunar 八月十五; next: 2027-09-15" in card
    monkeypatch.setenv("CUSTTRACK_TODAY", "2026-09-25")  # on the day itself: that day
    assert "lunar 八月十五; next: 2026-09-25" in cli("show", "Li").stdout
    monkeypatch.setenv("CUSTTRACK_TODAY", "2026-11-20")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    card = cli("show", "Li").stdout
    assert "农历生日" in card and "农历八月十五；下一次：2027-09-15" in card
    due = cli("due", "--as-of", "2026-09-20").stdout
    assert "农历生日 八月十五（09-25）" in due


@pytest.mark.parametrize("written", ["十三月初一", "八月四十", "闰", "农历"])
def test_impossible_lunar_days_are_refused(cli, written: str) -> None:
    result = cli("add", "Li", "--lunar-birthday", written, code=2)
    assert result.stderr.startswith(f"Error: --lunar-birthday {written!r}: ")


# --- import, export, forget, the schema ----------------------------------------------------------


def test_import_a_birthday_column_with_month_days_and_lunar_days(cli, tmp_path: Path) -> None:
    sheet = tmp_path / "客户.csv"
    sheet.write_text(
        "姓名,生日,农历生日\n王芳,11-25,\n李雷,农历八月十五,\n"
        "陈洁,1985-03-12,正月初八\n张伟,Dec 3,\n",
        encoding="utf-8",
    )
    cli("import", "customers", str(sheet))
    got = {
        c["customer"]["name"]: (c["customer"]["birthday"], c["customer"]["lunar_birthday"])
        for c in (cli.json("show", n) for n in ("王芳", "李雷", "陈洁", "张伟"))
    }
    assert got == {
        "王芳": ("--11-25", None),
        "李雷": (None, "08-15"),
        "陈洁": ("1985-03-12", "01-08"),
        "张伟": ("--12-03", None),
    }
    # export writes them as stored, and the file imports back as it was
    out = cli("export", "customers", "--format", "csv").stdout
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(out))}
    # ISO 8601's --MM-DD, with the quote export puts before any text a spreadsheet could take
    # for a formula (import takes it off)
    assert (rows["王芳"]["birthday"], rows["李雷"]["lunar_birthday"]) == ("'--11-25", "08-15")
    again = tmp_path / "again.csv"
    again.write_text(out, encoding="utf-8")
    db.dispose()
    cli("--db", str(tmp_path / "copy.db"), "import", "customers", str(again))
    back = cli.json("--db", str(tmp_path / "copy.db"), "show", "王芳")["customer"]
    assert back["birthday"] == "--11-25"


def test_forget_clears_the_lunar_birthday(cli) -> None:
    cli("add", "Li", "--lunar-birthday", "八月十五", "--birthday", "11-25")
    cli("forget", "Li", "--yes")
    shown = cli.json("show", "1")["customer"]
    assert shown["lunar_birthday"] is None and shown["birthday"] is None


@pytest.mark.sqlite_only
def test_the_upgrade_keeps_every_customer(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from custtrack.migrations import HEAD

    path = tmp_path / "old.db"
    eng = db.bare_engine(str(path))
    try:
        db.upgrade(eng, "0007")
        with eng.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO customers (id, name, birthday, status, created_at, updated_at) "
                    "VALUES (1, 'Ann', '1985-03-12', 'active', '2026-01-01 00:00:00', "
                    "'2026-01-01 00:00:00'), (2, 'Bo', NULL, 'active', '2026-01-01 00:00:00', "
                    "'2026-01-01 00:00:00')"
                )
            )
        db.upgrade(eng)
        assert db.schema_version(eng) == HEAD
        with eng.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT id, name, birthday, lunar_birthday FROM customers ORDER BY id")
            ).all()
        assert [tuple(r) for r in rows] == [
            (1, "Ann", "1985-03-12", None), (2, "Bo", None, None)
        ]  # fmt: skip
    finally:
        eng.dispose()


def test_lunar_python_stays_off_the_daily_path(cli) -> None:
    """Only a customer with a lunar birthday costs its import (~13 ms)."""
    import subprocess
    import sys

    cli("add", "Ann", "--birthday", "11-25")
    code = (
        "import sys; from custtrack.cli import main; sys.argv = ['custtrack', 'due']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('lunar_python' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("False")
