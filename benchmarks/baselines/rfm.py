"""Baseline for `custtrack rfm` and `report`: RFM the way an analyst would write it by hand.

    python benchmarks/baselines/rfm.py DB [AS_OF]

One GROUP BY over purchases that the covering index purchases(customer_id, at, amount_minor)
answers without touching the table, then pandas for quintile scores and segment names; CSV out.
Frequency counts purchase occasions (local days); AS_OF defaults to CUSTTRACK_TODAY or today.
"""

import os
import sqlite3
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

SEGMENTS = {  # (R score, mean of F and M scores rounded) -> segment; the usual 11-segment grid
    (5, 5): "Champions", (5, 4): "Champions", (4, 5): "Champions",
    (4, 4): "Loyal", (3, 5): "Loyal", (3, 4): "Loyal",
    (5, 3): "Potential Loyalist", (4, 3): "Potential Loyalist", (5, 2): "Potential Loyalist",
    (5, 1): "New", (4, 1): "Promising", (4, 2): "Promising",
    (3, 3): "Need Attention", (3, 2): "About to Sleep", (3, 1): "About to Sleep",
    (2, 5): "Can't Lose Them", (1, 5): "Can't Lose Them", (2, 4): "At Risk", (2, 3): "At Risk",
    (1, 4): "At Risk", (2, 2): "Hibernating", (2, 1): "Hibernating", (1, 3): "Hibernating",
    (1, 2): "Lost", (1, 1): "Lost",
}  # fmt: skip


def main() -> None:
    path = sys.argv[1]
    as_of = date.fromisoformat(
        sys.argv[2] if len(sys.argv) > 2 else os.environ.get("CUSTTRACK_TODAY") or str(date.today())
    )
    zone = ZoneInfo(os.environ.get("TZ") or "UTC")
    offset_h = int(
        datetime(as_of.year, as_of.month, as_of.day, tzinfo=zone).utcoffset().total_seconds()
        // 3600
    )
    # the first UTC instant after the as-of day ends, in the stored text format
    end = pd.Timestamp(as_of, tz=zone) + pd.Timedelta(days=1)
    end_text = end.tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S.%f")
    shift = f"{offset_h:+d} hours"
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    df = pd.read_sql_query(
        "SELECT p.customer_id, c.name, p.last_day, p.frequency, p.monetary FROM ("
        " SELECT customer_id, max(date(at, :shift)) AS last_day,"
        " count(DISTINCT date(at, :shift)) AS frequency, sum(amount_minor) AS monetary"
        " FROM purchases WHERE at < :end GROUP BY customer_id"
        ") p JOIN customers c ON c.id = p.customer_id",
        con,
        params={"shift": shift, "end": end_text},
    )
    last = pd.to_datetime(df["last_day"], format="%Y-%m-%d")
    df["recency"] = (pd.Timestamp(as_of) - last).dt.days
    # custtrack's documented rule: mid-rank (ties share it), p = (midrank - 1/2) / n,
    # score = 1 + floor(5p)
    n = len(df)
    for col, values in (("r", -df["recency"]), ("f", df["frequency"]), ("m", df["monetary"])):
        p = (values.rank(method="average") - 0.5) / n
        df[col] = (1 + np.floor(5 * p)).astype(int)
    fm = ((df["f"] + df["m"]) / 2).round().astype(int)
    keys = pd.MultiIndex.from_arrays([df["r"], fm])
    df["segment"] = pd.Series(SEGMENTS).reindex(keys).to_numpy()
    df["monetary"] = df["monetary"] / 100
    df["rfm"] = df["r"].astype(str) + df["f"].astype(str) + df["m"].astype(str)
    df = df.sort_values(["r", "f", "m", "monetary"], ascending=False, kind="stable")
    cols = ["customer_id", "name", "recency", "frequency", "monetary", "r", "f", "m", "rfm"]
    df[[*cols, "segment"]].to_csv(sys.stdout, index=False)


if __name__ == "__main__":
    main()
