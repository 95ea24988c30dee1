"""Two delegation replicas on one PostgreSQL database and a Tansu broker: a change written through replica 1 reaches
replica 2's decision index through delegation's own topic within a second; while the broker is away replica 2
answers from the tables (and stays correct), and its index answers again once the feed has caught up."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest

from delegation.config import Settings
from delegation.decisions.live import LiveIndex, live_index
from delegation.main import create_app
from delegation.roles import Role
from portal_runtime.bus import InMemoryBus
from portal_runtime.testing.apps import running
from portal_runtime.testing.infra import TansuBroker, wait_for

from ..api.factories import BN, RM1, Portal, Relationships

pytestmark = pytest.mark.integration

FAST = {
    "environment": "test",
    "consumer_session_timeout_ms": 1000,
    "consumer_heartbeat_interval_ms": 100,
    "relay_poll_interval_s": 0.05,
    "kafka_topic_partitions": 3,
    "group_operation_interval_s": 0.0,
    "relationship_expiry_interval_s": 0.0,
}


@asynccontextmanager
async def replica(
    pg_url: str, tansu: TansuBroker, public_jwk: str, as_context: Callable[..., dict[str, str]]
) -> AsyncIterator[Portal]:
    settings = Settings(
        database_url=pg_url, kafka_bootstrap_servers=tansu.bootstrap, context_public_key=public_jwk, **FAST
    )
    async with running(create_app(settings)) as (app, client):
        yield Portal(app, client, InMemoryBus(), as_context)


def index_of(portal: Portal) -> LiveIndex:
    live = live_index(portal.runtime)
    assert live is not None and live.feed is not None  # a broker is configured: the feed is followed
    return live


async def seen_within(portal: Portal, user: str, expected: Callable[[dict[str, Any]], bool], within: float) -> float:
    """How long until ``portal``'s decision for ``user`` on BN satisfies ``expected`` (answered by its index)."""
    live = index_of(portal)
    started = time.monotonic()

    async def check() -> bool:
        before = live.answered
        decision = await portal.decide(user, BN, RM1)
        return expected(decision) and live.answered == before + 1

    await wait_for(check, within=within, interval=0.01)
    return time.monotonic() - started


def role(name: str | None) -> Callable[[dict[str, Any]], bool]:
    return lambda d: (d["role"] if d["allow"] else None) == name


async def test_a_change_through_one_replica_reaches_the_other(
    pg_url: str, tansu: TansuBroker, context_public_jwk: str, as_context: Callable[..., dict[str, str]]
) -> None:
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(replica(pg_url, tansu, context_public_jwk, as_context))
        two = await stack.enter_async_context(replica(pg_url, tansu, context_public_jwk, as_context))
        await wait_for(lambda: index_of(one).usable() and index_of(two).usable(), within=20)

        rel = Relationships(one)
        await rel.setup()  # registrations, through replica 1's inbox
        await seen_within(two, "bam-1", role("bam"), within=1.0)

        delays = []
        await rel.hire("sp-editor", Role.EDITOR)
        relationship = await rel.establish()
        delays.append(await seen_within(two, "sp-bam", role("proxy_bam"), within=1.0))
        assert (await rel.assign(relationship["id"], "sp-editor", "viewer")).status_code == 200
        delays.append(await seen_within(two, "sp-editor", role("proxy_viewer"), within=1.0))
        await one.employ("clerk", Role.EDITOR, [RM1])
        delays.append(await seen_within(two, "clerk", role("editor"), within=1.0))
        changed = await one.client.put(
            f"/v1/businesses/{BN}/employees/clerk",
            json={"role": "viewer", "programs": "all"},
            headers=one.acting("bam-1", Role.BAM),
        )
        assert changed.status_code == 200, changed.text
        delays.append(await seen_within(two, "clerk", role("viewer"), within=1.0))
        assert max(delays) < 1.0, delays

        # The broker goes away: replica 2 no longer trusts its index and reads the tables.
        tansu.stop()
        try:
            live = index_of(two)
            await wait_for(lambda: live.usable() is None, within=5)
            ended = await rel.end(relationship["id"])
            assert ended.status_code == 200, ended.text
            bypassed = live.bypassed
            assert role("expired")(await two.decide("sp-bam", BN))
            assert not (await two.decide("sp-editor", BN))["allow"]
            assert live.bypassed == bypassed + 2
        finally:
            tansu.start()

        # Back: the feed catches up, the index is rebuilt and answers again, with the change of the outage.
        await seen_within(two, "sp-bam", role("expired"), within=30)
        await seen_within(two, "sp-editor", role(None), within=1.0)
        removed = await one.client.delete(f"/v1/businesses/{BN}/employees/clerk", headers=one.acting("bam-1", Role.BAM))
        assert removed.status_code == 204, removed.text
        await seen_within(two, "clerk", role(None), within=1.0)
