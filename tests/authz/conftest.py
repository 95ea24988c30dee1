"""The whole portal over real HTTP (see portal_runtime.testing.stack), with the gateway's decision cache and its
invalidation consumer tuned for a test broker (fast group joins), so revocation can be timed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from portal_runtime.testing.infra import PostgresServer, TansuBroker
from portal_runtime.testing.stack import Portal, running_portal

FAST_GATEWAY_EVENTS = {
    "decision_cache_ttl_s": 5.0,
    "decision_events_session_timeout_ms": 1000,
    "decision_events_heartbeat_interval_ms": 100,
}


@pytest.fixture
async def portal(postgres: PostgresServer, tansu: TansuBroker) -> AsyncIterator[Portal]:
    async with running_portal(postgres, tansu, **FAST_GATEWAY_EVENTS) as stack:
        yield stack
