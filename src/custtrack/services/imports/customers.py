"""Customers: add the new ones, update the ones we already have."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ... import clock, dialect
from ...errors import InvalidValue
from ...i18n import _, ngettext, pgettext
from ...validate import choice
from ...vocab import CUSTOMER_STATUS, LOST_REASONS, label
from ..customers import TEXT_FIELDS
from .base import Importer, db_time
from .report import BadRow, RowErrors

# text fields as clean_fields checks them (stripped, non-empty, at most so long)
_PLAIN = {key: 5000 if key == "notes" else 200 for key in (*TEXT_FIELDS, "external_id")}
# the words of a sheet's status column that mean the customer was lost (to mark, not archive)
LOST_WORDS = ("lost", "流失", "已流失", "流失客户")


class CustomerImporter(Importer):
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
        "lunar_birthday",
        "gender",
        "source",
        "owner",
        "price_sensitivity",
        "notes",
        "status",
        "external_id",
        "lost_reason",
        "lost_note",
        "lost_at",
        "batch_id",
        "created_at",
        "updated_at",
        "kind",  # issue 15
        "referred_by_id",
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.seen: dict[tuple[str, Any], int] = {}  # (field, value) -> line in this file
        self.tag_ids: dict[str, int] = dict(
            dialect.execute(self.conn, "SELECT name, id FROM tags").all()
        )
        self.pending_tags: list[tuple[int, str]] = []
        self.new: dict[int, dict[str, Any]] = {}  # customers of this chunk, not yet inserted
        self.counted: set[int] = set()  # customers counted as added, updated or unchanged
        from .loyalty import Accounts

        self.accounts = Accounts(self)  # company rows and referrers (issue 15)

    def clean(self, vals: dict[str, Any], errs: RowErrors) -> tuple[dict[str, Any], list[str]]:
        from ..customers import EDITABLE, _tag_name, clean_fields

        fields: dict[str, Any] = {}
        for key in EDITABLE:
            value = vals.get(key)
            if value is None:
                continue
            if key in _PLAIN and value.__class__ is str and len(value) <= _PLAIN[key]:
                fields[key] = value  # what clean_fields makes of it, without the call
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
        self._standing(vals, fields, errs)
        self.accounts.clean(vals, fields, errs)
        if vals.get("number") is not None:
            fields["number"] = self.integer(vals["number"], "number", 1, None, errs)
        tags: list[str] = []
        for word in re.split(r"[,;，；、\s]+", str(vals.get("tags") or "")):
            if word:
                try:
                    tags.append(_tag_name(word))
                except InvalidValue as exc:
                    errs.invalid(self.column["tags"], word, exc)
        return fields, tags

    def _standing(self, vals: dict[str, Any], fields: dict[str, Any], errs: RowErrors) -> None:
        """Status, customer-since and the lost mark, as `custtrack export` writes them (and as
        sheets say them: 正常, 停用, 流失 …)."""
        for key in ("created_at", "lost_at"):
            if vals.get(key) is not None:
                got = self.moment(vals[key], key, errs)
                if got is not None:
                    fields[key] = datetime.fromisoformat(got[0]).replace(tzinfo=UTC)
        status = vals.get("status")
        if status is not None:
            word = str(status).strip().lower()
            if word in LOST_WORDS:
                fields["_lost"] = True  # marked lost when stored (see _lost_mark)
            else:
                try:
                    fields["status"] = choice(word, CUSTOMER_STATUS, self.column["status"])
                except InvalidValue as exc:
                    errs.invalid(self.column["status"], status, exc)
        reason = vals.get("lost_reason")
        if reason is not None:
            try:
                fields["lost_reason"] = choice(
                    str(reason), LOST_REASONS, self.column["lost_reason"]
                )
            except InvalidValue as exc:
                errs.invalid(self.column["lost_reason"], reason, exc)
        note = self.text(vals.get("lost_note"), "lost_note", 5000, errs)
        if note is not None:
            fields["lost_note"] = note

    @staticmethod
    def _lost_mark(fields: dict[str, Any], lost_before: bool) -> None:
        """A lost word in the status, a lost reason or a lost time marks the customer lost (the
        reason 'other' and the time now, where not given); one already lost keeps their mark."""
        said = fields.pop("_lost", False) or "lost_reason" in fields or "lost_at" in fields
        if said and not lost_before:
            fields.setdefault("lost_reason", "other")
            fields.setdefault("lost_at", clock.utcnow())

    def chunk(self, chunk: list[tuple[int, list[Any]]]) -> None:
        for line, values in chunk:
            errs = RowErrors()
            vals = self.values(values, errs)
            if vals.get("erased_at") is not None:
                why = _("a customer forgotten on request; not re-created")
                self.report.flagged.append(
                    BadRow(line, self.column["erased_at"], str(vals["erased_at"]), why)
                )
                continue
            fields, tags = self.clean(vals, errs)
            cid = self.match(fields, line, errs)
            if errs:
                self.reject(line, values, errs)
                continue
            self.place(line, cid, fields, tags)
        self.flush()

    def match(self, fields: dict[str, Any], line: int, errs: RowErrors) -> int | None:
        """The stored customer this row is (None: a new one); errors for rows that clash."""
        people = self.people
        matches: dict[int, str] = {}
        number = fields.get("number")
        if number is not None:
            if not self.repeats and ("number", number) in self.seen:
                errs.add(self.column["number"], number, _("the same number is on line {line}")
                         .format(line=self.seen["number", number]))  # fmt: skip
            cid = number if number in self.new or number in people.created else None
            cid = cid or people.by_number(number, fields.get("name"), self.column["number"], errs)
            if cid is not None:
                matches[cid] = "number"
        for key in ("external_id", "phone", "email"):
            value = fields.get(key)
            if not value:
                continue
            if not self.repeats and (key, value) in self.seen:
                errs.add(
                    self.column[key],
                    value,
                    _("the same {field} is on line {line}").format(
                        field=label("field", key), line=self.seen[key, value]
                    ),
                )
            cid = people.by[key].get(value)
            if cid is not None:
                matches.setdefault(cid, key)
        if len(matches) > 1:
            found = pgettext("list", ", ").join(
                f"{label('field', k)} → #{cid}" for cid, k in matches.items()
            )
            errs.add(_("(row)"), "", _("matches different customers ({found})").format(found=found))
        if not matches and self.repeats and fields.get("name"):
            return self.by_name(fields, errs)
        if not matches and not fields.get("name") and not errs:
            errs.add(self.column.get("name", "name"), "", _("a new customer needs a name"))
        return self.accounts.match(fields, next(iter(matches), None))

    def by_name(self, fields: dict[str, Any], errs: RowErrors) -> int | None:
        """A row without a known id, phone or e-mail is the customer of that name, if there is
        only one who has none of the row's other keys (王芳 with a phone is not another 王芳's)."""
        ids = self.people.by_name.get(fields["name"].strip().lower(), [])
        keys = self.people.keys_of or {}
        given = [
            (j, fields[k]) for j, k in enumerate(("external_id", "phone", "email")) if fields.get(k)
        ]
        fits = [
            cid for cid in ids if all(keys.get(cid, (None,) * 3)[j] in (None, v) for j, v in given)
        ]
        if len(fits) > 1 and not given:
            why = ngettext(
                "matches {n} customer; add a phone or customer id column",
                "matches {n} customers; add a phone or customer id column",
                len(fits),
            ).format(n=len(fits))
            errs.add(self.column["name"], fields["name"], why)
        return fits[0] if len(fits) == 1 else None

    def place(
        self, line: int, cid: int | None, fields: dict[str, Any], tags: list[str]
    ) -> int | None:
        """As _place, keeping a company row's contact person and the referrer (issue 15)."""
        person, referrer = self.accounts.place(line, fields)
        cid = self._place(line, cid, fields, tags)
        self.accounts.placed(line, cid, person, referrer)
        return cid

    def _place(
        self, line: int, cid: int | None, fields: dict[str, Any], tags: list[str]
    ) -> int | None:
        """Add the row's customer or update the one it matched; their id (None: not added, a
        forgotten person)."""
        for key in ("number", "external_id", "phone", "email"):
            if fields.get(key):
                self.seen.setdefault((key, fields[key]), line)
        number = fields.pop("number", None)
        if cid is not None:
            self.merge_into(cid, fields, tags)
            return cid
        if self.erased(line, fields.get("phone"), fields.get("email")):
            return None
        people = self.people
        if number is not None and number not in people.created:
            cid = number  # custtrack's own export: keep the numbers, so its other tables link
            people.next_id = max(people.next_id, number + 1)
        else:
            cid, people.next_id = people.next_id, people.next_id + 1
        self._lost_mark(fields, lost_before=False)
        self.new[cid] = {
            "status": "active",
            "created_at": self.now,  # unless the file says since when
            **fields,
            "id": cid,
            "batch_id": self.batch_id,
            "updated_at": self.now,
        }
        people.created.add(cid)
        people._remember(
            cid, fields["name"], fields.get("phone"), fields.get("email"), fields.get("external_id")
        )
        self.pending_tags.extend((cid, t) for t in tags)
        self.counted.add(cid)
        self.report.added += 1
        return cid

    def flush(self) -> None:
        """Insert this chunk's new customers and tags."""
        rows = []
        for row in self.new.values():
            for key in ("created_at", "lost_at"):
                if isinstance(row.get(key), datetime):
                    row[key] = db_time(row[key])
            if row.get("birthday"):
                row["birthday"] = row["birthday"].isoformat()
            if row.get("kind") is None:
                row["kind"] = "person"
            rows.append(tuple(map(row.get, self.COLUMNS)))  # by name: a new column cannot shift
        self.insert("customers", self.COLUMNS, rows)
        self.new = {}
        self.flush_tags()
        self.accounts.flush()

    def finish(self) -> None:
        super().finish()
        self.accounts.finish()  # referrers, once every row is stored

    def merge_into(self, cid: int, fields: dict[str, Any], tags: list[str]) -> None:
        """An existing customer: apply the file's non-empty values (empty cells change nothing).

        A customer this import added (a tracking sheet names them on several rows) is counted
        once, as added."""
        from ...models import Customer

        changed = False
        if cid in self.new:
            self._lost_mark(fields, lost_before=self.new[cid].get("lost_reason") is not None)
            self.new[cid].update({k: v for k, v in fields.items() if v is not None})
        elif self.update:
            t = Customer.__table__
            current = self.conn.execute(sa.select(t).where(t.c.id == cid)).one()._mapping
            self._lost_mark(fields, lost_before=current["lost_reason"] is not None)
            diff = {k: v for k, v in fields.items() if v is not None and current[k] != v}
            if diff:
                from .. import audit

                audit.changes(
                    self.conn, "customer", cid, cid,
                    {k: (current[k], v) for k, v in diff.items()}, batch_id=self.batch_id,
                )  # fmt: skip
                diff["updated_at"] = clock.utcnow()
                self.conn.execute(sa.update(t).where(t.c.id == cid).values(**diff))
                changed = True
        if self.update and tags:
            have = set(
                dialect.execute(
                    self.conn,
                    "SELECT t.name FROM tags t JOIN customer_tags ct ON ct.tag_id = t.id "
                    "WHERE ct.customer_id = ?",
                    (cid,),
                ).scalars()
            ) | {t for c, t in self.pending_tags if c == cid}
            extra = [t for t in tags if t not in have]
            if extra:
                self.pending_tags.extend((cid, t) for t in extra)
                changed = True
        if cid in self.counted:
            return
        self.counted.add(cid)
        if changed:
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    def flush_tags(self) -> None:
        if not self.pending_tags:
            return
        for name in dict.fromkeys(t for _cid, t in self.pending_tags):
            if name not in self.tag_ids:
                sql = "INSERT INTO tags (name) VALUES (?) RETURNING id"
                self.tag_ids[name] = dialect.execute(self.conn, sql, (name,)).scalar()
        rows = [(cid, self.tag_ids[t]) for cid, t in self.pending_tags]
        sql = "INSERT INTO customer_tags (customer_id, tag_id) VALUES (?, ?)"
        dialect.execute(self.conn, dialect.insert_or_ignore(self.conn, sql), rows)
        self.pending_tags = []
