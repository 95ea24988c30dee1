from typing import Any

from fastapi import APIRouter, Request

from portal_contracts.scopes import ALL_SCOPES
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
    async with runtime.reads() as session:
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
        "authorization_endpoint": f"{issuer}/v1/oauth/authorize",
        "introspection_endpoint": f"{issuer}/v1/oauth/introspect",
        "revocation_endpoint": f"{issuer}/v1/oauth/revoke",
        "id_token_signing_alg_values_supported": ["Ed25519"],
        # Identity also accepts HTTP Basic (client_secret_basic), but the gateway drops every Authorization
        # header at the edge, so only the form method works through it.
        "token_endpoint_auth_methods_supported": ["client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_post", "none"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "subject_types_supported": ["public"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", *sorted(ALL_SCOPES)],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "azp", "auth_time", "amr"],
    }


@router.post(
    "/internal/keys/rotate",
    summary="Rotate the token signing key",
    description=(
        "The new key is published in the JWKS at once and signs from `IDENTITY_SIGNING_KEY_ACTIVATION_DELAY_S` "
        "(30 s) later, so gateways know it before its first token. The retired key stays in the JWKS for twice "
        "the access-token lifetime, so tokens it signed keep verifying until they expire. Other identity "
        "instances pick the new key up when they restart; until then they sign with the retired key, whose "
        "tokens verify while it stays published."
    ),
    operation_id="rotate_signing_key",
    openapi_extra=access(Acting.INTERNAL),
)
async def rotate_signing_key(runtime: Runtime, request: Request) -> dict[str, str]:
    async with runtime.sessions() as session, session.begin():
        key = await request.app.state.keys.rotate(session)
    return {"kid": str(key.kid)}
