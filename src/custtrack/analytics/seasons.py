"""Chinese shopping seasons: the days of the holidays people shop for, and how the weeks around
them sell compared with ordinary weeks.

The lunisolar festivals (春节, 端午, 中秋) and 清明 (a solar term) come from the `holidays`
package's China calendar, which computes them for 1901–2100 and is updated monthly; 劳动节,
国庆 and 双十一 are fixed days. `chinese-calendar` was not chosen because it knows only the years
whose official schedule is already published, nor `lunardate` because it has no solar terms.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from ..i18n import C_, pgettext

# key, English name (msgid, context "holiday"), and where its day comes from: the name of the
# holiday in the `holidays` package's zh_CN calendar (its first day in a year), or (month, day)
HOLIDAYS: tuple[tuple[str, str, str | tuple[int, int]], ...] = (
    ("spring_festival", C_("holiday", "Spring Festival"), "春节"),
    ("qingming", C_("holiday", "Qingming"), "清明节"),
    ("labour_day", C_("holiday", "Labour Day"), (5, 1)),
    ("dragon_boat", C_("holiday", "Dragon Boat"), "端午节"),
    ("mid_autumn", C_("holiday", "Mid-Autumn"), "中秋节"),
    ("national_day", C_("holiday", "National Day"), (10, 1)),
    ("double_eleven", C_("holiday", "Double Eleven"), (11, 11)),
)
KEYS = tuple(h[0] for h in HOLIDAYS)
_NAMES = {h[0]: h[1] for h in HOLIDAYS}


def holiday_name(key: str) -> str:
    """A holiday as people read it: "Mid-Autumn" in English, 中秋 in Chinese."""
    return pgettext("holiday", _NAMES[key])


def holiday_days(years: range | list[int]) -> pd.DataFrame:
    """One row per holiday and year: holiday (key), day (Timestamp), sorted by day."""
    from holidays.countries.china import China

    calendar = China(years=list(years), language="zh_CN")
    first: dict[tuple[str, int], date] = {}
    for day, names in calendar.items():
        for name in names.split("; "):
            seen = (name, day.year)
            if seen not in first or day < first[seen]:
                first[seen] = day
    rows = []
    for year in years:
        for key, _label, source in HOLIDAYS:
            if isinstance(source, tuple):
                day = date(year, *source)
            elif (source, year) in first:
                day = first[(source, year)]
            else:  # not a public holiday that year (清明 before 2008)
                continue
            rows.append({"holiday": key, "day": pd.Timestamp(day)})
    frame = pd.DataFrame(rows, columns=["holiday", "day"])
    return frame.sort_values("day", kind="stable").reset_index(drop=True)


def week_start(day: pd.Timestamp | date) -> pd.Timestamp:
    """The Monday of the week containing `day`."""
    day = pd.Timestamp(day).normalize()
    return day - pd.Timedelta(days=day.weekday())


def holiday_weeks(daily: pd.Series, days: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """Mean weekly revenue in the weeks around each holiday against ordinary weeks.

    `daily`: revenue per local day (DatetimeIndex; missing days sold nothing). Only whole
    weeks (Monday–Sunday) within start..end count. The weeks around a holiday are the week
    before the one containing its day and that week itself; ordinary weeks are those at least
    a week away from every holiday (the week after one is neither). Rows: holiday (key, in
    HOLIDAYS order, only those with a week in range), weeks, mean_revenue, ordinary_weeks,
    ordinary_mean, lift (mean_revenue / ordinary_mean − 1; None without ordinary weeks).
    """
    cols = ["holiday", "weeks", "mean_revenue", "ordinary_weeks", "ordinary_mean", "lift"]
    first = week_start(start)
    if first < pd.Timestamp(start):
        first += pd.Timedelta(days=7)
    last = week_start(pd.Timestamp(end) + timedelta(days=1)) - pd.Timedelta(days=7)
    if last < first:
        return pd.DataFrame(columns=cols)
    weeks = pd.date_range(first, last, freq="7D")
    by_day = daily.reindex(pd.date_range(first, last + pd.Timedelta(days=6)), fill_value=0.0)
    weekly = pd.Series(by_day.to_numpy(float).reshape(-1, 7).sum(axis=1), index=weeks)
    around: dict[str, set[pd.Timestamp]] = {}
    near: set[pd.Timestamp] = set()
    for key, day in zip(days["holiday"], days["day"], strict=True):
        w = week_start(day)
        around.setdefault(key, set()).update({w - pd.Timedelta(days=7), w})
        near.update({w - pd.Timedelta(days=7), w, w + pd.Timedelta(days=7)})
    ordinary = weekly[~weekly.index.isin(list(near))]
    base = float(ordinary.mean()) if len(ordinary) else None
    rows = []
    for key in KEYS:
        part = weekly[weekly.index.isin(list(around.get(key, ())))]
        if part.empty:
            continue
        mean = float(part.mean())
        rows.append(
            {
                "holiday": key,
                "weeks": int(len(part)),
                "mean_revenue": mean,
                "ordinary_weeks": int(len(ordinary)),
                "ordinary_mean": base,
                "lift": mean / base - 1 if base else None,
            }
        )
    return pd.DataFrame(rows, columns=cols)
