from typing import Annotated

from fastapi import Depends, Request

from identity.factors.service import Factors
from identity.throttle.dependencies import CurrentThrottle


async def get_factors(request: Request, throttle: CurrentThrottle) -> Factors:
    state = request.app.state
    return Factors(settings=state.runtime.settings, clock=state.clock, mailer=state.mailer, throttle=throttle)


CurrentFactors = Annotated[Factors, Depends(get_factors)]
