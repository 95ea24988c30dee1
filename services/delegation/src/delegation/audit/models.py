from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from delegation.db import USER_ID, Base
from portal_runtime.messaging import ID_TYPE


class AccessAuditEntry(Base):
    """One access change, append-only: the migration makes the database refuse updates and deletes.

    No foreign keys: the trail outlives what it describes.
    """

    __tablename__ = "access_audit"
    __table_args__ = (Index("ix_access_audit_acting_as_id", "acting_as", "id"),)

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_user_id: Mapped[str] = mapped_column(USER_ID)
    acting_as: Mapped[str] = mapped_column(String(9))  # the business the actor acted for
    action: Mapped[str] = mapped_column(String(64))
    target_user_id: Mapped[str | None] = mapped_column(USER_ID)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(128))
