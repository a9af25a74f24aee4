"""maintenance commands: export, backup, restore, check, forget."""

from __future__ import annotations

from ._app import app  # noqa: F401
