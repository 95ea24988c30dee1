"""While a service runs, the objects of its startup are frozen out of the collector and the youngest generation
is collected at a higher threshold; the last app to stop puts the collector back as it found it (several apps run
nested in one test process)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal_runtime.heap import YOUNG_THRESHOLD
from portal_runtime.testing.apps import running


@pytest.fixture
def default_collector() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)


def _delegation(tmp_path: Path, name: str):  # type: ignore[no-untyped-def]
    from delegation.config import Settings
    from delegation.main import create_app

    return create_app(Settings(environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path}/{name}.db"))


async def test_a_running_service_collects_young_objects_less_often_and_the_last_to_stop_restores_it(
    tmp_path: Path, default_collector: tuple[int, int, int]
) -> None:
    async with running(_delegation(tmp_path, "outer")):
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
        assert gc.get_freeze_count() > 0
        async with running(_delegation(tmp_path, "inner")):
            assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
        # The outer app still runs: its tuning stays.
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    assert gc.get_threshold() == default_collector
    assert gc.get_freeze_count() == 0
