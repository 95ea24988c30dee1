"""Access tokens revoked before they expire, and how the gateway learns of it.

Access tokens are Ed25519 JWTs the gateway verifies offline, so revoking the grant behind one (a refresh-token
family, an API client, a credential) does not stop it by itself. Identity therefore publishes an event for every
revocation (``portal_contracts.events.identity``: by ``jti``, by login ``sid``, by API client, by user, each with
``issued_before`` and ``keep_until``) and the gateway keeps them as a denylist. While the gateway's feed of those
events is not current it asks :func:`revocation_reason` instead (``POST /internal/tokens/revocation-status``):
the same rule read from identity's tables.

Tokens carry ``iat`` in whole seconds: a token issued in the second of a revocation but after it is refused too
(the safe side). The one place where a legitimate token follows a revocation at once, an API client fetching a
token right after rotating its secret, is avoided by dating that token from the next second (see
``OAuthServer.client_credentials``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.clients.models import Client
from identity.oauth.models import RevokedAccessToken
from identity.tokens.models import RefreshToken
from identity.users.models import User
from portal_contracts.events.identity import (
    AccessTokenRevoked,
    ClientTokensRevoked,
    LoginTokensRevoked,
    RevocationReason,
    UserTokensRevoked,
)
from portal_runtime.messaging import UnitOfWork

CLIENT_ACTIVE = "active"


# Revocations after which nothing the selector names can obtain a token again: every token is covered, however it
# is dated (an API client's token may be dated up to a second ahead, see OAuthServer.client_credentials).
PERMANENT: frozenset[RevocationReason] = frozenset({"client_revoked", "credential_revoked"})


def _window(now: datetime, keep_s: int, reason: RevocationReason) -> dict[str, Any]:
    keep_until = now + timedelta(seconds=keep_s)
    return {"reason": reason, "issued_before": keep_until if reason in PERMANENT else now, "keep_until": keep_until}


def access_token_revoked(uow: UnitOfWork, jti: str, expires_at: datetime, now: datetime) -> None:
    uow.publish(AccessTokenRevoked(reason="token_revoked", jti=jti, issued_before=now, keep_until=expires_at))


def login_revoked(
    uow: UnitOfWork, session_id: str, user_id: str, reason: RevocationReason, now: datetime, keep_s: int
) -> None:
    """``keep_s``: the longest lifetime of an access token of this login (user tokens; exchanged ones are shorter)."""
    uow.publish(LoginTokensRevoked(session_id=session_id, user_id=user_id, **_window(now, keep_s, reason)))


def client_revoked(uow: UnitOfWork, client_id: str, reason: RevocationReason, now: datetime, keep_s: int) -> None:
    uow.publish(ClientTokensRevoked(client_id=client_id, **_window(now, keep_s, reason)))


def user_revoked(
    uow: UnitOfWork,
    user_id: str,
    reason: RevocationReason,
    now: datetime,
    keep_s: int,
    except_session_id: str | None = None,
) -> None:
    uow.publish(UserTokensRevoked(user_id=user_id, except_session_id=except_session_id, **_window(now, keep_s, reason)))


def _issued_before(claims: dict[str, Any], moment: datetime) -> bool:
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        return True  # no issue date: as old as can be
    return iat < moment.timestamp()


async def login_was_revoked(session: AsyncSession, session_id: str) -> bool:
    """Whether the refresh family of the login (or OAuth grant) an access token came from was revoked: a replayed
    refresh token, a reused authorization code, an RFC 7009 revocation, a password change elsewhere."""
    revoked = await session.execute(
        select(RefreshToken.id)
        .where(RefreshToken.session_id == session_id, RefreshToken.revoked_at.is_not(None))
        .limit(1)
    )
    return revoked.first() is not None


async def revocation_reason(session: AsyncSession, claims: dict[str, Any]) -> RevocationReason | None:
    """Why identity no longer honours a token with these claims, or None. A denylist: only a recorded revocation
    counts (an unknown user or client is not evidence; identity issued the token, the signature says so)."""
    jti = claims.get("jti")
    if isinstance(jti, str) and jti and await session.get(RevokedAccessToken, jti) is not None:
        return "token_revoked"
    sid = claims.get("sid")
    if isinstance(sid, str) and sid and await login_was_revoked(session, sid):
        return "login_revoked"
    subject, client_id = claims.get("sub"), claims.get("client_id")
    if isinstance(client_id, str) and client_id:
        client = await session.get(Client, client_id)
        if client is not None and client.status != CLIENT_ACTIVE:
            return "client_revoked"
        if client is not None and subject == client_id and _rotated_without_grace(client, claims):
            return "client_secret_rotated"
    if isinstance(subject, str) and subject and subject != client_id:
        user = await session.get(User, subject)
        if user is not None and user.revoked_at is not None:
            return "credential_revoked"
        if user is not None and user.deactivated_at is not None and _issued_before(claims, user.deactivated_at):
            return "account_deactivated"
    return None


def _rotated_without_grace(client: Client, claims: dict[str, Any]) -> bool:
    # With a grace period the old secret keeps obtaining tokens for a while: those are left to expire.
    rotated_at = client.secret_rotated_at
    return rotated_at is not None and client.previous_secret_hash is None and _issued_before(claims, rotated_at)
