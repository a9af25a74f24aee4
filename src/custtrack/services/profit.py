"""Profitability: product costs and the cost to serve read from the store and the config, margins
per customer and per segment (analytics.profit), and the product list with unit costs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa

from .. import clock, config
from ..errors import CusttrackError, InvalidValue, NotFound
from ..i18n import _
from ..vocab import CHANNELS

if TYPE_CHECKING:
    import pandas as pd
    from sqlmodel import Session


def settings() -> tuple[dict[str, float], float, float]:
    """(cost per contact by channel, cost per complaint, unknown cost share) from the config,
    in major units of the configured currency."""

    def number(key: str, high: float | None = None) -> float:
        raw = config.get(key)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            value = -1.0
        if value < 0 or (high is not None and value > high):
            text = (
                _("config {key} must be a number from 0 (got {value}); fix it with `custtrack "
                  "config set {key} 0`")
                if high is None
                else _("config {key} must be a number from 0 to {high} (got {value}); fix it "
                       "with `custtrack config set {key} 0`")
            )  # fmt: skip
            raise CusttrackError(text.format(key=key, value=repr(raw), high=high))
        return value

    contact = {ch: number(f"profit.contact_cost.{ch}") for ch in CHANNELS}
    return contact, number("profit.complaint_cost"), number("profit.unknown_cost_share", 1.0)


def _window(column: Any, as_of: date, since: date | None) -> Any:
    from .segments import end_of_day_utc

    cond = column < end_of_day_utc(as_of)
    if since is not None:
        cond = sa.and_(cond, column >= end_of_day_utc(since - timedelta(days=1)))
    return cond


def lines_frame(session: Session, as_of: date, since: date | None = None) -> pd.DataFrame:
    """Purchase lines in the configured currency up to as_of (from `since` on): customer_id,
    product, amount, qty, cost (own cost) and unit_cost (the product list's), in major units.
    A refund is a line of its own in the period it was made: negative amount, cost and qty."""
    import pandas as pd

    from ..models import Purchase, products
    from . import analytics

    p, pr = Purchase.__table__, products
    o = p.alias("o")  # the purchase a refund line gives back for
    cur = analytics.currency()
    stmt = (
        sa.select(
            p.c.customer_id,
            p.c.product,
            p.c.amount_minor,
            p.c.qty,
            p.c.cost_minor,
            pr.c.unit_cost_minor,
            o.c.amount_minor,
            o.c.qty,
        )  # fmt: skip
        .select_from(
            p.outerjoin(
                pr, sa.and_(pr.c.name == p.c.product, pr.c.currency == p.c.currency)
            ).outerjoin(o, o.c.id == p.c.refund_of)
        )
        .where(_window(p.c.at, as_of, since), p.c.currency == cur)
    )
    cols = ["customer_id", "product", "amount", "qty", "cost", "unit_cost", "bought", "units"]
    frame = pd.DataFrame(list(map(tuple, session.execute(stmt))), columns=cols)
    # a refund gives back the goods' cost in proportion: without its own cost, its units are
    # its purchase's times the share refunded (negative), so that unit_cost × qty is that
    refund = frame["bought"].notna() & (pd.to_numeric(frame["bought"]) > 0)
    frame["qty"] = frame["qty"].astype(float)
    if refund.any():
        part = frame.loc[refund]
        share = part["amount"].astype(float) / part["bought"].astype(float)
        frame.loc[refund, "qty"] = part["units"].astype(float) * share
    scale = analytics.scale()
    for col in ("amount", "cost", "unit_cost"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float) / scale
    return frame.drop(columns=["bought", "units"])


def customer_names(session: Session) -> dict[int, str]:
    from ..models import Customer

    c = Customer.__table__
    return dict(map(tuple, session.execute(sa.select(c.c.id, c.c.name))))


def _contacts(session: Session, as_of: date, since: date | None) -> pd.DataFrame:
    import pandas as pd

    from ..models import Interaction

    t = Interaction.__table__
    stmt = sa.select(t.c.customer_id, t.c.channel).where(_window(t.c.at, as_of, since))
    return pd.DataFrame(list(map(tuple, session.execute(stmt))), columns=["customer_id", "channel"])


def _complaints(session: Session, as_of: date, since: date | None) -> pd.DataFrame:
    import pandas as pd

    from ..models import Complaint

    t = Complaint.__table__
    stmt = sa.select(t.c.customer_id).where(_window(t.c.opened_at, as_of, since))
    return pd.DataFrame(list(map(tuple, session.execute(stmt))), columns=["customer_id"])


def margins(session: Session, as_of: date, since: date | None = None) -> pd.DataFrame:
    """Margin per customer (analytics.profit.customer_margins) up to as_of, from `since` on;
    its attrs hold `lines` (purchase lines) and `unknown` (lines without a known cost)."""
    from ..analytics.profit import customer_margins, line_costs

    contact, complaint, unknown = settings()
    lines = lines_frame(session, as_of, since)
    out = customer_margins(
        lines, _contacts(session, as_of, since), _complaints(session, as_of, since), contact,
        complaint, unknown,
    )  # fmt: skip
    priced = line_costs(lines, unknown)
    out.attrs["unknown_lines"] = int((~priced["cost_known"]).sum())
    out.attrs["unknown_revenue"] = float(priced.loc[~priced["cost_known"], "amount"].sum())
    return out


def period_margin(session: Session, start: date, end: date) -> dict[str, Any]:
    """The report's margin for the days start…end: revenue less product cost and cost to
    serve, and how many purchase lines had no known cost."""
    from ..analytics.profit import totals

    got = margins(session, end, start)
    out = totals(got)
    return {
        "product_cost": out["product_cost"],
        "cost_to_serve": out["cost_to_serve"],
        "margin": out["margin"],
        "margin_rate": out["margin_rate"],
        "purchase_lines_cost_unknown": got.attrs["unknown_lines"],
    }


def margin_rates(session: Session, as_of: date) -> pd.Series:
    """Each buying customer's margin ÷ revenue up to as_of (for `value --margin`)."""
    return margins(session, as_of)["margin_rate"].dropna()


MARGIN_COLUMNS = ("historical_clv", "simple_clv", "predicted_clv", "expected_spend", "aov")


def apply_margin(table: pd.DataFrame, rates: pd.Series) -> pd.DataFrame:
    """A `value` table made margin-based: each money column × the customer's margin rate, and
    the rate as `margin_rate` (historical_clv becomes the margin so far)."""
    out = table.copy()
    rate = rates.reindex(out.index).fillna(0.0)
    for col in MARGIN_COLUMNS:
        if col in out:
            out[col] = out[col] * rate
    out["margin_rate"] = rates.reindex(out.index)
    return out


# --- the product list ---------------------------------------------------------------------------


def set_product(
    session: Session, name: str, cost: str, category: str | None, currency: str | None
) -> tuple[dict[str, Any], bool]:
    """Add a product or change its unit cost (and category); returns (product, created)."""
    from ..currencies import code as currency_code
    from ..models import products as t
    from ..validate import check_text, parse_money
    from . import analytics

    name = (check_text(name, "NAME", 200) or "").strip()
    if not name:
        raise InvalidValue("NAME", name, _("a product needs a name"))
    cur = analytics.currency()
    if currency:
        cur = currency_code(currency) or ""
        if not cur:
            raise InvalidValue("--currency", currency, _("not a currency code (e.g. CNY)"))
    minor = parse_money(cost, cur, "--cost")
    category = check_text(category, "--category", 100) if category else None
    now = clock.utcnow()
    found = session.execute(sa.select(t.c.id, t.c.category).where(t.c.name == name)).first()
    values = {"unit_cost_minor": minor, "currency": cur, "updated_at": now}
    if category is not None or found is None:
        values["category"] = category
    if found is None:
        # Session.execute is annotated Result; a DML statement's is a CursorResult
        done = cast(
            "sa.CursorResult[Any]",
            session.execute(sa.insert(t).values(name=name, created_at=now, **values)),
        )
        assert done.inserted_primary_key is not None  # one row inserted
        key = done.inserted_primary_key[0]
    else:
        session.execute(sa.update(t).where(t.c.id == found[0]).values(**values))
        key = found[0]
    cat = category if category is not None else (found[1] if found else None)
    product = {"id": key, "name": name, "category": cat, "unit_cost_minor": minor,
               "currency": cur}  # fmt: skip
    return product, found is None


def remove_product(session: Session, name: str) -> None:
    from ..models import products as t

    # Session.execute is annotated Result; a DML statement's is a CursorResult
    done = cast(
        "sa.CursorResult[Any]", session.execute(sa.delete(t).where(t.c.name == name.strip()))
    )
    if not done.rowcount:
        raise NotFound(
            _("no product named {name}; see `custtrack product list`").format(name=repr(name))
        )


def list_products(session: Session) -> list[dict[str, Any]]:
    """The products with a unit cost, and every product name on a purchase: name, category,
    unit_cost_minor, currency (None when no cost is set), lines sold, lines with their own
    cost."""
    from ..models import Purchase, products

    p = Purchase.__table__
    stmt = sa.select(
        p.c.product, sa.func.count(), sa.func.count(p.c.cost_minor), sa.func.max(p.c.category)
    ).where(p.c.product.is_not(None)).group_by(p.c.product)  # fmt: skip
    sold = {r[0]: (int(r[1]), int(r[2]), r[3]) for r in session.execute(stmt)}
    rows = {}
    t = products
    for name, cat, minor, cur in session.execute(
        sa.select(t.c.name, t.c.category, t.c.unit_cost_minor, t.c.currency)
    ):
        lines, own, sold_cat = sold.get(name, (0, 0, None))
        rows[name] = {"name": name, "category": cat or sold_cat, "unit_cost_minor": minor,
                      "currency": cur, "lines": lines, "lines_with_cost": own}  # fmt: skip
    for name, (lines, own, cat) in sold.items():
        if name not in rows:
            rows[name] = {"name": name, "category": cat, "unit_cost_minor": None,
                          "currency": None, "lines": lines, "lines_with_cost": own}  # fmt: skip
    return sorted(
        rows.values(), key=lambda r: (r["unit_cost_minor"] is None, -r["lines"], r["name"])
    )
