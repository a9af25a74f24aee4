"""Option types shared by several commands."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import typer

from ..i18n import N_

CustomerArg = Annotated[
    str,
    typer.Argument(help=N_("Customer id, or a unique name, phone or e-mail."), show_default=False),
]


def _format(help: str, **kw: Any) -> Any:
    """A --format option. Its values are a Literal, so `--help` lists them and the shell
    completes them; Typer refuses any other (cli/_localize.py says so in one line)."""
    return typer.Option("--format", "-f", help=help, case_sensitive=False, **kw)


Format = Literal["table", "json", "csv"]
FormatOpt = Annotated[Format, _format(N_("Output format: table, json or csv."))]
# write commands: today's line for people, or the record written (with its id) for scripts
WriteFormat = Literal["table", "json"]
WriteFormatOpt = Annotated[
    WriteFormat,
    _format(N_("table: a line for people; json: the record written, with its id, for scripts.")),
]
# commands whose formats differ
DueFormatOpt = Annotated[
    Literal["table", "json", "csv", "ics"], _format(N_("table, json, csv or ics (iCalendar)."))
]
ImportFormatOpt = Annotated[Literal["table", "json"], _format(N_("Report format: table or json."))]
ExportFormatOpt = Annotated[
    Literal["csv", "json", "xlsx"] | None,
    _format(N_("csv, json or xlsx (default csv; json for --customer)."), show_default=False),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help=N_("Compute as if today were this date (also CUSTTRACK_TODAY).")),
]
LimitOpt = Annotated[
    int, typer.Option("--limit", "-n", help=N_("Show at most this many rows (0 = all)."))
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help=N_("Do not ask for confirmation."))]


def apply_as_of(as_of: str | None) -> None:
    """Fix the clock for this command when --as-of is given."""
    if as_of:
        from .. import clock
        from ..dates import parse_date

        clock.set_today(parse_date(as_of, "--as-of"))
