"""A day in the past where a future one is meant: plan, log --next, done --next, reschedule and
snooze ask first (in a terminal) or refuse (in a script), unless --past says it is meant.

"昨天" or "last friday" typed for a follow-up is nearly always a slip (the day a contact
happened, not the next one); written silently it would show up as overdue at once.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ..i18n import N_, _

PastOpt = Annotated[
    bool,
    typer.Option(
        "--past",
        help=N_(
            "Accept a day in the past (without it such a day is refused, or asked about "
            "in a terminal)."
        ),
    ),
]

# What is done with the day, as the question and the refusal say it. {what} is the day (with
# its option, e.g. "--next 2026-11-19"), {ago} how long ago ("1 day ago").
_ASK = {
    "plan": N_("{what} is in the past ({ago}); plan it anyway?"),
    "reschedule": N_("{what} is in the past ({ago}); move the follow-up there anyway?"),
    "snooze": N_("{what} is in the past ({ago}); snooze until then anyway?"),
}
_REFUSE = {
    "plan": N_("{what} is in the past ({ago}); add --past to plan it anyway"),
    "reschedule": N_("{what} is in the past ({ago}); add --past to move the follow-up there"),
    "snooze": N_("{what} is in the past ({ago}); add --past to snooze until then"),
}


def _interactive() -> bool:
    """Whether a person can answer: standard input is a terminal (not a script or a test)."""
    import sys

    return sys.stdin is not None and sys.stdin.isatty()


def check(day: date, past: bool, action: str = "plan", option: str | None = None) -> bool:
    """Let a day before today through only with --past or a yes in a terminal; else refuse
    (exit code 2). Called before anything is written. Returns whether the day was let through
    as a past one (--past, or the yes)."""
    from .. import clock

    today = clock.today()
    if past or day >= today:
        return past
    from ..i18n import days_from_now

    what = f"{option} {day.isoformat()}" if option else day.isoformat()
    fields = {"what": what, "ago": days_from_now((day - today).days)}
    if _interactive():
        if not typer.confirm(_(_ASK[action]).format(**fields), default=False):
            raise typer.Abort()
        return True
    from ..errors import UsageError

    raise UsageError(_(_REFUSE[action]).format(**fields))
