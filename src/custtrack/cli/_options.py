"""Option types shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import N_, _

CustomerArg = Annotated[
    str,
    typer.Argument(help=N_("Customer id, or a unique name, phone or e-mail."), show_default=False),
]
FormatOpt = Annotated[
    str, typer.Option("--format", "-f", help=N_("Output format: table, json or csv."))
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help=N_("Compute as if today were this date (also CUSTTRACK_TODAY).")),
]
LimitOpt = Annotated[
    int, typer.Option("--limit", "-n", help=N_("Show at most this many rows (0 = all)."))
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help=N_("Do not ask for confirmation."))]


def check_format(fmt: str, allowed: tuple[str, ...] = ("table", "json", "csv")) -> str:
    from ..errors import InvalidValue

    value = fmt.strip().lower()
    if value not in allowed:
        raise InvalidValue(
            "--format", fmt, _("must be one of {values}").format(values=", ".join(allowed))
        )
    return value


def apply_as_of(as_of: str | None) -> None:
    """Fix the clock for this command when --as-of is given."""
    if as_of:
        from .. import clock
        from ..dates import parse_date

        clock.set_today(parse_date(as_of, "--as-of"))
