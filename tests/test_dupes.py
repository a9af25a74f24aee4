"""Duplicates: finding likely pairs (blocked, fuzzy) and merging two customers into one."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path


def q(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_pairs_with_reasons_and_scores(cli):
    cli("add", "Wang Fang", "--phone", "+8613800138000", "--city", "Hangzhou")
    cli("add", "Fang Wang", "--city", "hangzhou")  # 2: word order, case of the city
    cli("add", "W. Fang", "--phone", "+86 138 0013 8000", "--force")  # 3: same phone
    cli("add", "Anna Berg", "--email", "Anna@Example.com")  # 4
    cli("add", "Anna Berg-Smith", "--email", "anna@example.COM", "--force")  # 5: same e-mail
    cli("add", "王芳", "--city", "杭州", "--company", "西湖茶社")  # 6
    cli("add", "王 芳", "--company", "西湖茶社")  # 7: same company, spacing differs
    cli("add", "Wang Fang", "--city", "Shanghai")  # 8: same name, other city: not a pair
    pairs = {(p["a_id"], p["b_id"]): p for p in cli.json("dupes")}
    assert set(pairs) == {(1, 2), (1, 3), (4, 5), (6, 7)}
    assert pairs[1, 3]["score"] == 100 and pairs[1, 3]["reasons"] == ["same phone +8613800138000"]
    assert pairs[4, 5]["reasons"] == ["same e-mail anna@example.com"]
    assert pairs[1, 2]["score"] == 100
    assert pairs[1, 2]["reasons"] == ["similar name in the same city Hangzhou (100)"]
    assert "same company 西湖茶社" in pairs[6, 7]["reason"]
    table = cli("dupes").stdout
    assert "Possible duplicate" in table and "same e-mail" in table


def test_min_score_filters_fuzzy_pairs(cli):
    cli("add", "Jonathan Smith", "--city", "Leeds")
    cli("add", "Jonathon Smyth", "--city", "Leeds")
    assert cli.json("dupes", "--min-score", "80")[0]["score"] < 90
    assert cli.json("dupes", "--min-score", "95") == []
    cli("dupes", "--min-score", "20", code=2)


def test_blocking_scales_to_many_customers(cli, isolated):
    cli("add", "Seed")
    con = sqlite3.connect(isolated)
    now = "2026-11-20 00:00:00.000000"
    cities = [f"City{i}" for i in range(4)]  # 5,000 per city: big blocks are split
    rows = [(f"Person {i:05d} {chr(65 + i % 26)}", cities[i % 4], now, now) for i in range(20_000)]
    rows += [("Person 00001 B", "City1", now, now)]  # a near twin of Person 00001 B in City1
    con.executemany(
        "INSERT INTO customers (name, city, status, created_at, updated_at) "
        "VALUES (?, ?, 'active', ?, ?)",
        rows,
    )
    con.commit()
    con.close()
    start = time.monotonic()
    pairs = cli.json("dupes", "--min-score", "97")
    assert time.monotonic() - start < 30
    assert {(p["a_name"], p["b_name"]) for p in pairs} == {("Person 00001 B", "Person 00001 B")}


def test_merge_moves_everything_and_records_it(cli, isolated):
    cli("add", "Wang Fang", "--phone", "+8613800138000", "--tag", "vip")
    cli("add", "W Fang", "--email", "wf@example.com", "--city", "杭州", "--tag", "tea",
        "--tag", "vip", "--notes", "old notes")  # fmt: skip
    cli("log", "1", "--at", "2026-10-01")
    cli("log", "2", "--at", "2026-11-01", "--next", "2026-12-01")
    cli("buy", "2", "99", "--order-ref", "X1")
    cli("feedback", "2", "--csat", "4")
    cli("complain", "2", "--category", "delivery", "--text", "late")
    result = cli("merge", "1", "2", "--yes", "--reason", "same person")
    assert "Merged #2 W Fang" in result.stdout and "into #1 Wang Fang" in result.stdout
    assert "1 feedback" in result.stdout and "1 complaint" in result.stdout
    assert "filled in: city, notes, email" in result.stdout
    data = cli.json("show", "1")
    c = data["customer"]
    assert (c["phone"], c["email"], c["city"], c["notes"]) == (
        "+8613800138000", "wf@example.com", "杭州", "old notes",
    )  # fmt: skip
    assert data["tags"] == ["tea", "vip"]
    assert data["summary"]["purchases"] == 1
    assert data["latest_feedback"]["csat"] == 4
    assert data["next_followup"]["due_date"] == "2026-12-01"
    assert len(data["open_complaints"]) == 1
    assert q(isolated, "SELECT count(*) FROM interactions WHERE customer_id = 1") == [(2,)]
    assert q(isolated, "SELECT last_contact_at FROM customers WHERE id = 1")[0][0].startswith(
        "2026-11-01"
    )
    assert q(isolated, "SELECT count(*) FROM customers WHERE id = 2") == [(0,)]
    kept, merged, snap, reason = q(
        isolated, "SELECT kept_id, merged_id, merged_snapshot, reason FROM merges"
    )[0]
    assert (kept, merged, reason) == (1, 2, "same person")
    assert json.loads(snap)["email"] == "wf@example.com"
    assert json.loads(snap)["name"] == "W Fang"


def test_merge_asks_first_and_refuses_nonsense(cli, snapshot):
    cli("add", "Ann")
    cli("add", "Bob")
    before = snapshot()
    result = cli("merge", "Ann", "Bob", input="n\n", code=1)
    assert "Merge #2 Bob into #1 Ann?" in result.stdout
    assert snapshot() == before
    result = cli("merge", "Ann", "#1", "--yes", code=2)
    assert "the same customer" in result.stderr
    cli("merge", "Ann", "Nobody", "--yes", code=1)
    assert snapshot() == before
    cli("merge", "Ann", "Bob", input="y\n")
    assert [c["name"] for c in cli.json("list")] == ["Ann"]


def test_merge_history_follows_the_kept_customer(cli, isolated):
    cli("add", "A")
    cli("add", "B")
    cli("add", "C")
    cli("merge", "B", "C", "--yes")
    cli("merge", "A", "B", "--yes")
    assert q(isolated, "SELECT kept_id, merged_id FROM merges ORDER BY id") == [(1, 3), (1, 2)]
