from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from portal_contracts.events.base import EventPayload


class UserRegistered(EventPayload):
    """A credential was created."""

    event_type: ClassVar[str] = "identity.user.registered.v1"

    user_id: str
    username: str


class ProfileUpdated(EventPayload):
    """A user created or changed their personal profile: notifications keeps its recipients from these."""

    event_type: ClassVar[str] = "identity.profile.updated.v1"

    user_id: str
    first_name: str
    last_name: str
    email: str
    language: Literal["en", "fr"]
    notices_by_email: bool


class MfaSessionLocked(EventPayload):
    """Too many wrong one-time codes: the login session is locked and the user must be told."""

    event_type: ClassVar[str] = "identity.mfa.session_locked.v1"

    user_id: str
    session_id: str
    failed_attempts: int
    locked_at: datetime
    mfa_email: str | None = None


class MfaCodeIssued(EventPayload):
    """A one-time code was sent (or a step-up challenge started): notifications lists it so an unexpected code
    can be noticed. The code itself is never in the event."""

    event_type: ClassVar[str] = "identity.mfa.code_issued.v1"

    user_id: str
    method: Literal["email"]
    at: datetime


class CredentialRevoked(EventPayload):
    """The user revoked their credential: they can no longer sign in and every token of theirs is revoked."""

    event_type: ClassVar[str] = "identity.credential.revoked.v1"

    user_id: str
    revoked_at: datetime


class AccountDeactivated(EventPayload):
    """180 days without a sign-in: the account is deactivated until the user reactivates it."""

    event_type: ClassVar[str] = "identity.account.deactivated.v1"

    user_id: str
    deactivated_at: datetime


RevocationReason = Literal[
    "token_revoked",
    "login_revoked",
    "refresh_token_reused",
    "authorization_code_reused",
    "client_revoked",
    "client_secret_rotated",
    "credential_revoked",
    "password_changed",
    "account_deactivated",
]


class _TokensRevoked(EventPayload):
    """Access tokens identity stopped honouring before their expiry. Access tokens are JWTs verified offline, so
    the gateway keeps these as a denylist: a token matching the selector and issued (``iat``) before
    ``issued_before`` is refused. ``keep_until`` is when the last token it covers expires: the entry may be dropped
    after it. When nothing the selector names can obtain a token again (a revoked client or credential),
    ``issued_before`` is ``keep_until``: every token is covered."""

    reason: RevocationReason
    issued_before: datetime
    keep_until: datetime


class AccessTokenRevoked(_TokensRevoked):
    """One access token revoked by ``jti`` (RFC 7009)."""

    event_type: ClassVar[str] = "identity.access_token.revoked.v1"

    jti: str


class LoginTokensRevoked(_TokensRevoked):
    """Every access token of one login or OAuth grant (the ``sid`` claim): its refresh-token family was revoked
    (RFC 7009, a reused refresh token or authorization code)."""

    event_type: ClassVar[str] = "identity.login.tokens_revoked.v1"

    session_id: str
    user_id: str


class ClientTokensRevoked(_TokensRevoked):
    """Every access token an API client obtained for itself (``client_credentials``): revoked, or its secret
    rotated without a grace period."""

    event_type: ClassVar[str] = "identity.client.tokens_revoked.v1"

    client_id: str


class UserTokensRevoked(_TokensRevoked):
    """Every access token of a user (their own, and those of applications acting for them), but those of
    ``except_session_id`` (the login that changed the password keeps working)."""

    event_type: ClassVar[str] = "identity.user.tokens_revoked.v1"

    user_id: str
    except_session_id: str | None = None
