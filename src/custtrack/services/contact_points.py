"""Secondary contact points (issue 17.8): the other phones, e-mails and WeChat handles a customer
is known by, besides the one of each on the customer row.

`merge` keeps here what the merged customer had that the kept one does not (source `merge`);
`edit --add-phone/--add-email/--add-wechat` adds one by hand (source `manual`). The customer
lookup (services.customers.resolve), `dupes` and `forget` read them too. Values are stored as on a
customer: a phone in E.164, an e-mail in lower case, a WeChat handle as typed (trimmed); two
handles are the same ignoring case. Written with Core, each change with its audit row.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import sqlalchemy as sa

from .. import clock
from ..errors import InvalidValue, NotFound
from ..i18n import _
from ..models import contact_points

T = contact_points
KINDS = ("phone", "email", "wechat")  # also the customer's columns of each kind


def key(kind: str, value: str) -> str:
    """What two values of a kind are compared by: a WeChat handle ignores case and spaces
    around it; phones (E.164) and e-mails (lower case) are compared as stored."""
    value = (value or "").strip()
    return value.lower() if kind in ("wechat", "email") else value


def clean(kind: str, value: str, field: str) -> str:
    """A value typed for a kind, checked and normalised as the customer's own column is."""
    from ..validate import check_text, normalize_email, normalize_phone

    if not (value or "").strip():
        raise InvalidValue(field, value, _("empty"))
    if kind == "phone":
        return normalize_phone(value, field=field)
    if kind == "email":
        return normalize_email(value, field=field)
    return check_text(value.strip(), field, limit=200) or ""


def _conn(bind: Any) -> sa.Connection:
    return bind.connection() if hasattr(bind, "get_bind") else bind


def of(bind: Any, customer_id: int) -> list[dict[str, Any]]:
    """A customer's secondary contact points, oldest first."""
    stmt = (
        sa.select(T.c.id, T.c.kind, T.c.value, T.c.source, T.c.created_at)
        .where(T.c.customer_id == customer_id)
        .order_by(T.c.id)
    )
    return [dict(r._mapping) for r in _conn(bind).execute(stmt)]


def customer_ids(bind: Any, kind: str, value: str) -> list[int]:
    """The customers that have this phone or e-mail (normalised) as a secondary point."""
    stmt = sa.select(T.c.customer_id).where(T.c.value == value, T.c.kind == kind).distinct()
    return sorted(_conn(bind).execute(stmt).scalars())


def _known(bind: Any, customer: Any) -> set[tuple[str, str]]:
    """(kind, key) of every point the customer has: its own columns and the secondary ones."""
    have = {(k, key(k, v)) for k in KINDS if (v := getattr(customer, k, None))}
    return have | {(p["kind"], key(p["kind"], p["value"])) for p in of(bind, customer.id)}


def _audit(bind: Any, action: str, customer_id: int, point_id: int, data: dict) -> None:
    """The trail's row: {"phone": "+86…"}, as a customer's own field reads there (and is
    erased from it by `forget`)."""
    from . import audit

    text = json.dumps(data, ensure_ascii=False)
    new, old = (text, None) if action == "create" else (None, text)
    audit.write(bind, [audit._row(action, "contact_point", point_id, customer_id, old=old,
                                  new=new)])  # fmt: skip


def add(bind: Any, customer: Any, kind: str, value: str, source: str = "manual") -> int | None:
    """Add a (normalised) point to the customer: its id, or None when the customer already has
    that phone, e-mail or handle (as its own or as a secondary one)."""
    if not value or (kind, key(kind, value)) in _known(bind, customer):
        return None
    row = {"customer_id": customer.id, "kind": kind, "value": value.strip(), "source": source,
           "created_at": clock.utcnow()}  # fmt: skip
    done = _conn(bind).execute(sa.insert(T).values(row))
    assert done.inserted_primary_key is not None  # one row inserted
    point_id = done.inserted_primary_key[0]
    _audit(bind, "create", customer.id, point_id, {kind: row["value"]})
    return point_id


def remove(bind: Any, customer: Any, value: str) -> list[dict[str, Any]]:
    """Remove the secondary point(s) with this value (a phone as typed or in E.164, an e-mail
    or handle in any case): what was removed; NotFound if the customer has none such."""
    from ..validate import normalize_phone

    wanted = {key(k, value) for k in KINDS}
    with contextlib.suppress(InvalidValue):  # not a phone: compared as typed
        wanted.add(normalize_phone(value, field="--remove-contact"))
    gone = [p for p in of(bind, customer.id) if key(p["kind"], p["value"]) in wanted]
    if not gone:
        raise NotFound(
            _("{customer} has no other phone, e-mail or WeChat {value}").format(
                customer=f"#{customer.id} {customer.name}", value=repr(value)
            )
        )
    conn = _conn(bind)
    for p in gone:
        conn.execute(sa.delete(T).where(T.c.id == p["id"]))
        _audit(bind, "delete", customer.id, p["id"], {p["kind"]: p["value"]})
    return gone


def keep_merged(bind: Any, keep: Any, other: Any) -> int:
    """Before OTHER is merged into KEEP (KEEP's empty fields already filled): every phone,
    e-mail and WeChat of OTHER, its own and its secondary ones, that KEEP does not have becomes
    a secondary point of KEEP. Returns how many KEEP gained."""
    conn = _conn(bind)
    have = _known(conn, keep)
    gained = 0
    for kind in KINDS:
        value = getattr(other, kind, None)
        if value and (kind, key(kind, value)) not in have:
            have.add((kind, key(kind, value)))
            row = {"kind": kind, "value": value.strip(), "source": "merge"}
            conn.execute(sa.insert(T).values(customer_id=keep.id, created_at=clock.utcnow(), **row))
            gained += 1
    for p in of(conn, other.id):  # OTHER's own secondary points move, as they were recorded
        if (p["kind"], key(p["kind"], p["value"])) in have:
            conn.execute(sa.delete(T).where(T.c.id == p["id"]))
        else:
            have.add((p["kind"], key(p["kind"], p["value"])))
            conn.execute(sa.update(T).where(T.c.id == p["id"]).values(customer_id=keep.id))
            gained += 1
    return gained


def values(bind: Any, customer_id: int) -> list[tuple[str, str]]:
    """(kind, value) of a customer's secondary points (what `forget` must erase)."""
    return [(p["kind"], p["value"]) for p in of(bind, customer_id)]


def drop(bind: Any, customer_id: int) -> int:
    """Delete a customer's secondary points (`forget`): how many went."""
    return _conn(bind).execute(sa.delete(T).where(T.c.customer_id == customer_id)).rowcount


def shown(points: list[dict[str, Any]]) -> list[str]:
    """The points as a card lists them: '+86 139 0013 9000', 'WeChat wf88', 'a@b.cn'."""
    from ..validate import format_phone

    out = []
    for p in points:
        if p["kind"] == "phone":
            out.append(format_phone(p["value"]))
        elif p["kind"] == "wechat":
            out.append(_("WeChat {handle}").format(handle=p["value"]))
        else:
            out.append(p["value"])
    return out
