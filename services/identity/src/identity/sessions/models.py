from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from identity.db import Base, UtcDateTime
from portal_runtime.messaging import ID_TYPE


class LoginSession(Base):
    """One sign-in, from the password to the tokens: which step it expects next and how it went."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    codes_sent: Mapped[int] = mapped_column(Integer, default=0)
    # Where this session's codes go; while `enrolling`, an address that becomes the MFA e-mail once verified.
    code_address: Mapped[str | None] = mapped_column(String(254), default=None)
    enrolling: Mapped[bool] = mapped_column(Boolean, default=False)
    mfa_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    locked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class OneTimeCode(Base):
    """A six-digit code e-mailed during a login session, kept only as a salted HMAC."""

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("login_sessions.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    sent_to: Mapped[str] = mapped_column(String(254))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
