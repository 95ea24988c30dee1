from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from delegation.access_requests.schemas import Comment
from delegation.programs import ProgramsInput, ProgramsValue
from delegation.relationships.models import (
    BusinessRelationship,
    ProxyAssignment,
    RelationshipRequest,
    RelationshipRequestStatus,
    RelationshipStatus,
    RelationshipType,
)
from delegation.relationships.overview import AccessOverview, RelationshipAccess
from delegation.relationships.service import VisibilitySettings
from delegation.types import Timestamp
from portal_contracts.types import BusinessNumber

AssignableRole = Literal["pam", "editor", "viewer"]


class RelationshipRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_bn: BusinessNumber = Field(description="BN9 of the client business (registered on the portal).")
    comment: Comment = Field(description="Why you ask (1-256 characters); the client's managers read it.")


class VisibilityWrite(BaseModel):
    """Which submissions the provider sees besides its own (always on)."""

    model_config = ConfigDict(extra="forbid")

    client_submitted: bool = Field(description="Records the client submitted itself.")
    other_businesses_submitted: bool = Field(
        description="Records other businesses submitted for the client (never another provider's rulings)."
    )

    def settings(self) -> VisibilitySettings:
        return VisibilitySettings(self.client_submitted, self.other_businesses_submitted)


class VisibilityRead(BaseModel):
    provider_submitted: Literal[True] = True
    client_submitted: bool
    other_businesses_submitted: bool


class RelationshipRequestApprove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: RelationshipType
    programs: ProgramsInput | None = Field(
        default=None,
        description="Program management: the client's BN15s (required). Business management covers all program "
        "accounts, including future ones (ignored).",
    )
    visibility: VisibilityWrite
    expires_on: dt.date | None = Field(default=None, description="Last day is the day before; must be in the future.")


class RelationshipRequestReject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: Comment = Field(description="The justification; the provider reads it (max 256 characters).")


class RelationshipRequestRead(BaseModel):
    id: str
    provider_bn: str
    provider_name: str
    client_bn: str
    client_name: str
    status: RelationshipRequestStatus
    comment: str
    requested_by: str
    created_at: Timestamp
    decided_at: Timestamp | None
    decided_by: str | None
    rejection_comment: str | None
    relationship_id: str | None = Field(description="The relationship an approval started.")

    @classmethod
    def of(cls, row: RelationshipRequest) -> RelationshipRequestRead:
        return cls(
            id=row.id,
            provider_bn=row.provider_bn,
            provider_name=row.provider.display_name,
            client_bn=row.client_bn,
            client_name=row.client.display_name,
            status=RelationshipRequestStatus(row.status),
            comment=row.comment,
            requested_by=row.requested_by,
            created_at=row.created_at,
            decided_at=row.decided_at,
            decided_by=row.decided_by,
            rejection_comment=row.rejection_comment,
            relationship_id=row.relationship_id,
        )


class RelationshipRequestPage(BaseModel):
    items: list[RelationshipRequestRead]
    next_cursor: str | None


class RelationshipRead(BaseModel):
    id: str
    provider_bn: str
    client_bn: str
    type: RelationshipType
    programs: ProgramsValue = Field(description='`"all"` (present and future) or the BN15s.')
    visibility: VisibilityRead
    expires_on: dt.date | None
    status: RelationshipStatus
    established_at: Timestamp
    closed_at: Timestamp | None
    etag: str = Field(description="Send it back in If-Match to edit.")

    @classmethod
    def of(cls, row: BusinessRelationship) -> RelationshipRead:
        return cls(
            id=row.id,
            provider_bn=row.provider_bn,
            client_bn=row.client_bn,
            type=row.relationship_type,
            programs=row.access.to_value(),
            visibility=VisibilityRead(
                client_submitted=row.client_submitted, other_businesses_submitted=row.other_businesses_submitted
            ),
            expires_on=row.expires_on,
            status=RelationshipStatus(row.status),
            established_at=row.established_at,
            closed_at=row.closed_at,
            etag=row.etag,
        )


class RelationshipPage(BaseModel):
    items: list[RelationshipRead]
    next_cursor: str | None


class RelationshipUpdate(BaseModel):
    """Only the fields sent change; `expires_on: null` removes the expiry date."""

    model_config = ConfigDict(extra="forbid")

    type: RelationshipType | None = None
    programs: ProgramsInput | None = Field(
        default=None, description="Program management: the new list (a program removed leaves every assignment)."
    )
    visibility: VisibilityWrite | None = None
    expires_on: dt.date | None = None


class AssignmentWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: AssignableRole
    programs: ProgramsInput = Field(
        description='`"all"` (every program account of the relationship) or BN15s within the relationship.'
    )


class AssignmentRead(BaseModel):
    user_id: str
    role: AssignableRole
    programs: ProgramsValue
    assigned_at: Timestamp
    assigned_by: str

    @classmethod
    def of(cls, row: ProxyAssignment) -> AssignmentRead:
        return cls(
            user_id=row.user_id,
            role=row.role,  # type: ignore[arg-type]
            programs=row.access.to_value(),
            assigned_at=row.assigned_at,
            assigned_by=row.assigned_by,
        )


class AssignmentList(BaseModel):
    items: list[AssignmentRead]


class OverviewEmployee(BaseModel):
    user_id: str
    role: str
    programs: ProgramsValue


class OverviewStaff(BaseModel):
    user_id: str
    proxy_role: str
    programs: ProgramsValue
    assigned: bool = Field(description="False for the provider's BAMs, who act for every client implicitly.")


class OverviewRelationship(BaseModel):
    relationship_id: str
    bn: str = Field(description="The other side: the provider (in `providers`) or the client (in `clients`).")
    name: str
    type: RelationshipType
    programs: ProgramsValue
    visibility: VisibilityRead
    expires_on: dt.date | None
    staff: list[OverviewStaff] = Field(description="The provider's employees who act for the client.")


class AccessOverviewRead(BaseModel):
    """One page of the overview: up to ``limit`` entries of the three lists together, in that order."""

    bn: str
    employees: list[OverviewEmployee] = Field(description="The business's own employees, in grant order.")
    providers: list[OverviewRelationship] = Field(
        description="Service providers acting for the business, in relationship order."
    )
    clients: list[OverviewRelationship] = Field(
        description="Clients the business acts for, as a provider, in relationship order."
    )
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null on the last one.")

    @classmethod
    def of(cls, overview: AccessOverview) -> AccessOverviewRead:
        def relationship(item: RelationshipAccess) -> OverviewRelationship:
            rel = item.relationship
            return OverviewRelationship(
                relationship_id=rel.id,
                bn=item.counterpart.bn,
                name=item.counterpart.display_name,
                type=rel.relationship_type,
                programs=rel.access.to_value(),
                visibility=VisibilityRead(
                    client_submitted=rel.client_submitted, other_businesses_submitted=rel.other_businesses_submitted
                ),
                expires_on=rel.expires_on,
                staff=[
                    OverviewStaff(
                        user_id=s.user_id,
                        proxy_role=s.access.role.value,
                        programs=s.access.programs.to_value(),
                        assigned=s.assigned,
                    )
                    for s in item.staff
                ],
            )

        return cls(
            bn=overview.bn,
            employees=[
                OverviewEmployee(user_id=g.user_id, role=g.role, programs=g.access.to_value())
                for g in overview.employees
            ],
            providers=[relationship(r) for r in overview.providers],
            clients=[relationship(r) for r in overview.clients],
            next_cursor=overview.next_cursor,
        )
