"""Once a service has started, the objects of its startup are frozen out of the collector and the youngest
generation is collected at a higher threshold."""

from __future__ import annotations

import gc
from pathlib import Path

from portal_runtime.heap import YOUNG_THRESHOLD
from portal_runtime.testing.apps import running


async def test_a_running_service_collects_young_objects_less_often(tmp_path: Path) -> None:
    from delegation.config import Settings
    from delegation.main import create_app

    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        app = create_app(Settings(environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path}/service.db"))
        async with running(app):
            assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
            assert gc.get_freeze_count() > 0
    finally:
        gc.set_threshold(*before)
