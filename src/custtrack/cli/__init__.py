"""The command line. Modules here parse, call a service and render; they import nothing heavy at
module level, so `custtrack --help` stays fast."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import __version__
from ._app import app

# Each module registers its commands on `app` (imported for that side effect, in help order).
# isort: off
from . import customers, records, followups, analytics, data, maintenance, demo  # noqa: F401
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
            help="Database file (or SQLAlchemy URL). Default: custtrack.db in your data folder.",
            show_envvar=True,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    from .. import db as store

    store.set_db(db)


def _skip_rich_markdown() -> None:
    """Keep `rich.markdown` (and markdown_it, ~60 ms, a sixth of --help) from being imported.

    typer.rich_utils imports it at module level but only uses it in "markdown" help mode; ours is
    "rich". A placeholder stands in; it fails loudly should anything ever try to render with it.
    """
    import sys
    import types

    if "rich.markdown" in sys.modules:
        return

    class Markdown:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("rich.markdown is not loaded on custtrack's --help path")

    stub = types.ModuleType("rich.markdown")
    stub.Markdown = Markdown  # type: ignore[attr-defined]
    sys.modules["rich.markdown"] = stub


def main() -> None:
    """Console-script entry point."""
    import gc
    import sys

    # Start-up builds ~1M long-lived objects (SQLAlchemy, pydantic, Typer) that the collector would
    # scan again and again (~150 ms); db.engine() freezes them and turns collection back on.
    gc.disable()

    if len(sys.argv) == 1 or "--help" in sys.argv or "-h" in sys.argv:
        _skip_rich_markdown()
    app()
