"""API models of the status page, the outage windows, planned maintenance and the store-and-forward tracking."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from portal_runtime.problems import add_field_messages_fr

ComponentState = Literal["operational", "degraded", "outage", "maintenance", "unknown"]
OutageKind = Literal["planned", "unplanned"]
SubmissionState = Literal["queued", "delivering", "delivered", "failed"]


class ComponentStatus(BaseModel):
    name: str = Field(description="Service name (e.g. `ledger`) or `broker`.")
    state: ComponentState
    since: datetime | None = Field(default=None, description="Start of the current outage or maintenance.")


class OutageWindowRead(BaseModel):
    id: str
    component: str
    kind: OutageKind
    started_at: datetime
    ended_at: datetime | None = Field(description="Null while the outage lasts.")
    expected_end: datetime | None = Field(default=None, description="End of the planned maintenance, if planned.")
    penalty_waiver_until: datetime | None = Field(
        description="`ended_at` plus 2 hours: no penalty for data not transmitted until then (null while open)."
    )
    message: str = Field(description="What happened, in the language of `Accept-Language` (en, fr).")


class OutageWindowPage(BaseModel):
    items: list[OutageWindowRead]
    next_cursor: str | None = None


class MaintenanceRead(BaseModel):
    id: str
    component: str
    starts_at: datetime
    ends_at: datetime
    message: str = Field(description="The operator's bulletin in the language of `Accept-Language`.")


class StatusRead(BaseModel):
    status: ComponentState = Field(description="The worst state of any component.")
    message: str = Field(description="Clients assume an outage continues until this says all systems operate normally.")
    updated_at: datetime | None = Field(description="When the gateway last checked every component.")
    components: list[ComponentStatus]
    current_outages: list[OutageWindowRead]
    planned_maintenance: list[MaintenanceRead] = Field(description="Upcoming and ongoing maintenance.")
    recent_outages: list[OutageWindowRead] = Field(description="Windows resolved in the last 7 days, newest first.")


class SubmissionResponse(BaseModel):
    status: int = Field(description="The service's status code.")
    location: str | None = None
    content_type: str | None = None
    body: Any = Field(default=None, description="The service's answer (JSON when it sent JSON).")


class SubmissionRead(BaseModel):
    """A request accepted while its service was down, and what became of it."""

    id: str
    state: SubmissionState
    service: str
    method: str
    path: str
    accepted_at: datetime
    attempts: int
    finished_at: datetime | None = None
    response: SubmissionResponse | None = Field(default=None, description="Set once delivered (or failed).")
    last_error: str | None = None


# ---------------------------------------------------------------- operator API (internal)


class MaintenanceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    component: str = Field(min_length=1, max_length=64)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    message_en: str = Field(min_length=1, max_length=2000)
    message_fr: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _ends_after_start(self) -> MaintenanceCreate:
        if self.ends_at <= self.starts_at:
            raise PydanticCustomError("ends_before_start", "ends_at must be after starts_at")
        return self


add_field_messages_fr({"ends_before_start": "ends_at doit être postérieur à starts_at"})


class MaintenanceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    message_en: str | None = Field(default=None, min_length=1, max_length=2000)
    message_fr: str | None = Field(default=None, min_length=1, max_length=2000)


class MaintenanceOperatorRead(BaseModel):
    id: str
    component: str
    starts_at: datetime
    ends_at: datetime
    message_en: str
    message_fr: str
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None = None


class MaintenanceList(BaseModel):
    items: list[MaintenanceOperatorRead]
