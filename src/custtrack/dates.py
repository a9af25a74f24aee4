"""Reading dates the way people write them, against the one clock in `clock`.

The common forms (ISO, today/tomorrow, +3d, in 2 weeks, next friday, eom, 明天, 下周一, 3天后 …)
are parsed here without any import, because `log` and `due` run many times a day and dateparser
costs ~150 ms to import and has surprising rules for relative weekdays. Anything else ("12 March
1985", "3 days ago") falls back to dateparser, imported only then.

Weekday rule: a weekday alone means the first such day after today, never today: "friday",
"this friday", "next friday", 周五, 星期五 and 礼拜五 all name the same day. Chinese with a week
names a day of that calendar week (weeks start on Monday): 这周五/本周五 this week's (it may be
past), 下周五 next week's, 上周五 last week's.

Impossible dates (2026-13-01, 2026-02-30) are refused, never read another way.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from typing import overload

from . import clock
from .errors import InvalidValue
from .i18n import N_, _

EXAMPLE = N_("e.g. 2026-12-01, tomorrow, +3d, in 2 weeks, next friday, eom, 明天, 下周一, 3天后")

_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip
_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9, "十": 10}  # fmt: skip
_ZH_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_UNITS = {
    "d": "d", "day": "d", "days": "d", "w": "w", "wk": "w", "week": "w", "weeks": "w",
    "m": "m", "mo": "m", "month": "m", "months": "m", "y": "y", "year": "y", "years": "y",
    "天": "d", "日": "d", "周": "w", "星期": "w", "个星期": "w", "个月": "m", "月": "m", "年": "y",
}  # fmt: skip


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _shift(base: date, n: int, unit: str) -> date:
    if unit == "d":
        return base + timedelta(days=n)
    if unit == "w":
        return base + timedelta(weeks=n)
    if unit == "m":
        return add_months(base, n)
    return add_months(base, 12 * n)


def _zh_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _ZH_DIGITS for ch in text):
        return None
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_ZH_DIGITS[tens] if tens else 1) * 10 + (_ZH_DIGITS[ones] if ones else 0)
    return _ZH_DIGITS[text] if len(text) == 1 else None


_TIME_RE = re.compile(
    r"(?:\s+|^|(?<=[\u4e00-\u9fff]))(?:at\s+)?(?P<zh>上午|下午|晚上|早上|中午)?"
    r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm|点半|点)?$"
)


def _split_time(text: str) -> tuple[str, time | None]:
    """Split a trailing time of day ('14:30', '9am', '下午3点') off the text."""
    match = _TIME_RE.search(text)
    if not match:
        return text, None
    has_marker = match["m"] or match["ampm"] or match["zh"]
    rest = text[: match.start()].strip()
    if not has_marker or not rest and not (match["m"] or match["ampm"]):
        return text, None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    ampm = match["ampm"] or ""
    if ampm == "点半":
        minute = 30
    if (ampm == "pm" or match["zh"] in ("下午", "晚上")) and hour < 12:
        hour += 12
    if ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise InvalidValue(
            _("time"), match.group(0).strip(), _("not a time of day"), _("e.g. 14:30 or 9am")
        )
    return rest, time(hour, minute)


def _parse_day(text: str, base: date) -> date | None:
    t = text.strip().lower()
    simple = {
        "today": 0, "now": 0, "tod": 0, "tomorrow": 1, "tmr": 1, "yesterday": -1,
        "今天": 0, "今日": 0, "现在": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3,
        "昨天": -1, "前天": -2,
    }  # fmt: skip
    if t in simple:
        return base + timedelta(days=simple[t])
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return datetime.strptime(t, fmt).date()
        except ValueError:
            pass
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?", t)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{1,2})月(\d{1,2})[日号]", t)
    if m:  # 12月3日: this year's, like "Dec 3"
        return date(base.year, int(m[1]), int(m[2]))
    if t in ("eom", "end of month", "月底"):
        return base.replace(day=calendar.monthrange(base.year, base.month)[1])
    if t in ("eow", "end of week", "周末"):
        return base + timedelta(days=6 - base.weekday())
    if t in ("eoy", "end of year", "年底"):
        return date(base.year, 12, 31)
    m = re.fullmatch(r"([+-]?)(\d+)\s*([a-z]+)", t)
    if m and m[3] in _UNITS:
        n = int(m[2]) * (-1 if m[1] == "-" else 1)
        return _shift(base, n, _UNITS[m[3]])
    m = re.fullmatch(r"in\s+(\d+|a|an|one)\s+([a-z]+)", t)
    if m and m[2] in _UNITS:
        n = 1 if m[1] in ("a", "an", "one") else int(m[1])
        return _shift(base, n, _UNITS[m[2]])
    m = re.fullmatch(r"(\d+)\s+([a-z]+)\s+ago", t)
    if m and m[2] in _UNITS:
        return _shift(base, -int(m[1]), _UNITS[m[2]])
    m = re.fullmatch(r"(?:(next|this|on)\s+)?([a-z]+)", t)
    if m and m[2] in _WEEKDAYS:
        ahead = (_WEEKDAYS[m[2]] - base.weekday()) % 7 or 7
        return base + timedelta(days=ahead)
    if t in ("next week",):
        return base + timedelta(weeks=1)
    if t in ("next month",):
        return add_months(base, 1)
    m = re.fullmatch(r"(下下|下|这|本|上)?(?:个)?(?:周|星期|礼拜)([一二三四五六日天])", t)
    if m and not m[1]:  # 周五 alone: the first Friday after today, as "friday"
        return base + timedelta(days=(_ZH_WEEKDAY[m[2]] - base.weekday()) % 7 or 7)
    if m:
        week_shift = {"下下": 2, "下": 1, "上": -1}.get(m[1] or "", 0)
        monday = base - timedelta(days=base.weekday()) + timedelta(weeks=week_shift)
        return monday + timedelta(days=_ZH_WEEKDAY[m[2]])
    m = re.fullmatch(r"(.+?)(天|日|周|个星期|星期|个月|年)(后|以后|之后|前|以前|之前)", t)
    if m:
        count = _zh_number(m[1])
        if count is not None:
            sign = -1 if m[3].endswith("前") else 1
            return _shift(base, sign * count, _UNITS[m[2]])
    if t in ("下周", "下星期"):
        return base + timedelta(weeks=1)
    if t in ("下个月", "下月"):
        return add_months(base, 1)
    return None


def _fallback(text: str, base: date) -> datetime | None:
    import dateparser

    settings = {
        "RELATIVE_BASE": datetime.combine(base, time(12, 0)),
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DATES_FROM": "current_period",
    }
    try:
        return dateparser.parse(text, settings=settings, languages=["en", "zh"])
    except Exception:  # dateparser raises assorted errors on odd input
        return None


# A date as Excel stores it when the cell is not formatted as one: days since 1899-12-30, the
# fraction being the time of day. Five digits are 1927–2173; no other way of writing a date is a
# five-digit number.
_EXCEL_SERIAL = re.compile(r"[1-9]\d{4}(?:\.\d+)?")
_EXCEL_EPOCH = date(1899, 12, 30)


def _from_serial(value: float) -> tuple[date, time | None]:
    days, fraction = divmod(value, 1)
    minutes = round(fraction * 24 * 60)
    day = _EXCEL_EPOCH + timedelta(days=int(days) + minutes // (24 * 60))
    minutes %= 24 * 60
    return day, (time(minutes // 60, minutes % 60) if minutes else None)


def parse_when(
    text: str, field: str = "date", base: date | None = None
) -> tuple[date, time | None]:
    """Parse a date with an optional time of day; raise InvalidValue naming `field`."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidValue(field, text, _("empty date"), _(EXAMPLE))
    base = base or clock.today()
    serial = _EXCEL_SERIAL.fullmatch(raw)
    if serial:
        return _from_serial(float(raw))
    iso = raw.replace("T", " ") if re.match(r"\d{4}-\d{2}-\d{2}T", raw) else raw
    if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}(:\d{2})?", iso):
        try:
            dt = datetime.fromisoformat(iso)
            return dt.date(), dt.time().replace(second=0, microsecond=0)
        except ValueError:
            raise InvalidValue(field, text, _("not a valid date"), _(EXAMPLE)) from None
    day_text, at = _split_time(raw)
    try:
        # a bare time of day ("下午3点", "9am") is today at that time
        day = base if at is not None and not day_text else _parse_day(day_text, base)
    except ValueError:
        raise InvalidValue(field, text, _("not a valid date"), _(EXAMPLE)) from None
    if day is None:
        if at is None and re.fullmatch(r"[\d\s:./-]+", raw):
            # purely numeric but not one of our formats: do not let dateparser guess
            raise InvalidValue(field, text, _("not a valid date"), _(EXAMPLE))
        parsed = _fallback(raw, base)
        if parsed is None:
            raise InvalidValue(field, text, _("cannot read this date"), _(EXAMPLE))
        has_time = parsed.time() != time(12, 0) and bool(re.search(r"\d:\d|am|pm|点", raw))
        return parsed.date(), (parsed.time().replace(second=0, microsecond=0) if has_time else None)
    return day, at


def parse_date(text: str, field: str = "date", base: date | None = None) -> date:
    """Parse a calendar date (a time of day, if given, is an error)."""
    day, at = parse_when(text, field, base)
    if at is not None:
        raise InvalidValue(field, text, _("expected a date without a time"), _(EXAMPLE))
    return day


def parse_moment(text: str | None, field: str = "--at") -> datetime:
    """Parse when something happened; aware local datetime. Default and 'now': the current time.

    A bare past date becomes noon local time (the hour is unknown, the day is what matters).
    """
    now = clock.now()
    if text is None or text.strip().lower() in ("now", "现在"):
        return now
    day, at = parse_when(text, field)
    if at is None:
        if day == now.date():
            return now
        at = time(12, 0)
    return clock.combine(day, at)


# A birthday whose year is not known ("11-25", 11月25日, "Dec 3") is stored in this year: a leap
# year, so that 02-29 is a day, and the year Apple's and other address books write for "no
# year". birthday_text() shows it without the year; no age is computed from it.
NO_YEAR = 1604
_MONTH_NAMES = {
    name: i + 1
    for i, names in enumerate((
        "jan january", "feb february", "mar march", "apr april", "may", "jun june",
        "jul july", "aug august", "sep sept september", "oct october", "nov november",
        "dec december",
    ))
    for name in names.split()
}  # fmt: skip
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"


def _month_day(text: str) -> tuple[int, int] | None:
    """A month and day without a year: 11-25, --11-25, 11月25日, Dec 3, 25 Dec, 3rd of March."""
    t = text.strip().lower().rstrip(".")
    m = re.fullmatch(r"(?:--)?(\d{1,2})-(\d{1,2})", t) or re.fullmatch(
        r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?", t
    )
    if m:
        return int(m[1]), int(m[2])
    m = re.fullmatch(r"([a-z]+)\.?\s+" + _ORDINAL, t)
    if m and m[1] in _MONTH_NAMES:
        return _MONTH_NAMES[m[1]], int(m[2])
    m = re.fullmatch(_ORDINAL + r"\s+(?:of\s+)?([a-z]+)", t)
    if m and m[2] in _MONTH_NAMES:
        return _MONTH_NAMES[m[2]], int(m[1])
    return None


def parse_birthday(text: str, field: str = "--birthday") -> date:
    """A birthday: a date (1985-03-12, '12 March 1985'), or a month and day when the year is not
    known (11-25, 11月25日, Dec 3, 25 Dec), then in the year NO_YEAR. A future or pre-1900 date
    is refused."""
    md = _month_day(text or "")
    if md is not None:
        try:
            return date(NO_YEAR, *md)
        except ValueError:
            raise InvalidValue(field, text, _("not a valid date"), _(BIRTHDAY_EXAMPLE)) from None
    day = parse_date(text, field)
    if day.year == NO_YEAR:
        return day
    if day > clock.today() or day.year < 1900:
        raise InvalidValue(field, text, _("not a plausible birthday"))
    return day


BIRTHDAY_EXAMPLE = N_("e.g. 1985-03-12, 12 March 1985, 11-25, 11月25日, Dec 3")


@overload
def birthday_text(day: date) -> str: ...
@overload
def birthday_text(day: None) -> None: ...
def birthday_text(day: date | None) -> str | None:
    """A stored birthday as written in exports and JSON: ISO 8601, "--11-25" without a year."""
    if day is None:
        return None
    return f"--{day:%m-%d}" if day.year == NO_YEAR else day.isoformat()


def parse_period(text: str, field: str = "--every") -> int:
    """A length of time like 30d, 2w, 3m, '2 weeks', 30 → days."""
    t = (text or "").strip().lower()
    m = re.fullmatch(r"(\d+)\s*([a-z]*|天|周|个月|月)", t)
    if m and (m[2] == "" or m[2] in _UNITS):
        n, unit = int(m[1]), _UNITS.get(m[2], "d")
        days = n * {"d": 1, "w": 7, "m": 30, "y": 365}[unit]
        if days > 0:
            return days
    raise InvalidValue(field, text, _("not a length of time"), _("e.g. 30d, 2w, 3m"))
