from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notifications.db import Base


class Notice(Base):
    """One notice in one user's inbox, rendered in their language when it was posted."""

    __tablename__ = "notices"
    __table_args__ = (
        # The inbox query: one recipient's notices, newest first, keyset-paged on (created_at, id).
        Index("ix_notices_recipient_created", "recipient_user_id", "created_at", "id"),
        # One notice per event and recipient, whatever happens to the inbox of the consumer.
        UniqueConstraint("source_event_id", "recipient_user_id", name="uq_notices_source_event_recipient"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    recipient_user_id: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String())
    body: Mapped[str] = mapped_column(Text)
    # Subject and body folded (case and accents) once, so search behaves the same on SQLite and PostgreSQL.
    search_text: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean)
    business_bn: Mapped[str | None] = mapped_column(String(9))
    business_name: Mapped[str | None] = mapped_column(String())
    program_account: Mapped[str | None] = mapped_column(String(15))
    source_event_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def account(self) -> str | None:
        """The account column of the inbox: the program account when there is one, else the business."""
        return self.program_account or self.business_bn
