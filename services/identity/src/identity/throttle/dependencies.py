from typing import Annotated

from fastapi import Depends, Request

from identity.throttle.service import Client, Throttle, ThrottlePolicy


def client_of(request: Request) -> Client:
    """The caller's address: the ``x-forwarded-for`` the gateway sets (its last hop), else the socket peer."""
    forwarded = request.headers.get("x-forwarded-for", "")
    ip = forwarded.rsplit(",", 1)[-1].strip() if forwarded.strip() else ""
    if not ip:
        ip = request.client.host if request.client else "unknown"
    return Client(ip=ip[:64], user_agent=request.headers.get("user-agent", "")[:512])


async def get_throttle(request: Request) -> Throttle:
    settings = request.app.state.runtime.settings
    return Throttle(
        ThrottlePolicy(
            window_s=settings.throttle_window_s,
            per_pair=settings.throttle_per_pair,
            per_account=settings.throttle_per_account,
            per_ip=settings.throttle_per_ip,
            max_delay_s=settings.throttle_max_delay_s,
        )
    )


CurrentClient = Annotated[Client, Depends(client_of)]
CurrentThrottle = Annotated[Throttle, Depends(get_throttle)]
