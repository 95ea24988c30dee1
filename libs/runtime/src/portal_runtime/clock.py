"""Where a service reads the time: one callable on the app state (`app.state.clock`), so tests fix "today"
without patching."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def business_today(clock: Clock, timezone: str) -> date:
    """The calendar day it is for the CBSA (``business_timezone``), whatever the server's zone."""
    return clock().astimezone(ZoneInfo(timezone)).date()


async def get_today(request: Request) -> date:
    return business_today(request.app.state.clock, request.app.state.runtime.settings.business_timezone)


Today = Annotated[date, Depends(get_today)]


async def get_clock(request: Request) -> Clock:
    return request.app.state.clock  # type: ignore[no-any-return]


CurrentClock = Annotated[Clock, Depends(get_clock)]
