"""Type checking (issue 18.11): mypy, run as `mypy` with the settings of pyproject.toml
([tool.mypy]), finds no error in src/custtrack, and no module is exempt (`ignore_errors`).

mypy keeps its cache in .mypy_cache at the top of the checkout: a first run takes ~30 s of CPU,
a run after a small change a few seconds."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _mypy_settings() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


def _ignored() -> list[str]:
    overrides = _mypy_settings().get("overrides", [])
    return [m for o in overrides if o.get("ignore_errors") for m in o["module"]]


def test_mypy_finds_no_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("Success: no issues found"), proc.stdout


def test_no_module_is_exempt_and_every_module_is_checked() -> None:
    assert _ignored() == [], "fix the module's type errors instead (issue 18.11)"
    assert _mypy_settings()["files"] == ["src/custtrack"]
    overrides = _mypy_settings().get("overrides", [])
    assert not any(o.get("disallow_untyped_defs") is False for o in overrides)


def test_an_unreadable_purchase_time_is_an_error_not_a_crash(isolated: Path) -> None:
    """Found by mypy: occasion_arrays bound `_` to a number, so this error raised TypeError."""
    import sqlite3

    from test_rfm import TODAY, book, days_ago

    from custtrack import db
    from custtrack.errors import CusttrackError
    from custtrack.services import analytics

    book({"Ann": [(days_ago(10), 5), (days_ago(5), 7)]})
    with sqlite3.connect(isolated) as conn:
        conn.execute("UPDATE purchases SET at = '2026-11-15T12:00:00+0800' WHERE id = 2")
    conn.close()
    with db.session() as s, pytest.raises(CusttrackError, match="unreadable time"):
        analytics.occasion_arrays(s, TODAY)
    db.dispose()
