"""Rules of the recipients read model, free of I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from notifications.db import as_utc
from portal_contracts.events import ProfileUpdated

Language = Literal["en", "fr"]
DEFAULT_LANGUAGE: Language = "en"


@dataclass(frozen=True)
class RecipientProfile:
    """What notices need to know of a user: how to address them, in which language, and whether to e-mail."""

    user_id: str
    first_name: str
    last_name: str
    email: str
    language: Language
    notices_by_email: bool

    @property
    def display_name(self) -> str:
        return " ".join(f"{self.first_name} {self.last_name}".split())

    @classmethod
    def from_event(cls, event: ProfileUpdated) -> RecipientProfile:
        return cls(
            user_id=event.user_id,
            first_name=event.first_name,
            last_name=event.last_name,
            email=event.email,
            language=event.language,
            notices_by_email=event.notices_by_email,
        )


def language_of(profile: RecipientProfile | None) -> Language:
    """Notices are written in the recipient's preferred language; English while their profile is unknown."""
    return profile.language if profile is not None else DEFAULT_LANGUAGE


def supersedes(event_time: datetime, applied_at: datetime | None) -> bool:
    """Later profile events win: profile events carry no business key, so they may arrive out of order."""
    return applied_at is None or as_utc(event_time) >= as_utc(applied_at)
