from __future__ import annotations

from typing import ClassVar, Literal

from portal_contracts.events.base import EventPayload
from portal_contracts.types import BusinessNumber, ProgramAccountNumber

Role = Literal["bam", "pam", "editor", "viewer"]


class AccessRequestSubmitted(EventPayload):
    """An unassociated user asked for access to their employer."""

    event_type: ClassVar[str] = "delegation.access_request.submitted.v1"
    business_field: ClassVar[str | None] = "bn"

    request_id: str
    bn: BusinessNumber
    requester_user_id: str
    comment: str


class AccessRequestApproved(EventPayload):
    event_type: ClassVar[str] = "delegation.access_request.approved.v1"
    business_field: ClassVar[str | None] = "bn"

    request_id: str
    bn: BusinessNumber
    requester_user_id: str
    decided_by: str
    role: Role
    programs: Literal["all"] | list[ProgramAccountNumber]


class AccessRequestRejected(EventPayload):
    event_type: ClassVar[str] = "delegation.access_request.rejected.v1"
    business_field: ClassVar[str | None] = "bn"

    request_id: str
    bn: BusinessNumber
    requester_user_id: str
    decided_by: str
    comment: str


class EmployeeAccessGranted(EventPayload):
    """A user holds a role on a business (registration made them BAM, or an approval)."""

    event_type: ClassVar[str] = "delegation.employee.access_granted.v1"
    business_field: ClassVar[str | None] = "bn"

    bn: BusinessNumber
    user_id: str
    role: Role
    programs: Literal["all"] | list[ProgramAccountNumber]
