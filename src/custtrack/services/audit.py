"""The audit trail: who changed which customer, purchase, follow-up or complaint, when, and what
changed (the field, its old value, its new value); creation and deletion too.

How it is kept: every ORM flush writes the rows of what it changed (`on_flush`, hooked to the
session in models.py), from the history SQLAlchemy keeps of each attribute. Services that write
with Core or plain SQL record their change themselves: the guarded customer edit (`changes`),
imports and undo (one row per batch: `batch`), merges (`merged`) and forget (`erase`). Every row is
written in the command's own transaction, so a change and its trail are saved or rolled back
together; portable Core only, so it works the same on SQLite and PostgreSQL.

Values are stored as text: dates and times in ISO 8601 (times in UTC), numbers as digits, money in
minor units. A created or deleted record has one row whose `new` or `old` is its fields as JSON
(numbers as numbers there). `session.info["audit_off"] = True` leaves a session's flushes out, for
a tool that rebuilds data rather than records a person's change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa

from .. import clock, config
from ..models import Complaint, Customer, FollowUp, Purchase, audit_log

ENTITIES: dict[type[Customer | Purchase | FollowUp | Complaint], str] = {
    Customer: "customer",
    Purchase: "purchase",
    FollowUp: "followup",
    Complaint: "complaint",
}
# stamped or derived by custtrack itself, not something a person changes
BOOKKEEPING = frozenset(
    {
        "id", "customer_id", "created_at", "updated_at", "last_contact_at", "erased_at",
        "batch_id", "closed_at", "resolved_at", "interaction_id", "recorded_by",
    }
)  # fmt: skip
# the values that identify a person: erased from the whole trail when they are forgotten
IDENTIFYING = ("name", "phone", "email", "wechat", "address", "external_id")
ERASED = "[erased]"


def actor(bind: Any = None) -> str:
    """Who is making the change: the session's `actor` if a caller set one, else the person
    running custtrack (config.current_user())."""
    # a Session's info, never a Connection's: that one lives on with the pooled connection
    info = bind.info if hasattr(bind, "get_bind") else None
    if info is not None:
        if "actor" not in info:
            info["actor"] = config.current_user()
        return info["actor"]
    return config.current_user()


def text(value: Any) -> str | None:
    """A stored value as the trail keeps it."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _snapshot(obj: Any) -> str:
    fields = {
        key: value if isinstance(value, int | float) else text(value)
        for key in type(obj).model_fields
        if key not in BOOKKEEPING
        and (value := getattr(obj, key)) not in (None, "")
        and (key, value) != ("kind", "person")  # every customer's default (issue 15)
    }
    return json.dumps(fields, ensure_ascii=False)


def _customer_of(obj: Any) -> int | None:
    return obj.id if isinstance(obj, Customer) else obj.customer_id


def on_flush(session: Any) -> None:
    """Write the audit rows of what this flush inserted, changed or deleted (after_flush: the
    new records have their ids, and each attribute still has its history)."""
    if session.info.get("audit_off"):
        return
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        entity = ENTITIES.get(type(obj))
        if entity:
            rows.append(_row("create", entity, obj.id, _customer_of(obj), new=_snapshot(obj)))
    for obj in session.dirty:
        entity = ENTITIES.get(type(obj))
        if not entity:
            continue
        state = sa.inspect(obj)
        for attr in state.mapper.column_attrs:
            if attr.key in BOOKKEEPING:
                continue
            hist = state.attrs[attr.key].history
            if not hist.added:
                continue
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0]
            if text(old) != text(new):
                rows.append(
                    _row(
                        "update", entity, obj.id, _customer_of(obj), attr.key, text(old), text(new)
                    )
                )
    for obj in session.deleted:
        entity = ENTITIES.get(type(obj))
        if entity:
            rows.append(_row("delete", entity, obj.id, _customer_of(obj), old=_snapshot(obj)))
    if rows:
        write(session, rows)


def _row(
    action: str,
    entity: str,
    entity_id: int | None,
    customer_id: int | None,
    field: str | None = None,
    old: str | None = None,
    new: str | None = None,
    batch_id: int | None = None,
) -> dict[str, Any]:
    return {
        "action": action, "entity": entity, "entity_id": entity_id, "customer_id": customer_id,
        "field": field, "old": old, "new": new, "batch_id": batch_id,
    }  # fmt: skip


def _connection(bind: Any) -> sa.Connection:
    return bind.connection() if hasattr(bind, "get_bind") else bind


def write(bind: Any, rows: list[dict[str, Any]]) -> None:
    """Insert audit rows (dicts from _row) stamped with now and the actor, in bind's transaction."""
    stamp = {"at": clock.utcnow(), "actor": actor(bind)}
    _connection(bind).execute(sa.insert(audit_log), [{**stamp, **r} for r in rows])


def changes(
    bind: Any,
    entity: str,
    entity_id: int | None,
    customer_id: int | None,
    changed: dict[str, tuple[Any, Any]],
    batch_id: int | None = None,
) -> None:
    """Record field changes made with Core: {field: (old, new)}."""
    rows = [
        _row("update", entity, entity_id, customer_id, f, text(old), text(new), batch_id)
        for f, (old, new) in changed.items()
        if text(old) != text(new)
    ]
    if rows:
        write(bind, rows)


def removed(bind: Any, entity: str, obj: Any) -> None:
    """Record the deletion of a record whose flushes are not followed (a contact, feedback:
    `delete contact ID`); its fields as JSON, as on_flush keeps a deleted purchase's."""
    write(bind, [_row("delete", entity, obj.id, _customer_of(obj), old=_snapshot(obj))])


def tags_changed(bind: Any, customer_id: int, old: Iterable[str], new: Iterable[str]) -> None:
    changes(
        bind, "customer", customer_id, customer_id,
        {"tags": (", ".join(sorted(old)) or None, ", ".join(sorted(new)) or None)},
    )  # fmt: skip


def batch(bind: Any, action: str, batch_id: int, detail: dict[str, Any]) -> None:
    """One row for a whole import (action "import") or its undo ("undo"): the rows a batch adds
    carry its id, so each record's trail leads to the batch, and the batch's row says who and
    when, without a second row written per imported record."""
    new = json.dumps(detail, ensure_ascii=False, default=str)
    write(bind, [_row(action, "batch", batch_id, None, new=new, batch_id=batch_id)])


def merged(bind: Any, keep_id: int, other_id: int, detail: dict[str, Any]) -> None:
    """OTHER was merged into KEEP: OTHER's trail becomes part of KEEP's (they are one person, so
    forgetting KEEP must erase it too), and the merge itself is recorded."""
    conn = _connection(bind)
    conn.execute(
        sa.update(audit_log).where(audit_log.c.customer_id == other_id).values(customer_id=keep_id)
    )
    new = json.dumps({"merged_id": other_id, **detail}, ensure_ascii=False, default=str)
    write(bind, [_row("merge", "customer", keep_id, keep_id, new=new)])


def last_change(bind: Any, customer_id: int, field: str) -> dict[str, Any] | None:
    """The newest recorded change of a customer's field: who, when, to what."""
    a = audit_log.c
    row = (
        _connection(bind)
        .execute(
            sa.select(a.actor, a.at, a.new)
            .where(
                a.customer_id == customer_id,
                a.entity == "customer",
                a.entity_id == customer_id,
                a.field == field,
            )
            .order_by(a.at.desc(), a.id.desc())
            .limit(1)
        )
        .first()
    )
    return dict(row._mapping) if row else None


# -- forgetting a person -------------------------------------------------------------------------


def identity(customer: Customer) -> set[str]:
    """The values that identify this customer now (read them before they are cleared)."""
    return {str(v) for k in IDENTIFYING if (v := getattr(customer, k, None)) not in (None, "")}


def erase(bind: Any, customer_id: int, values: set[str], purge: bool = False) -> int:
    """Forget a customer in the trail: their own rows go (what they were called then included),
    and every value that identified them is replaced by [erased] in the rows of other records;
    one row remains to say that, and by whom, the customer was erased. Returns rows redacted."""
    conn = _connection(bind)
    a = audit_log.c
    values = set(values)
    for field, old, new in conn.execute(
        sa.select(a.field, a.old, a.new).where(a.customer_id == customer_id)
    ):
        for value in (old, new):
            if field in IDENTIFYING and value:
                values.add(value)
            elif field is None and value and value.startswith("{"):
                data = _json(value)
                values.update(str(data[k]) for k in IDENTIFYING if data.get(k))
    conn.execute(sa.delete(audit_log).where(a.customer_id == customer_id))
    redacted = _redact(conn, {v for v in values if v and v != ERASED})
    write(bind, [_row("purge" if purge else "erase", "customer", customer_id, customer_id)])
    return redacted


def _json(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _scrub(value: str | None, values: set[str], inside: set[str]) -> str | None:
    """value with the identifying ones replaced: a whole value equal to one, or a phone, e-mail
    or handle inside a longer text (a name only when whole: 'Li' is part of too many words)."""
    if value is None:
        return None
    if value in values:
        return ERASED
    if value.startswith("{"):
        data = _json(value)
        if data:
            out = {
                k: _scrub(v, values, inside) if isinstance(v, str) else v for k, v in data.items()
            }
            return json.dumps(out, ensure_ascii=False) if out != data else value
    for v in inside:
        if v in value:
            value = value.replace(v, ERASED)
    return value


def _redact(conn: sa.Connection, values: set[str]) -> int:
    if not values:
        return 0
    a = audit_log.c
    # a phone, e-mail or handle is distinctive enough to be erased inside other text too
    inside = {v for v in values if len(v) >= 6 and not v.replace(" ", "").isalpha()}
    conds = []
    for v in values:
        pattern = "%" + v.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        conds += [a.old.like(pattern, escape="\\"), a.new.like(pattern, escape="\\")]
    found: list[sa.Row[Any, Any, Any]] = []
    for start in range(0, len(conds), 200):
        found += conn.execute(
            sa.select(a.id, a.old, a.new).where(sa.or_(*conds[start : start + 200]))
        ).all()
    n = 0
    for row_id, old, new in {r[0]: r for r in found}.values():
        clean = (_scrub(old, values, inside), _scrub(new, values, inside))
        if clean != (old, new):
            conn.execute(
                sa.update(audit_log).where(a.id == row_id).values(old=clean[0], new=clean[1])
            )
            n += 1
    return n


# -- reading the trail ---------------------------------------------------------------------------


def history(bind: Any, customer_id: int, limit: int = 0) -> tuple[list[dict[str, Any]], int]:
    """A customer's trail, newest first: changes to them and to their purchases, follow-ups and
    complaints, and the imports that added any of these. Returns (rows, total)."""
    from ..models import ImportBatch

    conn = _connection(bind)
    a = audit_log.c
    stmt = (
        sa.select(
            a.at, a.actor, a.action, a.entity, a.entity_id, a.field, a.old, a.new, a.batch_id
        )  # fmt: skip
        .where(a.customer_id == customer_id)
        .order_by(a.at.desc(), a.id.desc())
    )
    total = conn.execute(
        sa.select(sa.func.count()).select_from(audit_log).where(a.customer_id == customer_id)
    ).scalar_one()
    rows = [dict(r._mapping) for r in conn.execute(stmt.limit(limit) if limit else stmt)]
    # records an import added carry its batch id: one row per batch and kind, from the batch's
    # own audit row (who; absent for imports made before the trail existed) and its file
    counts: dict[int, dict[str, int]] = {}
    for model, entity in reversed(ENTITIES.items()):  # newest first: the customer last
        t = model.__table__
        key = t.c.id if model is Customer else t.c.customer_id
        for batch_id, n in conn.execute(
            sa.select(t.c.batch_id, sa.func.count())
            .where(key == customer_id, t.c.batch_id.is_not(None))
            .group_by(t.c.batch_id)
        ):
            counts.setdefault(batch_id, {})[entity] = n
    if counts:
        b = ImportBatch.__table__.c
        who = dict(
            conn.execute(
                sa.select(a.batch_id, a.actor).where(
                    a.action == "import", a.batch_id.in_(list(counts))
                )
            ).all()
        )
        for batch_id, kind, source, started in conn.execute(
            sa.select(b.id, b.kind, b.source, b.started_at).where(b.id.in_(list(counts)))
        ):
            for entity, n in counts[batch_id].items():
                detail = {"count": n, "kind": kind, "source": source}
                rows.append(
                    {
                        "at": started, "actor": who.get(batch_id), "action": "import",
                        "entity": entity, "entity_id": None, "field": None, "old": None,
                        "new": json.dumps(detail, ensure_ascii=False), "batch_id": batch_id,
                    }
                )  # fmt: skip
                total += 1
    for r in rows:
        if isinstance(r["at"], str):  # a bare select of the time column on SQLite
            r["at"] = datetime.fromisoformat(r["at"])
        if r["at"] is not None and r["at"].tzinfo is None:
            r["at"] = r["at"].replace(tzinfo=UTC)
    rows.sort(key=lambda r: r["at"], reverse=True)
    return (rows[:limit] if limit else rows), total


def knows(bind: Any, customer_id: int) -> bool:
    """Whether the trail knows this customer id (a deleted customer's history stays readable)."""
    a = audit_log.c
    found = (
        _connection(bind)
        .execute(sa.select(a.id).where(a.customer_id == customer_id).limit(1))
        .first()
    )
    return found is not None
