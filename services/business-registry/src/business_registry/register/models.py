from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from business_registry.db import Base


class RegisterRecordRow(Base):
    """A business as the revenue agency's business register (CRA feed) holds it: what registration must match."""

    __tablename__ = "register_records"

    bn: Mapped[str] = mapped_column(String(9), primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(175))
    operating_name: Mapped[str | None] = mapped_column(String(175))
    po_box: Mapped[str | None] = mapped_column(String(60))
    line1: Mapped[str] = mapped_column(String(120))
    line2: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))
    province: Mapped[str | None] = mapped_column(String(60))
    city: Mapped[str] = mapped_column(String(80))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    program_accounts: Mapped[list[str]] = mapped_column(JSON, comment="BN15s of the business's RM accounts.")
    fed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
