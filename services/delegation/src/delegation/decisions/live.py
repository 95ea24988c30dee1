"""The decision index of a running delegation process, kept current without polling the tables.

- **Startup** (:func:`start`, a service startup hook): the whole index is read from the tables (logged: how long,
  how many rows).
- **This process's writes**: after a unit of work that wrote events commits, its events name the rows to read
  again (:func:`delegation.decisions.loader.changes_of`); the reload is awaited before the request answers, so a
  decision right after a write on the same process sees it (read-your-writes). From just before such a commit
  until its reload is done, decisions take the SQL path: whoever sees the commit in the tables (the state of a
  group operation, say) gets decisions that include it. Reloads run one at a time: the last one reads the
  database after every commit that asked for one.
- **Other replicas' writes** (``decision_index_feed``, on when a broker is configured): each replica reads
  delegation's own topic with a consumer group of its own and applies the same reloads. The index answers only
  while that feed is *current* (it had read everything the broker held less than ``max_staleness_s`` ago) and the
  index was loaded after the feed's last gap; otherwise (broker down, not caught up yet, events possibly missed)
  decisions take the SQL path, and the index is rebuilt in the background once the feed is current again.
- A reload that fails marks the index unusable until a rebuild succeeds (the SQL path answers meanwhile).

During a rebuild the changes that arrive are kept and read again once the new index is in place.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable, Iterator, Sequence

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delegation.decisions import loader
from delegation.decisions.index import DecisionIndex
from delegation.decisions.loader import Change
from portal_runtime.feeds import Clock, CurrentFeed, FeedSettings
from portal_runtime.kafka import ensure_topics
from portal_runtime.messaging import EventRecord, topic_for
from portal_runtime.service import ServiceRuntime
from portal_runtime.settings import ServiceSettings

log = logging.getLogger(__name__)


class LiveIndex:
    """The index, whether it may answer now, and how it follows changes."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], feed: IndexFeed | None = None) -> None:
        self._sessions = sessions
        self.feed = feed
        self.index: DecisionIndex | None = None
        self._lock = asyncio.Lock()
        self._rebuilding = False
        self._broken = False
        self._pending: list[Change] = []
        self._synced_epoch: int | None = None
        self._rebuild_task: asyncio.Task[None] | None = None
        # Units of work of this process between their commit and the reload of their rows, and reloads under way.
        self._committing = 0
        self.answered = 0  # decisions answered from the index
        self.bypassed = 0  # decisions that took the SQL path (index not usable now)

    def usable(self) -> DecisionIndex | None:
        """The index when it may answer now, else None (the caller takes the SQL path)."""
        index = self.index
        if self._committing:
            return None  # a commit of this process is visible in the tables and not yet in the index
        if index is None or self._rebuilding or self._broken:
            self._maybe_rebuild()
            return None
        feed = self.feed
        if feed is not None and not (feed.is_current() and self._synced_epoch == feed.epoch):
            self._maybe_rebuild()
            return None
        return index

    def check(self) -> None:
        """Rebuild in the background if the index needs it (the feed calls this when it catches up)."""
        self._maybe_rebuild()

    def _maybe_rebuild(self) -> None:
        """Starts a background rebuild when one is needed and can succeed now."""
        if self._rebuilding or (self._rebuild_task is not None and not self._rebuild_task.done()):
            return
        feed = self.feed
        stale = self.index is None or self._broken
        if feed is not None:
            if not feed.is_current():
                return  # a rebuild now would not be trusted; wait for the feed
            stale = stale or self._synced_epoch != feed.epoch
        if stale:
            self._rebuild_task = asyncio.create_task(self._background_rebuild(), name="decision-index-rebuild")

    async def _background_rebuild(self) -> None:
        try:
            await self.rebuild()
        except Exception:
            log.exception("decision index rebuild failed; decisions read the tables until a later rebuild succeeds")

    async def rebuild(self) -> None:
        """Read the whole index; changes arriving meanwhile are read again afterwards."""
        self._rebuilding = True
        self._pending = []
        epoch = self.feed.epoch if self.feed is not None and self.feed.is_current() else None
        started = time.perf_counter()
        try:
            async with self._sessions() as session:
                index = await loader.load(session)
            async with self._lock:
                pending, self._pending = self._pending, []
                if pending:
                    async with self._sessions() as session:
                        await loader.apply(session, index, pending)
                self.index, self._broken, self._synced_epoch = index, False, epoch
        finally:
            self._rebuilding = False
        # Hundreds of thousands of long-lived objects: out of the collector's generations, so that a full
        # collection (triggered by any request's allocations) does not scan them all, a pause of tens of ms in
        # the middle of a decision. They are still freed by reference counting when replaced.
        gc.freeze()
        log.info(
            "decision index loaded in %.2fs: %s",
            time.perf_counter() - started,
            ", ".join(f"{count} {name}" for name, count in index.stats().items()),
        )

    # CommitListener: this process's units of work
    def before_commit(self) -> None:
        self._committing += 1

    async def after_commit(self, records: Sequence[EventRecord]) -> None:
        try:
            await self.changed(records)
        finally:
            self._committing -= 1

    async def changed(self, records: Sequence[EventRecord]) -> None:
        """Committed events (of this process, or read from the feed): read their rows again."""
        changes = loader.changes_of(records)
        if not changes:
            return
        if self._rebuilding:
            self._pending.extend(changes)
            return
        try:
            async with self._lock:
                if self._rebuilding:
                    self._pending.extend(changes)
                    return
                if self.index is None:
                    return
                # Reloading a row drops it, then reads it again: between the two the index lacks it. It stands
                # aside meanwhile (a change read from the feed has no commit of this process holding it aside).
                self._committing += 1
                try:
                    async with self._sessions() as session:
                        await loader.apply(session, self.index, changes)
                finally:
                    self._committing -= 1
        except Exception:
            log.exception("decision index reload failed; decisions read the tables until it is rebuilt")
            self._broken = True
            self._maybe_rebuild()

    def lost(self) -> None:
        """Something may have been missed: stop answering until rebuilt."""
        self._broken = True

    async def stop(self) -> None:
        if self.feed is not None:
            await self.feed.stop()
        task = self._rebuild_task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class IndexFeed(CurrentFeed):
    """Reads delegation's topic and hands the events to the index (:class:`portal_runtime.feeds.CurrentFeed`).
    An index loaded in an earlier ``epoch`` may have missed events of the gap; an unreadable event means the index
    must be rebuilt."""

    name = "decision-index-feed"
    fallback = "decisions read the tables until it recovers"

    def __init__(
        self,
        settings: ServiceSettings,
        on_events: Callable[[Sequence[EventRecord]], object],
        on_unreadable: Callable[[], None],
        on_caught_up: Callable[[], None] = lambda: None,
        *,
        max_staleness_s: float,
        clock: Clock = time.monotonic,
    ) -> None:
        topic = topic_for(settings.service_name)
        feed = FeedSettings(
            settings.kafka_bootstrap_servers,
            topic,
            session_timeout_ms=settings.consumer_session_timeout_ms,
            heartbeat_interval_ms=settings.consumer_heartbeat_interval_ms,
        )
        super().__init__(feed, f"{settings.service_name}-decision-index", max_staleness_s=max_staleness_s, clock=clock)
        self._service_settings = settings
        self._on_events = on_events
        self._on_unreadable = on_unreadable
        self._on_caught_up = on_caught_up
        self.topic = topic

    async def prepare(self) -> None:
        await ensure_topics(self._service_settings, [self.topic])

    async def apply(self, records: list[EventRecord]) -> None:
        result = self._on_events(records)
        if asyncio.iscoroutine(result):
            await result

    def unreadable(self, exc: Exception) -> None:
        self._on_unreadable()

    def caught_up(self) -> None:
        self._on_caught_up()


async def start(runtime: ServiceRuntime) -> None:
    """Startup hook: load the index and follow changes (unless ``decision_index`` is off). Startup waits for the
    load at most ``decision_index_startup_wait_s``; a longer load goes on in the background while decisions read
    the tables."""
    settings = runtime.settings
    if not getattr(settings, "decision_index", False):
        return
    live = LiveIndex(runtime.sessions)
    # Replicas see each other's writes only through the broker; an in-process publisher (tests, benchmarks) means
    # there is no broker, so no other replica either.
    if getattr(settings, "decision_index_feed", True) and runtime.kafka is not None:
        live.feed = IndexFeed(
            settings,
            live.changed,
            live.lost,
            live.check,
            max_staleness_s=getattr(settings, "decision_index_max_staleness_s", 0.5),
        )
        live.feed.start()
    runtime.commit_listeners.append(live)
    runtime.extensions["decision_index"] = live
    runtime.metrics.registry.register(IndexCollector(live))
    live._rebuild_task = asyncio.create_task(live._background_rebuild(), name="decision-index-load")
    wait_s = getattr(settings, "decision_index_startup_wait_s", 60.0)
    done, _ = await asyncio.wait([live._rebuild_task], timeout=wait_s)
    if not done:
        log.warning("decision index still loading after %.0fs; decisions read the tables until it is loaded", wait_s)


class IndexCollector:
    """Prometheus: whether the index answers, and how many decisions it answered or left to the SQL path."""

    def __init__(self, live: LiveIndex) -> None:
        self._live = live

    def collect(self) -> Iterator[Metric]:
        usable = GaugeMetricFamily(
            "delegation_decision_index_usable", "1 while decisions are answered from the in-memory index, else 0"
        )
        usable.add_metric([], 1.0 if self._live.index is not None and self._live.usable() is not None else 0.0)
        yield usable
        answered = CounterMetricFamily(
            "delegation_decisions", "Decisions by path: index, or sql (the index was not usable)", labels=["path"]
        )
        answered.add_metric(["index"], self._live.answered)
        answered.add_metric(["sql"], self._live.bypassed)
        yield answered


async def stop(runtime: ServiceRuntime) -> None:
    live: LiveIndex | None = runtime.extensions.get("decision_index")
    if live is not None:
        await live.stop()


def live_index(runtime: ServiceRuntime) -> LiveIndex | None:
    return runtime.extensions.get("decision_index")  # type: ignore[no-any-return]
