"""Behaviour clusters: k-means on what customers do, each cluster described in plain words.

Features per customer who bought: recency (days since the last purchase), frequency (purchase
occasions), monetary (total spend), tenure (days since they became a customer), the share of
their spend in each of the largest categories, and responsiveness (the share of their contacts
followed by a purchase within RESPONSE_DAYS days). Recency, frequency, monetary and tenure are
log-scaled (log 1 + x: a few big spenders do not make a cluster each); every feature is then
standardised (z-scores), and the category shares are weighted 1/√C so that the mix counts as
much as one feature. k-means (k-means++, n_init=10, a fixed seed) on those; k from 2 to 8 by the
highest mean silhouette unless given. Clusters are numbered by revenue, largest first.

scikit-learn is imported inside the functions: it is an optional extra (`[insight]`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..i18n import C_, N_

if TYPE_CHECKING:
    import pandas as pd

RESPONSE_DAYS = 14
MAX_CATEGORIES = 5
K_RANGE = (2, 8)
MIN_CUSTOMERS = 10
SILHOUETTE_SAMPLE = 3000  # silhouette is O(n²): a seeded sample of this many customers
TRAIT_Z = 0.5  # a cluster is "high" on a feature when its centroid is this many SDs above all
MOSTLY = 0.5  # "mostly tea": at least half of the cluster's spend in one category
BASE = ("recency_days", "frequency", "monetary", "tenure_days", "responsiveness")
LOGGED = ("recency_days", "frequency", "monetary", "tenure_days")

# the plain words, stored and written (JSON) in English; read through pgettext("trait", …)
TRAITS = {
    ("recency_days", -1): C_("trait", "recent"),
    ("recency_days", 1): C_("trait", "lapsed"),
    ("frequency", 1): C_("trait", "frequent"),
    ("frequency", -1): C_("trait", "occasional"),
    ("monetary", 1): C_("trait", "high spend"),
    ("monetary", -1): C_("trait", "low spend"),
    ("tenure_days", 1): C_("trait", "long-standing"),
    ("tenure_days", -1): C_("trait", "newer"),
    ("responsiveness", 1): C_("trait", "buys after contact"),
    ("responsiveness", -1): C_("trait", "seldom buys after contact"),
}
AVERAGE = C_("trait", "average on every measure")
MOSTLY_TEXT = N_("mostly {category}")

# (required traits, any of these traits, action): the first rule that matches
ACTIONS: tuple[tuple[set[str], set[str], str], ...] = (
    ({"lapsed"}, {"high spend", "frequent", "long-standing"},
     N_("win back now: a personal call, find out what changed")),
    ({"lapsed"}, set(), N_("re-engage cheaply with a seasonal offer, then let go")),
    ({"recent"}, {"high spend", "frequent"}, N_("reward them: early access, ask for referrals")),
    ({"newer"}, set(), N_("welcome them: make the second purchase easy")),
    ({"recent"}, {"occasional", "low spend"}, N_("nurture: recommend related products")),
    (set(), {"high spend", "frequent"}, N_("upsell: a membership or a bigger pack")),
    ({"seldom buys after contact"}, set(), N_("contact less often; try another channel")),
    (set(), set(), N_("keep in touch on the usual cadence")),
)  # fmt: skip


@dataclass
class Clustering:
    """The result: per customer `labels` (1…k, indexed like the features), per cluster `table`,
    the silhouette of each k tried, the k chosen, and the feature columns used."""

    labels: pd.Series
    table: pd.DataFrame
    silhouettes: dict[int, float]
    k: int
    chosen_by: str  # "silhouette" or "given"
    columns: list[str] = field(default_factory=list)
    features: pd.DataFrame | None = None


def features(
    occasions: pd.DataFrame,
    customers: pd.DataFrame,
    lines: pd.DataFrame,
    contacts: pd.DataFrame,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """One row per customer who bought: the BASE features and `cat:<name>` spend shares.

    occasions: customer_id, day, amount (one row per customer and local day); customers:
    created_day indexed by id; lines: customer_id, category, amount; contacts: customer_id, day.
    A customer without contacts gets the mean responsiveness of those with some.
    """
    import pandas as pd

    g = occasions.groupby("customer_id")
    out = pd.DataFrame(index=pd.Index(sorted(g.groups), name="customer_id"))
    first, last = g["day"].min(), g["day"].max()
    out["recency_days"] = (as_of - last).dt.days.astype(float)
    out["frequency"] = g.size().astype(float)
    out["monetary"] = g["amount"].sum().astype(float)
    since = customers["created_day"].reindex(out.index)
    start = pd.concat([first, since], axis=1).min(axis=1)
    out["tenure_days"] = (as_of - start).dt.days.clip(lower=0).astype(float)
    out["responsiveness"] = _responsiveness(occasions, contacts).reindex(out.index)
    known = out["responsiveness"].dropna()
    out["responsiveness"] = out["responsiveness"].fillna(known.mean() if len(known) else 0.0)
    lines = lines[lines["customer_id"].isin(out.index)]
    cats = lines.dropna(subset=["category"])
    top = cats.groupby("category")["amount"].sum().sort_values(ascending=False, kind="stable")
    top = [c for c in top.index[:MAX_CATEGORIES] if top[c] > 0]
    if top:
        spend = lines.groupby("customer_id")["amount"].sum()
        by_cat = cats[cats["category"].isin(top)].pivot_table(
            index="customer_id", columns="category", values="amount", aggfunc="sum", fill_value=0
        )
        for c in top:
            share = by_cat[c].reindex(out.index).fillna(0) / spend.reindex(out.index)
            out[f"cat:{c}"] = share.replace([np.inf, -np.inf], np.nan).fillna(0.0)
    return out


def _responsiveness(occasions: pd.DataFrame, contacts: pd.DataFrame) -> pd.Series:
    """Per customer with contacts: the share of them followed by a purchase occasion on the same
    day or within RESPONSE_DAYS days after."""
    import pandas as pd

    if contacts.empty:
        return pd.Series(dtype=float)
    buys = occasions[["customer_id", "day"]].astype({"day": "datetime64[ns]"})
    buys = buys.sort_values(["day"], kind="stable")
    con = contacts[["customer_id", "day"]].astype({"day": "datetime64[ns]"})
    con = con.sort_values(["day"], kind="stable")
    con["contact_day"] = con["day"]
    # the first purchase day on or after each contact, by customer
    nxt = pd.merge_asof(
        con, buys.rename(columns={"day": "bought"}), left_on="day", right_on="bought",
        by="customer_id", direction="forward",
    )  # fmt: skip
    gap = (nxt["bought"] - nxt["contact_day"]).dt.days
    nxt["responded"] = (gap <= RESPONSE_DAYS).astype(float)
    return nxt.groupby("customer_id")["responded"].mean()


def matrix(feats: pd.DataFrame) -> np.ndarray:
    """The standardised feature matrix k-means works on (see the module docstring)."""
    data = feats.copy()
    for col in LOGGED:
        data[col] = np.log1p(data[col].clip(lower=0))
    x = data.to_numpy(float)
    sd = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    cats = [i for i, c in enumerate(data.columns) if c.startswith("cat:")]
    if cats:
        z[:, cats] /= np.sqrt(len(cats))
    return z


def cluster(
    feats: pd.DataFrame, k: int | None = None, seed: int = 0, k_range: tuple[int, int] = K_RANGE
) -> Clustering:
    """k-means on the features; k by silhouette over k_range (capped at n − 1) unless given."""
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    x = matrix(feats)
    n = len(x)
    scores: dict[int, float] = {}

    def fit(kk: int) -> np.ndarray:
        return KMeans(n_clusters=kk, n_init=10, random_state=seed).fit_predict(x)

    if k is None:
        best, best_labels = None, None
        for kk in range(k_range[0], min(k_range[1], n - 1) + 1):
            got = fit(kk)
            if len(set(got)) < 2:
                continue
            sample = min(n, SILHOUETTE_SAMPLE)
            s = float(silhouette_score(x, got, sample_size=sample, random_state=seed))
            scores[kk] = s
            if best is None or s > scores[best] + 1e-12:
                best, best_labels = kk, got
        k, raw, chosen = best or 1, best_labels, "silhouette"
        if raw is None:
            raw = np.zeros(n, dtype=int)
    else:
        raw, chosen = fit(k), "given"
        if len(set(raw)) > 1 and k < n:
            sample = min(n, SILHOUETTE_SAMPLE)
            scores[k] = float(silhouette_score(x, raw, sample_size=sample, random_state=seed))
    # number clusters by revenue, largest first (ties: by size, then by the fitted label)
    money = pd.Series(feats["monetary"].to_numpy(float)).groupby(raw).sum()
    size = pd.Series(np.ones(n)).groupby(raw).sum()
    order = sorted(money.index, key=lambda c: (-money[c], -size[c], c))
    number = {c: i + 1 for i, c in enumerate(order)}
    labels = pd.Series([number[c] for c in raw], index=feats.index, name="cluster")
    table = describe(feats, labels, x)
    return Clustering(labels, table, scores, int(labels.max()), chosen, list(feats.columns), feats)


def describe(feats: pd.DataFrame, labels: pd.Series, x: np.ndarray) -> pd.DataFrame:
    """Per cluster: size, shares, centroid in the customers' units, traits and an action."""
    import pandas as pd

    cols = list(feats.columns)
    cats = [c for c in cols if c.startswith("cat:")]
    total_money = float(feats["monetary"].sum())
    rows: list[dict[str, Any]] = []
    for number in sorted(labels.unique()):
        inside = (labels == number).to_numpy()
        part = feats[inside]
        centre = x[inside].mean(axis=0)
        traits = []
        for col in BASE:
            z = centre[cols.index(col)]
            side = 1 if z >= TRAIT_Z else -1 if z <= -TRAIT_Z else 0
            if side and (col, side) in TRAITS:
                traits.append(TRAITS[(col, side)])
        top_cat, top_share = None, None
        if cats:
            shares = part[cats].mean()
            top_cat = str(shares.idxmax())[4:]
            top_share = float(shares.max())
        revenue = float(part["monetary"].sum())
        rows.append(
            {
                "cluster": int(number),
                "customers": int(inside.sum()),
                "share_customers": float(inside.mean()),
                "revenue": revenue,
                "share_revenue": revenue / total_money if total_money else None,
                "mean_recency_days": float(part["recency_days"].mean()),
                "mean_frequency": float(part["frequency"].mean()),
                "mean_monetary": float(part["monetary"].mean()),
                "mean_tenure_days": float(part["tenure_days"].mean()),
                "responsiveness": float(part["responsiveness"].mean()),
                "top_category": top_cat,
                "top_category_share": top_share,
                "traits": traits,
                "mostly": top_cat if top_share is not None and top_share >= MOSTLY else None,
                "action": action(traits),
            }
        )
    out = pd.DataFrame(rows)
    if len(out):
        out["description"] = [description(r["traits"], r["mostly"]) for r in rows]
    return out


def description(traits: list[str], mostly: str | None, word: Any = None, mostly_text: Any = None,
                sep: str = ", ") -> str:  # fmt: skip
    """The plain words of a cluster: "recent, frequent, high spend, mostly tea". `word` and
    `mostly_text` translate (the CLI passes pgettext and _); JSON keeps English."""
    parts = [word(t) if word else t for t in traits]
    if mostly:
        parts.append((mostly_text or (lambda m: m))(MOSTLY_TEXT).format(category=mostly))
    if not parts:
        parts.append(word(AVERAGE) if word else AVERAGE)
    return sep.join(parts)


def action(traits: list[str]) -> str:
    """The suggested action for a cluster with these traits (an N_ message, English)."""
    have = set(traits)
    for needed, any_of, text in ACTIONS:
        if needed <= have and (not any_of or have & any_of):
            return text
    return ACTIONS[-1][2]
