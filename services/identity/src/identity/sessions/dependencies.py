from typing import Annotated

from fastapi import Depends, Request

from identity.sessions.service import LoginFlow
from identity.tokens.dependencies import CurrentTokenIssuer


def get_login_flow(request: Request, tokens: CurrentTokenIssuer) -> LoginFlow:
    state = request.app.state
    return LoginFlow(
        settings=state.runtime.settings, clock=state.clock, hasher=state.hasher, mailer=state.mailer, tokens=tokens
    )


CurrentLoginFlow = Annotated[LoginFlow, Depends(get_login_flow)]
