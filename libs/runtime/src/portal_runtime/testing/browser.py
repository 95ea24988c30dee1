"""A real browser for tests: Debian's Chromium (``/usr/bin/chromium``, installed by ``make system-deps``) driven by
Playwright, whose own browser downloads are never used. Started headless with a fresh profile and without any of
Chromium's background traffic; :class:`Watch` records what a page did that a test should fail on.

Playwright is a development dependency: import this module from tests only."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, ConsoleMessage, Request, Route, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1"}


@dataclass
class Watch:
    """Everything the page did that a test fails on: requests to other hosts, console errors, page errors,
    requests that failed."""

    outside: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)

    async def guard(self, route: Route) -> None:
        """Every request of the browser passes here: one to any host but 127.0.0.1 is recorded and blocked."""
        url = route.request.url
        self.requested.append(url)
        if urlsplit(url).hostname not in LOCAL_HOSTS:
            self.outside.append(url)
            await route.abort("blockedbyclient")
            return
        await route.continue_()

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location})")

    def on_request_failed(self, request: Request) -> None:
        self.failed.append(f"{request.method} {request.url}: {request.failure}")

    def assert_clean(self) -> None:
        assert self.outside == [], f"requests left 127.0.0.1: {self.outside}"
        assert self.console_errors == [], self.console_errors
        assert self.page_errors == [], self.page_errors
        assert self.failed == [], self.failed


class ChromiumMissing(RuntimeError):
    pass


@asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[BrowserContext]:
    """Headless Chromium with a fresh profile in ``profile``; :class:`ChromiumMissing` when it is not installed."""
    if not os.access(CHROMIUM, os.X_OK):
        raise ChromiumMissing(f"{CHROMIUM} is missing: run `make system-deps` (as root; it apt-get installs chromium)")
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            service_workers="block",
        )
        try:
            yield context
        finally:
            await context.close()
