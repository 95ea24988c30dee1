from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity.errors import UserNotFound
from identity.factors.models import Passkey, TotpFactor
from identity.mail.addresses import mask_email
from identity.me.delegation import DelegationDirectory
from identity.me.schemas import MeRead, MfaMethodRead
from identity.profile.models import Profile
from identity.users.models import MfaMethod, User


@dataclass(frozen=True)
class Welcome:
    """What the portal shows a signed-in user about themselves (seed 000: "date of the last login")."""

    delegation: DelegationDirectory

    async def about(self, sessions: async_sessionmaker[AsyncSession], user_id: str) -> MeRead:
        async with sessions() as session:  # closed before calling delegation: no connection held while waiting
            user = await session.get(User, user_id)
            if user is None:
                raise UserNotFound("There is no user with this id.", fr="Aucun utilisateur n'a cet identifiant.")
            methods = (await session.execute(select(MfaMethod).where(MfaMethod.user_id == user_id))).scalars().all()
            totp = await session.get(TotpFactor, user_id)
            has_passkey = (await session.execute(select(Passkey.id).where(Passkey.user_id == user_id))).first()
            has_profile = (await session.execute(select(Profile.user_id).where(Profile.user_id == user_id))).first()
        businesses = await self.delegation.memberships(user_id)
        return MeRead(
            id=user.id,
            username=user.username,
            last_login_at=user.previous_login_at,
            mfa_methods=[
                MfaMethodRead(type="email", email=mask_email(m.email)) for m in methods if m.type == "email" and m.email
            ]
            + ([MfaMethodRead(type="totp")] if totp is not None and totp.confirmed_at is not None else [])
            + ([MfaMethodRead(type="webauthn")] if has_passkey else []),
            profile_complete=has_profile is not None,
            businesses=businesses,
            businesses_status="unavailable" if businesses is None else "available",
        )
