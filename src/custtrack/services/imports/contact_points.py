"""`import contact_points` (issue 17.8): a customer's other phones, e-mails and WeChat handles,
as `custtrack export` writes them (id, customer_id, customer_name, kind, value, source,
created_at) or as a shop keeps them (客户, 联系方式类型, 联系方式).

The customer is found as for the other records (people.py). A value is checked and stored as on a
customer (services/contact_points.py): a phone in E.164, an e-mail in lower case, a WeChat handle
as written. A value the customer already has, as its own or as another point (also one added
further up the file), is left as it is (`unchanged`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...errors import InvalidValue
from ...i18n import _
from ...validate import normalize_email, normalize_phone
from ..contact_points import KINDS, key
from .records import RecordImporter
from .report import RowErrors


class ContactPointImporter(RecordImporter):
    """Secondary contact points. Matched on (customer, kind, value): a set, not a count, since a
    customer has a phone once."""

    required = (("kind",), ("value",))
    table = "contact_points"
    columns = ("customer_id", "kind", "value", "source", "created_at", "batch_id")

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.added: set[int] = set()  # keys of the points this import adds

    def parse(self, vals: dict[str, Any], errs: RowErrors) -> dict[str, Any]:
        kind = self.word(vals.get("kind"), "kind", KINDS, errs)
        col = self.column.get("value", "value")
        raw, value = vals.get("value"), None
        if vals.get("kind") is None:
            errs.add(self.column.get("kind", "kind"), "", _("empty"))
        if raw is None:
            errs.add(col, "", _("empty"))
        elif kind is not None:
            try:
                if kind == "phone":
                    value = normalize_phone(str(raw), self.region, field=col)
                elif kind == "email":
                    value = normalize_email(str(raw), col)
                else:
                    value = self.text(str(raw).strip(), "value", 200, errs)
            except InvalidValue as exc:
                errs.invalid(col, raw, exc)
        return {
            "kind": kind,
            "value": value,
            "source": self.text(vals.get("source"), "source", 50, errs) or "import",
            "created": self._moment_or_now(vals, "created_at", errs),
        }

    def key(self, cid: int, rec: dict[str, Any]) -> int | None:
        return hash((cid, rec["kind"], key(rec["kind"], rec["value"])))

    def stored_keys(self, ids: list[int]) -> Iterable[int]:
        sql = "SELECT id, phone, email, wechat FROM customers WHERE id IN (?)"
        for cid, *own in self._stored(sql, ids):
            for kind, value in zip(KINDS, own, strict=True):
                if value:
                    yield hash((cid, kind, key(kind, value)))
        sql = "SELECT customer_id, kind, value FROM contact_points WHERE customer_id IN (?)"
        for cid, kind, value in self._stored(sql, ids):
            yield hash((cid, kind, key(kind, value)))

    def is_stored(self, cid: int, rec: dict[str, Any]) -> bool:
        """Whether the customer already has this value (stored, or added by an earlier line)."""
        k = self.key(cid, rec)
        if (k is not None and self.stored.get(k)) or k in self.added:
            return True
        if k is not None:
            self.added.add(k)
        return False

    def row(self, cid: int, rec: dict[str, Any]) -> tuple:
        return (cid, rec["kind"], rec["value"], rec["source"], rec["created"], self.batch_id)
