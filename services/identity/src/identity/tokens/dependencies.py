from typing import Annotated

from fastapi import Depends, Request

from identity.tokens.service import TokenIssuer


def token_issuer(request: Request) -> TokenIssuer:
    state = request.app.state
    return TokenIssuer(
        keys=state.keys, clock=state.clock, refresh_token_ttl_s=state.runtime.settings.refresh_token_ttl_s
    )


async def get_token_issuer(request: Request) -> TokenIssuer:
    return token_issuer(request)  # async: FastAPI would run a plain function in its thread pool


CurrentTokenIssuer = Annotated[TokenIssuer, Depends(get_token_issuer)]
