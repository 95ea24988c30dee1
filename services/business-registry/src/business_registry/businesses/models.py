from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from business_registry.db import Base


class Business(Base):
    """A business registered on the portal (once: the primary key refuses a second registration)."""

    __tablename__ = "businesses"

    bn: Mapped[str] = mapped_column(String(9), primary_key=True)
    # Legal data as matched against the business register at registration; not editable through the portal.
    legal_name: Mapped[str] = mapped_column(String(175))
    operating_name: Mapped[str | None] = mapped_column(String(175))
    po_box: Mapped[str | None] = mapped_column(String(60))
    line1: Mapped[str] = mapped_column(String(120))
    line2: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))
    province: Mapped[str | None] = mapped_column(String(60))
    city: Mapped[str] = mapped_column(String(80))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    mailing_language: Mapped[str] = mapped_column(String(2))
    mailing_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    registrant_user_id: Mapped[str] = mapped_column(String(128))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, comment="Incremented on every change; the ETag.")


class ProgramAccount(Base):
    """An import-export (RM) program account of a registered business."""

    __tablename__ = "program_accounts"

    bn15: Mapped[str] = mapped_column(String(15), primary_key=True)
    bn: Mapped[str] = mapped_column(ForeignKey("businesses.bn"), index=True)
    reference: Mapped[str] = mapped_column(String(6), comment="RM + four digits, e.g. RM0001.")
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
