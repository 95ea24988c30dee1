"""Access tokens revoked before they expire: the denylist, identity's event feed into it, and the fallback to
identity while that feed is not current (portal_gateway.revocation)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from joserfc import jwt
from prometheus_client import CollectorRegistry

from identity.oauth.models import RevokedAccessToken
from portal_contracts.events.identity import (
    AccessTokenRevoked,
    ClientTokensRevoked,
    LoginTokensRevoked,
    UserTokensRevoked,
)
from portal_gateway.auth import Principal
from portal_gateway.revocation import (
    Denylist,
    RevocationFeed,
    RevocationFeedSettings,
    RevocationMetrics,
    RevocationStatusClient,
)
from portal_runtime.bus import KafkaPublisher
from portal_runtime.messaging import EventRecord, topic_for
from portal_runtime.settings import ServiceSettings
from portal_runtime.testing.infra import TansuBroker, free_port, wait_for

TOPIC = topic_for("identity")
NOW = 1_800_000_000.0


class WallClock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(NOW + seconds, UTC)


def user(subject: str = "u1", *, iat: float | None = NOW - 60, sid: str | None = "s1", jti: str = "j1") -> Principal:
    return Principal(subject, "user", frozenset(), True, None, token_id=jti, session_id=sid, issued_at=iat)


def client(client_id: str = "bc_1", *, iat: float = NOW - 60) -> Principal:
    return Principal(f"client:{client_id}", "client", frozenset(), False, client_id, token_id="jc", issued_at=iat)


def add(denylist: Denylist, *events: Any) -> None:
    for event in events:
        assert denylist.add(event.event_type, event.model_dump(mode="json"))


def test_the_denylist_refuses_what_each_revocation_covers_and_nothing_else() -> None:
    clock = WallClock()
    denylist = Denylist(leeway_s=10, clock=clock)
    add(
        denylist,
        AccessTokenRevoked(reason="token_revoked", jti="j1", issued_before=at(0), keep_until=at(300)),
        LoginTokensRevoked(
            reason="refresh_token_reused", session_id="s2", user_id="u2", issued_before=at(0), keep_until=at(900)
        ),
        ClientTokensRevoked(reason="client_secret_rotated", client_id="bc_1", issued_before=at(0), keep_until=at(300)),
        UserTokensRevoked(
            reason="password_changed",
            user_id="u3",
            except_session_id="kept",
            issued_before=at(0),
            keep_until=at(900),
        ),
    )
    assert denylist.reason(user(jti="j1")) == "token_revoked"
    assert denylist.reason(user(jti="j9")) is None
    assert denylist.reason(user("u2", sid="s2", jti="j2")) == "refresh_token_reused"
    assert denylist.reason(client()) == "client_secret_rotated"
    assert denylist.reason(client(iat=NOW + 1)) is None  # obtained with the new secret
    assert denylist.reason(client("bc_2")) is None
    assert denylist.reason(user("u3", sid="other", jti="j3")) == "password_changed"
    assert denylist.reason(user("u3", sid="kept", jti="j4")) is None  # the login that changed the password
    assert denylist.reason(user("u3", sid=None, iat=None, jti="j5")) == "password_changed"  # undated: oldest
    assert denylist.reason(user("u3", sid="other", iat=NOW + 1, jti="j6")) is None  # signed in again since
    assert len(denylist) == 4

    # Entries go once every token they cover has expired (and the gateway's leeway past it).
    clock.now = NOW + 300 + 10 + 1
    assert denylist.prune() == 2
    assert denylist.reason(user(jti="j1")) is None
    assert denylist.reason(user("u3", sid="other", jti="j3")) == "password_changed"
    clock.now = NOW + 900 + 10 + 1
    assert denylist.prune() == 2
    assert len(denylist) == 0


def test_a_later_revocation_of_a_client_extends_the_entry_and_other_events_are_ignored() -> None:
    denylist = Denylist(clock=WallClock())
    add(
        denylist,
        ClientTokensRevoked(reason="client_secret_rotated", client_id="bc_1", issued_before=at(0), keep_until=at(300)),
        ClientTokensRevoked(reason="client_revoked", client_id="bc_1", issued_before=at(400), keep_until=at(400)),
    )
    assert denylist.reason(client(iat=NOW + 100)) == "client_revoked"
    assert len(denylist) == 1
    assert not denylist.add("identity.user.registered.v1", {"user_id": "u1", "username": "x"})
    with pytest.raises(KeyError):
        denylist.add(AccessTokenRevoked.event_type, {"reason": "token_revoked"})


# --- While the feed is not current: identity is asked ------------------------------------------------------


def metric(stack: Any, outcome: str) -> float:
    registry = stack.gateway.state.metrics.registry
    return registry.get_sample_value("gateway_revocation_checks_total", {"outcome": outcome}) or 0.0


async def test_while_the_feed_is_not_current_the_gateway_asks_identity_and_refuses_a_revoked_token(
    make_stack: Callable[..., AbstractAsyncContextManager[Any]],
) -> None:
    # No broker at all (the stack's Kafka address refuses connections): the feed never becomes current.
    async with make_stack(revocation_fallback_ttl_s=60) as stack:
        assert not stack.gateway.state.gateway.revocation.feed.is_current()
        token = stack.token(scopes=[])
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(3):
            assert (await stack.client.get("/v1/me/statements", headers=headers)).status_code == 200
        assert (metric(stack, "identity"), metric(stack, "cached")) == (1.0, 2.0)  # one question per token and TTL

    async with make_stack(revocation_fallback_ttl_s=0) as stack:
        token = stack.token(scopes=[])
        headers = {"Authorization": f"Bearer {token}"}
        assert (await stack.client.get("/v1/me/statements", headers=headers)).status_code == 200
        claims = jwt.decode(token, stack.identity.state.keys._active, algorithms=["Ed25519"]).claims
        async with stack.identity.state.runtime.sessions() as session, session.begin():
            expires = datetime.fromtimestamp(claims["exp"], UTC)
            session.add(RevokedAccessToken(jti=claims["jti"], expires_at=expires, revoked_at=datetime.now(UTC)))
        refused = await stack.client.get("/v1/me/statements", headers=headers)
        assert refused.status_code == 401
        assert stack.problem(refused)["code"] == "token_revoked"
        assert 'error="invalid_token"' in refused.headers["www-authenticate"]
        assert metric(stack, "denied") == 1.0


async def test_concurrent_requests_with_one_token_ask_identity_once(
    make_stack: Callable[..., AbstractAsyncContextManager[Any]],
) -> None:
    async with make_stack(revocation_fallback_ttl_s=60) as stack:
        headers = {"Authorization": f"Bearer {stack.token(scopes=[])}"}
        answers = await asyncio.gather(*(stack.client.get("/v1/me/statements", headers=headers) for _ in range(20)))

        assert [r.status_code for r in answers] == [200] * 20
        # One question; the nineteen requests that came while it was asked shared its answer.
        assert (metric(stack, "identity"), metric(stack, "cached")) == (1.0, 19.0)


async def test_when_the_request_asking_identity_is_cancelled_the_one_waiting_asks_again() -> None:
    questions: list[bytes] = []
    first_may_answer = asyncio.Event()

    async def identity(request: httpx.Request) -> httpx.Response:
        questions.append(request.content)
        if len(questions) == 1:
            await first_may_answer.wait()  # never set: its asker is cancelled meanwhile
        return httpx.Response(200, json={"revoked": True, "reason": "token_revoked"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(identity)) as http:
        status = RevocationStatusClient("http://identity.test", http)
        metrics = RevocationMetrics(CollectorRegistry())
        asking = asyncio.create_task(status.reason(client(), metrics))
        await asyncio.sleep(0.05)
        waiting = asyncio.create_task(status.reason(client(), metrics))
        await asyncio.sleep(0.05)
        asking.cancel()

        assert await waiting == "token_revoked"
        assert len(questions) == 2
        with pytest.raises(asyncio.CancelledError):
            await asking


async def test_when_neither_the_feed_nor_identity_can_tell_the_token_is_refused_with_503(
    make_stack: Callable[..., AbstractAsyncContextManager[Any]],
) -> None:
    # Identity's keys are still known (its JWKS answers), but its internal API cannot be reached.
    closed = f"http://127.0.0.1:{free_port()}"
    services = {"identity": closed, "ledger": "http://ledger.test", "delegation": "http://delegation.test"}
    async with make_stack(services=services, jwks_url="http://identity.test/v1/oauth/jwks") as stack:
        refused = await stack.client.get("/v1/me/statements", headers=stack.bearer(scopes=[]))
        assert refused.status_code == 503
        problem = stack.problem(refused)
        assert problem["component"] == "identity"
        assert "revocation feed is not current" in problem["detail"]


# --- With a real broker ------------------------------------------------------------------------------------


def identity_event(payload: Any) -> EventRecord:
    return EventRecord(
        type=payload.event_type,
        source="identity",
        data=payload.model_dump(mode="json"),
        topic=TOPIC,
    )


@pytest.fixture
async def identity_publisher(tansu: TansuBroker) -> AsyncIterator[KafkaPublisher]:
    publisher = KafkaPublisher(
        ServiceSettings(service_name="identity", kafka_bootstrap_servers=tansu.bootstrap, environment="test")
    )
    yield publisher
    await publisher.close()


def revoked_jti(jti: str, *, keep_s: float = 300) -> EventRecord:
    now = datetime.now(UTC)
    return identity_event(
        AccessTokenRevoked(
            reason="token_revoked", jti=jti, issued_before=now, keep_until=now + timedelta(seconds=keep_s)
        )
    )


@pytest.mark.integration
async def test_the_feed_reads_back_what_was_revoked_before_it_started_and_follows_what_comes_after(
    tansu: TansuBroker, identity_publisher: KafkaPublisher
) -> None:
    # Revoked before this gateway replica started: a new replica must know it.
    assert await identity_publisher.publish([revoked_jti("before-start")]) == [None]
    denylist, metrics = Denylist(), RevocationMetrics(CollectorRegistry())
    feed = RevocationFeed(RevocationFeedSettings(tansu.bootstrap, TOPIC, lookback_s=60), denylist, metrics)
    feed.start()
    try:
        await wait_for(feed.is_current, within=15)
        assert denylist.reason(user(jti="before-start")) == "token_revoked"

        published_at = time.monotonic()
        assert await identity_publisher.publish([revoked_jti("after-start")]) == [None]
        await wait_for(lambda: denylist.reason(user(jti="after-start")) is not None, within=1.0, interval=0.01)
        assert time.monotonic() - published_at < 1.0

        # Broker outage: the feed stops being current within the staleness bound (identity is asked meanwhile);
        # when the broker is back the feed follows again and the denylist kept what it had.
        tansu.stop()
        await wait_for(lambda: not feed.is_current(), within=1.0, interval=0.01)
        tansu.start()
        assert await identity_publisher.publish([revoked_jti("during-outage")]) == [None]
        await wait_for(lambda: denylist.reason(user(jti="during-outage")) is not None, within=20)
        await wait_for(feed.is_current, within=20)
        assert denylist.reason(user(jti="before-start")) == "token_revoked"
        assert metrics.unreadable._value.get() == 0
    finally:
        await feed.stop()
    assert not feed.is_current()


@pytest.mark.integration
async def test_the_feed_skips_what_is_older_than_its_lookback(
    tansu: TansuBroker, identity_publisher: KafkaPublisher
) -> None:
    assert await identity_publisher.publish([revoked_jti("long-ago")]) == [None]
    await asyncio.sleep(0.3)
    denylist, metrics = Denylist(), RevocationMetrics(CollectorRegistry())
    feed = RevocationFeed(RevocationFeedSettings(tansu.bootstrap, TOPIC, lookback_s=0.2), denylist, metrics)
    feed.start()
    try:
        await wait_for(feed.is_current, within=15)
        assert len(denylist) == 0
        assert await identity_publisher.publish([revoked_jti("recent")]) == [None]
        await wait_for(lambda: denylist.reason(user(jti="recent")) is not None, within=1.0, interval=0.01)
        assert denylist.reason(user(jti="long-ago")) is None
    finally:
        await feed.stop()
