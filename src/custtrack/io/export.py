"""Exporters: tables to CSV, JSON and XLSX, and everything about one customer as JSON.

Rows leave in the user's terms: times as local ISO 8601, money as exact decimal strings next to
their currency (`amount`, not `amount_minor`). Spreadsheet formats follow the OWASP rule against
formula injection: a text cell starting with = + - @ tab or CR gets a leading single quote.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlmodel import Session

from .. import models
from ..errors import Conflict, InvalidValue, NotFound
from ..i18n import C_, _, pgettext
from . import FORMULA_START

# export name -> table; tables whose rows belong to a customer also get `customer_name`
TABLES: dict[str, sa.Table] = {
    "customers": models.Customer.__table__,
    "interactions": models.Interaction.__table__,
    "purchases": models.Purchase.__table__,
    "feedback": models.Feedback.__table__,
    "complaints": models.Complaint.__table__,
    "followups": models.FollowUp.__table__,
    "tags": models.CustomerTag.__table__,
    "campaigns": models.Campaign.__table__,
    "cadences": models.Cadence.__table__,
    "imports": models.ImportBatch.__table__,
    "merges": models.Merge.__table__,
    "persons": models.contact_persons,  # a company's contact persons (issue 15)
    "points": models.points_ledger,  # the points ledger (issue 15)
    "contact_points": models.contact_points,  # other phones, e-mails, WeChat (issue 17.8)
}
ALIASES = {"contacts": "interactions", "follow-ups": "followups", "import_batches": "imports"}
ALIASES |= {"contact_persons": "persons", "people": "persons", "points_ledger": "points"}
_CUSTOMERS = models.Customer.__table__
_TAGS = models.Tag.__table__

# `--headers zh`: the header row in Chinese. Each column's words are ones `custtrack import`
# recognises for the same field (io/mapping.py), so such a file imports back; the ids have no
# such word (系统编号 is read as nothing, 编号 would be taken for external_id), nor erased_at.
_COLUMN_WORDS = (
    C_("column", "id"), C_("column", "customer_id"), C_("column", "customer_name"),
    C_("column", "name"), C_("column", "phone"), C_("column", "email"), C_("column", "wechat"),
    C_("column", "company"), C_("column", "address"), C_("column", "city"),
    C_("column", "birthday"), C_("column", "lunar_birthday"), C_("column", "gender"),
    C_("column", "source"), C_("column", "owner"), C_("column", "price_sensitivity"),
    C_("column", "notes"),
    C_("column", "status"), C_("column", "tags"), C_("column", "external_id"),
    C_("column", "lost_reason"), C_("column", "lost_note"), C_("column", "lost_at"),
    C_("column", "last_contact_at"), C_("column", "erased_at"), C_("column", "batch_id"),
    C_("column", "created_at"), C_("column", "updated_at"), C_("column", "at"),
    C_("column", "channel"), C_("column", "summary"), C_("column", "outcome"),
    C_("column", "product"), C_("column", "category"), C_("column", "qty"),
    C_("column", "amount"), C_("column", "currency"), C_("column", "order_ref"),
    C_("column", "csat"), C_("column", "nps"), C_("column", "text"), C_("column", "priority"),
    C_("column", "assignee"), C_("column", "resolution"), C_("column", "opened_at"),
    C_("column", "resolved_at"), C_("column", "due_date"), C_("column", "due_time"),
    C_("column", "note"), C_("column", "origin"), C_("column", "snoozed_until"),
    C_("column", "complaint_id"), C_("column", "interaction_id"), C_("column", "closed_at"),
    C_("column", "tag"), C_("column", "cost"), C_("column", "start"), C_("column", "end"),
    C_("column", "scope"), C_("column", "target"), C_("column", "every_days"),
    C_("column", "kind"), C_("column", "file_sha256"), C_("column", "rows_added"),
    C_("column", "rows_updated"), C_("column", "rows_skipped"), C_("column", "started_at"),
    C_("column", "finished_at"), C_("column", "undone_at"), C_("column", "kept_id"),
    C_("column", "merged_id"), C_("column", "merged_snapshot"), C_("column", "reason"),
    C_("column", "recorded_by"), C_("column", "refund_of"),
)  # fmt: skip
# a key that means something else in one table: a campaign's name, an import's source file
_TABLE_WORDS = (C_("campaigns column", "name"), C_("imports column", "source"))
_IN_TABLE = {("campaigns", "name"), ("imports", "source")}
# issue 15's columns; a customer's kind (person or company) is not an import's kind
_LOYALTY_WORDS = (
    C_("column", "role"), C_("column", "points"), C_("column", "purchase_id"),
    C_("column", "referred_by_id"), C_("column", "person_id"), C_("customers column", "kind"),
    C_("export_table", "persons"), C_("export_table", "points"),
)  # fmt: skip
_IN_TABLE.add(("customers", "kind"))
# issue 17.8's table: a contact point's kind (phone, email, wechat), its value, where it came from
_CONTACT_POINT_WORDS = (
    C_("contact_points column", "kind"), C_("contact_points column", "value"),
    C_("contact_points column", "source"), C_("export_table", "contact_points"),
)  # fmt: skip
_IN_TABLE |= {("contact_points", k) for k in ("kind", "value", "source")}
# the worksheets of an XLSX file with --headers zh
_SHEET_WORDS = (
    C_("export_table", "customers"), C_("export_table", "interactions"),
    C_("export_table", "purchases"), C_("export_table", "feedback"),
    C_("export_table", "complaints"), C_("export_table", "followups"),
    C_("export_table", "tags"), C_("export_table", "campaigns"),
    C_("export_table", "cadences"), C_("export_table", "imports"), C_("export_table", "merges"),
)  # fmt: skip


def table_name(name: str) -> str:
    """The canonical export name for what the user typed (`contacts` -> `interactions`)."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in TABLES:
        raise InvalidValue(
            "TABLE",
            name,
            _("not a table"),
            _("one of {names}").format(names=pgettext("list", ", ").join([*TABLES, "all"])),
        )
    return key


def header_language(value: str) -> str:
    """`--headers`: en or zh (zh-CN, 中文 … are zh too)."""
    from ..i18n import normalize

    lang = normalize(value)
    if lang is None:
        raise InvalidValue("--headers", value, _("must be en or zh"))
    return "en" if lang == "en" else "zh"


def _chinese() -> Any:
    """The Chinese catalogue, whatever the interface language (`--headers zh` in an English run)."""
    import gettext

    from .. import i18n

    return gettext.translation(i18n.DOMAIN, i18n.LOCALE_DIR, languages=["zh_CN"])


def headers(name: str, keys: list[str], lang: str = "en") -> list[str]:
    """The header row of an export: the column keys (en), or their Chinese words (zh)."""
    if lang == "en":
        return list(keys)
    zh = _chinese()
    return [zh.pgettext(f"{name} column" if (name, k) in _IN_TABLE else "column", k) for k in keys]


def sheet_title(name: str, lang: str = "en") -> str:
    """A worksheet's name: the table's (en), or its Chinese name (zh); at most 31 characters."""
    title = name if lang == "en" else _chinese().pgettext("export_table", name)
    return title[:31]


def fields(name: str) -> list[str]:
    """Column names of an export, in order (stable: documented in `export --help`)."""
    if name == "tags":
        return ["customer_id", "customer_name", "tag"]
    out: list[str] = []
    for col in TABLES[name].c:
        out.append(col.name.removesuffix("_minor"))
        if col.name == "customer_id":
            out.append("customer_name")
        if name == "customers" and col.name == "status":
            out.append("tags")
    return out


def plain(value: Any, zone: tzinfo | None = None) -> Any:
    """A stored value as exported: aware datetimes to local ISO 8601, dates/times ISO."""
    if isinstance(value, datetime):
        from ..clock import local_zone

        return value.astimezone(zone or local_zone()).isoformat(timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def rows(session: Session, name: str, customer_id: int | None = None) -> Iterator[dict[str, Any]]:
    """Every row of an export, oldest id first, converted; only one customer's when given."""
    if name == "tags":
        ct = models.CustomerTag.__table__
        stmt = (
            sa.select(ct.c.customer_id, _CUSTOMERS.c.name.label("customer_name"), _TAGS.c.name)
            .join(_TAGS, _TAGS.c.id == ct.c.tag_id)
            .outerjoin(_CUSTOMERS, _CUSTOMERS.c.id == ct.c.customer_id)
            .order_by(ct.c.customer_id, _TAGS.c.name)
        )
        if customer_id is not None:
            stmt = stmt.where(ct.c.customer_id == customer_id)
        for cid, cname, tag in session.execute(stmt):
            yield {"customer_id": cid, "customer_name": cname, "tag": tag}
        return
    table = TABLES[name]
    cols: list[Any] = list(table.c)
    if "customer_id" in table.c:
        cols.append(_CUSTOMERS.c.name.label("customer_name"))
        stmt = sa.select(*cols).outerjoin(_CUSTOMERS, _CUSTOMERS.c.id == table.c.customer_id)
        if customer_id is not None:
            stmt = stmt.where(table.c.customer_id == customer_id)
    else:
        stmt = sa.select(*cols)
        if customer_id is not None:
            key = table.c.kept_id if name == "merges" else table.c.id
            stmt = stmt.where(key == customer_id)
    stmt = stmt.order_by(table.c.id)
    order = fields(name)
    tags = _tags_by_customer(session, customer_id) if name == "customers" else {}
    getters = _getters(cols, order, tags)
    # plain tuples and one getter per field: big tables export at a few µs per row
    for r in session.execute(stmt.execution_options(yield_per=2000)):
        yield dict(zip(order, [get(r) for get in getters], strict=True))


def _getters(cols: list[Any], order: list[str], tags: dict[int, list[str]]) -> list[Callable]:
    """For each exported field, a function from a result tuple to the exported value."""
    from operator import itemgetter

    from ..clock import local_zone
    from ..validate import money_str

    zone = local_zone()
    index = {c.name: i for i, c in enumerate(cols)}
    kinds = {c.name: c.type for c in cols}
    getters: list[Callable] = []
    for key in order:
        if key == "tags":
            getters.append(lambda r, i=index["id"]: ";".join(tags.get(r[i], ())))
        elif key + "_minor" in index:
            i, cur = index[key + "_minor"], index["currency"]
            getters.append(lambda r, i=i, cur=cur: money_str(r[i], r[cur] or ""))
        elif isinstance(kinds[key], models.UTCDateTime):
            getters.append(
                lambda r, i=index[key]: (
                    None if r[i] is None else r[i].astimezone(zone).isoformat(timespec="seconds")
                )
            )
        elif key == "birthday":  # "--11-25" when the year is not known
            from ..dates import birthday_text

            getters.append(lambda r, i=index[key]: birthday_text(r[i]))
        elif isinstance(kinds[key], sa.Date | sa.Time):
            getters.append(lambda r, i=index[key]: None if r[i] is None else r[i].isoformat())
        else:
            getters.append(itemgetter(index[key]))
    return getters


def _tags_by_customer(session: Session, customer_id: int | None) -> dict[int, list[str]]:
    ct = models.CustomerTag.__table__
    stmt = (
        sa.select(ct.c.customer_id, _TAGS.c.name)
        .join(_TAGS, _TAGS.c.id == ct.c.tag_id)
        .order_by(_TAGS.c.name)
    )
    if customer_id is not None:
        stmt = stmt.where(ct.c.customer_id == customer_id)
    out: dict[int, list[str]] = {}
    for cid, tag in session.execute(stmt):
        out.setdefault(cid, []).append(tag)
    return out


def customer_record(session: Session, customer_id: int) -> dict[str, Any]:
    """Everything stored about one customer (a data-access request), as JSON-ready data."""
    from .. import __version__, clock

    found = list(rows(session, "customers", customer_id))
    if not found:
        raise NotFound(_("no customer with id {id}").format(id=customer_id))
    profile = found[0]
    profile["tags"] = [t for t in (profile["tags"] or "").split(";") if t]
    record: dict[str, Any] = {
        "custtrack_version": __version__,
        "exported_at": plain(clock.now()),
        "customer": profile,
    }
    for name in ("interactions", "purchases", "feedback", "complaints", "followups", "persons",
                 "points", "contact_points"):  # fmt: skip
        record[name] = [
            _drop(r, "customer_id", "customer_name") for r in rows(session, name, customer_id)
        ]
    merges = []
    for m in rows(session, "merges", customer_id):
        with contextlib.suppress(TypeError, ValueError):  # else keep the stored text
            m["merged_snapshot"] = json.loads(m["merged_snapshot"])
        merges.append(m)
    record["merges"] = merges
    record["cadences"] = [
        r
        for r in rows(session, "cadences")
        if (r["scope"], r["target"]) == ("customer", str(customer_id))
    ]
    return record


def _drop(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in keys}


_NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?")


def escape_cell(value: Any) -> Any:
    """OWASP CSV-injection rule: text that a spreadsheet could run as a formula gets a quote.
    A plain negative number (a refund's amount, -80.00) is no formula and stays as it is."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not _NEGATIVE_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def write_csv(
    data: Iterable[dict[str, Any]], keys: list[str], out: IO[str], header: list[str] | None = None
) -> int:
    """CSV with a header row (the keys, or `header`); returns the number of data rows."""
    import csv

    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(keys if header is None else header)
    n = 0
    for row in data:
        writer.writerow([escape_cell(row.get(k)) for k in keys])
        n += 1
    return n


def write_json(data: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """A JSON array of objects, written row by row so big tables never sit in memory."""
    n = 0
    out.write("[")
    for row in data:
        out.write(",\n  " if n else "\n  ")
        out.write(json.dumps(row, ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


Sheet = tuple[str, list[str], Iterable[dict[str, Any]]]


def write_xlsx(sheets: Iterable[Sheet], path: Path, lang: str = "en") -> dict[str, int]:
    """One worksheet per (name, keys, rows); amounts become numbers so they can be summed.
    lang zh: sheet names and headers in Chinese (counts stay keyed by name)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook(write_only=True)
    counts: dict[str, int] = {}
    for title, keys, data in sheets:
        ws = wb.create_sheet(title=sheet_title(title, lang))
        ws.append(headers(title, keys, lang))
        money = {k for k in keys if k in ("amount", "cost")}
        n = 0
        for row in data:
            cells = []
            for k in keys:
                v = row.get(k)
                if k in money and v is not None:
                    v = Decimal(v)
                elif isinstance(v, str):
                    v = escape_cell(ILLEGAL_CHARACTERS_RE.sub("", v))
                cells.append(v)
            ws.append(cells)
            n += 1
        counts[title] = n
    with atomic_file(path, binary=True) as fh:
        wb.save(fh)
    return counts


class atomic_file:  # lower case: used like open()
    """Write to PATH.part, then rename over PATH, so a failed export leaves no half file."""

    def __init__(self, path: Path, binary: bool = False, encoding: str = "utf-8") -> None:
        self.path, self.binary, self.encoding = path, binary, encoding
        self.tmp = path.with_name(path.name + ".part")

    def __enter__(self) -> IO:
        # personal data: readable by the user only, like the database itself
        fd = os.open(self.tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        self.fh: IO[Any]
        if self.binary:
            self.fh = os.fdopen(fd, "wb")
        else:
            self.fh = os.fdopen(fd, "w", encoding=self.encoding, newline="")
        return self.fh

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        self.fh.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def write_file(
    name: str, data: Iterable[dict[str, Any]], fmt: str, path: Path, lang: str = "en"
) -> int:
    """One table to a CSV (UTF-8 with BOM, so Excel shows Chinese right) or JSON file."""
    if fmt == "csv":
        keys = fields(name)
        with atomic_file(path, encoding="utf-8-sig") as fh:
            return write_csv(data, keys, fh, headers(name, keys, lang))
    with atomic_file(path) as fh:
        return write_json(data, fh)


def check_target(path: Path, force: bool) -> None:
    """Refuse to overwrite an existing file unless --force."""
    if path.exists() and not force:
        raise Conflict(
            _("{path} already exists; choose another --out or add --force").format(path=path)
        )
    if path.exists() and path.is_dir():
        raise Conflict(_("{path} is a folder; give a file name").format(path=path))
    if not path.parent.exists():
        raise NotFound(_("folder {path} does not exist").format(path=path.parent))


def export_all(
    session: Session, fmt: str, target: Path, force: bool = False, lang: str = "en"
) -> dict[str, int]:
    """Every table: one file per table in folder TARGET (csv/json) or one sheet each (xlsx)."""
    if fmt == "xlsx":
        check_target(target, force)
        return write_xlsx(((n, fields(n), rows(session, n)) for n in TABLES), target, lang)
    if target.exists() and not target.is_dir():
        raise Conflict(
            _("{path} is a file; `export all` writes a folder of files").format(path=target)
        )
    files = {n: target / f"{n}.{fmt}" for n in TABLES}
    if not force:
        clash = [str(p) for p in files.values() if p.exists()]
        if clash:
            raise Conflict(
                _("{path} already exists; choose another --out or add --force").format(
                    path=clash[0]
                )
            )
    target.mkdir(parents=True, exist_ok=True)
    return {n: write_file(n, rows(session, n), fmt, p, lang) for n, p in files.items()}
