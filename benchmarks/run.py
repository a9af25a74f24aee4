"""Time custtrack's commands as whole processes next to the fastest way to do the same job.

    python benchmarks/run.py --scale M --db /tmp/bench-M.db          # generates the DB if missing
    python benchmarks/run.py --scale S --only "import sheet" --import-xlsx /tmp/sheet-100k.xlsx
    python benchmarks/run.py --scale M --db /tmp/bench-M.db --engine postgresql   # and " pg" rows

Every command and every baseline runs as its own process with this interpreter (sys.executable),
round-robin (one of each per round, so a busy machine slows both sides of a ratio alike), after a
warm-up round. Reported: median, min and max wall time (time.perf_counter around the process) and
peak memory (the child's own ru_maxrss, from os.wait4). A command that does not exist yet (its
--help fails) is recorded as "missing". Results go to benchmarks/results/<scale>-<date>.json.

--engine postgresql adds the " pg" rows: the daily commands against a PostgreSQL copy of the
same database (to_postgresql.py, on a throw-away cluster from tests/pg.py or the server of
--pg-url), next to the same commands on the SQLite file in the same run, and `import purchases`
into an empty PostgreSQL schema next to a plain psycopg COPY (baselines/import_pg.py). Those
results go to <scale>-<date>-postgresql.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

PY = sys.executable
CT = [PY, "-m", "custtrack"]
BASE = HERE / "baselines"
DAILY = ("add", "log", "show", "due")
ZH = {"LANG": "zh_CN.UTF-8"}  # the " zh" rows: the same commands in the Chinese interface
NAMES = [  # every process timed, in table order
    "F1", "--help", "add", "log", "show", "due", "--help zh", "add zh", "log zh", "show zh",
    "due zh", "rfm", "report", "report --html", "import", "import sheet", "value --model",
    "baseline show", "baseline due", "baseline rfm", "baseline import", "baseline import sheet",
]  # fmt: skip
PG_NAMES = ["add pg", "log pg", "show pg", "due pg", "import pg", "baseline import pg"]
DAILY_MB = 150
SCALE_DRIFT = 1.15  # daily commands at L within 15% of M
PG_DAILY = 1.5  # a daily command on PostgreSQL within 1.5x of the same on SQLite, same run
SETTINGS = ("server_version", "fsync", "synchronous_commit", "full_page_writes", "shared_buffers",
            "work_mem")  # of the server, recorded with the results  # fmt: skip


@dataclass
class Bench:
    """One process to time: a custtrack command or a baseline."""

    name: str
    argv: list[str] | None = None  # fixed arguments, or …
    per_run: Any = None  # … a function (run index) -> argv, for writes that must not collide
    probe: list[str] | None = None  # custtrack arguments whose --help must succeed
    env: dict[str, str] = field(default_factory=dict)
    before: Any = None  # called (run index) before the process, untimed; may return env
    status: str = "ok"
    times: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)  # user + system CPU seconds
    note: str = ""

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "argv": self.shown_argv()}
        if self.note:
            out["note"] = self.note
        if self.times:
            out |= {
                "runs": len(self.times),
                "median_s": round(statistics.median(self.times), 4),
                "min_s": round(min(self.times), 4),
                "max_s": round(max(self.times), 4),
                "peak_mb": round(max(self.peaks), 1),
                "times_s": [round(t, 4) for t in self.times],
                "peaks_mb": [round(m, 1) for m in self.peaks],
            }
        if self.cpus:
            out["cpu_median_s"] = round(statistics.median(self.cpus), 4)
            out["cpu_s"] = [round(c, 4) for c in self.cpus]
        return out

    @classmethod
    def from_summary(cls, name: str, data: dict[str, Any], when: str) -> Bench:
        """A measurement kept from an earlier run of the same day (see --only)."""
        times = data.get("times_s", [])
        peaks = data.get("peaks_mb") or [data.get("peak_mb", 0.0)] * len(times)
        note = data.get("note") or f"measured in the run started at {when}"
        bench = cls(name, data.get("argv"), status=data["status"], note=note)
        bench.times, bench.peaks = list(times), list(peaks)
        bench.cpus = list(data.get("cpu_s", []))
        return bench

    def shown_argv(self) -> list[str]:
        argv = self.argv or (self.per_run(0) if self.per_run else [])
        return ["python" if a == PY else a for a in argv]

    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    def cpu(self) -> float | None:
        return statistics.median(self.cpus) if self.cpus else None


# Each measured process is started by this small launcher, not by run.py itself: Linux carries
# a process's peak RSS across fork+exec, so children forked straight from run.py (tens of MB
# after rich and numpy) would all report at least run.py's size as their peak memory.
_LAUNCH = """
import os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(argv[0], argv)
_, status, ru = os.wait4(pid, 0)
elapsed = time.perf_counter() - t0
with open(report, "w") as fh:
    fh.write(f"{elapsed} {ru.ru_maxrss} {ru.ru_utime + ru.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_once(argv: list[str], env: dict[str, str]) -> tuple[int, float, float, float, str]:
    """(exit code, wall seconds, peak MB, CPU seconds, stderr tail) of one process.

    CPU time (user + system) is reported next to wall time because it hardly moves when other
    programs load the machine; the targets are on wall time, as the issue states them.
    """
    exe = argv[0] if os.sep in argv[0] else (shutil.which(argv[0]) or argv[0])
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".rusage") as rep,
    ):
        launcher = [sys.executable, "-S", "-c", _LAUNCH, rep.name, exe, *argv[1:]]
        proc = subprocess.run(launcher, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        elapsed, maxrss, cpu = (float(x) for x in Path(rep.name).read_text().split())
        # Untimed: write what the process left dirty (an import: ~400 MB) before the next one
        # starts, or the kernel's writeback slows whichever process comes next (F1 was 0.91 s
        # right after the imports of an M run, against 0.72 s in a run without imports).
        os.sync()
        err.seek(0)
        tail = err.read()[-600:].decode("utf-8", "replace")
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, else KiB
    return proc.returncode, elapsed, maxrss / scale, cpu, tail


class Postgres:
    """The server of the " pg" rows (--engine postgresql): a copy of the benchmark database and
    an empty schema, made by to_postgresql.py, on a throw-away cluster (tests/pg.py) or on the
    server of --pg-url (where the user may create databases; those made here are dropped)."""

    def __init__(self, url: str | None, scale: str, source: Path, env: dict[str, str]) -> None:
        from sqlalchemy.engine import make_url

        self.cluster = None
        if url is None:
            sys.path.insert(0, str(HERE.parent / "tests"))
            import pg  # tests/pg.py

            print("starting a throw-away PostgreSQL cluster …", file=sys.stderr)
            self.cluster = pg.start(durable=True)
            url = self.cluster.url
        self.server = make_url(url)
        self.prefix = f"custtrack_bench_{scale.lower()}"
        self.made: list[str] = []
        self.db, self.empty = self.url(self.prefix), self.url(f"{self.prefix}_empty")
        loader = [PY, str(HERE / "to_postgresql.py")]
        print(f"copying {source.name} to PostgreSQL …", file=sys.stderr)
        t0 = time.perf_counter()
        try:
            subprocess.run([*loader, str(source), self.db], check=True, env=env)
            self.copy_s = time.perf_counter() - t0
            subprocess.run([*loader, "--empty", self.empty], check=True, env=env)
        except BaseException:
            self.close()
            raise
        with self.admin() as conn:
            show = {k: conn.execute(f"SHOW {k}").fetchone()[0] for k in SETTINGS}
        self.info = {
            "server_version": show.pop("server_version"),
            "server": "throw-away cluster (tests/pg.py)" if self.cluster else self.shown(),
            "settings": show,
            "copy_s": round(self.copy_s, 1),
        }

    def url(self, name: str) -> str:
        self.made.append(name)
        return self.server.set(database=name).render_as_string(hide_password=False)

    def admin(self):  # noqa: ANN201  (a psycopg connection to the server's `postgres` database)
        import psycopg

        plain = self.server.set(drivername="postgresql", database="postgres")
        return psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True)

    def fresh(self, label: str) -> Any:
        """before(): a new database, a copy of the empty schema, as CUSTTRACK_DB."""
        name = f"{self.prefix}_import_{label}"
        url = self.url(name)

        def before(i: int) -> dict[str, str]:
            with self.admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.prefix}_empty"')
            return {"CUSTTRACK_DB": url}

        return before

    def shown(self) -> str:
        return self.server.render_as_string(hide_password=True)

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()
            return
        try:
            with self.admin() as conn:
                for name in dict.fromkeys(reversed(self.made)):
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception as exc:  # noqa: BLE001 - the results are still written
            print(f"could not drop the benchmark databases: {exc}", file=sys.stderr)


class Harness:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.db = args.db
        self.pg: Postgres | None = None
        config = work / "config.toml"  # fresh config, never the user's
        config.write_text(
            f'currency = "CNY"\ntimezone = "{generate.TIMEZONE}"\nphone_region = "CN"\n',
            encoding="utf-8",
        )
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("CUSTTRACK_", "PYTHON"))
        }
        self.env |= {
            "CUSTTRACK_DB": str(self.db),
            "CUSTTRACK_CONFIG": str(config),
            "CUSTTRACK_TODAY": generate.REFERENCE_DATE.isoformat(),
            "TZ": generate.TIMEZONE,
            "COLUMNS": "120",
            "NO_COLOR": "1",
            "LANG": "en_US.UTF-8",  # the rows without " zh" in English, whatever this shell's
        }
        for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
            self.env.pop(var, None)
        if args.engine == "postgresql":
            self.pg = Postgres(args.pg_url, args.scale, self.db, self.env)

    def close(self) -> None:
        if self.pg is not None:
            self.pg.close()

    # ------------------------------------------------------------------ setup
    def pick_customers(self, runs: int) -> tuple[int, list[int], list[str]]:
        """The heaviest customer (for show), customers to log contacts with, unused phones."""
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        heavy = con.execute(
            "SELECT customer_id FROM purchases GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        heavy_id = heavy[0] if heavy else 1
        n = con.execute("SELECT max(id) FROM customers").fetchone()[0] or 1
        step = max(1, n // (runs + 3))
        ids = [
            r[0]
            for r in con.execute(
                "SELECT id FROM customers WHERE status = 'active' AND id % ? = 1 ORDER BY id",
                (step,),
            )
        ][: runs + 1]
        seed = time.time_ns() // 1000 % 10**8
        phones = []
        while len(phones) < runs + 1:
            phone = f"+86158{seed:08d}"
            seed = (seed + 7_777) % 10**8
            if not con.execute("SELECT 1 FROM customers WHERE phone = ?", (phone,)).fetchone():
                phones.append(phone)
        con.close()
        return heavy_id, ids or [1] * (runs + 1), phones

    def empty_schema(self) -> Path:
        """An empty custtrack database (migrated by custtrack itself) to copy for each import."""
        path = self.work / "empty.db"
        code = f"from custtrack import db; db.set_db({str(path)!r}); db.engine(); db.dispose()"
        subprocess.run([PY, "-c", code], check=True, env=self.env)
        return path

    def fresh_copy(self, empty: Path, label: str) -> Any:
        def before(i: int) -> dict[str, str]:
            target = self.work / f"import-{label}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(empty, target)
            return {"CUSTTRACK_DB": str(target)}

        return before

    def benches(self) -> list[Bench]:
        runs = self.args.runs + (0 if self.args.quick else 1)
        heavy, log_ids, phones = self.pick_customers(runs)  # phones: runs+1 for add, …
        phones += self.pick_customers(runs)[2]  # … and as many again for add zh
        empty = self.empty_schema()
        self.meta = {"show_customer": heavy, "log_customers": log_ids}
        benches = self.sqlite_benches(heavy, log_ids, phones, empty)
        if self.pg is None:
            return benches
        # each " pg" process runs right after its SQLite counterpart in every round
        pg = {b.name: b for b in self.pg_benches(heavy, log_ids, phones)}
        after = {"due": ["add pg", "log pg", "show pg", "due pg"], "import": ["import pg"],
                 "baseline import": ["baseline import pg"]}  # fmt: skip
        return [x for b in benches for x in (b, *(pg[n] for n in after.get(b.name, ())))]

    def pg_benches(self, heavy: int, log_ids: list[int], phones: list[str]) -> list[Bench]:
        """The " pg" rows: the same commands as their SQLite rows, on the PostgreSQL copy."""
        assert self.pg is not None
        env = {"CUSTTRACK_DB": self.pg.db}
        csv = str(self.args.import_csv)
        return [
            Bench("add pg", per_run=lambda i: [*CT, "add", f"Bench Customer {phones[i][-8:]}",
                  "--phone", phones[i], "--city", "杭州", "--tag", "bench"], probe=["add"],
                  env=env),
            Bench("log pg", per_run=lambda i: [*CT, "log", str(log_ids[i % len(log_ids)]), "-c",
                  "phone", "-m", "benchmark call"], probe=["log"], env=env),
            Bench("show pg", [*CT, "show", str(heavy)], probe=["show"], env=env),
            Bench("due pg", [*CT, "due"], probe=["due"], env=env),
            Bench("import pg", [*CT, "import", "purchases", csv, *self.args.import_args],
                  probe=["import", "purchases"], before=self.pg.fresh("ct")),
            Bench("baseline import pg", [PY, str(BASE / "import_pg.py"), csv,
                  self.pg.url(f"{self.pg.prefix}_import_base")], before=self.pg.fresh("base")),
        ]  # fmt: skip

    def sqlite_benches(
        self, heavy: int, log_ids: list[int], phones: list[str], empty: Path
    ) -> list[Bench]:
        db, csv, xlsx = str(self.db), str(self.args.import_csv), str(self.args.import_xlsx)
        return [
            Bench("F1", [PY, "-c", "import typer, rich.table, sqlmodel"]),
            Bench("--help", [*CT, "--help"], probe=[]),
            Bench("add", per_run=lambda i: [*CT, "add", f"Bench Customer {phones[i][-8:]}",
                  "--phone", phones[i], "--city", "杭州", "--tag", "bench"], probe=["add"]),
            Bench("log", per_run=lambda i: [*CT, "log", str(log_ids[i % len(log_ids)]), "-c",
                  "phone", "-m", "benchmark call"], probe=["log"]),  # fmt: skip
            Bench("show", [*CT, "show", str(heavy)], probe=["show"]),
            Bench("due", [*CT, "due"], probe=["due"]),
            Bench("--help zh", [*CT, "--help"], probe=[], env=ZH),
            Bench("add zh", per_run=lambda i: [*CT, "add", f"Bench Customer {phones[-1 - i][-8:]}",
                  "--phone", phones[-1 - i], "--city", "杭州", "--tag", "bench"], probe=["add"],
                  env=ZH),
            Bench("log zh", per_run=lambda i: [*CT, "log", str(log_ids[i % len(log_ids)]), "-c",
                  "phone", "-m", "benchmark call"], probe=["log"], env=ZH),
            Bench("show zh", [*CT, "show", str(heavy)], probe=["show"], env=ZH),
            Bench("due zh", [*CT, "due"], probe=["due"], env=ZH),
            Bench("rfm", [*CT, "rfm", "--format", "csv"], probe=["rfm"]),
            Bench("report", [*CT, "report"], probe=["report"]),
            Bench("report --html", [*CT, "report", "--html", str(self.work / "report.html")],
                  probe=["report"]),
            Bench("import", [*CT, "import", "purchases", csv, *self.args.import_args],
                  probe=["import", "purchases"], before=self.fresh_copy(empty, "ct")),
            Bench("import sheet", [*CT, "import", "sheet", xlsx], probe=["import", "sheet"],
                  before=self.fresh_copy(empty, "sheet-ct")),
            Bench("value --model", [*CT, "value", "--model"], probe=["value"]),
            Bench("baseline show", [PY, str(BASE / "show.py"), db, str(heavy)]),
            Bench("baseline due", [PY, str(BASE / "due.py"), db]),
            Bench("baseline rfm", [PY, str(BASE / "rfm.py"), db]),
            Bench("baseline import", per_run=lambda i: [PY, str(BASE / "import_csv.py"), csv,
                  str(self.work / "import-base.db")], before=self.fresh_copy(empty, "base")),
            Bench("baseline import sheet", [PY, str(BASE / "import_xlsx.py"), xlsx,
                  str(self.work / "import-sheet-base.db")],
                  before=self.fresh_copy(empty, "sheet-base")),
        ]  # fmt: skip

    # ------------------------------------------------------------------ running
    def probe(self, bench: Bench) -> None:
        if bench.probe is None:
            return
        code, _, _, _, tail = run_once([*CT, *bench.probe, "--help"], self.env)
        if code != 0:
            bench.status, bench.note = "missing", tail.strip()[-200:]

    def run(self) -> list[Bench]:
        benches = self.benches()
        if self.args.only:
            benches = [b for b in benches if b.name in self.args.only]
        for b in benches:
            self.probe(b)
        rounds = self.args.runs + (0 if self.args.quick else 1)
        for i in range(rounds):
            warm = not self.args.quick and i == 0
            for b in benches:
                if b.status != "ok":
                    continue
                env = self.env | b.env | (b.before(i) if b.before else {})
                argv = b.per_run(i) if b.per_run else b.argv
                code, secs, peak, cpu, tail = run_once(argv, env)
                if code != 0:
                    b.status, b.note = "error", f"exit {code}: {tail.strip()[-400:]}"
                    continue
                if not warm:
                    b.times.append(secs)
                    b.peaks.append(peak)
                    b.cpus.append(cpu)
            label = "warm-up" if warm else f"run {i + (1 if self.args.quick else 0)}"
            print(f"  {label} done", file=sys.stderr)
        return benches


# ------------------------------------------------------------------------ targets and report

TARGETS = [  # row, measured, baseline, max ratio, max peak MB, max seconds
    ("--help", "--help", "F1", 0.4, None, None),
    ("add", "add", "F1", 1.3, DAILY_MB, None),
    ("log", "log", "F1", 1.3, DAILY_MB, None),
    ("show", "show", "F1", 1.3, DAILY_MB, None),
    ("show vs query", "show", "baseline show", None, None, None),
    ("due", "due", "F1", 1.3, DAILY_MB, None),
    ("due vs query", "due", "baseline due", None, None, None),
    ("--help zh", "--help zh", "F1", 0.4, None, None),
    ("add zh", "add zh", "F1", 1.3, DAILY_MB, None),
    ("log zh", "log zh", "F1", 1.3, DAILY_MB, None),
    ("show zh", "show zh", "F1", 1.3, DAILY_MB, None),
    ("due zh", "due zh", "F1", 1.3, DAILY_MB, None),
    ("rfm", "rfm", "baseline rfm", 1.3, None, None),
    ("report", "report", "baseline rfm", 3.0, 800, None),
    ("report --html", "report --html", "report", 2.0, None, None),
    ("import", "import", "baseline import", 2.0, 1024, None),
    ("import sheet", "import sheet", "baseline import sheet", 2.0, 1024, None),
    ("value --model", "value --model", None, None, None, 3.0),
    # --engine postgresql: against the same command on SQLite, in the same run
    ("add pg", "add pg", "add", PG_DAILY, DAILY_MB, None),
    ("log pg", "log pg", "log", PG_DAILY, DAILY_MB, None),
    ("show pg", "show pg", "show", PG_DAILY, DAILY_MB, None),
    ("due pg", "due pg", "due", PG_DAILY, DAILY_MB, None),
    ("import pg", "import pg", "baseline import pg", 2.0, 1024, None),
]


def _daily(name: str) -> bool:
    return name.removesuffix(" zh").removesuffix(" pg") in DAILY


def evaluate(
    by_name: dict[str, Bench], scale: str, previous_m: dict[str, Any] | None
) -> list[dict[str, Any]]:
    rows = []
    for label, name, base, max_ratio, max_mb, max_s in TARGETS:
        if name not in by_name:
            continue
        b = by_name[name]
        row: dict[str, Any] = {"command": label, "status": b.status}
        bb = by_name.get(base) if base else None
        if b.times:
            row |= {"median_s": b.median(), "min_s": min(b.times), "max_s": max(b.times),
                    "peak_mb": max(b.peaks)}  # fmt: skip
            if b.cpus:
                row["cpu_s"] = b.cpu()
        if bb is not None:
            row["baseline"] = base
            if bb.times:
                row["baseline_median_s"] = bb.median()
            if b.times and bb.times:
                row["ratio"] = b.median() / bb.median()
            if b.cpus and bb.cpus:
                row["cpu_ratio"] = b.cpu() / bb.cpu()
        checks: list[tuple[str, bool | None]] = []
        if max_ratio is not None:
            checks.append((f"≤ {max_ratio:g}×{base}", _le(row.get("ratio"), max_ratio)))
        daily = _daily(name)
        if max_mb is not None and (not daily or scale in ("M", "L")):
            checks.append((f"< {max_mb} MB", _le(row.get("peak_mb"), max_mb)))
        if max_s is not None and scale != "L":  # the fit target is for 100,000 customers
            checks.append((f"< {max_s:g} s", _le(row.get("median_s"), max_s)))
        if daily and scale == "L" and previous_m and not label.endswith(("query", " pg")):
            # ratio to ratio: each against F1 of its own run, as absolute times drift
            m = previous_m.get(name, {}).get("median_s")
            f1_m = previous_m.get("F1", {}).get("median_s")
            f1 = by_name["F1"].median() if by_name.get("F1") and by_name["F1"].times else None
            if m and f1_m and f1 and b.times:
                row["vs_M"] = (b.median() / f1) / (m / f1_m)
                checks.append((f"≤ {SCALE_DRIFT:g}×M", row["vs_M"] <= SCALE_DRIFT))
        row["target"] = "; ".join(c for c, _ in checks) or "info"
        if b.status != "ok":
            row["result"] = b.status
        elif any(ok is None for _, ok in checks):
            row["result"] = "error"  # e.g. its baseline failed
        elif not checks:
            row["result"] = "info"
        else:
            row["result"] = "pass" if all(ok for _, ok in checks) else "FAIL"
        rows.append(row)
    return rows


def _le(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def machine() -> dict[str, Any]:
    def version(pkg: str) -> str | None:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return None

    info = {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "executable": PY,
        "sqlite": sqlite3.sqlite_version,
        "load_average": [round(x, 2) for x in os.getloadavg()]
        if hasattr(os, "getloadavg")
        else None,
    }
    for pkg in ("custtrack", "sqlalchemy", "sqlmodel", "pandas", "numpy", "scipy", "typer", "rich"):
        info[pkg] = version(pkg)
    try:
        info["cpu"] = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        info["cpu"] = platform.processor() or None
    try:
        root = HERE.parent
        git = ["git", "-C", str(root)]
        info["commit"] = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True,
                                        text=True).stdout.strip() or None  # fmt: skip
        dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()  # fmt: skip
        info["dirty"] = bool(dirty)
    except OSError:
        info["commit"] = None
    return info


def print_table(rows: list[dict[str, Any]], by_name: dict[str, Bench], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    def s(v: float | None) -> str:
        return "" if v is None else f"{v:.3f}"

    table = Table(title=title)
    for head, just in [("command", "left"), ("median s", "right"), ("min", "right"),
                       ("max", "right"), ("peak MB", "right"), ("baseline", "left"),
                       ("baseline median", "right"), ("ratio", "right"), ("cpu s", "right"),
                       ("cpu ratio", "right"), ("target", "left"), ("result", "left")]:  # fmt: skip
        table.add_column(head, justify=just)
    style = {"pass": "green", "FAIL": "bold red", "missing": "yellow", "error": "red"}
    for r in rows:
        result = r["result"]
        table.add_row(
            r["command"], s(r.get("median_s")), s(r.get("min_s")), s(r.get("max_s")),
            f"{r['peak_mb']:.0f}" if "peak_mb" in r else "", r.get("baseline", ""),
            s(r.get("baseline_median_s")), f"{r['ratio']:.2f}" if "ratio" in r else "",
            s(r.get("cpu_s")), f"{r['cpu_ratio']:.2f}" if "cpu_ratio" in r else "", r["target"],
            f"[{style[result]}]{result}[/]" if result in style else result,
        )  # fmt: skip
    console = Console(width=max(160, shutil.get_terminal_size().columns))
    console.print(table)
    bases = [b for n, b in by_name.items() if n == "F1" or n.startswith("baseline")]
    line = ", ".join(
        f"{b.name} {b.median():.3f} s / {max(b.peaks):.0f} MB"
        if b.times
        else f"{b.name} {b.status}"
        for b in bases
    )
    console.print(f"baselines: {line}")
    for b in by_name.values():
        if b.status == "error":
            console.print(f"[red]{b.name}[/]: {b.note}", markup=True, highlight=False)


def previous_results(out: Path, scale: str) -> dict[str, Any] | None:
    # the SQLite runs' files (a -postgresql one holds its own SQLite rows, perhaps only some)
    files = sorted(f for f in out.glob(f"{scale}-*.json") if not f.stem.endswith("-postgresql"))
    if not files:
        return None
    return json.loads(files[-1].read_text(encoding="utf-8"))["measurements"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(generate.SCALES), required=True)
    parser.add_argument("--runs", type=int, default=5, help="timed runs after one warm-up")
    parser.add_argument("--db", type=Path, help="benchmark database (default /tmp/bench-SCALE.db)")
    parser.add_argument(
        "--import-csv", type=Path, help="CSV for the import (default DB-import.csv)"
    )
    parser.add_argument(
        "--import-xlsx", type=Path, help="tracking sheet for `import sheet` (default DB-sheet.xlsx)"
    )
    parser.add_argument(
        "--import-args", nargs="*", default=[], help="extra arguments for `import purchases`"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument(
        "--only",
        nargs="+",
        help="time only these rows, their baselines and every row against those baselines "
        "('help' for --help, 'help zh' for --help zh)",
    )
    parser.add_argument("--quick", action="store_true", help="no warm-up (smoke tests)")
    parser.add_argument(
        "--engine",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help='postgresql: also the " pg" rows, on a PostgreSQL copy of the database',
    )
    parser.add_argument(
        "--pg-url",
        help="a PostgreSQL server where databases may be created, as a SQLAlchemy URL "
        "(default: a throw-away cluster started with tests/pg.py)",
    )
    args = parser.parse_args(argv)
    if args.pg_url and args.engine != "postgresql":
        parser.error("--pg-url needs --engine postgresql")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    args.db = (args.db or Path(tempfile.gettempdir()) / f"bench-{args.scale}.db").resolve()
    args.import_csv = (args.import_csv or args.db.with_name(args.db.stem + "-import.csv")).resolve()
    sheet = args.db.with_name(args.db.stem + "-sheet.xlsx")
    args.import_xlsx = (args.import_xlsx or sheet).resolve()
    # Generate in child processes: Linux carries a process's peak RSS across fork+exec, so a
    # run.py grown by building the data would inflate every measured child's peak memory.
    gen = [sys.executable, str(Path(__file__).with_name("generate.py")), "--scale", args.scale]
    if not args.db.exists():
        print(f"generating {args.db} …", file=sys.stderr)
        subprocess.run([*gen, "--db", str(args.db)], check=True)
    if not args.import_csv.exists():
        code = (
            "import sys; sys.path.insert(0, sys.argv[1]); import generate; "
            "generate.write_import_csv(__import__('pathlib').Path(sys.argv[2]), int(sys.argv[3]))"
        )
        rows = str(generate.SCALES[args.scale][3])
        here = str(Path(__file__).parent)
        subprocess.run([sys.executable, "-c", code, here, str(args.import_csv), rows], check=True)
    if not args.import_xlsx.exists():
        code = (
            "import sys; sys.path.insert(0, sys.argv[1]); import generate; "
            "generate.write_import_xlsx(__import__('pathlib').Path(sys.argv[2]), int(sys.argv[3]))"
        )
        rows = str(generate.SHEET_ROWS[args.scale])
        here = str(Path(__file__).parent)
        subprocess.run([sys.executable, "-c", code, here, str(args.import_xlsx), rows], check=True)
    if args.only:
        names = NAMES + PG_NAMES if args.engine == "postgresql" else NAMES
        only = {n.replace("help", "--help") if n.startswith("help") else n for n in args.only}
        unknown = only - set(names)
        if unknown & set(PG_NAMES):
            parser.error(f"the rows {sorted(unknown & set(PG_NAMES))} need --engine postgresql")
        if unknown:
            parser.error(f"unknown rows {sorted(unknown)}; choose from {names} ('help' for --help)")
        # a ratio's two sides must come from one run: with a row come its baselines, and with
        # a baseline every row measured against it (kept rows would be divided by another
        # run's F1), until nothing more is added
        targets = [t for t in TARGETS if t[1] in names]
        while True:
            more = {b for _, n, b, *_ in targets if n in only and b}
            more |= {n for _, n, b, *_ in targets if b in only}
            if more <= only:
                break
            only |= more
        args.only = only

    started = datetime.now(UTC)
    info = machine()
    with tempfile.TemporaryDirectory(prefix="custtrack-bench-") as tmp:
        harness = Harness(args, Path(tmp))
        try:
            benches = harness.run()
        finally:
            harness.close()
    by_name = {b.name: b for b in benches}
    pg_info = harness.pg.info if harness.pg is not None else None
    suffix = "-postgresql" if args.engine == "postgresql" else ""
    path = args.out / f"{args.scale}-{started.date().isoformat()}{suffix}.json"
    if args.only and path.exists():  # keep the rows not re-measured from today's earlier run
        earlier = json.loads(path.read_text(encoding="utf-8"))
        for name, data in earlier["measurements"].items():
            if name not in by_name:
                by_name[name] = Bench.from_summary(name, data, earlier["started_at"])
        order = {n: i for i, n in enumerate(NAMES + PG_NAMES)}
        by_name = dict(sorted(by_name.items(), key=lambda kv: order.get(kv[0], len(order))))
    prev_m = previous_results(args.out, "M") if args.scale == "L" else None
    rows = evaluate(by_name, args.scale, prev_m)
    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    counts = {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("customers", "purchases", "interactions", "followups")
    }
    con.close()
    info["load_average_end"] = (
        [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    )
    result = {
        "scale": args.scale,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs": args.runs,
        "warm_up": not args.quick,
        "reference_date": generate.REFERENCE_DATE.isoformat(),
        "database": {"rows": counts, "size_mb": round(args.db.stat().st_size / 1e6, 1)},
        "import_rows": sum(1 for _ in args.import_csv.open(encoding="utf-8")) - 1,
        "import_sheet_rows": generate.sheet_rows(args.import_xlsx),
        "engine": args.engine,
        **({"postgresql": pg_info} if pg_info else {}),
        "machine": info,
        "rows": rows,
        "measurements": {name: b.summary() for name, b in by_name.items()},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    title = (
        f"custtrack benchmark, scale {args.scale} ({counts['customers']:,} customers, "
        f"{counts['purchases']:,} purchases), median of {args.runs}"
    )
    if pg_info:
        title += f'; the " pg" rows on PostgreSQL {pg_info["server_version"]}'
    print_table(rows, by_name, title)
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
