"""Errors a user can see. The CLI turns each into one line and an exit code."""

from __future__ import annotations

from .i18n import _, ngettext


class CusttrackError(Exception):
    """A problem with the data or the request, explained in the user's words (exit code 1)."""

    exit_code = 1


class UsageError(CusttrackError):
    """The command was called wrongly: a bad option value or conflicting flags (exit code 2)."""

    exit_code = 2


class InvalidValue(UsageError):
    """One field has a value we cannot accept."""

    def __init__(self, field: str, value: object, reason: str, hint: str | None = None) -> None:
        self.field, self.value, self.reason, self.hint = field, value, reason, hint
        msg = _("{field} {value}: {reason}").format(field=field, value=repr(value), reason=reason)
        if hint:
            msg = _("{message} ({hint})").format(message=msg, hint=hint)
        super().__init__(msg)


class NotFound(CusttrackError):
    """A customer, follow-up or other record does not exist."""


class Ambiguous(CusttrackError):
    """A reference matches more than one record."""

    def __init__(self, ref: str, candidates: list[str]) -> None:
        self.candidates = candidates
        shown = "; ".join(candidates[:10]) + (" …" if len(candidates) > 10 else "")
        n = len(candidates)
        super().__init__(
            ngettext(
                "{ref} matches {n} customer: {shown}. Use the id.",
                "{ref} matches {n} customers: {shown}. Use the id.",
                n,
            ).format(ref=repr(ref), n=n, shown=shown)
        )


class Conflict(CusttrackError):
    """The change would clash with existing data (a duplicate phone, order reference …)."""
