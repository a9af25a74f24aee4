"""The benchmark harness runs end to end at scale S and reports every row (timings not asserted)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
ROWS = [
    "--help", "add", "log", "show", "show vs query", "due", "due vs query", "--help zh", "add zh",
    "log zh", "show zh", "due zh", "rfm", "report", "report --html", "import", "import sheet",
    "value --model",
]  # fmt: skip
BASELINES = ["F1", "baseline show", "baseline due", "baseline rfm", "baseline import",
             "baseline import sheet"]  # fmt: skip
# built by the foundation, so they must run; the rest may still be "missing" while being built
MUST_RUN = ["F1", "--help", "add", "log", "show", "--help zh", "add zh", "log zh", "due zh",
            *BASELINES[1:]]  # fmt: skip


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("bench")
    db, csv, xlsx = tmp / "S.db", tmp / "S-import.csv", tmp / "S-sheet.xlsx"
    gen = subprocess.run(
        [sys.executable, str(BENCH / "generate.py"), "--scale", "S", "--db", str(db),
         "--import-csv", str(csv), "--import-rows", "2000", "--import-xlsx", str(xlsx),
         "--xlsx-rows", "2000"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert gen.returncode == 0, gen.stderr
    con = sqlite3.connect(db)
    before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    con.close()
    run = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--scale", "S", "--db", str(db), "--import-csv",
         str(csv), "--import-xlsx", str(xlsx), "--runs", "1", "--quick", "--out",
         str(tmp / "results")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    files = list((tmp / "results").glob("S-*.json"))
    assert len(files) == 1
    con = sqlite3.connect(db)
    after = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    con.close()
    return {
        "result": json.loads(files[0].read_text(encoding="utf-8")),
        "stdout": run.stdout,
        "before": before,
        "after": after,
        "files": (db, csv, xlsx),
    }


TABLES = ("customers", "purchases", "interactions", "feedback", "complaints", "followups")


def test_generator_builds_scale_s_shapes(bench: dict) -> None:
    counts = bench["before"]
    assert counts["customers"] == 1_000
    assert counts["purchases"] == 10_000
    assert counts["interactions"] == 10_000
    assert 0 < counts["complaints"] < counts["purchases"] * 0.02
    assert 0 < counts["feedback"] < counts["purchases"] * 0.2
    assert counts["followups"] > 0


def test_every_row_is_reported(bench: dict) -> None:
    result = bench["result"]
    assert [r["command"] for r in result["rows"]] == ROWS
    assert set(result["measurements"]) >= set(BASELINES) | {r for r in ROWS if "vs" not in r}
    for row in result["rows"]:
        assert row["result"] in ("pass", "FAIL", "info", "missing"), row
        assert row["command"] in bench["stdout"]  # printed in the table too


def test_measurements_have_timings_and_memory(bench: dict) -> None:
    measured = bench["result"]["measurements"]
    for name in MUST_RUN:
        assert measured[name]["status"] == "ok", (name, measured[name])
    for name, m in measured.items():
        assert m["status"] in ("ok", "missing"), (name, m)
        if m["status"] == "ok":
            assert m["runs"] == 1 and m["median_s"] > 0 and m["peak_mb"] > 5, (name, m)
        else:
            assert "times_s" not in m


def test_writes_went_to_the_benchmark_database(bench: dict) -> None:
    before, after = bench["before"], bench["after"]
    assert after["customers"] == before["customers"] + 2  # `add` and `add zh` (no warm-up)
    assert after["interactions"] == before["interactions"] + 2  # `log` and `log zh`
    assert after["purchases"] == before["purchases"]  # the import went to a copy


def test_machine_info_and_targets_recorded(bench: dict) -> None:
    result = bench["result"]
    info = result["machine"]
    for key in ("platform", "cpu_count", "python", "sqlite", "sqlalchemy", "pandas"):
        assert info[key], key
    assert info["executable"] == sys.executable
    targets = {r["command"]: r["target"] for r in result["rows"]}
    assert targets["--help"] == targets["--help zh"] == "≤ 0.4×F1"
    assert targets["add zh"] == "≤ 1.3×F1"  # scale S: no memory target
    assert targets["rfm"] == "≤ 1.3×baseline rfm"
    assert result["import_rows"] == 2000
    assert result["import_sheet_rows"] == 2000
    assert targets["import sheet"] == "≤ 2×baseline import sheet; < 1024 MB"


def test_postgresql_mode_copies_imports_and_cleans_up(bench: dict, pg_server, tmp_path: Path):
    """--engine postgresql on the test server (skipped without one, failed on CI), only its
    import rows to stay quick (the daily " pg" rows are the SQLite rows' processes with another
    CUSTTRACK_DB): the copy is made, both imports run, and the databases it made are gone."""
    import psycopg
    from sqlalchemy.engine import make_url

    db, csv, xlsx = bench["files"]
    out = tmp_path / "results"
    run = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--scale", "S", "--db", str(db), "--import-csv",
         str(csv), "--import-xlsx", str(xlsx), "--runs", "1", "--quick", "--out", str(out),
         "--engine", "postgresql", "--pg-url", pg_server.cluster.url, "--only", "import pg"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    (path,) = out.glob("S-*-postgresql.json")
    result = json.loads(path.read_text(encoding="utf-8"))
    assert result["engine"] == "postgresql" and result["postgresql"]["server_version"]
    assert result["postgresql"]["copy_s"] > 0
    (row,) = [r for r in result["rows"] if r["command"] == "import pg"]
    assert row["result"] in ("pass", "FAIL") and "import pg" in run.stdout
    assert row["baseline"] == "baseline import pg" and row["target"].startswith("≤ 2×baseline")
    for name in ("import pg", "baseline import pg"):
        assert result["measurements"][name]["status"] == "ok", result["measurements"][name]
    plain = make_url(pg_server.cluster.url).set(drivername="postgresql")
    with psycopg.connect(plain.render_as_string(hide_password=False)) as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'custtrack_bench%'")
        assert left.fetchall() == []
