"""A service's own topic exists from its start, before its first event: whoever reads it can be current from the
start (the gateway's token-revocation feed reads identity's topic; without it, it asks identity per request)."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from portal_runtime.messaging import topic_for
from portal_runtime.service import ServiceRuntime, ServiceSpec
from portal_runtime.settings import ServiceSettings
from portal_runtime.testing.infra import TansuBroker, wait_for

from .conftest import Shop

pytestmark = pytest.mark.integration


async def topics(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def test_a_service_creates_the_topic_it_publishes_to_when_it_starts(tansu: TansuBroker, tmp_path: Any) -> None:
    schema = Shop()
    spec = ServiceSpec(
        name="shop",
        package="shop",
        title="Shop",
        description="A service that has published nothing yet.",
        metadata=schema.metadata,
        tables=schema.tables,
        routers=[],
    )
    settings = ServiceSettings(
        environment="test",
        service_name="shop",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/shop.db",
        auto_migrate=False,
        consumers_enabled=False,
        kafka_bootstrap_servers=tansu.bootstrap,
    )
    runtime = ServiceRuntime(spec, settings)
    assert topic_for("shop") not in await topics(tansu.bootstrap)
    await runtime.start()
    try:
        await wait_for(lambda: _has(tansu.bootstrap, topic_for("shop")), within=20)
        assert runtime.relay.published_total == 0
    finally:
        await runtime.stop()


async def _has(bootstrap: str, topic: str) -> bool:
    return topic in await topics(bootstrap)
