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
