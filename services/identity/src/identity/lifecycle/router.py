from fastapi import APIRouter, Response

from identity.dependencies import CurrentUserId
from identity.lifecycle.dependencies import CurrentLifecycle
from identity.lifecycle.schemas import PasswordChange, Reactivation, ReactivationRead, RecoveryChange
from identity.throttle.dependencies import CurrentClient
from identity.transaction import use_case
from portal_runtime.access import Acting, access
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter()

THROTTLED = " Too many failures: 429 `too_many_attempts` with `Retry-After`."


@router.post(
    "/v1/me/password",
    status_code=204,
    tags=["me"],
    summary="Change the password: the current one, a fresh second factor and the new one (twice)",
    description="Rules of POST /v1/users (422 with a code per rule, plus `password_unchanged`). Wrong current "
    "password: 401 `wrong_password`; wrong second factor: 401 `invalid_mfa_code` (`method: email` takes the code "
    "of POST /v1/me/mfa/challenge). Every other login of the user is signed out (refresh tokens revoked); the "
    "login of `current_refresh_token` stays." + THROTTLED,
    operation_id="change_password",
    responses=problems(401, 403, 404, 429),
    openapi_extra=access(Acting.SELF),
)
async def change_password(
    body: PasswordChange, user_id: CurrentUserId, client: CurrentClient, runtime: Runtime, lifecycle: CurrentLifecycle
) -> Response:
    async with use_case(runtime) as uow:
        await lifecycle.change_password(uow, user_id, body, client)
    return Response(status_code=204)


@router.put(
    "/v1/me/recovery",
    status_code=204,
    tags=["me"],
    summary="Replace the recovery question, answers and hints; needs the password",
    description="Rules of POST /v1/users for `recovery` (422). Wrong password: 401 `wrong_password`." + THROTTLED,
    operation_id="change_recovery",
    responses=problems(401, 403, 404, 429),
    openapi_extra=access(Acting.SELF),
)
async def change_recovery(
    body: RecoveryChange, user_id: CurrentUserId, client: CurrentClient, runtime: Runtime, lifecycle: CurrentLifecycle
) -> Response:
    async with use_case(runtime) as uow:
        await lifecycle.change_recovery(uow, user_id, body, client)
    return Response(status_code=204)


@router.delete(
    "/v1/me",
    status_code=204,
    tags=["me"],
    summary="Revoke the credential: it can no longer sign in, and every login is signed out",
    description="Irreversible. A sign-in with it then answers 403 `credential_revoked`. Publishes "
    "`identity.credential.revoked.v1`.",
    operation_id="revoke_credential",
    responses=problems(401, 403, 404),
    openapi_extra=access(Acting.SELF),
)
async def revoke_credential(user_id: CurrentUserId, runtime: Runtime, lifecycle: CurrentLifecycle) -> Response:
    async with use_case(runtime) as uow:
        await lifecycle.revoke(uow, user_id)
    return Response(status_code=204)


@router.post(
    "/v1/users/reactivation",
    tags=["users"],
    summary="Reactivate an account deactivated after 180 days without a sign-in",
    description="Username, password and all three recovery answers. Any of them wrong (or no such user): 401 "
    "`reactivation_refused`, the same answer for each; not deactivated: 409 `account_active`; revoked: 403 "
    "`credential_revoked`. Then sign in as usual: the second factor is asked for." + THROTTLED,
    operation_id="reactivate_account",
    responses=problems(401, 403, 409, 429),
    openapi_extra=access(Acting.PUBLIC),
)
async def reactivate_account(
    body: Reactivation, client: CurrentClient, runtime: Runtime, lifecycle: CurrentLifecycle
) -> ReactivationRead:
    async with use_case(runtime) as uow:
        reactivated_at = await lifecycle.reactivate(uow, body, client)
    return ReactivationRead(reactivated_at=reactivated_at, next="sign_in")
