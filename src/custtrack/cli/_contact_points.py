"""`edit --add-phone/--add-email/--add-wechat/--remove-contact` (issue 17.8): a customer's other
phones, e-mails and WeChat handles, besides the one of each on the record (services/contact_points).
The options of `edit`, and their work inside its write session (cli/customers.py calls it)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..i18n import N_, _

PANEL = N_("Other phones, e-mails and WeChat")


def _opt(name: str, help: str) -> Any:
    return typer.Option(name, help=help, rich_help_panel=PANEL, show_default=False)


AddPhoneOpt = Annotated[
    list[str] | None,
    _opt("--add-phone", N_("Another phone of theirs (`show` lists it); repeatable.")),
]
AddEmailOpt = Annotated[
    list[str] | None, _opt("--add-email", N_("Another e-mail of theirs; repeatable."))
]
AddWechatOpt = Annotated[
    list[str] | None, _opt("--add-wechat", N_("Another WeChat handle of theirs; repeatable."))
]
RemoveContactOpt = Annotated[
    list[str] | None,
    _opt("--remove-contact", N_("Remove one of their other phones, e-mails or WeChat handles.")),
]


def given(add_phone: Any, add_email: Any, add_wechat: Any, remove: Any) -> dict[str, list[str]]:
    """The options given, by what they do: {"phone": […], "email": […], "wechat": […],
    "remove": […]}; empty when none was."""
    found = {"phone": add_phone, "email": add_email, "wechat": add_wechat, "remove": remove}
    return {k: list(v) for k, v in found.items() if v}


def option_names(points: dict[str, list[str]]) -> list[str]:
    """The options given, as typed (for `edit KIND ID`, where they do not apply)."""
    return [f"--add-{k}" if k != "remove" else "--remove-contact" for k in points]


def apply(session: Any, customer: Any, points: dict[str, list[str]]) -> tuple[list[str], int]:
    """Add and remove the points in the command's transaction (an error leaves none written):
    the lines to show, and how many points were added or removed."""
    from ..services import contact_points
    from ..validate import format_phone

    new = [
        (kind, contact_points.clean(kind, value, f"--add-{kind}"))
        for kind in contact_points.KINDS
        for value in points.get(kind, [])
    ]
    lines, done = [], 0
    for value in points.get("remove", []):
        for p in contact_points.remove(session, customer, value):
            shown = format_phone(p["value"]) if p["kind"] == "phone" else p["value"]
            lines.append(_("removed {value}").format(value=shown))
            done += 1
    for kind, value in new:
        shown = format_phone(value) if kind == "phone" else value
        if contact_points.add(session, customer, kind, value) is None:
            lines.append(_("already known: {value}").format(value=shown))
        else:
            lines.append(_("also: {value}").format(value=shown))
            done += 1
    return lines, done
