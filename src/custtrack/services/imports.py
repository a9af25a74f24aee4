"""Imports: every row checked with the CLI's own rules, matched against what is stored, and written
in one transaction, or not at all.

Rows are validated and inserted chunk by chunk inside the caller's write transaction; a bad row, a
dry run or a kill half-way means the transaction is rolled back, so the database is never left
half-imported. Inserts go straight to the driver's executemany: on a million purchases that is
about 2.5x faster than Core `insert()` (the type processing per value dominates), so times are
converted to the stored UTC text here, once per distinct value. Purchases are checked a column
at a time (numpy and pandas for times and amounts); a row that any column check does not vouch
for goes through the row-by-row rules, which word every error.

Matching ("importing the same file twice changes nothing"):
- customers: external id, then normalised phone, then e-mail (also the ids, phones and e-mails of
  customers merged away, which lead to the customer they were merged into);
- purchases with an order reference: the reference;
- purchases without one, interactions and feedback: their natural key (customer, time, amount,
  product / channel, summary / scores, text) counted as a multiset: a file line is new unless a
  stored row with the same key is still unclaimed. So two identical lines in one file are two
  purchases, and importing that file again finds both stored and adds nothing.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from itertools import islice, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session

from .. import clock, config
from ..errors import Conflict, CusttrackError, InvalidValue, NotFound, UsageError
from ..models import ImportBatch
from ..validate import (
    check_text,
    choice,
    currency_exponent,
    normalize_email,
    normalize_phone,
    parse_money,
)
from ..vocab import CHANNELS

if TYPE_CHECKING:
    from ..io.readers import Block

KINDS = ("customers", "purchases", "interactions", "feedback")
CHUNK = 5000
CACHE_KIB = 128 * 1024
LINK_FIELDS = ("external_id", "phone", "email", "name")
_IDENTITY = ("external_id", "name", "phone", "email")  # the order of a row's raw identity key
NOON = time(12, 0)
_PLAIN_AMOUNT = re.compile(r"(\d+)(?:\.(\d*))?")
_ISO_DAY = re.compile(r"\d{4}-?\d{2}-?\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# 'YYYY-MM-DD HH:MM:SS', what a till exports: positions of its digits and separators
_SECONDS_FMT = "%Y-%m-%d %H:%M:%S"
_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
_SEPARATORS = [4, 7, 10, 13, 16]
_SEPARATOR_CODES = [ord(c) for c in "-- ::"]
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass
class BadRow:
    line: int
    column: str
    value: str
    reason: str


@dataclass
class Report:
    """What an import did (or would do)."""

    kind: str
    source: str
    file_format: str
    mapping: list[str]
    ignored: list[str]
    dry_run: bool = False
    batch_id: int | None = None
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    customers_created: int = 0
    placeholder_names: int = 0
    errors: list[BadRow] = field(default_factory=list)
    flagged: list[BadRow] = field(default_factory=list)
    rejected: list[tuple[int, list[Any], str]] = field(default_factory=list)
    same_file: list[int] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return self.unchanged + len(self.flagged) + len(self.rejected)

    def summary(self) -> dict[str, Any]:
        """The stable JSON form (documented in `import --help`)."""
        return {
            "kind": self.kind,
            "source": self.source,
            "format": self.file_format,
            "dry_run": self.dry_run,
            "batch": self.batch_id,
            "rows": self.rows,
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "flagged": len(self.flagged),
            "customers_created": self.customers_created,
            "placeholder_names": self.placeholder_names,
            "mapping": self.mapping,
            "ignored": self.ignored,
            "errors": [vars(e) for e in self.errors],
            "flagged_rows": [vars(e) for e in self.flagged],
        }


class ImportFailed(CusttrackError):
    """Bad rows in an all-or-nothing import: nothing was written."""

    def __init__(self, report: Report) -> None:
        self.report = report
        n = len(report.rejected)
        super().__init__(
            f"{n} bad row{'s' * (n != 1)} in {report.source}; nothing was imported "
            "(fix them, or use --skip-bad REJECTS.csv to import the good rows)"
        )


class DryRun(Exception):  # noqa: N818 - a signal, not an error: it rolls the transaction back
    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__("dry run")


class _RowErrors(list):
    def add(self, column: str, value: Any, reason: str) -> None:
        shown = "" if value is None else str(value)
        self.append(BadRow(0, column, shown[:60] + ("…" if len(shown) > 60 else ""), reason))

    def invalid(self, column: str, value: Any, exc: InvalidValue) -> None:
        reason = exc.reason + (f" ({exc.hint})" if exc.hint else "")
        self.add(column, value, reason)


def _cell(value: Any) -> Any:
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


def _db_time(utc: datetime) -> str:
    """The text SQLAlchemy stores for a DateTime on SQLite (naive UTC with microseconds)."""
    return utc.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _same_time(text: str) -> str:
    """A stored time text in the canonical form of `_db_time` (for natural keys)."""
    return datetime.fromisoformat(text).isoformat(sep=" ", timespec="microseconds")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


class _Importer:
    """State shared by the four kinds: caches, the batch, the customers lookup."""

    required: tuple[tuple[str, ...], ...] = ()

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
    ) -> None:
        self.s, self.conn, self.report = session, session.connection(), report
        self.headers, self.mapping, self.pairs = headers, mapping, list(mapping.items())
        self.column = {f: headers[i] or f"column {i + 1}" for i, f in mapping.items()}
        self.batch_id, self.create, self.update = batch_id, create_customers, update
        self.currency = (currency or config.get("currency") or "USD").upper()
        self.strict_width = strict_width
        self.now = _db_time(clock.utcnow())
        self.today = clock.today()
        self.zone = clock.local_zone()  # once per import: it was two config reads per row
        self._times: dict[Any, tuple[str, date]] = {}
        self._qty = {str(n): n for n in range(1, 1000)}
        self._exponents: dict[str, int] = {}
        self._money: dict[tuple[str, str], int] = {}
        self._phones: dict[str, str] = {}
        self._erased = self._erased_checker()
        self.people = _People(self)

    # -- cells -------------------------------------------------------------------------------
    def values(self, values: list[Any], errs: _RowErrors) -> dict[str, Any]:
        n = len(values)
        if self.strict_width and n != len(self.headers):
            errs.add(
                "(row)",
                f"{n} values",
                f"the header has {len(self.headers)} columns (a truncated line or a stray "
                "delimiter?)",
            )
        out = {}
        for i, name in self.pairs:  # the hot loop of a big import: kept plain
            v = values[i] if i < n else None
            if v.__class__ is str:
                v = v.strip() or None
            elif v is not None:
                v = _cell(v)
            out[name] = v
        return out

    def moment(self, value: Any, field: str, errs: _RowErrors) -> tuple[str, date] | None:
        """When something happened: (stored UTC text, local date). A bare date means noon.

        Only acceptable values are cached, so a cache hit needs no further check."""
        got = self._times.get(value)
        if got is not None:
            return got
        col = self.column.get(field, field)
        if value is None:
            errs.add(col, "", "empty date")
            return None
        try:
            got = self._parse_moment(value, col)
        except InvalidValue as exc:
            errs.invalid(col, value, exc)
            return None
        if got[1] > self.today:
            errs.add(col, value, "is in the future; only what already happened can be imported")
            return None
        if got[1].year < 1900:
            errs.add(col, value, "is before 1900")
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
            raise InvalidValue(col, str(value), "a time of day without a date")
        else:
            value = self._parse_text_moment(str(value), col)
        local = value.astimezone(self.zone)
        return _db_time(value.astimezone(UTC)), local.date()

    def _parse_text_moment(self, text: str, col: str) -> datetime:
        if _ISO_DAY.fullmatch(text):
            try:
                return datetime.combine(date.fromisoformat(text), NOON, tzinfo=self.zone)
            except ValueError:
                raise InvalidValue(col, text, "not a valid date") from None
        if _ISO_MOMENT.match(text):
            try:
                dt = datetime.fromisoformat(text)
            except ValueError:
                raise InvalidValue(col, text, "not a valid date and time") from None
            return dt if dt.tzinfo else dt.replace(tzinfo=self.zone)
        from ..dates import parse_when

        day, at = parse_when(text, col, base=self.today)
        return datetime.combine(day, at or NOON, tzinfo=self.zone)

    def money(self, value: Any, currency: str, errs: _RowErrors) -> int | None:
        col = self.column.get("amount", "amount")
        if value is None:
            errs.add(col, "", "empty amount")
            return None
        key = (value, currency)
        got = self._money.get(key)
        if got is None:
            plain = _PLAIN_AMOUNT.fullmatch(value) if isinstance(value, str) else None
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
        self, value: Any, field: str, low: int, high: int | None, errs: _RowErrors
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
            errs.add(col, value, "not a whole number")
            return None
        if n < low or (high is not None and n > high):
            errs.add(
                col, value, f"must be between {low} and {high}" if high else f"must be ≥ {low}"
            )
            return None
        return n

    def text(self, value: Any, field: str, limit: int, errs: _RowErrors) -> str | None:
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
            got = self._phones[value] = normalize_phone(value, field=self.column["phone"])
        return got

    # -- forgotten people --------------------------------------------------------------------
    def _erased_checker(self) -> Callable[[str | None, str | None], str | None] | None:
        from ..models import ErasedIdentity

        if not self.conn.execute(sa.select(sa.func.count()).select_from(ErasedIdentity)).scalar():
            return None
        from .erase import erased_match

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
                phone if kind == "phone" else email or "",
                "belongs to a customer who was forgotten on request; not re-created",
            ),
        )
        return True

    # -- running -----------------------------------------------------------------------------
    def reject(self, line: int, values: list[Any], errs: _RowErrors) -> None:
        for e in errs:
            e.line = line
        self.report.errors.extend(errs)
        self.report.rejected.append(
            (line, values, "; ".join(f"{e.column}: {e.reason}" for e in errs))
        )

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
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            self.conn.exec_driver_sql(sql, rows)


class _People:
    """Finding (and creating) the customer a purchase, contact or feedback belongs to."""

    COLUMNS = (
        "id",
        "name",
        "phone",
        "email",
        "external_id",
        "status",
        "batch_id",
        "created_at",
        "updated_at",
    )

    def __init__(self, imp: _Importer) -> None:
        self.imp = imp
        self.by = {"external_id": {}, "phone": {}, "email": {}}
        self.by_name: dict[str, list[int]] = {}
        conn = imp.conn
        rows = conn.exec_driver_sql(
            "SELECT id, name, phone, email, external_id FROM customers WHERE erased_at IS NULL"
        )
        for cid, name, phone, email, ext in rows:
            self._remember(cid, name, phone, email, ext)
        # customers merged away still lead to the customer they were merged into
        for kept, snap in conn.exec_driver_sql("SELECT kept_id, merged_snapshot FROM merges"):
            try:
                old = json.loads(snap)
            except ValueError:
                continue
            for key in self.by:
                if old.get(key):
                    self.by[key].setdefault(str(old[key]), kept)
        self.next_id = (conn.exec_driver_sql("SELECT max(id) FROM customers").scalar() or 0) + 1
        self.created: set[int] = set()
        self.pending: list[tuple] = []
        self._links: dict[tuple, dict[str, str | None]] = {}

    def _remember(
        self, cid: int, name: str | None, phone: str | None, email: str | None, ext: str | None
    ) -> None:
        for key, value in (("external_id", ext), ("phone", phone), ("email", email)):
            if value:
                self.by[key].setdefault(value, cid)
        if name:
            self.by_name.setdefault(name.strip().lower(), []).append(cid)

    def link(self, vals: dict[str, Any], errs: _RowErrors) -> dict[str, str | None]:
        """The row's customer identity, normalised (errors for a bad phone or e-mail)."""
        raw = (vals.get("external_id"), vals.get("name"), vals.get("phone"), vals.get("email"))
        got = self._links.get(raw)  # most rows name a customer seen a few lines before
        if got is not None:
            return got
        imp = self.imp
        mine = _RowErrors()
        ext, name, phone, email = raw
        out: dict[str, str | None] = {
            "external_id": imp.text(ext, "external_id", 100, mine),
            "name": imp.text(name, "name", 200, mine),
            "phone": None,
            "email": None,
        }
        for key, value in (("phone", phone), ("email", email)):
            if value is None:
                continue
            try:
                if key == "phone":
                    out[key] = imp.phone(str(value))
                else:
                    out[key] = normalize_email(str(value), imp.column[key])
            except InvalidValue as exc:
                mine.invalid(imp.column[key], value, exc)
        if not any(out.values()) and not mine:
            cols = [imp.column[f] for f in LINK_FIELDS if f in imp.column]
            mine.add(", ".join(cols), "", "no customer given on this row")
        if mine:
            errs.extend(mine)
        else:
            if len(self._links) > 100_000:
                self._links.clear()
            self._links[raw] = out
        return out

    def find(self, link: dict[str, Any], errs: _RowErrors | None = None) -> int | None:
        cid = link.get("id")  # found before: ids do not change during an import
        if cid is not None:
            return cid
        for key in ("external_id", "phone", "email"):
            if link[key] and link[key] in self.by[key]:
                link["id"] = self.by[key][link[key]]
                return link["id"]
        name = link["name"]
        if name:
            ids = self.by_name.get(name.lower(), [])
            if len(ids) == 1:
                link["id"] = ids[0]
                return ids[0]
            if len(ids) > 1 and errs is not None:
                errs.add(
                    self.imp.column["name"],
                    name,
                    f"matches {len(ids)} customers; add a customer id, phone or e-mail column",
                )
        return None

    def check_known(self, link: dict[str, str | None], errs: _RowErrors) -> int | None:
        cid = self.find(link, errs)
        if cid is None and not errs and not self.imp.create:
            key = next(k for k in LINK_FIELDS if link[k])
            errs.add(
                self.imp.column[key], link[key], "no such customer (--create-customers adds them)"
            )
        return cid

    def find_or_create(self, link: dict[str, str | None], line: int) -> int | None:
        cid = self.find(link)
        if cid is not None:
            return cid
        if self.imp.erased(line, link["phone"], link["email"]):
            return None
        name = link["name"]
        if not name:
            name = "Customer " + next(
                str(link[k]) for k in ("external_id", "phone", "email") if link[k]
            )
            self.imp.report.placeholder_names += 1
        cid, self.next_id = self.next_id, self.next_id + 1
        imp = self.imp
        self.pending.append(
            (
                cid,
                name,
                link["phone"],
                link["email"],
                link["external_id"],
                "active",
                imp.batch_id,
                imp.now,
                imp.now,
            )
        )
        self._remember(cid, name, link["phone"], link["email"], link["external_id"])
        self.created.add(cid)
        imp.report.customers_created += 1
        return cid

    def flush(self) -> None:
        self.imp.insert("customers", self.COLUMNS, self.pending)
        self.pending = []


class _Records(_Importer):
    """Purchases, interactions and feedback: rows that belong to a customer."""

    table = ""
    columns: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.stored: dict[int, int] = {}  # natural-key hash -> stored rows not yet matched
        self.loaded: set[int] = set()  # customers whose stored rows are counted

    def parse(self, vals: dict[str, Any], errs: _RowErrors) -> dict[str, Any]:
        raise NotImplementedError

    def key(self, cid: int, rec: dict[str, Any]) -> int | None:
        """Hash of the natural key (None: matched by order reference instead)."""
        raise NotImplementedError

    def stored_keys(self, ids: list[int]) -> Iterable[int]:
        raise NotImplementedError

    def row(self, cid: int, rec: dict[str, Any]) -> tuple:
        raise NotImplementedError

    def chunk(self, chunk: list[tuple[int, list[Any]]]) -> None:
        self.store(self.check(chunk))

    def check(self, chunk: list[tuple[int, list[Any]]]) -> list[tuple]:
        """The chunk's good rows as (line, values, link, rec, customer id or None)."""
        good = []
        for line, values in chunk:
            row = self.check_row(line, values)
            if row is not None:
                good.append(row)
        return good

    def check_row(self, line: int, values: list[Any]) -> tuple | None:
        """One row through every check; a bad row is rejected (None)."""
        errs = _RowErrors()
        vals = self.values(values, errs)
        link = self.people.link(vals, errs)
        rec = self.parse(vals, errs)
        cid = None if errs else self.people.check_known(link, errs)
        if errs:
            self.reject(line, values, errs)
            return None
        return line, values, link, rec, cid

    def store(self, good: list[tuple]) -> None:
        self.before_insert(good)
        out = []
        still_good, row = self.still_good, self.row
        created, stored = self.people.created, self.stored
        for line, values, link, rec, cid in good:
            if not still_good(line, values, rec, cid):
                continue
            cid = cid or self.people.find_or_create(link, line)
            if cid is None:
                continue  # a forgotten person: flagged
            if cid not in created:
                key = self.key(cid, rec)
                if key is not None and stored.get(key):
                    stored[key] -= 1  # this line is already stored: claim that row
                    self.report.unchanged += 1
                    continue
            out.append(row(cid, rec))
        self.people.flush()
        self.insert(self.table, self.columns, out)
        self.report.added += len(out)

    def before_insert(self, good: list[tuple]) -> None:
        self._load_stored(cid for *_, cid in good)

    def _load_stored(self, cids: Iterable[int | None]) -> None:
        """Count the stored rows of customers seen for the first time (before we add any)."""
        ids = {cid for cid in cids if cid} - self.people.created - self.loaded
        todo = sorted(ids)
        for start in range(0, len(todo), 500):
            for key in self.stored_keys(todo[start : start + 500]):
                self.stored[key] = self.stored.get(key, 0) + 1
        self.loaded |= ids

    def still_good(
        self, line: int, values: list[Any], rec: dict[str, Any], cid: int | None
    ) -> bool:
        return True

    def _stored(self, sql: str, ids: list[int]) -> Iterator[tuple]:
        marks = ", ".join("?" * len(ids))
        yield from self.conn.exec_driver_sql(sql.replace("(?)", f"({marks})"), tuple(ids))


class _Purchases(_Records):
    required = (("amount",), ("at",))
    table = "purchases"
    columns = (
        "customer_id",
        "at",
        "product",
        "category",
        "qty",
        "amount_minor",
        "currency",
        "order_ref",
        "batch_id",
        "created_at",
    )

    # the fields the column checks read
    FAST = (*LINK_FIELDS, "at", "amount", "qty", "product", "category", "order_ref", "currency")
    LIMITS = (("product", 200), ("category", 100), ("order_ref", 100))

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.refs: dict[str, int] = {}  # order reference -> line in this file
        self.stored_refs: dict[str, int] = {}
        where = {f: i for i, f in self.pairs}  # a later column wins, as in values()
        self._where = {f: where[f] for f in self.FAST if f in where}
        self._width = max(where.values()) + 1
        # only references stored before this import can clash with the file (its own repeats
        # are caught line by line): none at all, as on a first import, means no look-ups
        self.refs_stored = (
            self.conn.exec_driver_sql(
                "SELECT 1 FROM purchases WHERE order_ref IS NOT NULL LIMIT 1"
            ).first()
            is not None
        )

    def run(
        self, rows: Iterator[tuple[int, list[Any]]], progress: Callable[[], None] | None
    ) -> None:
        from ..io.readers import Block, Records

        if not isinstance(rows, Records):
            super().run(rows, progress)
            return
        # a CSV reader hands on blocks of lines as columns: no Python list per row
        for part in rows.parts():
            self.report.rows += len(part)
            if isinstance(part, Block):
                self.block(part)
            else:
                self.chunk(part)
            if progress:
                progress()
        self.finish()

    def chunk(self, chunk: list[tuple[int, list[Any]]]) -> None:
        lines, rows = zip(*chunk, strict=True)
        widths = set(map(len, rows))
        if len(widths) > 1 or not self._fits(widths.pop()):
            self.store([r for line, values in chunk if (r := self.check_row(line, values))])
        else:
            self.checked(lines, list(zip(*rows, strict=True)), rows)

    def block(self, block: Block) -> None:
        if self._fits(len(block.columns)):
            self.checked(range(block.first, block.first + len(block)), block.columns, None)
        else:
            self.chunk(list(block.rows()))

    def _fits(self, width: int) -> bool:
        return width >= self._width and (not self.strict_width or width == len(self.headers))

    def checked(self, lines: Sequence[int], table: list[Sequence], rows: Sequence | None) -> None:
        """Each check is run on a whole column at once; a row that fails one (or that the
        column checks do not cover) goes through `check_row`, so every error is found and
        worded as before. A chunk of good rows is stored column by column too."""
        cols = self._columns(lines, table, rows)
        if cols.ok.all() and self._store_columns(cols):
            return
        good = []
        for k, line in enumerate(lines):
            row = cols.row(k) if cols.ok[k] else self.check_row(line, cols.values(k))
            if row is not None:
                good.append(row)
        self.store(good)

    def _column(self, table: list[Sequence], field: str, plain: bool) -> list[Any] | None:
        """A field's cells as `values` cleans them (None if the file has no such column);
        plain: every cell is known to be text."""
        i = self._where.get(field)
        if i is None:
            return None
        cells = table[i]
        if not plain and set(map(type, cells)) != {str}:
            return list(map(_cell, cells))  # JSON or XLSX values
        out = list(map(str.strip, cells))
        return [v or None for v in out] if "" in out else out

    def _columns(
        self, lines: Sequence[int], table: list[Sequence], rows: Sequence | None
    ) -> _Columns:
        import numpy as np

        n = len(lines)
        c = _Columns(self, lines, table, rows, np.ones(n, dtype=bool))
        people = self.people
        plain = rows is None  # columns of a CSV block: all text

        # the customer: each distinct identity is checked once
        idents = [self._column(table, f, plain) for f in _IDENTITY]
        given = [j for j, cells in enumerate(idents) if cells is not None]
        if len(given) == 1:  # one identity column: its cells are the keys (no tuple per row)
            c.keys = idents[given[0]]
            raw = [None] * len(_IDENTITY)
        else:
            c.keys = list(zip(*(repeat(None, n) if x is None else x for x in idents), strict=True))
        distinct = dict.fromkeys(c.keys)
        for key in distinct:
            if len(given) == 1:
                raw[given[0]] = key
                key_tuple = tuple(raw)
            else:
                key_tuple = key
            link = people._links.get(key_tuple)
            errs = _RowErrors()
            if link is None:
                link = people.link(dict(zip(_IDENTITY, key_tuple, strict=True)), errs)
            cid = None if errs else people.check_known(link, errs)
            if not errs:
                c.links[key], c.cid_of[key] = link, cid
        if len(c.links) < len(distinct):
            c.ok &= np.fromiter(map(c.links.__contains__, c.keys), dtype=bool, count=n)

        # when: the till's 'YYYY-MM-DD HH:MM:SS' for the whole column, other shapes one by one
        c.at_raw = self._column(table, "at", plain)
        c.at = self._moments(c.at_raw)
        if None in c.at:
            failed = set()
            for k in [k for k, t in enumerate(c.at) if t is None]:
                value = c.at_raw[k]
                got = self._times.get(value)
                if got is None and value not in failed:
                    got = self.moment(value, "at", _RowErrors())
                if got is None:
                    failed.add(value)
                    c.ok[k] = False
                else:
                    c.at[k] = got[0]

        # currency and amount
        cells = self._column(table, "currency", plain)
        if cells is None:
            exp = currency_exponent(self.currency)
        else:
            codes = {}
            for cell in set(cells):
                code = self.currency if cell is None else str(cell).upper()
                codes[cell] = code if _CURRENCY.fullmatch(code) else None
            c.currency = list(map(codes.get, cells))
            if None in c.currency:
                c.ok &= np.array([x is not None for x in c.currency])
            exps = {x: currency_exponent(x) for x in codes.values() if x}
            exp = next(iter(exps.values()), 0)
            if len(set(exps.values())) > 1:
                exp = np.array([exps.get(x, 0) for x in c.currency])
        c.minor, fine = _amounts(self._column(table, "amount", plain), exp)
        c.ok &= fine

        qty = self._column(table, "qty", plain)
        if qty is not None:
            qtys = self._qty
            c.qty = [1 if x is None else qtys.get(x) for x in qty]
            if None in c.qty:
                c.ok &= np.array([x is not None for x in c.qty])
        for name, limit in self.LIMITS:
            cells = self._column(table, name, plain)
            setattr(c, name, cells)
            if cells is None:
                continue
            try:
                fine = max(map(len, filter(None, cells)), default=0) <= limit
            except TypeError:  # a date or time from Excel
                fine = False
            if not fine:
                c.ok &= np.array(
                    [x is None or (x.__class__ is str and len(x) <= limit) for x in cells]
                )
        return c

    def _store_columns(self, c: _Columns) -> bool:
        """Store a chunk of good rows without a Python object per row; False (nothing done) if
        a row needs the row-by-row rules: a repeated or stored order reference, a natural key
        that may match a stored row, a forgotten person."""
        people = self.people
        self._load_stored(c.cid_of.values())
        refs, lines = c.order_ref, c.lines
        if refs is not None:
            if None in refs:
                lines = [line for line, r in zip(lines, refs, strict=True) if r is not None]
                refs = [r for r in refs if r is not None]
            mine = dict(zip(refs, lines, strict=True))
            if len(mine) != len(refs) or not self.refs.keys().isdisjoint(mine):
                return False
            if self.refs_stored:
                self._load_refs(refs)
                if not self.stored_refs.keys().isdisjoint(mine):
                    return False
        if self.stored and (c.order_ref is None or None in c.order_ref):
            return False
        new = [key for key, cid in c.cid_of.items() if cid is None]
        if new and self._erased is not None:
            return False
        if new:
            first = dict(zip(reversed(c.keys), reversed(c.lines), strict=True))
            for key in new:  # in the order they first appear, as row by row
                c.cid_of[key] = people.find_or_create(c.links[key], first[key])
        if refs is not None:
            self.refs.update(mine)
        out = list(
            zip(
                map(c.cid_of.get, c.keys), c.at,
                c.product or repeat(None), c.category or repeat(None), c.qty or repeat(1),
                c.minor.tolist(), c.currency or repeat(self.currency), c.order_ref or repeat(None),
                repeat(self.batch_id), repeat(self.now),
            )
        )  # fmt: skip
        people.flush()
        self.insert(self.table, self.columns, out)
        self.report.added += len(out)
        return True

    def _moments(self, cells: list[Any]) -> list[str | None]:
        """The stored UTC text for each cell that is a plain local 'YYYY-MM-DD HH:MM:SS' that is
        unambiguous, valid and not in the future; else None.

        pandas converts the whole column in C; the same answer as `moment` row by row."""
        import numpy as np
        import pandas as pd

        texts = _texts(cells)
        # the exact shape, checked on the code points in C (pandas alone accepts '2024-1-2 …')
        chars = np.array(texts, dtype="U20").view(np.uint32).reshape(len(texts), 20)
        digits = chars[:, _DIGITS]
        shaped = (
            ((digits >= 48) & (digits <= 57)).all(axis=1)
            & (chars[:, _SEPARATORS] == _SEPARATOR_CODES).all(axis=1)
            & (chars[:, 19] == 0)
        )
        if not shaped.any():
            return [None] * len(texts)
        naive = pd.to_datetime(
            pd.Series(np.where(shaped, np.array(texts, dtype=object), None)),
            format=_SECONDS_FMT,
            errors="coerce",
        )
        local = naive.dt.tz_localize(self.zone, ambiguous="NaT", nonexistent="NaT")
        utc = local.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
        day = naive.to_numpy(dtype="datetime64[s]").astype("datetime64[D]")
        ok = (
            shaped
            & ~np.isnat(utc)
            & (day >= np.datetime64("1900-01-01"))
            & (day <= np.datetime64(self.today.isoformat()))
        )
        # 'YYYY-MM-DDTHH:MM:SS.ffffff' with a space for the T: what `_db_time` writes
        stored = np.datetime_as_string(utc, unit="us")
        stored.view(np.uint32).reshape(len(texts), -1)[:, 10] = ord(" ")
        out = stored.tolist()
        for k in np.flatnonzero(~ok).tolist():
            out[k] = None
        return out

    def parse(self, vals: dict[str, Any], errs: _RowErrors) -> dict[str, Any]:
        # the hot path of a big import: plain values are taken as they are, the rest is checked
        get = vals.get
        currency = self.currency
        if get("currency") is not None:
            currency = str(vals["currency"]).upper()
            if not _CURRENCY.fullmatch(currency):
                errs.add(
                    self.column["currency"], vals["currency"], "not a currency code (e.g. CNY)"
                )
        at = get("at")
        when = self._times.get(at) or self.moment(at, "at", errs)
        amount = get("amount")
        minor = self._money.get((amount, currency))
        if minor is None:
            minor = self.money(amount, currency, errs)
        qty = get("qty")
        qty = 1 if qty is None else self._qty.get(qty) or self.integer(qty, "qty", 1, None, errs)
        rec = {"at": when, "amount": minor, "currency": currency, "qty": qty}
        for key, limit in (("product", 200), ("category", 100), ("ref", 100)):
            value = get("order_ref" if key == "ref" else key)
            if value is not None and (value.__class__ is not str or len(value) > limit):
                value = self.text(value, "order_ref" if key == "ref" else key, limit, errs)
            rec[key] = value
        return rec

    def before_insert(self, good: list[tuple]) -> None:
        super().before_insert(good)
        self._load_refs([rec["ref"] for *_, rec, _cid in good if rec["ref"]])

    def _load_refs(self, refs: list[str]) -> None:
        if not self.refs_stored:
            return
        for start in range(0, len(refs), 500):
            part = refs[start : start + 500]
            marks = ", ".join("?" * len(part))
            sql = f"SELECT order_ref, customer_id FROM purchases WHERE order_ref IN ({marks})"
            self.stored_refs.update(self.conn.exec_driver_sql(sql, tuple(part)).all())

    def still_good(
        self, line: int, values: list[Any], rec: dict[str, Any], cid: int | None
    ) -> bool:
        ref = rec["ref"]
        if not ref:
            return True
        col = self.column["order_ref"]
        if ref in self.refs:
            errs = _RowErrors()
            errs.add(col, ref, f"the same order reference is on line {self.refs[ref]}")
            self.reject(line, values, errs)
            return False
        self.refs[ref] = line
        owner = self.stored_refs.get(ref)
        if owner is None:
            return True
        if owner == cid:
            self.report.unchanged += 1
            return False
        errs = _RowErrors()
        errs.add(col, ref, f"already recorded for another customer (#{owner})")
        self.reject(line, values, errs)
        return False

    def key(self, cid: int, rec: dict[str, Any]) -> int | None:
        if rec["ref"]:
            return None
        return hash((cid, rec["at"][0], rec["amount"], rec["currency"], rec["product"]))

    def stored_keys(self, ids: list[int]) -> Iterable[int]:
        sql = (
            "SELECT customer_id, at, amount_minor, currency, product FROM purchases "
            "WHERE order_ref IS NULL AND customer_id IN (?)"
        )
        for cid, at, amount, currency, product in self._stored(sql, ids):
            yield hash((cid, _same_time(at), amount, currency, product))

    def row(self, cid: int, rec: dict[str, Any]) -> tuple:
        return (
            cid,
            rec["at"][0],
            rec["product"],
            rec["category"],
            rec["qty"],
            rec["amount"],
            rec["currency"],
            rec["ref"],
            self.batch_id,
            self.now,
        )


class _Columns:
    """A chunk of purchase rows as checked columns; `ok` marks the rows that passed them all."""

    def __init__(
        self, imp: _Purchases, lines: Sequence[int], table: list[Sequence], rows: Any, ok: Any
    ) -> None:
        self.imp, self.lines, self.table, self.rows, self.ok = imp, lines, table, rows, ok
        self.keys: list[tuple] = []  # the raw customer identity of each row
        self.links: dict[tuple, dict[str, Any]] = {}  # identity -> link, for the good ones
        self.cid_of: dict[tuple, int | None] = {}  # identity -> customer id (None: new)
        self.at_raw: list[Any] = []
        self.at: list[str | None] = []
        self.minor: Any = None
        self.currency: list[str | None] | None = None
        self.qty: list[int | None] | None = None
        self.product: list[Any] | None = None
        self.category: list[Any] | None = None
        self.order_ref: list[Any] | None = None

    def row(self, k: int) -> tuple:
        """Row k as `check_row` gives it: (line, values, link, rec, customer id or None)."""
        key, imp = self.keys[k], self.imp
        raw = self.at_raw[k]
        got = imp._times.get(raw)
        day = got[1] if got else date.fromisoformat(raw[:10])  # a till time: its local day
        rec = {
            "at": (self.at[k], day),
            "amount": int(self.minor[k]),
            "currency": self.currency[k] if self.currency else imp.currency,
            "qty": self.qty[k] if self.qty else 1,
            "product": self.product[k] if self.product else None,
            "category": self.category[k] if self.category else None,
            "ref": self.order_ref[k] if self.order_ref else None,
        }
        return self.lines[k], self.values(k), self.links[key], rec, self.cid_of[key]

    def values(self, k: int) -> list[Any]:
        """The cells of row k, as the file gave them."""
        return self.rows[k] if self.rows is not None else [col[k] for col in self.table]


_AMOUNT_WIDTH = 16


def _texts(cells: list[Any]) -> list[str]:
    """The cells for a numpy text array: anything but text (None, an Excel date) as ''."""
    if set(map(type, cells)) == {str}:
        return cells
    return [v if v.__class__ is str else "" for v in cells]


def _amounts(cells: list[Any], exp: Any) -> tuple[Any, Any]:
    """Plain amounts ('29.33': ASCII digits, at most one point, at most `exp` decimals, under
    13 digits before the point) in minor units, for a whole column with numpy; and which cells
    were plain. Exact integer arithmetic: the same as `_Importer.money` (exp: int or per row)."""
    import numpy as np

    n = len(cells)
    texts = _texts(cells)
    size = np.fromiter(map(len, texts), dtype=np.int64, count=n)[:, None]
    chars = np.array(texts, dtype=f"U{_AMOUNT_WIDTH}").view(np.uint32).reshape(n, -1)
    pos = np.arange(chars.shape[1])
    digit = (chars >= 48) & (chars <= 57)
    dot = chars == 46
    dots = dot.sum(axis=1, keepdims=True)
    point = np.where(dots == 1, dot.argmax(axis=1)[:, None], size)
    decimals = np.where(dots == 1, size - point - 1, 0)
    exp = np.asarray(exp).reshape(-1, 1)
    ok = (
        ((digit | dot) == (pos < size)).all(axis=1, keepdims=True)
        & (size <= _AMOUNT_WIDTH)
        & (dots <= 1)
        & (point >= 1)
        & (point <= 12)
        & (decimals <= exp)
    )[:, 0]
    power = np.where(pos < point, point - 1 - pos + exp, exp - (pos - point)).clip(0, 18)
    values = np.where(digit, chars.astype(np.int64) - 48, 0) * (10 ** power.astype(np.int64))
    return values.sum(axis=1), ok


class _Interactions(_Records):
    required = (("at",),)
    table = "interactions"
    columns = (
        "customer_id",
        "at",
        "channel",
        "summary",
        "outcome",
        "owner",
        "batch_id",
        "created_at",
    )

    def parse(self, vals: dict[str, Any], errs: _RowErrors) -> dict[str, Any]:
        channel = vals.get("channel") or "other"
        try:
            channel = choice(str(channel), CHANNELS, self.column.get("channel", "channel"))
        except InvalidValue as exc:
            errs.invalid(self.column["channel"], channel, exc)
        return {
            "at": self.moment(vals.get("at"), "at", errs),
            "channel": channel,
            "summary": self.text(vals.get("summary"), "summary", 5000, errs),
            "outcome": self.text(vals.get("outcome"), "outcome", 200, errs),
            "owner": self.text(vals.get("owner"), "owner", 200, errs),
        }

    def key(self, cid: int, rec: dict[str, Any]) -> int | None:
        return hash((cid, rec["at"][0], rec["channel"], rec["summary"]))

    def stored_keys(self, ids: list[int]) -> Iterable[int]:
        sql = "SELECT customer_id, at, channel, summary FROM interactions WHERE customer_id IN (?)"
        for cid, at, channel, summary in self._stored(sql, ids):
            yield hash((cid, _same_time(at), channel, summary))

    def row(self, cid: int, rec: dict[str, Any]) -> tuple:
        return (
            cid,
            rec["at"][0],
            rec["channel"],
            rec["summary"],
            rec["outcome"],
            rec["owner"],
            self.batch_id,
            self.now,
        )

    def finish(self) -> None:
        super().finish()
        # last_contact_at is max(interactions.at): one UPDATE for the customers this batch touched
        self.conn.exec_driver_sql(_LAST_CONTACT_SQL, (self.batch_id,))


_LAST_CONTACT_SQL = (
    "UPDATE customers SET last_contact_at = "
    "(SELECT max(at) FROM interactions WHERE interactions.customer_id = customers.id) "
    "WHERE id IN (SELECT DISTINCT customer_id FROM interactions WHERE batch_id = ?)"
)


class _Feedback(_Records):
    required = (("at",), ("csat", "nps", "text"))
    table = "feedback"
    columns = ("customer_id", "at", "csat", "nps", "text", "channel", "batch_id", "created_at")

    def parse(self, vals: dict[str, Any], errs: _RowErrors) -> dict[str, Any]:
        channel = vals.get("channel")
        if channel is not None:
            try:
                channel = choice(str(channel), CHANNELS, self.column["channel"])
            except InvalidValue as exc:
                errs.invalid(self.column["channel"], channel, exc)
        rec = {
            "at": self.moment(vals.get("at"), "at", errs),
            "csat": self.integer(vals.get("csat"), "csat", 1, 5, errs),
            "nps": self.integer(vals.get("nps"), "nps", 0, 10, errs),
            "text": self.text(vals.get("text"), "text", 5000, errs),
            "channel": channel,
        }
        if not errs and rec["csat"] is None and rec["nps"] is None and not rec["text"]:
            cols = [self.column[f] for f in ("csat", "nps", "text") if f in self.column]
            errs.add(", ".join(cols), "", "no score and no text")
        return rec

    def key(self, cid: int, rec: dict[str, Any]) -> int | None:
        return hash((cid, rec["at"][0], rec["csat"], rec["nps"], rec["text"]))

    def stored_keys(self, ids: list[int]) -> Iterable[int]:
        sql = "SELECT customer_id, at, csat, nps, text FROM feedback WHERE customer_id IN (?)"
        for cid, at, csat, nps, text in self._stored(sql, ids):
            yield hash((cid, _same_time(at), csat, nps, text))

    def row(self, cid: int, rec: dict[str, Any]) -> tuple:
        return (
            cid,
            rec["at"][0],
            rec["csat"],
            rec["nps"],
            rec["text"],
            rec["channel"],
            self.batch_id,
            self.now,
        )


class _Customers(_Importer):
    """Customer rows: add the new ones, update the ones we already have."""

    required = (("name", "external_id", "phone", "email"),)
    COLUMNS = (
        "id",
        "name",
        "phone",
        "email",
        "wechat",
        "company",
        "address",
        "city",
        "birthday",
        "gender",
        "source",
        "owner",
        "price_sensitivity",
        "notes",
        "status",
        "external_id",
        "batch_id",
        "created_at",
        "updated_at",
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.seen: dict[tuple[str, str], int] = {}  # (field, value) -> line in this file
        self.tag_ids: dict[str, int] = dict(
            self.conn.exec_driver_sql("SELECT name, id FROM tags").all()
        )
        self.pending_tags: list[tuple[int, str]] = []

    def clean(self, vals: dict[str, Any], errs: _RowErrors) -> tuple[dict[str, Any], list[str]]:
        from .customers import EDITABLE, _tag_name, clean_fields

        fields: dict[str, Any] = {}
        for key in EDITABLE:
            value = vals.get(key)
            if value is None:
                continue
            if key == "phone":
                try:
                    fields[key] = self.phone(str(value))
                except InvalidValue as exc:
                    errs.invalid(self.column[key], value, exc)
                continue
            if isinstance(value, datetime):
                value = value.date()
            try:
                fields.update(clean_fields({key: value}, prefix=""))
            except InvalidValue as exc:
                errs.invalid(self.column[key], value, exc)
        tags: list[str] = []
        for word in re.split(r"[,;，；、\s]+", str(vals.get("tags") or "")):
            if word:
                try:
                    tags.append(_tag_name(word))
                except InvalidValue as exc:
                    errs.invalid(self.column["tags"], word, exc)
        return fields, tags

    def chunk(self, chunk: list[tuple[int, list[Any]]]) -> None:
        new = []
        for line, values in chunk:
            errs = _RowErrors()
            vals = self.values(values, errs)
            fields, tags = self.clean(vals, errs)
            matches: dict[int, str] = {}
            for key in ("external_id", "phone", "email"):
                value = fields.get(key)
                if not value:
                    continue
                if (key, value) in self.seen:
                    errs.add(
                        self.column[key],
                        value,
                        f"the same {key} is on line {self.seen[key, value]}",
                    )
                cid = self.people.by[key].get(value)
                if cid is not None:
                    matches.setdefault(cid, key)
            if len(matches) > 1:
                found = ", ".join(f"{k} → #{cid}" for cid, k in matches.items())
                errs.add("(row)", "", f"matches different customers ({found})")
            if not matches and not fields.get("name") and not errs:
                errs.add(self.column.get("name", "name"), "", "a new customer needs a name")
            if errs:
                self.reject(line, values, errs)
                continue
            for key in ("external_id", "phone", "email"):
                if fields.get(key):
                    self.seen[key, fields[key]] = line
            if matches:
                self.merge_into(next(iter(matches)), fields, tags)
                continue
            if self.erased(line, fields.get("phone"), fields.get("email")):
                continue
            cid, self.people.next_id = self.people.next_id, self.people.next_id + 1
            birthday = fields.get("birthday")
            row = {
                **fields,
                "id": cid,
                "birthday": birthday.isoformat() if birthday else None,
                "status": "active",
                "batch_id": self.batch_id,
                "created_at": self.now,
                "updated_at": self.now,
            }
            new.append(tuple(map(row.get, self.COLUMNS)))  # by name: a new column cannot shift
            self.people._remember(
                cid,
                fields["name"],
                fields.get("phone"),
                fields.get("email"),
                fields.get("external_id"),
            )
            self.pending_tags.extend((cid, t) for t in tags)
            self.report.added += 1
        self.insert("customers", self.COLUMNS, new)
        self.flush_tags()

    def merge_into(self, cid: int, fields: dict[str, Any], tags: list[str]) -> None:
        """An existing customer: apply the file's non-empty values (empty cells change nothing)."""
        from ..models import Customer

        changed = False
        if self.update:
            t = Customer.__table__
            current = self.conn.execute(sa.select(t).where(t.c.id == cid)).one()._mapping
            diff = {k: v for k, v in fields.items() if v is not None and current[k] != v}
            if diff:
                diff["updated_at"] = clock.utcnow()
                self.conn.execute(sa.update(t).where(t.c.id == cid).values(**diff))
                changed = True
            have = set(
                self.conn.exec_driver_sql(
                    "SELECT t.name FROM tags t JOIN customer_tags ct ON ct.tag_id = t.id "
                    "WHERE ct.customer_id = ?",
                    (cid,),
                ).scalars()
            )
            extra = [t for t in tags if t not in have]
            if extra:
                self.pending_tags.extend((cid, t) for t in extra)
                changed = True
        if changed:
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    def flush_tags(self) -> None:
        if not self.pending_tags:
            return
        for name in dict.fromkeys(t for _, t in self.pending_tags):
            if name not in self.tag_ids:
                result = self.conn.exec_driver_sql("INSERT INTO tags (name) VALUES (?)", (name,))
                self.tag_ids[name] = result.lastrowid
        rows = [(cid, self.tag_ids[t]) for cid, t in self.pending_tags]
        self.conn.exec_driver_sql(
            "INSERT OR IGNORE INTO customer_tags (customer_id, tag_id) VALUES (?, ?)", rows
        )
        self.pending_tags = []


_IMPORTERS: dict[str, type[_Importer]] = {
    "customers": _Customers,
    "purchases": _Purchases,
    "interactions": _Interactions,
    "feedback": _Feedback,
}


def check_mapping(kind: str, headers: list[str], mapping: dict[int, str]) -> None:
    """The file must have the columns this kind cannot do without."""
    have = set(mapping.values())
    needs = list(_IMPORTERS[kind].required)
    if kind != "customers":
        needs.append(LINK_FIELDS)
    for options in needs:
        if not have & set(options):
            what = " or ".join(options)
            cols = ", ".join(repr(h) for h in headers)
            raise UsageError(
                f"{kind} need a column for {what}; the file has {cols}. "
                f'Name it with --map, e.g. --map "{headers[0]}={options[0]}"'
            )


def import_rows(
    session: Session,
    kind: str,
    *,
    source: str,
    file_format: str,
    sha256: str | None,
    headers: list[str],
    mapping: dict[int, str],
    rows: Iterator[tuple[int, list[Any]]],
    dry_run: bool = False,
    skip_bad: bool = False,
    create_customers: bool = True,
    update: bool = True,
    currency: str | None = None,
    strict_width: bool = True,
    progress: Callable[[], None] | None = None,
) -> Report:
    """Import rows into the session's write transaction; returns the report.

    Raises ImportFailed if any row is bad (unless skip_bad) and DryRun after a dry run: both roll
    the caller's transaction back, so nothing is written.
    """
    from ..io.mapping import describe

    if kind not in _IMPORTERS:
        raise UsageError(f"cannot import {kind!r}; choose one of " + ", ".join(KINDS))
    check_mapping(kind, headers, mapping)
    used, ignored = describe(headers, mapping)
    report = Report(kind, source, file_format, used, ignored, dry_run=dry_run)
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        # a big page cache keeps the indexes in memory during a long insert (the default 2 MB
        # spills to the WAL over and over); it only lasts as long as this process's connection
        conn.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
    b = ImportBatch.__table__
    if sha256:
        report.same_file = list(
            conn.execute(
                sa.select(b.c.id).where(
                    b.c.file_sha256 == sha256, b.c.kind == kind, b.c.undone_at.is_(None)
                )
            ).scalars()
        )
    report.batch_id = conn.execute(
        sa.insert(b).values(
            kind=kind,
            source=source,
            file_sha256=sha256,
            rows_added=0,
            rows_updated=0,
            rows_skipped=0,
            started_at=clock.utcnow(),
        )
    ).inserted_primary_key[0]
    importer = _IMPORTERS[kind](
        session,
        report,
        headers,
        mapping,
        batch_id=report.batch_id,
        create_customers=create_customers,
        update=update,
        currency=currency,
        strict_width=strict_width,
    )
    # Python's cycle collector rescans every cached key and reference on each full collection:
    # on a million rows that was a third of the time. An import makes no cycles worth chasing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        importer.run(rows, progress)
    finally:
        if collecting:
            gc.enable()
    if not report.rows:
        raise CusttrackError(f"{source} has a header but no data rows: nothing to import")
    if dry_run or (report.rejected and not skip_bad):
        report.batch_id = None  # rolled back with everything else
        raise DryRun(report) if dry_run else ImportFailed(report)
    conn.execute(
        sa.update(b)
        .where(b.c.id == report.batch_id)
        .values(
            rows_added=report.added,
            rows_updated=report.updated,
            rows_skipped=report.skipped,
            finished_at=clock.utcnow(),
        )
    )
    return report


# -- batches -------------------------------------------------------------------------------------


def list_batches(session: Session, limit: int = 0) -> list[dict[str, Any]]:
    """Import batches, newest first."""
    b = ImportBatch.__table__
    stmt = sa.select(b).order_by(b.c.id.desc())
    if limit:
        stmt = stmt.limit(limit)
    rows = []
    for r in session.execute(stmt):
        row = dict(r._mapping)
        row["status"] = "undone" if row["undone_at"] else "imported"
        rows.append(row)
    return rows


_CHILDREN = ("interactions", "purchases", "feedback")
_REFERENCES = (*_CHILDREN, "complaints", "followups")


def undo(session: Session, batch_id: int) -> dict[str, int]:
    """Delete exactly the rows a batch added; refuse if someone else's data hangs on them."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound(f"no import batch {batch_id}; see `custtrack import list`")
    if batch.undone_at is not None:
        raise Conflict(f"batch {batch_id} was already undone")
    if batch.finished_at is None:
        raise Conflict(f"batch {batch_id} never finished; there is nothing to undo")
    conn = session.connection()
    ours = "SELECT id FROM customers WHERE batch_id = ?"
    for table in _REFERENCES:
        extra = " AND (x.batch_id IS NULL OR x.batch_id != ?)" if table in _CHILDREN else ""
        params = (batch_id, batch_id) if extra else (batch_id,)
        rows = conn.exec_driver_sql(
            f"SELECT DISTINCT c.id, c.name FROM {table} x JOIN customers c ON c.id = x.customer_id "
            f"WHERE x.customer_id IN ({ours}){extra} LIMIT 6",
            params,
        ).all()
        if rows:
            who = ", ".join(f"#{cid} {name}" for cid, name in rows[:5])
            raise Conflict(
                f"cannot undo batch {batch_id}: customers it added now have {table} recorded "
                f"outside this batch ({who}{' …' if len(rows) > 5 else ''}). "
                "Undo the later batches first, or delete those records."
            )
    merged = conn.exec_driver_sql(
        f"SELECT count(*) FROM merges WHERE kept_id IN ({ours})", (batch_id,)
    ).scalar()
    if merged:
        raise Conflict(
            f"cannot undo batch {batch_id}: other customers were merged into its customers"
        )
    touched = [
        r[0]
        for r in conn.exec_driver_sql(
            "SELECT DISTINCT customer_id FROM interactions WHERE batch_id = ?", (batch_id,)
        )
    ]
    counts = {}
    for table in (*_CHILDREN, "customers"):
        counts[table] = conn.exec_driver_sql(
            f"DELETE FROM {table} WHERE batch_id = ?", (batch_id,)
        ).rowcount
    for start in range(0, len(touched), 500):
        part = touched[start : start + 500]
        conn.exec_driver_sql(
            "UPDATE customers SET last_contact_at = (SELECT max(at) FROM interactions i "
            f"WHERE i.customer_id = customers.id) WHERE id IN ({', '.join('?' * len(part))})",
            tuple(part),
        )
    batch.undone_at = clock.utcnow()
    session.add(batch)
    session.flush()
    counts["updated_kept"] = batch.rows_updated
    return counts
