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
