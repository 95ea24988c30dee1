from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from identity.db import Base, UtcDateTime


class FederatedIdentity(Base):
    """A sign-in partner's account (issuer + subject) linked to exactly one of our users, for good."""

    __tablename__ = "federated_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_federated_identities_issuer_subject"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    partner: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FederatedLogin(Base):
    """A login waiting for the sign-in partner's answer: what the callback must match, kept server side.

    Its id becomes the id of the login session (identity.sessions) once the partner's ID token is accepted.
    """

    __tablename__ = "federated_logins"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Set once: the partner's answer was accepted (the login session goes on) or refused (the login is over).
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)
