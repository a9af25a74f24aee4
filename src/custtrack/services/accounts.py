"""Company accounts (issue 15): a customer is a person or a company, and a company has contact
persons (name, role, phone, WeChat, e-mail) whom its contacts and purchases can name.

A company stays one customer everywhere (lists, segments, RFM, the report): its people are not
customers, they are who the company is reached through. Written with Core, each change with its
row in the audit trail (entity `contact_person`).
"""

from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa

from .. import clock
from ..errors import Ambiguous, Conflict, InvalidValue, NotFound, UsageError
from ..i18n import C_, _, pgettext
from ..models import Interaction, Purchase, contact_persons

T = contact_persons
KINDS = ("person", "company")
_KIND_LABELS = (C_("customer_kind", "person"), C_("customer_kind", "company"))
# words people write for the kinds (in sheets: 客户类型 个人/企业)
_WORDS = {
    "person": "个人 自然人 私人 散客 个体 person individual private consumer b2c",
    "company": "公司 企业 单位 机构 商户 团体 company business organisation organization org "
    "firm corporate b2b",
}
SYNONYMS = {w: kind for kind, words in _WORDS.items() for w in words.split()}
FIELDS = ("name", "role", "phone", "wechat", "email", "notes")
# a contact person's fields, as people read them (the audit trail, messages)
_FIELD_LABELS = (
    C_("person_field", "name"), C_("person_field", "role"), C_("person_field", "phone"),
    C_("person_field", "wechat"), C_("person_field", "email"), C_("person_field", "notes"),
    C_("audit_field", "role"), C_("audit_field", "kind"), C_("audit_field", "referred_by_id"),
    C_("audit_field", "person_id"), C_("audit_field", "points"), C_("audit_field", "earned"),
    C_("audit_field", "purchase_id"),
)  # fmt: skip


def kind_of(value: str | None, field: str = "--kind") -> str | None:
    """person or company, from what people write (公司, 企业, 个人 …)."""
    if value is None:
        return None
    v = str(value).strip().lower()
    if v in KINDS:
        return v
    got = SYNONYMS.get(v)
    if got is None:
        raise InvalidValue(field, value, _("must be person or company"))
    return got


def _clean(raw: dict[str, Any], prefix: str = "--") -> dict[str, Any]:
    """A person's fields given as text, checked; "" clears a field (not the name)."""
    from ..validate import check_text, normalize_email, normalize_phone

    out: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None:
            continue
        opt = prefix + key
        value = str(value).strip()
        if value == "":
            if key == "name":
                raise InvalidValue(opt, value, _("a contact person needs a name"))
            out[key] = None
        elif key == "phone":
            out[key] = normalize_phone(value, field=opt)
        elif key == "email":
            out[key] = normalize_email(value, field=opt)
        else:
            out[key] = check_text(value, opt, 1000 if key == "notes" else 200)
    return out


def _snapshot(row: dict[str, Any]) -> str:
    return json.dumps(
        {k: row[k] for k in FIELDS if row.get(k) not in (None, "")}, ensure_ascii=False
    )


def _audit(bind: Any, action: str, person: dict[str, Any], **kw: Any) -> None:
    from . import audit

    audit.write(bind, [audit._row(action, "contact_person", person["id"], person["customer_id"],
                                  **kw)])  # fmt: skip


def _conn(bind: Any) -> sa.Connection:
    return bind.connection() if hasattr(bind, "get_bind") else bind


def require_company(customer: Any) -> None:
    if customer.kind != "company":
        from .customers import describe

        raise UsageError(
            _(
                "{customer} is a person, not a company; make them a company account first: "
                "custtrack edit {id} --kind company"
            ).format(customer=describe(customer), id=customer.id)
        )


def add_person(session: Any, customer: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """A new contact person of a company customer; returns their row."""
    require_company(customer)
    clean = _clean(fields)
    if not clean.get("name"):
        raise InvalidValue("NAME", fields.get("name"), _("a contact person needs a name"))
    same = [p for p in persons(session, customer.id) if p["name"].lower() == clean["name"].lower()]
    if same:
        raise Conflict(
            _("{company} already has a contact person {name} (#{id})").format(
                company=customer.name, name=clean["name"], id=same[0]["id"]
            )
        )
    now = clock.utcnow()
    row = {"customer_id": customer.id, **dict.fromkeys(FIELDS), **clean, "created_at": now,
           "updated_at": now}  # fmt: skip
    key = _conn(session).execute(sa.insert(T).values(row)).inserted_primary_key
    assert key is not None  # one row inserted
    row["id"] = key[0]
    _audit(session, "create", row, new=_snapshot(row))
    return row


def persons(bind: Any, customer_id: int) -> list[dict[str, Any]]:
    """A customer's contact persons, in the order they were added."""
    stmt = sa.select(T).where(T.c.customer_id == customer_id).order_by(T.c.id)
    return [dict(r._mapping) for r in _conn(bind).execute(stmt)]


def get_person(bind: Any, person_id: int) -> dict[str, Any]:
    row = _conn(bind).execute(sa.select(T).where(T.c.id == person_id)).first()
    if row is None:
        raise NotFound(_("no contact person with id {id}").format(id=person_id))
    return dict(row._mapping)


def resolve_person(bind: Any, customer: Any, ref: str, field: str = "--person") -> dict[str, Any]:
    """One of the customer's contact persons: by id (3 or #3), name, or phone."""
    text = (ref or "").strip()
    people = persons(bind, customer.id)
    if not people:
        require_company(customer)
        raise NotFound(
            _("{company} has no contact persons yet; add one with `custtrack person add`").format(
                company=customer.name
            )
        )
    if re.fullmatch(r"#?\d{1,9}", text):
        found = [p for p in people if p["id"] == int(text.lstrip("#"))]
        if found:
            return found[0]
    found = [p for p in people if p["name"].lower() == text.lower()]
    if not found:
        found = [p for p in people if text.lower() in p["name"].lower()]
    if not found and re.fullmatch(r"[+\d][\d\s().-]{5,}", text):
        from ..validate import normalize_phone

        try:
            phone = normalize_phone(text, field=field)
        except InvalidValue:
            phone = None
        found = [p for p in people if phone and p["phone"] == phone]
    if len(found) > 1:
        raise Ambiguous(ref, [f"#{p['id']} {p['name']}" for p in found])
    if not found:
        names = pgettext("list", ", ").join(f"#{p['id']} {p['name']}" for p in people)
        raise NotFound(
            _("{company} has no contact person {ref} (they have: {names})").format(
                company=customer.name, ref=repr(ref), names=names
            )
        )
    return found[0]


def edit_person(session: Any, person_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    """Change a contact person's fields; returns {field: (old, new)} of what changed."""
    from . import audit

    person = get_person(session, person_id)
    clean = _clean(fields)
    changed = {k: (person[k], v) for k, v in clean.items() if person[k] != v}
    if changed:
        values = {k: v for k, (_old, v) in changed.items()}
        _conn(session).execute(
            sa.update(T).where(T.c.id == person_id).values(**values, updated_at=clock.utcnow())
        )
        for key, (old, new) in changed.items():
            _audit(session, "update", person, field=key, old=audit.text(old), new=audit.text(new))
    return changed


def remove_person(session: Any, person_id: int) -> dict[str, Any]:
    """Remove a contact person; contacts and purchases that named them keep everything else."""
    person = get_person(session, person_id)
    _conn(session).execute(sa.delete(T).where(T.c.id == person_id))
    _audit(session, "delete", person, old=_snapshot(person))
    return person


def names(bind: Any, ids: set[int]) -> dict[int, str]:
    """Contact persons' names by id."""
    out: dict[int, str] = {}
    todo = sorted(i for i in ids if i is not None)
    for start in range(0, len(todo), 500):
        part = todo[start : start + 500]
        out.update(_conn(bind).execute(sa.select(T.c.id, T.c.name).where(T.c.id.in_(part))).all())
    return out


def persons_of_timeline(bind: Any, items: list[dict[str, Any]]) -> None:
    """Add `person` (their name, or None) to the contacts and purchases of a timeline."""
    conn = _conn(bind)
    want = {"contact": Interaction.__table__, "purchase": Purchase.__table__}
    found: dict[tuple[str, int], int] = {}
    for kind, table in want.items():
        ids = [i["id"] for i in items if i["kind"] == kind]
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            stmt = sa.select(table.c.id, table.c.person_id).where(
                table.c.id.in_(part), table.c.person_id.is_not(None)
            )
            found.update(((kind, rid), pid) for rid, pid in conn.execute(stmt))
    shown = names(conn, set(found.values())) if found else {}
    for item in items:
        pid = found.get((item["kind"], item["id"]))
        item["person"] = shown.get(pid) if pid is not None else None


def person_id_for(bind: Any, customer: Any, ref: str | None) -> int | None:
    """The id of the contact person `ref` of this customer (None when no ref is given)."""
    if ref is None or not ref.strip():
        return None
    return resolve_person(bind, customer, ref)["id"]
