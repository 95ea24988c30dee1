from typing import Annotated

from fastapi import Depends, Request

from identity.me.service import Welcome


async def get_welcome(request: Request) -> Welcome:
    return Welcome(delegation=request.app.state.delegation)


CurrentWelcome = Annotated[Welcome, Depends(get_welcome)]
