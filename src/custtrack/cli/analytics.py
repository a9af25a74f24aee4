"""analytics commands (registered on the root app)."""

from __future__ import annotations

from ._app import app  # noqa: F401
