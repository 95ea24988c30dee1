"""Tokens a completed login gets, and rotating refresh tokens (OAuth 2 refresh grant)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from identity.clock import Clock
from identity.errors import after_commit
from identity.keys.service import KeyStore
from identity.tokens.errors import InvalidGrant
from identity.tokens.models import RefreshToken
from identity.tokens.schemas import TokenRead
from portal_contracts.scopes import ALL_SCOPES
from portal_runtime.messaging import UnitOfWork

# Signed in with a password and a one-time code (RFC 8176 method references).
AUTHENTICATION_METHODS = ["pwd", "otp"]


def refresh_token_digest(token: str) -> str:
    # A 256-bit random token needs no slow hash: nobody can guess one, so SHA-256 only hides the stored value.
    return hashlib.sha256(token.encode("ascii", errors="replace")).hexdigest()


@dataclass(frozen=True)
class TokenIssuer:
    keys: KeyStore
    clock: Clock
    refresh_token_ttl_s: int

    def issue_for_login(self, uow: UnitOfWork, user_id: str, session_id: str) -> TokenRead:
        """The first tokens of a login; its refresh tokens form a new family that ends with the login's lifetime."""
        now = self.clock()
        expires_at = now + timedelta(seconds=self.refresh_token_ttl_s)
        refresh_token = self._add_refresh_token(uow, str(uuid.uuid4()), user_id, session_id, now, expires_at)
        return self._tokens(user_id, session_id, refresh_token)

    async def refresh(self, uow: UnitOfWork, presented: str) -> TokenRead:
        now = self.clock()
        token = (
            await uow.session.execute(
                select(RefreshToken).where(RefreshToken.token_hash == refresh_token_digest(presented)).with_for_update()
            )
        ).scalar_one_or_none()
        if token is None or token.revoked_at is not None or token.expires_at <= now:
            raise InvalidGrant("The refresh token is invalid, expired or revoked; sign in again.")
        claimed = await uow.session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            # A used token came back: it leaked, or its holder is racing the legitimate client. End the login.
            await uow.session.execute(
                update(RefreshToken)
                .where(RefreshToken.family_id == token.family_id, RefreshToken.revoked_at.is_(None))
                .values(revoked_at=now)
                .execution_options(synchronize_session=False)
            )
            raise after_commit(
                InvalidGrant("The refresh token was already used: every token of this login is revoked.")
            )
        refresh_token = self._add_refresh_token(
            uow, token.family_id, token.user_id, token.session_id, now, token.expires_at
        )
        return self._tokens(token.user_id, token.session_id, refresh_token)

    def _add_refresh_token(
        self, uow: UnitOfWork, family_id: str, user_id: str, session_id: str, now: datetime, expires_at: datetime
    ) -> str:
        token = secrets.token_urlsafe(32)
        uow.session.add(
            RefreshToken(
                id=str(uuid.uuid4()),
                family_id=family_id,
                user_id=user_id,
                session_id=session_id,
                token_hash=refresh_token_digest(token),
                issued_at=now,
                expires_at=expires_at,
            )
        )
        return token

    def _tokens(self, user_id: str, session_id: str, refresh_token: str) -> TokenRead:
        access_token = self.keys.issue_access_token(
            user_id,
            scopes=sorted(ALL_SCOPES),
            extra={"mfa": True, "sid": session_id, "amr": AUTHENTICATION_METHODS},
        )
        return TokenRead(
            access_token=access_token, refresh_token=refresh_token, expires_in=self.keys.access_token_ttl_s
        )
