from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from identity.clients.errors import InvalidClient
from identity.clients.models import Client
from identity.clients.service import client_credentials
from identity.dependencies import CurrentUserId
from identity.oauth.dependencies import oauth_server
from identity.oauth.schemas import AuthorizationResult, Consent, ConsentRequest, Introspection
from identity.oauth.service import OAuthServer
from identity.tokens.errors import InvalidTokenRequest
from identity.tokens.router import FORM, NO_STORE, token_form
from identity.transaction import use_case
from portal_runtime.access import Acting, access
from portal_runtime.context import CurrentContext
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["oauth"])

AUTHORIZE = "/v1/oauth/authorize"
AUTHORIZE_FLOW = (
    "API-first authorization code flow. The third-party application sends the user's browser to the portal "
    "frontend's consent page with the OAuth parameters (`response_type=code`, `client_id`, `redirect_uri` "
    "registered exactly, `scope`, `state`, `code_challenge` with `code_challenge_method=S256` — PKCE is "
    "required — and `nonce` for OIDC). That page, signed in, calls `GET /v1/oauth/authorize` with the user's "
    "access token (Bearer) to show what is asked, then `POST` with the same parameters and "
    '`{"consent": true|false}`. Only the portal\'s own token may consent (403 `consent_needs_sign_in` for a token '
    "issued to an application, so an application holding a user's token cannot consent for them). The answer "
    "is where to send the browser: the redirect URI with `code` and `state`, or "
    "`error=access_denied`. An unknown client or an unregistered redirect URI is refused with a problem, never "
    "redirected."
)


class AuthorizeParams:
    def __init__(
        self,
        response_type: Annotated[str | None, Query()] = None,
        client_id: Annotated[str | None, Query(max_length=64)] = None,
        redirect_uri: Annotated[str | None, Query(max_length=500)] = None,
        scope: Annotated[str | None, Query(max_length=1000)] = None,
        state: Annotated[str | None, Query(max_length=500)] = None,
        code_challenge: Annotated[str | None, Query(max_length=128)] = None,
        code_challenge_method: Annotated[str | None, Query()] = None,
        nonce: Annotated[str | None, Query(max_length=255)] = None,
    ) -> None:
        self.values: dict[str, str | None] = {
            "response_type": response_type,
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": code_challenge_method,
            "nonce": nonce,
        }


@router.get(
    AUTHORIZE,
    summary="Authorization request: what the application asks the signed-in user for",
    description=AUTHORIZE_FLOW,
    operation_id="get_authorization_request",
    responses=problems(400, 401, 403),
    openapi_extra=access(Acting.SELF),
)
async def get_authorization_request(
    params: Annotated[AuthorizeParams, Depends()], user_id: CurrentUserId, runtime: Runtime, request: Request
) -> ConsentRequest:
    async with runtime.reads() as session:
        authorization = await oauth_server(request, session).authorization_request(params.values)
    return authorization.consent_request()


@router.post(
    AUTHORIZE,
    summary="The user's consent: a redirect with a code (or access_denied)",
    description=AUTHORIZE_FLOW,
    operation_id="authorize",
    responses=problems(400, 401, 403),
    openapi_extra=access(Acting.SELF),
)
async def authorize(
    params: Annotated[AuthorizeParams, Depends()],
    body: Consent,
    user_id: CurrentUserId,
    context: CurrentContext,
    runtime: Runtime,
    request: Request,
) -> AuthorizationResult:
    async with use_case(runtime) as uow:
        server = oauth_server(request, uow.session)
        authorization = await server.authorization_request(params.values)
        redirect = await server.consent(authorization, user_id, context.scopes, context.mfa, context.client_id, body)
    return AuthorizationResult(redirect_to=redirect)


_TOKEN_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "required": ["token"],
                    "properties": {
                        "token": {"type": "string"},
                        "token_type_hint": {"type": "string", "enum": ["access_token", "refresh_token"]},
                        "client_id": {"type": "string"},
                        "client_secret": {"type": "string"},
                    },
                }
            }
        },
    }
}


@router.post(
    "/v1/oauth/introspect",
    summary="Token introspection (RFC 7662)",
    description=(
        'Client-authenticated (HTTP Basic or form). `{"active": false}` for a token that is expired, revoked '
        "(RFC 7009 or a revoked client), used (refresh tokens), tampered or unknown; otherwise its `scope`, "
        "`client_id`, `sub`, `exp`, `business`, `program_accounts`."
    ),
    operation_id="introspect_token",
    responses=problems(400, 401),
    response_model_exclude_none=True,
    openapi_extra={**access(Acting.PUBLIC), **_TOKEN_FORM},
)
async def introspect_token(request: Request, response: Response, runtime: Runtime) -> Introspection:
    form = await token_form(request)
    async with use_case(runtime) as uow:
        server = oauth_server(request, uow.session)
        client = await _client(request, form, server)
        if client.secret_hash is None:
            raise InvalidClient(
                "Introspection needs a client with a secret.", fr="L'introspection exige un client ayant un secret."
            )
        result = await server.introspect(_token(form), form.get("token_type_hint"))
    response.headers.update(NO_STORE)
    return result


@router.post(
    "/v1/oauth/revoke",
    summary="Token revocation (RFC 7009)",
    description=(
        "Client-authenticated (public clients: `client_id`). Always 200 for a token of any kind, known or not. "
        "A refresh token revokes its whole family; an access token is denylisted by `jti` until it expires "
        "(introspection then says inactive). Either way the gateway refuses the revoked access tokens within a "
        "second (401 `token_revoked`)."
    ),
    operation_id="revoke_token",
    responses=problems(400, 401),
    openapi_extra={**access(Acting.PUBLIC), **_TOKEN_FORM},
)
async def revoke_token(request: Request, runtime: Runtime) -> Response:
    form = await token_form(request)
    async with use_case(runtime) as uow:
        server = oauth_server(request, uow.session)
        client = await _client(request, form, server)
        await server.revoke(uow, client, _token(form))
    return Response(status_code=200, headers=NO_STORE)


async def _client(request: Request, form: dict[str, str], server: OAuthServer) -> Client:
    credentials = client_credentials(request.headers.get("authorization"), form)
    if credentials is None:
        raise InvalidClient(
            "Authenticate the client (HTTP Basic or client_id and client_secret).",
            fr="Authentifiez le client (HTTP Basic ou client_id et client_secret).",
        )
    return await server.clients.authenticate(credentials)


def _token(form: dict[str, str]) -> str:
    token = form.get("token")
    if not token:
        raise InvalidTokenRequest("The token parameter is required.", fr="Le paramètre token est obligatoire.")
    return token
