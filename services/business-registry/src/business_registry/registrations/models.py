from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from business_registry.db import Base
from portal_runtime.messaging import ID_TYPE


class RegistrationAttempt(Base):
    """One try at proving knowledge of a business's account. Pending and failed attempts count against the
    limits, per business and per user; the rows outlive restarts, so the limits do too."""

    __tablename__ = "registration_attempts"
    __table_args__ = (
        Index("ix_registration_attempts_bn_started_at", "bn", "started_at"),
        Index("ix_registration_attempts_user_id_started_at", "user_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    bn: Mapped[str] = mapped_column(String(9))
    user_id: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(10), comment="pending, failed, succeeded or abandoned.")
