"""The published CDNOW figures, from the raw purchase lines imported through `custtrack import`."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "cdnow_sample.txt"


def _to_csv(path: Path) -> int:
    """The whitespace lines as a CSV a shop would have: customer id, date, quantity, amount."""
    lines = DATA.read_text().split("\n")
    rows = [line.split() for line in lines if line.strip()]
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["customer_id", "date", "quantity", "amount"])
        for _full_id, sample_id, day, qty, amount in rows:
            out.writerow([sample_id, f"{day[:4]}-{day[4:6]}-{day[6:]}", qty, amount])
    return len(rows)


def test_cdnow_bgnbd_and_gamma_gamma_match_the_literature(cli, tmp_path: Path) -> None:
    path = tmp_path / "cdnow.csv"
    assert _to_csv(path) == 6919
    cli("import", "purchases", path, "--map", "customer_id=external_id")

    # the calibration summary, same-day lines merged (counts from the data's README)
    import pandas as pd

    from custtrack import db
    from custtrack.analytics.clv import calibration_summary
    from custtrack.services import analytics

    with db.session() as s:
        occ = analytics.occasions(s, date(1998, 6, 30))
    assert len(occ.drop_duplicates("customer_id")) == 2357
    summary = calibration_summary(occ, pd.Timestamp("1997-09-30"))
    assert int(summary["x"].sum()) == 2457
    assert int((summary["x"] > 0).sum()) == 946
    holdout = occ[(occ["day"] > "1997-09-30") & (occ["day"] <= "1998-06-30")]
    assert len(holdout) == 1882

    # `value --model` as of the end of calibration fits on exactly those 39 weeks
    fitted = cli.json("value", "--model", "--as-of", "1997-09-30")
    bg, gg = fitted["bgnbd"], fitted["gamma_gamma"]
    assert bg["ok"] and gg["ok"]
    assert bg["n"] == 2357 and gg["n"] == 946
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert f"{bg['params'][name]:.3g}" == f"{value:.3g}", name
    assert bg["log_likelihood"] == pytest.approx(-9582.4, abs=0.05)
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert f"{gg['params'][name]:.3g}" == f"{value:.3g}", name

    table = cli("value", "--model", "--as-of", "1997-09-30").stdout
    assert "0.2426" in table and "4.414" in table and "-9582" in table
