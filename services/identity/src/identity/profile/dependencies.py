from typing import Annotated

from fastapi import Depends, Request

from identity.profile.service import PersonalProfiles


async def get_profiles(request: Request) -> PersonalProfiles:
    return PersonalProfiles(clock=request.app.state.clock)


CurrentProfiles = Annotated[PersonalProfiles, Depends(get_profiles)]
