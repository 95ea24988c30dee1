"""A short-lived cache of delegation's decisions, invalidated by delegation's change events.

Revocation must be prompt (ARCHITECTURE.md): removing an employee or ending a relationship takes effect at the
gateway within a second. So an answer is kept at most ``ttl_s`` and, more importantly, is
dropped as soon as a delegation event names its business:

- every delegation event is keyed by a business number; the entries of that business go;
- relationship and group events also name the other side (``provider_bn``, ``client_bn``, a ``client_bns``
  list): their entries go too;
- an event about a user (``user_id``, ``requester_user_id``, a ``user_ids`` list) drops every entry of that user,
  whatever the business: a provider employee's change reaches the clients it acts for, which the event may not
  list. Coarse (a change to one employee drops the whole business) but safe.

The cache only ever says yes. A cached answer is used when it allows the request (the role's scopes include the
one asked, on that program account); a refusal is always confirmed by delegation, and a denial is never stored.
So a grant takes effect at once (a user who sees the new role in ``GET /v1/me/contexts`` can use it on the next
call, without waiting for the event that invalidates the old answer), and only revocation relies on the feed.

The cache answers only while the invalidation feed is *current*: its consumer has read everything the broker
held at a moment less than ``max_staleness_s`` ago. Otherwise (broker down, group not joined yet, topic missing)
every request asks delegation, and when the feed becomes current again after a gap the cache is emptied, since
events of the gap may have been missed. An answer fetched while an invalidation happened is not stored: it may
predate the change.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge

from portal_contracts.internal import Decision, DecisionRequest
from portal_gateway.decisions import DecisionSource
from portal_runtime.feeds import CurrentFeed, FeedSettings
from portal_runtime.messaging import EventRecord

log = logging.getLogger(__name__)

Clock = Callable[[], float]
CacheKey = tuple[str, str, str | None]

BN9 = re.compile(r"[0-9]{9}")
# Payload fields naming a business besides the event's key (relationship and group events), and a user.
BUSINESS_FIELDS = ("bn", "provider_bn", "client_bn")
BUSINESS_LIST_FIELDS = ("client_bns",)
USER_FIELDS = ("user_id", "requester_user_id")
USER_LIST_FIELDS = ("user_ids",)

MAX_STALENESS_S = 0.5  # the feed is current if it was caught up this recently; well inside "within a second"


class Freshness(Protocol):
    """Whether the cache may answer now (its invalidation feed is current)."""

    def is_current(self) -> bool: ...


class DecisionCacheMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.lookups = Counter(
            "gateway_decision_cache_lookups",
            "Decision lookups by outcome: hit, miss, confirm (cached but not allowing this request: asked again), "
            "or bypass (the invalidation feed is not current)",
            ["outcome"],
            registry=registry,
        )
        self.invalidations = Counter(
            "gateway_decision_cache_invalidations",
            "Delegation events that dropped cached decisions (of the businesses and users they name)",
            registry=registry,
        )
        self.dropped = Counter(
            "gateway_decision_cache_dropped_entries",
            "Cached decisions dropped by invalidation (events, or a gap in the feed)",
            registry=registry,
        )
        self.feed_current = Gauge(
            "gateway_decision_cache_feed_current",
            "1 while the delegation event feed is current (the cache may answer), else 0",
            registry=registry,
        )


@dataclass(frozen=True)
class _Entry:
    decision: Decision
    stored_at: float


class DecisionCache:
    """Decisions by (user, business, program account): LRU-bounded, each kept at most ``ttl_s``."""

    def __init__(self, ttl_s: float, max_size: int, clock: Clock = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._max_size = max_size
        self._clock = clock
        self._entries: OrderedDict[CacheKey, _Entry] = OrderedDict()
        self.generation = 0  # bumped by every invalidation: a fetch that spans one must not be stored

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: CacheKey) -> Decision | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._clock() - entry.stored_at >= self._ttl_s:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry.decision

    def put(self, key: CacheKey, decision: Decision, asked_at: float) -> None:
        """Stores an answer fetched at ``asked_at`` (its age counts from the question, not the answer)."""
        self._entries[key] = _Entry(decision, asked_at)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_size:
            self._entries.popitem(last=False)

    def invalidate(self, businesses: Iterable[str], users: Iterable[str] = ()) -> int:
        """Drops every entry of these businesses and of these users; returns how many went."""
        on_business, of_user = set(businesses), set(users)
        self.generation += 1
        stale = [key for key in self._entries if key[1] in on_business or key[0] in of_user]
        for key in stale:
            del self._entries[key]
        return len(stale)

    def clear(self) -> int:
        self.generation += 1
        count = len(self._entries)
        self._entries.clear()
        return count


class CachedDecisions(DecisionSource):
    """A :class:`DecisionSource` answering from the cache while the invalidation feed is current."""

    def __init__(
        self,
        source: DecisionSource,
        cache: DecisionCache,
        freshness: Freshness,
        metrics: DecisionCacheMetrics,
        clock: Clock = time.monotonic,
    ) -> None:
        self._source = source
        self.cache = cache
        self._freshness = freshness
        self._metrics = metrics
        self._clock = clock

    async def decide(self, request: DecisionRequest) -> Decision:
        if not self._freshness.is_current():
            self._metrics.lookups.labels("bypass").inc()
            return await self._source.decide(request)
        key: CacheKey = (request.user_id, request.business, request.program_account)
        cached = self.cache.get(key)
        if cached is not None and allows(cached, request):
            self._metrics.lookups.labels("hit").inc()
            return cached
        # Not cached, or cached but not enough for this request: delegation decides (a refusal is never cached).
        self._metrics.lookups.labels("miss" if cached is None else "confirm").inc()
        asked_at, generation = self._clock(), self.cache.generation
        decision = await self._source.decide(request)
        if decision.allow and self.cache.generation == generation and self._freshness.is_current():
            self.cache.put(key, decision, asked_at)
        return decision


def allows(decision: Decision, request: DecisionRequest) -> bool:
    """Whether ``decision`` lets the user do ``request.scope`` (on its program account, when it names one)."""
    if not decision.allow or (request.scope is not None and request.scope not in decision.scopes):
        return False
    accounts = decision.program_accounts
    return request.program_account is None or accounts is None or request.program_account in accounts


def _named(data: Mapping[str, Any], fields: tuple[str, ...], list_fields: tuple[str, ...]) -> list[Any]:
    named: list[Any] = [data.get(f) for f in fields]
    for field in list_fields:
        values = data.get(field)
        if isinstance(values, list):
            named.extend(values)
    return named


def businesses_named(key: str | None, data: Mapping[str, Any]) -> set[str]:
    """The business numbers a delegation event concerns: its key, and any BN its payload names."""
    named = [key, *_named(data, BUSINESS_FIELDS, BUSINESS_LIST_FIELDS)]
    return {bn for bn in named if isinstance(bn, str) and BN9.fullmatch(bn)}


def users_named(data: Mapping[str, Any]) -> set[str]:
    """The users whose rights a delegation event changes."""
    return {user for user in _named(data, USER_FIELDS, USER_LIST_FIELDS) if isinstance(user, str) and user}


class InvalidationFeed(CurrentFeed):
    """Reads delegation's events and invalidates the cache (:class:`portal_runtime.feeds.CurrentFeed`: current
    when caught up with the topic a moment ago). After a gap, or when the connection is lost, the cache is
    emptied: events of the gap may never be read. An unreadable event empties it too: its businesses are
    unknown, so nothing cached can be trusted."""

    name = "decision-cache-invalidation"
    fallback = "decisions bypass the cache until it recovers"

    def __init__(
        self,
        settings: FeedSettings,
        cache: DecisionCache,
        metrics: DecisionCacheMetrics,
        *,
        max_staleness_s: float = MAX_STALENESS_S,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__(settings, "gateway", max_staleness_s=max_staleness_s, clock=clock)
        self._cache = cache
        self._metrics = metrics
        metrics.feed_current.set_function(lambda: 1.0 if self.is_current() else 0.0)

    async def apply(self, records: list[EventRecord]) -> None:
        for record in records:
            self.invalidate(businesses_named(record.partition_key, record.data), users_named(record.data))

    def invalidate(self, businesses: set[str], users: set[str]) -> None:
        if businesses or users:
            self._metrics.invalidations.inc()
            self._metrics.dropped.inc(self._cache.invalidate(businesses, users))

    def unreadable(self, exc: Exception) -> None:
        self._clear()

    def caught_up(self) -> None:
        self._clear()

    def lost(self) -> None:
        self._clear()

    def _clear(self) -> None:
        self._metrics.dropped.inc(self._cache.clear())
