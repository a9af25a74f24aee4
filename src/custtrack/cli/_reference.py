"""The command reference, docs/commands.md: every command's `--help`, in English, at a fixed width,
as plain text. Regenerate it after changing a command:

    python -m custtrack.cli._reference > docs/commands.md

tests/test_reference.py fails when a command is missing from the file or its text is stale.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from typing import Any

WIDTH = 100
COMMAND = "python -m custtrack.cli._reference > docs/commands.md"


def commands() -> Iterator[tuple[str, ...]]:
    """Every command and group, as its words after `custtrack`, in the order of `--help`."""
    import typer.main

    from . import app

    def walk(cmd: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        yield path
        for name, sub in getattr(cmd, "commands", {}).items():
            if not getattr(sub, "hidden", False):
                yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(app), ())


def help_text(root: Any, path: tuple[str, ...]) -> str:
    """`custtrack PATH --help` in English, WIDTH columns, no colour, no trailing spaces."""
    from typer import rich_utils

    keys = ("MAX_WIDTH", "COLOR_SYSTEM", "FORCE_TERMINAL")
    saved = [getattr(rich_utils, k) for k in keys]
    for key, value in zip(keys, (WIDTH, None, False), strict=True):
        setattr(rich_utils, key, value)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            root.main(["--lang", "en", *path, "--help"], prog_name="custtrack",
                      standalone_mode=False)  # fmt: skip
    finally:
        for key, value in zip(keys, saved, strict=True):
            setattr(rich_utils, key, value)
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    return "\n".join(lines).strip("\n") + "\n"


def reference() -> str:
    """The whole of docs/commands.md."""
    import typer.main

    from . import app

    root = typer.main.get_command(app)
    paths = list(commands())
    names = [" ".join(("custtrack", *p)) for p in paths]
    parts = [
        "# Command reference\n\n"
        "Every command's `--help`, generated: do not edit by hand. After changing a command, run\n"
        f"`{COMMAND}`\n(`tests/test_reference.py` fails until you do). "
        "`custtrack --lang zh-CN COMMAND --help` shows the same in Chinese.\n\n"
        + "".join(f"- [{n}](#{_anchor(n)})\n" for n in names)
    ]
    for name, path in zip(names, paths, strict=True):
        parts.append(f"## {name}\n\n```text\n{help_text(root, path)}```\n")
    return "\n".join(parts)


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, spaces to hyphens, punctuation dropped."""
    return "".join(c for c in heading.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def main() -> None:
    sys.stdout.write(reference())


if __name__ == "__main__":
    main()
