"""Typer and its Click speak the interface language too: their help panels and usage line, our
commands' help (docstrings and option help, English in the code, translated when shown) and
their parse errors.

Typer keeps its panel titles in module constants and its Click writes English f-strings, with no
catalogue of their own; this module is the one place that puts ours in their stead. The help is
translated from the English kept on each command object, so a command tree built once (as the
tests do) can be shown in either language.
"""

from __future__ import annotations

import re
from typing import Any

from ..i18n import N_, _, ngettext

_installed = False


def install() -> None:
    """Route Typer's help rendering through the translation (once; it follows the language)."""
    global _installed
    if _installed:
        return
    from typer import rich_utils
    from typer._click import formatting

    original_help = rich_utils.rich_format_help

    def rich_format_help(*, obj: Any, ctx: Any, markup_mode: Any) -> None:
        _panel_titles(rich_utils)
        translate_command(obj, ctx)
        return original_help(obj=obj, ctx=ctx, markup_mode=markup_mode)

    original_usage = formatting.HelpFormatter.write_usage

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        return original_usage(self, prog, _placeholders(args), prefix or _("Usage: "))

    from typer import core

    original_type = core.TyperOption.display_type_rich

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        """A flag (--force, --yes) takes no value: no type beside it (Typer would say <bool>)."""
        if self.is_flag and self.metavar is None:
            return None
        return original_type(self, ctx)

    core.TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]

    rich_utils.rich_format_help = rich_format_help
    for name in ("_make_rich_text", "_make_command_help"):
        setattr(rich_utils, name, _folding(getattr(rich_utils, name)))
    formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]
    # the highlighter styles "Usage: " by a pattern: give it the translated word too
    rich_utils.OptionHighlighter.highlights = [
        *rich_utils.OptionHighlighter.highlights,
        r"(?P<usage>用法：)",
    ]
    rich_utils.highlighter = rich_utils.OptionHighlighter()
    _installed = True


def _folding(make_text: Any) -> Any:
    """Typer's help texts, folding a word longer than the column instead of cutting it with "…":
    Chinese has no spaces to wrap at, so to Rich a whole sentence is one long word."""

    def make(*args: Any, **kwargs: Any) -> Any:
        text = make_text(*args, **kwargs)
        if hasattr(text, "overflow"):
            text.overflow = "fold"
        return text

    return make


def _panel_titles(rich_utils: Any) -> None:
    rich_utils.ARGUMENTS_PANEL_TITLE = _("Arguments")
    rich_utils.OPTIONS_PANEL_TITLE = _("Options")
    rich_utils.COMMANDS_PANEL_TITLE = _("Commands")
    rich_utils.ERRORS_PANEL_TITLE = _("Error")
    rich_utils.ABORTED_TEXT = _("Aborted.")
    rich_utils.DEFAULT_STRING = _("[default: {}]")
    rich_utils.ENVVAR_STRING = _("[env var: {}]")
    rich_utils.REQUIRED_LONG_STRING = _("[required]")
    rich_utils.DEPRECATED_STRING = _("(deprecated) ")


def _placeholders(args: str) -> str:
    """The usage line's [OPTIONS], COMMAND and [ARGS]... in the interface language; a required
    argument in capitals, CUSTOMER, as the help texts name it (Typer writes {customer})."""
    args = re.sub(r"\{(\w+)\}", lambda m: m[1].upper(), args)
    for word in _PLACEHOLDERS:
        args = args.replace(word, _(word))
    return args


_PLACEHOLDERS = (N_("OPTIONS"), N_("COMMAND"), N_("ARGS"))
# Typer's own option help, translated like ours (by its English text) when shown
_TYPER_HELP = (
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
)


_TEXTS = ("help", "short_help", "epilog", "rich_help_panel")


def translate_command(obj: Any, ctx: Any) -> None:
    """Set the help texts of a command, its parameters and (for a group) its subcommands to the
    interface language, from the English each object was built with."""
    _translate(obj)
    for param in obj.get_params(ctx):
        _translate(param)
    for sub in getattr(obj, "commands", {}).values():
        _translate(sub)


def _translate(obj: Any) -> None:
    english = obj.__dict__.setdefault("_custtrack_en", {k: getattr(obj, k, None) for k in _TEXTS})
    for key, text in english.items():
        if text:
            setattr(obj, key, _(text))
    if getattr(obj, "name", None) == "help" and english.get("help"):
        obj.help = _("Show this message and exit.")


def usage_message(exc: Any) -> str:
    """One line for a Typer/Click parse error, in the interface language."""
    from typer._click import exceptions as e

    hint = _hint(exc)
    if isinstance(exc, e.NoSuchOption):
        text = _("No such option: {option}").format(option=exc.option_name)
        if exc.possibilities:
            text += " " + _("(did you mean {options}?)").format(
                options=", ".join(sorted(exc.possibilities))
            )
        return text
    if isinstance(exc, e.MissingParameter):
        if (exc.param_type or getattr(exc.param, "param_type_name", "")) == "argument":
            if exc.param is not None:  # CUSTOMER, as the usage line and the help name it
                hint = str(getattr(exc.param, "display_name_raw", exc.param.name)).upper()
            return _("Missing argument {name}.").format(name=hint)
        return _("Missing option {name}.").format(name=hint)
    if isinstance(exc, e.BadParameter):
        choice = _choice_error(exc)
        if choice:
            return choice
        reason = _reason(exc)
        if hint:
            return _("Invalid value for {name}: {reason}").format(name=hint, reason=reason)
        return _("Invalid value: {reason}").format(reason=reason)
    message = exc.message
    for pattern, translate in _PATTERNS:
        m = re.fullmatch(pattern, message, re.S)
        if m:
            return translate(m)
    return _(message)


def _hint(exc: Any) -> str:
    from typer._click.exceptions import _join_param_hints

    if getattr(exc, "param_hint", None) is not None:
        return str(_join_param_hints(exc.param_hint))
    param = getattr(exc, "param", None)
    return str(_join_param_hints(param.get_error_hint())) if param is not None else ""


# pydantic's error types (Typer converts values with pydantic) → our reason
_REASONS = {
    "int_parsing": lambda v: _("{value} is not a whole number").format(value=v),
    "int_from_float": lambda v: _("{value} is not a whole number").format(value=v),
    "float_parsing": lambda v: _("{value} is not a number").format(value=v),
    "decimal_parsing": lambda v: _("{value} is not a number").format(value=v),
    "bool_parsing": lambda v: _("{value} is not yes or no").format(value=v),
}


def _choice_error(exc: Any) -> str | None:
    """A value outside an option's choices (a Literal or Enum, as --format): said as our own
    choice errors say it, "--format 'xml': must be one of table, json, csv"."""
    param = getattr(exc, "param", None)
    desc = getattr(param, "type_descriptor", None)
    cause = exc.__cause__
    errors = cause.errors() if hasattr(cause, "errors") else []
    if param is None or desc is None:
        return None
    if not (getattr(desc, "is_choice", False) and desc.choices and errors):
        return None
    from enum import Enum

    values = [str(c.value if isinstance(c, Enum) else c) for c in desc.choices]
    names = [o for o in param.opts if o.startswith("--")] or param.opts or [param.name]
    return _("{field} {value}: {reason}").format(
        field=names[0],
        value=repr(errors[0].get("input")),
        reason=_("must be one of {values}").format(values=", ".join(values)),
    )


def _reason(exc: Any) -> str:
    cause = exc.__cause__
    errors = cause.errors() if hasattr(cause, "errors") else []
    if errors:
        kind, value = errors[0].get("type"), errors[0].get("input")
        if kind in _REASONS:
            return _REASONS[kind](repr(value))
    return exc.message


_PATTERNS = [
    (
        r"No such command '(.*)'\. Did you mean (.*)\?",
        lambda m: _("No such command '{name}'. Did you mean {names}?").format(
            name=m[1], names=m[2]
        ),
    ),
    (r"No such command '(.*)'\.", lambda m: _("No such command '{name}'.").format(name=m[1])),
    (r"Missing command\.", lambda m: _("Missing command.")),
    (
        r"Got unexpected extra argument\(s\) \((.*)\)",
        lambda m: ngettext(
            "Unexpected extra argument: {args}",
            "Unexpected extra arguments: {args}",
            len(m[1].split()),
        ).format(args=m[1]),
    ),  # fmt: skip
    (
        r"Option '(.*)' requires an argument\.",
        lambda m: _("Option {option} needs a value.").format(option=m[1]),
    ),
    (
        r"Option '(.*)' requires (\d+) arguments\.",
        lambda m: _("Option {option} needs {n} values.").format(option=m[1], n=m[2]),
    ),
    (
        r"Option '(.*)' does not take a value\.",
        lambda m: _("Option {option} does not take a value.").format(option=m[1]),
    ),
]
