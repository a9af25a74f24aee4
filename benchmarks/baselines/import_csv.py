"""Baseline for `custtrack import purchases FILE`: pandas.read_csv + sqlite3.executemany.

    python benchmarks/baselines/import_csv.py CSV DB

DB is a copy of an empty custtrack schema. One transaction: customers created for unknown
external ids (placeholder names), then every purchase line, local times stored as UTC text.
"""

import os
import sqlite3
import sys
from datetime import UTC, datetime

import numpy as np
import pandas as pd


def main() -> None:
    csv_path, db_path = sys.argv[1], sys.argv[2]
    zone = os.environ.get("TZ") or "UTC"
    df = pd.read_csv(
        csv_path,
        dtype={
            "customer_id": str,
            "product": str,
            "category": str,
            "currency": str,
            "order_ref": str,
        },
    )
    at = pd.to_datetime(df["date"], format="%Y-%m-%d %H:%M:%S").dt.tz_localize(zone)
    at_utc = at.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[us]")
    at_text = [s.replace("T", " ", 1) for s in np.datetime_as_string(at_utc, unit="us").tolist()]
    cents = (df["amount"] * 100).round().astype("int64")
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("BEGIN IMMEDIATE")
    known = dict(con.execute("SELECT external_id, id FROM customers WHERE external_id IS NOT NULL"))
    new = [x for x in df["customer_id"].unique().tolist() if x not in known]
    con.executemany(
        "INSERT INTO customers (name, external_id, status, created_at, updated_at)"
        " VALUES (?, ?, 'active', ?, ?)",
        ((f"Customer {x}", x, now, now) for x in new),
    )
    ids = dict(con.execute("SELECT external_id, id FROM customers WHERE external_id IS NOT NULL"))
    cust = df["customer_id"].map(ids).tolist()
    con.executemany(
        "INSERT INTO purchases (customer_id, at, product, category, qty, amount_minor, currency,"
        " order_ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        zip(
            cust, at_text, df["product"].tolist(), df["category"].tolist(),
            df["quantity"].tolist(), cents.tolist(), df["currency"].tolist(),
            df["order_ref"].tolist(), [now] * len(df),
            strict=True,
        ),
    )  # fmt: skip
    con.execute("COMMIT")
    print(f"imported {len(df)} purchases, {len(new)} new customers")


if __name__ == "__main__":
    main()
