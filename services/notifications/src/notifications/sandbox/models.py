from datetime import datetime

from sqlalchemy import DateTime, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notifications.db import Base
from portal_runtime.messaging import ID_TYPE


class SandboxMail(Base):
    """One message the local SMTP sink received, once per envelope recipient."""

    __tablename__ = "sandbox_mail"
    __table_args__ = (Index("ix_sandbox_mail_to_received", "to_address", "received_at"),)

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    to_address: Mapped[str] = mapped_column(String())  # lower-cased: mailboxes are looked up case-insensitively
    from_address: Mapped[str] = mapped_column(String())
    subject: Mapped[str] = mapped_column(String())
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String())
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
