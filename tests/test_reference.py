"""docs/commands.md, the generated command reference, names every command and matches its --help."""

from __future__ import annotations

import difflib
from pathlib import Path

from rich.cells import cell_len

from custtrack.cli import _reference

DOC = Path(__file__).resolve().parent.parent / "docs" / "commands.md"
REGENERATE = f"regenerate it with `{_reference.COMMAND}`"


def _doc() -> str:
    assert DOC.exists(), f"{DOC} is missing: {REGENERATE}"
    return DOC.read_text(encoding="utf-8")


def test_every_command_has_its_section() -> None:
    headings = {line[3:] for line in _doc().splitlines() if line.startswith("## ")}
    names = [" ".join(("custtrack", *path)) for path in _reference.commands()]
    missing = [n for n in names if n not in headings]
    assert not missing, f"docs/commands.md lacks {', '.join(missing)}: {REGENERATE}"
    stale = sorted(headings - set(names))
    assert not stale, f"docs/commands.md has commands now gone ({', '.join(stale)}): {REGENERATE}"
    assert {"custtrack", "custtrack add", "custtrack import customers", "custtrack config set"} <= (
        headings
    )


def test_the_reference_is_the_help_of_today() -> None:
    expected = _reference.reference()
    found = _doc()
    if found != expected:
        diff = difflib.unified_diff(
            found.splitlines(), expected.splitlines(), "docs/commands.md", "--help", lineterm=""
        )
        shown = "\n".join(list(diff)[:40])
        raise AssertionError(f"docs/commands.md is out of date: {REGENERATE}\n{shown}")


def test_the_reference_is_plain_english_text_at_a_fixed_width() -> None:
    text = _doc()
    assert "\x1b[" not in text  # no colour codes
    blocks = text.split("```text\n")[1:]
    assert len(blocks) == len(list(_reference.commands()))
    for block in blocks:
        for line in block.split("```")[0].splitlines():
            assert line == line.rstrip()
            assert cell_len(line) <= _reference.WIDTH, line
    assert "Usage: custtrack add [OPTIONS]" in text and "用法" not in text
    assert "<table|json|csv|ics>" in text  # the --format choices of `due`
