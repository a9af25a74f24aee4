"""The audit trail: who changed what and when, `history`, forget in the trail, migration 0006."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from custtrack import db
from custtrack.migrations import HEAD
from custtrack.services import audit

KEYS = ["at", "actor", "action", "entity", "entity_id", "field", "old", "new", "batch_id"]


def _trail(cli, ref: str, *args: str) -> list[tuple]:
    """(actor, action, entity, entity_id, field, old, new) of `history --format json`, oldest
    first."""
    rows = cli.json("history", ref, *args)
    assert all(list(r) == KEYS for r in rows)
    return [
        (r["actor"], r["action"], r["entity"], r["entity_id"], r["field"], r["old"], r["new"])
        for r in reversed(rows)
    ]


def _all(sql: str) -> list[tuple]:
    try:
        with db.engine().connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        db.dispose()


@pytest.fixture
def lei(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Commands run as `lei` unless a test says otherwise."""
    monkeypatch.setenv("CUSTTRACK_USER", "lei")
    return monkeypatch


def test_every_change_to_a_customer_says_who_when_and_what(cli, lei) -> None:
    cli("add", "Ann", "--city", "Berlin", "--tag", "vip")
    lei.setenv("CUSTTRACK_USER", "mei")
    cli("edit", "Ann", "--city", "Hamburg", "--phone", "+49 30 1234567")
    cli("edit", "Ann", "--city", "Hamburg")  # no change: nothing recorded
    cli("tag", "Ann", "new")
    cli("untag", "Ann", "vip")
    cli("archive", "Ann")
    created = {"name": "Ann", "city": "Berlin", "owner": "lei", "status": "active"}
    assert _trail(cli, "Ann") == [
        ("lei", "create", "customer", 1, None, None, json.dumps(created)),
        ("lei", "update", "customer", 1, "tags", None, "vip"),
        ("mei", "update", "customer", 1, "phone", None, "+49301234567"),
        ("mei", "update", "customer", 1, "city", "Berlin", "Hamburg"),
        ("mei", "update", "customer", 1, "tags", "vip", "new, vip"),
        ("mei", "update", "customer", 1, "tags", "new, vip", "new"),
        ("mei", "update", "customer", 1, "status", "active", "archived"),
    ]
    times = [r["at"] for r in cli.json("history", "Ann")]
    assert times == sorted(times, reverse=True) and times[0].startswith("2026-")


def test_purchases_follow_ups_and_complaints_are_in_the_customers_trail(cli, lei) -> None:
    cli("add", "Ann")
    cli("add", "Bob")
    cli("buy", "Ann", "12.50", "--product", "tea", "--at", "2026-11-19 10:00", "--currency", "CNY")
    cli("plan", "Ann", "2026-11-25", "-m", "call")
    cli("snooze", "1", "+2d")
    cli("reschedule", "1", "2026-11-26")
    cli("complain", "Ann", "--category", "delivery", "-m", "late")
    cli("resolve", "1", "--resolution", "refunded")  # also closes the complaint's follow-ups
    cli("plan", "Bob", "today")
    cli("log", "Ann", "-m", "called")  # closes Ann's follow-ups due by today: none
    cli("done", "2", "--log", "talked")  # Bob's
    trail = _trail(cli, "Ann")
    assert trail[1] == (
        "lei", "create", "purchase", 1, None, None,
        json.dumps({"at": "2026-11-19T02:00:00+00:00", "product": "tea", "qty": 1,
                    "amount_minor": 1250, "currency": "CNY"}),
    )  # fmt: skip
    changes = [(e, i, f, o, n) for _a, act, e, i, f, o, n in trail if act == "update"]
    assert changes == [
        ("followup", 1, "snoozed_until", None, "2026-11-22"),
        ("followup", 1, "due_date", "2026-11-25", "2026-11-26"),
        ("followup", 1, "snoozed_until", "2026-11-22", None),
        ("complaint", 1, "status", "open", "resolved"),
        ("complaint", 1, "resolution", None, "refunded"),
    ]
    assert [(a, e) for _w, a, e, *_ in trail] == [
        ("create", "customer"), ("create", "purchase"), ("create", "followup"),
        ("update", "followup"), ("update", "followup"), ("update", "followup"),
        ("create", "complaint"), ("update", "complaint"), ("update", "complaint"),
    ]  # fmt: skip
    bob = _trail(cli, "Bob")
    assert bob[-1] == ("lei", "update", "followup", 2, "status", "open", "done")


def test_history_table_limit_and_csv(cli, lei) -> None:
    cli("add", "Ann", "--city", "Berlin")
    for city in ("Hamburg", "Bremen", "Kiel"):
        cli("edit", "Ann", "--city", city)
    out = cli("history", "Ann").stdout
    assert "History of #1 Ann (Berlin)" not in out and "History of #1 Ann (Kiel)" in out
    assert "Bremen → Kiel" in out and "lei" in out and "created" in out
    assert "name: Ann; city: Berlin; owner: lei; status: active" in out
    limited = cli("history", "Ann", "--limit", "2").stdout
    assert "Hamburg → Bremen" in limited and "Berlin → Hamburg" not in limited
    assert "newest 2 of 4; --limit 0 shows everything" in limited
    assert len(cli.json("history", "Ann", "-n", "1")) == 1
    csv_text = cli("history", "Ann", "--format", "csv").stdout
    assert csv_text.splitlines()[0] == ",".join(KEYS)
    assert len(csv_text.splitlines()) == 5
    assert "must be 0 (all) or more" in cli("history", "Ann", "-n", "-1", code=2).stderr
    cli("add", "Bob", "--owner", "")
    assert "No changes recorded yet." not in cli("history", "Bob").stdout  # its creation
    assert "no customer matches 'Zed'" in cli("history", "Zed", code=1).stderr


def test_history_in_chinese(cli, lei) -> None:
    cli("add", "Ann", "--city", "Berlin", "--gender", "female")
    cli("edit", "Ann", "--city", "Hamburg", "--gender", "male")
    lei.setenv("LANG", "zh_CN.UTF-8")
    out = cli("history", "Ann").stdout
    assert "#1 Ann (Hamburg) 的变更记录" in out
    for word in ("时间", "操作人", "记录", "变更", "详情", "客户 #1", "新建", "城市", "性别"):
        assert word in out, word
    assert "女 → 男" in out and "Berlin → Hamburg" in out


def test_a_deleted_customer_keeps_a_readable_trail(cli, lei) -> None:
    cli("add", "Ann", "--phone", "+49 30 1234567")
    cli("buy", "Ann", "10")
    lei.setenv("CUSTTRACK_USER", "boss")
    cli("delete", "Ann", "--yes")
    trail = _trail(cli, "1")
    assert trail[-1][:5] == ("boss", "delete", "customer", 1, None)
    assert json.loads(trail[-1][5])["phone"] == "+49301234567"
    assert "deleted customer #1" in cli("history", "#1").stdout
    assert "no customer with id #2" in cli("history", "#2", code=1).stderr


def test_merge_moves_the_other_customers_trail_and_records_itself(cli, lei) -> None:
    cli("add", "Ann Berg", "--email", "ann@example.com")
    cli("add", "Anna Berg", "--phone", "+49 30 1234567")
    cli("buy", "Anna", "10")
    cli("merge", "1", "2", "--yes")
    trail = _trail(cli, "1")
    merge = trail[-1]
    assert merge[:5] == ("lei", "merge", "customer", 1, None)
    assert json.loads(merge[6]) == {
        "merged_id": 2, "interactions": 0, "purchases": 1, "feedback": 0, "complaints": 0,
        "followups": 0, "tags": 0, "filled": ["phone"],
    }  # fmt: skip
    kinds = [(a, e, i) for _w, a, e, i, *_ in trail]
    assert ("create", "customer", 2) in kinds and ("create", "purchase", 1) in kinds
    assert ("delete", "customer", 2) in kinds
    assert ("lei", "update", "customer", 1, "phone", None, "+49301234567") in trail


def test_imports_record_one_row_per_batch_and_each_updated_field(cli, lei, tmp_path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("name,phone,city\nAnn,+8613800138000,杭州\nBob,+8613900139000,上海\n")
    cli("import", "customers", people)
    buys = tmp_path / "buys.csv"
    buys.write_text(
        "phone,date,amount,currency\n+8613800138000,2026-11-01,10,CNY\n"
        "+8613800138000,2026-11-02,20,CNY\n+8613900139000,2026-11-02,5,CNY\n"
    )
    lei.setenv("CUSTTRACK_USER", "mei")
    cli("import", "purchases", buys)
    people.write_text("name,phone,city\nAnn,+8613800138000,北京\n")
    cli("import", "customers", people)
    batches = _all("SELECT actor, action, entity, entity_id, batch_id FROM audit_log "
                   "WHERE entity = 'batch' ORDER BY id")  # fmt: skip
    assert batches == [
        ("lei", "import", "batch", 1, 1), ("mei", "import", "batch", 2, 2),
        ("mei", "import", "batch", 3, 3),
    ]  # fmt: skip
    assert _all("SELECT count(*) FROM audit_log")[0][0] == 4  # and one field changed
    rows = cli.json("history", "Ann")
    imported = [(r["actor"], r["entity"], json.loads(r["new"])["count"], r["batch_id"])
                for r in rows if r["action"] == "import"]  # fmt: skip
    assert sorted(imported, key=lambda r: r[3]) == [
        ("lei", "customer", 1, 1), ("mei", "purchase", 2, 2),
    ]  # fmt: skip
    [change] = [r for r in rows if r["action"] == "update"]
    assert (change["actor"], change["field"], change["old"], change["new"], change["batch_id"]) == (
        "mei", "city", "杭州", "北京", 3,
    )  # fmt: skip
    out = cli("history", "Ann").stdout
    assert "2 added from buys.csv (import batch 2)" in out
    cli("import", "undo", "3", "--yes")
    undo = _all("SELECT actor, action, batch_id FROM audit_log WHERE action = 'undo'")
    assert undo == [("mei", "undo", 3)]


def test_a_failed_command_leaves_no_audit_row(cli, lei, snapshot) -> None:
    cli("add", "Ann", "--phone", "+49 30 1234567")
    cli("add", "Bob")
    before = snapshot()
    cli("edit", "Bob", "--phone", "+49 30 1234567", code=1)  # belongs to Ann
    cli("buy", "Bob", "-5", code=2)
    assert snapshot() == before


# --- forget -------------------------------------------------------------------------------------


def _secrets(cli) -> None:
    """#1 Wang is forgotten; #2 Li is a bystander whose trail mentions Wang's phone and e-mail."""
    cli("add", "Wang Fang", "--phone", "+86 138 0013 8000", "--email", "wf@example.com",
        "--wechat", "wangfang88", "--notes", "secret notes")  # fmt: skip
    cli("edit", "Wang", "--phone", "+86 138 0013 8001", "--address", "West Lake 1")
    cli("buy", "Wang", "10", "--product", "tea")
    cli("plan", "Wang", "tomorrow", "-m", "secret plan")
    cli("complain", "Wang", "--category", "price", "-m", "secret complaint")
    cli("add", "Li", "--notes", "cousin of Wang Fang, wf@example.com, +8613800138000")
    cli("edit", "Li", "--email", "wf@example.com", "--force")  # the same inbox, once
    cli("edit", "Li", "--email", "li@example.com", "--name", "Wang Fang")
    cli("edit", "2", "--name", "Li")


@pytest.mark.parametrize("purge", [False, True])
def test_forget_erases_the_person_from_the_whole_trail(cli, lei, purge) -> None:
    _secrets(cli)
    lei.setenv("CUSTTRACK_USER", "boss")
    cli("forget", "1", "--yes", *(["--purge"] if purge else []))
    mine = _all("SELECT actor, action, entity, entity_id, field, old, new FROM audit_log "
                "WHERE customer_id = 1")  # fmt: skip
    assert mine == [("boss", "purge" if purge else "erase", "customer", 1, None, None, None)]
    dump = json.dumps(_all("SELECT * FROM audit_log"), ensure_ascii=False, default=str)
    for secret in ("138001380", "wf@example.com", "wangfang88", "West Lake", "secret"):
        assert secret not in dump, secret
    li = _trail(cli, "Li")
    assert json.loads(li[0][6])["notes"] == "cousin of Wang Fang, [erased], [erased]"
    assert [(f, o, n) for *_x, f, o, n in li[1:]] == [
        ("email", None, "[erased]"), ("name", "Li", "[erased]"), ("email", "[erased]",
        "li@example.com"), ("name", "[erased]", "Li"),
    ]  # fmt: skip
    shown = cli("history", "Li").stdout
    assert "[erased]" in shown and "li@example.com" in shown


def test_erasing_leaves_other_peoples_values_alone() -> None:
    values = {"Wang Fang", "+8613800138000"}
    inside = {"+8613800138000"}
    assert audit._scrub("Wang Fang", values, inside) == audit.ERASED
    assert audit._scrub("Wang Fangs", values, inside) == "Wang Fangs"  # a name only when whole
    assert audit._scrub("call +8613800138000 now", values, inside) == "call [erased] now"
    assert audit._scrub('{"name": "Wang Fang", "qty": 2}', values, inside) == (
        '{"name": "[erased]", "qty": 2}'
    )
    assert audit._scrub(None, values, inside) is None


# --- migration 0006 -----------------------------------------------------------------------------

T0, T1 = "2025-01-05 02:00:00.000000", "2025-03-01 09:30:00.000000"
ROWS_0005: dict[str, list[dict]] = {
    "meta": [{"key": "created_by", "value": "test"}],
    "import_batches": [
        {"id": 1, "kind": "customers", "source": "people.csv", "file_sha256": "ab",
         "rows_added": 1, "rows_updated": 0, "rows_skipped": 0, "started_at": T0,
         "finished_at": T0, "undone_at": None},
    ],
    "tags": [{"id": 1, "name": "vip"}],
    "customers": [
        {"id": 1, "name": "王芳", "phone": "+8613800138000", "email": "wf@example.cn",
         "wechat": "wf88", "company": "茶社", "address": "西湖区 1 号", "city": "杭州",
         "birthday": "1985-03-12", "gender": "female", "source": "referral", "owner": "lei",
         "price_sensitivity": "high", "notes": "likes 龙井", "status": "active",
         "created_at": T0, "updated_at": T0, "external_id": "C1", "lost_reason": None,
         "lost_note": None, "lost_at": None, "last_contact_at": T1, "erased_at": None,
         "batch_id": 1},
        {"id": 2, "name": "Anna Berg", "phone": None, "email": "anna@example.com",
         "wechat": None, "company": None, "address": None, "city": "Berlin", "birthday": None,
         "gender": None, "source": None, "owner": None, "price_sensitivity": None,
         "notes": None, "status": "archived", "created_at": T0, "updated_at": T1,
         "external_id": None, "lost_reason": "price", "lost_note": "too dear", "lost_at": T1,
         "last_contact_at": None, "erased_at": None, "batch_id": None},
    ],
    "customer_tags": [{"customer_id": 1, "tag_id": 1}],
    "interactions": [
        {"id": 1, "customer_id": 1, "at": T1, "channel": "wechat", "summary": "first chat",
         "outcome": None, "owner": "lei", "created_at": T1, "batch_id": None},
    ],
    "purchases": [
        {"id": 1, "customer_id": 1, "at": T1, "product": "龙井", "category": "tea", "qty": 2,
         "amount_minor": 53600, "currency": "CNY", "order_ref": "R-1", "created_at": T1,
         "batch_id": 1},
    ],
    "feedback": [
        {"id": 1, "customer_id": 1, "at": T1, "csat": 5, "nps": 9, "text": "很好",
         "channel": "wechat", "created_at": T1, "batch_id": None},
    ],
    "complaints": [
        {"id": 1, "customer_id": 2, "category": "delivery", "priority": "high",
         "text": "box wet", "assignee": "lei", "status": "open", "resolution": None,
         "opened_at": T1, "resolved_at": None, "updated_at": T1, "batch_id": None},
    ],
    "followups": [
        {"id": 1, "customer_id": 1, "due_date": "2025-07-01", "due_time": "15:00:00.000000",
         "channel": "phone", "note": "new harvest", "owner": "lei", "status": "open",
         "created_at": T1, "closed_at": None, "origin": "manual", "priority": "high",
         "snoozed_until": None, "complaint_id": None, "interaction_id": None, "batch_id": 1},
    ],
}  # fmt: skip


def _select(conn: sa.Connection, table: str, cols: list[str]) -> list[dict]:
    quoted = ", ".join(f'"{c}"' for c in cols)
    return [dict(r._mapping) for r in conn.execute(sa.text(f'SELECT {quoted} FROM "{table}"'))]


def _at_0005(path: Path) -> None:
    eng = db.bare_engine(str(path))
    try:
        db.upgrade(eng, "0005")
        with eng.begin() as conn:
            for table, rows in ROWS_0005.items():
                cols = list(rows[0])
                names = ", ".join(f'"{c}"' for c in cols)
                marks = ", ".join(":" + c for c in cols)
                conn.execute(sa.text(f'INSERT INTO "{table}" ({names}) VALUES ({marks})'), rows)
    finally:
        eng.dispose()


def _triggers(conn: sa.Connection) -> list[str]:
    return sorted(
        conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars()
    )


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_upgrade_from_0005_keeps_every_row(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    path = tmp_path / "old.db"
    _at_0005(path)
    eng = db.bare_engine(str(path))
    try:
        with eng.connect() as conn:
            triggers = _triggers(conn)
        assert triggers  # the agenda's, from 0004 and 0005
        db.upgrade(eng)
        assert db.schema_version(eng) == HEAD
        with eng.connect() as conn:
            for table, rows in ROWS_0005.items():
                assert _select(conn, table, list(rows[0])) == rows, table
            for table in ("interactions", "purchases", "feedback", "complaints"):
                assert conn.exec_driver_sql(f"SELECT recorded_by FROM {table}").all() == [(None,)]
            assert conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar() == 0
            assert set(triggers) <= set(_triggers(conn))  # 0010 adds its own
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, SQLModel.metadata) == []
        from alembic import command

        cfg = db._alembic_config()
        with eng.begin() as conn:  # and back, for a downgrade of custtrack
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005")
        with eng.connect() as conn:
            for table, rows in ROWS_0005.items():
                assert _select(conn, table, list(rows[0])) == rows, table
            assert "audit_log" not in sa.inspect(conn).get_table_names()
    finally:
        eng.dispose()


def test_an_upgraded_database_keeps_its_trail_from_then_on(cli, isolated: Path) -> None:
    _at_0005(isolated)
    shown = cli("show", "王芳")
    assert f"schema 0005 to {HEAD}" in shown.stderr
    cli("edit", "王芳", "--city", "上海")
    cli("log", "王芳", "-m", "hello")
    rows = cli.json("history", "王芳")
    assert [(r["action"], r["entity"], r["field"]) for r in rows] == [
        ("update", "followup", "status"),  # the contact settled the old follow-up
        ("update", "customer", "city"),
        ("import", "followup", None),  # made before the trail: who is not known
        ("import", "purchase", None),
        ("import", "customer", None),
    ]
    assert rows[2]["actor"] is None and json.loads(rows[2]["new"])["source"] == "people.csv"
    assert "people.csv" in cli("history", "王芳").stdout
