"""A tracking sheet (客户追踪表): a customer on each row, with their latest contact, the next
contact planned and a purchase, wherever those columns are filled.

Each row creates or matches its customer (as a customers import does, and by name as well, since
a sheet names a customer again on each of their rows) and then adds what the rest of the row
holds. A contact, a purchase and a follow-up are checked by the same rules as their own imports;
a row with any bad cell is refused whole. Contacts and purchases are matched on their content,
as in their own imports; a follow-up on (customer, day, time, note), whatever its status, so a
plan once done is not planned again.
"""

from __future__ import annotations

from collections import Counter
from datetime import time, timedelta
from typing import Any

from ... import config, dialect
from ...errors import UsageError
from ...i18n import _
from .customers import CustomerImporter
from .purchases import PurchaseImporter
from .records import ContactImporter, RecordImporter, contacts_added
from .report import Report, RowErrors

# the sheet's fields for each part, as that part's own importer names them
CONTACT = {"contact_at": "at", "channel": "channel", "summary": "summary", "outcome": "outcome",
           "owner": "owner"}  # fmt: skip
PURCHASE = {"bought_at": "at", "amount": "amount", "qty": "qty", "product": "product",
            "category": "category", "order_ref": "order_ref", "currency": "currency",
            "cost": "cost", "unit_cost": "unit_cost"}  # fmt: skip
PLAN_DAYS = 366  # a planned contact further back than this is history, not a plan (as `plan`)


class SheetImporter(CustomerImporter):
    """Customers, and their contacts, follow-ups and purchases, one row each."""

    repeats = True
    FOLLOWUPS = ("customer_id", "due_date", "due_time", "note", "owner", "status", "origin",
                 "priority", "batch_id", "created_at")  # fmt: skip

    def __init__(self, session: Any, report: Report, headers: list[str], mapping: dict[int, str],
                 **kw: Any) -> None:  # fmt: skip
        super().__init__(session, report, headers, mapping, **kw)
        self.contacts = self._part(ContactImporter, CONTACT, kw)
        purchase = dict(PURCHASE)
        if "bought_at" not in mapping.values():  # a deal closed at the contact: its day
            purchase["contact_at"] = "at"
        self.purchases = self._part(PurchaseImporter, purchase, kw)
        if self.purchases is not None and "at" not in self.purchases.column:
            raise UsageError(
                _(
                    "the amounts in {column} need a date: the sheet has no purchase date column "
                    '(购买日期) nor a contact date; name one with --map, e.g. --map "{header}='
                    'bought_at"'
                ).format(column=repr(self.column["amount"]), header=headers[0])
            )
        self.plans = "next_at" in mapping.values()
        self.planned: Counter = Counter()  # stored follow-ups not yet matched, by key
        self.plans_loaded: set[int] = set()
        self.counts: dict[str, Counter] = {
            part: Counter() for part in ("contacts", "followups", "purchases")
        }
        self.unchanged_rows = 0  # rows that add nothing and change no customer
        self.owner = config.get("user") or None

    def _part(self, cls: type[RecordImporter], fields: dict[str, str], kw: dict) -> Any:
        """The importer of one part, reading this sheet's columns under its own field names
        (so its errors name the sheet's headers); None if the sheet has no such part."""
        mapping = {i: fields[f] for i, f in self.mapping.items() if f in fields}
        if ("amount" if cls is PurchaseImporter else "at") not in mapping.values():
            return None
        sub = Report(cls.table, self.report.source, self.report.file_format, [], [])
        return cls(self.s, sub, self.headers, mapping, **{**kw, "strict_width": False},
                   people=self.people)  # fmt: skip

    # -- a row's parts --------------------------------------------------------------------------
    def chunk(self, chunk: list[tuple[int, list[Any]]]) -> None:
        rows = []
        for line, values in chunk:
            errs = RowErrors()
            vals = self.values(values, errs)
            fields, tags = self.clean(vals, errs)
            cid = self.match(fields, line, errs)
            contact = self._contact(values, vals, errs)
            purchase = self._purchase(line, values, vals, cid, errs)
            plan = self._plan(vals, fields, errs)
            if errs:
                self.reject(line, values, errs)
                continue
            before = self.report.added + self.report.updated
            cid = self.place(line, cid, fields, tags)
            if cid is None:
                continue  # a forgotten person: flagged
            if cid in self.new and "created_at" not in fields:
                self._since(self.new[cid], contact, purchase)
            changed = self.report.added + self.report.updated != before
            rows.append((cid, contact, purchase, plan, changed))
        self.flush()  # the customers first: the rest refers to them
        self._store(rows)

    @staticmethod
    def _since(customer: dict[str, Any], *recs: Any) -> None:
        """A new customer without a customer-since date: since their first contact or purchase
        in the sheet, if that is earlier than today (cohorts and CAC count from it)."""
        for rec in recs:
            if rec is not None and rec["at"] is not None and rec["at"][0] < customer["created_at"]:
                customer["created_at"] = rec["at"][0]

    def _contact(self, values: list[Any], vals: dict[str, Any], errs: RowErrors) -> Any:
        if self.contacts is None:
            return None
        if vals.get("contact_at") is None:
            said = [f for f in ("summary", "outcome") if vals.get(f) is not None]
            if said:  # what was said, but not when (a channel alone is how they like to be reached)
                col = self.column.get("contact_at", "contact_at")
                errs.add(col, "", _("a contact needs its date ({column} is filled)").format(
                    column=self.column[said[0]]))  # fmt: skip
            return None
        return self.contacts.parse(self.contacts.values(values, errs), errs)

    def _purchase(self, line: int, values: list[Any], vals: dict[str, Any], cid: int | None,
                  errs: RowErrors) -> Any:  # fmt: skip
        p = self.purchases
        if p is None or vals.get("amount") is None:
            return None
        rec = p.parse(p.values(values, errs), errs)
        ref = rec["ref"]
        if ref and not errs:
            col = p.column["order_ref"]
            if ref in p.refs:
                errs.add(col, ref, _("the same order reference is on line {line}").format(
                    line=p.refs[ref]))  # fmt: skip
            p._load_refs([ref])
            owner = p.stored_refs.get(ref)
            if owner is not None and owner != cid:
                errs.add(col, ref, _("already recorded for another customer (#{id})").format(
                    id=owner))  # fmt: skip
            if not errs:
                p.refs[ref] = line
        return rec

    def _plan(self, vals: dict[str, Any], fields: dict[str, Any], errs: RowErrors) -> Any:
        """The next contact planned: (day, time or None, note, owner); None if there is none, or
        if it is more than a year back (history, not a plan: counted as 'too old')."""
        if not self.plans or vals.get("next_at") is None:
            return None
        when = self.day(vals["next_at"], "next_at", errs)
        if when is None:
            return None
        day, at = when
        note = self.text(vals.get("next_note"), "next_note", 1000, errs)
        if day < self.today - timedelta(days=PLAN_DAYS):
            self.counts["followups"]["too_old"] += 1
            return None
        return day, at, note, fields.get("owner") or self.owner

    # -- storing --------------------------------------------------------------------------------
    def _store(self, rows: list[tuple]) -> None:
        """The chunk's contacts, purchases and follow-ups, each unless already stored; a row that
        adds nothing and changes no customer counts as already there."""
        cids = [r[0] for r in rows]
        parts = [(self.contacts, 1, "contacts"), (self.purchases, 2, "purchases")]
        out: dict[str, list[tuple]] = {"contacts": [], "purchases": [], "followups": []}
        for imp, _j, _name in parts:
            if imp is not None:
                imp._load_stored(cids)
        self._load_plans(cids)
        for cid, *recs, changed in rows:
            for imp, j, name in parts:
                rec = recs[j - 1]
                if rec is None:
                    continue
                if name == "purchases" and rec["ref"] and imp.stored_refs.get(rec["ref"]) == cid:
                    stored = True  # the same order, already recorded for this customer
                else:
                    stored = imp.is_stored(cid, rec)
                if stored:
                    self.counts[name]["unchanged"] += 1
                else:
                    out[name].append(imp.row(cid, rec))
                    changed = True
            plan = recs[2]
            if plan is not None:
                key = (cid, plan[0].isoformat(), plan[1].isoformat() if plan[1] else None, plan[2])
                if cid not in self.people.created and self.planned[key]:
                    self.planned[key] -= 1
                    self.counts["followups"]["unchanged"] += 1
                else:
                    at = plan[1].strftime("%H:%M:%S.%f") if plan[1] else None  # as SQLAlchemy
                    out["followups"].append((cid, key[1], at, plan[2], plan[3], "open", "manual",
                                             "normal", self.batch_id, self.now))  # fmt: skip
                    changed = True
            if not changed:
                self.unchanged_rows += 1
        for imp, _j, name in parts:
            if imp is not None:
                imp.insert(imp.table, imp.columns, out[name])
        self.insert("followups", self.FOLLOWUPS, out["followups"])
        for name, made in out.items():
            self.counts[name]["added"] += len(made)

    def _load_plans(self, cids: list[int]) -> None:
        todo = sorted(set(cids) - self.people.created - self.plans_loaded)
        if not self.plans or not todo:
            return
        for start in range(0, len(todo), 500):
            part = todo[start : start + 500]
            sql = ("SELECT customer_id, due_date, due_time, note FROM followups "
                   f"WHERE customer_id IN ({', '.join('?' * len(part))})")  # fmt: skip
            for cid, day, at, note in dialect.execute(self.conn, sql, tuple(part)):
                self.planned[(cid, str(day), _time_text(at), note)] += 1
        self.plans_loaded.update(todo)

    def finish(self) -> None:
        super().finish()
        if self.contacts is not None:
            contacts_added(self.conn, self.batch_id, self.contacts.latest, self.now)
        r = self.report
        self.report.parts = {
            "customers": {"added": r.added, "updated": r.updated, "unchanged": r.unchanged},
            **{
                name: {"added": c["added"], "unchanged": c["unchanged"]}
                for name, c in self.counts.items()
            },  # fmt: skip
        }
        self.report.parts["followups"]["too_old"] = self.counts["followups"]["too_old"]
        # the batch's own counts: records added, customers updated, rows that changed nothing
        r.added = sum(p["added"] for p in r.parts.values())
        r.unchanged = self.unchanged_rows


def _time_text(value: Any) -> str | None:
    """A stored time of day as `time.isoformat` writes it (the driver may give text or a time)."""
    if value is None:
        return None
    return (value if isinstance(value, time) else time.fromisoformat(str(value))).isoformat()
