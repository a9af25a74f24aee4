"""A throw-away PostgreSQL server for the engine-parametrised tests.

`CUSTTRACK_TEST_PG` (a SQLAlchemy URL of a server where we may create databases; `.ci/run` sets
it after starting one) is used when set. Otherwise a cluster is made in a temporary folder with
Debian's `initdb`, on 127.0.0.1 and a free port, run as the `postgres` user when we are root
(PostgreSQL refuses to run as root), and stopped when the tests end. On CI, PostgreSQL tests
never skip: a missing server is an error there.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def _tool(name: str) -> str | None:
    for folder in BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A running PostgreSQL server: its URL (superuser, database `postgres`) and how to stop it."""

    def __init__(self, url: str, stop: list[str] | None = None, folder: Path | None = None):
        self.url, self._stop, self._folder = url, stop, folder

    def stop(self) -> None:
        if self._stop:
            subprocess.run(self._stop, capture_output=True, check=False)
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)


def start(durable: bool = False) -> Cluster:
    """The server to test against (see the module docstring); raises RuntimeError with the
    reason when there is none and none can be started. Tests want speed (no fsync); durable=True
    keeps PostgreSQL's own defaults (fsync, full-page writes, waiting for the WAL at each commit),
    as a real server has them: the benchmarks' cluster."""
    given = os.environ.get("CUSTTRACK_TEST_PG")
    if given and not durable:
        return Cluster(given)
    initdb, pg_ctl = _tool("initdb"), _tool("pg_ctl")
    if not (initdb and pg_ctl):
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="custtrack-pg-"))
    data, port = folder / "data", _free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
        folder.chmod(0o700)
    run = lambda *cmd: subprocess.run([*as_user, *cmd], capture_output=True, text=True)  # noqa: E731
    init = run(initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
               "--locale=C.UTF-8", "--no-sync")  # fmt: skip
    if init.returncode:
        raise RuntimeError(f"initdb failed: {init.stderr.strip()[-300:]}")
    opts = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
        "-c max_connections=60"
    )
    if not durable:
        opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    up = run(pg_ctl, "-D", str(data), "-o", opts, "-l", str(folder / "log"), "-w", "start")
    if up.returncode:
        logfile = folder / "log"
        log = logfile.read_text(errors="replace")[-500:] if logfile.exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {up.stderr.strip()[-300:]} {log}")
    stop = [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"]
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    _wait(url)
    return Cluster(url, stop, folder)


def _wait(url: str, seconds: float = 20) -> None:
    import sqlalchemy as sa

    deadline = time.monotonic() + seconds
    while True:
        try:
            engine = sa.create_engine(url)
            with engine.connect():
                engine.dispose()
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
