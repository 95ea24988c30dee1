from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from identity.db import Base, UtcDateTime


class AuthorizationCode(Base):
    """A code a user's consent produced (RFC 6749 §4.1), kept as a SHA-256 digest: single use, short-lived, bound
    to the client, the redirect URI and the PKCE challenge (S256)."""

    __tablename__ = "authorization_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    nonce: Mapped[str | None] = mapped_column(String(255), default=None)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    session_id: Mapped[str | None] = mapped_column(String(64), default=None)  # of the tokens it was exchanged for


class RevokedAccessToken(Base):
    """Access tokens revoked before they expire (RFC 7009), by ``jti``; introspection reports them inactive.
    A row is useless once ``expires_at`` has passed."""

    __tablename__ = "revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    revoked_at: Mapped[datetime] = mapped_column(UtcDateTime())
