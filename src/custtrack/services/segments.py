"""RFM scores and segments without pandas, for the daily commands (`list --segment`, cadences).

The rules here are the single definition: the pandas path in custtrack.analytics.rfm gives the
same scores and segments (a test holds both to that).

Scoring rule (quintiles by mid-rank): among customers who bought, each value gets the mean of the
positions it would occupy when sorted (ties share it), p = (midrank - 1/2) / n, and
score = 1 + floor(5 p), so 5 customers score 1..5, 10 score 1,1,2,2 … 5,5, 7 score 1,2,2,3,4,4,5,
one customer or all tied score 3. Recency is ranked the other way round (recent = 5).
Fixed cut points (config rfm.*_cuts, four ascending numbers c1..c4) replace quintiles: recency
≤c1 → 5 … >c4 → 1; frequency and monetary ≤c1 → 1 … >c4 → 5 (monetary in major units).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from .. import clock, config, dialect
from ..errors import CusttrackError, InvalidValue
from ..i18n import C_, N_, _

# The usual 11-segment grid: (name, (R, FM) cells, suggested action), where FM is the mean of
# F and M rounded to the nearest whole number, halves to the even one (1.5 → 2, 2.5 → 2,
# 3.5 → 4, 4.5 → 4), as pandas and Python round. Names and actions are stored and written (JSON)
# in English; people read them through vocab.label("segment", name) and _(action).
SEGMENTS: tuple[tuple[str, tuple[tuple[int, int], ...], str], ...] = (
    (C_("segment", "Champions"), ((5, 5), (5, 4), (4, 5)),
     N_("reward them; ask for reviews and referrals")),
    (C_("segment", "Loyal"), ((4, 4), (3, 5), (3, 4)),
     N_("upsell; offer a membership or loyalty perk")),
    (C_("segment", "Potential Loyalist"), ((5, 3), (4, 3), (5, 2)),
     N_("nurture: recommend related products")),
    (C_("segment", "New"), ((5, 1),), N_("welcome them; help with the first experience")),
    (C_("segment", "Promising"), ((4, 1), (4, 2)),
     N_("nurture: a follow-up offer to build the habit")),
    (C_("segment", "Need Attention"), ((3, 3),),
     N_("reconnect with a personal, limited-time offer")),
    (C_("segment", "About to Sleep"), ((3, 2), (3, 1)),
     N_("reactivate: share something new before they drift")),
    (C_("segment", "At Risk"), ((2, 4), (2, 3), (1, 4)),
     N_("win back: contact personally, find out what changed")),
    (C_("segment", "Can't Lose Them"), ((2, 5), (1, 5)),
     N_("win back now: call them, make it right")),
    (C_("segment", "Hibernating"), ((2, 2), (2, 1), (1, 3)),
     N_("re-engage cheaply: a seasonal offer")),
    (C_("segment", "Lost"), ((1, 2), (1, 1)), N_("win back once, then let go")),
)  # fmt: skip
SEGMENT_NAMES = tuple(s[0] for s in SEGMENTS)
ACTIONS = {s[0]: s[2] for s in SEGMENTS}
GRID = {cell: s[0] for s in SEGMENTS for cell in s[1]}


def fm_score(f: int, m: int) -> int:
    """F and M combined: their mean, rounded half to even."""
    return round((f + m) / 2)


def segment_of(r: int, f: int, m: int) -> str:
    """The named segment for an R, F, M score triple."""
    return GRID[(r, fm_score(f, m))]


def rfm_segment_name(name: str) -> str | None:
    """The RFM segment a name as typed ('cant-lose-them', 'champions') means, if any."""
    key = re.sub(r"[^a-z]", "", name.lower())
    found = next((s for s in SEGMENT_NAMES if re.sub(r"[^a-z]", "", s.lower()) == key), None)
    if found is None and not name.isascii():  # its Chinese name: 重要挽留客户 … (issue 17.14)
        from ..vocab import _chinese

        found = next((s for s in SEGMENT_NAMES if _chinese("segment", s) == name.strip()), None)
    return found


def saved_segment(conn: Any, name: str) -> tuple[int, str] | None:
    """(id, name) of the segment saved under this name (`clusters --save`), any case."""
    from ..models import saved_segments as t

    stmt = sa.select(t.c.id, t.c.name).where(sa.func.lower(t.c.name) == name.strip().lower())
    row = conn.execute(stmt).first()
    return (row[0], row[1]) if row else None


def normalise_segment(name: str, session: Any = None) -> str:
    """A segment name as typed ('cant-lose-them', 'champions') to its display name; with a
    session, a saved segment's name (`clusters --save`) too."""
    from .referrals import ADVOCATES, is_advocate_segment

    if is_advocate_segment(name):  # issue 15: customers who brought others
        return ADVOCATES
    seg = rfm_segment_name(name)
    if seg is not None:
        return seg
    saved = saved_segment(session, name) if session is not None else None
    if saved is not None:
        return saved[1]
    raise InvalidValue(
        "segment",
        name,
        _("unknown segment"),
        _("one of: {names}").format(names=_segment_names()),
    )


# When segments start to mean something (issue 17.11). RFM scores rank buyers against each
# other, so a young or tiny book still fills every segment: on a first week's data a customer who
# bought five days ago is "At Risk" because the others bought four days ago. Two conditions:
# - at least MIN_HISTORY_DAYS (90) days from the first purchase to the as-of day: a quarter holds
#   a repeat purchase of most small shops' regulars, so recency and frequency can tell who slows
#   down (shorter, every recency is "recent");
# - at least MIN_BUYERS (20) buyers: quintiles put n/5 customers in a score, and with 20 buyers
#   each score holds at least 4, so one customer does not swing a segment (fewer, a single
#   purchase moves people across segments).
# Under either, scores are still shown but no segment name is given to a customer.
MIN_HISTORY_DAYS = 90
MIN_BUYERS = 20
_TOO_FEW_DAYS = N_(
    "segments are not yet meaningful: {days} days of purchases (from {first}), at least {min} "
    "needed"
)
_TOO_FEW_BUYERS = N_(
    "segments are not yet meaningful: {buyers} customers who bought, at least {min} needed"
)
TOO_EARLY = C_("segment", "too early")  # what a customer's segment reads as on a young book


def maturity(
    first: date | None, as_of: date, buyers: int, shown: bool = True
) -> tuple[bool, str | None]:
    """(meaningful, reason) of RFM segments on a book whose first purchase was on `first`, with
    `buyers` customers who bought up to `as_of`; the reason in the interface language when
    `shown`, else in English (JSON). The rule and why: MIN_HISTORY_DAYS and MIN_BUYERS."""
    tr = _ if shown else (lambda text: text)
    if first is None:
        return False, tr(_TOO_FEW_BUYERS).format(buyers=0, min=MIN_BUYERS)
    days = (as_of - first).days
    if days < MIN_HISTORY_DAYS:
        return False, tr(_TOO_FEW_DAYS).format(days=days, first=first, min=MIN_HISTORY_DAYS)
    if buyers < MIN_BUYERS:
        return False, tr(_TOO_FEW_BUYERS).format(buyers=buyers, min=MIN_BUYERS)
    return True, None


def first_purchase_day(conn: Any, as_of: date) -> date | None:
    """The local day of the first purchase up to the end of `as_of`, if any."""
    sql = "SELECT min(at) FROM purchases WHERE at < :end"
    found = raw_fetch(conn, sql, {"end": stored(end_of_day_utc(as_of))})[0][0]
    if found is None:
        return None
    return dialect.to_datetime(found).astimezone(clock.local_zone()).date()


def book_maturity(
    conn: Any, as_of: date, buyers: int, shown: bool = True
) -> tuple[bool, str | None]:
    """maturity() of the book in the store (a Session or Connection)."""
    return maturity(first_purchase_day(conn, as_of), as_of, buyers, shown)


def _segment_names() -> str:
    """The segment names as an error lists them, in the interface language."""
    from ..i18n import is_chinese
    from ..vocab import label

    if not is_chinese():
        return ", ".join(SEGMENT_NAMES)
    return "、".join(label("segment", s) for s in SEGMENT_NAMES)


def cuts(kind: str) -> list[float] | None:
    """The configured fixed cut points for recency/frequency/monetary, or None for quintiles."""
    value = config.get(f"rfm.{kind}_cuts") or []
    if not value:
        return None
    try:
        numbers = [float(v) for v in value]
    except (TypeError, ValueError):
        numbers = []
    if len(numbers) != 4 or numbers != sorted(numbers):
        raise CusttrackError(
            _(
                "config rfm.{kind}_cuts must be four ascending numbers (got {value}); "
                "fix it with `custtrack config set rfm.{kind}_cuts 30,60,120,240` or set it to ''"
            ).format(kind=kind, value=repr(value))
        )
    return numbers


def quintile_scores(values: list[float], higher_is_better: bool = True) -> list[int]:
    """Scores 1..5 by the mid-rank rule in the module docstring."""
    n = len(values)
    if n == 0:
        return []
    keyed = sorted(range(n), key=lambda i: values[i] if higher_is_better else -values[i])
    scores = [0] * n
    pos = 0
    while pos < n:
        end = pos
        v = values[keyed[pos]]
        while end + 1 < n and values[keyed[end + 1]] == v:
            end += 1
        midrank = (pos + end) / 2 + 1  # 1-based mean position of the tie group
        score = min(5, 1 + math.floor(5 * (midrank - 0.5) / n))
        for k in range(pos, end + 1):
            scores[keyed[k]] = score
        pos = end + 1
    return scores


def cut_score(value: float, cut_points: list[float], higher_is_better: bool = True) -> int:
    below = sum(1 for c in cut_points if value > c)
    return 1 + below if higher_is_better else 5 - below


# --- reading occasions from the store ------------------------------------------------------------


def _offset(zone: tzinfo, at: datetime) -> int:
    off = at.astimezone(zone).utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def _transitions(zone: tzinfo, lo: datetime, hi: datetime) -> list[tuple[datetime, int]]:
    """(UTC instant, offset seconds from then on) for every offset change between lo and hi."""
    out: list[tuple[datetime, int]] = []
    day = lo.replace(hour=0, minute=0, second=0, microsecond=0)
    prev = _offset(zone, day)
    while day <= hi:
        nxt = day + timedelta(days=1)
        off = _offset(zone, nxt)
        if off != prev:
            a, b = day, nxt  # the change lies in (a, b]: bisect to the second
            while (b - a) > timedelta(seconds=1):
                mid = a + (b - a) / 2
                if _offset(zone, mid) == prev:
                    a = mid
                else:
                    b = mid
            out.append((b.replace(microsecond=0), off))
            prev = off
        day = nxt
    return out


def end_of_day_utc(day: date) -> datetime:
    """The first UTC instant after the local day `day`: data at or after it are 'later'."""
    return clock.combine(day + timedelta(days=1), datetime.min.time()).astimezone(UTC)


def stored(value: datetime) -> str:
    """A UTC datetime in the text form SQLAlchemy stores in SQLite (sorts like the instant; on
    PostgreSQL, whose connections are in UTC, it compares as the same instant)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def zone_steps(conn: Any) -> tuple[int, list[tuple[datetime, int]]] | None:
    """The local UTC offset (seconds) at the first purchase and every change of it up to the
    last one, as (first offset, [(UTC instant, offset from then on)]); None without purchases."""
    # two scalar subqueries: SQLite answers each from the end of the index on purchases(at),
    # while min() and max() in one SELECT scan the whole index (0.3 s at 1M purchases)
    sql = "SELECT (SELECT min(at) FROM purchases), (SELECT max(at) FROM purchases)"
    lo, hi = conn.execute(sa.text(sql)).one()
    if lo is None:
        return None
    zone = clock.local_zone()
    lo, hi = dialect.to_datetime(lo), dialect.to_datetime(hi)
    return _offset(zone, lo), _transitions(zone, lo, hi)


def offset_sql(conn: Any) -> Callable[[str], str] | None:
    """SQL giving the local zone's UTC offset in seconds for a datetime expression of
    purchases.at (a CASE over the zone's transitions when DST falls in the data's range)."""
    found = zone_steps(conn)
    if found is None:
        return None
    first, steps = found
    if not steps:
        return lambda expr: str(first)

    def case(expr: str) -> str:
        parts, current = [], first
        for instant, off in steps:
            parts.append(f"WHEN {expr} < '{stored(instant)}' THEN {current}")
            current = off
        return f"(CASE {' '.join(parts)} ELSE {current} END)"

    return case


EPOCH_SHIFT_DAYS = dialect.EPOCH_SHIFT_DAYS


def day_sql(conn: Any, off: Callable[[str], str], expr: str = "at") -> tuple[str, bool]:
    """SQL for the local day of `expr`: (integer days since 1970 + EPOCH_SHIFT_DAYS, True), or
    on SQLite before 3.38, (a YYYY-MM-DD text, False). Integers are cheaper to group on."""
    return dialect.day_number(conn, expr, off(expr))


def customer_summaries(conn: Any, as_of: date | None = None) -> list[tuple]:
    """Per buying customer up to the end of `as_of`: (id, first day, last day, occasions, spend).

    One occasion = one customer's purchases on one local day. One GROUP BY answered by the
    covering index purchases(customer_id, at, amount_minor); `conn` is a Session or Connection.

    Refunds (issue 17.7): spend is what was paid less what was refunded by as_of; a refund line
    is no occasion, nor is a purchase refunded in full by then (a customer with nothing else is
    no buyer). Without a refund by as_of the query is the plain one.
    """
    as_of = as_of or clock.today()
    off = offset_sql(conn)
    if off is None:
        return []
    day = day_sql(conn, off)[0]
    only, _ = currency_filter(conn, as_of)
    params = {"end": stored(end_of_day_utc(as_of)), "cur": configured_currency()}
    if not any_refund(conn, as_of):
        first = dialect.local_date(conn, "min(at)", off("min(at)"))
        last = dialect.local_date(conn, "max(at)", off("max(at)"))
        # local time only moves forward with UTC: the first/last local day is min/max(at)'s
        sql = (
            f"SELECT customer_id, {first}, {last}, count(DISTINCT {day}), "
            f"sum(amount_minor) FROM purchases WHERE at < :end{only} GROUP BY customer_id"
        )
        return raw_fetch(conn, sql, params)
    fully = FULLY_REFUNDED.format(at=dialect.unindexed(conn, "r.at"))
    kept = f"(refund_of IS NULL AND id NOT IN ({fully}))"
    lo, hi = (f"{f}(CASE WHEN {kept} THEN at END)" for f in ("min", "max"))
    first = dialect.local_date(conn, lo, off(lo))
    last = dialect.local_date(conn, hi, off(hi))
    sql = (
        f"SELECT customer_id, {first}, {last}, count(DISTINCT CASE WHEN {kept} THEN {day} END), "
        f"sum(amount_minor) FROM purchases WHERE at < :end{only} GROUP BY customer_id "
        f"HAVING count(CASE WHEN {kept} THEN 1 END) > 0"
    )
    return raw_fetch(conn, sql, params)


def fully_refunded() -> sa.Select:
    """The ids of the purchases refunded in full (their refunds add up to their amount), as a
    subquery; FULLY_REFUNDED is the same in plain SQL, up to a time."""
    from ..models import Purchase

    paid, back = Purchase.__table__.alias("paid"), Purchase.__table__.alias("back")
    return (
        sa.select(paid.c.id)
        .join(back, back.c.refund_of == paid.c.id)
        .group_by(paid.c.id, paid.c.amount_minor)
        .having(-sa.func.sum(back.c.amount_minor) >= paid.c.amount_minor)
    )


# the purchases refunded in full by :end (their refunds add up to their amount)
FULLY_REFUNDED = (
    "SELECT o.id FROM purchases o JOIN purchases r ON r.refund_of = o.id WHERE {at} < :end "
    "GROUP BY o.id, o.amount_minor HAVING -sum(r.amount_minor) >= o.amount_minor"
)


def any_refund(conn: Any, as_of: date) -> bool:
    """Whether a refund was made by the end of as_of (one seek on ix_purchases_refund_of and
    a look at the rows it finds; remembered per session or connection). `at` unindexed: else
    SQLite walks the index on `at` over every purchase (0.2 s at M)."""
    end = stored(end_of_day_utc(as_of))
    key = ("custtrack.any_refund", end)
    if key not in conn.info:
        at = dialect.unindexed(conn, "at")
        sql = f"SELECT 1 FROM purchases WHERE refund_of IS NOT NULL AND {at} < :end LIMIT 1"
        conn.info[key] = bool(raw_fetch(conn, sql, {"end": end}))
    return bool(conn.info[key])


def refund_lines(conn: Any, as_of: date) -> list[tuple[int, date, date, int, bool]]:
    """The refunds made by the end of as_of, in the configured currency: (customer id, local day
    of the refund, local day of the purchase, amount in minor units (negative), whether the
    purchase is refunded in full with it). Of a purchase refunded in full, only its last refund
    says True. Sorted by purchase, then refund."""
    if not any_refund(conn, as_of):
        return []
    from ..models import Purchase

    p = Purchase.__table__
    o = p.alias("o")
    stmt = (
        sa.select(p.c.customer_id, p.c.at, o.c.at, p.c.amount_minor, o.c.amount_minor,
                  p.c.refund_of)
        .join(o, o.c.id == p.c.refund_of)
        .where(p.c.refund_of.is_not(None))  # the partial index; the time is looked at below
        .order_by(p.c.refund_of, p.c.at, p.c.id)
    )  # fmt: skip
    if currency_filter(conn, as_of)[1]:
        stmt = stmt.where(p.c.currency == configured_currency())
    bind = conn.connection() if hasattr(conn, "get_bind") else conn
    end = end_of_day_utc(as_of)
    rows = [r for r in bind.execute(stmt) if dialect.to_datetime(r[1]) < end]
    given: dict[int, int] = {}
    for r in rows:
        given[r[5]] = given.get(r[5], 0) + r[3]
    out: list[tuple[int, date, date, int, bool]] = []
    for i, (cid, at, bought, amount, whole, pid) in enumerate(rows):
        total = given[pid]
        last = i + 1 == len(rows) or rows[i + 1][5] != pid
        out.append((cid, clock.to_local(at).date(), clock.to_local(bought).date(), amount,
                    last and -total >= whole))  # fmt: skip
    return out


def configured_currency() -> str:
    return str(config.get("currency") or "USD").upper()


def currency_filter(conn: Any, as_of: date) -> tuple[str, int]:
    """(SQL condition on purchases, or '', and how many purchases up to as_of it leaves out):
    sums use the configured currency only (parameter :cur), amounts in others cannot be added.

    When every purchase is in one currency the condition is '' so that the covering index
    purchases(customer_id, at, amount_minor) still answers alone; finding that out takes two
    seeks on the index purchases(currency). Remembered per session or connection.
    """
    cur, end = configured_currency(), stored(end_of_day_utc(as_of))
    key = ("custtrack.other_currency", cur, end)
    if key not in conn.info:
        found = ("", 0)
        # two seeks on the index purchases(currency); `!=` would read all of it (0.08 s at M)
        other = (
            "SELECT EXISTS (SELECT 1 FROM purchases WHERE currency < :c)"
            " OR EXISTS (SELECT 1 FROM purchases WHERE currency > :c)"
        )
        if raw_fetch(conn, other, {"c": cur})[0][0]:
            # unary + keeps SQLite from walking the index on `at` with a lookup per row
            at = dialect.unindexed(conn, "at")
            sql = f"SELECT count(*) FROM purchases WHERE currency != ? AND {at} < ?"
            found = (" AND currency = :cur", int(raw_fetch(conn, sql, (cur, end))[0][0]))
        conn.info[key] = found
    return conn.info[key]


def raw_fetch(conn: Any, sql: str, params: tuple | dict = ()) -> list[tuple]:
    """All rows of plain SQL from the DB-API cursor of a Session or Connection (fast for
    100k+ rows; SQLAlchemy's per-row processing is not needed for plain numbers and text).
    Written for sqlite3 (`?`, `:name`): see custtrack.dialect.fetch."""
    return dialect.fetch(conn, sql, params)


raw_cursor = dialect.cursor


def rfm_rows(
    session: Session, as_of: date | None = None, monetary: str = "total"
) -> list[dict[str, Any]]:
    """RFM values, scores and segment per buying customer, in plain Python."""
    as_of = as_of or clock.today()
    rows = customer_summaries(session, as_of)
    if monetary not in ("total", "mean"):
        raise InvalidValue("--monetary", monetary, _("must be total or mean"))
    from ..validate import currency_exponent

    scale = 10 ** currency_exponent(configured_currency())
    ids = [r[0] for r in rows]
    rec = [(as_of - dialect.to_date(r[2])).days for r in rows]
    freq = [r[3] for r in rows]
    mon = [(r[4] / r[3] if monetary == "mean" else r[4]) / scale for r in rows]
    rs = _score(rec, "recency", higher_is_better=False)
    fs = _score(freq, "frequency")
    ms = _score(mon, "monetary")
    return [
        {
            "customer_id": ids[i],
            "recency_days": rec[i],
            "frequency": freq[i],
            "monetary": mon[i],
            "r": rs[i],
            "f": fs[i],
            "m": ms[i],
            "segment": segment_of(rs[i], fs[i], ms[i]),
        }
        for i in range(len(ids))
    ]


def _score(values: list[float], kind: str, higher_is_better: bool = True) -> list[int]:
    fixed = cuts(kind)
    if fixed is None:
        return quintile_scores(values, higher_is_better)
    return [cut_score(v, fixed, higher_is_better) for v in values]


def customer_ids_in_segment(session: Session, name: str, as_of: date | None = None) -> list[int]:
    """Ids of the customers whose RFM segment (as of today) is `name`, or of the saved segment
    `name` (`clusters --save`)."""
    from .referrals import advocates, is_advocate_segment

    if is_advocate_segment(name):  # issue 15: the customers who brought at least N others
        return sorted(advocates(session, as_of))
    if rfm_segment_name(name) is None and (saved := saved_segment(session, name)) is not None:
        from ..models import saved_segment_members as m

        stmt = sa.select(m.c.customer_id).where(m.c.segment_id == saved[0])
        return sorted(session.execute(stmt).scalars())
    seg = normalise_segment(name)
    return sorted(r["customer_id"] for r in rfm_rows(session, as_of) if r["segment"] == seg)
