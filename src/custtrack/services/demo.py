"""Loading the bundled example shop (examples/*.csv) through custtrack's own services.

Every row goes through the same validation as the commands (phones, e-mails, money, channels,
dates), so the demo also proves that the example data are valid. The files are described in
examples/generate.py; customers are linked by their external id (C0001 …).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from .. import clock
from ..errors import Conflict, CusttrackError, InvalidValue, NotFound
from ..i18n import _
from ..models import Campaign, Customer, Feedback, Interaction, Purchase
from ..validate import check_text, choice, parse_money
from ..vocab import CHANNELS, COMPLAINT_STATUS, FOLLOWUP_STATUS, LOST_REASONS
from . import customers, followups, records
from .bulk import insert_rows

DEMO_DATE = date(2026, 11, 20)  # the examples are written relative to this day
CURRENCY = "CNY"
SHOWCASE = "C0003"  # the customer the demo shows
# in load order; campaigns.csv is optional
FILES = ("customers", "interactions", "purchases", "feedback", "complaints", "followups")
CUSTOMER_FIELDS = (
    "external_id", "name", "phone", "email", "wechat", "company", "address", "city", "birthday",
    "gender", "source", "owner", "price_sensitivity", "notes",
)  # fmt: skip


def find_examples() -> Path:
    """The examples folder: $CUSTTRACK_EXAMPLES, else the copy installed with the package
    (`custtrack.examples`, which is examples/ of the source checkout in a development install)."""
    env = os.environ.get("CUSTTRACK_EXAMPLES")
    if env:
        candidates = [Path(env).expanduser()]
    else:
        from importlib.resources import files

        candidates = [Path(str(files("custtrack.examples")))]
    for folder in candidates:
        if (folder / "customers.csv").is_file():
            return folder
    raise NotFound(
        _(
            "no example data found in {where}; set CUSTTRACK_EXAMPLES to the folder holding "
            "customers.csv, or regenerate it with `python examples/generate.py`"
        ).format(where=candidates[0])
    )


@contextmanager
def _at(filename: str, line: int) -> Iterator[None]:
    """Prefix any error with the file and line, keeping its type (and so its exit code)."""
    try:
        yield
    except CusttrackError as exc:
        exc.args = (_("{file} line {line}: {error}").format(file=filename, line=line, error=exc),)
        raise


def _rows(folder: Path, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    path = folder / f"{name}.csv"
    if not path.is_file():
        raise NotFound(_("{path} is missing from the example data").format(path=path))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def _moment(text: str, field: str, zone: tzinfo | None = None) -> datetime:
    """A local wall-clock 'YYYY-MM-DD HH:MM' to an aware datetime; never after today."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        hint = _("e.g. 2026-03-05 14:30")
        raise InvalidValue(field, text, _("not an ISO date and time"), hint) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or clock.local_zone())
    if value.date() > clock.today():
        raise InvalidValue(field, text, _("is in the future; the examples end yesterday"))
    return value


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(field, text, _("not an ISO date"), _("e.g. 2026-03-05")) from None


def _int(text: str, field: str) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidValue(field, text, _("not a whole number")) from None


def _customer(by_ext: dict[str, Customer], row: dict[str, str]) -> Customer:
    ext = row.get("customer_external_id", "")
    if ext not in by_ext:
        raise NotFound(
            _("customer_external_id {value} is not in customers.csv").format(value=repr(ext))
        )
    return by_ext[ext]


def load_examples(session: Session, folder: Path) -> dict[str, int]:
    """Load every example file into the database; returns rows loaded per file name.

    Runs inside the caller's transaction: any bad row raises (naming file and line) and the
    caller's session rolls everything back.
    """
    folder = Path(folder)
    counts = dict.fromkeys(FILES, 0)
    by_ext: dict[str, Customer] = {}
    to_archive: list[Customer] = []

    # add() flushes each new customer itself; autoflush before every lookup only re-sends
    # the fields set below, one UPDATE per customer
    with session.no_autoflush:
        for line, row in _rows(folder, "customers"):
            with _at("customers.csv", line):
                raw = {k: row.get(k, "") for k in CUSTOMER_FIELDS}
                if raw["external_id"] in by_ext:
                    raise Conflict(
                        _("external_id {value} appears twice").format(
                            value=repr(raw["external_id"])
                        )
                    )
                tags = [t for t in row.get("tags", "").split(";") if t.strip()]
                c = customers.add(session, raw, tags=tags)
                if row.get("created_at"):
                    c.created_at = c.updated_at = _moment(row["created_at"], "created_at")
                if row.get("lost_reason"):
                    c.lost_reason = choice(row["lost_reason"], LOST_REASONS, "lost_reason")
                    c.lost_note = check_text(row.get("lost_note") or None, "lost_note", 1000)
                    c.lost_at = _moment(row.get("lost_at") or row["created_at"], "lost_at")
                status = choice(row.get("status") or "active", ("active", "archived"), "status")
                if status == "archived":
                    to_archive.append(c)  # after its follow-ups: plan() refuses archived customers
                session.add(c)
                by_ext[raw["external_id"]] = c
                counts["customers"] += 1

    # The three big files are checked with the same rules as `log`, `buy` and `feedback` and
    # then inserted in bulk: through the ORM services, one flush per row, they took ~6 s.
    zone = clock.local_zone()
    now = clock.utcnow()
    conn = session.connection()
    last_contact: dict[int, datetime] = {}
    rows = []
    for line, row in _rows(folder, "interactions"):
        with _at("interactions.csv", line):
            c = _customer(by_ext, row)
            assert c.id is not None  # customers.add flushed it
            at = _moment(row["at"], "at", zone)
            rows.append(
                {
                    "customer_id": c.id,
                    "at": at,
                    "channel": choice(row.get("channel") or "", CHANNELS, "channel"),
                    "summary": check_text(row.get("summary") or None, "summary"),
                    "outcome": check_text(row.get("outcome") or None, "outcome", 200),
                    "owner": check_text(row.get("owner") or None, "owner", 100),
                    "batch_id": None,
                    "created_at": now,
                }
            )
            if c.id not in last_contact or last_contact[c.id] < at:
                last_contact[c.id] = at
    counts["interactions"] = insert_rows(conn, Interaction.__table__, rows)
    for c in by_ext.values():  # what log_contact maintains: the time of the newest contact
        newest = last_contact.get(c.id) if c.id is not None else None
        if newest is not None and (c.last_contact_at is None or c.last_contact_at < newest):
            c.last_contact_at = newest
            session.add(c)

    rows = []
    refs = set(session.exec(select(Purchase.order_ref).where(col(Purchase.order_ref).is_not(None))))
    for line, row in _rows(folder, "purchases"):
        with _at("purchases.csv", line):
            currency = (row.get("currency") or CURRENCY).upper()
            qty = _int(row.get("qty", ""), "qty") or 1
            if qty < 1:
                raise InvalidValue("qty", qty, _("must be at least 1"))
            ref = row.get("order_ref") or None
            if ref is not None:
                if ref in refs:
                    raise Conflict(
                        _("order reference {ref} is already recorded").format(ref=repr(ref))
                    )
                refs.add(ref)
            rows.append(
                {
                    "customer_id": _customer(by_ext, row).id,
                    "at": _moment(row["at"], "at", zone),
                    "product": check_text(row.get("product") or None, "product", 200),
                    "category": check_text(row.get("category") or None, "category", 100),
                    "qty": qty,
                    "amount_minor": parse_money(row.get("amount", ""), currency, "amount"),
                    "currency": currency,
                    "order_ref": ref,
                    "batch_id": None,
                    "created_at": now,
                }
            )
    counts["purchases"] = insert_rows(conn, Purchase.__table__, rows)

    rows = []
    for line, row in _rows(folder, "feedback"):
        with _at("feedback.csv", line):
            csat, nps = _int(row.get("csat", ""), "csat"), _int(row.get("nps", ""), "nps")
            text = check_text(row.get("text") or None, "text")
            if csat is None and nps is None and not text:
                raise InvalidValue("csat/nps/text", "", _("give a score or a text"))
            if csat is not None and not 1 <= csat <= 5:
                raise InvalidValue("csat", csat, _("must be between 1 and 5"))
            if nps is not None and not 0 <= nps <= 10:
                raise InvalidValue("nps", nps, _("must be between 0 and 10"))
            rows.append(
                {
                    "customer_id": _customer(by_ext, row).id,
                    "at": _moment(row["at"], "at", zone),
                    "csat": csat,
                    "nps": nps,
                    "text": text,
                    "channel": choice(row.get("channel") or None, CHANNELS, "channel"),
                    "batch_id": None,
                    "created_at": now,
                }
            )
    counts["feedback"] = insert_rows(conn, Feedback.__table__, rows)

    for line, row in _rows(folder, "complaints"):
        with _at("complaints.csv", line):
            item = records.open_complaint(
                session,
                _customer(by_ext, row),
                category=row["category"],
                priority=row.get("priority") or "normal",
                text=row.get("text") or None,
                assignee=row.get("assignee") or None,
                at=_moment(row["opened_at"], "opened_at"),
            )
            status = choice(row.get("status") or "open", COMPLAINT_STATUS, "status")
            if status == "resolved":
                assert item.id is not None  # open_complaint flushed it
                records.resolve_complaint(session, item.id, row.get("resolution", ""))
                resolved = _moment(row.get("resolved_at") or row["opened_at"], "resolved_at")
                if resolved < item.opened_at:
                    raise InvalidValue("resolved_at", row["resolved_at"], _("is before opened_at"))
                item.resolved_at = item.updated_at = resolved
            else:
                item.updated_at = item.opened_at
            session.add(item)
            counts["complaints"] += 1

    for line, row in _rows(folder, "followups"):
        with _at("followups.csv", line):
            due_time = None
            if row.get("due_time"):
                try:
                    due_time = time.fromisoformat(row["due_time"])
                except ValueError:
                    raise InvalidValue(
                        "due_time", row["due_time"], _("not a time"), _("e.g. 15:00")
                    ) from None
            fu = followups.plan(
                session,
                _customer(by_ext, row),
                _day(row["due_date"], "due_date"),
                due_time,
                channel=row.get("channel") or None,
                note=row.get("note") or None,
                owner=row.get("owner") or None,
                origin=row.get("origin") or "manual",
                priority=row.get("priority") or "normal",
            )
            if row.get("created_at"):
                fu.created_at = _moment(row["created_at"], "created_at")
            status = choice(row.get("status") or "open", FOLLOWUP_STATUS, "status")
            assert status is not None  # choice() of a str is a str
            fu.status = status
            if fu.status != "open":
                fu.closed_at = _moment(row.get("closed_at") or row["due_date"], "closed_at")
            session.add(fu)
            counts["followups"] += 1

    if (folder / "campaigns.csv").is_file():
        counts["campaigns"] = _load_campaigns(session, folder)

    for c in to_archive:
        customers.set_archived(session, c)
    session.flush()
    return counts


def _load_campaigns(session: Session, folder: Path) -> int:
    """Marketing spend per acquisition source (no service for campaigns is needed elsewhere)."""
    n = 0
    for line, row in _rows(folder, "campaigns"):
        with _at("campaigns.csv", line):
            currency = (row.get("currency") or CURRENCY).upper()
            name = check_text(row["name"], "name", 200)
            source = check_text(row["source"], "source", 200)
            assert name is not None and source is not None  # check_text() of a str is a str
            if session.exec(select(Campaign).where(Campaign.name == name)).first():
                raise Conflict(_("campaign {name} appears twice").format(name=repr(name)))
            session.add(
                Campaign(
                    name=name,
                    source=source,
                    channel=choice(row.get("channel") or None, CHANNELS, "channel"),
                    cost_minor=parse_money(row.get("cost") or "0", currency, "cost"),
                    currency=currency,
                    start=_day(row["start"], "start"),
                    end=_day(row["end"], "end") if row.get("end") else None,
                    created_at=clock.utcnow(),
                )
            )
            n += 1
    return n


def showcase(session: Session) -> Customer | None:
    """The customer the demo shows (C0003: a loyal VIP with a follow-up due today)."""
    found = session.exec(select(Customer).where(Customer.external_id == SHOWCASE)).first()
    return found or session.exec(select(Customer).order_by(col(Customer.id))).first()


def summary(session: Session) -> dict[str, Any]:
    """Headline numbers computed in SQL, for when the report command is not available."""
    import sqlalchemy as sa

    from ..models import Complaint, FollowUp

    p = Purchase.__table__
    today = clock.today()
    active = session.exec(
        select(sa.func.count()).select_from(Customer).where(Customer.status == "active")
    ).one()
    # the lines of one order share the customer and the moment
    occasions = sa.select(p.c.customer_id, p.c.at).distinct().subquery()
    orders = session.execute(sa.select(sa.func.count()).select_from(occasions)).scalar_one()
    revenue = {
        cur: amount
        for cur, amount in session.execute(
            sa.select(p.c.currency, sa.func.sum(p.c.amount_minor)).group_by(p.c.currency)
        )
    }
    buyers = session.execute(sa.select(sa.func.count(sa.distinct(p.c.customer_id)))).scalar_one()
    open_complaints = session.exec(
        select(sa.func.count()).select_from(Complaint).where(Complaint.status == "open")
    ).one()
    open_fu = session.exec(
        select(sa.func.count()).select_from(FollowUp).where(FollowUp.status == "open")
    ).one()
    overdue = session.exec(
        select(sa.func.count())
        .select_from(FollowUp)
        .where(FollowUp.status == "open", FollowUp.due_date < today)
    ).one()
    return {
        "customers": active,
        "buyers": buyers,
        "orders": orders,
        "revenue_minor": revenue,
        "open_complaints": open_complaints,
        "open_followups": open_fu,
        "overdue_followups": overdue,
    }
