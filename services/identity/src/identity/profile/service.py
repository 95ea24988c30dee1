"""Reading and writing the personal profile, with optimistic concurrency (ETag / If-Match)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from identity.clock import Clock
from identity.errors import InvalidRequest, UserNotFound
from identity.profile.errors import PreconditionFailed, ProfileNotCreated
from identity.profile.models import Profile
from identity.profile.rules import normalise_phone, profile_errors
from identity.profile.schemas import ProfileUpdate
from identity.users.models import User
from portal_contracts.events.identity import ProfileUpdated
from portal_runtime.messaging import UnitOfWork


def etag(profile: Profile) -> str:
    return f'"{profile.version}"'


def if_match_allows(if_match: str | None, current: Profile | None) -> bool:
    """RFC 9110 §13.1.1. Without If-Match the write is unconditional (that is how the profile is first created)."""
    if if_match is None:
        return True
    if current is None:
        return False
    tags = {tag.strip() for tag in if_match.split(",")}
    return "*" in tags or etag(current) in tags


def profile_values(update: ProfileUpdate) -> dict[str, Any]:
    """The stored form of a valid update: trimmed names, E.164 phone, no empty extension."""
    return {
        "first_name": update.first_name.strip(),
        "last_name": update.last_name.strip(),
        "phone": normalise_phone(update.phone),
        "phone_extension": update.phone_extension or None,
        "email": update.email.strip(),
        "notices_by_email": update.notices_by_email,
        "language": update.language,
    }


@dataclass(frozen=True)
class ProfileWrite:
    profile: Profile
    created: bool


@dataclass(frozen=True)
class PersonalProfiles:
    clock: Clock

    async def read(self, session: AsyncSession, user_id: str) -> Profile:
        profile = await session.get(Profile, user_id)
        if profile is None:
            raise ProfileNotCreated()
        return profile

    async def put(self, uow: UnitOfWork, user_id: str, update: ProfileUpdate, if_match: str | None) -> ProfileWrite:
        errors = profile_errors(
            first_name=update.first_name,
            last_name=update.last_name,
            phone=update.phone,
            phone_extension=update.phone_extension,
            email=update.email,
            email_confirmation=update.email_confirmation,
            terms_consent=update.terms_consent,
        )
        if errors:
            raise InvalidRequest(errors)
        if await uow.session.get(User, user_id) is None:
            raise UserNotFound("There is no user with this id.", fr="Aucun utilisateur n'a cet identifiant.")
        current = await uow.session.get(Profile, user_id, with_for_update=True)
        if not if_match_allows(if_match, current):
            raise PreconditionFailed()

        now = self.clock()
        values = profile_values(update)
        created = current is None
        if current is None:
            current = Profile(
                user_id=user_id, version=1, created_at=now, updated_at=now, terms_consented_at=now, **values
            )
            uow.session.add(current)
        elif any(getattr(current, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(current, name, value)
            current.version += 1
            current.updated_at = current.terms_consented_at = now
        else:
            return ProfileWrite(current, created=False)  # nothing changed: same version, no event
        uow.publish(
            ProfileUpdated(
                user_id=user_id,
                first_name=current.first_name,
                last_name=current.last_name,
                email=current.email,
                language=update.language,
                notices_by_email=current.notices_by_email,
            )
        )
        return ProfileWrite(current, created=created)
