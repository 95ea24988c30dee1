from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from identity.clients.dependencies import registry_for
from identity.oauth.service import OAuthServer
from identity.tokens.dependencies import token_issuer


def oauth_server(request: Request, session: AsyncSession) -> OAuthServer:
    settings = request.app.state.runtime.settings
    return OAuthServer(
        session=session,
        clients=registry_for(request, session),
        issuer=token_issuer(request),
        client_access_token_ttl_s=settings.client_access_token_ttl_s,
        authorization_code_ttl_s=settings.authorization_code_ttl_s,
    )
