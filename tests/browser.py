"""Headless Chromium for the tests: Debian's /usr/bin/chromium driven by Playwright (Playwright's
own browser downloads are not used). `.ci/run` installs chromium and a CJK font when missing.

    with chromium_browser() as browser:
        with visit(browser, path, width=390) as v:   # file://path, loaded
            v.page.screenshot(path=...)              # v.requests, v.errors: what it asked, said
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# CI runs as root (no sandbox then) on a machine without network: nothing may phone home
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
]


def chromium() -> str | None:
    """The Chromium to drive: $CUSTTRACK_CHROMIUM, Debian's, or one on PATH (None: none)."""
    for candidate in (os.environ.get("CUSTTRACK_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def chromium_browser() -> Iterator[Any]:
    """A headless Chromium (a Playwright Browser), closed at the end."""
    from playwright.sync_api import sync_playwright

    exe = chromium()
    if exe is None:
        raise RuntimeError("no chromium: apt-get install chromium (or set CUSTTRACK_CHROMIUM)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """An open page, with every request it made and every error or warning it reported."""

    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextmanager
def visit(browser: Any, path: Path, *, width: int = 1280, height: int = 900) -> Iterator[Visit]:
    """`path` opened in a fresh page of `browser` at width × height CSS pixels, fully loaded."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        seen = Visit(page)
        page.on("request", lambda r: seen.requests.append(r.url))
        page.on("requestfailed", lambda r: seen.errors.append(f"request failed: {r.url}"))
        page.on("pageerror", lambda exc: seen.errors.append(f"page error: {exc}"))

        def console(message: Any) -> None:
            if message.type in ("error", "warning"):
                seen.errors.append(f"console {message.type}: {message.text}")

        page.on("console", console)
        page.goto(path.resolve().as_uri(), wait_until="load")
        yield seen
    finally:
        context.close()
