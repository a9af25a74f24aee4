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


def main() -> None:
    """Console-script entry point."""
    app()
