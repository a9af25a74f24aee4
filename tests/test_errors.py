"""Bad input: one line naming the field and value, the right exit code, nothing changed.
Also: no colour codes when piped or with NO_COLOR, and CJK text lining up in tables."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from custtrack import db
from custtrack.errors import InvalidValue

pytestmark = pytest.mark.usefixtures("migrated_db")


_two_file: list[bytes] = []


@pytest.fixture
def two(cli, isolated: Path):
    """Ann Lee (with a phone, e-mail and a complaint) and Ann Wu; built once, then copied."""
    if _two_file:
        isolated.write_bytes(_two_file[0])
        return cli
    cli("add", "Ann Lee", "-p", "+14155550132", "-e", "ann@example.com")
    cli("add", "Ann Wu")
    cli("complain", "Ann Lee", "-m", "late")
    db.dispose()  # checkpoints the WAL into the file
    _two_file.append(isolated.read_bytes())
    return cli


# (arguments, text that must appear: the field and the value as shown, exit code)
BAD_INPUT = [
    (["add", "Bob", "--phone", "12ab"], "--phone '12ab'", 2),
    (["add", "Bob", "--phone", "+1 415 555"], "--phone '+1 415 555'", 2),
    (["add", "Bob", "--email", "bob@"], "--email 'bob@'", 2),
    (["add", "Bob", "--birthday", "someday"], "--birthday 'someday'", 2),
    (["add", "Bob", "--birthday", "2031-01-01"], "--birthday '2031-01-01'", 2),
    (["add", "Bob", "--birthday", "2026-02-30"], "--birthday '2026-02-30'", 2),
    (["add", "Bob", "--gender", "robot"], "--gender 'robot'", 2),
    (["add", "Bob", "--price-sensitivity", "extreme"], "--price-sensitivity 'extreme'", 2),
    (["add", "Bob", "--tag", "a,b"], "TAG 'a,b'", 2),
    (["add", "  "], "NAME '  '", 2),
    (["add", "Bob", "--notes", "x" * 5001], "--notes 'xxxxxxxxxxxxxxxxxxxx…'", 2),
    (["add", "Bob", "-p", "+1 (415) 555-0132"], "phone +14155550132 already belongs to #1", 1),
    (["add", "Bob", "-e", "Ann@Example.com"], "email ann@example.com already belongs to #1", 1),
    (["edit", "Ann Lee", "--name", ""], "--name ''", 2),
    (["edit", "Ann Lee", "--email", "nope"], "--email 'nope'", 2),
    (["edit", "Ann Wu", "-e", "ann@example.com"], "email ann@example.com already belongs to", 1),
    (["edit", "Ann", "--city", "X"], "'Ann' matches 2 customers: #1 Ann Lee", 1),
    (["tag", "Nobody", "vip"], "no customer matches 'Nobody'", 1),
    (["archive", "#7"], "no customer with id #7", 1),
    (["delete", "Zed", "--yes"], "no customer matches 'Zed'", 1),
    (["show", "Ann"], "'Ann' matches 2 customers", 1),
    (["show", "Ann Lee", "--format", "xml"], "--format 'xml'", 2),
    (["list", "--sort", "age"], "--sort 'age'", 2),
    (["list", "--tag", "two words"], "--tag 'two words'", 2),
    (["list", "--format", "yaml"], "--format 'yaml'", 2),
    (["log", "Ann Lee", "--channel", "pigeon"], "--channel 'pigeon'", 2),
    (["log", "Ann Lee", "--at", "blursday"], "--at 'blursday'", 2),
    (["log", "Ann Lee", "--next", "whenever"], "--next 'whenever'", 2),
    (["log", "Ann Lee", "--summary", "y" * 5001], "--summary 'yyyyyyyyyyyyyyyyyyyy…'", 2),
    (["buy", "Ann Lee", "12.345"], "AMOUNT '12.345'", 2),
    (["buy", "Ann Lee", "ten"], "AMOUNT 'ten'", 2),
    (["buy", "Ann Lee", "--", "-1"], "AMOUNT '-1'", 2),
    (["buy", "Ann Lee", "5", "--qty", "-2"], "--qty -2", 2),
    (["buy", "Ann Lee", "5", "--currency", "US"], "--currency 'US'", 2),
    (["feedback", "Ann Lee", "--csat", "9"], "--csat 9", 2),
    (["feedback", "Ann Lee", "--nps", "42"], "--nps 42", 2),
    (["complain", "Ann Lee", "--category", "smell"], "--category 'smell'", 2),
    (["complain", "Ann Lee", "--priority", "meh"], "--priority 'meh'", 2),
    (["complaints", "--status", "closed"], "--status 'closed'", 2),
    (["resolve", "99", "-m", "done"], "no complaint with id 99", 1),
    (["resolve", "1", "-m", " "], "--resolution ' '", 2),
]  # fmt: skip


@pytest.mark.parametrize(("args", "shown", "code"), BAD_INPUT, ids=lambda v: str(v)[:40])
def test_bad_input_is_one_line_and_changes_nothing(
    two, snapshot, args: list[str], shown: str, code: int
) -> None:
    before = snapshot()
    result = two(*args, code=code)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and shown in lines[0], lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    assert snapshot() == before


@pytest.mark.parametrize(
    ("args", "shown"),
    [(["feedback", "Ann Lee", "--csat", "abc"], "Invalid value for '--csat'"),
     (["buy", "Ann Lee", "5", "--qty", "many"], "Invalid value for '--qty'"),
     (["log", "Ann Lee", "--no-such-option"], "No such option: --no-such-option"),
     (["resolve", "one", "-m", "x"], "Invalid value for 'complaint_id'"),
     (["show"], "Missing argument CUSTOMER"),
     (["import", "purchases", "--bogus"], "(see `custtrack import purchases --help`)"),
     (["frobnicate"], "No such command 'frobnicate'")],
)  # fmt: skip
def test_typer_usage_errors_are_one_line_exit_2(two, snapshot, args: list[str], shown: str) -> None:
    """Typer's own parse errors, too, are one line (Typer would draw a box over several)."""
    before = snapshot()
    result = two(*args, code=2)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert shown in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert snapshot() == before


def test_unexpected_error_is_reported_without_traceback(
    two, snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custtrack.services import records

    def broken(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(records, "record_purchase", broken)
    before = snapshot()
    result = two("buy", "Ann Lee", "5", code=1)
    assert result.stderr.startswith("Error: unexpected ZeroDivisionError: division by zero.")
    assert "CUSTTRACK_DEBUG=1" in result.stderr and "Traceback" not in result.stderr
    assert snapshot() == before


def test_an_error_after_the_commit_does_not_claim_nothing_was_saved(
    two, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custtrack.cli import _output

    def broken(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        raise ValueError("cannot draw")

    with monkeypatch.context() as m:
        m.setattr(_output, "success", broken)  # `add` shows its result after committing
        result = two("add", "Cleo", code=1)
    assert "unexpected ValueError: cannot draw. The change was saved." in result.stderr
    assert [c["name"] for c in two.json("list")] == ["Ann Lee", "Ann Wu", "Cleo"]


def test_error_after_a_write_rolls_the_whole_command_back(
    two, snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """log writes the contact, then planning the next one fails: the contact must not stay."""
    from custtrack.services import followups

    def refuse(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        raise InvalidValue("--next", "x", "refused for the test")

    monkeypatch.setattr(followups, "plan", refuse)
    before = snapshot()
    two("log", "Ann Lee", "-m", "hello", "--next", "+3d", code=2)
    assert snapshot() == before


def test_debug_variable_lets_the_exception_through(
    two, snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUSTTRACK_DEBUG", "1")
    before = snapshot()
    result = two("add", "Bob", "--phone", "12ab", code=None)
    assert result.exit_code != 0
    assert isinstance(result.exception, InvalidValue)
    assert result.exception.field == "--phone"
    assert snapshot() == before


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(CUSTTRACK_DB=str(tmp_path / "sub.db"), CUSTTRACK_CONFIG=str(tmp_path / "c.toml"))
    env.update(extra)
    return env


def _run(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "custtrack", *args],
        capture_output=True, text=True, env=_env(tmp_path, **extra), timeout=60,
    )  # fmt: skip


def test_debug_shows_the_traceback_in_a_real_process(tmp_path: Path) -> None:
    debug = _run(tmp_path, "add", "Bob", "--phone", "12ab", CUSTTRACK_DEBUG="1")
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "custtrack.errors.InvalidValue: --phone '12ab'" in debug.stderr


# --- colour and width -----------------------------------------------------------------------


def test_piped_output_has_no_escape_codes(cli) -> None:
    """CliRunner's streams are not terminals, exactly like a pipe."""
    cli("add", "王芳", "--city", "杭州", "-t", "vip")
    cli("log", "王芳", "-m", "你好", "--next", "+3d")
    cli("complain", "王芳", "-m", "太贵", "--priority", "urgent")
    for args in (["list"], ["show", "王芳"], ["complaints"], ["--help"], ["add", "Bob"],
                 ["tag", "Bob", "x"], ["edit", "Bob", "--city", "Rome"]):  # fmt: skip
        result = cli(*args)
        assert "\x1b" not in result.stdout + result.stderr, args
        assert result.stdout.strip(), args
    result = cli("show", "nobody", code=1)
    assert result.stderr.startswith("Error: ") and "\x1b" not in result.stderr


def _run_in_terminal(tmp_path: Path, args: list[str], **extra: str) -> str:
    """Run custtrack with a pseudo-terminal as stdout and stderr; return what it printed."""
    master, slave = pty.openpty()
    env = _env(tmp_path, TERM="xterm-256color", COLUMNS="120", **extra)
    proc = subprocess.Popen(
        [sys.executable, "-m", "custtrack", *args], stdin=subprocess.DEVNULL, stdout=slave,
        stderr=slave, env=env, close_fds=True,
    )  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=30)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_no_color_in_a_terminal_has_no_escape_codes(tmp_path: Path) -> None:
    coloured = _run_in_terminal(tmp_path, ["add", "Ann Lee", "-t", "vip"])
    assert "\x1b[" in coloured and "Ann Lee" in coloured  # a terminal does get styles
    out = _run_in_terminal(tmp_path, ["list"], NO_COLOR="1")
    assert "Ann Lee" in out and "\x1b[" not in out, out
    out = _run_in_terminal(tmp_path, ["show", "nobody"], NO_COLOR="1")
    assert "Error: no customer matches" in out and "\x1b[" not in out, out


def test_cjk_table_lines_up(cli) -> None:
    cli("add", "王芳", "--city", "杭州市西湖区", "-t", "贵宾")
    cli("add", "Anna Berg", "--city", "Berlin", "--owner", "李雷")
    cli("add", "欧阳娜娜", "--city", "上海")
    out = cli("list").stdout
    lines = [ln for ln in out.splitlines() if ln[:1] in "┏┃┡│└"]
    assert len(lines) == 7  # top, header, rule, three rows, bottom
    assert len({cell_len(ln) for ln in lines}) == 1, out

    def borders(line: str) -> list[int]:  # noqa: E306
        return [cell_len(line[:i]) for i, ch in enumerate(line) if ch in "┃│┏┳┓┡╇┩└┴┘"]

    assert len({tuple(borders(ln)) for ln in lines}) == 1, out
    assert any("欧阳娜娜" in ln for ln in lines) and any("杭州市西湖区" in ln for ln in lines)


def test_brackets_in_user_data_are_shown_as_typed(cli) -> None:
    """Rich reads [tags] as markup: a name like "Li [vip]" must neither vanish nor crash."""
    assert "Added #1 Zhou [/]" in cli("add", "Zhou [/]", "--notes", "[red]hot[/red]").stdout
    assert "Added #2 Li [vip]" in cli("add", "Li [vip]").stdout
    assert "city: — → [b]x" in cli("edit", "Zhou", "--city", "[b]x").stdout
    cli("log", "Zhou", "-m", "[/] called")
    cli("complain", "Li", "-m", "[bold]late")
    assert "Zhou [/]" in cli("list").stdout and "Li [vip]" in cli("list").stdout
    out = cli("show", "Zhou").stdout
    assert "#1 Zhou [/]" in out and "[red]hot[/red]" in out and "[/] called" in out
    assert "[bold]late" in cli("complaints").stdout
