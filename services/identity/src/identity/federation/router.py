from fastapi import APIRouter

from identity.federation.dependencies import CurrentFederatedLoginFlow
from identity.federation.schemas import (
    FederatedCallback,
    FederatedSessionCreate,
    FederatedSessionRead,
    FederatedSessionStarted,
    SignInPartnerList,
)
from identity.sessions.router import SessionId
from identity.transaction import use_case
from portal_runtime.access import Acting, access
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["sessions"])


@router.get(
    "/v1/sign-in-partners",
    summary="The sign-in partners a user can sign in with",
    operation_id="list_sign_in_partners",
    openapi_extra=access(Acting.PUBLIC),
)
async def list_sign_in_partners(flow: CurrentFederatedLoginFlow) -> SignInPartnerList:
    return flow.list_partners()


@router.post(
    "/v1/sessions/federated",
    status_code=201,
    summary="Sign in with a sign-in partner (OpenID Connect); starts a login session",
    description=(
        "Answers the partner's authorization URL (authorization code with PKCE S256, a `state` and a `nonce` kept "
        "server side) to send the user's browser to. The partner sends the user back to `redirect_uri` with "
        "`code` and `state`, or `error`: pass them to POST /v1/sessions/{session_id}/federated/callback. Only the "
        "partner's subject identifier is used (its e-mail, if given, as a hint); no financial data is shared. "
        "Unknown partner: 404 `sign_in_partner_not_found`; a redirect URI that is not one of the portal's: 400 "
        "`redirect_uri_not_allowed`; partner unreachable: 503 `partner_unavailable`."
    ),
    operation_id="create_federated_session",
    responses=problems(400, 404, 503),
    openapi_extra=access(Acting.PUBLIC),
)
async def create_federated_session(
    body: FederatedSessionCreate, runtime: Runtime, flow: CurrentFederatedLoginFlow
) -> FederatedSessionStarted:
    async with use_case(runtime) as uow:
        return await flow.start(uow, body.partner, body.redirect_uri)


@router.post(
    "/v1/sessions/{session_id}/federated/callback",
    summary="Complete the sign-in partner's step; then MFA, terms and profile as for a password login",
    description=(
        "The partner's `code` is redeemed (PKCE verifier, client secret) and its ID token checked: signature by "
        "the partner's JWKS, issuer, audience, expiry, nonce. The partner's account is linked to one user, created "
        "without a password on its first sign-in. The answer is the login session's state (`next`: "
        "`mfa_enrolment` or `mfa`). These cancel the login (403): the partner's `error` "
        "(`partner_login_cancelled`), a `state` that does not match (`state_mismatch`), a code the partner refuses "
        "(`partner_code_refused`), an ID token refused (`partner_id_token_invalid`), a revoked credential "
        "(`credential_revoked`) or a deactivated account (`account_deactivated`). Unknown session: 404 "
        "`session_not_found`; over: 410 `session_ended`; expired: 410 `session_expired`; partner unreachable: "
        "503 `partner_unavailable`."
    ),
    operation_id="complete_federated_session",
    responses=problems(403, 404, 410, 503),
    openapi_extra=access(Acting.PUBLIC),
)
async def complete_federated_session(
    session_id: SessionId, body: FederatedCallback, runtime: Runtime, flow: CurrentFederatedLoginFlow
) -> FederatedSessionRead:
    async with use_case(runtime) as uow:
        return await flow.callback(uow, session_id, body)
