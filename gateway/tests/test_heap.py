"""The gateway tunes the garbage collector as the services do once it has started (portal_runtime.heap)."""

from __future__ import annotations

import gc
from pathlib import Path

from portal_gateway.config import Settings
from portal_gateway.main import create_app
from portal_runtime.heap import YOUNG_THRESHOLD
from portal_runtime.testing.apps import running

SERVICES = ("identity", "business-registry", "delegation", "ledger", "rulings", "notifications")


async def test_the_gateway_raises_the_young_threshold_when_it_has_started(tmp_path: Path) -> None:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        app = create_app(
            Settings(
                environment="test",
                services={name: "http://127.0.0.1:1" for name in SERVICES},
                database_url=f"sqlite+aiosqlite:///{tmp_path}/gateway.db",
                kafka_bootstrap_servers="127.0.0.1:1",
                outage_poll_interval_s=0,
            )
        )
        async with running(app):
            assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
            assert gc.get_freeze_count() > 0
    finally:
        gc.set_threshold(*before)
