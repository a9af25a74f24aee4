"""What is due: the stored follow-ups plus reminders computed from rules.

The rules are written once, here, as SQL queries over indexed columns. `due` reads their results
from the agenda (services/agenda.py), a per-customer cache these same functions keep up to date;
they run directly (compute on read) where the agenda cannot answer. The rules:

- cadence (id `c<customer>`): the customer's last contact (the maintained `last_contact_at`, or
  `created_at` if never contacted) plus the cadence is on or before the horizon. Precedence:
  customer > tag > segment > `followups.cadence_default_days`, the shortest within a level. A
  customer with an open planned follow-up is not listed for the cadence too (the plan is the
  reminder).
- birthday (`b<customer>`): the birthday falls within the next `followups.birthday_lead_days`
  (or the horizon); 29 February is celebrated on 28 February in other years.
- post-purchase (`p<purchase>`): `followups.post_purchase_days` after a purchase, once per
  purchase, unless a contact was logged since the purchase.
- complaint (`k<complaint>`): an open complaint whose response deadline
  (`complaints.deadline_hours.<priority>`) falls today or has passed.

Acting on a computed item (done, snooze, reschedule, cancel) first stores it as a follow-up row of
that origin (`materialise`), which then settles the rule: a stored row for the same cycle,
birthday, purchase or complaint hides the computed one. A missed birthday stays overdue for
`followups.reminder_grace_days`, a missed purchase check-in for
`followups.post_purchase_grace_days`; everything else stays until acted on.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, overload

import sqlalchemy as sa
from sqlmodel import Session

from .. import clock, config, dialect
from ..errors import InvalidValue, NotFound
from ..i18n import N_, _, language
from ..models import (
    Cadence,
    Complaint,
    Customer,
    CustomerTag,
    FollowUp,
    Interaction,
    Purchase,
    Tag,
)

F, C, P, K = (m.__table__ for m in (FollowUp, Customer, Purchase, Complaint))
CT, T, CAD, IA = (m.__table__ for m in (CustomerTag, Tag, Cadence, Interaction))
# aliases for subqueries, so they never correlate away against the outer query
F2, P2 = F.alias("f2"), P.alias("p2")

SECTIONS = ("overdue", "today", "upcoming")
PRIORITY_WEIGHT = {"urgent": 8.0, "high": 6.0, "normal": 3.9, "low": 1.8}
ORIGIN_WEIGHT = {
    "complaint": 4.0,
    "at-risk": 2.5,
    "manual": 2.0,
    "post-purchase": 1.5,
    "birthday": 1.5,
    "cadence": 1.0,
    "tier": 1.5,  # a loyalty tier reached or about to be lost (services/loyalty.py)
}
KEY_PREFIX = {"c": "cadence", "b": "birthday", "p": "post-purchase", "k": "complaint"}
KEY_PREFIX["t"] = "tier"  # issue 15
_HALF_YEAR = 183

# The notes of computed reminders are data (kept in the agenda, written to JSON and CSV, copied
# onto the follow-up row when one is acted on), so they are built in English from these forms;
# `note_text` shows them in the interface language.
CADENCE_SKIPPED = N_("every {days}d; skipped on {day}")
CADENCE_LAST = N_("every {days}d; last contact {day}")
CADENCE_NEVER = N_("every {days}d; never contacted")
BIRTHDAY_AGE = N_("birthday {day} (turns {age})")
BIRTHDAY = N_("birthday {day}")
LUNAR_BIRTHDAY_AGE = N_("lunar birthday {lunar} on {day} (turns {age})")
LUNAR_BIRTHDAY = N_("lunar birthday {lunar} on {day}")
CHECK_IN_PRODUCT = N_("check in: bought ({product}) on {day}")
CHECK_IN = N_("check in: bought on {day}")
COMPLAINT_TEXT = N_("complaint #{id} ({category}, {priority}): {text}")
COMPLAINT = N_("complaint #{id} ({category}, {priority})")
_NOTE_FORMS = {
    "cadence": (CADENCE_SKIPPED, CADENCE_LAST, CADENCE_NEVER),
    "birthday": (BIRTHDAY_AGE, BIRTHDAY, LUNAR_BIRTHDAY_AGE, LUNAR_BIRTHDAY),
    "post-purchase": (CHECK_IN_PRODUCT, CHECK_IN),
    "complaint": (COMPLAINT_TEXT, COMPLAINT),
    "tier": (N_("reached {tier} on {day}"), N_("drops from {tier} to {lower} on {day}")),
}
# what each field of a form may hold (product and text are what people typed)
_NOTE_FIELDS = {"days": r"\d+", "age": r"\d+", "id": r"\d+", "day": r"[0-9-]+"}
_NOTE_FIELDS |= {"lunar": r"L?\d\d-\d\d"}
_NOTE_FIELDS |= {"category": r"[a-z-]+", "priority": r"[a-z-]+", "product": ".*", "text": ".*"}
_NOTE_FIELDS |= {"tier": ".+?", "lower": ".+?"}  # tier names (configurable data)


def note_text(note: str | None, origin: str | None) -> str | None:
    """A follow-up's note as people read it: a computed reminder's ("birthday 11-22 (turns 40)")
    in the interface language, any other as written."""
    if not note or language() == "en" or origin not in _NOTE_FORMS:
        return note
    from ..vocab import label

    for form, pattern in _note_patterns(origin):
        m = pattern.fullmatch(note)
        if m:
            fields = m.groupdict()
            if "category" in fields:
                fields["category"] = label("complaint_category", fields["category"])
            if "priority" in fields:
                fields["priority"] = label("priority", fields["priority"])
            for key in ("tier", "lower"):  # the default tier names in the interface language
                if key in fields:
                    fields[key] = label("tier", fields[key])
            if "lunar" in fields:  # 08-15 → 八月十五
                from ..lunar import name

                fields["lunar"] = name(fields["lunar"])
            return _(form).format(**fields)
    return note


@functools.cache
def _note_patterns(origin: str) -> list[tuple[str, re.Pattern[str]]]:
    """The forms of an origin's notes with a pattern that reads one back into its fields."""
    out = []
    for form in _NOTE_FORMS[origin]:
        parts = re.split(r"\{(\w+)\}", form)  # text, field, text, field, …, text
        regex = "".join(
            re.escape(p) if i % 2 == 0 else f"(?P<{p}>{_NOTE_FIELDS[p]})"
            for i, p in enumerate(parts)
        )
        out.append((form, re.compile(regex, re.S)))
    return out


def coefficients() -> dict[str, float]:
    """The urgency coefficients (config `urgency.*`)."""
    return {k: float(config.get(f"urgency.{k}")) for k in ("due", "priority", "value", "origin")}


def currency_scale() -> int:
    """Minor units per major unit of the configured currency (100 for USD)."""
    from ..validate import currency_exponent

    return 10 ** currency_exponent(str(config.get("currency") or "USD"))


def due_factor(days_overdue: int) -> float:
    """Taskwarrior's due curve: 1.0 from 7 days overdue, 0.2 when due in 14 days or more."""
    return round(min(1.0, max(0.2, 0.2 + 0.8 * (days_overdue + 14) / 21)), 3)


def value_factor(spend_major: float) -> float:
    """Lifetime spend on a log scale: 0 for nothing, 1.0 from 100,000 (in major units)."""
    return round(min(1.0, math.log10(1 + max(spend_major, 0)) / 5), 3)


def due_term(days_overdue: int, coef: dict[str, float]) -> float:
    """The due term of the urgency score (days_overdue < 0: due in that many days)."""
    return round(coef["due"] * due_factor(days_overdue), 2)


def urgency_terms(item: dict[str, Any], coef: dict[str, float], scale: int) -> dict[str, float]:
    """The four terms of an item's urgency score (their sum is the score)."""
    return {
        "due": due_term(item["days_overdue"] - item["days_until"], coef),
        "priority": round(coef["priority"] * PRIORITY_WEIGHT.get(item["priority"], 3.9), 2),
        "value": round(coef["value"] * value_factor((item["spend_minor"] or 0) / scale), 2),
        "origin": round(coef["origin"] * ORIGIN_WEIGHT.get(item["origin"], 1.0), 2),
    }


# --- SQL helpers -------------------------------------------------------------------------------


_zone: list[tzinfo] = []  # the local zone, looked up once per computation (see _local_zone)


@contextmanager
def _local_zone() -> Iterator[None]:
    """Hold the local zone for a computation: clock.local_zone() reads the config on each call."""
    _zone.append(clock.local_zone())
    try:
        yield
    finally:
        _zone.pop()


def _tz() -> tzinfo:
    return _zone[-1] if _zone else clock.local_zone()


def _start_utc(day: date) -> datetime:
    """The UTC instant at which the local day `day` begins."""
    return datetime.combine(day, time(0), tzinfo=_tz()).astimezone(UTC)


@overload
def _dt(value: datetime | str) -> datetime: ...
@overload
def _dt(value: Any) -> datetime | None: ...
def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _local_date(value: Any) -> date:
    return _dt(value).astimezone(_tz()).date()


def _utc(value: datetime) -> Any:
    """A bound UTC datetime that compares like the stored column values."""
    from ..models import UTCDateTime

    return sa.literal(value, UTCDateTime())


def _since() -> Any:
    return sa.func.coalesce(C.c.last_contact_at, C.c.created_at)


def _customer_cols() -> list[Any]:
    # columns of the customer row only: per-row subqueries (spend, last channel) cost a random
    # read each, so they are fetched in batches for the rows that need them (see below)
    return [
        C.c.id.label("customer_id"),
        C.c.name.label("customer"),
        C.c.phone,
        C.c.wechat,
        C.c.owner.label("customer_owner"),
    ]


def _attach_spend(session: Session, items: list[dict[str, Any]], today: date) -> None:
    """Lifetime spend per customer in the configured currency, summed over the covering index
    purchases(customer_id, …) when every purchase is in that currency (the usual case)."""
    from .segments import configured_currency, currency_filter

    ids = sorted({i["customer_id"] for i in items})
    mixed = bool(currency_filter(session, today)[0]) if ids else False
    spend: dict[int, int] = {}
    for n in range(0, len(ids), 900):
        stmt = (
            sa.select(P.c.customer_id, sa.func.sum(P.c.amount_minor))
            .where(P.c.customer_id.in_(ids[n : n + 900]))
            .group_by(P.c.customer_id)
        )
        if mixed:
            stmt = stmt.where(P.c.currency == configured_currency())
        spend.update((cid, total) for cid, total in session.execute(stmt))
    for i in items:
        i["spend_minor"] = spend.get(i["customer_id"], 0)


def fill_channels(session: Session, items: list[dict[str, Any]]) -> None:
    """A computed reminder's channel: the one of the customer's last contact."""
    todo = [i for i in items if i["channel"] is None and i["followup_id"] is None]
    ids = sorted({i["customer_id"] for i in todo})
    last = (
        sa.select(IA.c.channel)
        .where(IA.c.customer_id == C.c.id)
        .order_by(IA.c.at.desc())
        .limit(1)
        .scalar_subquery()
    )
    found: dict[int, str | None] = {}
    for n in range(0, len(ids), 900):
        stmt = sa.select(C.c.id, last).where(C.c.id.in_(ids[n : n + 900]))
        found.update((cid, ch) for cid, ch in session.execute(stmt))
    for i in todo:
        i["channel"] = found.get(i["customer_id"])


class Scope:
    """Which customers a due computation looks at (owner, tag, one customer)."""

    def __init__(
        self,
        owner: str | None = None,
        tag: str | None = None,
        customer_id: int | None = None,
        among: tuple[int, int] | list[int] | None = None,
    ) -> None:
        self.owner = owner.strip().lower() if owner else None
        self.tag = tag.strip().lower() if tag else None
        self.customer_id = customer_id
        self.among = among  # customer ids: a list, or an inclusive (first, last) range

    def customers(self, column: Any) -> Any:
        """The condition on a customer id column that the one customer or `among` sets."""
        if self.customer_id is not None:
            return column == self.customer_id
        if isinstance(self.among, tuple):
            return column.between(*self.among)
        if self.among is not None:
            return column.in_(self.among)
        return None

    def apply(self, stmt: Any, owner_col: Any = None) -> Any:
        # coalesce() keeps the planner off the index on status: nearly every customer is active,
        # and without ANALYZE statistics SQLite would walk all of them through that index
        stmt = stmt.where(sa.func.coalesce(C.c.status, "") == "active", C.c.erased_at.is_(None))
        among = self.customers(C.c.id)
        if among is not None:
            stmt = stmt.where(among)
        if self.owner:
            stmt = stmt.where(
                sa.func.lower(owner_col if owner_col is not None else C.c.owner) == self.owner
            )
        if self.tag:
            tagged = sa.select(CT.c.customer_id).join(T, T.c.id == CT.c.tag_id)
            stmt = stmt.where(C.c.id.in_(tagged.where(T.c.name == self.tag)))
        return stmt


def _open_followup_exists() -> Any:
    # coalesce(): look up by customer (a few rows), never by status (all open follow-ups)
    return sa.exists().where(
        F2.c.customer_id == C.c.id, sa.func.coalesce(F2.c.status, "") == "open"
    )


def _row(r: Any, **extra: Any) -> dict[str, Any]:
    out = {
        "customer_id": r.customer_id,
        "customer": r.customer,
        "phone": r.phone,
        "wechat": r.wechat,
        "owner": r.customer_owner,
        "spend_minor": 0,
        "channel": None,
        "priority": "normal",
        "due_time": None,
        "followup_id": None,
        "purchase_id": None,
        "complaint_id": None,
    }
    out.update(extra)
    return out


# --- the sources -------------------------------------------------------------------------------


def _stored(
    session: Session, today: date, horizon: date | None, scope: Scope
) -> list[dict[str, Any]]:
    """Open follow-ups due by the horizon and not snoozed past today (horizon None: all open)."""
    owner = sa.func.coalesce(F.c.owner, C.c.owner)
    stmt = (
        sa.select(
            F.c.id,
            F.c.due_date,
            F.c.due_time,
            F.c.channel,
            F.c.note,
            F.c.owner,
            F.c.origin,
            F.c.priority,
            F.c.complaint_id,
            F.c.snoozed_until,
            *_customer_cols(),
        )  # fmt: skip
        .join(C, C.c.id == F.c.customer_id)
        .where(F.c.status == "open")
    )
    if horizon is not None:
        # a stored birthday keeps the birthday lead, like the computed one
        birthday_end = _birthday_end(today, horizon)
        stmt = stmt.where(
            sa.or_(
                F.c.due_date <= horizon,
                sa.and_(F.c.origin == "birthday", F.c.due_date <= birthday_end),
            )
        ).where(
            # a snoozed one is listed on the day it comes back, if that day is in view too
            sa.or_(
                F.c.snoozed_until.is_(None),
                F.c.snoozed_until <= horizon,
                sa.and_(F.c.origin == "birthday", F.c.snoozed_until <= birthday_end),
            )
        )
    rows = []
    for r in session.execute(scope.apply(stmt, owner)).all():
        rows.append(
            _row(
                r,
                key=str(r.id),
                followup_id=r.id,
                origin=r.origin,
                due_date=r.due_date,
                due_time=r.due_time,
                note=r.note,
                priority=r.priority,
                complaint_id=r.complaint_id,
                owner=r.owner or r.customer_owner,
                channel=r.channel,
                snoozed_until=r.snoozed_until,
            )
        )
    return rows


def _cadence_rules(session: Session) -> tuple[dict[int, int], list[tuple[str, int]], list]:
    customer: dict[int, int] = {}
    tags: list[tuple[str, int]] = []
    segments: list[tuple[str, int]] = []
    for scope, target, days in session.execute(
        sa.select(CAD.c.scope, CAD.c.target, CAD.c.every_days)
    ):
        if scope == "customer":
            customer[int(target)] = days
        elif scope == "tag":
            tags.append((target, days))
        else:
            segments.append((target, days))
    return customer, tags, segments


def _cadence(session: Session, today: date, horizon: date, scope: Scope) -> list[dict[str, Any]]:
    per_customer, per_tag, per_segment = _cadence_rules(session)
    default = int(config.get("followups.cadence_default_days") or 0)
    if not (per_customer or per_tag or per_segment or default):
        return []
    since = _since().label("since")
    # a cadence row closed (done or cancelled) restarts the cycle like a contact
    closed = (
        sa.select(sa.func.max(F2.c.closed_at))
        .where(F2.c.customer_id == C.c.id, F2.c.origin == "cadence", F2.c.status != "open")
        .scalar_subquery()
        .label("cadence_closed")
    )
    base = scope.apply(
        sa.select(*_customer_cols(), C.c.last_contact_at, since, closed).where(
            ~_open_followup_exists()
        )
    )

    def cut(days: int) -> Any:
        return _utc(_start_utc(horizon - timedelta(days=days - 1)))

    found: list[tuple[Any, int]] = []
    if per_customer:
        ids = list(per_customer)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for r in session.execute(base.where(C.c.id.in_(chunk))).all():
                found.append((r, per_customer[r.customer_id]))
    tag_names = [t for t, _ in per_tag]
    tagged = (
        sa.select(CT.c.customer_id).join(T, T.c.id == CT.c.tag_id).where(T.c.name.in_(tag_names))
    )
    if per_tag:
        # due under the shortest tag cadence iff due under any of them (shorter cuts later)
        days_col = sa.func.min(CAD.c.every_days).label("every")
        stmt = (
            base.add_columns(days_col)
            .join(CT, CT.c.customer_id == C.c.id)
            .join(T, T.c.id == CT.c.tag_id)
            .join(CAD, sa.and_(CAD.c.scope == "tag", CAD.c.target == T.c.name))
            .where(C.c.id.not_in(list(per_customer) or [-1]))
            .where(_since() < sa.case(*((CAD.c.every_days == d, cut(d)) for _, d in per_tag)))
            .group_by(C.c.id)
        )
        found.extend((r, r.every) for r in session.execute(stmt).all())
    in_segment: dict[int, int] = {}
    if per_segment:
        from .segments import customer_ids_in_segment

        for name, days in per_segment:
            for cid in customer_ids_in_segment(session, name, today):
                if cid not in per_customer:
                    in_segment[cid] = min(days, in_segment.get(cid, days))
        by_days: dict[int, list[int]] = {}
        for cid, days in in_segment.items():
            by_days.setdefault(days, []).append(cid)
        for days, ids in by_days.items():
            for i in range(0, len(ids), 500):
                stmt = base.where(C.c.id.in_(ids[i : i + 500]), _since() < cut(days))
                if per_tag:
                    stmt = stmt.where(C.c.id.not_in(tagged))
                found.extend((r, days) for r in session.execute(stmt).all())
    if default:
        stmt = base.where(_since() < cut(default))
        if per_customer:
            stmt = stmt.where(C.c.id.not_in(list(per_customer)))
        if per_tag:
            stmt = stmt.where(C.c.id.not_in(tagged))
        found.extend(
            (r, default) for r in session.execute(stmt).all() if r.customer_id not in in_segment
        )
    rows = []
    for r, every in found:
        start = _dt(r.since)
        cycle = max(start, _dt(r.cadence_closed)) if r.cadence_closed else start
        due = _local_date(cycle) + timedelta(days=every)
        if due > horizon:
            continue
        if cycle > start:
            why = CADENCE_SKIPPED.format(days=every, day=_local_date(cycle))
        elif r.last_contact_at is not None:
            why = CADENCE_LAST.format(days=every, day=_local_date(start))
        else:
            why = CADENCE_NEVER.format(days=every)
        rows.append(_row(r, key=f"c{r.customer_id}", origin="cadence", due_date=due, note=why))
    return rows


def birthday_in(year: int, birthday: date) -> date:
    """The day a birthday is celebrated in `year` (29 February → 28 February in common years)."""
    if birthday.month == 2 and birthday.day == 29 and not _leap(year):
        return date(year, 2, 28)
    return birthday.replace(year=year)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _birthday_end(today: date, horizon: date) -> date:
    """Birthdays are shown `followups.birthday_lead_days` ahead even past the horizon."""
    lead = int(config.get("followups.birthday_lead_days") or 0)
    return max(horizon, today + timedelta(days=lead))


def _birthdays(session: Session, today: date, horizon: date, scope: Scope) -> list[dict[str, Any]]:
    grace = int(config.get("followups.reminder_grace_days") or 0)
    start, end = today - timedelta(days=grace), _birthday_end(today, horizon)
    stored = (
        sa.select(sa.func.max(F2.c.created_at))
        .where(F2.c.customer_id == C.c.id, F2.c.origin == "birthday")
        .scalar_subquery()
        .label("stored_at")
    )
    cols = (*_customer_cols(), C.c.birthday, C.c.lunar_birthday, C.c.created_at)
    cols += (C.c.last_contact_at, stored)
    # a customer with a lunar birthday is reminded of that one (the one they celebrate);
    # coalesce(): by the month-day index, never the lunar one (nearly every customer is NULL)
    no_lunar = sa.func.coalesce(C.c.lunar_birthday, "") == ""
    stmt = scope.apply(sa.select(*cols).where(C.c.birthday.is_not(None), no_lunar))
    if (end - start).days < 365:
        days = {start + timedelta(days=i) for i in range((end - start).days + 1)}
        keys = {d.strftime("%m-%d") for d in days}
        if any(d.month == 2 and d.day == 28 and not _leap(d.year) for d in days):
            keys.add("02-29")
        md = dialect.month_day(session, C.c.birthday)  # answered by ix_customers_birthday_md
        stmt = stmt.where(md.in_(dialect.month_day_keys(session, keys)))
    rows = []
    for r in session.execute(stmt).all():
        bday = _date(r.birthday)
        yearly = (birthday_in(year, bday) for year in range(start.year, end.year + 1))
        item = _birthday_item(r, today, [d for d in yearly if start <= d <= end], bday.year)
        if item is not None:
            rows.append(item)
    # `> ''` rather than IS NOT NULL: a range the index on lunar_birthday answers (0009)
    lunar_rows = session.execute(scope.apply(sa.select(*cols).where(C.c.lunar_birthday > ""))).all()
    if lunar_rows:
        from .. import lunar

        for r in lunar_rows:
            year = _date(r.birthday).year if r.birthday is not None else None
            item = _birthday_item(r, today, lunar.occurrences(r.lunar_birthday, start, end), year)
            if item is not None:
                rows.append(item)
    return rows


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _birthday_item(
    r: Any, today: date, days: list[date], born: int | None
) -> dict[str, Any] | None:
    """The reminder of the first of a customer's birthdays `days` (solar days, in order) that
    still needs one; the age when the year of birth is known."""
    from ..dates import NO_YEAR

    known = _local_date(r.created_at)
    for occ in days:
        if occ < known and occ < today:
            continue
        if r.last_contact_at is not None and _dt(r.last_contact_at) >= _start_utc(occ):
            continue  # contacted on or after the birthday
        if r.stored_at is not None and _dt(r.stored_at) >= _start_utc(
            occ - timedelta(days=_HALF_YEAR)
        ):
            continue  # already acted on this year's
        age = occ.year - born if born is not None and born != NO_YEAR else 0
        day = f"{occ:%m-%d}"
        if r.lunar_birthday:
            if 0 < age < 130:
                note = LUNAR_BIRTHDAY_AGE.format(lunar=r.lunar_birthday, day=day, age=age)
            else:
                note = LUNAR_BIRTHDAY.format(lunar=r.lunar_birthday, day=day)
        elif 0 < age < 130:
            note = BIRTHDAY_AGE.format(day=day, age=age)
        else:
            note = BIRTHDAY.format(day=day)
        return _row(r, key=f"b{r.customer_id}", origin="birthday", due_date=occ, note=note)
    return None


def _post_purchase(session: Session, today: date, horizon: date, scope: Scope) -> list[dict]:
    if not config.get("followups.post_purchase_enabled"):
        return []
    after = int(config.get("followups.post_purchase_days") or 0)
    # A check-in a month late is no longer a check-in; a short grace also keeps a busy shop's
    # list (and the cost of computing it) proportional to a week of sales, not a month.
    grace = int(config.get("followups.post_purchase_grace_days") or 0)
    lo = _utc(_start_utc(today - timedelta(days=after + grace)))
    hi = _utc(_start_utc(horizon - timedelta(days=after - 1)))
    # A purchase in the window needs a check-in when no contact and no stored post-purchase
    # follow-up came after it. Per customer that holds for some purchase iff it holds for the
    # latest one, so customers are looked up once each (not once per purchase: a random read
    # of the wide customers row each), and only the ones due get their earliest such purchase.
    latest = sa.select(P.c.customer_id, sa.func.max(P.c.at).label("last")).where(
        P.c.at >= lo, P.c.at < hi
    )
    from .segments import any_refund, fully_refunded

    # a refund is no purchase to check in on, nor is a purchase refunded in full (0013)
    bought: list[Any] = []
    if any_refund(session, today):
        gone = fully_refunded()
        latest = latest.where(P.c.refund_of.is_(None), P.c.id.not_in(gone))
        bought += [P2.c.refund_of.is_(None), P2.c.id.not_in(gone)]
    among = scope.customers(P.c.customer_id)
    if among is not None:
        latest = latest.where(among)
    window = latest.group_by(P.c.customer_id).subquery("w")

    def not_stored(at: Any, customer: Any) -> Any:
        return ~sa.exists().where(
            F2.c.customer_id == customer, F2.c.origin == "post-purchase", F2.c.created_at >= at
        )

    def uncontacted(at: Any) -> Any:
        return sa.or_(C.c.last_contact_at.is_(None), C.c.last_contact_at < at)

    first = (
        sa.select(P2.c.id)
        .where(P2.c.customer_id == C.c.id, P2.c.at >= lo, P2.c.at < hi, *bought)
        .where(uncontacted(P2.c.at), not_stored(P2.c.at, P2.c.customer_id))
        .order_by(P2.c.at, P2.c.id)
        .limit(1)
        .scalar_subquery()
        .label("purchase_id")
    )
    # MATERIALIZED: else SQLite flattens the CTE and runs `first` twice per row
    due = (
        scope.apply(
            sa.select(first, *_customer_cols())
            .select_from(window)
            .join(C, C.c.id == window.c.customer_id)
            .where(uncontacted(window.c.last), not_stored(window.c.last, C.c.id))
        )
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    stmt = sa.select(due, P.c.at, P.c.product).join(P, P.c.id == due.c.purchase_id)
    rows = []
    for r in session.execute(stmt).all():
        day = _local_date(r.at)
        if r.product:
            note = CHECK_IN_PRODUCT.format(product=r.product, day=day)
        else:
            note = CHECK_IN.format(day=day)
        rows.append(_row(
            r, key=f"p{r.purchase_id}", origin="post-purchase", purchase_id=r.purchase_id,
            due_date=day + timedelta(days=after), note=note,
        ))  # fmt: skip
    return rows


def _complaints(
    session: Session, today: date, scope: Scope, until: date | None = None
) -> list[dict[str, Any]]:
    """Open complaints without a follow-up whose deadline falls by `until` (default today)."""
    end = _start_utc((until or today) + timedelta(days=1))
    hours = {p: int(config.get(f"complaints.deadline_hours.{p}")) for p in PRIORITY_WEIGHT}
    limit = sa.case(
        *((K.c.priority == p, _utc(end - timedelta(hours=h))) for p, h in hours.items()),
        else_=_utc(end - timedelta(hours=hours["normal"])),
    )
    # through the index on followups.customer_id (complaint_id has none)
    handled = sa.exists().where(F2.c.customer_id == K.c.customer_id, F2.c.complaint_id == K.c.id)
    stmt = scope.apply(
        sa.select(
            K.c.id.label("complaint_id"),
            K.c.opened_at,
            K.c.priority.label("cpriority"),
            K.c.category,
            K.c.text,
            *_customer_cols(),
        )  # fmt: skip
        .join(C, C.c.id == K.c.customer_id)
        .where(K.c.status == "open", K.c.opened_at < limit, ~handled)
    )
    rows = []
    for r in session.execute(stmt).all():
        deadline = (_dt(r.opened_at) + timedelta(hours=hours.get(r.cpriority, 72))).astimezone(
            _tz()
        )
        note = (COMPLAINT_TEXT if r.text else COMPLAINT).format(
            id=r.complaint_id, category=r.category, priority=r.cpriority, text=r.text
        )
        rows.append(
            _row(
                r,
                key=f"k{r.complaint_id}",
                origin="complaint",
                complaint_id=r.complaint_id,
                priority=r.cpriority,
                due_date=deadline.date(),
                due_time=deadline.time().replace(second=0, microsecond=0, tzinfo=None),
                note=note,
            )  # fmt: skip
        )
    return rows


def _tiers(session: Session, today: date, horizon: date, scope: Scope) -> list[dict[str, Any]]:
    """Loyalty tiers reached or about to be lost (issue 15; the rule is in services/loyalty)."""
    from .loyalty import tier_reminders

    return tier_reminders(session, today, horizon, scope)


# --- putting it together -----------------------------------------------------------------------


def due_items(
    session: Session,
    *,
    today: date | None = None,
    days: int | None = None,
    owner: str | None = None,
    tag: str | None = None,
    channel: str | None = None,
    customer_id: int | None = None,
    origins: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Everything due up to `days` after `today`: sections overdue/today/upcoming, then urgency."""
    with _local_zone():
        return _due_items(session, today, days, owner, tag, channel, customer_id, origins)[0]


def due_page(
    session: Session,
    limit: int,
    *,
    today: date | None = None,
    days: int | None = None,
    owner: str | None = None,
    tag: str | None = None,
    channel: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """The first `limit` items of `due_items` (all when 0) and how many are due in all.

    Read from the agenda when it is up to date for the day (see services/agenda.py; `due` brings
    it up to date first), else computed, summing lifetime spend only for the items that could
    still rank among the first `limit`.
    """
    from . import agenda

    today = today or clock.today()
    with _local_zone():
        if agenda.answers(session, today):
            horizon = horizon_of(today, days)
            return agenda.page(session, limit, today, horizon, Scope(owner, tag), channel)
        return _due_items(session, today, days, owner, tag, channel, None, None, limit)


def horizon_of(today: date, days: int | None) -> date:
    """The last day `due` looks at: `days` (config followups.due_days) after today."""
    days = int(config.get("followups.due_days")) if days is None else days
    if days < 0:
        raise InvalidValue("--days", days, _("must not be negative"))
    return today + timedelta(days=days)


def _due_items(
    session: Session,
    today: date | None,
    days: int | None,
    owner: str | None,
    tag: str | None,
    channel: str | None,
    customer_id: int | None,
    origins: Iterable[str] | None,
    limit: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    today = today or clock.today()
    horizon = horizon_of(today, days)
    scope = Scope(owner, tag, customer_id)
    wanted = set(origins) if origins is not None else None
    coef = coefficients()
    scale = currency_scale()
    order = {s: i for i, s in enumerate(SECTIONS)}
    sources = {
        "stored": lambda: _stored(session, today, horizon, scope),
        "cadence": lambda: _cadence(session, today, horizon, scope),
        "birthday": lambda: _birthdays(session, today, horizon, scope),
        "post-purchase": lambda: _post_purchase(session, today, horizon, scope),
        "complaint": lambda: _complaints(session, today, scope),
        "tier": lambda: _tiers(session, today, horizon, scope),
    }
    items: list[dict[str, Any]] = []
    total = 0
    for origin, compute in sources.items():
        if wanted is not None and origin not in wanted and origin != "stored":
            continue
        found = compute()
        if wanted is not None and origin == "stored":
            found = [i for i in found if i["origin"] in wanted]
        if channel:
            fill_channels(session, found)
            found = [i for i in found if (i["channel"] or "") == channel]
        for item in found:
            place(item, today)
        total += len(found)
        items.extend(found)
        # pruned after each source, so that only one source's list and the candidates are ever
        # held at once (114k items due at 1M customers); the bar only rises as items come in
        if limit and len(items) > limit:
            items = _candidates(items, limit, coef, scale, order)
    _attach_spend(session, items, today)
    rank(items, coef, scale)
    return (items[:limit] if limit else items), total


def shown_on(item: dict[str, Any], today: date) -> date:
    """The day an item is listed on: its due date, or the day a snooze hides it until when that
    is later (and after today: once back, a follow-up is as late as its due date says)."""
    back = item.get("snoozed_until")
    if back is not None and back > today and back > item["due_date"]:
        return back
    return item["due_date"]


def place(item: dict[str, Any], today: date) -> None:
    """Set where an item stands on `today`: the day it is listed on (`shown_on`), days overdue
    or until then, and its section."""
    item["shown_on"] = shown_on(item, today)
    delta = (today - item["shown_on"]).days
    item["days_overdue"] = max(delta, 0)
    item["days_until"] = max(-delta, 0)
    item["section"] = SECTIONS[0 if delta > 0 else 1 if delta == 0 else 2]


def rank(items: list[dict[str, Any]], coef: dict[str, float], scale: int) -> None:
    """Score placed items (urgency and its terms) and sort them in `due`'s order, in place."""
    order = {s: i for i, s in enumerate(SECTIONS)}
    for item in items:
        item["urgency_terms"] = urgency_terms(item, coef, scale)
        item["urgency"] = round(sum(item["urgency_terms"].values()), 2)
    items.sort(key=lambda i: (order[i["section"]], -i["urgency"], i["due_date"], i["key"]))


def _candidates(
    items: list[dict[str, Any]], limit: int, coef: dict[str, float], scale: int, order: dict
) -> list[dict[str, Any]]:
    """The items that can still rank among the first `limit`, whatever the customers spent.

    Spend only moves an item's urgency within [lo, hi] (the value term's range), so an item whose
    best case ranks below the `limit`-th item's worst case is out; the rest get their spend.
    """
    lo, hi = sorted((0.0, round(coef["value"], 2)))
    keyed = []
    bases: dict[tuple, float] = {}  # few distinct (days, priority, origin): score each once
    for item in items:
        sig = (item["days_overdue"], item["days_until"], item["priority"], item["origin"])
        base = bases.get(sig)
        if base is None:
            terms = urgency_terms({**item, "spend_minor": 0}, coef, scale)
            base = bases[sig] = sum(terms.values()) - terms["value"]
        keyed.append((order[item["section"]], base, item))
    worst = heapq.nsmallest(limit, ((sec, -(base + lo)) for sec, base, _ in keyed))[-1]
    # ties stay in (ties are broken by due date and key once spend is known); 0.01 covers rounding
    return [item for sec, base, item in keyed if (sec, -(base + hi) - 0.01) <= worst]


def next_planned(
    session: Session, after: date, today: date, owner: str | None = None, tag: str | None = None
) -> tuple[date, str] | None:
    """The first stored follow-up listed after `after`, on its due date or the later day a
    snooze hides it until (see `shown_on`): (date, customer)."""
    show = sa.case(
        (
            sa.and_(
                F.c.snoozed_until.is_not(None),
                F.c.snoozed_until > F.c.due_date,
                F.c.snoozed_until > today,
            ),
            F.c.snoozed_until,
        ),
        else_=F.c.due_date,
    )
    stmt = (
        sa.select(show.label("day"), C.c.name)
        .join(C, C.c.id == F.c.customer_id)
        .where(F.c.status == "open")
        .where(sa.or_(F.c.due_date > after, F.c.snoozed_until > after))
        .where(show > after)
        .order_by(show)
        .limit(1)
    )
    stmt = Scope(owner, tag).apply(stmt, sa.func.coalesce(F.c.owner, C.c.owner))
    row = session.execute(stmt).first()
    if row is None:
        return None
    day = row.day if isinstance(row.day, date) else date.fromisoformat(row.day)
    return day, row.name


_KEY = re.compile(r"[#f]?(\d+)|([cbpkt])(\d+)", re.IGNORECASE)


def shown_key(item: dict[str, Any]) -> str:
    """The id `due` shows for an item: F19 for a stored follow-up (never a bare number, which
    reads as a customer's), the computed reminder's own key (c12, b12, p345, k7) otherwise."""
    return f"F{item['followup_id']}" if item.get("followup_id") else item["key"]


def parse_key(text: str) -> tuple[str | None, int]:
    """'F12', 'f12', '12' or '#12' → (None, 12); 'c5' → ('cadence', 5)."""
    m = _KEY.fullmatch((text or "").strip())
    if not m:
        raise InvalidValue(
            "ID", text, _("not a follow-up id"),
            _("F12 from `custtrack due`, or c12 / b12 / p345 / k7 for computed reminders"),
        )  # fmt: skip
    if m[1]:
        return None, int(m[1])
    return KEY_PREFIX[m[2].lower()], int(m[3])


def computed_item(session: Session, origin: str, ident: int) -> dict[str, Any]:
    """The computed reminder with this key, as `due` would list it (looking a year ahead)."""
    if origin == "post-purchase":
        purchase = session.get(Purchase, ident)
        customer_id = purchase.customer_id if purchase else None
    elif origin == "complaint":
        complaint = session.get(Complaint, ident)
        customer_id = complaint.customer_id if complaint else None
    else:
        customer_id = ident
    key = f"{ {v: k for k, v in KEY_PREFIX.items()}[origin] }{ident}"
    if customer_id is not None:
        for item in due_items(session, days=366, customer_id=customer_id, origins=[origin]):
            if item["key"] == key:
                return item
    raise NotFound(_("nothing is due for {key}; see `custtrack due`").format(key=key))
