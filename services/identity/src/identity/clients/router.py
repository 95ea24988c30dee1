from fastapi import APIRouter, Request, Response

from identity.clients.dependencies import MANAGE_API_CLIENTS, AccountManager, registry_for
from identity.clients.schemas import ApiClientCreate, ApiClientList, ApiClientSecret, OAuthClientCreate, OAuthClientRead
from identity.tokens.revocation import client_revoked
from identity.transaction import use_case
from portal_runtime.access import Acting, access
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["api-clients"])

API_CLIENTS = "/v1/businesses/{bn}/api-clients"


@router.post(
    API_CLIENTS,
    status_code=201,
    summary="Create an API client for the business's software (B2B self-service)",
    description=(
        "Only a business account manager (scope `business_profile:write`). The client acts for this business "
        "only, with the scopes given here (never one the manager does not hold: 422 `scope_not_held`), through "
        "`grant_type=client_credentials`. `client_secret` (256 random bits) is shown in this response only; identity "
        "keeps its SHA-256 digest."
    ),
    operation_id="create_api_client",
    responses=problems(401, 403, 422),
    openapi_extra=access(Acting.BUSINESS, MANAGE_API_CLIENTS),
)
async def create_api_client(
    bn: str, body: ApiClientCreate, manager: AccountManager, runtime: Runtime, request: Request
) -> ApiClientSecret:
    async with use_case(runtime) as uow:
        return await registry_for(request, uow.session).create_api_client(bn, body, manager.user_id, manager.scopes)


@router.get(
    API_CLIENTS,
    summary="The business's API clients (never their secrets)",
    operation_id="list_api_clients",
    responses=problems(401, 403),
    openapi_extra=access(Acting.BUSINESS, MANAGE_API_CLIENTS),
)
async def list_api_clients(bn: str, manager: AccountManager, runtime: Runtime, request: Request) -> ApiClientList:
    async with runtime.reads() as session:
        return ApiClientList(items=await registry_for(request, session).api_clients(bn))


@router.post(
    API_CLIENTS + "/{client_id}/secret",
    summary="Rotate an API client's secret",
    description=(
        "Returns the new secret, shown once. The old secret stops working immediately, and so do the access "
        "tokens it obtained (the gateway refuses them within a second, 401 `token_revoked`). With a grace period "
        "(`IDENTITY_CLIENT_SECRET_GRACE_S`) the old secret works until it ends and its tokens until they expire."
    ),
    operation_id="rotate_api_client_secret",
    responses=problems(401, 403, 404),
    openapi_extra=access(Acting.BUSINESS, MANAGE_API_CLIENTS),
)
async def rotate_api_client_secret(
    bn: str, client_id: str, manager: AccountManager, runtime: Runtime, request: Request
) -> ApiClientSecret:
    settings = request.app.state.runtime.settings
    async with use_case(runtime) as uow:
        rotated = await registry_for(request, uow.session).rotate_secret(bn, client_id)
        if settings.client_secret_grace_s == 0 and rotated.secret_rotated_at is not None:
            ttl = settings.client_access_token_ttl_s
            client_revoked(uow, client_id, "client_secret_rotated", rotated.secret_rotated_at, ttl)
        return rotated


@router.delete(
    API_CLIENTS + "/{client_id}",
    status_code=204,
    summary="Revoke an API client",
    description=(
        "The client gets no more tokens; introspection reports its tokens inactive at once and the gateway "
        "refuses them within a second (401 `token_revoked`), although they are JWTs it verifies offline."
    ),
    operation_id="revoke_api_client",
    responses=problems(401, 403, 404),
    openapi_extra=access(Acting.BUSINESS, MANAGE_API_CLIENTS),
)
async def revoke_api_client(
    bn: str, client_id: str, manager: AccountManager, runtime: Runtime, request: Request
) -> Response:
    settings = request.app.state.runtime.settings
    async with use_case(runtime) as uow:
        if await registry_for(request, uow.session).revoke(bn, client_id):
            now = request.app.state.clock()
            client_revoked(uow, client_id, "client_revoked", now, settings.client_access_token_ttl_s)
    return Response(status_code=204)


@router.post(
    "/internal/oauth-clients",
    status_code=201,
    summary="Register a third-party frontend as an OAuth client (CBSA administration)",
    operation_id="register_oauth_client",
    responses=problems(422),
    openapi_extra=access(Acting.INTERNAL),
)
async def register_oauth_client(body: OAuthClientCreate, runtime: Runtime, request: Request) -> OAuthClientRead:
    async with use_case(runtime) as uow:
        return await registry_for(request, uow.session).register_oauth_client(body, "internal")
