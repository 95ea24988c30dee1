from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from identity.db import Base, UtcDateTime
from portal_runtime.messaging import ID_TYPE


class TotpFactor(Base):
    """An authenticator app: its shared secret (sealed with AES-256-GCM, see identity.factors.sealing), whether a
    first code confirmed it, and the last time step used (a code is accepted once: never a step at or before this
    one again)."""

    __tablename__ = "totp_factors"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_used_step: Mapped[int | None] = mapped_column(Integer, default=None)


class RecoveryCode(Base):
    """One of the ten single-use recovery codes, kept only as a salted HMAC."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class MfaChallenge(Base):
    """A code e-mailed to a signed-in user: `step_up` (to the MFA e-mail, before a sensitive change) or
    `email_change` (to the new address, which replaces the MFA e-mail once the code is verified)."""

    __tablename__ = "mfa_challenges"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(254))
    digest: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class Passkey(Base):
    """A WebAuthn credential (passkey or security key) used as a second factor: its public key and counter."""

    __tablename__ = "webauthn_credentials"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url, at most 1023 bytes
    public_key: Mapped[str] = mapped_column(Text)  # base64url COSE key
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class WebauthnChallenge(Base):
    """The random challenge of one WebAuthn ceremony: enrolment (no login session) or a sign-in (its session)."""

    __tablename__ = "webauthn_challenges"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[str | None] = mapped_column(String(64), default=None)
    challenge: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
