"""Customers: add the new ones, update the ones we already have."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ... import clock
from ...errors import InvalidValue
from .base import Importer
from .report import RowErrors


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

    def clean(self, vals: dict[str, Any], errs: RowErrors) -> tuple[dict[str, Any], list[str]]:
        from ..customers import EDITABLE, _tag_name, clean_fields

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
            errs = RowErrors()
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
        from ...models import Customer

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
