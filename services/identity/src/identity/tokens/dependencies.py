from typing import Annotated

from fastapi import Depends, Request

from identity.tokens.service import TokenIssuer


def get_token_issuer(request: Request) -> TokenIssuer:
    state = request.app.state
    return TokenIssuer(
        keys=state.keys, clock=state.clock, refresh_token_ttl_s=state.runtime.settings.refresh_token_ttl_s
    )


CurrentTokenIssuer = Annotated[TokenIssuer, Depends(get_token_issuer)]
