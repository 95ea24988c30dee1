"""The whole portal over real HTTP (see portal_runtime.testing.stack)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from portal_runtime.testing.infra import PostgresServer, TansuBroker
from portal_runtime.testing.stack import Portal, running_portal


@pytest.fixture
async def portal(postgres: PostgresServer, tansu: TansuBroker) -> AsyncIterator[Portal]:
    async with running_portal(postgres, tansu) as stack:
        yield stack
