from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delegation.db import USER_ID, Base


class Business(Base):
    """Delegation's read model of a registered business (from business-registry's events)."""

    __tablename__ = "businesses"

    bn: Mapped[str] = mapped_column(String(9), primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(175))
    operating_name: Mapped[str | None] = mapped_column(String(175))
    registered_by: Mapped[str] = mapped_column(USER_ID)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    program_accounts: Mapped[list[ProgramAccount]] = relationship(
        lazy="selectin", order_by="ProgramAccount.bn15", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        """The name employees know the business by: its operating name, else its legal name."""
        return self.operating_name or self.legal_name

    @property
    def program_account_numbers(self) -> frozenset[str]:
        return frozenset(p.bn15 for p in self.program_accounts)


class ProgramAccount(Base):
    __tablename__ = "program_accounts"

    bn15: Mapped[str] = mapped_column(String(15), primary_key=True)
    bn: Mapped[str] = mapped_column(ForeignKey("businesses.bn", ondelete="CASCADE"), index=True)
