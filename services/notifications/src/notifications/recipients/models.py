from datetime import datetime

from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from notifications.db import Base


class Recipient(Base):
    """A user's contact details and notice preferences, as of the latest ``ProfileUpdated`` applied."""

    __tablename__ = "recipients"

    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    first_name: Mapped[str] = mapped_column(String())
    last_name: Mapped[str] = mapped_column(String())
    email: Mapped[str] = mapped_column(String())
    language: Mapped[str] = mapped_column(String(2))
    notices_by_email: Mapped[bool] = mapped_column(Boolean)
    # When identity recorded the profile change applied here: an older event arriving late changes nothing.
    profile_updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
