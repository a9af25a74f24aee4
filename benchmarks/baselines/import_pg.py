"""Baseline for `custtrack import purchases FILE` on PostgreSQL: pandas.read_csv + psycopg COPY.

    python benchmarks/baselines/import_pg.py CSV URL

URL is an empty custtrack schema (postgresql+psycopg:// or postgresql://). The same job as
import_csv.py, the plainest fast way: one transaction, customers created for unknown external ids
(placeholder names) with COPY, then every purchase line with COPY, local times stored as UTC
(text read in the session's UTC time zone, as custtrack's connections have it).
"""

import os
import sys
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import psycopg


def main() -> None:
    csv_path, url = sys.argv[1], sys.argv[2]
    url = url.replace("postgresql+psycopg://", "postgresql://", 1)
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

    with psycopg.connect(url) as con, con.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
        known = dict(cur.execute("SELECT external_id, id FROM customers "
                                 "WHERE external_id IS NOT NULL").fetchall())  # fmt: skip
        new = [x for x in df["customer_id"].unique().tolist() if x not in known]
        with cur.copy(
            "COPY customers (name, external_id, status, created_at, updated_at) FROM STDIN"
        ) as copy:
            for x in new:
                copy.write_row((f"Customer {x}", x, "active", now, now))
        ids = dict(cur.execute("SELECT external_id, id FROM customers "
                               "WHERE external_id IS NOT NULL").fetchall())  # fmt: skip
        cust = df["customer_id"].map(ids).tolist()
        with cur.copy(
            "COPY purchases (customer_id, at, product, category, qty, amount_minor, currency,"
            " order_ref, created_at) FROM STDIN"
        ) as copy:
            for row in zip(
                cust, at_text, df["product"].tolist(), df["category"].tolist(),
                df["quantity"].tolist(), cents.tolist(), df["currency"].tolist(),
                df["order_ref"].tolist(), [now] * len(df),
                strict=True,
            ):  # fmt: skip
                copy.write_row(row)
    print(f"imported {len(df)} purchases, {len(new)} new customers")


if __name__ == "__main__":
    main()
