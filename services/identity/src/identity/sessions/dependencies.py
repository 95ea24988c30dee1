from typing import Annotated

from fastapi import Depends, Request

from identity.sessions.service import LoginFlow
from identity.throttle.dependencies import CurrentThrottle
from identity.tokens.dependencies import CurrentTokenIssuer


async def get_login_flow(request: Request, tokens: CurrentTokenIssuer, throttle: CurrentThrottle) -> LoginFlow:
    state = request.app.state
    return LoginFlow(
        settings=state.runtime.settings,
        clock=state.clock,
        hasher=state.hasher,
        mailer=state.mailer,
        tokens=tokens,
        throttle=throttle,
    )


CurrentLoginFlow = Annotated[LoginFlow, Depends(get_login_flow)]
