"""Dates as people write them, in English and Chinese, against the one fixed clock."""

from datetime import date, time, timedelta

import pytest

from custtrack.dates import EXAMPLE, parse_date, parse_moment, parse_period, parse_when
from custtrack.errors import InvalidValue

# CUSTTRACK_TODAY is 2026-11-20, a Friday (conftest)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("2026/12/01", date(2026, 12, 1)),
        ("today", date(2026, 11, 20)),
        ("tomorrow", date(2026, 11, 21)),
        ("yesterday", date(2026, 11, 19)),
        ("+3d", date(2026, 11, 23)),
        ("+1w", date(2026, 11, 27)),
        ("+2m", date(2027, 1, 20)),
        ("in 2 weeks", date(2026, 12, 4)),
        ("in a month", date(2026, 12, 20)),
        ("3 days ago", date(2026, 11, 17)),
        ("next friday", date(2026, 11, 27)),  # today is Friday: the next one
        ("monday", date(2026, 11, 23)),
        ("next tue", date(2026, 11, 24)),
        ("eom", date(2026, 11, 30)),
        ("eoy", date(2026, 12, 31)),
        ("Dec 3", date(2026, 12, 3)),
    ],
)
def test_english_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天", date(2026, 11, 20)),
        ("明天", date(2026, 11, 21)),
        ("后天", date(2026, 11, 22)),
        ("大后天", date(2026, 11, 23)),
        ("昨天", date(2026, 11, 19)),
        ("下周一", date(2026, 11, 23)),
        ("下周五", date(2026, 11, 27)),
        ("周三", date(2026, 11, 25)),  # the first Wednesday after today, as "wednesday"
        ("这周三", date(2026, 11, 18)),  # this calendar week's Wednesday (past)
        ("本周五", date(2026, 11, 20)),
        ("上周一", date(2026, 11, 9)),
        ("星期五", date(2026, 11, 27)),  # today is a Friday: a weekday alone is never today
        ("下星期三", date(2026, 11, 25)),
        ("3天后", date(2026, 11, 23)),
        ("三天后", date(2026, 11, 23)),
        ("十天后", date(2026, 11, 30)),
        ("两周后", date(2026, 12, 4)),
        ("一个月后", date(2026, 12, 20)),
        ("下个月", date(2026, 12, 20)),
        ("月底", date(2026, 11, 30)),
        ("2026年12月1日", date(2026, 12, 1)),
        ("12月3日", date(2026, 12, 3)),
        ("12月3号", date(2026, 12, 3)),
    ],
)
def test_chinese_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow 15:00", (date(2026, 11, 21), time(15, 0))),
        ("next monday 9am", (date(2026, 11, 23), time(9, 0))),
        ("2026-12-01 09:30", (date(2026, 12, 1), time(9, 30))),
        ("2026-12-01T09:30", (date(2026, 12, 1), time(9, 30))),
        ("明天下午3点", (date(2026, 11, 21), time(15, 0))),
        ("明天上午10点半", (date(2026, 11, 21), time(10, 30))),
        ("下午3点", (date(2026, 11, 20), time(15, 0))),
        ("9pm", (date(2026, 11, 20), time(21, 0))),
    ],
)
def test_dates_with_a_time(text: str, expected: tuple) -> None:
    assert parse_when(text) == expected


@pytest.mark.parametrize("base", [date(2026, 11, 16) + timedelta(days=k) for k in range(7)])
def test_a_weekday_means_the_same_day_in_english_and_chinese(base: date) -> None:
    for k, (en, zh) in enumerate(zip(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        ("周一", "周二", "周三", "周四", "周五", "周六", "周日"), strict=True,
    )):  # fmt: skip
        day = parse_date(en, base=base)
        assert day == parse_date(zh, base=base) == parse_date(f"星期{zh[1]}", base=base)
        assert day.weekday() == k and 1 <= (day - base).days <= 7


@pytest.mark.parametrize(
    "text", ["2026-13-01", "2026-02-30", "2026/13/01", "2026.02.29", "20261301"]
)
def test_impossible_dates_are_refused_not_reread(text: str) -> None:
    with pytest.raises(InvalidValue, match="not a valid date"):
        parse_date(text, "--next")


def test_a_fixed_base_is_used_over_the_clock() -> None:
    assert parse_date("明天", base=date(2026, 12, 31)) == date(2027, 1, 1)
    assert parse_date("eom", base=date(2028, 2, 10)) == date(2028, 2, 29)


@pytest.mark.parametrize(
    "text", ["someday maybe", "13/45", "2026-02-30", "2月30日", "next blursday"]
)
def test_unreadable_dates_show_an_example(text: str) -> None:
    with pytest.raises(InvalidValue) as err:
        parse_when(text, "--next")
    assert err.value.field == "--next"
    assert err.value.hint and "tomorrow" in err.value.hint
    assert "--next" in str(err.value)


def test_an_impossible_time_shows_an_example() -> None:
    with pytest.raises(InvalidValue, match="14:30"):
        parse_when("明天 25:00")


def test_empty_date_is_an_error_with_the_example() -> None:
    with pytest.raises(InvalidValue) as err:
        parse_when("  ")
    assert err.value.hint == EXAMPLE


def test_a_date_only_field_refuses_a_time() -> None:
    with pytest.raises(InvalidValue, match="without a time"):
        parse_date("tomorrow 15:00", "WHEN")


def test_moment_of_a_bare_past_date_is_noon_local() -> None:
    at = parse_moment("2026-11-18")
    assert (at.date(), at.hour, at.minute) == (date(2026, 11, 18), 12, 0)
    assert at.utcoffset().total_seconds() == 8 * 3600  # Asia/Shanghai


@pytest.mark.parametrize(
    ("text", "days"),
    [("30d", 30), ("2w", 14), ("3m", 90), ("30", 30), ("1 month", 30), ("10天", 10), ("2周", 14)],
)
def test_periods(text: str, days: int) -> None:
    assert parse_period(text) == days


@pytest.mark.parametrize("text", ["0d", "soon", "-3d", ""])
def test_bad_periods(text: str) -> None:
    with pytest.raises(InvalidValue, match="30d"):
        parse_period(text)


def test_cli_shows_the_example_for_an_unreadable_date(cli) -> None:
    cli("add", "Ann")
    result = cli("plan", "Ann", "someday maybe", code=2)
    assert "Error: WHEN 'someday maybe'" in result.stderr
    assert "next friday" in result.stderr
