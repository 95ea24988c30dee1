from typing import Annotated

from fastapi import Depends, Request

from identity.federation.service import FederatedLoginFlow
from identity.sessions.dependencies import CurrentLoginFlow


async def get_federated_login_flow(request: Request, logins: CurrentLoginFlow) -> FederatedLoginFlow:
    state = request.app.state
    return FederatedLoginFlow(
        settings=state.runtime.settings, clock=state.clock, partners=state.sign_in_partners, logins=logins
    )


CurrentFederatedLoginFlow = Annotated[FederatedLoginFlow, Depends(get_federated_login_flow)]
