"""Access tokens revoked before they expire: a denylist fed by identity's events, checked after the signature.

The gateway verifies access tokens offline (:mod:`portal_gateway.auth`), so a token whose grant identity revoked
(RFC 7009 revocation, a revoked or rotated API client, a refresh-token family revoked for reuse, a user whose
credential was revoked, who changed their password or was deactivated) would otherwise work until it expires.
Identity publishes an event for each (``portal_contracts.events.identity``: by ``jti``, login ``sid``, API client
or user, with ``issued_before`` and ``keep_until``); :class:`RevocationFeed` reads identity's topic into a
:class:`Denylist`, whose entries go once the tokens they cover have expired. A denied token gets 401
``token_revoked``.

**Feed current.** As for the decision cache (:mod:`portal_gateway.decision_cache`): the feed is current when, a
moment less than ``max_staleness_s`` ago, its consumer had read up to the end of every partition. At start (and
after an outage) it reads back from the offsets of ``lookback_s`` ago, longer than any access token lives, so a
new replica knows the revocations of every token still valid; across reconnections it resumes where it stopped.

**While the feed is not current** (start, broker unreachable, identity's topic not created yet) the denylist alone
could miss a revocation, so the gateway asks identity (``POST /internal/tokens/revocation-status``, the same rule
read from identity's tables) and keeps each answer ``fallback_ttl_s`` (1 s) per token. The cost is bounded: at
most one small internal call per distinct token per second, only while the feed is down; if identity cannot be
asked either, the request is refused with 503 rather than let a possibly revoked token through. Accepting the
token and counting it (the cheaper alternative) would reopen the window the denylist closes, in exactly the
situation (broker outage) an attacker cannot cause but may wait for.

``iat`` is in whole seconds: a token is denied when ``iat < issued_before``; one issued in the second of the
revocation but after it is denied too (identity dates an API client's new token after its rotation).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry, Counter, Gauge
from pydantic import ValidationError

from portal_contracts.internal import TokenRevocationQuery, TokenRevocationStatus
from portal_gateway.auth import Principal
from portal_gateway.errors import UpstreamUnavailable
from portal_runtime.feeds import FETCH_MAX_WAIT_MS, RETRY_BACKOFF_S, CurrentFeed, FeedSettings
from portal_runtime.internal import internal_headers
from portal_runtime.messaging import EventRecord
from portal_runtime.problems import Unauthorized

log = logging.getLogger(__name__)

Clock = Callable[[], float]

STATUS_PATH = "/internal/tokens/revocation-status"
ACCESS_TOKEN_REVOKED = "identity.access_token.revoked.v1"
LOGIN_TOKENS_REVOKED = "identity.login.tokens_revoked.v1"
CLIENT_TOKENS_REVOKED = "identity.client.tokens_revoked.v1"
USER_TOKENS_REVOKED = "identity.user.tokens_revoked.v1"
REVOCATION_EVENTS = (ACCESS_TOKEN_REVOKED, LOGIN_TOKENS_REVOKED, CLIENT_TOKENS_REVOKED, USER_TOKENS_REVOKED)

MAX_STALENESS_S = 0.5
PRUNE_INTERVAL_S = 10.0
FALLBACK_CACHE_SIZE = 10_000
# Identity's revocation reasons (portal_contracts.events.identity.RevocationReason) in French; English says the
# reason itself, its underscores as spaces.
REASONS_FR = {
    "revoked": "révoqué",
    "token_revoked": "jeton révoqué",
    "login_revoked": "session révoquée",
    "refresh_token_reused": "jeton d'actualisation réutilisé",
    "authorization_code_reused": "code d'autorisation réutilisé",
    "client_revoked": "client révoqué",
    "client_secret_rotated": "secret du client renouvelé",
    "credential_revoked": "justificatif d'identité révoqué",
    "password_changed": "mot de passe modifié",
    "account_deactivated": "compte désactivé",
}


class TokenRevoked(Unauthorized):
    code, title, title_fr = "token_revoked", "Access token revoked", "Jeton d'accès révoqué"

    def __init__(self, reason: str) -> None:
        detail = f"The access token was revoked ({reason.replace('_', ' ')}); obtain a new one."
        reason_fr = REASONS_FR.get(reason, reason.replace("_", " "))
        challenge = f'Bearer realm="portal-api", error="invalid_token", error_description="{detail}"'
        super().__init__(
            detail,
            fr=f"Le jeton d'accès a été révoqué ({reason_fr}); obtenez-en un nouveau.",
            headers={"WWW-Authenticate": challenge},
        )


class RevocationMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.checks = Counter(
            "gateway_revocation_checks",
            "Access tokens checked for revocation, by how: feed (denylist, feed current), identity (asked while the "
            "feed is not current), cached (identity's recent answer), and denied",
            ["outcome"],
            registry=registry,
        )
        self.events = Counter(
            "gateway_revocation_events", "Identity revocation events applied to the denylist", registry=registry
        )
        self.unreadable = Counter(
            "gateway_revocation_unreadable_events", "Identity events that could not be read", registry=registry
        )
        self.entries = Gauge("gateway_revocation_denylist_entries", "Entries in the denylist", registry=registry)
        self.feed_current = Gauge(
            "gateway_revocation_feed_current",
            "1 while identity's revocation feed is current, else 0 (identity is asked per token)",
            registry=registry,
        )


@dataclass(frozen=True, slots=True)
class _Cutoff:
    issued_before: float
    keep_until: float
    reason: str
    except_session: str | None = None


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value)).timestamp()


@dataclass
class Denylist:
    """Revocations by jti, login (``sid``), API client and user; each kept until the tokens it covers expired.

    ``leeway_s``: the gateway accepts tokens this long past ``exp``, so entries are kept that much longer.
    """

    leeway_s: float = 10.0
    clock: Clock = time.time
    _jtis: dict[str, float] = field(default_factory=dict)
    _logins: dict[str, _Cutoff] = field(default_factory=dict)
    _clients: dict[str, _Cutoff] = field(default_factory=dict)
    _users: dict[str, list[_Cutoff]] = field(default_factory=dict)
    _pruned_at: float = 0.0

    def __len__(self) -> int:
        return len(self._jtis) + len(self._logins) + len(self._clients) + sum(len(c) for c in self._users.values())

    def add(self, event_type: str, data: Mapping[str, Any]) -> bool:
        """Applies one identity event; False when it is not a revocation. Raises on a malformed revocation."""
        if event_type not in REVOCATION_EVENTS:
            return False
        keep_until = _epoch(data["keep_until"]) + self.leeway_s
        if event_type == ACCESS_TOKEN_REVOKED:
            jti = str(data["jti"])
            self._jtis[jti] = max(keep_until, self._jtis.get(jti, 0.0))
            return True
        reason = str(data.get("reason") or "revoked")
        cutoff = _Cutoff(_epoch(data["issued_before"]), keep_until, reason, data.get("except_session_id"))
        if event_type == LOGIN_TOKENS_REVOKED:
            _merge(self._logins, str(data["session_id"]), cutoff)
        elif event_type == CLIENT_TOKENS_REVOKED:
            _merge(self._clients, str(data["client_id"]), cutoff)
        else:
            self._users.setdefault(str(data["user_id"]), []).append(cutoff)
        self._prune_if_due()
        return True

    def reason(self, principal: Principal) -> str | None:
        """Why this token is denied, or None."""
        self._prune_if_due()
        iat = principal.issued_at if principal.issued_at is not None else float("-inf")
        if principal.token_id is not None and principal.token_id in self._jtis:
            return "token_revoked"
        candidates = [
            self._logins.get(principal.session_id or ""),
            self._clients.get(principal.client_id or ""),
            *(self._users.get(principal.subject, ()) if principal.subject_type == "user" else ()),
        ]
        for cutoff in candidates:
            if cutoff is None or iat >= cutoff.issued_before:
                continue
            if cutoff.except_session is None or cutoff.except_session != principal.session_id:
                return cutoff.reason
        return None

    def prune(self) -> int:
        """Drops the entries whose tokens have all expired; returns how many went."""
        now = self.clock()
        self._pruned_at = now
        before = len(self)
        self._jtis = {k: v for k, v in self._jtis.items() if v > now}
        self._logins = {k: c for k, c in self._logins.items() if c.keep_until > now}
        self._clients = {k: c for k, c in self._clients.items() if c.keep_until > now}
        users = {k: [c for c in cutoffs if c.keep_until > now] for k, cutoffs in self._users.items()}
        self._users = {k: cutoffs for k, cutoffs in users.items() if cutoffs}
        return before - len(self)

    def _prune_if_due(self) -> None:
        if self.clock() - self._pruned_at >= PRUNE_INTERVAL_S:
            self.prune()


def _merge(entries: dict[str, _Cutoff], key: str, cutoff: _Cutoff) -> None:
    """A later cutoff covers every token an earlier one does; the entry lives as long as the longest."""
    known = entries.get(key)
    if known is not None:
        latest = cutoff if cutoff.issued_before >= known.issued_before else known
        cutoff = _Cutoff(latest.issued_before, max(known.keep_until, cutoff.keep_until), latest.reason)
    entries[key] = cutoff


@dataclass(frozen=True)
class RevocationFeedSettings:
    bootstrap_servers: str
    topic: str
    lookback_s: float = 1200.0


class RevocationFeed(CurrentFeed):
    """Reads identity's events into the denylist; knows whether it is current (see the module docstring and
    :class:`portal_runtime.feeds.CurrentFeed`).

    Unlike the base feed it needs what was published before it started, so every replica assigns itself every
    partition (no consumer group: no join delay, nothing to commit), starts ``lookback_s`` back, and resumes where
    it stopped after a lost connection.
    """

    name = "identity revocation feed"
    fallback = "identity is asked per token until it recovers"

    def __init__(
        self,
        settings: RevocationFeedSettings,
        denylist: Denylist,
        metrics: RevocationMetrics,
        *,
        max_staleness_s: float = MAX_STALENESS_S,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
    ) -> None:
        super().__init__(
            FeedSettings(settings.bootstrap_servers, settings.topic),
            "gateway-revocation",
            max_staleness_s=max_staleness_s,
            clock=clock,
        )
        self._lookback_s = settings.lookback_s
        self._denylist = denylist
        self._metrics = metrics
        self._wall_clock = wall_clock
        self._positions: dict[TopicPartition, int] = {}  # the next offset to read, kept across reconnections
        metrics.feed_current.set_function(lambda: 1.0 if self.is_current() else 0.0)
        metrics.entries.set_function(lambda: float(len(denylist)))

    def new_consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self._settings.bootstrap_servers,
            client_id=self.group_id,
            group_id=None,
            enable_auto_commit=False,
            metadata_max_age_ms=1_000,
            request_timeout_ms=5_000,
            fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        )

    async def connected(self, consumer: AIOKafkaConsumer) -> None:
        partitions = await self._partitions(consumer)
        consumer.assign(partitions)
        await self._seek(consumer, partitions)

    def read_up_to(self, partition: TopicPartition, next_offset: int) -> None:
        self._positions[partition] = next_offset

    async def apply(self, records: list[EventRecord]) -> None:
        for record in records:
            try:
                applied = self._denylist.add(record.type, record.data)
            except Exception as exc:  # a revocation event with missing or malformed fields
                self.unreadable(exc)
                continue
            if applied:
                self._metrics.events.inc()

    def unreadable(self, exc: Exception) -> None:
        # Nothing to fall back on for one lost event: made loud (metric, error log) for the operators.
        self._metrics.unreadable.inc()
        log.error("unreadable identity event on the revocation feed: %s", exc)

    async def _partitions(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        """The topic's partitions, once it exists (identity creates it when it starts; the gateway only reads)."""
        topic = self._settings.topic
        while True:
            if topic in await consumer.topics():
                numbers = consumer.partitions_for_topic(topic) or set()
                if numbers:
                    return [TopicPartition(topic, n) for n in sorted(numbers)]
            await asyncio.sleep(RETRY_BACKOFF_S)

    async def _seek(self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> None:
        """Resume where the last connection stopped; otherwise from ``lookback_s`` ago."""
        fresh = [p for p in partitions if p not in self._positions]
        for partition in partitions:
            if partition in self._positions:
                consumer.seek(partition, self._positions[partition])
        if not fresh:
            return
        # The end offsets first: a message appended after the time lookup is then still read.
        ends = await consumer.end_offsets(fresh)
        since_ms = int((self._wall_clock() - self._lookback_s) * 1000)
        found = await consumer.offsets_for_times({p: since_ms for p in fresh})
        for partition in fresh:
            at = found.get(partition)
            # No message at or after that time: None (Kafka), or a negative timestamp (Tansu).
            offset = at.offset if at is not None and at.timestamp >= 0 else ends[partition]
            consumer.seek(partition, offset)
            self._positions[partition] = offset


_Key = tuple[str | float | None, ...]


class _AskerGone(Exception):
    """The request asking identity about a token was cancelled before the answer."""


class RevocationStatusClient:
    """Identity's answer for one token, kept ``ttl_s`` (a bounded LRU): the fallback while the feed is not current."""

    def __init__(
        self,
        base_url: str,
        http: httpx.AsyncClient,
        *,
        ttl_s: float = 1.0,
        timeout_s: float = 2.0,
        internal_api_key: str = "",
        clock: Clock = time.monotonic,
        max_size: int = FALLBACK_CACHE_SIZE,
    ) -> None:
        self._url = base_url.rstrip("/") + STATUS_PATH
        self._http = http
        self._ttl_s = ttl_s
        self._timeout_s = timeout_s
        self._headers = internal_headers(internal_api_key)
        self._clock = clock
        self._max_size = max_size
        self._answers: OrderedDict[_Key, tuple[float, str | None]] = OrderedDict()
        # The question being asked about each token: requests arriving meanwhile wait for its answer instead of
        # asking again (64 concurrent requests with one token found the answer expired together and asked 64 times).
        self._asking: dict[_Key, asyncio.Future[str | None]] = {}

    async def reason(self, principal: Principal, metrics: RevocationMetrics) -> str | None:
        sub = principal.subject.removeprefix("client:") if principal.subject_type == "client" else principal.subject
        # What identity is asked about, as a key: the query model is built only when identity is asked.
        key = (principal.token_id, sub, principal.issued_at, principal.client_id, principal.session_id)
        known = self._answers.get(key)
        if known is not None and self._clock() - known[0] < self._ttl_s:
            metrics.checks.labels("cached").inc()
            return known[1]
        asking = self._asking.get(key)
        if asking is not None:
            metrics.checks.labels("cached").inc()  # identity's answer, shared
            try:
                return await asyncio.shield(asking)
            except _AskerGone:  # the request asking was cancelled (its caller hung up): ask again
                return await self.reason(principal, metrics)
        asking = self._asking[key] = asyncio.get_running_loop().create_future()
        try:
            reason = await self._reason_from_identity(key, principal, sub, metrics)
        except BaseException as exc:
            asking.set_exception(exc if isinstance(exc, Exception) else _AskerGone())
            asking.exception()  # marked retrieved: nobody may be waiting
            raise
        else:
            asking.set_result(reason)
        finally:
            del self._asking[key]
        return reason

    async def _reason_from_identity(
        self, key: _Key, principal: Principal, sub: str, metrics: RevocationMetrics
    ) -> str | None:
        asked_at = self._clock()
        metrics.checks.labels("identity").inc()
        status = await self._ask(
            TokenRevocationQuery(
                jti=principal.token_id,
                sub=sub,
                iat=principal.issued_at,
                client_id=principal.client_id,
                sid=principal.session_id,
            )
        )
        reason = (status.reason or "revoked") if status.revoked else None
        self._answers[key] = (asked_at, reason)
        self._answers.move_to_end(key)
        while len(self._answers) > self._max_size:
            self._answers.popitem(last=False)
        return reason

    async def _ask(self, query: TokenRevocationQuery) -> TokenRevocationStatus:
        try:
            response = await self._http.post(
                self._url, json=query.model_dump(mode="json"), headers=self._headers, timeout=self._timeout_s
            )
        except httpx.HTTPError as exc:
            raise _unavailable("cannot be reached", "est injoignable") from exc
        if response.status_code != 200:
            raise _unavailable(f"answered {response.status_code}", f"a répondu {response.status_code}")
        try:
            return TokenRevocationStatus.model_validate_json(response.content)
        except ValidationError as exc:
            raise _unavailable("answered with a malformed status", "a répondu par un statut mal formé") from exc


def _unavailable(what: str, what_fr: str) -> UpstreamUnavailable:
    return UpstreamUnavailable(
        f"Identity {what} and the revocation feed is not current: the access token cannot be checked. Retry shortly.",
        fr=f"Le service identity {what_fr} et le flux des révocations n'est pas à jour : le jeton d'accès ne peut pas "
        "être vérifié. Réessayez sous peu.",
        component="identity",
    )


class RevocationGuard:
    """After the signature: the denylist always; identity too while the feed is not current."""

    def __init__(
        self,
        denylist: Denylist,
        feed: RevocationFeed,
        status: RevocationStatusClient,
        metrics: RevocationMetrics,
    ) -> None:
        self.denylist = denylist
        self.feed = feed
        self._status = status
        self._metrics = metrics

    async def check(self, principal: Principal) -> None:
        reason = self.denylist.reason(principal)
        if reason is None and not self.feed.is_current():
            reason = await self._status.reason(principal, self._metrics)
        elif reason is None:
            self._metrics.checks.labels("feed").inc()
        if reason is not None:
            self._metrics.checks.labels("denied").inc()
            raise TokenRevoked(reason)


def revocation_guard(
    *,
    http: httpx.AsyncClient,
    identity_url: str,
    bootstrap_servers: str,
    topic: str,
    lookback_s: float,
    fallback_ttl_s: float,
    leeway_s: float,
    internal_api_key: str,
    metrics: RevocationMetrics,
) -> RevocationGuard:
    denylist = Denylist(leeway_s=leeway_s)
    feed = RevocationFeed(RevocationFeedSettings(bootstrap_servers, topic, lookback_s), denylist, metrics)
    status = RevocationStatusClient(identity_url, http, ttl_s=fallback_ttl_s, internal_api_key=internal_api_key)
    return RevocationGuard(denylist, feed, status, metrics)
