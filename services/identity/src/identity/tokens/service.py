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
from identity.tokens.revocation import login_revoked
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

    async def refresh(self, uow: UnitOfWork, presented: str, client_id: str | None = None) -> TokenRead:
        """``client_id``: the client the request authenticated as; an OAuth client's refresh tokens need it."""
        now = self.clock()
        token = (
            await uow.session.execute(
                select(RefreshToken).where(RefreshToken.token_hash == refresh_token_digest(presented)).with_for_update()
            )
        ).scalar_one_or_none()
        if token is None or token.revoked_at is not None or token.expires_at <= now:
            raise InvalidGrant(
                "The refresh token is invalid, expired or revoked; sign in again.",
                fr="Le jeton d'actualisation n'est pas valide, a expiré ou a été révoqué; ouvrez une nouvelle session.",
            )
        if token.client_id != client_id and token.client_id is not None:
            raise InvalidGrant(
                "The refresh token was issued to another client.",
                fr="Le jeton d'actualisation a été délivré à un autre client.",
            )
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
            # Its access tokens too: the gateway refuses them (the event reaches its denylist).
            ttl = self.keys.access_token_ttl_s
            login_revoked(uow, token.session_id, token.user_id, "refresh_token_reused", now, ttl)
            raise after_commit(
                InvalidGrant(
                    "The refresh token was already used: every token of this login is revoked.",
                    fr="Le jeton d'actualisation a déjà été utilisé : tous les jetons de cette connexion sont "
                    "révoqués.",
                )
            )
        refresh_token = self._add_refresh_token(
            uow,
            token.family_id,
            token.user_id,
            token.session_id,
            now,
            token.expires_at,
            client_id=token.client_id,
            scope=token.scope,
        )
        if token.client_id is not None:
            scopes = (token.scope or "").split()
            return self.client_tokens(token.user_id, token.session_id, token.client_id, scopes, refresh_token)
        return self._tokens(token.user_id, token.session_id, refresh_token)

    def issue_for_client(self, uow: UnitOfWork, user_id: str, client_id: str, scopes: list[str]) -> tuple[str, str]:
        """A refresh token family for what a user consented to give an OAuth client (consent needs a user signed in
        with MFA, so these tokens carry ``mfa``); returns (refresh token, session id)."""
        now = self.clock()
        family_id = str(uuid.uuid4())
        token = self._add_refresh_token(
            uow,
            family_id,
            user_id,
            f"oauth:{family_id}",
            now,
            now + timedelta(seconds=self.refresh_token_ttl_s),
            client_id=client_id,
            scope=" ".join(scopes),
        )
        return token, f"oauth:{family_id}"

    def client_tokens(
        self, user_id: str, session_id: str, client_id: str, scopes: list[str], refresh_token: str | None
    ) -> TokenRead:
        """Tokens of an OAuth client acting for a user: the consented scopes only, ``client_id`` named (RFC 9068)."""
        access_token = self.keys.issue_access_token(
            user_id,
            scopes=[s for s in scopes if s in ALL_SCOPES],
            extra={"mfa": True, "sid": session_id, "client_id": client_id},
        )
        return TokenRead(
            access_token=access_token,
            refresh_token=refresh_token,
            expires_in=self.keys.access_token_ttl_s,
            scope=" ".join(scopes),
        )

    def _add_refresh_token(
        self,
        uow: UnitOfWork,
        family_id: str,
        user_id: str,
        session_id: str,
        now: datetime,
        expires_at: datetime,
        *,
        client_id: str | None = None,
        scope: str | None = None,
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
                client_id=client_id,
                scope=scope,
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
