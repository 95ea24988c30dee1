from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delegation.businesses.models import Business
from delegation.db import USER_ID, Base
from portal_runtime.messaging import ID_TYPE


class AccessRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class AccessRequest(Base):
    """An unassociated user's request for access to their employer, and its decision."""

    __tablename__ = "access_requests"
    __table_args__ = (
        # At most one pending request per user and business, even under concurrent submissions.
        Index(
            "uq_access_requests_pending",
            "bn",
            "requester_user_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_access_requests_bn_status_seq", "bn", "status", "seq"),
        Index("ix_access_requests_requester_user_id_seq", "requester_user_id", "seq"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
    )

    seq: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)  # list order (newest first)
    id: Mapped[str] = mapped_column(String(36), unique=True)  # public id (UUID)
    bn: Mapped[str] = mapped_column(ForeignKey("businesses.bn"))
    requester_user_id: Mapped[str] = mapped_column(USER_ID)
    comment: Mapped[str] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(USER_ID)
    # What the approval granted at the time (the grant itself may change later).
    granted_role: Mapped[str | None] = mapped_column(String(16))
    granted_programs: Mapped[Any] = mapped_column(JSON, nullable=True)
    rejection_comment: Mapped[str | None] = mapped_column(String(256))
    business: Mapped[Business] = relationship(lazy="joined", innerjoin=True)
