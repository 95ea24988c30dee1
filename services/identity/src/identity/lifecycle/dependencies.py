from typing import Annotated

from fastapi import Depends, Request

from identity.factors.dependencies import CurrentFactors
from identity.lifecycle.service import Lifecycle
from identity.throttle.dependencies import CurrentThrottle


async def get_lifecycle(request: Request, factors: CurrentFactors, throttle: CurrentThrottle) -> Lifecycle:
    state = request.app.state
    return Lifecycle(
        settings=state.runtime.settings,
        clock=state.clock,
        hasher=state.hasher,
        mailer=state.mailer,
        factors=factors,
        throttle=throttle,
    )


CurrentLifecycle = Annotated[Lifecycle, Depends(get_lifecycle)]
