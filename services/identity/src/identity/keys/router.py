from typing import Any

from fastapi import APIRouter, Request

from portal_runtime.access import Acting, access
from portal_runtime.service import Runtime

router = APIRouter(tags=["oauth"])


@router.get(
    "/v1/oauth/jwks",
    summary="JSON Web Key Set of the token signing keys",
    operation_id="get_jwks",
    openapi_extra=access(Acting.PUBLIC),
)
async def get_jwks(runtime: Runtime, request: Request) -> dict[str, Any]:
    async with runtime.sessions() as session:
        return await request.app.state.keys.jwks(session)  # type: ignore[no-any-return]


@router.get(
    "/.well-known/openid-configuration",
    summary="OpenID Connect discovery",
    operation_id="get_openid_configuration",
    openapi_extra=access(Acting.PUBLIC),
)
async def openid_configuration(request: Request) -> dict[str, Any]:
    issuer = request.app.state.keys.issuer
    return {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/v1/oauth/jwks",
        "token_endpoint": f"{issuer}/v1/oauth/token",
        "id_token_signing_alg_values_supported": ["Ed25519"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
    }
