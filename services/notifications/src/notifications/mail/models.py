from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from notifications.db import Base


class EmailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # the SMTP server refused it for good (5xx): retrying cannot help


class OutboundEmail(Base):
    """An e-mail announcing a notice, recorded in the notice's transaction and delivered afterwards.

    At most one per notice (unique ``notice_id``). A sender claims a due row by bumping ``attempts`` and pushing
    ``next_attempt_at`` past its lease, so two senders never deliver the same row at the same time.
    """

    __tablename__ = "outbound_email"
    __table_args__ = (
        # What the sender polls: only pending rows, by due time (sent rows pile up, the index stays small).
        Index(
            "ix_outbound_email_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), unique=True)
    to_address: Mapped[str] = mapped_column(String())
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String())
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
