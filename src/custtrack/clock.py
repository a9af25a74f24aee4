"""The one clock: local time zone, 'now' and 'today', fixable by tests and --as-of."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, tzinfo
from functools import cache
from pathlib import Path

_fixed_today: date | None = None


def set_today(value: date | None) -> None:
    """Pretend that today is `value` (None restores the real clock)."""
    global _fixed_today
    _fixed_today = value


@cache
def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            from .errors import InvalidValue
            from .i18n import _

            raise InvalidValue(
                "timezone", name, _("unknown time zone"), _("e.g. Asia/Shanghai")
            ) from None
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz:
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    link = Path("/etc/localtime")
    if link.is_symlink():
        parts = str(link.resolve()).split("zoneinfo/")
        if len(parts) == 2:
            try:
                return ZoneInfo(parts[1])
            except (ZoneInfoNotFoundError, ValueError):
                pass
    return datetime.now().astimezone().tzinfo or UTC


def local_zone() -> tzinfo:
    """The user's time zone: config `timezone`, else TZ, else the system's."""
    from .config import get

    return _zone(str(get("timezone") or ""))


def today() -> date:
    if _fixed_today is not None:
        return _fixed_today
    env = os.environ.get("CUSTTRACK_TODAY")
    if env:
        try:
            return date.fromisoformat(env)
        except ValueError:
            from .errors import InvalidValue
            from .i18n import _

            raise InvalidValue(
                "CUSTTRACK_TODAY", env, _("not a date"), _("use YYYY-MM-DD")
            ) from None
    return datetime.now(local_zone()).date()


def now() -> datetime:
    """Aware local time. With a fixed today, the time of day is the real one on that date."""
    real = datetime.now(local_zone())
    fixed = today()
    if fixed == real.date():
        return real
    return combine(fixed, real.time().replace(tzinfo=None))


def utcnow() -> datetime:
    return now().astimezone(UTC)


def combine(day: date, at: time) -> datetime:
    """Local wall-clock date and time to an aware datetime (DST handled by zoneinfo)."""
    return datetime.combine(day, at, tzinfo=local_zone())


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(local_zone())
