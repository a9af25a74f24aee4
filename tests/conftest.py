"""Every test runs against its own throw-away database and config, never the user's."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

from custtrack import clock, config, db, i18n
from custtrack.cli import app

# Typer rebuilds the whole command tree on every CliRunner.invoke (~0.3 s); build it once.
_command = cache(typer.main.get_command)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(typer.testing, "_get_command", _command)
    dbfile = tmp_path / "test.db"
    monkeypatch.setenv("CUSTTRACK_DB", str(dbfile))
    monkeypatch.setenv("CUSTTRACK_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("CUSTTRACK_TODAY", "2026-11-20")
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    monkeypatch.setenv("COLUMNS", "200")
    for var in (
        "CUSTTRACK_USER",
        "CUSTTRACK_DEBUG",
        "NO_COLOR",
        "LANGUAGE",
        "LC_ALL",
        "LC_MESSAGES",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")  # tests in Chinese set LANG=zh_CN.UTF-8 themselves
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # platformdirs never reaches the real one
    _reset()
    yield dbfile
    _reset()


def _reset() -> None:
    i18n.use("en")
    db.dispose()
    db.set_db(None)
    clock.set_today(None)
    clock._zone.cache_clear()
    config.clear_cache()


_empty_db: list[bytes] = []


@pytest.fixture
def migrated_db(isolated: Path) -> Path:
    """Speed only: start from a copy of an already-migrated empty database."""
    if not _empty_db:
        db.engine()
        db.dispose()
        _empty_db.append(isolated.read_bytes())
    isolated.write_bytes(_empty_db[0])
    isolated.chmod(0o600)
    return isolated


class Cli:
    """Runs custtrack in-process; `cli("add", "Ann")` returns the click Result."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, code: int | None = 0):  # noqa: ANN204
        result = self.runner.invoke(app, [str(a) for a in args], input=input)
        db.dispose()  # each invocation is its own process in real life
        clock.set_today(None)
        if code is not None:
            assert result.exit_code == code, (
                f"exit {result.exit_code} != {code}\nstdout:\n{result.stdout}\n"
                f"stderr:\n{result.stderr}\nexc: {result.exception!r}"
            )
        return result

    def json(self, *args: str) -> object:
        return json.loads(self(*args, "--format", "json").stdout)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def snapshot(isolated: Path) -> Callable[[], dict[str, list[tuple]]]:
    """All rows of all tables, to prove that a failed command changed nothing."""

    def take() -> dict[str, list[tuple]]:
        if not isolated.exists():
            return {}
        con = sqlite3.connect(isolated)
        try:
            tables = [
                r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}
        finally:
            con.close()

    return take
