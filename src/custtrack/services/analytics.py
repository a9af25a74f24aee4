"""Reading what the analytics need from the store (SQL GROUP BY into DataFrames), campaigns,
and marking customers lost. The DataFrame readers import pandas when called (`value --model`
needs only numpy arrays); the daily commands must use services.segments."""

from __future__ import annotations

import os

# numpy's OpenBLAS starts a busy-waiting thread per core on its first call; vectors of 100k
# gain nothing from them, and on a loaded 2-core machine they cost ~1 s of CPU in
# `value --model` at 100k customers. Only effective before numpy loads; a user's setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from datetime import date  # noqa: E402
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, select
from sqlmodel import col as sqlcol

from .. import clock, config, dialect
from ..errors import Conflict, CusttrackError, InvalidValue, UsageError
from ..i18n import _, ngettext
from ..models import Campaign, Complaint, Customer, CustomerTag, Purchase, Tag
from ..validate import check_text, choice, currency_exponent, parse_money
from ..vocab import CHANNELS, LOST_REASONS
from .segments import (
    configured_currency,
    currency_filter,
    cuts,
    end_of_day_utc,
    raw_fetch,
    refund_lines,
    stored,
    zone_steps,
)

if TYPE_CHECKING:
    import pandas as pd


def currency() -> str:
    return configured_currency()


def other_currency_purchases(session: Session, as_of: date) -> int:
    """Purchases up to as_of left out of every sum because their currency is not the
    configured one (amounts in different currencies cannot be added)."""
    return currency_filter(session, as_of)[1]


def other_currency_note(n: int) -> str:
    """The sentence shown under a table when `n` purchases were left out ('' for none)."""
    if not n:
        return ""
    return ngettext(
        "{n} purchase in a currency other than {currency} left out "
        "(set the currency with `custtrack config set currency CODE`)",
        "{n} purchases in currencies other than {currency} left out "
        "(set the currency with `custtrack config set currency CODE`)",
        n,
    ).format(n=n, currency=currency())


def scale() -> int:
    """Minor units per major unit of the configured currency."""
    return 10 ** currency_exponent(currency())


def _rows(session: Session, stmt: Any) -> list[tuple]:
    """Plain tuples: pandas probes each SQLAlchemy Row for attributes, which is slow."""
    return list(map(tuple, session.execute(stmt)))


def ts(day: date) -> pd.Timestamp:
    import pandas as pd

    return pd.Timestamp(day)


def _local_day(values: pd.Series) -> pd.Series:
    """Aware/naive-UTC datetimes (or ISO strings) to local calendar days as datetime64."""
    import pandas as pd

    if values.empty:
        return pd.Series([], dtype="datetime64[ns]", index=values.index)
    stamps = pd.to_datetime(values, utc=True, format="ISO8601")
    zone = clock.local_zone()
    return stamps.dt.tz_convert(zone).dt.tz_localize(None).dt.normalize()


def occasions(session: Session, as_of: date) -> pd.DataFrame:
    """One row per customer and local day with purchases up to as_of, sorted by customer and
    day; amount in major units."""
    import pandas as pd

    cid, day, amount = occasion_arrays(session, as_of)
    frame = pd.DataFrame({"customer_id": cid, "day": day.astype("datetime64[D]")})
    frame["day"] = frame["day"].astype("datetime64[ns]")
    frame["amount"] = amount.astype(float) / scale()
    return frame


def refunds_frame(session: Session, as_of: date) -> pd.DataFrame:
    """The refunds made up to as_of (configured currency): customer_id, day (the refund's local
    day), bought (its purchase's local day), amount (major units, negative). Revenue moves each
    from its purchase's day, where occasions() count it, to its own day (churn.revenue_days)."""
    import pandas as pd

    rows = [(r[0], r[1], r[2], r[3]) for r in refund_lines(session, as_of)]
    frame = pd.DataFrame(rows, columns=["customer_id", "day", "bought", "amount"])
    for column in ("day", "bought"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    frame["amount"] = frame["amount"].astype(float) / scale()
    return frame


# customers per query when reading purchases: bounds the text SQLite builds (~3 MB each)
CHUNK_CUSTOMERS = 16_384


def occasion_arrays(session: Session, as_of: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer_id, local day as days since 1970, amount_minor) per occasion up to as_of,
    sorted by customer and day.

    Reads the raw purchases over the covering index purchases(customer_id, at, amount_minor)
    and groups in numpy (at 1M purchases 0.9 s CPU against 2.3 s for a GROUP BY on a computed
    local day in SQLite plus a DataFrame built from its 687k rows). The rows cross into Python
    as one comma-separated text per block of customers (group_concat, parsed by numpy), not as
    a tuple per row: measured in one run, 0.75 s CPU against 1.3 s.
    """
    empty = np.array([], dtype="int64")
    found = zone_steps(session)
    if found is None:
        return empty, empty, empty
    first, steps = found
    secs = dialect.epoch_seconds_any(session, "at")
    only, _left_out = currency_filter(session, as_of)  # (`_` would hide gettext's _ below)
    refunds = refund_lines(session, as_of)
    if refunds:  # a refund line is no occasion: it goes to its purchase's below
        only += " AND amount_minor >= 0"
    # customer and second packed into one integer (seconds biased by 2^31, so 1902–2106 fit
    # in 32 bits): sorting the packed value sorts by customer, then time
    packed = f"customer_id * 4294967296 + CAST({secs} AS BIGINT) + 2147483648"
    sql = (
        f"SELECT {dialect.group_concat(session, 'k')}, "
        f"{dialect.group_concat(session, 'amount_minor')} FROM (SELECT {packed} AS k, "
        "amount_minor FROM purchases WHERE customer_id >= :lo AND customer_id < :hi "
        f"AND at < :end{only} ORDER BY customer_id, at) AS bought"
    )
    # two scalar subqueries, each answered from one end of the index (one SELECT scans it all)
    ends = (
        "SELECT (SELECT min(customer_id) FROM purchases), (SELECT max(customer_id) FROM purchases)"
    )
    lo, hi = raw_fetch(session, ends)[0]
    params = {"end": stored(end_of_day_utc(as_of)), "cur": currency()}
    keys, amounts = [empty], [empty]
    for block in range(lo, hi + 1, CHUNK_CUSTOMERS):
        k, a = raw_fetch(session, sql, params | {"lo": block, "hi": block + CHUNK_CUSTOMERS})[0]
        if k is not None:
            keys.append(np.fromstring(k, dtype="int64", sep=","))
            amounts.append(np.fromstring(a, dtype="int64", sep=","))
    key, amount = np.concatenate(keys), np.concatenate(amounts)
    if len(key) != len(amount):  # group_concat skips NULLs: a time SQLite cannot read
        raise CusttrackError(_("some purchases have an unreadable time; run `custtrack check`"))
    if not len(key):
        return empty, empty, empty
    if not bool(np.all(key[1:] >= key[:-1])):  # SQLite does not promise group_concat's order
        order = np.argsort(key, kind="stable")
        key, amount = key[order], amount[order]
    cid, epoch = key >> 32, (key & 0xFFFFFFFF) - 2147483648
    if steps:  # the offset in force at each instant (a change applies from its instant on)
        instants = np.array([int(i.timestamp()) for i, _ in steps], dtype="int64")
        offsets = np.array([first, *(o for _, o in steps)], dtype="int64")
        epoch = epoch + offsets[np.searchsorted(instants, epoch, side="right")]
    else:
        epoch = epoch + first
    day = epoch // 86400  # floor division: right before 1970 too
    start = np.empty(len(cid), dtype=bool)
    start[0] = True
    start[1:] = (cid[1:] != cid[:-1]) | (day[1:] != day[:-1])
    at = np.flatnonzero(start)
    cid, day, amount = cid[at], day[at], np.add.reduceat(amount, at)
    if refunds:
        cid, day, amount = _with_refunds(cid, day, amount, np.diff(np.r_[at, len(key)]), refunds)
    return cid, day, amount


def _with_refunds(
    cid: np.ndarray, day: np.ndarray, amount: np.ndarray, lines: np.ndarray, refunds: list
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Occasions less what was refunded of their purchases (a refund counts on its purchase's
    day, whenever it was made); an occasion whose every line was refunded in full is gone."""
    from ..analytics.lifecycle import day_number

    group = cid * 2**32 + (day + 2**31)  # sorted, as the occasions are
    r_cid = np.array([r[0] for r in refunds], dtype="int64")
    r_day = np.array([day_number(r[2]) for r in refunds], dtype="int64")
    wanted = r_cid * 2**32 + (r_day + 2**31)
    found = np.minimum(np.searchsorted(group, wanted), len(group) - 1)
    ok = group[found] == wanted  # (a purchase in another currency is not among them)
    found = found[ok]
    np.add.at(amount, found, np.array([r[3] for r in refunds], dtype="int64")[ok])
    alive = lines.astype("int64")
    np.add.at(alive, found, -np.array([r[4] for r in refunds], dtype="int64")[ok])
    keep = alive > 0
    return cid[keep], day[keep], amount[keep]


def lost_days(session: Session, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """Ids (ascending) and local days lost (days since 1970) of the customers marked lost on or
    before as_of: all that the lifespan needs. A mark made after as_of did not exist yet."""
    from ..analytics.lifecycle import day_number

    sql = "SELECT id, lost_at FROM customers WHERE lost_at IS NOT NULL ORDER BY id"
    limit, ids, days = day_number(as_of), [], []
    for cid, at in _fetch(session, sql):
        moment = dialect.to_datetime(at)
        assert moment is not None  # lost_at IS NOT NULL
        day = day_number(clock.to_local(moment).date())
        if day <= limit:
            ids.append(cid)
            days.append(day)
    return np.array(ids, dtype="int64"), np.array(days, dtype="int64")


def _fetch(session: Session, sql: str, params: tuple | dict = ()) -> list[tuple]:
    """Rows of a plain SQL query straight from the DB-API cursor (millions of rows, fast)."""
    return raw_fetch(session, sql, params)


def summaries(session: Session, as_of: date) -> pd.DataFrame:
    """Per buying customer: first, last (local days), occasions, spend (major units)."""
    import pandas as pd

    from .segments import customer_summaries

    rows = customer_summaries(session, as_of)
    frame = pd.DataFrame(rows, columns=["customer_id", "first", "last", "occasions", "spend"])
    frame = frame.set_index("customer_id")
    for col in ("first", "last"):
        frame[col] = pd.to_datetime(frame[col], format="%Y-%m-%d")
    frame["spend"] = frame["spend"].astype(float) / scale()
    return frame


def customers_frame(session: Session, as_of: date) -> pd.DataFrame:
    """Customers known on as_of (created by then, or with a purchase by then), indexed by id."""
    import pandas as pd

    cols = ["id", "name", "city", "source", "gender", "owner", "price_sensitivity", "status"]
    cols += ["created_at", "lost_reason", "lost_at"]
    sql = (
        f"SELECT {', '.join(cols)} FROM customers WHERE created_at < :end OR id IN "
        "(SELECT customer_id FROM purchases WHERE at < :end)"
    )
    end = stored(end_of_day_utc(as_of))
    frame = pd.DataFrame(_fetch(session, sql, {"end": end}), columns=cols)
    frame = frame.set_index("id")
    frame["created_day"] = _local_day(frame["created_at"])
    return _with_lost_day(frame, as_of).drop(columns=["created_at", "lost_at"])


def _with_lost_day(frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    import pandas as pd

    lost = _local_day(frame["lost_at"].dropna())
    frame["lost_day"] = lost.reindex(frame.index)
    frame["lost_day"] = pd.to_datetime(frame["lost_day"])
    # a loss recorded after as_of did not exist yet
    later = frame["lost_day"] > ts(as_of)
    frame.loc[later, ["lost_reason", "lost_day"]] = [None, pd.NaT]
    return frame


def customer_tags(session: Session) -> pd.DataFrame:
    import pandas as pd

    stmt = sa.select(sqlcol(CustomerTag.customer_id), sqlcol(Tag.name)).join(
        Tag, sqlcol(Tag.id) == sqlcol(CustomerTag.tag_id)
    )
    return pd.DataFrame(_rows(session, stmt), columns=["customer_id", "tag"])


def purchase_lines(session: Session, as_of: date) -> pd.DataFrame:
    """customer_id, product, category, amount (major units) of purchases up to as_of."""
    import pandas as pd

    p = Purchase.__table__
    stmt = sa.select(p.c.customer_id, p.c.product, p.c.category, p.c.amount_minor).where(
        p.c.at < end_of_day_utc(as_of)
    )
    if currency_filter(session, as_of)[1]:
        stmt = stmt.where(p.c.currency == currency())
    frame = pd.DataFrame(
        _rows(session, stmt), columns=["customer_id", "product", "category", "amount"]
    )
    frame["amount"] = frame["amount"].astype(float) / scale()
    return frame


def feedback_frame(session: Session, as_of: date) -> pd.DataFrame:
    import pandas as pd

    sql = "SELECT at, csat, nps FROM feedback WHERE at < ?"
    rows = _fetch(session, sql, (stored(end_of_day_utc(as_of)),))
    frame = pd.DataFrame(rows, columns=["at", "csat", "nps"])
    frame["day"] = _local_day(frame["at"])
    return frame


def complaints_frame(session: Session, as_of: date) -> pd.DataFrame:
    """Complaints opened by as_of; one resolved after as_of counts as still open."""
    import pandas as pd

    c = Complaint.__table__
    end = end_of_day_utc(as_of)
    stmt = sa.select(c.c.category, c.c.opened_at, c.c.resolved_at).where(c.c.opened_at < end)
    frame = pd.DataFrame(_rows(session, stmt), columns=["category", "opened", "resolved"])
    for col in ("opened", "resolved"):
        frame[col] = pd.to_datetime(frame[col], utc=True, format="mixed")
    frame.loc[frame["resolved"] >= pd.Timestamp(end), "resolved"] = pd.NaT
    frame["opened_day"] = _local_day(frame["opened"])
    frame["resolved_day"] = _local_day(frame["resolved"].dropna()).reindex(frame.index)
    return frame


def campaigns_frame(
    session: Session, as_of: date, cust: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Campaigns started by as_of with the customers each brought and its CAC.

    A customer was brought by a campaign when their source equals the campaign's source
    (case-insensitive) and they were added between its start and end (or as_of) inclusive.
    """
    import pandas as pd

    camps = list(
        session.exec(
            select(Campaign).where(sqlcol(Campaign.start) <= as_of).order_by(sqlcol(Campaign.start))
        )
    )
    cust = customers_frame(session, as_of) if cust is None else cust
    rows = []
    for camp in camps:
        end = min(camp.end or as_of, as_of)
        src = cust["source"].fillna("").str.lower() == camp.source.lower()
        in_window = (cust["created_day"] >= ts(camp.start)) & (cust["created_day"] <= ts(end))
        n = int((src & in_window).sum())
        cost = camp.cost_minor / 10 ** currency_exponent(camp.currency)
        rows.append(
            {
                "name": camp.name, "source": camp.source, "channel": camp.channel,
                "start": camp.start, "end": camp.end, "cost": cost, "currency": camp.currency,
                "new_customers": n, "cac": cost / n if n else None,
            }
        )  # fmt: skip
    return pd.DataFrame(
        rows,
        columns=[
            "name", "source", "channel", "start", "end", "cost", "currency",
            "new_customers", "cac",
        ],
    )  # fmt: skip


def add_campaign(
    session: Session,
    name: str,
    *,
    cost: str,
    start: date,
    end: date | None,
    channel: str | None,
    source: str | None,
) -> Campaign:
    name = (check_text(name.strip(), "NAME", 200) or "").strip()
    if not name:
        raise InvalidValue("NAME", name, _("a campaign needs a name"))
    if end is not None and end < start:
        raise InvalidValue("--end", end.isoformat(), _("is before --start"))
    if session.exec(select(Campaign).where(Campaign.name == name)).first() is not None:
        raise Conflict(_("a campaign named {name} already exists").format(name=repr(name)))
    cur = currency()
    camp = Campaign(
        name=name,
        source=(source or name).strip(),
        channel=choice(channel, CHANNELS, "--channel") if channel else None,
        cost_minor=parse_money(cost, cur, "--cost"),
        currency=cur,
        start=start,
        end=end,
        created_at=clock.utcnow(),
    )
    session.add(camp)
    session.flush()
    return camp


def mark_lost(
    session: Session, customer: Customer, reason: str | None, note: str | None, undo: bool
) -> Customer:
    """Mark a customer lost with a reason (or clear the mark with undo)."""
    if undo:
        if reason or note:
            raise UsageError(_("--undo clears the mark; do not give --reason or --note with it"))
        if customer.lost_reason is None:
            raise Conflict(_("customer #{id} is not marked lost").format(id=customer.id))
        customer.lost_reason = customer.lost_note = customer.lost_at = None
    else:
        if not reason:
            raise UsageError(
                _("say why with --reason: {reasons}").format(reasons=", ".join(LOST_REASONS))
            )
        customer.lost_reason = choice(reason.strip().lower(), LOST_REASONS, "--reason")
        customer.lost_note = check_text(note, "--note")
        customer.lost_at = clock.utcnow()
    customer.updated_at = clock.utcnow()
    session.add(customer)
    session.flush()
    return customer


def thresholds() -> Any:
    from ..analytics.lifecycle import Thresholds

    return Thresholds(
        new_days=int(config.get("lifecycle.new_days")),
        loyal_min_orders=int(config.get("lifecycle.loyal_min_orders")),
        churn_days=int(config.get("lifecycle.churn_days")),
        at_risk_factor=float(config.get("lifecycle.at_risk_factor")),
        at_risk_min_days=int(config.get("lifecycle.at_risk_min_days")),
        at_risk_p_alive=float(config.get("lifecycle.at_risk_p_alive")),
    )


def rfm_cuts() -> dict[str, list[float] | None]:
    return {k: cuts(k) for k in ("recency", "frequency", "monetary")}


def rfm(
    session: Session, as_of: date, monetary: str = "total", occ: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Scores per buying customer with name and spend (see analytics.rfm.rfm_scores); from
    already loaded occasions when given, else one GROUP BY in SQL."""
    import pandas as pd

    from ..analytics.rfm import rfm_scores, summarise

    if monetary not in ("total", "mean"):
        raise InvalidValue("--monetary", monetary, _("must be total or mean"))
    summ = summaries(session, as_of) if occ is None else summarise(occ)
    scores = rfm_scores(summ, ts(as_of), monetary, rfm_cuts())
    scores["spend"] = summ["spend"]
    names = pd.DataFrame(_fetch(session, "SELECT id, name FROM customers"), columns=["id", "n"])
    scores.insert(0, "name", names.set_index("id")["n"].reindex(scores.index))
    return scores


def models(session: Session, as_of: date, summary: pd.DataFrame | None = None) -> dict[str, Any]:
    """Fitted BG/NBD and Gamma-Gamma on all history up to as_of, with the calibration summary."""
    from ..analytics import clv

    if summary is None:
        summary = clv.calibration_summary(occasions(session, as_of), ts(as_of))
    return {"summary": summary, "bgnbd": clv.fit_bgnbd(summary), "gg": clv.fit_gamma_gamma(summary)}


def value(
    session: Session, as_of: date, horizon_months: int, discount: float, predict: bool = True
) -> dict[str, Any]:
    """Lifetime value per buying customer, three ways, plus the models and the lifespan used
    (predict=False: only the fitted models and the lifespan, without pandas)."""
    from ..analytics import clv
    from ..analytics.lifecycle import day_number, lifespan

    cid, day, amount = occasion_arrays(session, as_of)
    cal = clv.calibration_arrays(cid, day, amount.astype(float) / scale(), day_number(as_of))
    bg, gg = clv.fit_bgnbd(cal), clv.fit_gamma_gamma(cal)
    years = lifespan(cid, day, lost_days(session, as_of), as_of, thresholds().churn_days)
    if not predict:
        return {"bgnbd": bg, "gg": gg, "lifespan_years": years}
    import pandas as pd

    summary = clv.summary_frame(cal)
    pred = clv.predictive_clv(bg, gg, summary, horizon_months, discount)
    n = summary["x"] + 1
    aov = summary["mean_spend"]
    freq_year = n / np.maximum(summary["T"] * 7 / 365.25, 1.0)  # under a year counts as one
    names = dict(_fetch(session, "SELECT id, name FROM customers"))
    out = pd.DataFrame(index=summary.index)
    out["name"] = [names.get(i) for i in summary.index]
    out["occasions"] = n.astype("int64")
    out["historical_clv"] = summary["mean_spend"] * n
    out["aov"] = aov
    out["frequency_per_year"] = freq_year
    out["simple_clv"] = clv.simple_clv(freq_year, aov, years)
    out = out.join(pred)
    return {"table": out, "bgnbd": bg, "gg": gg, "lifespan_years": years}
