from fastapi import APIRouter

from identity.dependencies import CurrentUserId
from identity.me.dependencies import CurrentWelcome
from identity.me.schemas import MeRead
from portal_runtime.access import Acting, access
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["me"])


@router.get(
    "/v1/me",
    summary="The caller: username, previous login, MFA methods, profile status, businesses",
    description=(
        "`businesses` come from delegation; when it cannot answer, the rest is still returned with "
        "`businesses: null` and `businesses_status: unavailable`."
    ),
    operation_id="get_me",
    responses=problems(401, 403, 404),
    openapi_extra=access(Acting.SELF),
)
async def get_me(user_id: CurrentUserId, runtime: Runtime, welcome: CurrentWelcome) -> MeRead:
    return await welcome.about(runtime.sessions, user_id)
