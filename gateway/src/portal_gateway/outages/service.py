"""Reading the status and the windows, and the operator's maintenance use cases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal_gateway.outages.db import maintenance_windows, outage_windows
from portal_gateway.outages.messages import ALL_OPERATIONAL, NOT_ALL_OPERATIONAL, window_message
from portal_gateway.outages.schemas import (
    ComponentStatus,
    MaintenanceCreate,
    MaintenanceOperatorRead,
    MaintenanceRead,
    MaintenanceUpdate,
    OutageWindowPage,
    OutageWindowRead,
    StatusRead,
)
from portal_gateway.outages.tracker import PENALTY_WAIVER, OutageTracker, aware
from portal_runtime.language import Language
from portal_runtime.paging import InvalidCursor, PageRequest
from portal_runtime.problems import Conflict, NotFound, Unprocessable

RECENT = timedelta(days=7)
RECENT_LIMIT = 20
SEVERITY = {"operational": 0, "unknown": 1, "degraded": 2, "maintenance": 3, "outage": 4}


class MaintenanceNotFound(NotFound):
    code, title, title_fr = "maintenance_not_found", "Maintenance window not found", "Fenêtre d'entretien introuvable"


class UnknownComponent(Unprocessable):
    code, title, title_fr = "unknown_component", "Unknown component", "Composant inconnu"


class MaintenanceOver(Conflict):
    code, title = "maintenance_over", "Maintenance window already over or cancelled"
    title_fr = "Fenêtre d'entretien déjà terminée ou annulée"


def _windows_query() -> Any:
    w, m = outage_windows, maintenance_windows
    return select(
        w, m.c.ends_at.label("m_ends_at"), m.c.message_en.label("m_en"), m.c.message_fr.label("m_fr")
    ).select_from(w.outerjoin(m, m.c.id == w.c.maintenance_id))


def window_read(row: Any, language: Language) -> OutageWindowRead:
    started, ended = aware(row.started_at), aware(row.ended_at) if row.ended_at else None
    expected_end = aware(row.m_ends_at) if row.m_ends_at is not None and row.kind == "planned" else None
    waiver = ended + PENALTY_WAIVER if ended is not None else None
    bulletin = (row.m_fr if language == "fr" else row.m_en) if row.m_en is not None else None
    return OutageWindowRead(
        id=row.id,
        component=row.component,
        kind=row.kind,
        started_at=started,
        ended_at=ended,
        expected_end=expected_end,
        penalty_waiver_until=waiver,
        message=window_message(language, row.component, row.kind, started, ended, expected_end, bulletin, waiver),
    )


def maintenance_read(row: Any, language: Language) -> MaintenanceRead:
    return MaintenanceRead(
        id=row.id,
        component=row.component,
        starts_at=aware(row.starts_at),
        ends_at=aware(row.ends_at),
        message=row.message_fr if language == "fr" else row.message_en,
    )


async def current_status(
    session: AsyncSession, tracker: OutageTracker, now: datetime, language: Language
) -> StatusRead:
    w, m = outage_windows, maintenance_windows
    current = [
        window_read(r, language) for r in (await session.execute(_windows_query().where(w.c.ended_at.is_(None)))).all()
    ]
    recent_rows = await session.execute(
        _windows_query()
        .where(w.c.ended_at.is_not(None), w.c.ended_at >= now - RECENT)
        .order_by(w.c.ended_at.desc())
        .limit(RECENT_LIMIT)
    )
    planned_rows = (
        await session.execute(
            select(m).where(m.c.cancelled_at.is_(None), m.c.ends_at > now).order_by(m.c.starts_at, m.c.id)
        )
    ).all()
    in_maintenance = {r.component: aware(r.starts_at) for r in planned_rows if aware(r.starts_at) <= now}
    open_by_component = {o.component: o for o in current}
    components = []
    for name in tracker.components:
        window = open_by_component.get(name)
        health = tracker.health.get(name, {}).get("status")
        if name in in_maintenance or (window is not None and window.kind == "planned"):
            since = window.started_at if window is not None else in_maintenance[name]
            components.append(ComponentStatus(name=name, state="maintenance", since=since))
        elif window is not None:
            components.append(ComponentStatus(name=name, state="outage", since=window.started_at))
        elif health is None:
            components.append(ComponentStatus(name=name, state="unknown"))
        else:
            components.append(ComponentStatus(name=name, state="degraded" if health == "degraded" else "operational"))
    worst = max((c.state for c in components), key=SEVERITY.__getitem__, default="operational")
    unavailable = [c.name for c in components if c.state in ("outage", "maintenance")]
    message = (
        NOT_ALL_OPERATIONAL[language].format(components=", ".join(unavailable))
        if unavailable
        else ALL_OPERATIONAL[language]
    )
    return StatusRead(
        status=worst,
        message=message,
        updated_at=tracker.polled_at,
        components=components,
        current_outages=current,
        planned_maintenance=[maintenance_read(r, language) for r in planned_rows],
        recent_outages=[window_read(r, language) for r in recent_rows.all()],
    )


async def list_windows(
    session: AsyncSession,
    page: PageRequest,
    language: Language,
    start: datetime | None,
    end: datetime | None,
    component: str | None,
) -> OutageWindowPage:
    """Windows overlapping [start, end], newest first; keyset-paged on (started_at, id)."""
    w = outage_windows
    query = _windows_query()
    if start is not None:
        query = query.where(or_(w.c.ended_at.is_(None), w.c.ended_at >= start))
    if end is not None:
        query = query.where(w.c.started_at <= end)
    if component is not None:
        query = query.where(w.c.component == component)
    after = page.after(str)
    if after is not None:
        at, _, last_id = after.partition("|")
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            raise InvalidCursor() from None
        query = query.where(or_(w.c.started_at < moment, and_(w.c.started_at == moment, w.c.id < last_id)))
    rows = (await session.execute(query.order_by(w.c.started_at.desc(), w.c.id.desc()).limit(page.limit + 1))).all()
    items, cursor = page.cut(rows, lambda r: f"{aware(r.started_at).isoformat()}|{r.id}")
    return OutageWindowPage(items=[window_read(r, language) for r in items], next_cursor=cursor)


# ---------------------------------------------------------------- operator: planned maintenance


def operator_read(row: Any) -> MaintenanceOperatorRead:
    return MaintenanceOperatorRead(
        id=row.id,
        component=row.component,
        starts_at=aware(row.starts_at),
        ends_at=aware(row.ends_at),
        message_en=row.message_en,
        message_fr=row.message_fr,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        cancelled_at=aware(row.cancelled_at) if row.cancelled_at else None,
    )


async def get_maintenance(session: AsyncSession, maintenance_id: str) -> Any:
    row = (await session.execute(select(maintenance_windows).where(maintenance_windows.c.id == maintenance_id))).first()
    if row is None:
        raise MaintenanceNotFound(
            f"There is no maintenance window {maintenance_id}.",
            fr=f"Il n'y a aucune fenêtre d'entretien {maintenance_id}.",
        )
    return row


async def declare_maintenance(
    session: AsyncSession, components: Sequence[str], command: MaintenanceCreate, now: datetime
) -> Any:
    if command.component not in components:
        known = ", ".join(components)
        raise UnknownComponent(
            f"{command.component!r} is not a component; known: {known}.",
            fr=f"{command.component!r} n'est pas un composant; composants connus : {known}.",
        )
    maintenance_id = str(uuid.uuid4())
    await session.execute(
        maintenance_windows.insert().values(id=maintenance_id, created_at=now, updated_at=now, **command.model_dump())
    )
    return await get_maintenance(session, maintenance_id)


async def update_maintenance(
    session: AsyncSession, maintenance_id: str, command: MaintenanceUpdate, now: datetime
) -> Any:
    row = await get_maintenance(session, maintenance_id)
    if row.cancelled_at is not None or aware(row.ends_at) <= now:
        raise MaintenanceOver(
            f"Maintenance window {maintenance_id} is already over or cancelled.",
            fr=f"La fenêtre d'entretien {maintenance_id} est déjà terminée ou annulée.",
        )
    changes = command.model_dump(exclude_unset=True, exclude_none=True)
    starts_at = changes.get("starts_at", aware(row.starts_at))
    ends_at = changes.get("ends_at", aware(row.ends_at))
    if ends_at <= starts_at:
        raise Unprocessable(
            "ends_at must be after starts_at.", fr="ends_at doit être postérieur à starts_at.", code="validation_failed"
        )
    await session.execute(
        update(maintenance_windows).where(maintenance_windows.c.id == maintenance_id).values(updated_at=now, **changes)
    )
    return await get_maintenance(session, maintenance_id)


async def cancel_maintenance(session: AsyncSession, maintenance_id: str, now: datetime) -> Any:
    row = await get_maintenance(session, maintenance_id)
    if row.cancelled_at is None:
        await session.execute(
            update(maintenance_windows)
            .where(maintenance_windows.c.id == maintenance_id)
            .values(cancelled_at=now, updated_at=now)
        )
    return await get_maintenance(session, maintenance_id)


async def list_maintenance(session: AsyncSession, now: datetime, include_past: bool) -> list[Any]:
    m = maintenance_windows
    query = select(m).order_by(m.c.starts_at, m.c.id)
    if not include_past:
        query = query.where(m.c.cancelled_at.is_(None), m.c.ends_at > now)
    return list((await session.execute(query)).all())
