"""The root Typer app and the wrapper that turns errors into one line and an exit code."""

from __future__ import annotations

import os
from typing import Any

import typer
from typer.core import TyperGroup

from ..i18n import N_, _


def _is_cli_signal(exc: BaseException) -> bool:
    """Typer's own exits and usage errors, which it already reports well."""
    return isinstance(exc, typer.Exit | typer.Abort) or type(exc).__module__.startswith("typer")


def _is_usage_error(exc: BaseException) -> bool:
    """Typer's parse errors (no such option, not a valid integer …), which it would print in a
    box over several lines: ours is one line like every other error. Asking for help with no
    arguments is one of them by type, and is left to Typer."""
    return (
        _is_cli_signal(exc)
        and getattr(exc, "exit_code", None) == 2
        and hasattr(exc, "format_message")
        and type(exc).__name__ != "NoArgsIsHelpError"
    )


class _Group(TyperGroup):
    """Every command runs inside this: known errors become `Error: …` and exit code 1 or 2."""

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        """The root command's entry (console script and tests alike): choose the language first,
        since help and errors may be shown while the arguments are parsed."""
        import sys

        from .. import i18n

        argv = list(sys.argv[1:] if args is None else args)
        i18n.use(i18n.choose(_root_option(argv, "--lang")))
        if not argv or "--help" in argv or "-h" in argv:
            from . import _localize

            _localize.install()
        return super().main(args, *rest, **kwargs)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help:  # a group alone (`custtrack import`): its help
            from . import _localize

            _localize.install()
        try:
            return super().parse_args(ctx, args)
        except Exception as exc:  # the root's own options (`custtrack --db`): before invoke()
            if _is_usage_error(exc):
                _usage_fail(exc)
            raise

    def invoke(self, ctx: Any) -> Any:
        from .. import db

        saved = db.commits()
        try:
            with db.command():
                return super().invoke(ctx)
        except KeyboardInterrupt:
            _fail(_("interrupted; nothing was changed by the unfinished command"), 130)
        except typer.Abort:  # "no" to a question: said in the interface language, not Typer's
            from ._output import console

            console(stderr=True).print(_("Aborted."))
            raise typer.Exit(1) from None
        except BrokenPipeError:
            # the reader (e.g. `| head`) went away: stop quietly, as Unix tools do
            import sys

            sys.stderr.close()
            raise typer.Exit(141) from None
        except Exception as exc:
            if _is_usage_error(exc):
                _usage_fail(exc)
            if _is_cli_signal(exc) or os.environ.get("CUSTTRACK_DEBUG"):
                raise
            from ..errors import CusttrackError

            if isinstance(exc, CusttrackError):
                _fail(str(exc), exc.exit_code)
            # a failure while showing the result comes after the change was committed
            if db.commits() == saved:
                text = _(
                    "unexpected {error}: {detail}. Nothing was saved. "
                    "Run with CUSTTRACK_DEBUG=1 to see the details."
                )
            else:
                text = _(
                    "unexpected {error}: {detail}. The change was saved. "
                    "Run with CUSTTRACK_DEBUG=1 to see the details."
                )
            _fail(text.format(error=type(exc).__name__, detail=exc), 1)


def _usage_fail(exc: Any) -> None:
    """A parse error as our one line, exit 2 (never Typer's box)."""
    from ._localize import usage_message

    where = exc.ctx.command_path if exc.ctx else "custtrack"
    _fail(
        _("{message} (see `{command} --help`)").format(message=usage_message(exc), command=where),
        2,
    )


def _fail(message: str, code: int) -> None:
    from ._output import error

    error(message)
    raise typer.Exit(code)


def _root_option(argv: list[str], name: str) -> str | None:
    """The value of a root option (before the command name), read ahead of Click's parse."""
    takes_value = ("--db", "--lang")
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == name:
            return argv[i + 1] if i + 1 < len(argv) else None
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
        if arg in takes_value:
            i += 2
            continue
        if not arg.startswith("-"):
            return None  # the command: the root's options end here
        i += 1
    return None


app = typer.Typer(
    name="custtrack",
    cls=_Group,
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=N_(
        "Exit codes: 0 done; 1 a problem with the data (nothing was changed); 2 a wrong command "
        "or option value; 130 interrupted (Ctrl-C); 141 the output was closed (e.g. | head)."
    ),
    help=N_(
        "Track customers, every contact with them, purchases, feedback and follow-ups.\n\n"
        "Data lives in one SQLite file (see --db). Start with [bold]custtrack demo[/] or "
        "[bold]custtrack add[/]."
    ),
)


def sub_app(name: str, help: str, panel: str | None = None) -> typer.Typer:
    """A command group (cadence, config, import …) with the same error handling."""
    group = typer.Typer(name=name, help=help, cls=_Group, no_args_is_help=True)
    app.add_typer(group, name=name, rich_help_panel=panel)
    return group
