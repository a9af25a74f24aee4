"""Finding (and creating) the customer each row belongs to."""

from __future__ import annotations

import json
from typing import Any

from ... import dialect
from ...errors import InvalidValue
from ...i18n import _, ngettext, pgettext
from ...validate import normalize_email
from .base import IDENTITY, LINK_FIELDS, Importer
from .report import RowErrors


class People:
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

    def __init__(self, imp: Importer, keys: bool = False) -> None:
        self.imp = imp
        self.by: dict[str, dict[str, int]] = {"external_id": {}, "phone": {}, "email": {}}
        self.by_name: dict[str, list[int]] = {}
        # each customer's (external id, phone, e-mail), for matching by name (a tracking sheet)
        self.keys_of: dict[int, tuple[str | None, ...]] | None = {} if keys else None
        conn = imp.conn
        rows = dialect.execute(
            conn,
            "SELECT id, name, phone, email, external_id FROM customers WHERE erased_at IS NULL",
        )
        for cid, name, phone, email, ext in rows:
            self._remember(cid, name, phone, email, ext)
        # customers merged away still lead to the customer they were merged into
        for kept, snap in dialect.execute(conn, "SELECT kept_id, merged_snapshot FROM merges"):
            try:
                old = json.loads(snap)
            except ValueError:
                continue
            for key in self.by:
                if old.get(key):
                    self.by[key].setdefault(str(old[key]), kept)
        self.next_id = (dialect.execute(conn, "SELECT max(id) FROM customers").scalar() or 0) + 1
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
        if self.keys_of is not None:
            self.keys_of[cid] = (ext, phone, email)

    def named(self, number: int) -> tuple[str | None, bool]:
        """The name of customer #number in this book, and whether there is such a customer
        (forgotten ones have no name)."""
        row = dialect.execute(
            self.imp.conn, "SELECT name, erased_at FROM customers WHERE id = ?", (number,)
        ).first()
        if row is None:
            return None, False
        return (None if row[1] else row[0]), True

    def by_number(self, number: int, name: str | None, column: str, errs: RowErrors) -> int | None:
        """Customer #number of this book (custtrack's own export), if it is the one named."""
        stored, exists = self.named(number)
        if not exists:
            return None
        if stored is None:
            errs.add(column, number, _("was forgotten on request; not re-created"))
        elif name and stored.strip().lower() != name.strip().lower():
            errs.add(column, number, _("is {stored} in this book, not {name} (a file from another "
                                       "book? leave out the {column} column)").format(
                stored=stored, name=name, column=column))  # fmt: skip
        else:
            return number
        return None

    def link(self, vals: dict[str, Any], errs: RowErrors) -> dict[str, str | None]:
        """The row's customer identity, normalised (errors for a bad phone or e-mail)."""
        raw = tuple(map(vals.get, IDENTITY))
        got = self._links.get(raw)  # most rows name a customer seen a few lines before
        if got is not None:
            return got
        imp = self.imp
        mine = RowErrors()
        ext, name, phone, email, number = raw
        out: dict[str, Any] = {
            "external_id": imp.text(ext, "external_id", 100, mine),
            "name": imp.text(name, "name", 200, mine),
            "phone": None,
            "email": None,
            "number": imp.integer(number, "number", 1, None, mine),
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
            mine.add(pgettext("list", ", ").join(cols), "", _("no customer given on this row"))
        if mine:
            errs.extend(mine)
        else:
            if len(self._links) > 100_000:
                self._links.clear()
            self._links[raw] = out
        return out

    def find(self, link: dict[str, Any], errs: RowErrors | None = None) -> int | None:
        cid = link.get("id")  # found before: ids do not change during an import
        if cid is not None:
            return cid
        if link["number"] is not None and errs is not None:
            cid = self.by_number(link["number"], link["name"], self.imp.column["number"], errs)
            if cid is not None or errs:
                link["id"] = cid
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
                    ngettext(
                        "matches {n} customer; add a customer id, phone or e-mail column",
                        "matches {n} customers; add a customer id, phone or e-mail column",
                        len(ids),
                    ).format(n=len(ids)),
                )
        return None

    def check_known(self, link: dict[str, str | None], errs: RowErrors) -> int | None:
        cid = self.find(link, errs)
        if cid is None and not errs and not self.imp.create:
            key = next(k for k in LINK_FIELDS if link[k] is not None)
            errs.add(
                self.imp.column[key],
                link[key],
                _("no such customer (--create-customers adds them)"),
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
            ref = next(str(link[k]) for k in ("external_id", "phone", "email", "number") if link[k])
            name = _("Customer {ref}").format(ref=ref)
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
