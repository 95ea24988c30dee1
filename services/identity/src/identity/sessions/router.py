from typing import Annotated

from fastapi import APIRouter, Path, Response

from identity.sessions.dependencies import CurrentLoginFlow
from identity.sessions.schemas import (
    MfaCodeVerify,
    MfaEmailCreate,
    PasskeyChallenge,
    SessionCreate,
    SessionRead,
    SessionTokens,
    TermsDecision,
)
from identity.throttle.dependencies import CurrentClient
from identity.tokens.router import NO_STORE
from identity.transaction import use_case
from portal_runtime.access import Acting, access
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["sessions"])

SessionId = Annotated[str, Path(max_length=64, description="The `session_id` returned by POST /v1/sessions.")]
# Every step answers these when the session is unknown, expired or over, not at this step, or locked.
STEP_PROBLEMS = (404, 409, 410, 423)
STEP_ERRORS = (
    " Unknown session: 404 `session_not_found`; expired: 410 `session_expired`; completed or cancelled: 410 "
    "`session_ended`; locked: 423 `session_locked`; another step expected: 409 `wrong_step`, whose `next` names it."
)


@router.post(
    "/v1/sessions",
    status_code=201,
    summary="Sign in with username and password; starts a login session",
    description=(
        "`next` is `mfa_enrolment` when the user has no MFA e-mail yet (POST .../mfa/email), else `mfa`: a new "
        "one-time code was just e-mailed (POST .../mfa/verify), unless `mfa_methods` includes `totp`: then the "
        "caller chooses the method (an e-mailed code on request, POST .../mfa/resend). A wrong username and a "
        "wrong password get the same `invalid_credentials` answer. Revoked credential: 403 `credential_revoked`; "
        "180 days inactive: 403 `account_deactivated` (POST /v1/users/reactivation). Too many failures: 429 "
        "`too_many_attempts` with `Retry-After`."
    ),
    operation_id="create_session",
    responses=problems(401, 403, 429, 503),
    openapi_extra=access(Acting.PUBLIC),
)
async def create_session(
    body: SessionCreate, client: CurrentClient, runtime: Runtime, flow: CurrentLoginFlow
) -> SessionRead:
    async with use_case(runtime) as uow:
        return await flow.start(uow, body.username, body.password, client)


@router.post(
    "/v1/sessions/{session_id}/mfa/email",
    summary="Enrol or change the MFA e-mail address; sends a code to it",
    description=(
        "Allowed at `mfa_enrolment`, while an enrolment awaits its code, and after this session verified a code "
        "(step `terms`: change of MFA e-mail). The address becomes the MFA e-mail once a code sent to it is "
        "verified. `consent: false` is refused (`mfa_consent_refused`): without it there is no portal access. "
        "A login sends at most 6 codes (429 `mfa_code_limit`); SMTP down: 503 `mail_unavailable`, no code sent."
        + STEP_ERRORS
    ),
    operation_id="enrol_mfa_email",
    responses=problems(403, *STEP_PROBLEMS, 429, 503),
    openapi_extra=access(Acting.PUBLIC),
)
async def enrol_mfa_email(
    session_id: SessionId, body: MfaEmailCreate, runtime: Runtime, flow: CurrentLoginFlow
) -> SessionRead:
    async with use_case(runtime) as uow:
        return await flow.enrol_email(uow, session_id, body.email, body.email_confirmation, body.consent)


@router.post(
    "/v1/sessions/{session_id}/mfa/resend",
    summary="E-mail a new one-time code; every older code of the session stops working",
    description="A login sends at most 6 codes, 5 resends (429 `mfa_code_limit`). SMTP down: 503 `mail_unavailable`."
    + STEP_ERRORS,
    operation_id="resend_mfa_code",
    responses=problems(*STEP_PROBLEMS, 429, 503),
    openapi_extra=access(Acting.PUBLIC),
)
async def resend_mfa_code(session_id: SessionId, runtime: Runtime, flow: CurrentLoginFlow) -> SessionRead:
    async with use_case(runtime) as uow:
        return await flow.resend(uow, session_id)


@router.post(
    "/v1/sessions/{session_id}/mfa/verify",
    summary="Verify a second factor: the most recent e-mailed code, an authenticator app code or a recovery code",
    description=(
        "`method` defaults to `email`. An e-mailed code is six digits, valid for 10 minutes, used once, and only "
        "the most recent one works. An authenticator code is valid for its 30 s step (one step of drift) and used "
        "once; a recovery code is spent. A wrong code answers `invalid_mfa_code` with `attempts_remaining`; the "
        "last allowed wrong code locks the session (`session_locked`) and the user is told. An expired code: 401 "
        "`mfa_code_expired` (ask for a new one). A method the user lacks: 409 `mfa_method_not_enrolled`. Too many "
        "failures for the account: 429 `too_many_attempts` with `Retry-After`." + STEP_ERRORS
    ),
    operation_id="verify_mfa_code",
    responses=problems(401, *STEP_PROBLEMS, 429),
    openapi_extra=access(Acting.PUBLIC),
)
async def verify_mfa_code(
    session_id: SessionId, body: MfaCodeVerify, client: CurrentClient, runtime: Runtime, flow: CurrentLoginFlow
) -> SessionRead:
    async with use_case(runtime) as uow:
        return await flow.verify(uow, session_id, body.code, client, body.method, body.credential)


@router.post(
    "/v1/sessions/{session_id}/mfa/webauthn/options",
    summary="Options for signing in with a passkey (navigator.credentials.get())",
    description="Each call issues a new challenge, valid 5 minutes and used once; answer it with POST "
    ".../mfa/verify, `method: webauthn`. No passkey: 409 `mfa_method_not_enrolled`." + STEP_ERRORS,
    operation_id="passkey_sign_in_options",
    responses=problems(*STEP_PROBLEMS),
    openapi_extra=access(Acting.PUBLIC),
)
async def passkey_sign_in_options(session_id: SessionId, runtime: Runtime, flow: CurrentLoginFlow) -> PasskeyChallenge:
    async with use_case(runtime) as uow:
        return PasskeyChallenge(options=await flow.passkey_options(uow, session_id))


@router.post(
    "/v1/sessions/{session_id}/terms",
    summary="Accept or refuse the terms of use; on acceptance, the tokens",
    description=(
        "Terms are accepted on every login. `accepted: false` cancels the login (`terms_refused`). `next` in the "
        "answer is `profile` until the user has a personal profile (PUT /v1/me/profile)." + STEP_ERRORS
    ),
    operation_id="decide_terms",
    responses=problems(403, *STEP_PROBLEMS),
    openapi_extra=access(Acting.PUBLIC),
)
async def decide_terms(
    session_id: SessionId, body: TermsDecision, response: Response, runtime: Runtime, flow: CurrentLoginFlow
) -> SessionTokens:
    async with use_case(runtime) as uow:
        tokens = await flow.decide_terms(uow, session_id, body.accepted)
    response.headers.update(NO_STORE)
    return tokens
