"""What every importer shares: cells read as the CLI reads them (times, money, numbers, text,
phones), forgotten people, and the chunked run."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from itertools import islice
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session

from ... import clock, config, dialect
from ...errors import InvalidValue
from ...i18n import _, ngettext, pgettext
from ...validate import (
    check_text,
    choice,
    currency_exponent,
    normalize_phone,
    parse_money,
)
from .report import BadRow, Report, RowErrors

if TYPE_CHECKING:
    from .people import People

CHUNK = 5000
# the fields that name a row's customer; `number` is this book's own (#12), from custtrack export
LINK_FIELDS = ("number", "external_id", "phone", "email", "name")
IDENTITY = ("external_id", "name", "phone", "email", "number")  # the order of a raw identity
NOON = time(12, 0)
PLAIN_AMOUNT = re.compile(r"(\d+)(?:\.(\d*))?")
ISO_DAY = re.compile(r"\d{4}-?\d{2}-?\d{2}")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_CN_MOBILE = re.compile(r"(\+86|0086)?[ -]?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})")


def cell(value: Any) -> Any:
    """A cell as stripped text (None if empty); dates and times from Excel stay as they are."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Excel keeps binary floats (0.1 + 0.2 = 0.30000000000000004) and shows 15 digits
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value
    return json.dumps(value, ensure_ascii=False)  # nested JSON: fails the field's own check


def db_time(utc: datetime) -> str:
    """The text SQLAlchemy stores for a DateTime on SQLite (naive UTC with microseconds)."""
    return utc.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def same_time(text: str | datetime) -> str:
    """A stored time (SQLite's text, PostgreSQL's datetime) in the canonical form of `db_time`
    (for natural keys)."""
    at = dialect.to_datetime(text).replace(tzinfo=None)
    return at.isoformat(sep=" ", timespec="microseconds")


class Importer:
    """State shared by the four kinds: caches, the batch, the customers lookup."""

    required: tuple[tuple[str, ...], ...] = ()
    repeats = False  # the same customer on several rows (a tracking sheet): match by name too

    def __init__(
        self,
        session: Session,
        report: Report,
        headers: list[str],
        mapping: dict[int, str],
        *,
        batch_id: int,
        create_customers: bool,
        update: bool,
        currency: str | None,
        strict_width: bool,
        region: str | None = None,
        people: People | None = None,
    ) -> None:
        self.s, self.conn, self.report = session, session.connection(), report
        self.headers, self.mapping, self.pairs = headers, mapping, list(mapping.items())
        self.column = {f: headers[i] or _("column {n}").format(n=i + 1) for i, f in mapping.items()}
        self.batch_id, self.create, self.update = batch_id, create_customers, update
        self.currency = (currency or config.get("currency") or "USD").upper()
        self.strict_width = strict_width
        self.region = region  # national phone numbers' region, if not the configured one
        self.now = db_time(clock.utcnow())
        self.today = clock.today()
        self.zone = clock.local_zone()  # once per import: it was two config reads per row
        self._times: dict[Any, tuple[str, date]] = {}
        self._qty = {str(n): n for n in range(1, 1000)}
        self._exponents: dict[str, int] = {}
        self._money: dict[tuple[Any, str], int] = {}
        self._phones: dict[str, str] = {}
        self._cn_ok: set[str] = set()  # first five digits of valid Chinese mobile numbers
        self.cn = (region or config.phone_region()) == "CN"
        self._erased = self._erased_checker()
        if people is None:
            from .people import People

            people = People(self, keys=self.repeats)
        self.people = people

    # -- cells -------------------------------------------------------------------------------
    def values(self, values: list[Any], errs: RowErrors) -> dict[str, Any]:
        n = len(values)
        if self.strict_width and n != len(self.headers):
            width = len(self.headers)
            errs.add(
                _("(row)"),
                ngettext("{n} value", "{n} values", n).format(n=n),
                ngettext(
                    "the header has {n} column (a truncated line or a stray delimiter?)",
                    "the header has {n} columns (a truncated line or a stray delimiter?)",
                    width,
                ).format(n=width),
            )
        out = {}
        for i, name in self.pairs:  # the hot loop of a big import: kept plain
            v = values[i] if i < n else None
            if v.__class__ is str:
                v = v.strip() or None
            elif v is not None:
                v = cell(v)
            out[name] = v
        return out

    def moment(self, value: Any, field: str, errs: RowErrors) -> tuple[str, date] | None:
        """When something happened: (stored UTC text, local date). A bare date means noon.

        Only acceptable values are cached, so a cache hit needs no further check."""
        got = self._times.get(value)
        if got is not None:
            return got
        col = self.column.get(field, field)
        if value is None:
            errs.add(col, "", _("empty date"))
            return None
        try:
            got = self._parse_moment(value, col)
        except InvalidValue as exc:
            errs.invalid(col, value, exc)
            return None
        if got[1] > self.today:
            errs.add(col, value, _("is in the future; only what already happened can be imported"))
            return None
        if got[1].year < 1900:
            errs.add(col, value, _("is before 1900"))
            return None
        if len(self._times) > 200_000:
            self._times.clear()
        self._times[value] = got
        return got

    def _parse_moment(self, value: Any, col: str) -> tuple[str, date]:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                at = value.time() if value.time() != time(0) else NOON  # Excel dates are midnight
                value = datetime.combine(value.date(), at, tzinfo=self.zone)
        elif isinstance(value, date):
            value = datetime.combine(value, NOON, tzinfo=self.zone)
        elif isinstance(value, time):
            raise InvalidValue(col, str(value), _("a time of day without a date"))
        else:
            value = self._parse_text_moment(str(value), col)
        local = value.astimezone(self.zone)
        return db_time(value.astimezone(UTC)), local.date()

    def _parse_text_moment(self, text: str, col: str) -> datetime:
        if ISO_DAY.fullmatch(text):
            try:
                return datetime.combine(date.fromisoformat(text), NOON, tzinfo=self.zone)
            except ValueError:
                raise InvalidValue(col, text, _("not a valid date")) from None
        if ISO_MOMENT.match(text):
            try:
                dt = datetime.fromisoformat(text)
            except ValueError:
                raise InvalidValue(col, text, _("not a valid date and time")) from None
            return dt if dt.tzinfo else dt.replace(tzinfo=self.zone)
        from ...dates import parse_when

        day, at = parse_when(text, col, base=self.today)
        return datetime.combine(day, at or NOON, tzinfo=self.zone)

    def day(self, value: Any, field: str, errs: RowErrors) -> tuple[date, time | None] | None:
        """A day, with a time of day if given, past or future (a follow-up's due date)."""
        col = self.column.get(field, field)
        try:
            if isinstance(value, datetime):
                return value.date(), (value.time() if value.time() != time(0) else None)
            if isinstance(value, date):
                return value, None
            from ...dates import parse_when

            return parse_when(str(value), col, base=self.today)
        except InvalidValue as exc:
            errs.invalid(col, value, exc)
            return None

    def clock_time(self, value: Any, field: str, errs: RowErrors) -> time | None:
        """A time of day ('10:00', 10:00 as a spreadsheet keeps it); None if empty."""
        if value is None or isinstance(value, time):
            return value
        col = self.column.get(field, field)
        text = str(value).strip()
        try:
            return time.fromisoformat(text)
        except ValueError:
            pass
        try:
            fraction = float(text)  # Excel keeps a time of day as a fraction of a day
        except ValueError:
            fraction = -1.0
        if 0 <= fraction < 1:
            minutes = round(fraction * 24 * 60)
            return time(minutes // 60 % 24, minutes % 60)
        errs.add(col, value, _("not a time of day (e.g. 14:30)"))
        return None

    def word(self, value: Any, field: str, vocab: tuple[str, ...], errs: RowErrors) -> str | None:
        """One of a vocabulary (or a word for it: 已解决 for resolved); None if empty."""
        if value is None:
            return None
        col = self.column.get(field, field)
        try:
            return choice(str(value), vocab, col)
        except InvalidValue as exc:
            errs.invalid(col, value, exc)
            return None

    def _moment_or_now(
        self, vals: dict[str, Any], field: str, errs: RowErrors, default: str | None = "now"
    ) -> str | None:
        """The stored text of a past time the file gives; else now (or `default`)."""
        if vals.get(field) is None:
            return self.now if default == "now" else default
        got = self.moment(vals[field], field, errs)
        return got[0] if got else None

    def money(self, value: Any, currency: str, errs: RowErrors) -> int | None:
        col = self.column.get("amount", "amount")
        if value is None:
            errs.add(col, "", _("empty amount"))
            return None
        key = (value, currency)
        got = self._money.get(key)
        if got is None:
            plain = PLAIN_AMOUNT.fullmatch(value) if isinstance(value, str) else None
            exp = self._exponents.get(currency)
            if exp is None:
                exp = self._exponents[currency] = currency_exponent(currency)
            if plain and len(plain[2] or "") <= exp and len(plain[1]) < 13:
                # the common '29.33': exact integer arithmetic, same result as parse_money
                got = int(plain[1]) * 10**exp + int((plain[2] or "").ljust(exp, "0") or 0)
            else:
                try:
                    got = parse_money(value, currency, col)
                except InvalidValue as exc:
                    errs.invalid(col, value, exc)
                    return None
            if len(self._money) > 200_000:
                self._money.clear()
            self._money[key] = got
        return got

    def integer(
        self, value: Any, field: str, low: int, high: int | None, errs: RowErrors
    ) -> int | None:
        if value is None:
            return None
        if isinstance(value, str) and value.isdigit() and value.isascii():
            n = int(value)
            if n >= low and (high is None or n <= high):
                return n
        col = self.column.get(field, field)
        try:
            n = int(Decimal(str(value)))
            if n != Decimal(str(value)):
                raise ValueError
        except (ValueError, ArithmeticError):
            errs.add(col, value, _("not a whole number"))
            return None
        if n < low or (high is not None and n > high):
            if high:
                reason = _("must be between {low} and {high}").format(low=low, high=high)
            else:
                reason = _("must be ≥ {low}").format(low=low)
            errs.add(col, value, reason)
            return None
        return n

    def text(self, value: Any, field: str, limit: int, errs: RowErrors) -> str | None:
        if value is None:
            return None
        if value.__class__ is str and len(value) <= limit:
            return value
        try:
            return check_text(str(value), self.column.get(field, field), limit)
        except InvalidValue as exc:
            errs.invalid(self.column.get(field, field), value, exc)
            return None

    def phone(self, value: str) -> str:
        got = self._phones.get(value)
        if got is None:
            # a Chinese mobile whose first five digits made a valid number before is valid
            # (tests/test_import_sheets.py checks that phonenumbers' rules go by those five):
            # a tenth of the time of phonenumbers for a sheet of 100k different numbers
            mobile = _CN_MOBILE.fullmatch(value)
            if mobile and (mobile[1] or self.cn):
                digits = "".join(mobile.groups()[1:])
                if digits[:5] in self._cn_ok:
                    got = "+86" + digits
            if got is None:
                got = normalize_phone(value, self.region, field=self.column["phone"])
                if mobile and got == "+86" + "".join(mobile.groups()[1:]):
                    self._cn_ok.add(got[3:8])
            if len(self._phones) > 200_000:
                self._phones.clear()
            self._phones[value] = got
        return got

    # -- forgotten people --------------------------------------------------------------------
    def _erased_checker(self) -> Callable[[str | None, str | None], str | None] | None:
        from ...models import ErasedIdentity

        if not self.conn.execute(sa.select(sa.func.count()).select_from(ErasedIdentity)).scalar():
            return None
        from ..erase import erased_match

        return lambda phone, email: erased_match(self.s, phone, email)

    def erased(self, line: int, phone: str | None, email: str | None) -> bool:
        if self._erased is None or not (phone or email):
            return False
        kind = self._erased(phone, email)
        if kind is None:
            return False
        col = self.column.get(kind, kind)
        self.report.flagged.append(
            BadRow(
                line,
                col,
                (phone or "") if kind == "phone" else email or "",
                _("belongs to a customer who was forgotten on request; not re-created"),
            ),
        )
        return True

    # -- running -----------------------------------------------------------------------------
    def reject(self, line: int, values: list[Any], errs: RowErrors) -> None:
        for e in errs:
            e.line = line
        self.report.errors.extend(errs)
        reason = pgettext("list", "; ").join(
            _("{column}: {reason}").format(column=e.column, reason=e.reason) for e in errs
        )
        self.report.rejected.append((line, values, reason))

    def run(
        self, rows: Iterator[tuple[int, list[Any]]], progress: Callable[[], None] | None
    ) -> None:
        while chunk := list(islice(rows, CHUNK)):
            self.report.rows += len(chunk)
            self.chunk(chunk)
            if progress:
                progress()
        self.finish()

    def chunk(self, chunk: list[tuple[int, list[Any]]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        self.people.flush()

    def insert(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if rows:
            dialect.insert_rows(self.conn, table, columns, rows)
            if "id" in columns:  # new customers are numbered here (people.py)
                dialect.sync_ids(self.conn, table)
