"""`custtrack --help` stays light and complete."""

import subprocess
import sys
from pathlib import Path


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


def test_help_gives_the_exit_codes() -> None:
    out = _help("--help").stdout
    assert "Exit codes: 0 done; 1 a problem with the data" in " ".join(out.split())


def test_shell_completion_completes_commands_and_options() -> None:
    import os

    def complete(words: str, index: int) -> list[str]:
        env = {**os.environ, "_CUSTTRACK_COMPLETE": "complete_bash", "COMP_WORDS": words,
               "COMP_CWORD": str(index)}  # fmt: skip
        script = Path(sys.executable).with_name("custtrack")  # the installed console script
        proc = subprocess.run([script], capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()

    assert complete("custtrack lo", 1) == ["log", "lost"]
    assert complete("custtrack due --form", 2) == ["--format"]
