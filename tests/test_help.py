"""`custtrack --help` stays light and complete."""

import subprocess
import sys


def _help(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "custtrack", *args],
        capture_output=True, text=True, env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_help_skips_markdown_and_still_shows_every_panel() -> None:
    proc = _help("--help")
    assert proc.returncode == 0
    for panel in ("Customers", "Daily", "Analytics", "Data", "Settings", "Getting started"):
        assert f"─ {panel} " in proc.stdout
    # the import log: neither rich.markdown (markdown_it) nor rich.traceback (pygments) loaded
    assert "markdown_it" not in proc.stderr and "pygments" not in proc.stderr


def test_a_command_help_renders_its_examples() -> None:
    proc = _help("log", "--help")
    assert proc.returncode == 0
    assert "--next-note" in proc.stdout and "custtrack log" in proc.stdout
