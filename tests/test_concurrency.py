"""Several people on one database at once: nothing lost, no error, no silent overwrite.

The rule for two people editing the same customer: only the fields an edit changes are written,
each only if it still holds the value the edit read (services.customers.update). Different
fields: both stay. The same field: the later edit is refused with the field, the person who
changed it and the value, and writes nothing.

Every test here uses the database of the `isolated` fixture (CUSTTRACK_DB): a SQLite file, or a
PostgreSQL database when the test is parametrised over engines (conftest.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from custtrack import db
from custtrack.errors import Conflict
from custtrack.services import customers


def _all(sql: str) -> list[tuple]:
    try:
        with db.engine().connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        db.dispose()


def _person(name: str) -> Session:
    """A session of its own, as another person's command would have (their own transaction)."""
    s = Session(db.engine().execution_options(custtrack_write=True), expire_on_commit=False)
    s.info["actor"] = name
    return s


def _reads(name: str, ref: str) -> tuple[Session, customers.Customer]:
    """NAME opens the customer's card: read in a transaction of its own, which then ends."""
    s = _person(name)
    c = customers.resolve(s, ref)
    s.commit()
    return s, c


def _edits(name: str, ref: str, fields: dict[str, str]) -> dict:
    with _person(name) as s:
        changed = customers.update(s, customers.resolve(s, ref), fields)
        s.commit()
    return changed


def test_two_people_changing_different_fields_keep_both(cli) -> None:
    cli("add", "Ann", "--city", "Berlin")
    lei, ann = _reads("lei", "Ann")
    _edits("mei", "Ann", {"phone": "+49 30 1234567"})  # while lei looks at the card
    assert customers.update(lei, ann, {"city": "Hamburg"}) == {"city": ("Berlin", "Hamburg")}
    lei.commit()
    lei.close()
    db.dispose()
    assert _all("SELECT city, phone FROM customers") == [("Hamburg", "+49301234567")]
    changes = _all(
        "SELECT actor, field, old, new FROM audit_log WHERE action = 'update' ORDER BY id"
    )
    assert changes == [("mei", "phone", None, "+49301234567"), ("lei", "city", "Berlin", "Hamburg")]


def test_the_same_field_changed_meanwhile_is_a_conflict_naming_who_and_what(cli) -> None:
    cli("add", "Ann", "--city", "Berlin", "--notes", "old")
    lei, ann = _reads("lei", "Ann")
    _edits("mei", "Ann", {"city": "Hamburg"})
    with pytest.raises(Conflict) as caught:
        customers.update(lei, ann, {"notes": "new", "city": "Kiel"})
    lei.rollback()
    lei.close()
    db.dispose()
    message = str(caught.value)
    assert message.startswith("city of #1 Ann (Berlin) was changed to 'Hamburg' by mei at 2026-")
    assert message.endswith(
        "after you read it; nothing was saved. Run the edit again to set it to 'Kiel'"
    )
    # nothing of lei's edit was written: neither the city nor the notes, nor a trail row
    assert _all("SELECT city, notes FROM customers") == [("Hamburg", "old")]
    assert _all("SELECT actor FROM audit_log WHERE action = 'update'") == [("mei",)]
    # run again, lei reads Hamburg and overwrites it knowingly
    cli("edit", "Ann", "--city", "Kiel")
    assert _all("SELECT city FROM customers") == [("Kiel",)]


def test_a_change_by_another_command_than_edit_is_a_conflict_too(cli, tmp_path) -> None:
    cli("add", "Ann", "--phone", "+8613800138000", "--city", "杭州")
    lei, ann = _reads("lei", "Ann")
    with db.engine().begin() as conn:  # a tool writing behind custtrack's back: no trail row
        conn.execute(sa.text("UPDATE customers SET city = '上海'"))
    with pytest.raises(
        Conflict, match="city of #1 Ann .* was changed to '上海' by another command"
    ):
        customers.update(lei, ann, {"city": "北京"})
    lei.rollback()
    lei.close()


def test_a_customer_deleted_meanwhile_is_said_so(cli) -> None:
    from custtrack.errors import NotFound

    cli("add", "Ann", "--city", "Berlin")
    lei, ann = _reads("lei", "Ann")
    cli("delete", "Ann", "--yes")
    with pytest.raises(NotFound, match="was deleted while you were editing; nothing was saved"):
        customers.update(lei, ann, {"city": "Kiel"})
    lei.rollback()
    lei.close()


def test_the_cli_says_the_conflict_in_one_line(cli, monkeypatch) -> None:
    """`edit` reads and writes in one transaction; a conflict there comes from a change made by
    someone between the two statements (PostgreSQL without the write lock). Simulated: the
    read value is changed under the command just before it writes."""
    cli("add", "Ann", "--city", "Berlin")
    real = customers.update

    def meanwhile(session, customer, raw, force=False):  # noqa: ANN001, ANN202
        other = Session(session.connection())  # the same transaction: the edit cannot wait
        other.info["actor"] = "mei"
        real(other, other.get(customers.Customer, customer.id), {"city": "Bonn"})
        return real(session, customer, raw, force)

    monkeypatch.setattr(customers, "update", meanwhile)
    result = cli("edit", "Ann", "--city", "Kiel", code=1)
    assert result.stderr.startswith("Error: city of #1 Ann (Berlin) was changed to 'Bonn' by mei")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    monkeypatch.undo()
    assert _all("SELECT city FROM customers") == [("Berlin",)]  # all rolled back


def _run_all(commands: list[tuple[str, list[str]]]) -> list[subprocess.CompletedProcess]:
    """Start every (person, argv) as its own custtrack process at once; wait for all."""
    procs = []
    for person, argv in commands:
        env = {**os.environ, "CUSTTRACK_USER": person}
        procs.append(
            subprocess.Popen(
                argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        )
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def test_people_editing_one_customer_at_once_lose_no_field(cli) -> None:
    cli("add", "Ann")
    db.dispose()
    edits = {"lei": ("--city", "Berlin"), "mei": ("--company", "Tea Ltd"),
             "wang": ("--notes", "likes oolong"), "li": ("--source", "walk-in")}  # fmt: skip
    done = _run_all(
        [
            (who, [sys.executable, "-m", "custtrack", "edit", "1", *opt])
            for who, opt in edits.items()
        ]
    )
    assert [(p.returncode, p.stderr) for p in done] == [(0, "")] * 4
    assert _all("SELECT city, company, notes, source FROM customers") == [
        ("Berlin", "Tea Ltd", "likes oolong", "walk-in")
    ]
    trail = set(_all("SELECT actor, field FROM audit_log WHERE action = 'update'"))
    assert trail == {("lei", "city"), ("mei", "company"), ("wang", "notes"), ("li", "source")}


_LOGGER = textwrap.dedent(
    """
    import sys
    from functools import cache

    import typer.main
    import typer.testing
    from typer.testing import CliRunner

    from custtrack import db
    from custtrack.cli import app

    typer.testing._get_command = cache(typer.main.get_command)  # built once, as in conftest.py
    who, customers, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    runner, failed = CliRunner(), 0
    for i in range(count):
        args = ["log", str(1 + i % customers), "-c", "phone", "-m", f"{who} call {i}"]
        result = runner.invoke(app, args)
        if result.exit_code != 0 or result.stderr:
            failed += 1
            print(result.exit_code, result.stdout, result.stderr, file=sys.stderr)
        db.dispose()  # one connection per contact, as one process per `custtrack log` has
    sys.exit(1 if failed else 0)
    """
)


def test_five_people_logging_100_contacts_each_at_once_lose_nothing(cli) -> None:
    writers, each, shared = 5, 100, 3
    for n in range(shared):
        cli("add", f"Customer {n + 1}")
        cli("plan", f"Customer {n + 1}", "today")  # the first contact of the day settles it
    db.dispose()
    done = _run_all(
        [
            (f"writer{w}", [sys.executable, "-c", _LOGGER, f"writer{w}", str(shared), str(each)])
            for w in range(writers)
        ]
    )
    assert [(p.returncode, p.stderr) for p in done] == [(0, "")] * writers
    per_writer = _all(
        "SELECT recorded_by, owner, count(*), count(DISTINCT summary) FROM interactions "
        "GROUP BY recorded_by, owner ORDER BY recorded_by"
    )
    assert per_writer == [(f"writer{w}", f"writer{w}", each, each) for w in range(writers)]
    order = [r[0] for r in _all("SELECT recorded_by FROM interactions ORDER BY id")]
    switches = sum(a != b for a, b in zip(order, order[1:], strict=False))
    assert switches >= writers  # they did write at the same time, not one after the other
    # each customer's last contact is the newest of its contacts, whoever logged it last
    stale = _all(
        "SELECT c.id FROM customers c WHERE c.last_contact_at IS NULL OR c.last_contact_at <> "
        "(SELECT max(i.at) FROM interactions i WHERE i.customer_id = c.id)"
    )
    assert stale == []
    # each follow-up was settled once, by one of them, and the trail says so once
    assert _all("SELECT status, interaction_id IS NOT NULL FROM followups") == [("done", True)] * 3
    settled = _all(
        "SELECT entity_id, count(*) FROM audit_log WHERE entity = 'followup' AND field = 'status' "
        "GROUP BY entity_id ORDER BY entity_id"
    )
    assert settled == [(1, 1), (2, 1), (3, 1)]
