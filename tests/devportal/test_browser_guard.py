"""The browser harness itself: it fails (not skips) without Chromium, and it blocks and reports any request to a
host other than 127.0.0.1 (the request never leaves the machine)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page

from portal_runtime.testing import browser
from portal_runtime.testing.browser import ChromiumMissing, Watch


async def test_a_missing_chromium_names_the_make_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")

    with pytest.raises(ChromiumMissing, match="make system-deps"):
        async with browser.chromium(tmp_path / "profile"):
            pass


async def test_requests_to_other_hosts_are_blocked_and_recorded(watched_page: tuple[Page, Watch]) -> None:
    page, watch = watched_page
    await page.set_content("<p>offline</p>")

    outcome = await page.evaluate(
        "fetch('https://cdn.example.invalid/swagger-ui.css').then(() => 'fetched', e => 'blocked: ' + e.name)"
    )

    assert outcome == "blocked: TypeError"
    assert watch.outside == ["https://cdn.example.invalid/swagger-ui.css"]
    assert watch.failed and "net::ERR_BLOCKED_BY_CLIENT" in watch.failed[0]
