"""Imports of issue 15: company accounts and referrals in customer lists and tracking sheets, and
two kinds of their own, `persons` (a company's contact persons) and `points` (the points ledger),
so that `custtrack export` of those tables imports back.

In a customer list with a company column (公司, 单位) and a contact person column (联系人), the
company is the customer (kind company) and the person one of its contact persons, with the row's
phone, WeChat and e-mail; a row without a company is a person, named by the contact column. A
company is matched by its external id, else by name among the companies. A referrer column
(介绍人, referrer) names the customer who brought the row's customer (by customer number #12,
phone, e-mail, external id or a unique name, also one added further down the file).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ... import dialect
from ...errors import InvalidValue
from ...i18n import _
from ...validate import normalize_email, normalize_phone
from .base import Importer, same_time
from .records import RecordImporter
from .report import BadRow, RowErrors

PERSON_FIELDS = ("role", "person_phone", "person_wechat", "person_email")


# --- company rows and referrers in customer lists (CustomerImporter, SheetImporter) -------------


class Accounts:
    """What a customer import does for company accounts and referrers."""

    def __init__(self, imp: Importer) -> None:
        self.imp = imp
        self.on = "contact_person" in imp.column
        self.companies: set[int] = set()
        if self.on:
            self.companies = set(
                dialect.execute(imp.conn, "SELECT id FROM customers WHERE kind = 'company'")
                .scalars()
                .all()
            )
        self.persons: list[tuple[int, dict[str, Any]]] = []  # (customer, person) to store
        self.referrers: list[tuple[int, int, Any]] = []  # (line, customer, referrer as written)
        self.created_persons = 0

    def clean(self, vals: dict[str, Any], fields: dict[str, Any], errs: RowErrors) -> None:
        """A company row: the customer is the company, the row's phone, WeChat and e-mail are
        its contact person's (kept in fields['_person']); the referrer, as written."""
        imp = self.imp
        if vals.get("referrer") is not None:
            fields["_referrer"] = str(vals["referrer"]).strip()
        if not self.on:
            return
        person = vals.get("contact_person")
        if vals.get("name") is None:  # no company: the contact person is the customer
            if person is not None:
                fields["name"] = imp.text(person, "contact_person", 200, errs)
            return
        fields.setdefault("kind", "company")
        if fields["kind"] != "company" or person is None:
            return
        got = {"name": imp.text(person, "contact_person", 200, errs)}
        got["role"] = imp.text(vals.get("contact_role"), "contact_role", 200, errs)
        for key in ("phone", "wechat", "email"):
            if key in fields:
                got[key] = fields.pop(key)
        fields["_person"] = got

    def match(self, fields: dict[str, Any], found: int | None) -> int | None:
        """A company without an id that matched: the company of that name, if only one."""
        if found is not None or fields.get("kind") != "company" or not fields.get("name"):
            return found
        ids = self.imp.people.by_name.get(fields["name"].strip().lower(), [])
        same = [cid for cid in ids if cid in self.companies]
        return same[0] if len(same) == 1 else None

    def place(self, line: int, fields: dict[str, Any]) -> tuple[Any, Any]:
        return fields.pop("_person", None), fields.pop("_referrer", None)

    def placed(self, line: int, cid: int | None, person: Any, referrer: Any) -> None:
        if cid is None:
            return
        if person is not None:
            self.companies.add(cid)
            self.persons.append((cid, person))
        if referrer:
            self.referrers.append((line, cid, referrer))

    def flush(self) -> None:
        """Store this chunk's contact persons: a new name is added, a known one (same company,
        same name) gets the row's non-empty values."""
        if not self.persons:
            return
        imp = self.imp
        conn = imp.conn
        ids = sorted({cid for cid, _p in self.persons})
        known: dict[tuple[int, str], tuple[int, dict]] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            sql = ("SELECT id, customer_id, name, role, phone, wechat, email FROM contact_persons "
                   f"WHERE customer_id IN ({', '.join('?' * len(part))})")  # fmt: skip
            for pid, cid, name, role, phone, wechat, email in dialect.execute(
                conn, sql, tuple(part)
            ):
                known[cid, name.lower()] = (pid, {"role": role, "phone": phone, "wechat": wechat,
                                                  "email": email})  # fmt: skip
        new, changes = [], []
        for cid, p in self.persons:
            key = (cid, p["name"].lower())
            if key in known:
                pid, have = known[key]
                diff = {k: v for k, v in p.items() if k != "name" and v and have.get(k) != v}
                if diff:
                    changes.append((pid, diff))
                    have.update(diff)
                continue
            row = (cid, p["name"], p.get("role"), p.get("phone"), p.get("wechat"), p.get("email"),
                   imp.batch_id, imp.now, imp.now)  # fmt: skip
            new.append(row)
            known[key] = (-1, dict(p))
        cols = ("customer_id", "name", "role", "phone", "wechat", "email", "batch_id",
                "created_at", "updated_at")  # fmt: skip
        imp.insert("contact_persons", cols, new)
        self.created_persons += len(new)
        for pid, diff in changes:
            if pid < 0:
                continue  # added in this chunk: the first row's values stand
            sets = ", ".join(f"{k} = ?" for k in diff)
            dialect.execute(conn, f"UPDATE contact_persons SET {sets} WHERE id = ?",
                            (*diff.values(), pid))  # fmt: skip
        self.persons = []

    def finish(self) -> None:
        """Link each customer to the one who brought them, now that every row is stored."""
        if not self.referrers:
            return
        imp = self.imp
        people = imp.people
        col = imp.column.get("referrer", "referrer")
        updates = []
        for line, cid, text in self.referrers:
            found = self._find(text)
            if found is None:
                why = _("no such customer (the referrer); not linked")
                imp.report.flagged.append(BadRow(line, col, text, why))
            elif found != cid:
                updates.append((found, cid))
        old = {}
        ids = [cid for _f, cid in updates if cid not in people.created]
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ", ".join("?" * len(part))
            sql = f"SELECT id, referred_by_id FROM customers WHERE id IN ({marks})"
            old.update(dialect.execute(imp.conn, sql, tuple(part)).all())
        if updates:
            dialect.executemany(imp.conn, "UPDATE customers SET referred_by_id = ? WHERE id = ?",
                                updates)  # fmt: skip
        from .. import audit

        for found, cid in updates:
            if cid in old and old[cid] != found:
                audit.changes(imp.conn, "customer", cid, cid, {"referred_by_id": (old[cid], found)},
                              batch_id=imp.batch_id)  # fmt: skip

    def _find(self, text: str) -> int | None:
        people = self.imp.people
        if re.fullmatch(r"#?\d{1,9}", text) and (text.startswith("#") or len(text) < 6):
            number = int(text.lstrip("#"))
            exists = dialect.execute(
                self.imp.conn, "SELECT id FROM customers WHERE id = ?", (number,)
            ).first()
            if exists is not None:
                return number
        for key in ("external_id", "phone", "email"):
            value = text
            try:
                if key == "phone":
                    value = normalize_phone(text, self.imp.region, field="referrer")
                elif key == "email":
                    value = normalize_email(text)
            except InvalidValue:
                continue
            if value in people.by[key]:
                return people.by[key][value]
        ids = people.by_name.get(text.lower(), [])
        return ids[0] if len(ids) == 1 else None


# --- import persons ------------------------------------------------------------------------------


class PersonImporter(RecordImporter):
    """A company's contact persons (custtrack export's `persons`, or a list of people at
    customers): matched on (customer, name); the customer named becomes a company account."""

    required = (("person",),)
    table = "contact_persons"
    columns = ("id", "customer_id", "name", "role", "phone", "wechat", "email", "notes",
               "batch_id", "created_at", "updated_at")  # fmt: skip

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        from ...io.mapping import is_export

        self.id_column = self.headers.index("id") if is_export("persons", self.headers) else None
        self.taken = set(dialect.execute(self.conn, "SELECT id FROM contact_persons").scalars())
        self.next_id = max(self.taken, default=0) + 1
        self.row_id: int | None = None

    def check_row(self, line: int, values: list[Any]) -> tuple | None:
        self.row_id = None
        if self.id_column is not None and self.id_column < len(values):
            raw = str(values[self.id_column] or "").strip()
            self.row_id = int(raw) if raw.isdigit() else None
        got = super().check_row(line, values)
        if got is not None:
            got[3]["id"] = self.row_id
        return got

    def parse(self, vals: dict[str, Any], errs: RowErrors) -> dict[str, Any]:
        rec = {"name": self.text(vals.get("person"), "person", 200, errs)}
        if rec["name"] is None:
            errs.add(self.column.get("person", "person"), "", _("a contact person needs a name"))
        rec["role"] = self.text(vals.get("role"), "role", 200, errs)
        rec["wechat"] = self.text(vals.get("person_wechat"), "person_wechat", 200, errs)
        rec["notes"] = self.text(vals.get("notes"), "notes", 1000, errs)
        rec["phone"] = rec["email"] = None
        if vals.get("person_phone") is not None:
            try:
                col = self.column["person_phone"]
                rec["phone"] = normalize_phone(str(vals["person_phone"]), self.region, field=col)
            except InvalidValue as exc:
                errs.invalid(self.column["person_phone"], vals["person_phone"], exc)
        if vals.get("person_email") is not None:
            try:
                rec["email"] = normalize_email(
                    str(vals["person_email"]), self.column["person_email"]
                )
            except InvalidValue as exc:
                errs.invalid(self.column["person_email"], vals["person_email"], exc)
        return rec

    def key(self, cid: int, rec: dict[str, Any]) -> int | None:
        return hash((cid, (rec["name"] or "").lower()))

    def stored_keys(self, ids: list[int]) -> Iterable[int]:
        sql = "SELECT customer_id, name FROM contact_persons WHERE customer_id IN (?)"
        for cid, name in self._stored(sql, ids):
            yield hash((cid, name.lower()))

    def row(self, cid: int, rec: dict[str, Any]) -> tuple:
        pid = rec.get("id")
        if pid is None or pid in self.taken:  # custtrack's own export keeps its numbers
            pid = self.next_id
        self.taken.add(pid)
        self.next_id = max(self.next_id, pid + 1)
        return (pid, cid, rec["name"], rec["role"], rec["phone"], rec["wechat"], rec["email"],
                rec["notes"], self.batch_id, self.now, self.now)  # fmt: skip

    def finish(self) -> None:
        super().finish()
        from .. import audit

        sql = ("SELECT id, kind FROM customers WHERE kind != 'company' AND id IN "
               "(SELECT customer_id FROM contact_persons WHERE batch_id = ?)")  # fmt: skip
        turned = dialect.execute(self.conn, sql, (self.batch_id,)).all()
        for cid, kind in turned:
            dialect.execute(self.conn, "UPDATE customers SET kind = 'company' WHERE id = ?", (cid,))
            if cid not in self.people.created:
                audit.changes(self.conn, "customer", cid, cid, {"kind": (kind, "company")},
                              batch_id=self.batch_id)  # fmt: skip


# --- import points -------------------------------------------------------------------------------

# words people write for the kinds of ledger rows
_KIND_WORDS = {
    "earn": "获得 赚取 消费积分 购物积分 积分获得 earned",
    "bonus": "奖励 赠送 赠送积分 奖励积分 生日积分 注册积分",
    "redeem": "兑换 使用 抵扣 消耗 积分兑换 redeemed spent",
    "adjust": "调整 手动调整 补录 更正 adjustment",
    "expire": "过期 失效 积分过期 expired",
    "reverse": "冲回 退款 退货 扣回 reversal refund",
}
_KIND_SYNONYMS = {w: k for k, words in _KIND_WORDS.items() for w in words.split()}
_NEGATIVE = ("redeem", "expire", "reverse")


class PointsImporter(RecordImporter):
    """Points ledger rows (custtrack export's `points`, or a shop's own points list). Matched
    on (customer, time, kind, points, note); a row of a purchase is linked to the customer's
    purchase at the same time. Redemptions, expiries and reversals are stored as negative
    points whichever sign the file gives them."""

    required = (("points",),)
    table = "points_ledger"
    columns = ("customer_id", "at", "kind", "points", "purchase_id", "note", "batch_id",
               "created_at")  # fmt: skip

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.purchases: dict[tuple[int, str], list[int]] = {}
        self.purchases_loaded: set[int] = set()

    def parse(self, vals: dict[str, Any], errs: RowErrors) -> dict[str, Any]:
        from ..loyalty import KINDS

        at = self.moment(vals.get("at"), "at", errs) if vals.get("at") is not None else None
        if at is None and vals.get("at") is None:
            at = (self.now, self.today)
        word = str(vals.get("kind") or "adjust").strip().lower()
        kind = word if word in KINDS else _KIND_SYNONYMS.get(word)
        if kind is None:
            col = self.column.get("kind", "kind")
            errs.add(col, vals.get("kind"), _("must be one of {values}").format(
                values=", ".join(KINDS)))  # fmt: skip
        points = None
        raw = vals.get("points")
        if raw is None:
            errs.add(self.column.get("points", "points"), "", _("empty"))
        else:
            text = str(raw).strip().replace(",", "")
            if re.fullmatch(r"[+-]?\d{1,12}(\.0+)?", text):
                points = int(float(text))
            else:
                errs.add(self.column["points"], raw, _("not a whole number"))
        if points is not None and kind is not None:
            points = (
                -abs(points) if kind in _NEGATIVE else abs(points) if kind != "adjust" else points
            )
        ref = vals.get("purchase_id")
        return {
            "at": at, "kind": kind, "points": points, "note": self.text(vals.get("note"), "note",
                                                                        200, errs),
            "purchase": str(ref).strip() if ref is not None else None,
        }  # fmt: skip

    def key(self, cid: int, rec: dict[str, Any]) -> int | None:
        return hash((cid, rec["at"][0], rec["kind"], rec["points"], rec["note"]))

    def stored_keys(self, ids: list[int]) -> Iterable[int]:
        sql = (
            "SELECT customer_id, at, kind, points, note FROM points_ledger WHERE customer_id IN (?)"
        )
        for cid, at, kind, points, note in self._stored(sql, ids):
            yield hash((cid, same_time(at), kind, points, note))

    def before_insert(self, good: list[tuple]) -> None:
        super().before_insert(good)
        todo = sorted({cid for *_, cid in good if cid} - self.purchases_loaded)
        for start in range(0, len(todo), 500):
            part = todo[start : start + 500]
            sql = ("SELECT customer_id, at, id FROM purchases "
                   f"WHERE customer_id IN ({', '.join('?' * len(part))}) ORDER BY id")  # fmt: skip
            for cid, at, pid in dialect.execute(self.conn, sql, tuple(part)):
                self.purchases.setdefault((cid, same_time(at)), []).append(pid)
        self.purchases_loaded.update(todo)

    def row(self, cid: int, rec: dict[str, Any]) -> tuple:
        pid = None
        if rec["purchase"]:  # the purchase of the same customer at the same time
            found = self.purchases.get((cid, rec["at"][0]))
            pid = found[0] if found else None
        return (cid, rec["at"][0], rec["kind"], rec["points"], pid, rec["note"], self.batch_id,
                self.now)  # fmt: skip
