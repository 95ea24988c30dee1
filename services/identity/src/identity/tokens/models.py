from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from identity.db import Base, UtcDateTime


class RefreshToken(Base):
    """An opaque refresh token, kept as a SHA-256 digest. One family per login; each use rotates it, and
    presenting a used one again revokes the whole family (RFC 9700 §4.14.2)."""

    __tablename__ = "refresh_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Set when an OAuth client got the family through the authorization code grant: refreshes keep its scopes.
    client_id: Mapped[str | None] = mapped_column(String(64), default=None)
    scope: Mapped[str | None] = mapped_column(Text, default=None)
