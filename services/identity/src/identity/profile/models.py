from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from identity.db import Base, UtcDateTime


class Profile(Base):
    """The personal profile asked for on the first login (seed 000 §1.8)."""

    __tablename__ = "profiles"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(16))  # E.164, e.g. +16135550100
    phone_extension: Mapped[str | None] = mapped_column(String(6), default=None)
    email: Mapped[str] = mapped_column(String(254))
    notices_by_email: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str] = mapped_column(String(2))
    terms_consented_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Bumped on every change; the ETag is derived from it.
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
