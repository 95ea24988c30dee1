from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.recipients.models import Recipient
from notifications.recipients.service import Language, RecipientProfile, supersedes


def _profile(row: Recipient) -> RecipientProfile:
    return RecipientProfile(
        user_id=row.user_id,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        language=cast(Language, row.language),
        notices_by_email=row.notices_by_email,
    )


async def profiles(session: AsyncSession, user_ids: Iterable[str]) -> dict[str, RecipientProfile]:
    wanted = set(user_ids)
    if not wanted:
        return {}
    rows = (await session.execute(select(Recipient).where(Recipient.user_id.in_(wanted)))).scalars()
    return {row.user_id: _profile(row) for row in rows}


async def profile(session: AsyncSession, user_id: str) -> RecipientProfile | None:
    row = await session.get(Recipient, user_id)
    return _profile(row) if row is not None else None


async def save_profile(session: AsyncSession, profile: RecipientProfile, updated_at: datetime) -> bool:
    """Insert or update the recipient unless a later profile change is already applied; True when applied."""
    row = await session.get(Recipient, profile.user_id)
    if row is None:
        row = Recipient(user_id=profile.user_id)
        session.add(row)
    elif not supersedes(updated_at, row.profile_updated_at):
        return False
    row.first_name = profile.first_name
    row.last_name = profile.last_name
    row.email = profile.email
    row.language = profile.language
    row.notices_by_email = profile.notices_by_email
    row.profile_updated_at = updated_at
    return True
