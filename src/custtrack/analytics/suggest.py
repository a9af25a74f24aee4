"""Product suggestions for one customer: co-purchases and best sellers of preferred categories."""

from __future__ import annotations

import pandas as pd

from .. import i18n


def suggest(
    lines: pd.DataFrame, customer_id: int, limit: int = 10, translate: bool = False
) -> pd.DataFrame:
    """Products this customer has not bought, each with a reason, best first (the reason in
    English, as JSON writes it; translate=True: in the interface language, for a table).

    1. Co-purchase: for each product Y not in the basket, the number of other customers who
       bought Y and at least one basket product X (the X shared by most of them is named).
    2. Preferred categories (by the customer's spend): the category's best sellers by number
       of buyers, for products not already suggested.
    """

    def ngettext(singular: str, plural: str, n: int) -> str:  # the catalogue's keyword
        return i18n.ngettext(singular, plural, n) if translate else (plural, singular)[n == 1]

    cols = ["product", "category", "score", "source", "reason"]
    lines = lines.dropna(subset=["product"])
    mine = lines[lines["customer_id"] == customer_id]
    basket = set(mine["product"])
    if not basket:
        return pd.DataFrame(columns=cols)
    pairs = lines[["customer_id", "product"]].drop_duplicates()
    others = pairs[pairs["customer_id"] != customer_id]
    holders = others[others["product"].isin(basket)]
    co = others[
        others["customer_id"].isin(holders["customer_id"]) & ~others["product"].isin(basket)
    ]
    rows = []
    if not co.empty:
        joined = co.merge(holders, on="customer_id", suffixes=("", "_x"))
        pair_counts = joined.groupby(["product", "product_x"])["customer_id"].nunique()
        best_x = pair_counts.reset_index().sort_values(
            ["product", "customer_id", "product_x"], ascending=[True, False, True]
        )
        best_x = best_x.drop_duplicates("product").set_index("product")
        buyers = co.groupby("product")["customer_id"].nunique()
        category = lines.dropna(subset=["category"]).groupby("product")["category"].first()
        for product, n in buyers.sort_values(ascending=False).items():
            x, k = best_x.loc[product, "product_x"], int(best_x.loc[product, "customer_id"])
            rows.append(
                {
                    "product": product,
                    "category": category.get(product),
                    "score": int(n),
                    "source": "co-purchase",
                    "reason": ngettext(
                        "{k} customer who bought {x} also bought {product}",
                        "{k} customers who bought {x} also bought {product}",
                        k,
                    ).format(k=k, x=x, product=product),
                }
            )
    taken = basket | {r["product"] for r in rows}
    prefs = mine.dropna(subset=["category"]).groupby("category")["amount"].sum()
    for cat, _spend in prefs.sort_values(ascending=False).items():
        in_cat = lines[(lines["category"] == cat) & ~lines["product"].isin(taken)]
        sellers = in_cat.groupby("product")["customer_id"].nunique().sort_values(ascending=False)
        for product, n in sellers.items():
            rows.append(
                {
                    "product": product,
                    "category": cat,
                    "score": int(n),
                    "source": "category",
                    "reason": ngettext(
                        "a best seller in {category}, a category they buy ({n} buyer)",
                        "a best seller in {category}, a category they buy ({n} buyers)",
                        int(n),
                    ).format(category=cat, n=int(n)),
                }
            )
            taken.add(product)
    frame = pd.DataFrame(rows, columns=cols)
    if frame.empty:
        return frame
    order = frame.assign(src=(frame["source"] != "co-purchase").astype(int))
    order = order.sort_values(["src", "score", "product"], ascending=[True, False, True])
    return order.drop(columns="src").head(limit if limit else len(order)).reset_index(drop=True)


def referral_row(
    brought: int, revenue: str, purchases: int, least: int, regular: int, translate: bool = False
) -> dict | None:
    """A suggestion that is not a product (issue 15): thank an advocate (at least `least`
    customers brought), ask one who brought some for another referral, or ask a regular (at
    least `regular` purchases) who brought nobody yet; None for anyone else. Its source is
    "referral"; `score` the customers brought; the reason in English unless translate."""

    def ngettext(singular: str, plural: str, n: int) -> str:  # the catalogue's keyword
        return i18n.ngettext(singular, plural, n) if translate else (plural, singular)[n == 1]

    if brought >= least:
        reason = ngettext(
            "an advocate: brought {n} customer, who spent {revenue}; thank them and reward "
            "each referral",
            "an advocate: brought {n} customers, who spent {revenue}; thank them and reward "
            "each referral",
            brought,
        ).format(n=brought, revenue=revenue)
    elif brought:
        reason = ngettext(
            "brought {n} customer ({revenue}) so far: ask for another referral",
            "brought {n} customers ({revenue}) so far: ask for another referral",
            brought,
        ).format(n=brought, revenue=revenue)
    elif purchases >= regular:
        reason = ngettext(
            "a regular ({n} purchase) who has brought nobody yet: ask for a referral",
            "a regular ({n} purchases) who has brought nobody yet: ask for a referral",
            purchases,
        ).format(n=purchases)
    else:
        return None
    return {"product": None, "category": None, "score": brought, "source": "referral",
            "reason": reason}  # fmt: skip
