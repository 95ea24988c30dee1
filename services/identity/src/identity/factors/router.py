from typing import Annotated

from fastapi import APIRouter, Path, Response

from identity.dependencies import CurrentUserId
from identity.factors.dependencies import CurrentFactors
from identity.factors.schemas import (
    ChallengeRead,
    CodeConfirm,
    MethodType,
    MfaEmailChange,
    MfaMethodList,
    PasskeyCreate,
    PasskeyOptions,
    RecoveryCodeList,
    TotpEnrolment,
)
from identity.throttle.dependencies import CurrentClient
from identity.tokens.router import NO_STORE
from identity.transaction import use_case
from portal_runtime.access import Acting, access
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["me"])

THROTTLED = " Too many wrong codes: 429 `too_many_attempts` with `Retry-After`."


@router.get(
    "/v1/me/mfa",
    summary="The caller's MFA methods: e-mail, authenticator app, recovery codes (with how many are left)",
    operation_id="list_mfa_methods",
    responses=problems(401, 403),
    openapi_extra=access(Acting.SELF),
)
async def list_mfa_methods(user_id: CurrentUserId, runtime: Runtime, factors: CurrentFactors) -> MfaMethodList:
    async with runtime.reads() as session:
        return await factors.methods(session, user_id)


@router.post(
    "/v1/me/mfa/totp",
    status_code=201,
    summary="Start enrolling an authenticator app: the secret and its otpauth:// URI, shown once",
    description="The app is a method only once a first code confirms it (POST /v1/me/mfa/totp/confirm); a new "
    "call replaces an unconfirmed secret. Already enrolled: 409 `totp_already_enrolled`.",
    operation_id="start_totp_enrolment",
    responses=problems(401, 403, 404, 409),
    openapi_extra=access(Acting.SELF),
)
async def start_totp_enrolment(
    user_id: CurrentUserId, response: Response, runtime: Runtime, factors: CurrentFactors
) -> TotpEnrolment:
    async with use_case(runtime) as uow:
        enrolment = await factors.start_totp(uow, user_id)
    response.headers.update(NO_STORE)
    return enrolment


@router.post(
    "/v1/me/mfa/totp/confirm",
    summary="Confirm the authenticator app with its current code; it becomes an MFA method",
    description="Wrong code: 401 `invalid_mfa_code`; nothing pending: 409 `totp_not_pending`." + THROTTLED,
    operation_id="confirm_totp_enrolment",
    responses=problems(401, 403, 404, 409, 429),
    openapi_extra=access(Acting.SELF),
)
async def confirm_totp_enrolment(
    body: CodeConfirm, user_id: CurrentUserId, client: CurrentClient, runtime: Runtime, factors: CurrentFactors
) -> MfaMethodList:
    async with use_case(runtime) as uow:
        return await factors.confirm_totp(uow, user_id, body.code, client)


@router.post(
    "/v1/me/mfa/webauthn/options",
    summary="Start enrolling a passkey: options for navigator.credentials.create()",
    description="Valid for 5 minutes; confirm with POST /v1/me/mfa/webauthn.",
    operation_id="start_passkey_enrolment",
    responses=problems(401, 403, 404),
    openapi_extra=access(Acting.SELF),
)
async def start_passkey_enrolment(user_id: CurrentUserId, runtime: Runtime, factors: CurrentFactors) -> PasskeyOptions:
    async with use_case(runtime) as uow:
        return PasskeyOptions(options=await factors.passkey_options(uow, user_id))


@router.post(
    "/v1/me/mfa/webauthn",
    status_code=201,
    summary="Enrol a passkey with the response of navigator.credentials.create()",
    description="The response must answer the latest options (each is used once): else 401 `invalid_passkey`. An "
    "authenticator enrolled already: 409 `passkey_already_enrolled`.",
    operation_id="enrol_passkey",
    responses=problems(401, 403, 404, 409),
    openapi_extra=access(Acting.SELF),
)
async def enrol_passkey(
    body: PasskeyCreate, user_id: CurrentUserId, runtime: Runtime, factors: CurrentFactors
) -> MfaMethodList:
    async with use_case(runtime) as uow:
        return await factors.add_passkey(uow, user_id, body.credential, body.name.strip() or "Passkey")


@router.post(
    "/v1/me/mfa/recovery-codes",
    status_code=201,
    summary="Generate ten single-use recovery codes, shown once; older codes stop working",
    operation_id="generate_recovery_codes",
    responses=problems(401, 403, 404),
    openapi_extra=access(Acting.SELF),
)
async def generate_recovery_codes(
    user_id: CurrentUserId, response: Response, runtime: Runtime, factors: CurrentFactors
) -> RecoveryCodeList:
    async with use_case(runtime) as uow:
        codes = await factors.new_recovery_codes(uow, user_id)
    response.headers.update(NO_STORE)
    return RecoveryCodeList(codes=codes)


@router.delete(
    "/v1/me/mfa/{method}",
    status_code=204,
    summary="Remove an MFA method (never the last e-mail, authenticator app or passkey)",
    description="Unknown or not enrolled: 404 `mfa_method_not_found`; the last e-mail, app or passkeys: 409 "
    "`last_mfa_method`. Removing `webauthn` removes every passkey; `recovery_code` voids every unused code.",
    operation_id="delete_mfa_method",
    responses=problems(401, 403, 404, 409),
    openapi_extra=access(Acting.SELF),
)
async def delete_mfa_method(
    method: Annotated[MethodType, Path()], user_id: CurrentUserId, runtime: Runtime, factors: CurrentFactors
) -> Response:
    async with use_case(runtime) as uow:
        await factors.remove(uow, user_id, method)
    return Response(status_code=204)


@router.post(
    "/v1/me/mfa/challenge",
    status_code=202,
    summary="E-mail a one-time code to the MFA e-mail, for a change that needs a fresh second factor",
    description="Used with `method: email` by POST /v1/me/password. No MFA e-mail: 409 `mfa_method_not_enrolled`; "
    "more than 10 codes (challenges and MFA e-mail changes) in an hour: 429 `mfa_code_limit`; SMTP down: 503 "
    "`mail_unavailable`.",
    operation_id="send_mfa_challenge",
    responses=problems(401, 403, 409, 429, 503),
    openapi_extra=access(Acting.SELF),
)
async def send_mfa_challenge(user_id: CurrentUserId, runtime: Runtime, factors: CurrentFactors) -> ChallengeRead:
    async with use_case(runtime) as uow:
        return await factors.send_step_up_code(uow, user_id)


@router.post(
    "/v1/me/mfa/email",
    status_code=202,
    summary="Change the MFA e-mail (re-enrolment): sends a code to the new address",
    description="The new address replaces the MFA e-mail only once its code is verified "
    "(POST /v1/me/mfa/email/confirm); the old address is then told. `consent: false`: 403 `mfa_consent_refused`; "
    "more than 10 codes in an hour: 429 `mfa_code_limit`.",
    operation_id="change_mfa_email",
    responses=problems(401, 403, 404, 429, 503),
    openapi_extra=access(Acting.SELF),
)
async def change_mfa_email(
    body: MfaEmailChange, user_id: CurrentUserId, runtime: Runtime, factors: CurrentFactors
) -> ChallengeRead:
    async with use_case(runtime) as uow:
        return await factors.request_email_change(uow, user_id, body.email, body.email_confirmation, body.consent)


@router.post(
    "/v1/me/mfa/email/confirm",
    summary="Verify the code sent to the new MFA e-mail; it replaces the old one, which gets a notice",
    description="Wrong, expired or no pending change: 401 `invalid_mfa_code`." + THROTTLED,
    operation_id="confirm_mfa_email",
    responses=problems(401, 403, 404, 429, 503),
    openapi_extra=access(Acting.SELF),
)
async def confirm_mfa_email(
    body: CodeConfirm, user_id: CurrentUserId, client: CurrentClient, runtime: Runtime, factors: CurrentFactors
) -> MfaMethodList:
    async with use_case(runtime) as uow:
        return await factors.confirm_email_change(uow, user_id, body.code, client)
