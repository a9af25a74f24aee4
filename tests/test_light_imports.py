"""The daily commands stay light: no pandas for --help, add, log and show; --help does not
even import SQLAlchemy. Each runs in a fresh interpreter, as a user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("pandas", "scipy", "numpy", "openpyxl", "icalendar", "rapidfuzz", "psycopg")

# Runs custtrack's entry point, then reports the exit code and every module that was imported.
WRAPPER = """
import json, sys
sys.argv = ["custtrack", *sys.argv[1:]]
from custtrack.cli import main
try:
    main()
    code = 0
except SystemExit as exc:
    code = exc.code or 0
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CUSTTRACK_DB=str(tmp_path / "light.db"),
        CUSTTRACK_CONFIG=str(tmp_path / "light.toml"),
        HOME=str(tmp_path / "home"),
    )
    return env


def _modules(tmp_path: Path, *args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        capture_output=True, text=True, env=_env(tmp_path), timeout=120,
    )  # fmt: skip
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, proc.stdout + proc.stderr
    return {m.split(".")[0] for m in report["modules"]}


def test_help_imports_neither_pandas_nor_sqlalchemy(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "custtrack", "--help"],
        capture_output=True, text=True, env=_env(tmp_path), timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Usage" in proc.stdout
    # lines look like "import time:       412 |       1032 |   typer.core"
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert {"typer", "rich", "custtrack"} <= names  # the parsing works
    for heavy in (*HEAVY, "sqlalchemy", "sqlmodel", "alembic", "dateparser", "phonenumbers"):
        assert heavy not in names, heavy
    assert not (tmp_path / "light.db").exists()  # --help does not open the database


def test_add_log_show_do_not_import_pandas(tmp_path: Path) -> None:
    runs = {
        "add": ["add", "Wang Fang", "--phone", "+86 138 0013 8000", "--birthday", "1985-03-12"],
        "log": ["log", "Wang", "-c", "wechat", "-m", "hi", "--next", "next friday"],
        "show": ["show", "Wang"],
    }
    for name, args in runs.items():
        modules = _modules(tmp_path, *args)
        assert "sqlalchemy" in modules, name  # the command really did its work
        loaded = [m for m in HEAVY if m in modules]
        assert loaded == [], f"{name} imported {loaded}"
