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


RelationshipType = Literal["business_management", "program_management"]


class RelationshipVisibility(EventPayload):
    """Which submitter classes the provider sees besides its own submissions (always visible); a part of the
    relationship events, not an event of its own."""

    client_submitted: bool
    other_businesses_submitted: bool


class _RelationshipEvent(EventPayload):
    """Common fields of the business-relationship events: keyed by the client BN, so one client's relationship
    history is ordered. ``provider_user_ids`` / ``client_user_ids`` are the BAMs and PAMs of each side at the time
    of the change: the users to notify."""

    business_field: ClassVar[str | None] = "client_bn"

    provider_bn: BusinessNumber
    client_bn: BusinessNumber
    provider_user_ids: list[str]
    client_user_ids: list[str]


class RelationshipRequestSubmitted(_RelationshipEvent):
    event_type: ClassVar[str] = "delegation.relationship_request.submitted.v1"

    relationship_request_id: str
    requested_by: str
    comment: str


class RelationshipRequestCancelled(_RelationshipEvent):
    event_type: ClassVar[str] = "delegation.relationship_request.cancelled.v1"

    relationship_request_id: str
    cancelled_by: str


class RelationshipRequestApproved(_RelationshipEvent):
    event_type: ClassVar[str] = "delegation.relationship_request.approved.v1"

    relationship_request_id: str
    relationship_id: str
    decided_by: str
    type: RelationshipType
    programs: Programs
    visibility: RelationshipVisibility
    expires_on: str | None = None  # YYYY-MM-DD


class RelationshipRequestRejected(_RelationshipEvent):
    event_type: ClassVar[str] = "delegation.relationship_request.rejected.v1"

    relationship_request_id: str
    decided_by: str
    comment: str


class RelationshipChanged(_RelationshipEvent):
    """A client BAM edited the relationship; ``changed`` names the fields that changed, the rest is the new state."""

    event_type: ClassVar[str] = "delegation.relationship.changed.v1"

    relationship_id: str
    changed_by: str
    changed: list[str]
    type: RelationshipType
    programs: Programs
    visibility: RelationshipVisibility
    expires_on: str | None = None
    removed_programs: list[ProgramAccountNumber] = []


class RelationshipEnded(_RelationshipEvent):
    """A client BAM ended the relationship: every provider employee lost access; provider BAMs keep the expired role."""

    event_type: ClassVar[str] = "delegation.relationship.ended.v1"

    relationship_id: str
    ended_by: str


class RelationshipExpired(_RelationshipEvent):
    """The relationship reached its expiry date: same effect as an end."""

    event_type: ClassVar[str] = "delegation.relationship.expired.v1"

    relationship_id: str
    expires_on: str


class ProxyAssignmentSet(_RelationshipEvent):
    """A provider manager assigned (or re-assigned) one of its employees to a client with a proxy role."""

    event_type: ClassVar[str] = "delegation.proxy_assignment.set.v1"

    relationship_id: str
    user_id: str
    role: Literal["pam", "editor", "viewer"]
    programs: Programs
    assigned_by: str


class ProxyAssignmentRemoved(_RelationshipEvent):
    event_type: ClassVar[str] = "delegation.proxy_assignment.removed.v1"

    relationship_id: str
    user_id: str
    removed_by: str


class EmployeeAccessChanged(EventPayload):
    """A manager changed an employee's role or program accounts on the business. Decisions the gateway cached
    for ``user_id`` (on the business and, through it, on its clients) are stale."""

    event_type: ClassVar[str] = "delegation.employee.access_changed.v1"
    business_field: ClassVar[str | None] = "bn"

    bn: BusinessNumber
    user_id: str
    role: Role
    programs: Programs
    previous_role: Role
    previous_programs: Programs
    changed_by: str


class EmployeeAccessRevoked(EventPayload):
    """A BAM removed an employee: every access at the business and everything the user had through it as a
    provider employee is gone. ``client_bns``: the clients the user could act for through the business."""

    event_type: ClassVar[str] = "delegation.employee.access_revoked.v1"
    business_field: ClassVar[str | None] = "bn"

    bn: BusinessNumber
    user_id: str
    previous_role: Role
    client_bns: list[BusinessNumber]
    revoked_by: str


GroupRole = Literal["pam", "editor", "viewer"]


class _ClientGroupEvent(EventPayload):
    """Common fields of the client-group events: keyed by the provider BN. ``client_bns`` are the clients whose
    access changed and ``user_ids`` the provider employees concerned (decisions cached for them are stale)."""

    business_field: ClassVar[str | None] = "provider_bn"

    provider_bn: BusinessNumber
    group_id: str
    group_name: str
    operation_id: str
    initiator: str
    client_bns: list[BusinessNumber]
    user_ids: list[str]


class ClientGroupCreated(_ClientGroupEvent):
    event_type: ClassVar[str] = "delegation.client_group.created.v1"


class ClientGroupClientsAdded(_ClientGroupEvent):
    event_type: ClassVar[str] = "delegation.client_group.clients_added.v1"


class ClientGroupClientRemoved(_ClientGroupEvent):
    """Irreversible: the group's employees lost their access to the client (the provider's BAMs keep theirs)."""

    event_type: ClassVar[str] = "delegation.client_group.client_removed.v1"


class ClientGroupDeleted(_ClientGroupEvent):
    """The group's employees lost their access to its clients; the clients are available for other groups."""

    event_type: ClassVar[str] = "delegation.client_group.deleted.v1"


class ClientGroupEmployeeAssigned(_ClientGroupEvent):
    event_type: ClassVar[str] = "delegation.client_group.employee_assigned.v1"

    role: GroupRole


class ClientGroupEmployeeUnassigned(_ClientGroupEvent):
    event_type: ClassVar[str] = "delegation.client_group.employee_unassigned.v1"


class ClientGroupOverrideSet(_ClientGroupEvent):
    """A per-client replacement of an employee's group role (``none``: no access to that client)."""

    event_type: ClassVar[str] = "delegation.client_group.override_set.v1"

    role: Literal["pam", "editor", "viewer", "none"]
