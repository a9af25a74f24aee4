"""Broken files: each gives a clear report, exit code 1, and leaves the database as it was."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

HEADER = "email,date,amount,order_ref\n"
GOOD = "ann@example.com,2026-01-01,10.00,R1\n"
HUGE = "x" * 10_000


def _xlsx_truncated(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["email", "date", "amount"])
    wb.active.append(["ann@example.com", "2026-01-01", 5])
    full = path.with_suffix(".full.xlsx")
    wb.save(full)
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])


CASES = {
    # name: (file name, content (bytes or a writer), text that must be in the output)
    "truncated_in_quotes": (
        "p.csv", (HEADER + GOOD + 'ann@example.com,2026-01-02,"12.').encode(),
        "ends inside a quoted field (is it truncated?)",
    ),
    "truncated_mid_row": (
        "p.csv", (HEADER + GOOD + "ann@example.com,2026-01").encode(),
        "the header has 4 columns (a truncated line",
    ),
    "wrong_encoding": (
        "p.csv", (HEADER + "ann@example.com,2026-01-01,10,Café-\xe9\n").encode("latin-1"),
        "cannot tell the encoding of p.csv",
    ),
    "wrong_types": (
        "p.csv", b"email,date,amount,qty\nann@example.com,2026-01-01,10,2.5\n"
        b"ann@example.com,yes,12,1\n",
        "not a whole number",
    ),
    "negative_amount": ("p.csv", (HEADER + "ann@example.com,2026-01-01,-3,R9\n").encode(),
                        "must not be negative"),
    "non_numeric_amount": ("p.csv", (HEADER + "ann@example.com,2026-01-01,ten,R9\n").encode(),
                           "not an amount of money"),
    "future_date": ("p.csv", (HEADER + "ann@example.com,2027-01-01,3,R9\n").encode(),
                    "is in the future"),
    "before_1900": ("p.csv", (HEADER + "ann@example.com,1899-12-31,3,R9\n").encode(),
                    "is before 1900"),
    "huge_field": (
        "p.csv", f"{HEADER[:-1]},product\nann@example.com,2026-01-01,3,R9,{HUGE}\n".encode(),
        "is 10000 characters; at most 200",
    ),
    "empty_file": ("p.csv", b"", "is empty: nothing to import"),
    "header_only": ("p.csv", HEADER.encode(), "no data rows"),
    "duplicate_order_refs": (
        "p.csv", (HEADER + GOOD + "ann@example.com,2026-01-02,5,R1\n").encode(),
        "the same order reference is on line 2",
    ),
    "truncated_json": ("p.json", b'[{"email": "ann@example.com", "date": "2026-01-01", "amou',
                       "is not valid JSON"),
    "truncated_xlsx": ("p.xlsx", _xlsx_truncated, "p.xlsx is not a readable spreadsheet"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_file_is_reported_and_writes_nothing(case, cli, tmp_path, snapshot):
    name, content, message = CASES[case]
    cli("add", "Ann", "--email", "ann@example.com")
    cli("buy", "Ann", "1", "--at", "2025-06-01", "--order-ref", "OLD")
    path = tmp_path / name
    if callable(content):
        content(path)
    else:
        path.write_bytes(content)
    before = snapshot()
    result = cli("import", "purchases", path, code=1)
    assert message in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.startswith("Error: ")
    assert snapshot() == before


def test_an_existing_order_reference_of_another_customer_is_bad(cli, tmp_path, snapshot):
    cli("add", "Ann", "--email", "ann@example.com")
    cli("add", "Bob", "--email", "bob@example.com")
    cli("buy", "Bob", "1", "--order-ref", "R1")
    path = tmp_path / "p.csv"
    path.write_text(HEADER + GOOD)
    before = snapshot()
    result = cli("import", "purchases", path, code=1)
    assert "already recorded for another customer" in result.stdout
    assert snapshot() == before


def _count(db: Path) -> tuple[int, int, str]:
    con = sqlite3.connect(db)
    try:
        n = con.execute("SELECT count(*) FROM purchases").fetchone()[0]
        c = con.execute("SELECT count(*) FROM customers").fetchone()[0]
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        return n, c, ok
    finally:
        con.close()


def _read_position(pid: int, path: Path) -> int:
    fds = Path(f"/proc/{pid}/fd")
    try:
        for fd in fds.iterdir():
            if os.readlink(fd) == str(path):
                info = (Path(f"/proc/{pid}/fdinfo") / fd.name).read_text()
                return int(info.split("pos:")[1].split()[0])
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        pass
    return 0


def test_sigkill_half_way_leaves_the_database_unchanged(cli, tmp_path, isolated):
    cli("add", "Ann", "--email", "ann@example.com")
    cli("buy", "Ann", "9.99", "--at", "2026-01-01")
    before = _count(isolated)
    big = tmp_path / "big.csv"
    with big.open("w") as f:
        f.write("customer_id,date,amount\n")
        f.writelines(f"K{i % 5000},2025-{i % 12 + 1:02d}-{i % 28 + 1:02d},{i % 997}.50\n"
                     for i in range(150_000))  # fmt: skip
    env = dict(os.environ)
    proc = subprocess.Popen(
        [sys.executable, "-m", "custtrack", "import", "purchases", str(big)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    # kill it once it has read half the file (the kernel tells the read position of its fd)
    size, deadline = big.stat().st_size, time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if _read_position(proc.pid, big) > size // 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert _count(isolated) == (*before[:2], "ok")
    # and custtrack itself still opens it, and the next import starts from scratch
    assert cli.json("import", "list") == []
    report = json.loads(cli("check", "--format", "json").stdout)
    assert report["ok"] is True
