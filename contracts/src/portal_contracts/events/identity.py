from __future__ import annotations

from typing import ClassVar

from portal_contracts.events.base import EventPayload


class UserRegistered(EventPayload):
    """A credential was created."""

    event_type: ClassVar[str] = "identity.user.registered.v1"

    user_id: str
    username: str
