"""The decision cache: what it keeps, how long, and how delegation's events (and a lost feed) drop it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka import TopicPartition
from prometheus_client import CollectorRegistry

from portal_contracts.internal import Decision, DecisionRequest
from portal_gateway.decision_cache import (
    CachedDecisions,
    DecisionCache,
    DecisionCacheMetrics,
    FeedSettings,
    InvalidationFeed,
    businesses_named,
    users_named,
)
from portal_runtime.bus import KafkaPublisher
from portal_runtime.kafka import encode
from portal_runtime.messaging import EventRecord, topic_for
from portal_runtime.settings import ServiceSettings
from portal_runtime.testing.infra import TansuBroker, wait_for

BN = "123456789"
OTHER_BN = "987654321"
UNRELATED_BN = "555555555"  # nobody is associated with it
PROVIDER_BN = "111111118"
BN15 = f"{BN}RM0001"
USER = "user-42"
TOPIC = topic_for("delegation")
ALLOW = Decision(allow=True, reason="employee", role="viewer", scopes=["financial:read"])
DENY = Decision(allow=False, reason="not_associated")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeSource:
    """Delegation: ``answer`` for USER on BN, a viewer's answer elsewhere, a denial on UNRELATED_BN; records every
    question."""

    asked: list[DecisionRequest] = field(default_factory=list)
    during: Callable[[], object] | None = None  # runs while a question is in flight
    answer: Decision = field(default_factory=lambda: ALLOW)  # what USER gets on BN

    async def decide(self, request: DecisionRequest) -> Decision:
        self.asked.append(request)
        if self.during is not None:
            self.during()
        if request.business == UNRELATED_BN:
            return DENY
        return self.answer if (request.user_id, request.business) == (USER, BN) else ALLOW


@dataclass
class FakeFreshness:
    current: bool = True

    def is_current(self) -> bool:
        return self.current


@dataclass
class Cached:
    decisions: CachedDecisions
    source: FakeSource
    cache: DecisionCache
    freshness: FakeFreshness
    clock: FakeClock
    registry: CollectorRegistry

    async def ask(
        self, business: str = BN, user: str = USER, program_account: str | None = None, scope: str | None = None
    ) -> Decision:
        return await self.decisions.decide(
            DecisionRequest(user_id=user, business=business, program_account=program_account, scope=scope)
        )

    def count(self, outcome: str) -> float:
        value = self.registry.get_sample_value("gateway_decision_cache_lookups_total", {"outcome": outcome})
        return value or 0.0


def cached(ttl_s: float = 5.0, size: int = 100) -> Cached:
    clock, source, freshness, registry = FakeClock(), FakeSource(), FakeFreshness(), CollectorRegistry()
    cache = DecisionCache(ttl_s, size, clock)
    decisions = CachedDecisions(source, cache, freshness, DecisionCacheMetrics(registry), clock)
    return Cached(decisions, source, cache, freshness, clock, registry)


def delegation_event(key: str, **data: Any) -> EventRecord:
    return EventRecord(
        type="delegation.relationship.ended.v1", source="delegation", data=data, partition_key=key, topic=TOPIC
    )


# --- The cache in front of delegation ----------------------------------------------------------------------


async def test_a_repeated_question_is_answered_from_the_cache() -> None:
    c = cached()
    assert await c.ask() == ALLOW
    assert await c.ask() == ALLOW
    assert len(c.source.asked) == 1
    assert (c.count("miss"), c.count("hit")) == (1, 1)


async def test_a_denial_is_never_cached_so_a_grant_works_on_the_next_call() -> None:
    c = cached()
    assert await c.ask(UNRELATED_BN) == DENY
    assert await c.ask(UNRELATED_BN) == DENY
    assert len(c.source.asked) == 2
    assert len(c.cache) == 0


async def test_a_cached_answer_that_does_not_give_the_scope_asked_is_confirmed_by_delegation() -> None:
    # A viewer promoted to editor: the cached viewer answer does not allow a write, so delegation is asked again
    # (and its new answer replaces the old one) instead of refusing from the cache.
    c = cached()
    assert await c.ask(scope="financial:read") == ALLOW
    assert await c.ask(scope="financial:read") == ALLOW
    assert len(c.source.asked) == 1
    promoted = Decision(allow=True, reason="employee", role="editor", scopes=["financial:read", "financial:write"])
    c.source.answer = promoted
    assert await c.ask(scope="financial:write") == promoted
    assert await c.ask(scope="financial:write") == promoted
    assert len(c.source.asked) == 2
    assert (c.count("hit"), c.count("miss"), c.count("confirm")) == (2, 1, 1)


async def test_a_cached_answer_limited_to_other_program_accounts_is_confirmed_by_delegation() -> None:
    c = cached()
    c.source.answer = ALLOW.model_copy(update={"program_accounts": [f"{BN}RM0002"]})
    await c.ask(program_account=BN15)
    await c.ask(program_account=BN15)
    assert len(c.source.asked) == 2


async def test_user_business_and_program_account_each_make_a_different_entry() -> None:
    c = cached()
    await c.ask()
    await c.ask(program_account=BN15)
    await c.ask(user="someone-else")
    await c.ask(OTHER_BN)
    assert len(c.source.asked) == 4
    await c.ask(UNRELATED_BN)
    assert len(c.source.asked) == 5
    assert len(c.cache) == 4  # the denial is not kept


async def test_an_entry_expires_after_the_ttl() -> None:
    c = cached(ttl_s=5.0)
    await c.ask()
    c.clock.now += 4.9
    await c.ask()
    assert len(c.source.asked) == 1
    c.clock.now += 0.1  # 5 s after the question
    await c.ask()
    assert len(c.source.asked) == 2


async def test_the_cache_keeps_the_most_recently_used_entries_up_to_its_size() -> None:
    c = cached(size=2)
    await c.ask(BN)
    await c.ask(OTHER_BN)
    await c.ask(BN)  # BN is now the most recently used
    await c.ask(PROVIDER_BN)  # evicts OTHER_BN
    assert len(c.cache) == 2
    asked_before = len(c.source.asked)
    await c.ask(BN)
    assert len(c.source.asked) == asked_before
    await c.ask(OTHER_BN)
    assert len(c.source.asked) == asked_before + 1


async def test_while_the_feed_is_not_current_every_question_goes_to_delegation_and_nothing_is_kept() -> None:
    c = cached()
    await c.ask()
    c.freshness.current = False
    await c.ask()
    await c.ask(OTHER_BN)
    assert len(c.source.asked) == 3
    assert c.count("bypass") == 2
    assert len(c.cache) == 1  # the OTHER_BN answer was not stored


async def test_an_answer_fetched_across_an_invalidation_is_not_stored() -> None:
    c = cached()
    c.source.during = lambda: c.cache.invalidate([BN])
    await c.ask()
    assert len(c.cache) == 0
    c.source.during = None
    await c.ask()
    await c.ask()
    assert len(c.source.asked) == 2


# --- Invalidation by delegation's events -------------------------------------------------------------------


def feed_for(c: Cached, clock: Callable[[], float] | None = None) -> InvalidationFeed:
    return InvalidationFeed(
        FeedSettings("127.0.0.1:1", TOPIC), c.cache, DecisionCacheMetrics(CollectorRegistry()), clock=clock or c.clock
    )


async def deliver(feed: InvalidationFeed, record: EventRecord) -> None:
    key, value, _ = encode(record)
    await feed.receive([(key, value, TOPIC)])


async def test_an_event_drops_every_entry_of_the_business_it_is_keyed_by() -> None:
    c = cached()
    feed = feed_for(c)
    await c.ask(BN)
    await c.ask(BN, program_account=BN15)
    await c.ask(BN, user="another-user")
    await c.ask(OTHER_BN)
    await deliver(feed, delegation_event(BN, bn=BN, user_id="new-clerk", role="viewer", programs="all"))
    assert len(c.cache) == 1
    asked_before = len(c.source.asked)
    await c.ask(OTHER_BN)
    assert len(c.source.asked) == asked_before
    await c.ask(BN)
    assert len(c.source.asked) == asked_before + 1


async def test_a_relationship_event_also_drops_the_provider_named_in_its_payload() -> None:
    c = cached()
    feed = feed_for(c)
    await c.ask(PROVIDER_BN)
    await c.ask(BN)
    await c.ask(OTHER_BN)
    await deliver(feed, delegation_event(BN, provider_bn=PROVIDER_BN, client_bn=BN))
    assert len(c.cache) == 1
    await c.ask(OTHER_BN)
    assert len(c.source.asked) == 3


async def test_a_group_event_drops_every_client_it_lists() -> None:
    c = cached()
    feed = feed_for(c)
    for bn in (PROVIDER_BN, BN, OTHER_BN):
        await c.ask(bn)
    await deliver(feed, delegation_event(PROVIDER_BN, provider_bn=PROVIDER_BN, client_bns=[BN, OTHER_BN]))
    assert len(c.cache) == 0


async def test_an_event_about_a_user_drops_that_users_entries_on_every_business() -> None:
    c = cached()
    feed = feed_for(c)
    await c.ask(BN)  # USER acts for the client BN through the provider
    await c.ask(OTHER_BN)
    await c.ask(BN, user="another-user")
    # A provider manager changes USER's role at the provider: the event names the provider and the user only.
    await deliver(feed, delegation_event(PROVIDER_BN, bn=PROVIDER_BN, user_id=USER, role="viewer", previous_role="pam"))
    assert sorted(key[:2] for key in c.cache._entries) == [("another-user", BN)]


async def test_a_revoked_employee_event_drops_its_clients_and_its_user() -> None:
    c = cached()
    feed = feed_for(c)
    await c.ask(BN, user="client-employee")
    await c.ask(OTHER_BN, user="someone")
    await deliver(feed, delegation_event(PROVIDER_BN, bn=PROVIDER_BN, user_id=USER, client_bns=[BN], revoked_by="bam"))
    assert [key[:2] for key in c.cache._entries] == [("someone", OTHER_BN)]


async def test_an_unreadable_event_empties_the_cache() -> None:
    c = cached()
    feed = feed_for(c)
    await c.ask(BN)
    await c.ask(OTHER_BN)
    await feed.receive([(b"555555555", b"not a cloud event", TOPIC)])
    assert len(c.cache) == 0


def test_the_businesses_an_event_names_are_its_key_and_the_payload_bns() -> None:
    assert businesses_named(BN, {"provider_bn": PROVIDER_BN, "client_bn": BN, "user_id": "123456789x"}) == {
        BN,
        PROVIDER_BN,
    }
    assert businesses_named(None, {"client_bns": [BN, "nonsense", 7], "bn": OTHER_BN}) == {BN, OTHER_BN}
    assert businesses_named("not-a-bn", {}) == set()


def test_the_users_an_event_names_are_the_users_whose_rights_change() -> None:
    data = {"user_id": "u1", "requester_user_id": "u2", "user_ids": ["u3", 4], "decided_by": "bam", "x": "u5"}
    assert users_named(data) == {"u1", "u2", "u3"}


# --- Whether the feed is current ---------------------------------------------------------------------------


@dataclass
class FakeConsumer:
    """What the probe reads: the assignment, the broker's end offsets and the consumer's positions."""

    ends: dict[TopicPartition, int]
    positions: dict[TopicPartition, int]

    def assignment(self) -> set[TopicPartition]:
        return set(self.ends)

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {p: self.ends[p] for p in partitions}

    async def position(self, partition: TopicPartition) -> int:
        return self.positions[partition]


async def test_the_feed_is_current_only_when_caught_up_a_moment_ago() -> None:
    c = cached()
    feed = feed_for(c)
    p0, p1 = TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)
    consumer = FakeConsumer(ends={p0: 3, p1: 5}, positions={p0: 3, p1: 4})
    assert not feed.is_current()
    await feed._probe(consumer)  # type: ignore[arg-type]
    assert not feed.is_current()  # one event still to read
    consumer.positions[p1] = 5
    await feed._probe(consumer)  # type: ignore[arg-type]
    assert feed.is_current()
    c.clock.now += 0.49
    assert feed.is_current()
    c.clock.now += 0.01
    assert not feed.is_current()


async def test_catching_up_after_a_gap_empties_the_cache() -> None:
    c = cached()
    feed = feed_for(c)
    p0 = TopicPartition(TOPIC, 0)
    consumer = FakeConsumer(ends={p0: 1}, positions={p0: 1})
    await feed._probe(consumer)  # type: ignore[arg-type]
    await c.ask()
    await feed._probe(consumer)  # type: ignore[arg-type]
    assert len(c.cache) == 1  # still current: nothing dropped
    c.clock.now += 2  # the feed stalled: events may have been missed
    await feed._probe(consumer)  # type: ignore[arg-type]
    assert feed.is_current()
    assert len(c.cache) == 0


async def test_a_feed_without_partitions_is_not_current() -> None:
    c = cached()
    feed = feed_for(c)
    await feed._probe(FakeConsumer(ends={}, positions={}))  # type: ignore[arg-type]
    assert not feed.is_current()


# --- With a real broker ------------------------------------------------------------------------------------


def publisher_for(tansu: TansuBroker) -> KafkaPublisher:
    return KafkaPublisher(
        ServiceSettings(service_name="delegation", kafka_bootstrap_servers=tansu.bootstrap, environment="test")
    )


@pytest.fixture
async def publisher(tansu: TansuBroker) -> AsyncIterator[KafkaPublisher]:
    publisher = publisher_for(tansu)
    # The topic exists before the gateway subscribes, as it does once delegation has published anything.
    assert await publisher.publish([delegation_event(OTHER_BN, bn=OTHER_BN)]) == [None]
    yield publisher
    await publisher.close()


@pytest.mark.integration
async def test_a_published_delegation_event_drops_the_cached_decision_within_a_second(
    tansu: TansuBroker, publisher: KafkaPublisher
) -> None:
    registry, source, cache = CollectorRegistry(), FakeSource(), DecisionCache(5.0, 100)
    metrics = DecisionCacheMetrics(registry)
    feed = InvalidationFeed(
        FeedSettings(tansu.bootstrap, TOPIC, session_timeout_ms=1000, heartbeat_interval_ms=100), cache, metrics
    )
    c = Cached(CachedDecisions(source, cache, feed, metrics), source, cache, FakeFreshness(), FakeClock(), registry)
    feed.start()
    try:
        await wait_for(feed.is_current, within=15)
        await c.ask(BN)
        await c.ask(OTHER_BN)
        await c.ask(BN)
        assert len(c.source.asked) == 2
        assert len(c.cache) == 2

        published_at = time.monotonic()
        assert await publisher.publish([delegation_event(BN, bn=BN, user_id="new-clerk")]) == [None]
        await wait_for(lambda: c.cache.get((USER, BN, None)) is None, within=1.0, interval=0.01)
        assert time.monotonic() - published_at < 1.0
        assert c.cache.get((USER, OTHER_BN, None)) == ALLOW

        # Broker outage: within the staleness bound the cache stops answering, and what it held is gone.
        tansu.stop()
        await wait_for(lambda: not feed.is_current(), within=1.0, interval=0.01)
        asked_before = len(c.source.asked)
        await c.ask(OTHER_BN)
        await c.ask(OTHER_BN)
        assert len(c.source.asked) == asked_before + 2
        tansu.start()
        await wait_for(feed.is_current, within=20)
        assert c.registry.get_sample_value("gateway_decision_cache_feed_current") == 1.0
        assert (c.registry.get_sample_value("gateway_decision_cache_invalidations_total") or 0) >= 1
        assert len(c.cache) == 0  # nothing from before the outage survives it
    finally:
        await feed.stop()
    assert not feed.is_current()


@pytest.mark.integration
async def test_the_feed_joins_its_group_with_the_deployed_session_timeout(
    tansu: TansuBroker, publisher: KafkaPublisher
) -> None:
    """With the defaults `make run` and deployments use (a 10 s session), not the tests' short one: Tansu answers a
    group join after about half the session timeout, and a request timeout shorter than that (it was 5 s) failed
    every join, for ever, so the cache never served (found in `make run`'s log)."""
    registry, cache = CollectorRegistry(), DecisionCache(5.0, 100)
    feed = InvalidationFeed(FeedSettings(tansu.bootstrap, TOPIC), cache, DecisionCacheMetrics(registry))
    feed.start()
    try:
        await wait_for(feed.is_current, within=25)
    finally:
        await feed.stop()


@pytest.mark.integration
async def test_the_gateway_reflects_a_revocation_within_a_second(
    tansu: TansuBroker,
    publisher: KafkaPublisher,
    make_stack: Callable[..., AbstractAsyncContextManager[Any]],
) -> None:
    async with make_stack(
        kafka_bootstrap_servers=tansu.bootstrap,
        decision_events_session_timeout_ms=1000,
        decision_events_heartbeat_interval_ms=100,
    ) as stack:
        feed = stack.gateway.state.gateway.invalidation
        assert feed is not None
        await wait_for(feed.is_current, within=15)
        stack.grants.grant(stack.user, BN, ["financial:read"], role="viewer")
        headers = stack.bearer(scopes=["financial:read"])
        for _ in range(3):
            assert (await stack.client.get(f"/v1/businesses/{BN}/balance", headers=headers)).status_code == 200
        assert len(stack.grants.asked) == 1

        del stack.grants.decisions[(stack.user, BN)]  # delegation removes the employee ...
        removed_at = time.monotonic()
        assert await publisher.publish([delegation_event(BN, bn=BN, user_id=stack.user)]) == [None]  # ... and says so

        async def refused() -> bool:
            response = await stack.client.get(f"/v1/businesses/{BN}/balance", headers=headers)
            return response.status_code == 403

        await wait_for(refused, within=1.0, interval=0.02)
        assert time.monotonic() - removed_at < 1.0
        metrics = (await stack.client.get("/metrics")).text
        assert 'gateway_decision_cache_lookups_total{outcome="hit"}' in metrics
    assert not feed.is_current()
