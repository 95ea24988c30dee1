from __future__ import annotations

from typing import ClassVar, Literal

from portal_contracts.events.base import EventPayload
from portal_contracts.types import BusinessNumber, ProgramAccountNumber

Role = Literal["bam", "pam", "editor", "viewer"]
Programs = Literal["all"] | list[ProgramAccountNumber]


class AccessRequestSubmitted(EventPayload):
    """An unassociated user asked for access to their employer. ``approver_user_ids`` are the users who can
    decide it at the time of the request (the business's BAMs and PAMs): they receive a notice."""

    event_type: ClassVar[str] = "delegation.access_request.submitted.v1"
    business_field: ClassVar[str | None] = "bn"

    access_request_id: str
    bn: BusinessNumber
    operating_name: str | None = None
    requester_user_id: str
    comment: str
    approver_user_ids: list[str]


class AccessRequestApproved(EventPayload):
    event_type: ClassVar[str] = "delegation.access_request.approved.v1"
    business_field: ClassVar[str | None] = "bn"

    access_request_id: str
    bn: BusinessNumber
    operating_name: str | None = None
    requester_user_id: str
    decided_by: str
    role: Role
    programs: Programs


class AccessRequestRejected(EventPayload):
    event_type: ClassVar[str] = "delegation.access_request.rejected.v1"
    business_field: ClassVar[str | None] = "bn"

    access_request_id: str
    bn: BusinessNumber
    operating_name: str | None = None
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
    programs: Programs
