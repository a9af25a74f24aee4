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


def _in_process(*args: str) -> str:
    """The same help built the way the tests' `cli` builds it: the whole command tree."""
    from typer.testing import CliRunner

    from custtrack.cli import app

    return CliRunner().invoke(app, list(args), prog_name="custtrack", env={"COLUMNS": "120"}).output


def test_a_process_builds_only_what_it_shows_and_shows_the_same() -> None:
    """`main()` registers only the invoked command (and, for the root's help, the commands
    without their parameters); the help printed is the whole tree's, word for word."""
    for args in (("--help",), ("--lang", "zh-CN", "--help"), ("add", "--help"),
                 ("--db", "x.db", "--lang", "en", "due", "--help"), ("points", "--help"),
                 ("import", "customers", "--help")):  # fmt: skip
        proc = _help(*args)
        assert proc.returncode == 0, (args, proc.stderr)
        shown = proc.stdout.replace("python -m custtrack", "custtrack")
        assert shown.split() == _in_process(*args).split(), args


def test_a_mistyped_command_still_gets_its_suggestion() -> None:
    proc = _help("shw")
    assert proc.returncode == 2 and "Did you mean 'show'?" in proc.stderr
