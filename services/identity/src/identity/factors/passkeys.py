"""WebAuthn ceremonies (py_webauthn): enrolling a passkey and checking its assertion at sign-in.

Passkeys here are a second factor after the password, like the other methods; attestation is not asked for
("none"), user verification is preferred, and a signature counter that goes backwards refuses the assertion.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import PublicKeyCredentialDescriptor

from identity.config import Settings
from identity.factors.errors import PasskeyAlreadyEnrolled, PasskeyRejected
from identity.factors.models import Passkey, WebauthnChallenge
from identity.users.models import User


async def passkeys_of(session: AsyncSession, user_id: str) -> list[Passkey]:
    return list((await session.execute(select(Passkey).where(Passkey.user_id == user_id))).scalars().all())


def _descriptors(passkeys: list[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in passkeys]


async def _new_challenge(
    session: AsyncSession, settings: Settings, user_id: str, session_id: str | None, challenge: bytes, now: datetime
) -> None:
    session.add(
        WebauthnChallenge(
            user_id=user_id,
            session_id=session_id,
            challenge=bytes_to_base64url(challenge),
            issued_at=now,
            expires_at=now + timedelta(seconds=settings.webauthn_challenge_ttl_s),
        )
    )


async def _take_challenge(
    session: AsyncSession, user_id: str, session_id: str | None, now: datetime
) -> WebauthnChallenge | None:
    """The latest unused challenge of this ceremony, spent whatever the outcome: one response per challenge."""
    challenge = (
        await session.execute(
            select(WebauthnChallenge)
            .where(WebauthnChallenge.user_id == user_id, WebauthnChallenge.used_at.is_(None))
            .where(
                WebauthnChallenge.session_id == session_id
                if session_id is not None
                else WebauthnChallenge.session_id.is_(None)
            )
            .order_by(WebauthnChallenge.id.desc())
            .limit(1)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if challenge is None:
        return None
    challenge.used_at = now
    return challenge if challenge.expires_at > now else None


def _json(options: Any) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


@dataclass(frozen=True)
class PasskeyCeremonies:
    settings: Settings

    async def registration_options(self, session: AsyncSession, user: User, now: datetime) -> dict[str, Any]:
        options = generate_registration_options(
            rp_id=self.settings.webauthn_rp_id,
            rp_name=self.settings.webauthn_rp_name,
            user_name=user.username,
            user_id=user.id.encode(),
            exclude_credentials=_descriptors(await passkeys_of(session, user.id)),
        )
        await _new_challenge(session, self.settings, user.id, None, options.challenge, now)
        return _json(options)

    async def register(
        self, session: AsyncSession, user_id: str, credential: dict[str, Any], name: str, now: datetime
    ) -> Passkey:
        challenge = await _take_challenge(session, user_id, None, now)
        if challenge is None:
            raise PasskeyRejected()
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=base64url_to_bytes(challenge.challenge),
                expected_rp_id=self.settings.webauthn_rp_id,
                expected_origin=self.settings.webauthn_origins,
            )
        except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
            raise PasskeyRejected() from exc
        credential_id = bytes_to_base64url(verified.credential_id)
        if (await session.execute(select(Passkey.id).where(Passkey.credential_id == credential_id))).first():
            raise PasskeyAlreadyEnrolled(
                "This authenticator is already enrolled.", fr="Cet authentificateur est déjà inscrit."
            )
        passkey = Passkey(
            id=str(uuid.uuid4()),
            user_id=user_id,
            credential_id=credential_id,
            public_key=bytes_to_base64url(verified.credential_public_key),
            sign_count=verified.sign_count,
            name=name,
            created_at=now,
        )
        session.add(passkey)
        return passkey

    async def authentication_options(
        self, session: AsyncSession, user_id: str, session_id: str, now: datetime
    ) -> dict[str, Any]:
        options = generate_authentication_options(
            rp_id=self.settings.webauthn_rp_id, allow_credentials=_descriptors(await passkeys_of(session, user_id))
        )
        await _new_challenge(session, self.settings, user_id, session_id, options.challenge, now)
        return _json(options)

    async def accept_assertion(
        self, session: AsyncSession, user_id: str, session_id: str, credential: dict[str, Any], now: datetime
    ) -> bool:
        """Whether ``credential`` answers this sign-in's latest challenge with one of the user's passkeys."""
        challenge = await _take_challenge(session, user_id, session_id, now)
        presented = credential.get("id")
        passkey = (
            await session.execute(
                select(Passkey).where(Passkey.user_id == user_id, Passkey.credential_id == str(presented))
            )
        ).scalar_one_or_none()
        if challenge is None or passkey is None:
            return False
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=base64url_to_bytes(challenge.challenge),
                expected_rp_id=self.settings.webauthn_rp_id,
                expected_origin=self.settings.webauthn_origins,
                credential_public_key=base64url_to_bytes(passkey.public_key),
                credential_current_sign_count=passkey.sign_count,
            )
        except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
            return False
        passkey.sign_count, passkey.last_used_at = verified.new_sign_count, now
        return True
