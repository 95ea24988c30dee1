from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from delegation.audit.service import AuditAction
from delegation.types import Timestamp


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: Timestamp
    actor_user_id: str = Field(description="Who made the change.")
    acting_as: str = Field(description="BN9 of the business the actor acted for.")
    action: AuditAction
    target_user_id: str | None = Field(description="Whose access changed.")
    details: dict[str, Any]
    request_id: str | None = Field(description="The API request that made the change (quote it to support).")


class AuditPage(BaseModel):
    items: list[AuditEntryRead]
    next_cursor: str | None
