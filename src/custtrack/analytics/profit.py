"""Margins: what each customer brought in, less what the goods cost and what serving them cost.

margin = revenue − product cost − cost to serve, where
  product cost = per purchase line, its own cost (imported 成本/进价, or recorded), else the
      product's unit cost × quantity (`custtrack product set`), else `unknown_share` × its amount
      (config profit.unknown_cost_share, 0 by default: such lines are counted and said);
  cost to serve = Σ contacts × the cost per contact of their channel (profit.contact_cost.*)
      + complaints × the cost of handling one (profit.complaint_cost).
margin rate = margin ÷ revenue (none without revenue). Amounts in major units of one currency.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = (
    "revenue", "product_cost", "cost_known_share", "contacts", "contact_cost", "complaints",
    "complaint_cost", "cost_to_serve", "margin", "margin_rate",
)  # fmt: skip


def line_costs(lines: pd.DataFrame, unknown_share: float) -> pd.DataFrame:
    """lines (customer_id, amount, qty, cost, unit_cost; cost and unit_cost NaN when not known)
    with `product_cost` and `cost_known` (bool) per line."""
    known_own = lines["cost"].notna()
    by_product = lines["unit_cost"] * lines["qty"]
    out = lines.copy()
    out["product_cost"] = lines["cost"].where(known_own, by_product)
    out["cost_known"] = out["product_cost"].notna()
    out["product_cost"] = out["product_cost"].fillna(lines["amount"] * unknown_share)
    return out


def customer_margins(
    lines: pd.DataFrame,
    contacts: pd.DataFrame,
    complaints: pd.DataFrame,
    contact_costs: dict[str, float],
    complaint_cost: float,
    unknown_share: float = 0.0,
) -> pd.DataFrame:
    """Per customer with revenue or a cost to serve: the COLUMNS (see the module docstring).

    lines: customer_id, amount, qty, cost, unit_cost; contacts: customer_id, channel;
    complaints: customer_id. Costs by channel: a channel not in `contact_costs` costs 0.
    """
    import pandas as pd

    priced = line_costs(lines, unknown_share)
    g = priced.groupby("customer_id")
    out = pd.DataFrame({"revenue": g["amount"].sum(), "product_cost": g["product_cost"].sum()})
    known = priced["amount"].where(priced["cost_known"], 0.0).groupby(priced["customer_id"]).sum()
    per_contact = contacts["channel"].map(contact_costs).fillna(0.0)
    serve = pd.DataFrame(
        {
            "contacts": contacts.groupby("customer_id").size(),
            "contact_cost": per_contact.groupby(contacts["customer_id"]).sum(),
            "complaints": complaints.groupby("customer_id").size(),
        }
    )
    out = out.join(serve, how="outer")
    for col in ("revenue", "product_cost", "contacts", "contact_cost", "complaints"):
        out[col] = out[col].fillna(0)
    out["contacts"] = out["contacts"].astype("int64")
    out["complaints"] = out["complaints"].astype("int64")
    out["complaint_cost"] = out["complaints"] * complaint_cost
    out["cost_to_serve"] = out["contact_cost"] + out["complaint_cost"]
    out["margin"] = out["revenue"] - out["product_cost"] - out["cost_to_serve"]
    revenue = out["revenue"].where(out["revenue"] > 0)
    out["margin_rate"] = out["margin"] / revenue
    out["cost_known_share"] = known.reindex(out.index).fillna(0.0) / revenue
    # a refund can leave a period's revenue below 0: that customer counts in its totals too
    out = out[(out["revenue"] != 0) | (out["product_cost"] != 0) | (out["cost_to_serve"] != 0)]
    out.index.name = "customer_id"
    return out[list(COLUMNS)]


def group_margins(margins: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Per group (e.g. RFM segment): customers, revenue, product_cost, cost_to_serve, margin,
    margin_rate and share of the total margin; largest margin first."""
    data = margins.assign(group=groups.reindex(margins.index).fillna("(none)"))
    g = data.groupby("group")
    out = g[["revenue", "product_cost", "cost_to_serve", "margin"]].sum()
    out.insert(0, "customers", g.size())
    out["margin_rate"] = out["margin"] / out["revenue"].where(out["revenue"] > 0)
    total = float(out["margin"].sum())
    out["margin_share"] = out["margin"] / total if total else None
    out = out.sort_values(["margin", "customers"], ascending=False, kind="stable")
    out.index.name = "group"
    return out


def totals(margins: pd.DataFrame) -> dict[str, float | None]:
    """The sums of a margins table, and the margin rate of the whole."""
    revenue = float(margins["revenue"].sum())
    margin = float(margins["margin"].sum())
    return {
        "revenue": revenue,
        "product_cost": float(margins["product_cost"].sum()),
        "cost_to_serve": float(margins["cost_to_serve"].sum()),
        "margin": margin,
        "margin_rate": margin / revenue if revenue > 0 else None,  # refunds can make it < 0
    }
