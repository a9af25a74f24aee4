"""Loyalty points and tiers (issue 15).

Points are a ledger (`models.points_ledger`), never a stored balance: a purchase earns points by
the configured rule (`points.*`), a birthday-month purchase and a new customer may earn a bonus,
a person redeems or adjusts them, earned points expire after `points.expire_days`, and a refund
or a deleted purchase reverses what it earned. The balance is the sum of the rows, less what has
expired and is not written yet: points are spent and expire oldest first (first in, first out),
so expiry is found by replaying the ledger (`replay`), the same way for a balance and for the
`expire` rows `settle_expiry` writes. `recompute` rebuilds what purchases earned under the rule
in force (redemptions and adjustments stay).

Tiers (`tiers.*`) are computed, never typed: a customer's spend (in the configured currency) or
points earned over a rolling window of days, against ascending thresholds. `standing` says the
tier, what the next one needs and when the customer drops if they buy nothing more; the same
facts give `due` its tier reminders (origin `tier`, key t<customer>): a tier just reached, and a
drop `tiers.warn_days` ahead.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from .. import clock, config
from ..errors import Conflict, CusttrackError, InvalidValue
from ..i18n import C_, N_, _, ngettext, pgettext
from ..models import Customer, Purchase, points_ledger

L = points_ledger
P, C = Purchase.__table__, Customer.__table__

# the kinds of ledger rows; + earn and bonus, - redeem, expire and reverse, adjust either way
KINDS = ("earn", "bonus", "redeem", "adjust", "expire", "reverse")
_KIND_LABELS = (
    C_("points_kind", "earn"), C_("points_kind", "bonus"), C_("points_kind", "redeem"),
    C_("points_kind", "adjust"), C_("points_kind", "expire"), C_("points_kind", "reverse"),
)  # fmt: skip
# what counts towards a tier by points: what was earned (and corrected), not what was spent
QUALIFYING = ("earn", "bonus", "reverse", "adjust")
# the notes custtrack writes itself (shown through vocab.label("points_note", …))
SIGNUP, BIRTHDAY, REFUND, DELETED = "sign-up", "birthday", "refund", "purchase deleted"
_NOTE_LABELS: tuple[str, ...]  # extended below
_NOTE_LABELS = (
    C_("points_note", "sign-up"), C_("points_note", "birthday"), C_("points_note", "refund"),
    C_("points_note", "purchase deleted"),
)  # fmt: skip
CORRECTED = "purchase corrected"  # `edit purchase` changed what it earns (issue 17.7)
_NOTE_LABELS += (C_("points_note", "purchase corrected"),)
ROUNDINGS = ("down", "nearest", "up")
BASES = ("spend", "points")
# the default tier names (configurable data: tiers.names); shown with pgettext("tier", …)
DEFAULT_TIERS = (
    C_("tier", "Standard"), C_("tier", "Silver"), C_("tier", "Gold"), C_("tier", "Diamond"),
)  # fmt: skip
# the notes of tier reminders: data (as due's), shown in the interface language by due.note_text
TIER_REACHED = N_("reached {tier} on {day}")
TIER_DROP = N_("drops from {tier} to {lower} on {day}")
_HIDE_DAYS = 60  # a stored tier follow-up this close before a tier event settles its reminder


# --- the rule ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    per_unit: Decimal  # points per whole unit of the configured currency
    rounding: str  # down, nearest, up
    multipliers: dict[str, Decimal]  # category (lower case) -> factor
    signup: int
    birthday: int
    expire_days: int
    currency: str

    @property
    def earns(self) -> bool:
        """Whether purchases or new customers earn anything at all (the program is on)."""
        return bool(self.per_unit or self.signup or self.birthday)


def _bad_setting(key: str, value: Any, reason: str, example: str) -> CusttrackError:
    return CusttrackError(
        _("config {key} is {value}: {reason}; fix it with `custtrack config set {key} {example}`")
        .format(key=key, value=repr(value), reason=reason, example=example)
    )  # fmt: skip


def _number(key: str) -> Decimal:
    value = config.get(key)
    try:
        number = Decimal(str(value or 0))
    except ArithmeticError:
        raise _bad_setting(key, value, _("not a number"), "1") from None
    if number < 0 or not number.is_finite():
        raise _bad_setting(key, value, _("must not be negative"), "1")
    return number


def multipliers(text: str) -> dict[str, Decimal]:
    """'tea=2, gift=1.5' (or 茶叶：2，礼品：1.5) as {category: factor}."""
    out: dict[str, Decimal] = {}
    for part in re.split(r"[,;，；、]+", text or ""):
        if not part.strip():
            continue
        name, sep, factor = (re.split(r"\s*([=:：])\s*", part.strip(), maxsplit=1) + ["", ""])[:3]
        try:
            value = Decimal(factor) if sep and factor else None
        except ArithmeticError:
            value = None
        if not name or value is None or value < 0:
            raise _bad_setting(
                "points.category_multipliers", text, _("expected CATEGORY=FACTOR, …"),
                '"tea=2, gift=1.5"',
            )  # fmt: skip
        out[name.strip().lower()] = value
    return out


def rule() -> Rule:
    """The earning rule in force (config points.*), checked."""
    rounding = str(config.get("points.rounding") or "down").strip().lower()
    if rounding not in ROUNDINGS:
        raise _bad_setting(
            "points.rounding", rounding, _("must be down, nearest or up"), "down"
        )  # fmt: skip
    return Rule(
        per_unit=_number("points.per_unit"),
        rounding=rounding,
        multipliers=multipliers(str(config.get("points.category_multipliers") or "")),
        signup=int(_number("points.signup_bonus")),
        birthday=int(_number("points.birthday_bonus")),
        expire_days=int(_number("points.expire_days")),
        currency=str(config.get("currency") or "USD").upper(),
    )


def purchase_points(r: Rule, amount_minor: int, currency: str, category: str | None) -> int:
    """What a purchase earns: its amount in whole currency units × points.per_unit × the
    category's multiplier, rounded as points.rounding says. Purchases in another currency than
    the configured one earn nothing (amounts in different currencies cannot be compared)."""
    if not r.per_unit or currency.upper() != r.currency:
        return 0
    from ..validate import currency_exponent

    major = Decimal(amount_minor).scaleb(-currency_exponent(currency))
    factor = r.multipliers.get((category or "").strip().lower(), Decimal(1))
    raw = major * r.per_unit * factor
    mode = {"down": ROUND_FLOOR, "nearest": ROUND_HALF_UP, "up": ROUND_CEILING}[r.rounding]
    return int(raw.to_integral_value(rounding=mode))


# --- writing the ledger ------------------------------------------------------------------------


def _conn(bind: Any) -> sa.Connection:
    return bind.connection() if hasattr(bind, "get_bind") else bind


def _insert(bind: Any, rows: list[dict[str, Any]], who: str | None = "") -> list[int]:
    """Insert ledger rows (customer_id, at, kind, points, purchase_id, note, batch_id); their
    ids. who: recorded_by ('' = the person running custtrack; None = nobody, as an import)."""
    if not rows:
        return []
    now = clock.utcnow()
    by = config.current_user() if who == "" else who
    full = [
        {"purchase_id": None, "note": None, "batch_id": None, **r, "recorded_by": by,
         "created_at": now}
        for r in rows
    ]  # fmt: skip
    conn = _conn(bind)
    if len(full) == 1:
        done = conn.execute(sa.insert(L).values(full[0]))
        assert done.inserted_primary_key is not None  # one row inserted
        return [done.inserted_primary_key[0]]
    conn.execute(sa.insert(L), full)
    return []


def _audit(bind: Any, rows: list[dict[str, Any]], ids: Sequence[int | None]) -> None:
    """The trail of ledger rows a person made (created records of entity `points`)."""
    import json

    from . import audit

    out = []
    for row, lid in zip(rows, ids or [None] * len(rows), strict=True):
        fields = {k: audit.text(v) if isinstance(v, datetime) else v
                  for k in ("at", "kind", "points", "purchase_id", "note")
                  if (v := row.get(k)) not in (None, "")}  # fmt: skip
        out.append(audit._row("create", "points", lid, row["customer_id"],
                              new=json.dumps(fields, ensure_ascii=False)))  # fmt: skip
    if out:
        audit.write(bind, out)


def _birthday_taken(conn: sa.Connection, customer_id: int, month_start: datetime) -> bool:
    stmt = sa.select(L.c.id).where(
        L.c.customer_id == customer_id, L.c.kind == "bonus", L.c.note == BIRTHDAY,
        L.c.at >= month_start,
    )  # fmt: skip
    return conn.execute(stmt.limit(1)).first() is not None


def _month_start(local: datetime) -> datetime:
    first = datetime.combine(local.date().replace(day=1), time(0), tzinfo=local.tzinfo)
    return first.astimezone(UTC)


def on_purchase(session: Any, purchase: Any, r: Rule | None = None) -> int:
    """Points for a purchase just recorded (`buy`): what it earns, and the birthday bonus on the
    first purchase of the customer's birthday month that year. Returns the points added."""
    r = r or rule()
    if not r.earns:
        return 0
    conn = _conn(session)
    rows = []
    pts = purchase_points(r, purchase.amount_minor, purchase.currency, purchase.category)
    if pts:
        rows.append({"customer_id": purchase.customer_id, "at": purchase.at, "kind": "earn",
                     "points": pts, "purchase_id": purchase.id})  # fmt: skip
    if r.birthday:
        birthday = conn.execute(
            sa.select(C.c.birthday).where(C.c.id == purchase.customer_id)
        ).scalar()
        local = clock.to_local(purchase.at)
        month = birthday is not None and _as_date(birthday).month == local.month
        if month and not _birthday_taken(conn, purchase.customer_id, _month_start(local)):
            rows.append({"customer_id": purchase.customer_id, "at": purchase.at,
                         "kind": "bonus", "points": r.birthday, "purchase_id": purchase.id,
                         "note": BIRTHDAY})  # fmt: skip
    _insert(conn, rows)
    return sum(row["points"] for row in rows)


def on_new_customer(session: Any, customer: Any, r: Rule | None = None) -> int:
    """The sign-up bonus of a customer just added (`add`)."""
    r = r or rule()
    if not r.signup:
        return 0
    row = {"customer_id": customer.id, "at": customer.created_at, "kind": "bonus",
           "points": r.signup, "note": SIGNUP}  # fmt: skip
    _insert(session, [row])
    return r.signup


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _earned_rows(
    conn: sa.Connection, r: Rule, purchase_where: Any, customer_where: Any, batch_id: Any = None
) -> list[dict[str, Any]]:
    """The earn and bonus rows the rule gives the purchases (and new customers) selected."""
    rows: list[dict[str, Any]] = []
    if r.per_unit or r.birthday:
        stmt = (
            sa.select(P.c.id, P.c.customer_id, P.c.at, P.c.amount_minor, P.c.currency,
                      P.c.category, C.c.birthday)
            .join(C, C.c.id == P.c.customer_id)
            .where(purchase_where, P.c.refund_of.is_(None))
            .order_by(P.c.customer_id, P.c.at, P.c.id)
        )  # fmt: skip
        taken: set[tuple[int, int]] = set()  # (customer, year) with a birthday bonus
        for pid, cid, at, amount, currency, category, birthday in conn.execute(stmt):
            pts = purchase_points(r, amount, currency, category)
            if pts:
                rows.append({"customer_id": cid, "at": at, "kind": "earn", "points": pts,
                             "purchase_id": pid, "batch_id": batch_id})  # fmt: skip
            if r.birthday and birthday is not None:
                local = clock.to_local(at)
                if _as_date(birthday).month == local.month and (cid, local.year) not in taken:
                    taken.add((cid, local.year))
                    rows.append({"customer_id": cid, "at": at, "kind": "bonus",
                                 "points": r.birthday, "purchase_id": pid, "note": BIRTHDAY,
                                 "batch_id": batch_id})  # fmt: skip
    if r.per_unit:
        rows += _refund_rows(conn, r, purchase_where, batch_id)
    if r.signup and customer_where is not None:
        for cid, created in conn.execute(
            sa.select(C.c.id, C.c.created_at).where(customer_where, C.c.erased_at.is_(None))
        ):
            rows.append({"customer_id": cid, "at": created, "kind": "bonus",
                         "points": r.signup, "note": SIGNUP, "batch_id": batch_id})  # fmt: skip
    return rows


def _refund_rows(
    conn: sa.Connection, r: Rule, purchase_where: Any, batch_id: Any = None
) -> list[dict[str, Any]]:
    """The `reverse` rows of the refund lines selected: each takes back what the purchase earns
    less once it is refunded (in the order they were made), on the refund line."""
    o = P.alias("o")
    stmt = (
        sa.select(P.c.id, P.c.customer_id, P.c.at, P.c.amount_minor, P.c.refund_of,
                  o.c.amount_minor, o.c.currency, o.c.category)
        .join(o, o.c.id == P.c.refund_of)
        .where(purchase_where, P.c.refund_of.is_not(None))
        .order_by(P.c.refund_of, P.c.at, P.c.id)
    )  # fmt: skip
    rows: list[dict[str, Any]] = []
    net: dict[int, int] = {}
    for rid, cid, at, amount, pid, whole, currency, category in conn.execute(stmt):
        before = net.get(pid, whole)
        net[pid] = before + amount
        taken = purchase_points(r, before, currency, category) - purchase_points(
            r, net[pid], currency, category
        )
        if taken > 0:
            rows.append({"customer_id": cid, "at": at, "kind": "reverse", "points": -taken,
                         "purchase_id": rid, "note": REFUND,
                         "batch_id": batch_id})  # fmt: skip
    return rows


def earn_batch(session: Any, batch_id: int) -> int:
    """Points for what an import added (its purchases; its new customers' sign-up bonus), as
    `buy` and `add` would have given them; the rows carry the batch, so `import undo` takes
    them back. Returns the rows added."""
    r = rule()
    if not r.earns:
        return 0
    conn = _conn(session)
    rows = _earned_rows(conn, r, P.c.batch_id == batch_id, C.c.batch_id == batch_id, batch_id)
    if r.birthday:  # a bonus already given this year by an earlier purchase stands
        given = {
            (cid, clock.to_local(at).year)
            for cid, at in conn.execute(
                sa.select(L.c.customer_id, L.c.at).where(L.c.kind == "bonus", L.c.note == BIRTHDAY)
            )
        }
        rows = [
            row for row in rows
            if row["note"] != BIRTHDAY
            or (row["customer_id"], clock.to_local(row["at"]).year) not in given
        ]  # fmt: skip
    for start in range(0, len(rows), 5000):
        _insert(conn, rows[start : start + 5000], who=None)
    return len(rows)


# --- reading a customer's points -----------------------------------------------------------------


@dataclass
class Account:
    """A customer's points as of now: the ledger rows, the balance, and what expires."""

    rows: list[dict[str, Any]]
    balance: int  # what can be redeemed now (pending expiry taken off)
    pending: list[tuple[datetime, int]]  # expired but not written yet: (when, points > 0)
    next_expiry: tuple[datetime, int] | None  # the next lot to expire: (when, points)
    earned: int  # everything earned (earn, bonus, positive adjust)
    redeemed: int  # everything redeemed (as a positive number)


def ledger(bind: Any, customer_id: int) -> list[dict[str, Any]]:
    """A customer's ledger rows, oldest first."""
    stmt = (
        sa.select(L.c.id, L.c.at, L.c.kind, L.c.points, L.c.purchase_id, L.c.note,
                  L.c.recorded_by, L.c.batch_id)
        .where(L.c.customer_id == customer_id)
        .order_by(L.c.at, L.c.id)
    )  # fmt: skip
    return [dict(r._mapping) for r in _conn(bind).execute(stmt)]


def replay(
    rows: Iterable[dict[str, Any]], expire_days: int, now: datetime
) -> tuple[int, list[tuple[datetime, int]], tuple[datetime, int] | None]:
    """(balance, pending expiries, next expiry) of ledger rows in time order.

    Every positive row is a lot that expires `expire_days` after it (0: never); a negative row
    takes points from the oldest lots still there (a reversal first from its own purchase's),
    and what it cannot take is a debt the next lots pay first. A lot whose time has come gives
    what is left of it to an expiry: written ones are `expire` rows at that moment (they take
    the lot as a negative row does), the rest are pending until `settle_expiry` writes them."""
    lots: deque[list[Any]] = deque()  # [expires at, points left, purchase id]
    pending: list[tuple[datetime, int]] = []
    balance = debt = 0
    life = timedelta(days=expire_days) if expire_days else None

    def expire(until: datetime, inclusive: bool) -> None:
        while lots and (lots[0][0] < until or (inclusive and lots[0][0] <= until)):
            when, left, _pid = lots.popleft()
            if left > 0:
                pending.append((when, left))

    for row in rows:
        at, pts = row["at"], row["points"]
        if life is not None:
            expire(at, inclusive=False)
        balance += pts
        if pts > 0:
            paid = min(debt, pts)
            debt -= paid
            if life is not None and pts > paid:
                lots.append([at + life, pts - paid, row.get("purchase_id")])
        elif pts < 0:
            need = -pts
            if row["kind"] == "reverse" and row.get("purchase_id") is not None:
                for lot in lots:
                    if lot[2] == row["purchase_id"] and need:
                        took = min(lot[1], need)
                        lot[1] -= took
                        need -= took
            while need and lots:
                took = min(lots[0][1], need)
                lots[0][1] -= took
                need -= took
                if not lots[0][1]:
                    lots.popleft()
            debt += need if life is not None else 0
    if life is not None:
        expire(now, inclusive=True)
    balance -= sum(p for _w, p in pending)
    upcoming = next(((w, left) for w, left, _p in lots if left > 0), None)
    return balance, pending, upcoming


def account(bind: Any, customer_id: int, r: Rule | None = None) -> Account:
    r = r or rule()
    rows = ledger(bind, customer_id)
    balance, pending, upcoming = replay(rows, r.expire_days, clock.utcnow())
    earned = sum(x["points"] for x in rows if x["points"] > 0 and x["kind"] != "expire")
    redeemed = -sum(x["points"] for x in rows if x["kind"] == "redeem")
    return Account(rows, balance, pending, upcoming, earned, redeemed)


def summary(bind: Any, customer_id: int) -> dict[str, Any] | None:
    """Points for `show`: balance, the next expiry; None when the customer has no ledger rows
    and the program is off (nothing to say)."""
    r = rule()
    exists = (
        _conn(bind)
        .execute(sa.select(L.c.id).where(L.c.customer_id == customer_id).limit(1))
        .first()
    )
    if exists is None and not r.earns:
        return None
    acc = account(bind, customer_id, r)
    out: dict[str, Any]
    out = {"balance": acc.balance, "earned": acc.earned, "redeemed": acc.redeemed,
           "expiring": None, "expiring_at": None}  # fmt: skip
    if acc.next_expiry is not None:
        out["expiring_at"], out["expiring"] = acc.next_expiry
    return out


# --- what people do with points ----------------------------------------------------------------


def _whole(n: Any, field: str) -> int:
    try:
        value = int(str(n).strip())
    except ValueError:
        raise InvalidValue(field, n, _("not a whole number")) from None
    return value


def settle_expiry(
    session: Any, customer_ids: Iterable[int] | None = None, dry_run: bool = False
) -> list[dict[str, Any]]:
    """Write the expiries that are due (`expire` rows at the moment each lot expired) for these
    customers (None: everyone with points). Returns them: customer_id, at, points (< 0)."""
    r = rule()
    if not r.expire_days:
        return []
    conn = _conn(session)
    if customer_ids is None:
        customer_ids = conn.execute(sa.select(L.c.customer_id).distinct()).scalars().all()
    now = clock.utcnow()
    out = []
    for cid in sorted(set(customer_ids)):
        _balance, pending, _next = replay(ledger(conn, cid), r.expire_days, now)
        for when, pts in pending:
            out.append({"customer_id": cid, "at": when, "kind": "expire", "points": -pts})
    if not dry_run and out:
        ids = []
        for row in out:  # one at a time: each gets its id for the trail
            ids += _insert(conn, [row])
        _audit(conn, out, ids)
    return out


def redeem(session: Any, customer: Any, points: Any, what: str | None) -> dict[str, Any]:
    """Spend points (refused beyond the balance); returns the ledger row."""
    from ..validate import check_text

    n = _whole(points, "N")
    if n <= 0:
        raise InvalidValue("N", points, _("must be at least 1"))
    settle_expiry(session, [customer.id])
    balance = account(session, customer.id).balance
    if n > balance:
        raise Conflict(
            ngettext(
                "{customer} has {balance} point; cannot redeem {n}",
                "{customer} has {balance} points; cannot redeem {n}",
                balance,
            ).format(customer=_describe(customer), balance=balance, n=n)
        )
    row = {"customer_id": customer.id, "at": clock.utcnow(), "kind": "redeem", "points": -n,
           "note": check_text((what or "").strip() or None, "--for", 200)}  # fmt: skip
    row["id"] = _insert(session, [row])[0]
    _audit(session, [row], [row["id"]])
    row["balance"] = balance - n
    return row


def adjust(session: Any, customer: Any, points: Any, reason: str | None) -> dict[str, Any]:
    """Add (or with a negative number take away) points by hand, saying why."""
    from ..validate import check_text

    n = _whole(points, "N")
    if n == 0:
        raise InvalidValue("N", points, _("must not be 0"))
    if not (reason or "").strip():
        raise InvalidValue("--reason", reason or "", _("say why the points change"))
    assert reason is not None  # checked just above
    settle_expiry(session, [customer.id])
    row = {"customer_id": customer.id, "at": clock.utcnow(), "kind": "adjust", "points": n,
           "note": check_text(reason.strip(), "--reason", 200)}  # fmt: skip
    row["id"] = _insert(session, [row])[0]
    _audit(session, [row], [row["id"]])
    row["balance"] = account(session, customer.id).balance
    return row


def _describe(customer: Any) -> str:
    from .customers import describe

    return describe(customer)


def on_refund(session: Any, line: Any, left: int) -> int:
    """Points after a refund line (records.record_refund) gave back part of what was `left` of
    its purchase: what the purchase earns on what was left less what it earns on what is left
    now (the rule in force, as `points recompute` reverses it), at most what it still holds;
    without a rule for purchases, what it holds in proportion. One `reverse` row on the refund
    line (deleting the refund gives them back). Returns the points taken (0 or more)."""
    conn = _conn(session)
    mine = sa.select(P.c.id).where(
        sa.or_(P.c.id == line.refund_of, P.c.refund_of == line.refund_of), P.c.id != line.id
    )
    held = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(L.c.points), 0)).where(
            L.c.purchase_id.in_(mine), L.c.customer_id == line.customer_id
        )
    ).scalar_one()
    r = rule()
    if held <= 0 or not left:
        taken = 0
    elif r.per_unit:  # what the purchase earns less once refunded, as `points recompute` takes
        before = purchase_points(r, left, line.currency, line.category)
        taken = min(held, before - purchase_points(r, left + line.amount_minor, line.currency,
                                                   line.category))  # fmt: skip
    else:  # no rule for purchases now: what it was given, in proportion
        taken = round(held * -line.amount_minor / left)
    if taken > 0:
        row = {"customer_id": line.customer_id, "at": line.at, "kind": "reverse",
               "points": -taken, "purchase_id": line.id, "note": REFUND}  # fmt: skip
        _audit(session, [row], _insert(session, [row]))
    return taken


def reverse_deleted(bind: Any, batch_id: int | None = None) -> int:
    """Reverse the points of purchases that are gone (deleted by a tool, or by an import's undo
    when the points were given outside it): one `reverse` row per purchase. Returns how many."""
    conn = _conn(bind)
    have = sa.select(P.c.id).where(P.c.id == L.c.purchase_id).exists()
    stmt = (
        sa.select(L.c.customer_id, L.c.purchase_id, sa.func.sum(L.c.points))
        .where(L.c.purchase_id.is_not(None), ~have)
        .group_by(L.c.customer_id, L.c.purchase_id)
        .having(sa.func.sum(L.c.points) > 0)
    )
    now = clock.utcnow()
    rows = [
        {"customer_id": cid, "at": now, "kind": "reverse", "points": -pts, "purchase_id": pid,
         "note": DELETED, "batch_id": None}
        for cid, pid, pts in conn.execute(stmt)
    ]  # fmt: skip
    _insert(conn, rows, who=None if batch_id else "")
    return len(rows)


def purchase_corrected(session: Any, purchase: Any, deleted: bool = False) -> int:
    """Points after a purchase was corrected by hand (`edit purchase`, `delete purchase`).

    Deleted: what it earned goes back, as with a refund of all of it. Edited: it earns what the
    rule in force gives its amount, currency and category now, as `points recompute` would (its
    birthday bonus stays). One row with the difference (`reverse` or `earn`), stamped now and
    carrying the purchase's import batch, so that `import undo` takes it back with the batch's
    own rows. Call it before the purchase is deleted. Returns the points added (< 0: taken)."""
    conn = _conn(session)
    mine = [L.c.purchase_id == purchase.id, L.c.customer_id == purchase.customer_id]
    if not deleted:
        r = rule()
        # the programme gives nothing for purchases (or this is a refund): leave what was given
        if not r.per_unit or purchase.refund_of is not None:
            return 0
        mine.append(L.c.kind.in_(("earn", "reverse")))
    net = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(L.c.points), 0)).where(*mine)
    ).scalar_one()
    if deleted:  # a purchase's points go back; a refund's reversal is given back
        delta = -net if net > 0 or purchase.refund_of is not None else 0
    else:
        delta = purchase_points(r, purchase.amount_minor, purchase.currency, purchase.category)
        delta -= net
    if not delta:
        return 0
    row = {"customer_id": purchase.customer_id, "at": clock.utcnow(),
           "kind": "reverse" if delta < 0 else "earn", "points": delta,
           "purchase_id": purchase.id, "note": DELETED if deleted else CORRECTED,
           "batch_id": purchase.batch_id}  # fmt: skip
    _audit(session, [row], _insert(session, [row]))
    return delta


def recompute(session: Any, dry_run: bool = False) -> list[dict[str, Any]]:
    """Rebuild what purchases earned under the rule in force: earn and bonus rows (sign-up,
    birthday), reversals and expiries are made again from the purchases as they are now;
    redemptions and adjustments stay. Returns per changed customer: customer_id, name, old and
    new earned, old and new balance."""
    r = rule()
    conn = _conn(session)
    derived = L.c.kind.in_(("earn", "bonus", "reverse", "expire"))
    old = dict(
        conn.execute(
            sa.select(L.c.customer_id, sa.func.sum(L.c.points))
            .where(L.c.kind.in_(("earn", "bonus", "reverse")))
            .group_by(L.c.customer_id)
        ).all()
    )
    fresh = _earned_rows(conn, r, sa.true(), sa.true() if r.signup else None)
    new: dict[int, int] = {}
    for row in fresh:
        new[row["customer_id"]] = new.get(row["customer_id"], 0) + row["points"]
    changed = sorted(cid for cid in set(old) | set(new) if old.get(cid, 0) != new.get(cid, 0))
    names = _names(conn, changed)
    before = {cid: account(conn, cid, r).balance for cid in changed}
    out = [
        {"customer_id": cid, "name": names.get(cid), "earned_before": old.get(cid, 0),
         "earned_after": new.get(cid, 0), "balance_before": before[cid]}
        for cid in changed
    ]  # fmt: skip
    if dry_run:
        for row in out:
            row["balance_after"] = (
                row["balance_before"] + row["earned_after"] - row["earned_before"]
            )
        return out
    conn.execute(sa.delete(L).where(derived))
    for start in range(0, len(fresh), 5000):
        _insert(conn, fresh[start : start + 5000], who="")
    from . import audit

    for row in out:
        row["balance_after"] = account(conn, row["customer_id"], r).balance
        audit.changes(
            conn, "points", None, row["customer_id"],
            {"earned": (row["earned_before"], row["earned_after"])},
        )  # fmt: skip
    return out


def _names(conn: sa.Connection, ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        out.update(conn.execute(sa.select(C.c.id, C.c.name).where(C.c.id.in_(part))).all())
    return out


def balances(bind: Any, ids: list[int] | None = None) -> dict[int, int]:
    """Stored balances (the sum of the rows; expiry not yet written is not taken off) per
    customer, for lists; `account` gives one customer's exact balance."""
    stmt = sa.select(L.c.customer_id, sa.func.sum(L.c.points)).group_by(L.c.customer_id)
    if ids is not None:
        stmt = stmt.where(L.c.customer_id.in_(ids))
    return dict(_conn(bind).execute(stmt).all())


# --- tiers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    index: int
    name: str  # as configured, or the default's English (shown through label())
    threshold: int  # minor units (spend) or points


@dataclass(frozen=True)
class Tiers:
    levels: tuple[Tier, ...]
    basis: str  # spend or points
    window: int  # days
    warn_days: int
    reached_days: int
    currency: str

    def of(self, value: int) -> Tier:
        found = self.levels[0]
        for tier in self.levels:
            if value >= tier.threshold:
                found = tier
        return found


def tier_label(name: str) -> str:
    """A tier's name as people read it: the default names in the interface language."""
    return pgettext("tier", name) if name in DEFAULT_TIERS else name


def tiers() -> Tiers | None:
    """The tiers in force (config tiers.*), or None when none are set."""
    raw = config.get("tiers.thresholds") or []
    if not raw:
        return None
    try:
        values = [float(v) for v in raw]
    except (TypeError, ValueError):
        values = []
    if not values or values != sorted(values) or len(set(values)) != len(values):
        raise _bad_setting(
            "tiers.thresholds", raw, _("expected ascending numbers, one per tier"),
            "0,2000,5000,20000",
        )  # fmt: skip
    basis = str(config.get("tiers.basis") or "spend").strip().lower()
    if basis not in BASES:
        raise _bad_setting("tiers.basis", basis, _("must be spend or points"), "spend")
    names_text = str(config.get("tiers.names") or "").strip()
    names = [n.strip() for n in re.split(r"[,;，；、]+", names_text) if n.strip()]
    if names and len(names) != len(values):
        raise _bad_setting(
            "tiers.names", names_text,
            ngettext("expected {n} name, one per threshold", "expected {n} names, one per "
                     "threshold", len(values)).format(n=len(values)),
            '"普通,银卡,金卡,钻石"',
        )  # fmt: skip
    if not names:  # Standard, Silver, Gold, Diamond (more tiers: numbered)
        many = len(values) > len(DEFAULT_TIERS)
        names = [f"T{i + 1}" if many else DEFAULT_TIERS[i] for i in range(len(values))]
    from ..validate import currency_exponent

    currency = str(config.get("currency") or "USD").upper()
    scale = 10 ** currency_exponent(currency) if basis == "spend" else 1
    levels = tuple(Tier(i, names[i], int(round(v * scale))) for i, v in enumerate(values))
    window = int(config.get("tiers.window_days") or 365)
    if window < 1:
        raise _bad_setting("tiers.window_days", window, _("must be at least 1"), "365")
    return Tiers(
        levels, basis, window, int(config.get("tiers.warn_days") or 0),
        int(config.get("tiers.reached_days") or 0), currency,
    )  # fmt: skip


def _start(day: date) -> datetime:
    """The UTC instant the local day begins."""
    return datetime.combine(day, time(0), tzinfo=clock.local_zone()).astimezone(UTC)


def qualifying_events(
    bind: Any, t: Tiers, ids: Any, since: date, until: date
) -> dict[int, list[tuple[date, int]]]:
    """Per customer, (local day, amount) of what counts towards a tier on those days: purchases
    in the currency (spend) or qualifying ledger rows (points). `ids`: a condition on the
    customer id column, a list of ids, or None for everyone."""
    conn = _conn(bind)
    if t.basis == "spend":
        cid, at, value, table = P.c.customer_id, P.c.at, P.c.amount_minor, P
        extra = [P.c.currency == t.currency]
    else:
        cid, at, value, table = L.c.customer_id, L.c.at, L.c.points, L
        extra = [L.c.kind.in_(QUALIFYING)]
    stmt = (
        sa.select(cid, at, value)
        .select_from(table)
        .where(at >= _start(since), at < _start(until + timedelta(days=1)), *extra)
    )
    if isinstance(ids, list):
        stmt = stmt.where(cid.in_(ids))
    elif ids is not None:
        stmt = stmt.where(ids(cid))
    zone = clock.local_zone()
    out: dict[int, list[tuple[date, int]]] = {}
    for c, when, amount in conn.execute(stmt):
        out.setdefault(c, []).append((when.astimezone(zone).date(), amount))
    for events in out.values():
        events.sort()
    return out


def values_on(bind: Any, day: date, ids: list[int] | None = None) -> dict[int, int]:
    """Each customer's qualifying value over the window ending on `day` (for lists, reports)."""
    t = tiers()
    if t is None:
        return {}
    since = day - timedelta(days=t.window - 1)
    out: dict[int, int] = {}
    for cid, events in qualifying_events(bind, t, ids, since, day).items():
        out[cid] = sum(v for _d, v in events)
    return out


def standing_of(events: list[tuple[date, int]], t: Tiers, today: date) -> dict[str, Any]:
    """A customer's tier on `today` from their qualifying events (local day, amount) of the last
    two windows: value, tier, next tier and what it needs, the day they drop a tier if nothing
    more comes (None: they are in the lowest), and the day they reached their tier."""
    window = timedelta(days=t.window)

    def value(on: date) -> int:
        return sum(v for d, v in events if on - window < d <= on)

    now = value(today)
    tier = t.of(now)
    nxt = t.levels[tier.index + 1] if tier.index + 1 < len(t.levels) else None
    drop = lower = None
    if tier.index > 0:
        by_day: dict[date, int]
        left, by_day = now, {}
        for d, v in events:
            if today - window < d <= today:
                by_day[d] = by_day.get(d, 0) + v
        for d in sorted(by_day):  # a day's events leave the window together, `window` days later
            left -= by_day[d]
            if left < tier.threshold:
                drop, lower = d + window, t.of(left)
                break
    reached = None
    if tier.index > 0:
        days = sorted({d for d, _v in events if today - window < d <= today})
        for d in days:  # the last day the value rose from below the tier to it
            if value(d) >= tier.threshold and value(d - timedelta(days=1)) < tier.threshold:
                reached = d
    return {
        "value": now, "tier": tier, "next": nxt,
        "needed": (nxt.threshold - now) if nxt else None, "drop_on": drop,
        "lower": lower, "reached_on": reached,
    }  # fmt: skip


def standing(bind: Any, customer_id: int, today: date | None = None) -> dict[str, Any] | None:
    """The tier facts of one customer (None when no tiers are set), for `show`."""
    t = tiers()
    if t is None:
        return None
    today = today or clock.today()
    since = today - timedelta(days=2 * t.window)
    events = qualifying_events(bind, t, [customer_id], since, today).get(customer_id, [])
    out = standing_of(events, t, today)
    out.update(basis=t.basis, window=t.window, currency=t.currency)
    return out


def tier_reminders(session: Any, today: date, horizon: date, scope: Any) -> list[dict[str, Any]]:
    """`due`'s tier reminders (origin `tier`, key t<customer>) of the customers in scope: a tier
    reached within tiers.reached_days, else a drop within tiers.warn_days of its day (due that
    many days before). Each carries `stale_on`, the day its facts change with no new data."""
    t = tiers()
    if t is None:
        return []
    from . import due as rules

    F2, C_t = rules.F2, rules.C
    stored = (
        sa.select(sa.func.max(F2.c.created_at))
        .where(F2.c.customer_id == C_t.c.id, F2.c.origin == "tier")
        .scalar_subquery()
        .label("stored_at")
    )
    customers = {
        r.customer_id: r
        for r in session.execute(scope.apply(sa.select(*rules._customer_cols(), stored))).all()
    }
    if not customers:
        return []
    ids = sorted(customers)
    since = today - timedelta(days=2 * t.window)
    events: dict[int, list[tuple[date, int]]] = {}
    for start in range(0, len(ids), 900):
        part = ids[start : start + 900]
        found = qualifying_events(session, t, lambda c, a=part[0], b=part[-1]: c.between(a, b),
                                  since, today)  # fmt: skip
        events.update((c, e) for c, e in found.items() if c in customers)
    out = []
    for cid, evs in events.items():
        s = standing_of(evs, t, today)
        r = customers[cid]
        stored_at = rules._dt(r.stored_at) if r.stored_at is not None else None

        def settled(event: date, stored_at: datetime | None = stored_at) -> bool:
            return stored_at is not None and stored_at >= _start(event - timedelta(_HIDE_DAYS))

        tier = s["tier"]
        if s["reached_on"] and (today - s["reached_on"]).days < t.reached_days:
            if settled(s["reached_on"]):
                continue
            item = rules._row(
                r,
                key=f"t{cid}",
                origin="tier",
                due_date=s["reached_on"],
                note=TIER_REACHED.format(tier=tier.name, day=s["reached_on"]),
            )
            item["stale_on"] = s["reached_on"] + timedelta(days=t.reached_days)
        elif s["drop_on"] and t.warn_days:
            if settled(s["drop_on"]):
                continue
            note = TIER_DROP.format(tier=tier.name, lower=s["lower"].name, day=s["drop_on"])
            item = rules._row(
                r,
                key=f"t{cid}",
                origin="tier",
                due_date=s["drop_on"] - timedelta(days=t.warn_days),
                note=note,
            )
            item["stale_on"] = s["drop_on"]
        else:
            continue
        out.append(item)
    return [i for i in out if i["due_date"] <= horizon]


def fingerprint_settings() -> dict[str, Any]:
    """The settings tier reminders are made from, for the agenda's fingerprint (none when no
    tiers are set, so that a book without tiers keeps its agenda)."""
    if not config.get("tiers.thresholds"):
        return {}
    keys = ("tiers.thresholds", "tiers.names", "tiers.basis", "tiers.window_days",
            "tiers.warn_days", "tiers.reached_days")  # fmt: skip
    return {k: config.get(k) for k in keys}


def per_tier(bind: Any, day: date) -> list[dict[str, Any]] | None:
    """Customers and their revenue (in the window, configured currency) per tier on `day`, for
    `report` and `tiers`; None when no tiers are set. Active customers only."""
    t = tiers()
    if t is None:
        return None
    conn = _conn(bind)
    values = values_on(conn, day)
    since = day - timedelta(days=t.window - 1)
    revenue = dict(
        conn.execute(
            sa.select(P.c.customer_id, sa.func.sum(P.c.amount_minor))
            .where(P.c.at >= _start(since), P.c.at < _start(day + timedelta(days=1)),
                   P.c.currency == t.currency)
            .group_by(P.c.customer_id)
        ).all()
    )  # fmt: skip
    active = conn.execute(
        sa.select(C.c.id).where(C.c.status == "active", C.c.erased_at.is_(None))
    ).scalars()
    rows: dict[int, dict[str, Any]]
    rows = {tier.index: {"tier": tier.name, "threshold": tier.threshold, "customers": 0,
                         "revenue_minor": 0} for tier in t.levels}  # fmt: skip
    for cid in active:
        tier = t.of(values.get(cid, 0))
        rows[tier.index]["customers"] += 1
        rows[tier.index]["revenue_minor"] += revenue.get(cid, 0)
    return [rows[i] for i in sorted(rows)]


def tier_index_of(bind: Any, day: date, ids: list[int] | None = None) -> dict[int, Tier]:
    """Each customer's tier on `day` (customers without qualifying events: the lowest)."""
    t = tiers()
    if t is None:
        return {}
    values = values_on(bind, day, ids)
    return {cid: t.of(v) for cid, v in values.items()}


def find_tier(name: str) -> Tier:
    """A tier by its name as typed (configured, default English or in the interface language)
    or its number (1 = the lowest)."""
    t = tiers()
    if t is None:
        raise CusttrackError(
            _("no tiers are set; set them with `custtrack config set tiers.thresholds "
              "0,2000,5000,20000`")
        )  # fmt: skip
    key = name.strip().lower()
    for tier in t.levels:
        if key in (tier.name.lower(), tier_label(tier.name).lower(), str(tier.index + 1)):
            return tier
    raise InvalidValue(
        "--tier", name, _("no such tier"),
        pgettext("list", ", ").join(tier_label(x.name) for x in t.levels),
    )  # fmt: skip


# --- the profile (`show`) ----------------------------------------------------------------------


def tier_data(s: dict[str, Any] | None) -> dict[str, Any] | None:
    """A customer's tier facts as JSON keeps them (names as configured, money in minor units)."""
    if s is None:
        return None
    return {
        "tier": s["tier"].name,
        "basis": s["basis"],
        "value": s["value"],
        "window_days": s["window"],
        "currency": s["currency"] if s["basis"] == "spend" else None,
        "next": s["next"].name if s["next"] else None,
        "needed": s["needed"],
        "drops_on": s["drop_on"],
        "drops_to": s["lower"].name if s["lower"] and s["drop_on"] else None,
        "reached_on": s["reached_on"],
    }


def profile_extras(session: Any, customer: Any, timeline: list[dict[str, Any]]) -> dict[str, Any]:
    """What issue 15 adds to `show`: points, tier, who brought them and whom they brought,
    a company's contact persons (and who each contact and purchase was with), the health score.
    A few indexed queries, no pandas."""
    from . import accounts, health, referrals

    company = customer.kind == "company"
    if company:
        accounts.persons_of_timeline(session, timeline)
    return {
        "kind": customer.kind,
        "points": summary(session, customer.id),
        "tier": tier_data(standing(session, customer.id)),
        "referred_by": referrals.referrer_of(session, customer),
        "brought": referrals.brought(session, customer.id),
        "persons": accounts.persons(session, customer.id) if company else [],
        "health": health.scores(session, ids=[customer.id]).get(customer.id),
    }
