"""Lunar (农历) birthdays: reading them, naming them, and the solar day they fall on each year.

A lunar birthday is stored as its month and day, "08-15" (八月十五), with an "L" in front for a
birthday in a leap month, "L04-15" (闰四月十五). When it is celebrated, by custom here:

- in the ordinary month of that number every year: a leap month comes back only every few
  decades, so someone born in 闰四月 celebrates in 四月 (their birth month is still shown);
- on the 30th in a month of 30 days, else on the 29th, the month's last day (as 29 February
  becomes 28 February).

The solar days come from lunar-python (the 6tail lunar tables, MIT), imported only when a
customer with a lunar birthday is looked at: ~13 ms, and ~5 ms per lunar year.
"""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta

from .errors import InvalidValue
from .i18n import N_, _

EXAMPLE = N_("e.g. 八月十五, 农历正月初八, 闰四月十五, 8-15")

_MONTHS = ("正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊")
_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# a month as written: 正月 … 腊月 (冬月 = 十一月, 腊月 = 十二月), 一月 … 十二月 or digits
_MONTH_WORDS = {m: i + 1 for i, m in enumerate(_MONTHS)} | {
    "一": 1,
    "元": 1,
    "十一": 11,
    "十二": 12,
}
_PREFIX = re.compile(r"^(?:农历|阴历|旧历|lunar)\s*", re.IGNORECASE)


def _day_number(text: str) -> int | None:
    """初一 … 初十, 十一 … 十九, 二十/廿, 廿一 … 廿九, 三十/卅, or digits."""
    if text.isdigit():
        return int(text)
    if text.startswith("初") and len(text) == 2:
        return 10 if text[1] == "十" else _DIGITS.get(text[1])
    table = {"十": 10, "二十": 20, "廿": 20, "三十": 30, "卅": 30}
    if text in table:
        return table[text]
    for head, tens in (("十", 10), ("二十", 20), ("廿", 20), ("三十", 30), ("卅", 30)):
        rest = text[len(head) :]
        if text.startswith(head) and len(rest) == 1 and rest in _DIGITS:
            return tens + _DIGITS[rest]
    return None


def looks_lunar(text: str) -> bool:
    """Whether a birthday as written is a lunar one: 农历/阴历 in front, or a month and day in
    Chinese numerals (八月十五, 正月初一, 腊月廿三), the way lunar dates are written; digits
    (8月15日, 8-15) are a solar date."""
    t = (text or "").strip()
    if _PREFIX.match(t) or t.startswith("闰"):
        return True
    m = re.fullmatch(r"(.+?)月(.+?)", t)
    return m is not None and not m[1].isdigit() and _day_number(m[2]) is not None


def parse(text: str, field: str = "--lunar-birthday") -> str:
    """A lunar month and day as typed (八月十五, 农历正月初八, 闰四月十五, 8-15, 农历8月15日)
    → the stored form "08-15" ("L04-15" for a leap month); InvalidValue naming `field`."""
    raw = (text or "").strip()
    t = _PREFIX.sub("", raw).strip()
    leap = t.startswith("闰") or t.upper().startswith("L")
    if leap:
        t = t[1:].strip()
    month = day = None
    m = re.fullmatch(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?", t)
    if m:
        month, day = int(m[1]), int(m[2])
    else:
        m = re.fullmatch(r"(.+?)月(.+?)[日号]?", t)
        if m:
            month, day = _MONTH_WORDS.get(m[1]), _day_number(m[2])
    if month is None or day is None:
        raise InvalidValue(field, text, _("not a lunar month and day"), _(EXAMPLE))
    if not (1 <= month <= 12 and 1 <= day <= 30):
        raise InvalidValue(field, text, _("no such lunar day"), _(EXAMPLE))
    return f"{'L' if leap else ''}{month:02d}-{day:02d}"


def _split(key: str) -> tuple[bool, int, int]:
    leap = key.startswith("L")
    month, day = key.removeprefix("L").split("-")
    return leap, int(month), int(day)


def name(key: str) -> str:
    """The stored form as Chinese writes it: "08-15" → 八月十五, "L04-15" → 闰四月十五."""
    leap, month, day = _split(key)
    if day <= 10:
        day_text = "初" + ("十" if day == 10 else "一二三四五六七八九"[day - 1])
    elif day < 20:
        day_text = "十" + "一二三四五六七八九"[day - 11]
    elif day == 20:
        day_text = "二十"
    elif day < 30:
        day_text = "廿" + "一二三四五六七八九"[day - 21]
    else:
        day_text = "三十"
    return f"{'闰' if leap else ''}{_MONTHS[month - 1]}月{day_text}"


@functools.cache
def _months(year: int) -> dict[int, tuple[date, int]]:
    """The ordinary months of lunar year `year`: month → (its first solar day, its days)."""
    from lunar_python import LunarYear, Solar

    out = {}
    for m in LunarYear.fromYear(year).getMonths():
        if m.getYear() != year or m.getMonth() < 0:  # a neighbour year's, or the leap month
            continue
        first = Solar.fromJulianDay(m.getFirstJulianDay())
        out[m.getMonth()] = (
            date(first.getYear(), first.getMonth(), first.getDay()),
            m.getDayCount(),
        )
    return out


def solar_day(key: str, lunar_year: int) -> date:
    """The solar day a lunar birthday is celebrated on in lunar year `lunar_year`."""
    _leap, month, day = _split(key)
    first, days = _months(lunar_year)[month]
    return first + timedelta(days=min(day, days) - 1)


def occurrences(key: str, start: date, end: date) -> list[date]:
    """The solar days from `start` to `end` a lunar birthday is celebrated on, in order (a lunar
    year starts between 21 January and 20 February: lunar year Y - 1 can reach into Y)."""
    out = []
    for year in range(start.year - 1, end.year + 1):
        day = solar_day(key, year)
        if start <= day <= end:
            out.append(day)
    return out


def in_year(key: str, year: int) -> date:
    """The first solar day from 1 January of `year` on which a lunar birthday is celebrated
    (in a rare year none falls: then January's of the next)."""
    return occurrences(key, date(year, 1, 1), date(year + 1, 12, 31))[0]
