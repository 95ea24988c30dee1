from __future__ import annotations

from typing import cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.language import Language
from identity.profile.models import Profile


async def language_of(session: AsyncSession, user_id: str) -> Language | None:
    """The language of the user's profile; None before they have one (e-mails then go in both languages)."""
    with session.no_autoflush:
        language = (await session.execute(select(Profile.language).where(Profile.user_id == user_id))).scalar()
    return cast(Language, language) if language in ("en", "fr") else None
