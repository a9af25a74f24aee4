"""`custtrack import KIND -` reads standard input: a pipe, as any file would be read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_csv_piped_in(cli) -> None:
    r = cli("import", "customers", "-", input="name,phone\nAnn,+8613800138000\n")
    assert r.stdout.startswith("Reading stdin.csv (CSV, utf-8")
    assert [c["name"] for c in cli.json("list")] == ["Ann"]
    again = cli("import", "customers", "-", input="name,phone\nAnn,+8613800138000\n")
    assert "0 customers added" in again.stdout  # the same rows are not added twice


def test_json_piped_in(cli) -> None:
    cli("import", "customers", "-", input='[{"name": "Bo", "email": "bo@example.com"}]')
    assert [c["email"] for c in cli.json("list")] == ["bo@example.com"]


def test_nothing_piped_in_is_an_error(cli, snapshot) -> None:
    before = snapshot()
    r = cli("import", "customers", "-", input="", code=1)
    assert r.stderr.strip() == "Error: stdin.csv is empty: nothing to import"
    assert snapshot() == before


def test_a_workbook_through_a_real_pipe(tmp_path: Path) -> None:
    env = {**os.environ, "CUSTTRACK_DB": str(tmp_path / "p.db"),
           "CUSTTRACK_CONFIG": str(tmp_path / "c.toml"), "LANG": "en_US.UTF-8"}  # fmt: skip
    sheet = (ROOT / "examples" / "tracking-sheet.xlsx").read_bytes()
    proc = subprocess.run([sys.executable, "-m", "custtrack", "import", "sheet", "-"],
                          input=sheet, capture_output=True, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    assert "Reading stdin.xlsx (XLSX, sheet 客户追踪)" in out and "6 customers (6 new)" in out
