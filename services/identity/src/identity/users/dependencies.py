from typing import Annotated

from fastapi import Depends, Request

from identity.users.service import Registration


async def get_registration(request: Request) -> Registration:
    state = request.app.state
    return Registration(hasher=state.hasher, policy=state.runtime.settings.password_policy, clock=state.clock)


CurrentRegistration = Annotated[Registration, Depends(get_registration)]
