"""The bundled example shop (examples/), its loader and `custtrack demo`."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import time
import tomllib
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from custtrack import db
from custtrack.errors import CusttrackError, InvalidValue

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
REF = date(2026, 11, 20)
CSV_FILES = (
    "customers", "interactions", "purchases", "feedback", "complaints", "followups", "campaigns",
)  # fmt: skip
TABLES = {
    "customers": "customers",
    "interactions": "interactions",
    "purchases": "purchases",
    "feedback": "feedback",
    "complaints": "complaints",
    "followups": "followups",
    "campaigns": "campaigns",
}


def read(name: str, folder: Path = EXAMPLES) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def small_copy(dest: Path, n: int = 12) -> Path:
    """The first n customers of the examples and everything about them (a fast demo)."""
    dest.mkdir()
    keep = {r["external_id"] for r in read("customers")[:n]}
    for name in CSV_FILES:
        with (EXAMPLES / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = [
                r
                for r in reader
                if name == "campaigns"
                or (r.get("external_id") or r.get("customer_external_id")) in keep
            ]
            fields = reader.fieldnames
        with (dest / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return dest


def db_counts(path: Path) -> dict[str, int]:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        return {
            t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES.values()
        }
    finally:
        con.close()


# --- the generator --------------------------------------------------------------------------


def test_generator_is_byte_identical_across_runs_and_matches_the_committed_files(tmp_path):
    outs = []
    for seed in ("1", "2"):  # different hash seeds: no dependence on set/dict hashing order
        out = tmp_path / f"run{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, str(EXAMPLES / "generate.py"), "--out", str(out)],
            check=True, env=env, capture_output=True,
        )  # fmt: skip
        outs.append(out)
    names = sorted(p.name for p in outs[0].glob("*.csv"))
    assert names == sorted(f"{n}.csv" for n in CSV_FILES)
    for name in names:
        first = (outs[0] / name).read_bytes()
        assert first == (outs[1] / name).read_bytes(), name
        assert first == (EXAMPLES / name).read_bytes(), f"{name} is stale: rerun generate.py"


def test_examples_are_small_utf8_and_linked_by_external_id():
    total = sum(p.stat().st_size for p in EXAMPLES.glob("*.csv"))
    assert total < 1_000_000
    customers = read("customers")
    ids = [c["external_id"] for c in customers]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"C\d{4}", i) for i in ids)
    for name in ("interactions", "purchases", "feedback", "complaints", "followups"):
        rows = read(name)
        assert rows, name
        assert {r["customer_external_id"] for r in rows} <= set(ids), name
    for name in CSV_FILES:
        (EXAMPLES / f"{name}.csv").read_bytes().decode("utf-8")  # strict UTF-8


def test_examples_look_like_a_real_tea_shop():
    from custtrack.validate import normalize_email, normalize_phone

    customers = read("customers")
    assert 180 <= len(customers) <= 220
    phones = [c["phone"] for c in customers if c["phone"]]
    assert len({normalize_phone(p, region="CN") for p in phones}) == len(phones)  # valid, unique
    cn = [p for p in phones if p.startswith("+86 1")]
    assert len(cn) > 0.7 * len(customers) and len(cn) < len(phones)  # and some foreign ones
    for c in customers:
        if c["email"]:
            normalize_email(c["email"])
    chinese = [c for c in customers if re.search(r"[\u4e00-\u9fff]", c["name"])]
    english = [c for c in customers if re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", c["name"])]
    assert len(chinese) > len(customers) / 2 and len(english) >= 10
    assert any(c["city"] == "杭州" for c in customers)
    assert any(re.search(r"[路号]", c["address"]) for c in customers)
    assert {c["source"] for c in customers} == {
        "walk-in", "referral", "wechat-ad", "market-fair", "website",
    }  # fmt: skip
    assert 2 <= len({c["owner"] for c in customers}) <= 3
    tags = Counter(t for c in customers for t in c["tags"].split(";") if t)
    assert tags["vip"] >= 5 and tags["wholesale"] >= 1

    created = [datetime.fromisoformat(c["created_at"]).date() for c in customers]
    assert REF - timedelta(days=550) <= min(created) <= REF - timedelta(days=365)
    assert max(created) <= REF

    # a birthday within a week of the reference date, ignoring the year
    near = [
        c
        for c in customers
        if c["birthday"]
        and 0 <= (date(REF.year, *map(int, c["birthday"][5:].split("-"))) - REF).days <= 7
    ]
    assert len(near) >= 2


def test_examples_mix_loyal_one_time_lapsed_and_prospects():
    purchases = read("purchases")
    categories = {p["category"] for p in purchases}
    assert {"tea", "teaware", "gifts", "snacks"} <= categories
    assert all(re.fullmatch(r"\d+\.\d{2}", p["amount"]) for p in purchases)
    assert all(p["currency"] == "CNY" for p in purchases)
    assert len({p["order_ref"] for p in purchases}) == len(purchases)
    occasions: dict[str, set[str]] = defaultdict(set)
    for p in purchases:
        occasions[p["customer_external_id"]].add(p["at"][:10])
    n = len(read("customers"))
    once = [c for c, days in occasions.items() if len(days) == 1]
    loyal = [c for c, days in occasions.items() if len(days) >= 5]
    lapsed = [
        c for c, days in occasions.items() if (REF - date.fromisoformat(max(days))).days > 180
    ]
    assert len(once) >= 0.1 * n and len(loyal) >= 0.1 * n and len(lapsed) >= 0.1 * n
    assert len(occasions) < n  # prospects: customers who have not bought yet
    everything = [r["at"] for name in ("interactions", "purchases", "feedback") for r in read(name)]
    assert max(everything) < REF.isoformat()  # history ends before the demo date

    feedback = read("feedback")
    assert {int(f["csat"]) for f in feedback if f["csat"]} <= set(range(1, 6))
    assert any(f["nps"] for f in feedback)
    complaints = Counter(c["status"] for c in read("complaints"))
    assert complaints["open"] >= 2 and complaints["resolved"] >= 2

    due = [date.fromisoformat(f["due_date"]) for f in read("followups") if f["status"] == "open"]
    assert sum(d < REF for d in due) >= 2
    assert sum(d == REF for d in due) >= 2
    assert sum(REF < d <= REF + timedelta(days=7) for d in due) >= 2


# --- the loader ------------------------------------------------------------------------------


def test_load_examples_counts_match_the_csv_files_and_is_fast(isolated):
    from sqlmodel import select

    from custtrack.models import Customer, Interaction
    from custtrack.services.demo import load_examples

    db.engine()  # migrations are not part of the load
    started = time.process_time()  # CPU time: the suite may share the machine
    with db.session(write=True) as s:
        counts = load_examples(s, EXAMPLES)
    assert time.process_time() - started < 3.0
    expected = {name: len(read(name)) for name in CSV_FILES}
    assert counts == expected
    assert db_counts(isolated) == expected

    with db.session() as s:
        c = s.exec(select(Customer).where(Customer.external_id == "C0003")).one()
        newest = s.exec(
            select(Interaction.at)
            .where(Interaction.customer_id == c.id)
            .order_by(Interaction.at.desc())
        ).first()
        assert c.last_contact_at == newest  # maintained as `log` does
        source = next(r for r in read("customers") if r["external_id"] == "C0003")
        assert c.name == source["name"]
        assert c.created_at.date() <= date.fromisoformat(source["created_at"][:10])
        archived = s.exec(select(Customer).where(Customer.status == "archived")).all()
        assert len(archived) == sum(r["status"] == "archived" for r in read("customers"))
        lost = s.exec(select(Customer).where(Customer.lost_reason.is_not(None))).all()
        assert len(lost) == sum(bool(r["lost_reason"]) for r in read("customers"))

    import sqlite3

    con = sqlite3.connect(isolated)
    total = con.execute("SELECT sum(amount_minor) FROM purchases").fetchone()[0]
    con.close()
    assert total == sum(int(Decimal(p["amount"]) * 100) for p in read("purchases"))


def test_a_bad_row_names_file_and_line_and_loads_nothing(tmp_path, snapshot):
    from custtrack.services.demo import load_examples

    folder = small_copy(tmp_path / "ex")
    lines = (folder / "purchases.csv").read_text(encoding="utf-8").splitlines()
    fields = lines[3].split(",")
    fields[5] = "-5.00"  # the amount
    lines[3] = ",".join(fields)
    (folder / "purchases.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db.engine()
    before = snapshot()
    with pytest.raises(InvalidValue) as err, db.session(write=True) as s:
        load_examples(s, folder)
    assert str(err.value).startswith("purchases.csv line 4: amount '-5.00'")
    assert snapshot() == before


# --- the command -------------------------------------------------------------------------------


def test_demo_shows_a_customer_the_due_list_and_a_summary_without_touching_user_data(
    cli, isolated, tmp_path, monkeypatch
):
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("CUSTTRACK_TODAY", "2027-03-01")  # the demo fixes its own clock
    config_before = os.environ["CUSTTRACK_CONFIG"]

    out = cli("demo").stdout
    showcase = next(r for r in read("customers") if r["external_id"] == "C0003")
    assert "demo date: 2026-11-20" in out
    assert f"{len(read('customers'))} customers" in out
    assert f"{len(read('purchases')):,} purchases" in out
    assert f"#3 {showcase['name']}" in out  # the profile card, as `show` draws it
    assert "Due list" in out and "KPI summary" in out
    assert "custtrack demo --keep" in out  # how to keep a demo database
    assert not isolated.exists()  # CUSTTRACK_DB was never opened or created
    assert not Path(config_before).exists()  # nor the user's settings file
    assert os.environ["CUSTTRACK_CONFIG"] == config_before
    assert list(scratch.iterdir()) == []  # the throw-away database is gone


def test_demo_keep_leaves_a_database_the_user_can_open(cli, tmp_path, monkeypatch):
    folder = small_copy(tmp_path / "ex")  # the full examples are exercised above
    monkeypatch.setenv("CUSTTRACK_EXAMPLES", str(folder))
    target = tmp_path / "shop.db"
    out = cli("demo", "--keep", str(target)).stdout
    assert f"custtrack --db {target} show 3" in out
    settings = tomllib.loads((tmp_path / "shop.db.toml").read_text(encoding="utf-8"))
    assert settings["currency"] == "CNY" and settings["timezone"] == "Asia/Shanghai"
    assert db_counts(target) == {name: len(read(name, folder)) for name in CSV_FILES}
    data = cli.json("--db", str(target), "show", "3")
    assert data["customer"]["external_id"] == "C0003"


def test_demo_keep_never_overwrites_an_existing_file(cli, tmp_path):
    target = tmp_path / "precious.db"
    target.write_bytes(b"my real data")
    result = cli("demo", "--keep", str(target), code=1)
    assert "already exists" in result.stderr
    assert target.read_bytes() == b"my real data"
    assert not (tmp_path / "precious.db.toml").exists()


def test_a_failed_demo_with_keep_leaves_nothing_behind(cli, tmp_path, monkeypatch, isolated):
    folder = small_copy(tmp_path / "ex")
    with (folder / "customers.csv").open("a", encoding="utf-8") as fh:
        fh.write("C9999,Bad Phone,12345,,,,,,,,,,,,,active,2026-01-01 10:00,,,\n")
    monkeypatch.setenv("CUSTTRACK_EXAMPLES", str(folder))
    target = tmp_path / "shop.db"
    result = cli("demo", "--keep", str(target), code=2)
    assert "customers.csv line" in result.stderr and "--phone '12345'" in result.stderr
    assert not target.exists() and not (tmp_path / "shop.db.toml").exists()
    assert not Path(str(target) + "-wal").exists()
    assert not isolated.exists()


def test_demo_without_example_data_says_where_it_looked(cli, tmp_path, monkeypatch, isolated):
    monkeypatch.setenv("CUSTTRACK_EXAMPLES", str(tmp_path / "nowhere"))
    result = cli("demo", code=1)
    assert "no example data found" in result.stderr and "CUSTTRACK_EXAMPLES" in result.stderr
    assert not isolated.exists()


def test_demo_falls_back_to_its_own_summary_when_due_and_report_are_missing(
    cli, tmp_path, monkeypatch
):
    from custtrack.cli import demo as demo_cli
    from custtrack.validate import format_money

    folder = small_copy(tmp_path / "ex")
    monkeypatch.setenv("CUSTTRACK_EXAMPLES", str(folder))
    monkeypatch.setattr(demo_cli, "_command", lambda name: None)
    out = cli("demo").stdout
    purchases = read("purchases", folder)
    revenue = sum(int(Decimal(p["amount"]) * 100) for p in purchases)
    orders = len({(p["customer_external_id"], p["at"]) for p in purchases})
    assert f"{format_money(revenue, 'CNY')} CNY" in out
    assert re.search(rf"Orders\s+{orders}\b", out)
    open_fu = [
        f
        for f in read("followups", folder)
        if f["status"] == "open" and date.fromisoformat(f["due_date"]) <= REF + timedelta(days=7)
    ]
    if open_fu:
        assert "Planned follow-ups due by next week" in out
    else:
        assert "Nothing due in the next 7 days." in out


def test_demo_calls_the_real_commands_with_explicit_arguments(cli, tmp_path, monkeypatch):
    from custtrack.cli import demo as demo_cli

    calls: dict[str, dict] = {}

    def fake_due(days: int = 1, fmt: str = "json", mine: bool = False) -> None:
        calls["due"] = {"days": days, "fmt": fmt, "mine": mine}
        print("FAKE DUE LIST")

    def broken_report(period: str = "year", fmt: str = "csv") -> None:
        raise CusttrackError("report exploded")

    folder = small_copy(tmp_path / "ex")
    monkeypatch.setenv("CUSTTRACK_EXAMPLES", str(folder))
    monkeypatch.setattr(
        demo_cli, "_command", lambda name: {"due": fake_due, "report": broken_report}.get(name)
    )
    result = cli("demo")
    assert calls["due"] == {"days": 7, "fmt": "table", "mine": False}
    assert "FAKE DUE LIST" in result.stdout
    assert "report exploded" in result.stderr  # a failing command is named, then the fallback
    assert "Open complaints" in result.stdout


def test_demo_command_lookup_finds_registered_commands():
    from custtrack.cli import demo as demo_cli

    assert demo_cli._command("demo") is demo_cli.demo
    assert demo_cli._command("no-such-command") is None
