"""Rows that belong to a customer, matched on their content: contacts and feedback (purchases,
which add column checks and order references, are in purchases.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, time
from typing import Any

from ... import dialect
from ...errors import InvalidValue
from ...i18n import _, pgettext
from ...validate import choice
from ...vocab import (
    CHANNELS,
    COMPLAINT_CATEGORIES,
    COMPLAINT_STATUS,
    FOLLOWUP_ORIGINS,
    FOLLOWUP_STATUS,
    PRIORITIES,
)
from .base import Importer, same_time
from .report import RowErrors


class RecordImporter(Importer):
    """Purchases, interactions and feedback: rows that belong to a customer."""

    table = ""
    columns: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.stored: dict[int, int] = {}  # natural-key hash -> stored rows not yet matched
        self.loaded: set[int] = set()  # customers whose stored rows are counted

    def parse(self, vals: dict[str, Any], errs: RowErrors) -> dict[str, Any]:
        raise NotImplementedError

    def key(self, cid: int, rec: dict[str, Any]) -> int | None:
        """Hash of the natural key (None: matched by order reference instead)."""
        raise NotImplementedError

    def stored_keys(self, ids: list[int]) -> Iterable[int]:
        raise NotImplementedError

    def row(self, cid: int, rec: dict[str, Any]) -> tuple | None:
        """The row to insert (None: the importer stores it itself, later)."""
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
        errs = RowErrors()
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
        for line, values, link, rec, cid in good:
            if not still_good(line, values, rec, cid):
                continue
            cid = cid or self.people.find_or_create(link, line)
            if cid is None:
                continue  # a forgotten person: flagged
            if self.is_stored(cid, rec):
                self.report.unchanged += 1
                continue
            if (new := row(cid, rec)) is not None:  # None: stored later (a purchase's refund)
                out.append(new)
        self.people.flush()
        self.insert(self.table, self.columns, out)
        self.report.added += len(out)

    def is_stored(self, cid: int, rec: dict[str, Any]) -> bool:
        """Whether this row is one already stored (counted by `_load_stored`); it claims that
        stored row, so a second identical line is a new one."""
        if cid in self.people.created:
            return False
        key = self.key(cid, rec)
        if key is not None and self.stored.get(key):
            self.stored[key] -= 1
            return True
        return False

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

    def person_of(self, cid: int, vals_person: Any) -> int | None:
        """The contact person a row names (custtrack export's person_id), if they are one of
        this customer's people (issue 15); else None."""
        if vals_person is None:
            return None
        if getattr(self, "_persons", None) is None:
            sql = "SELECT id, customer_id FROM contact_persons"
            self._persons = dict(dialect.execute(self.conn, sql).all())
        text = str(vals_person).strip()
        pid = int(text) if text.isdigit() else None
        return pid if pid is not None and self._persons.get(pid) == cid else None

    def _stored(self, sql: str, ids: list[int]) -> Iterator[tuple]:
        marks = ", ".join("?" * len(ids))
        yield from dialect.execute(self.conn, sql.replace("(?)", f"({marks})"), tuple(ids))


class ContactImporter(RecordImporter):
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
        "person_id",  # the company's contact person (issue 15): custtrack export's person_id
    )

    def parse(self, vals: dict[str, Any], errs: RowErrors) -> dict[str, Any]:
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
            "person": vals.get("person_id"),
        }

    def key(self, cid: int, rec: dict[str, Any]) -> int | None:
        return hash((cid, rec["at"][0], rec["channel"], rec["summary"]))

    def stored_keys(self, ids: list[int]) -> Iterable[int]:
        sql = "SELECT customer_id, at, channel, summary FROM interactions WHERE customer_id IN (?)"
        for cid, at, channel, summary in self._stored(sql, ids):
            yield hash((cid, same_time(at), channel, summary))

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.latest: dict[int, date] = {}  # customer -> local day of their latest contact added

    def row(self, cid: int, rec: dict[str, Any]) -> tuple:
        day = rec["at"][1]
        if day > self.latest.get(cid, day.min):
            self.latest[cid] = day
        return (
            cid,
            rec["at"][0],
            rec["channel"],
            rec["summary"],
            rec["outcome"],
            rec["owner"],
            self.batch_id,
            self.now,
            self.person_of(cid, rec.get("person")),
        )

    def finish(self) -> None:
        super().finish()
        contacts_added(self.conn, self.batch_id, self.latest, self.now)


_LAST_CONTACT_SQL = (
    "UPDATE customers SET last_contact_at = "
    "(SELECT max(at) FROM interactions WHERE interactions.customer_id = customers.id) "
    "WHERE id IN (SELECT DISTINCT customer_id FROM interactions WHERE batch_id = ?)"
)
# as `log` does: a contact on a day settles the customer's open follow-ups due by then
_SETTLE_SQL = (
    "UPDATE followups SET status = 'done', closed_at = ?, interaction_id = "
    "(SELECT i.id FROM interactions i WHERE i.batch_id = ? AND i.customer_id = ? "
    "ORDER BY i.at DESC, i.id DESC LIMIT 1) WHERE id = ?"
)


def contacts_added(conn: Any, batch_id: int, latest: dict[int, date], now: str) -> None:
    """After a batch's contacts: customers' last-contact time (max(interactions.at), one UPDATE
    for the customers it touched), and their open follow-ups due by the day of the latest one
    are done (undo reopens them)."""
    dialect.execute(conn, _LAST_CONTACT_SQL, (batch_id,))
    todo, done = sorted(latest), []
    for start in range(0, len(todo), 500):
        part = todo[start : start + 500]
        # by customer only, so that only the customer index can answer it: with status in the
        # query and no ANALYZE, SQLite chose (status, due_date) and read every open follow-up
        # once per customer (53 s for 70k contacts)
        sql = ("SELECT id, customer_id, due_date, status FROM followups "
               f"WHERE customer_id IN ({', '.join('?' * len(part))})")  # fmt: skip
        for fid, cid, day, status in dialect.execute(conn, sql, tuple(part)):
            if status == "open" and str(day) <= latest[cid].isoformat():
                done.append((now, batch_id, cid, fid))
    if done:
        dialect.execute(conn, _SETTLE_SQL, done)


class FeedbackImporter(RecordImporter):
    required = (("at",), ("csat", "nps", "text"))
    table = "feedback"
    columns = ("customer_id", "at", "csat", "nps", "text", "channel", "batch_id", "created_at")

    def parse(self, vals: dict[str, Any], errs: RowErrors) -> dict[str, Any]:
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
            errs.add(pgettext("list", ", ").join(cols), "", _("no score and no text"))
        return rec

    def key(self, cid: int, rec: dict[str, Any]) -> int | None:
        return hash((cid, rec["at"][0], rec["csat"], rec["nps"], rec["text"]))

    def stored_keys(self, ids: list[int]) -> Iterable[int]:
        sql = "SELECT customer_id, at, csat, nps, text FROM feedback WHERE customer_id IN (?)"
        for cid, at, csat, nps, text in self._stored(sql, ids):
            yield hash((cid, same_time(at), csat, nps, text))

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


def _db_clock(at: time | None) -> str | None:
    """A time of day as SQLAlchemy stores it on SQLite."""
    return at.strftime("%H:%M:%S.%f") if at is not None else None


class FollowupImporter(RecordImporter):
    """Planned contacts (custtrack export's followups, or a list of calls to make). Matched on
    (customer, day, time, note, origin), whatever their status."""

    required = (("due_date",),)
    table = "followups"
    columns = (
        "customer_id",
        "due_date",
        "due_time",
        "channel",
        "note",
        "owner",
        "status",
        "origin",
        "priority",
        "snoozed_until",
        "batch_id",
        "created_at",
        "closed_at",
    )

    def parse(self, vals: dict[str, Any], errs: RowErrors) -> dict[str, Any]:
        when = self.day(vals.get("due_date"), "due_date", errs) if vals.get("due_date") else None
        if vals.get("due_date") is None:
            errs.add(self.column["due_date"], "", _("empty date"))
        at = self.clock_time(vals.get("due_time"), "due_time", errs)
        snoozed = (
            self.day(vals["snoozed_until"], "snoozed_until", errs)
            if vals.get("snoozed_until")
            else None
        )
        rec = {
            "day": when[0] if when else None,
            "time": at or (when[1] if when else None),
            "note": self.text(vals.get("note"), "note", 1000, errs),
            "owner": self.text(vals.get("owner"), "owner", 200, errs),
            "snoozed": snoozed[0] if snoozed else None,
            "created": self._moment_or_now(vals, "created_at", errs),
            "closed": self._moment_or_now(vals, "closed_at", errs, default=None),
        }
        for key, vocab, default in (
            ("channel", CHANNELS, None),
            ("status", FOLLOWUP_STATUS, "open"),
            ("origin", FOLLOWUP_ORIGINS, "manual"),
            ("priority", PRIORITIES, "normal"),
        ):
            rec[key] = self.word(vals.get(key), key, vocab, errs) or default
        if rec["status"] != "open" and rec["closed"] is None:
            rec["closed"] = self.now  # closed, but the file does not say when: now
        return rec

    def key(self, cid: int, rec: dict[str, Any]) -> int | None:
        return hash(
            (cid, rec["day"].isoformat(), _db_clock(rec["time"]), rec["note"], rec["origin"])
        )

    def stored_keys(self, ids: list[int]) -> Iterable[int]:
        sql = (
            "SELECT customer_id, due_date, due_time, note, origin FROM followups "
            "WHERE customer_id IN (?)"
        )
        for cid, day, at, note, origin in self._stored(sql, ids):
            at = _db_clock(at if isinstance(at, time) or at is None else time.fromisoformat(at))
            yield hash((cid, str(day), at, note, origin))

    def row(self, cid: int, rec: dict[str, Any]) -> tuple:
        return (
            cid,
            rec["day"].isoformat(),
            _db_clock(rec["time"]),
            rec["channel"],
            rec["note"],
            rec["owner"],
            rec["status"],
            rec["origin"],
            rec["priority"],
            rec["snoozed"].isoformat() if rec["snoozed"] else None,
            self.batch_id,
            rec["created"],
            rec["closed"],
        )


class ComplaintImporter(RecordImporter):
    """Complaints, open or resolved. Matched on (customer, time opened, category, text)."""

    required = (("opened_at",), ("category", "text"))
    table = "complaints"
    columns = (
        "customer_id",
        "category",
        "priority",
        "text",
        "assignee",
        "status",
        "resolution",
        "opened_at",
        "resolved_at",
        "batch_id",
        "updated_at",
    )

    def parse(self, vals: dict[str, Any], errs: RowErrors) -> dict[str, Any]:
        opened = self.moment(vals.get("opened_at"), "opened_at", errs)
        rec = {
            "opened": opened[0] if opened else None,
            "text": self.text(vals.get("text"), "text", 5000, errs),
            "assignee": self.text(vals.get("assignee"), "assignee", 100, errs),
            "resolution": self.text(vals.get("resolution"), "resolution", 5000, errs),
            "resolved": self._moment_or_now(vals, "resolved_at", errs, default=None),
        }
        for key, vocab, default in (
            ("category", COMPLAINT_CATEGORIES, "other"),
            ("priority", PRIORITIES, "normal"),
            ("status", COMPLAINT_STATUS, None),
        ):
            rec[key] = self.word(vals.get(key), key, vocab, errs) or default
        if rec["status"] is None:  # a resolution or a time resolved says it is resolved
            rec["status"] = "resolved" if rec["resolved"] or rec["resolution"] else "open"
        if rec["status"] == "resolved" and rec["resolved"] is None:
            rec["resolved"] = self.now
        return rec

    def key(self, cid: int, rec: dict[str, Any]) -> int | None:
        return hash((cid, rec["opened"], rec["category"], rec["text"]))

    def stored_keys(self, ids: list[int]) -> Iterable[int]:
        sql = (
            "SELECT customer_id, opened_at, category, text FROM complaints WHERE customer_id IN (?)"
        )
        for cid, opened, category, text in self._stored(sql, ids):
            yield hash((cid, same_time(opened), category, text))

    def row(self, cid: int, rec: dict[str, Any]) -> tuple:
        return (
            cid,
            rec["category"],
            rec["priority"],
            rec["text"],
            rec["assignee"],
            rec["status"],
            rec["resolution"],
            rec["opened"],
            rec["resolved"],
            self.batch_id,
            self.now,
        )
