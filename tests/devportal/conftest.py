"""The developer portal in a real browser (portal_runtime.testing.browser) against the whole portal over real HTTP
(portal_runtime.testing.stack)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page

from portal_runtime.testing.browser import ChromiumMissing, Watch, chromium
from portal_runtime.testing.infra import PostgresServer, TansuBroker
from portal_runtime.testing.stack import Portal, running_portal


@pytest.fixture
async def portal(postgres: PostgresServer, tansu: TansuBroker) -> AsyncIterator[Portal]:
    async with running_portal(postgres, tansu) as stack:
        yield stack


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    """Chromium with a fresh profile; fails (never skips) when the system browser is missing."""
    try:
        async with chromium(tmp_path / "chromium-profile") as context:
            yield context
    except ChromiumMissing as missing:
        pytest.fail(str(missing))


@pytest.fixture
async def watched_page(browser: BrowserContext) -> AsyncIterator[tuple[Page, Watch]]:
    """A page whose every request is checked (see Watch); the test asserts it stayed clean."""
    watch = Watch()
    await browser.route("**/*", watch.guard)
    page = await browser.new_page()
    page.on("console", watch.on_console)
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    page.on("requestfailed", watch.on_request_failed)
    yield page, watch
