"""The command line. Modules here parse, call a service and render; they import nothing heavy at
module level, so `custtrack --help` stays fast."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .. import __version__
from ..i18n import N_, _
from ._app import app

# Each module registers its commands on `app` (imported for that side effect, in help order).
# isort: off
from . import customers, records, followups, analytics, insight, data, maintenance, demo, loyalty  # noqa: F401, E501
# isort: on


def _version(value: bool) -> None:
    if value:
        typer.echo(f"custtrack {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="CUSTTRACK_DB",
            help=N_(
                "Database file (or SQLAlchemy URL). Default: custtrack.db in your data folder."
            ),
            show_envvar=True,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help=N_(
                "Interface language for this run: zh-CN (简体中文) or en. Default: the "
                "`language` setting, else LANGUAGE / LC_ALL / LC_MESSAGES / LANG."
            ),
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help=N_("Show the version.")),
    ] = False,
) -> None:
    from .. import db as store

    if lang is not None:
        from ..i18n import normalize

        if normalize(lang) is None:  # the language itself was chosen before parsing (_app.py)
            from ..errors import InvalidValue

            raise InvalidValue("--lang", lang, _("must be zh-CN or en"))

    store.set_db(db)
    store.on_upgrade(_upgrading)


def _upgrading(old: str, new: str) -> None:
    from ._output import notice

    notice(
        _(
            "Upgrading the database from schema {old} to {new} (every row is kept; on a large "
            "database this takes a few minutes)…"
        ).format(old=old, new=new)
    )


def _skip_unused_rich_modules() -> None:
    """Keep `rich.markdown` (with markdown_it, ~60 ms) and `rich.traceback` (with pygments,
    ~40 ms) from being imported on the --help path: a quarter of --help.

    typer.rich_utils imports both at module level but uses Markdown only in "markdown" help mode
    (ours is "rich") and Traceback only for pretty exceptions (turned off). Placeholders stand
    in; they fail loudly should anything ever try to use them.
    """
    import sys
    import types

    for module, name in (("rich.markdown", "Markdown"), ("rich.traceback", "Traceback")):
        if module in sys.modules:
            continue

        def unused(*args: object, _module: str = module, **kwargs: object) -> None:
            raise RuntimeError(f"{_module} is not loaded on custtrack's --help path")

        stub = types.ModuleType(module)
        setattr(stub, name, type(name, (), {"__init__": unused, "from_exception": unused}))
        sys.modules[module] = stub


_ROOT_VALUES = ("--db", "--lang")  # the root's options that take a value


def _invoked(argv: list[str]) -> str | None:
    """The command word of a command line (`add` in `--db x.db add Ann`), or None when there is
    none or an option comes first (`--help`, `--version`, a typo: the whole tree answers)."""
    words = iter(argv)
    for word in words:
        if word in _ROOT_VALUES:
            next(words, None)
        elif not word.startswith(tuple(v + "=" for v in _ROOT_VALUES)):
            return None if word.startswith("-") else word
    return None


def _only_the_invoked_command(argv: list[str]) -> None:
    """Register only the command a line invokes. Typer builds every command's parameters from
    its signature before parsing (~80 commands, ~40 ms, more with every command added); a line
    runs one. Anything else (the root's help, completion, an unknown word, which gets Typer's
    "no such command") keeps the whole tree."""
    import os

    from typer.main import get_command_name

    if any(k.endswith("_COMPLETE") for k in os.environ):
        return
    name = _invoked(argv)
    if name is None:
        if not argv or "--help" in argv or "-h" in argv:  # the root's help: names and summaries
            _without_subcommand_parameters()
        return
    commands = [
        c
        for c in app.registered_commands
        if (c.name or get_command_name(c.callback.__name__ if c.callback else "")) == name
    ]
    groups = [g for g in app.registered_groups if g.name == name]
    if commands or groups:
        app.registered_commands, app.registered_groups = commands, groups


def _without_subcommand_parameters() -> None:
    """For the root's help, which lists each command by its name and summary only: build the
    commands without their parameters (the root's own options stay), a third of --help's time."""
    import typer.main

    full = typer.main.get_params_from_function

    def root_only(func: Any) -> Any:
        return full(func) if func is _root else {}

    typer.main.get_params_from_function = root_only


def main() -> None:
    """Console-script entry point."""
    import gc
    import sys

    # Start-up builds ~1M long-lived objects (SQLAlchemy, pydantic, Typer) that the collector would
    # scan again and again (~150 ms); db.engine() freezes them and turns collection back on.
    gc.disable()

    if len(sys.argv) == 1 or "--help" in sys.argv or "-h" in sys.argv:
        _skip_unused_rich_modules()
    _only_the_invoked_command(sys.argv[1:])
    app()
