"""Every test runs against its own throw-away database and config, never the user's.

Engines: a test runs on a SQLite file unless it is marked `@pytest.mark.both_engines`, which
runs it twice, `[sqlite]` and `[postgresql]`: the latter gets a fresh PostgreSQL database of its
own (a copy of a template migrated once per session, on the server of tests/pg.py) as
CUSTTRACK_DB. The `engine` fixture says which one a test has; `@pytest.mark.sqlite_only` keeps
one test of a marked module on SQLite (it looks inside the file); `prebuilt` builds a test
database once per engine and copies it for each test. Without PostgreSQL the `[postgresql]` runs
are skipped with the reason, except on CI (CI=true), where they fail.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
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


ENGINES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marked = metafunc.definition.get_closest_marker
    if marked("both_engines") and not marked("sqlite_only"):
        metafunc.parametrize("engine", ENGINES, indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """'sqlite' or 'postgresql': the engine of this test's database (see the module docstring)."""
    return getattr(request, "param", "sqlite")


class PgServer:
    """The session's PostgreSQL server: a template database migrated once, copied per test.

    CREATE DATABASE takes ~0.1 s (more on a busy machine), so a worker thread keeps the next
    copies of the template ready and drops used databases while the tests run.
    """

    AHEAD = 2  # copies of the template kept ready

    def __init__(self, cluster) -> None:  # noqa: ANN001  (pg.Cluster)
        import queue
        import threading

        from sqlalchemy.engine import make_url

        self.cluster = cluster
        self.base = make_url(cluster.url)
        self.admin = self._connect()
        self.prefix = f"custtrack_test_{os.getpid()}"
        self.names = itertools.count(1)
        self.template = f"{self.prefix}_template"
        # FILE_COPY (PostgreSQL 15+): copying a small template's files beats writing it to WAL
        self.strategy = " STRATEGY FILE_COPY" if self.admin.info.server_version >= 150000 else ""
        self.created: list[str] = []
        self.admin.execute(f"DROP DATABASE IF EXISTS {self.template}")
        self.admin.execute(f"CREATE DATABASE {self.template}")
        self.created.append(self.template)
        eng = db.bare_engine(self.url(self.template))
        try:
            db.upgrade(eng)
        finally:
            eng.dispose()
        self._ready: queue.Queue[str | BaseException] = queue.Queue()
        self._todo: queue.Queue[tuple[str, str] | None] = queue.Queue()
        for _ in range(self.AHEAD):
            self._todo.put(("create", self._new_name()))
        self._worker = threading.Thread(target=self._work, name="pg-databases", daemon=True)
        self._worker.start()

    def _connect(self):  # noqa: ANN202
        import psycopg

        url = self.base.set(drivername="postgresql").render_as_string(hide_password=False)
        return psycopg.connect(url, autocommit=True)

    def _new_name(self) -> str:
        name = f"{self.prefix}_{next(self.names)}"
        self.created.append(name)
        return name

    def _work(self) -> None:
        conn = self._connect()
        try:
            while (job := self._todo.get()) is not None:
                what, name = job
                try:
                    if what == "create":
                        template = f"{self.template}{self.strategy}"
                        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
                        self._ready.put(name)
                    else:
                        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                except BaseException as exc:  # noqa: BLE001 - handed to the test that waits
                    self._ready.put(exc) if what == "create" else None
                finally:
                    self._todo.task_done()
        finally:
            conn.close()

    def url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def settle(self) -> None:
        """Wait until the worker is idle: its CREATE DATABASE holds back what VACUUM may
        remove in every database of the server (see test_forget)."""
        self._todo.join()

    def create(self, migrated: bool = True) -> str:
        """A new database (a copy of the migrated template, or empty): its URL."""
        if not migrated:
            name = self._new_name()
            self.admin.execute(f"CREATE DATABASE {name} TEMPLATE template0")
            return self.url(name)
        found = self._ready.get(timeout=120)
        self._todo.put(("create", self._new_name()))  # the next test's
        if isinstance(found, BaseException):
            raise found
        return self.url(found)

    def _template_of(self, key: str) -> str:
        return f"{self.prefix}_{re.sub(r'[^a-z0-9]', '_', key.lower())}"

    def save(self, url: str, key: str) -> None:
        """Keep a copy of the database at `url` as the template `key` (see `prebuilt`)."""
        from sqlalchemy.engine import make_url

        db.dispose()  # a template must have no connections
        name = self._template_of(key)
        self.admin.execute(f"CREATE DATABASE {name} TEMPLATE {make_url(url).database}")
        self.created.append(name)

    def copy(self, key: str) -> str:
        """A new database, a copy of the template `key`: its URL."""
        name = self._new_name()
        template = self._template_of(key)
        self.admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}{self.strategy}")
        return self.url(name)

    def drop(self, url: str) -> None:
        """Drop a test's database (in the background)."""
        from sqlalchemy.engine import make_url

        self._todo.put(("drop", make_url(url).database))

    def close(self) -> None:
        self._todo.put(None)
        self._worker.join(timeout=60)
        for name in reversed(self.created):
            self.admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.admin.close()
        self.cluster.stop()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server (started on first use, stopped at the end); skips the
    test when there is none, or fails it on CI."""
    import pg

    try:
        server = PgServer(pg.start())
    except Exception as exc:  # noqa: BLE001 - any reason there is no server is reported
        reason = f"no PostgreSQL server for the [postgresql] tests: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    yield server
    db.dispose()
    server.close()


@pytest.fixture
def pg_database(pg_server: PgServer) -> Iterator[str]:
    """A fresh PostgreSQL database with custtrack's schema: its URL."""
    url = pg_server.create()
    yield url
    db.dispose()
    pg_server.drop(url)


@pytest.fixture(autouse=True)
def isolated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str, request: pytest.FixtureRequest
) -> Path:
    monkeypatch.setattr(typer.testing, "_get_command", _command)
    dbfile = tmp_path / "test.db"
    if engine == "postgresql":
        monkeypatch.setenv("CUSTTRACK_DB", request.getfixturevalue("pg_database"))
    else:
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
def migrated_db(isolated: Path, engine: str) -> Path:
    """Speed only: start from a copy of an already-migrated empty database (PostgreSQL's is
    one already)."""
    if engine == "postgresql":
        return isolated
    if not _empty_db:
        db.engine()
        db.dispose()
        _empty_db.append(isolated.read_bytes())
    isolated.write_bytes(_empty_db[0])
    isolated.chmod(0o600)
    return isolated


_prebuilt: dict[tuple[str, str], bytes | None] = {}


@pytest.fixture
def prebuilt(isolated: Path, engine: str, request: pytest.FixtureRequest):  # noqa: ANN201
    """prebuilt(key, build): the test's database as build() leaves it, built once per session
    and engine under `key`, then copied for each test (a file's bytes, or a PostgreSQL template
    database). Returns True when it was built just now."""

    def use(key: str, build: Callable[[], object]) -> bool:
        if engine == "postgresql":
            server = request.getfixturevalue("pg_server")
            if (engine, key) in _prebuilt:
                db.dispose()
                url = server.copy(key)
                request.getfixturevalue("monkeypatch").setenv("CUSTTRACK_DB", url)
                request.addfinalizer(lambda: (db.dispose(), server.drop(url)))
                return False
            build()
            server.save(os.environ["CUSTTRACK_DB"], key)
            _prebuilt[engine, key] = None
            return True
        if (engine, key) in _prebuilt:
            db.dispose()
            isolated.write_bytes(_prebuilt[engine, key])
            isolated.chmod(0o600)
            return False
        build()
        db.dispose()  # checkpoints the WAL into the file
        _prebuilt[engine, key] = isolated.read_bytes()
        return True

    return use


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
def snapshot(isolated: Path, engine: str) -> Callable[[], dict[str, list[tuple]]]:
    """All rows of all tables, to prove that a failed command changed nothing."""

    def take_pg() -> dict[str, list[tuple]]:
        import sqlalchemy as sa

        eng = sa.create_engine(os.environ["CUSTTRACK_DB"])
        try:
            with eng.connect() as conn:
                tables = sa.inspect(conn).get_table_names()
                return {
                    t: [tuple(r) for r in conn.exec_driver_sql(f'SELECT * FROM "{t}" ORDER BY 1')]
                    for t in tables
                }
        finally:
            eng.dispose()

    def take() -> dict[str, list[tuple]]:
        if engine == "postgresql":
            return take_pg()
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
