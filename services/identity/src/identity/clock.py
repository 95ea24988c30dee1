"""Where identity reads the time: one callable on the app state, so tests can move it without sleeping."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

Clock = Callable[[], datetime]


async def get_clock(request: Request) -> Clock:
    return request.app.state.clock  # type: ignore[no-any-return]


CurrentClock = Annotated[Clock, Depends(get_clock)]
