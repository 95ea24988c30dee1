from typing import Annotated

from fastapi import APIRouter, Header, Response

from identity.dependencies import CurrentUserId
from identity.profile.dependencies import CurrentProfiles
from identity.profile.models import Profile
from identity.profile.schemas import ProfileRead, ProfileUpdate
from identity.profile.service import etag
from identity.transaction import use_case
from portal_runtime.access import Acting, access
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["profile"])

_ETAG_HEADER = {
    "ETag": {"description": "Version of the profile; send it back in If-Match.", "schema": {"type": "string"}}
}


def profile_read(profile: Profile, response: Response) -> ProfileRead:
    response.headers["ETag"] = etag(profile)
    return ProfileRead.model_validate(profile, from_attributes=True)


@router.get(
    "/v1/me/profile",
    summary="The caller's personal profile",
    operation_id="get_my_profile",
    responses={200: {"headers": _ETAG_HEADER}, **problems(401, 403, 404)},
    openapi_extra=access(Acting.SELF),
)
async def get_my_profile(
    user_id: CurrentUserId, response: Response, runtime: Runtime, profiles: CurrentProfiles
) -> ProfileRead:
    async with runtime.reads() as session:
        return profile_read(await profiles.read(session, user_id), response)


@router.put(
    "/v1/me/profile",
    summary="Create or replace the caller's personal profile",
    description=(
        "The first PUT creates the profile (201); later ones replace it (200). Send the ETag of your last GET in "
        "`If-Match`: if the profile changed meanwhile the answer is 412 `precondition_failed` and nothing is "
        "written. Without If-Match the write is unconditional — that is how the profile is first created, and "
        "it overwrites any concurrent change afterwards. `terms_consent` must be true."
    ),
    operation_id="put_my_profile",
    responses={
        200: {"description": "Profile replaced", "headers": _ETAG_HEADER},
        201: {"description": "Profile created", "model": ProfileRead, "headers": _ETAG_HEADER},
        **problems(401, 403, 404, 412),
    },
    openapi_extra=access(Acting.SELF),
)
async def put_my_profile(
    body: ProfileUpdate,
    user_id: CurrentUserId,
    response: Response,
    runtime: Runtime,
    profiles: CurrentProfiles,
    if_match: Annotated[str | None, Header(max_length=256)] = None,
) -> ProfileRead:
    async with use_case(runtime) as uow:
        written = await profiles.put(uow, user_id, body, if_match)
    if written.created:
        response.status_code = 201
    return profile_read(written.profile, response)
