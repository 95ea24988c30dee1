"""Outage windows: the health poller's observations (and connect failures seen while proxying) become durable
windows per component, opened and closed with an event each (through the gateway's outbox).

A window opens the moment a component is seen down (or its planned maintenance begins) and closes once it has been
healthy for ``close_after_s`` (0: at the first healthy poll); its end is the first healthy observation. A component
that goes down again within ``merge_within_s`` of a window's end reopens that window (same id, a new started
event saying so), so a flapping component makes one window instead of hundreds.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal_contracts.events.gateway import OutageEnded, OutageStarted
from portal_gateway.outages.db import maintenance_windows, messaging, outage_windows
from portal_runtime.clock import Clock
from portal_runtime.messaging import UnitOfWork

log = logging.getLogger(__name__)

PENALTY_WAIVER = timedelta(hours=2)  # seed 003 §2.1 item 14: no penalty during the outage and the 2 hours after
SOURCE = "gateway"

REFUSED = frozenset({"ConnectError"})  # httpx: nothing listens there (a stopped service)
HealthCheck = Callable[[], Awaitable[Mapping[str, Mapping[str, Any]]]]


@dataclass(frozen=True)
class Maintenance:
    id: str
    component: str
    starts_at: datetime
    ends_at: datetime
    message_en: str
    message_fr: str

    def message(self, language: str) -> str:
        return self.message_fr if language == "fr" else self.message_en


@dataclass(frozen=True)
class Outage:
    """A component's current outage, as requests routed to it and the status page see it."""

    window_id: str
    component: str
    kind: str  # planned | unplanned
    since: datetime
    maintenance: Maintenance | None = None

    @property
    def expected_end(self) -> datetime | None:
        return self.maintenance.ends_at if self.maintenance is not None else None


def maintenance_from_row(row: Any) -> Maintenance:
    return Maintenance(row.id, row.component, aware(row.starts_at), aware(row.ends_at), row.message_en, row.message_fr)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class OutageTracker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        components: Sequence[str],
        check: HealthCheck,
        *,
        close_after_s: float,
        clock: Clock,
        merge_within_s: float = 60.0,
        confirmations: int = 2,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self.components = list(components)
        self._check = check
        self._close_after = timedelta(seconds=close_after_s)
        self._merge_within = timedelta(seconds=merge_within_s)
        self._clock = clock
        self._on_commit = on_commit
        self._lock = asyncio.Lock()
        self._healthy_since: dict[str, datetime] = {}
        self._confirmations = confirmations
        self._failures: dict[str, int] = {}
        self.health: dict[str, Mapping[str, Any]] = {}
        self.current: dict[str, Outage] = {}  # open windows, refreshed from the database on every observation
        self.polled_at: datetime | None = None

    def outage_for(self, component: str) -> Outage | None:
        return self.current.get(component)

    def reachable(self, component: str) -> bool:
        """The last poll found it up and no maintenance holds it: queued submissions may be delivered."""
        outage = self.current.get(component)
        held = False
        if outage is not None and outage.maintenance is not None:
            now = self._clock()
            held = aware(outage.maintenance.starts_at) <= now < aware(outage.maintenance.ends_at)
        return self.health.get(component, {}).get("status") in ("ok", "degraded") and not held

    async def poll(self) -> None:
        health = await self._check()
        self.health.update(health)
        self.polled_at = self._clock()
        await self.observe({name: self._confirmed_down(name, check) for name, check in health.items()})

    def _confirmed_down(self, component: str, check: Mapping[str, Any]) -> bool:
        """Refused connections count at once; a slow or failing readiness answer only when it repeats, so one
        readiness probe that times out under load does not shut a working service off."""
        if check.get("status") != "down":
            self._failures.pop(component, None)
            return False
        self._failures[component] = self._failures.get(component, 0) + 1
        return check.get("error") in REFUSED or self._failures[component] >= self._confirmations

    async def report_unreachable(self, component: str) -> None:
        """A connection to ``component`` failed while proxying: the window opens now, not at the next poll."""
        self.health[component] = {"status": "down", "error": "ConnectError"}
        if component in self.current:
            self._healthy_since.pop(component, None)
            return
        await self.observe({component: True})

    async def reconsider(self, component: str) -> None:
        """Maintenance of ``component`` was declared, moved or cancelled: apply it now, not at the next poll."""
        await self.observe({component: self.health.get(component, {}).get("status") == "down"})

    async def observe(self, down: Mapping[str, bool]) -> None:
        """Open and close windows from what was seen (component -> down?); then refresh the snapshot."""
        async with self._lock:
            now = self._clock()
            uow = UnitOfWork(self._sessions, messaging, SOURCE, on_commit=self._on_commit)
            async with uow:
                session = uow.session
                open_windows = {r.component: r for r in (await session.execute(_open_windows())).all()}
                active = await _active_maintenance(session, now)
                for component, seen_down in down.items():
                    maintenance = active.get(component)
                    window = open_windows.get(component)
                    if seen_down or maintenance is not None:
                        self._healthy_since.pop(component, None)
                        if window is None:
                            await _open(uow, component, now, maintenance, self._merge_within)
                    elif window is not None:
                        since = self._healthy_since.setdefault(component, now)
                        if now - since >= self._close_after:
                            await _close(uow, window, since)
                            self._healthy_since.pop(component, None)
            await self.refresh()

    async def refresh(self) -> None:
        async with self._sessions() as session:
            rows = (await session.execute(_open_windows())).all()
            ids = [r.maintenance_id for r in rows if r.maintenance_id]
            maintenance = {}
            if ids:
                m = maintenance_windows
                found = await session.execute(select(m).where(m.c.id.in_(ids), m.c.cancelled_at.is_(None)))
                maintenance = {m.id: maintenance_from_row(m) for m in found.all()}
        self.current = {
            r.component: Outage(r.id, r.component, r.kind, aware(r.started_at), maintenance.get(r.maintenance_id or ""))
            for r in rows
        }


def _open_windows() -> Any:
    return select(outage_windows).where(outage_windows.c.ended_at.is_(None))


async def _active_maintenance(session: AsyncSession, now: datetime) -> dict[str, Maintenance]:
    m = maintenance_windows
    rows = await session.execute(
        select(m).where(m.c.cancelled_at.is_(None), m.c.starts_at <= now, m.c.ends_at > now).order_by(m.c.starts_at)
    )
    active: dict[str, Maintenance] = {}
    for row in rows.all():
        active.setdefault(row.component, maintenance_from_row(row))
    return active


async def _open(
    uow: UnitOfWork, component: str, now: datetime, maintenance: Maintenance | None, merge_within: timedelta
) -> None:
    kind = "planned" if maintenance is not None else "unplanned"
    if await _reopen(uow, component, kind, now, merge_within):
        return
    window_id = str(uuid.uuid4())
    dialect = postgresql if uow.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(outage_windows)
        .values(
            id=window_id,
            component=component,
            kind=kind,
            started_at=now,
            maintenance_id=maintenance.id if maintenance else None,
        )
        .on_conflict_do_nothing(index_elements=["component"], index_where=outage_windows.c.ended_at.is_(None))
    )
    result = await uow.session.execute(statement)
    if result.rowcount != 1:  # another gateway replica opened it first
        return
    log.warning("outage window opened: %s (%s)", component, kind)
    uow.publish(
        OutageStarted(
            window_id=window_id,
            component=component,
            kind=kind,  # type: ignore[arg-type]
            started_at=now,
            expected_end=maintenance.ends_at if maintenance else None,
            maintenance_id=maintenance.id if maintenance else None,
        )
    )


async def _reopen(uow: UnitOfWork, component: str, kind: str, now: datetime, merge_within: timedelta) -> bool:
    """Reopen the component's last window if it ended less than ``merge_within`` ago (and was of the same kind)."""
    w = outage_windows
    last = (
        await uow.session.execute(
            select(w)
            .where(w.c.component == component, w.c.ended_at.is_not(None))
            .order_by(w.c.ended_at.desc())
            .limit(1)
        )
    ).first()
    if last is None or last.kind != kind or now - aware(last.ended_at) > merge_within:
        return False
    still_closed = await uow.session.execute(
        update(w).where(w.c.id == last.id, w.c.ended_at.is_not(None)).values(ended_at=None)
    )
    if still_closed.rowcount != 1:
        return False
    log.warning("outage window reopened: %s (%s)", component, kind)
    uow.publish(
        OutageStarted(
            window_id=last.id,
            component=component,
            kind=kind,  # type: ignore[arg-type]
            started_at=aware(last.started_at),
            maintenance_id=last.maintenance_id,
            reopened=True,
        )
    )
    return True


async def _close(uow: UnitOfWork, window: Any, ended_at: datetime) -> None:
    result = await uow.session.execute(
        update(outage_windows)
        .where(outage_windows.c.id == window.id, outage_windows.c.ended_at.is_(None))
        .values(ended_at=ended_at)
    )
    if result.rowcount != 1:  # closed meanwhile by another replica
        return
    log.warning("outage window closed: %s", window.component)
    uow.publish(
        OutageEnded(
            window_id=window.id,
            component=window.component,
            kind=window.kind,
            started_at=aware(window.started_at),
            ended_at=ended_at,
            penalty_waiver_until=ended_at + PENALTY_WAIVER,
            maintenance_id=window.maintenance_id,
        )
    )
