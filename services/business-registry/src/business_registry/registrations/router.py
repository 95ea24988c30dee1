from datetime import UTC
from typing import Any

from fastapi import APIRouter, Response, status

from business_registry.businesses.service import INITIAL_VERSION, etag
from business_registry.errors import RegistrationProblem
from business_registry.registrations.dependencies import CurrentRegistrations
from business_registry.registrations.schemas import BusinessRegistrationRead, RegistrationCreate
from business_registry.registrations.service import Registrant
from portal_runtime.access import Acting, access
from portal_runtime.clock import CurrentClock, Today
from portal_runtime.context import CurrentContext
from portal_runtime.problems import PROBLEM_MEDIA_TYPE, problems

router = APIRouter(tags=["registrations"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    **problems(401, 409, 503),
    422: {
        "model": RegistrationProblem,
        "description": (
            "Not valid: `validation_failed` (every field error), `invalid_business_number`, `proof_outside_window`, "
            "`business_not_found`, `program_account_not_found`, `register_mismatch` (`errors` names each field "
            "that differs) or `proof_of_knowledge_failed` (with `attempts_left`)"
        ),
        "content": {PROBLEM_MEDIA_TYPE: {}},
    },
    429: {
        "model": RegistrationProblem,
        "description": "`too_many_attempts`: too many failed attempts for this business or by this user",
        "headers": {
            "Retry-After": {"description": "Seconds until an attempt may start.", "schema": {"type": "integer"}}
        },
        "content": {PROBLEM_MEDIA_TYPE: {}},
    },
}


@router.post(
    "/v1/business-registrations",
    status_code=status.HTTP_201_CREATED,
    summary="Register my business with proof of account knowledge; I become its business account manager",
    operation_id="register_business",
    responses=_RESPONSES,
    openapi_extra=access(Acting.SELF),
)
async def register_business(
    registration: RegistrationCreate,
    context: CurrentContext,
    registrations: CurrentRegistrations,
    clock: CurrentClock,
    today: Today,
    response: Response,
) -> BusinessRegistrationRead:
    registrant = Registrant(user_id=context.subject, now=clock().astimezone(UTC), today=today)
    business = await registrations.register(registration, registrant)
    response.headers["Location"] = f"/v1/businesses/{business.bn}"
    response.headers["ETag"] = etag(INITIAL_VERSION)
    return business
