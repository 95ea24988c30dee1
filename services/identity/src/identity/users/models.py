from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from identity.db import Base, UtcDateTime


class User(Base):
    """A credential: the username and password a person signs in with."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(16))
    # Usernames are unique whatever their case: `Liviu1234` and `liviu1234` are the same credential.
    username_key: Mapped[str] = mapped_column(String(16), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    password_policy: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # The login before the current one: what the welcome page shows as "last login".
    previous_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Account lifecycle (identity.lifecycle): warned at 165 days without a sign-in, deactivated at 180,
    # revoked by the user for good.
    inactivity_warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    reactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class RecoveryAnswers(Base):
    """Recovery question, answers (hashed, like passwords) and the hints shown to help the user remember."""

    __tablename__ = "recovery_answers"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    question: Mapped[str] = mapped_column(String(40))
    answer_hash: Mapped[str] = mapped_column(Text)
    memorable_person_hash: Mapped[str] = mapped_column(Text)
    memorable_date_hash: Mapped[str] = mapped_column(Text)
    question_hint: Mapped[str | None] = mapped_column(String(100), default=None)
    memorable_person_hint: Mapped[str | None] = mapped_column(String(100), default=None)
    memorable_date_hint: Mapped[str | None] = mapped_column(String(100), default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MfaMethod(Base):
    """A verified second factor. Seed 000 has e-mail only; seed 004 adds SMS and authenticator apps later."""

    __tablename__ = "mfa_methods"
    __table_args__ = (UniqueConstraint("user_id", "type", name="uq_mfa_methods_user_id_type"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime())
