from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response

from identity.clients.errors import InvalidClient
from identity.clients.service import client_credentials
from identity.oauth.dependencies import oauth_server
from identity.tokens.dependencies import CurrentTokenIssuer
from identity.tokens.errors import InvalidTokenRequest, UnsupportedGrantType
from identity.tokens.revocation import revocation_reason
from identity.tokens.schemas import TokenRead
from identity.transaction import use_case
from portal_contracts.internal import TokenRevocationQuery, TokenRevocationStatus
from portal_runtime.access import Acting, access
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["oauth"])

FORM = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 §5.1
MAX_FORM_BYTES = 8192

GRANT_TYPES = [
    "refresh_token",
    "client_credentials",
    "authorization_code",
    "urn:ietf:params:oauth:grant-type:token-exchange",
]
_FORM_SCHEMA = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {"type": "string", "enum": GRANT_TYPES},
        "refresh_token": {"type": "string", "description": "refresh_token: the one from the last token response."},
        "scope": {"type": "string", "description": "Space-separated `function:action` scopes (a subset)."},
        "client_id": {"type": "string", "description": "client_secret_post, or a public client."},
        "client_secret": {"type": "string", "description": "client_secret_post (or use HTTP Basic)."},
        "code": {"type": "string", "description": "authorization_code: the code from the redirect."},
        "redirect_uri": {"type": "string", "description": "authorization_code: as in the authorization request."},
        "code_verifier": {"type": "string", "description": "authorization_code: the PKCE verifier (S256)."},
        "subject_token": {"type": "string", "description": "token exchange: the user's access token."},
        "subject_token_type": {"type": "string", "enum": ["urn:ietf:params:oauth:token-type:access_token"]},
        "audience": {"type": "string", "description": "token exchange: the business (BN9) to act on."},
        "resource": {"type": "string", "description": "token exchange: `urn:portal:business:<BN9>`."},
        "program_accounts": {"type": "string", "description": "token exchange: space-separated BN15s."},
    },
}


async def token_form(request: Request) -> dict[str, str]:
    """RFC 6749 parameters: form-encoded, each at most once."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        raise InvalidTokenRequest(f"Send the parameters as {FORM}.", fr=f"Envoyez les paramètres en {FORM}.")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InvalidTokenRequest("The request body is too large.", fr="Le corps de la requête est trop volumineux.")
    try:
        parsed = parse_qs(body.decode("ascii"), keep_blank_values=True, strict_parsing=bool(body), max_num_fields=20)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidTokenRequest(
            "The body is not a valid form-encoded parameter list.",
            fr="Le corps n'est pas une liste valide de paramètres encodés en formulaire.",
        ) from exc
    repeated = sorted(name for name, values in parsed.items() if len(values) > 1)
    if repeated:
        raise InvalidTokenRequest(
            f"Parameters given more than once: {', '.join(repeated)}.",
            fr=f"Paramètres donnés plus d'une fois : {', '.join(repeated)}.",
        )
    return {name: values[0] for name, values in parsed.items()}


@router.post(
    "/v1/oauth/token",
    summary="OAuth 2 token endpoint",
    description=(
        "Form-encoded (RFC 6749 §3.2). Clients authenticate with HTTP Basic or `client_id` + `client_secret` in "
        "the form (public clients: `client_id` only). Grants:\n\n"
        "- `refresh_token`: a new access token and refresh token; the old one is spent. Presenting a spent "
        "refresh token revokes every token of that login (`invalid_grant`).\n"
        "- `client_credentials`: a business's API client; the token (5 minutes) carries `client_id`, `business` "
        "and the client's scopes (or the subset asked in `scope`). No refresh token.\n"
        "- `authorization_code`: with the PKCE `code_verifier` (S256) and the same `redirect_uri`; codes are "
        "single use and live 60 s. `openid` in the consented scopes adds an `id_token` (Ed25519, `nonce`).\n"
        "- `urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693): a user's access token as "
        "`subject_token`, one business as `audience` (BN9) or `resource` (`urn:portal:business:<BN9>`), "
        "optionally `program_accounts` and `scope`: a token restricted to them, never wider than the subject.\n\n"
        "Errors carry the OAuth `error` member: `invalid_request`, `invalid_client` (401), `invalid_grant`, "
        "`unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, `invalid_target`."
    ),
    operation_id="create_token",
    responses=problems(400, 401),
    response_model_exclude_none=True,
    openapi_extra={
        **access(Acting.PUBLIC),
        "requestBody": {"required": True, "content": {FORM: {"schema": _FORM_SCHEMA}}},
    },
)
async def create_token(request: Request, response: Response, runtime: Runtime, issuer: CurrentTokenIssuer) -> TokenRead:
    form = await token_form(request)
    grant_type = form.get("grant_type")
    if not grant_type:
        raise InvalidTokenRequest(
            "The grant_type parameter is required.", fr="Le paramètre grant_type est obligatoire."
        )
    if grant_type not in GRANT_TYPES:
        raise UnsupportedGrantType(
            f"The grant type {grant_type[:50]!r} is not supported.",
            fr=f"Le type d'autorisation {grant_type[:50]!r} n'est pas pris en charge.",
        )
    credentials = client_credentials(request.headers.get("authorization"), form)
    async with use_case(runtime) as uow:
        server = oauth_server(request, uow.session)
        client = await server.clients.authenticate(credentials) if credentials is not None else None
        if grant_type == "refresh_token":
            refresh_token = form.get("refresh_token")
            if not refresh_token:
                raise InvalidTokenRequest(
                    "The refresh_token parameter is required.", fr="Le paramètre refresh_token est obligatoire."
                )
            tokens = await issuer.refresh(uow, refresh_token, client.client_id if client else None)
        elif grant_type == "urn:ietf:params:oauth:grant-type:token-exchange":
            tokens = await server.token_exchange(client, form)
        elif client is None:
            raise InvalidClient(
                "This grant needs client authentication (HTTP Basic or client_id).",
                fr="Cette autorisation exige l'authentification du client (HTTP Basic ou client_id).",
            )
        elif grant_type == "client_credentials":
            tokens = server.client_credentials(client, form.get("scope"))
        else:
            tokens = await server.authorization_code(uow, client, form)
    response.headers.update(NO_STORE)
    return tokens


@router.post(
    "/internal/tokens/revocation-status",
    summary="Whether an access token was revoked (the gateway asks while its revocation feed is not current)",
    description=(
        "The claims of a token the gateway verified; `revoked` is true when identity recorded a revocation that "
        "covers it (its `jti`, its login `sid`, its API client, its user), the same rule as the "
        "`identity.*.revoked` events the gateway's denylist is built from."
    ),
    operation_id="token_revocation_status",
    responses=problems(422),
    openapi_extra=access(Acting.INTERNAL),
)
async def token_revocation_status(query: TokenRevocationQuery, runtime: Runtime) -> TokenRevocationStatus:
    async with runtime.sessions() as session:
        reason = await revocation_reason(session, query.model_dump(exclude_none=True))
    return TokenRevocationStatus(revoked=reason is not None, reason=reason)
