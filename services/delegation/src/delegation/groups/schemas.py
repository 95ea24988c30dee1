from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from delegation.groups.models import (
    ClientGroup,
    ClientGroupMember,
    GroupAssignment,
    GroupOperation,
    GroupOverride,
    OperationState,
)
from delegation.types import Timestamp
from portal_contracts.types import BusinessNumber
from portal_runtime.language import current_language

GroupName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Clients = Annotated[
    list[BusinessNumber],
    Field(max_length=10000, description="BN9s of clients (no maximum size of a group; at most 10,000 per request)."),
]
GroupRoleName = Literal["pam", "editor", "viewer"]


class ClientGroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: GroupName
    clients: Clients = Field(default_factory=list)


class ClientGroupUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: GroupName


class ClientsAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clients: Annotated[list[BusinessNumber], Field(min_length=1, max_length=10000)]


class Confirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirmation: str | None = Field(default=None, description="The word that confirms an irreversible step.")


class GroupAssignmentWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: GroupRoleName = Field(description="The employee's default role on every client of the group.")


class GroupOverrideWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: GroupRoleName | Literal["none"] = Field(
        description="Replaces the group role on this client; `none`: no access."
    )


class OperationError(BaseModel):
    code: str
    detail: str | None = Field(description="Why it failed, in the reader's language (`Accept-Language`: en, fr).")


class OperationRead(BaseModel):
    """A row of the processing table."""

    id: str = Field(description="The system id (quote it to support).")
    type: str
    group_id: str
    group_name: str
    initiator: str
    state: OperationState
    created_at: Timestamp
    finished_at: Timestamp | None
    error: OperationError | None

    @classmethod
    def of(cls, row: GroupOperation) -> OperationRead:
        return cls(
            id=row.id,
            type=row.type,
            group_id=row.group_id,
            group_name=row.group_name,
            initiator=row.initiator,
            state=OperationState(row.state),
            created_at=row.created_at,
            finished_at=row.finished_at,
            error=OperationError(code=row.error_code, detail=_in_readers_language(row)) if row.error_code else None,
        )


class OperationPage(BaseModel):
    items: list[OperationRead]
    next_cursor: str | None


class ClientGroupSummary(BaseModel):
    id: str
    name: str
    client_count: int
    created_at: Timestamp
    etag: str

    @classmethod
    def of(cls, group: ClientGroup, client_count: int) -> ClientGroupSummary:
        return cls(
            id=group.id, name=group.name, client_count=client_count, created_at=group.created_at, etag=group.etag
        )


class ClientGroupPage(BaseModel):
    items: list[ClientGroupSummary]
    next_cursor: str | None


class GroupClientRead(BaseModel):
    client_bn: str
    added_at: Timestamp = Field(description="When the client joined the group (its group operation completed).")

    @classmethod
    def of(cls, member: ClientGroupMember) -> GroupClientRead:
        return cls(client_bn=member.client_bn, added_at=member.added_at)


class GroupClientPage(BaseModel):
    items: list[GroupClientRead]
    next_cursor: str | None


class OverrideRead(BaseModel):
    client_bn: str
    role: GroupRoleName | Literal["none"]


class GroupEmployeeRead(BaseModel):
    user_id: str
    role: GroupRoleName
    overrides: list[OverrideRead]


class ClientGroupRead(ClientGroupSummary):
    clients: list[str]
    employees: list[GroupEmployeeRead]

    @classmethod
    def detail(
        cls,
        group: ClientGroup,
        clients: list[str],
        assignments: Sequence[GroupAssignment],
        overrides: Sequence[GroupOverride],
    ) -> ClientGroupRead:
        by_user: dict[str, list[OverrideRead]] = {}
        for o in overrides:
            by_user.setdefault(o.user_id, []).append(OverrideRead(client_bn=o.client_bn, role=o.role))  # type: ignore[arg-type]
        return cls(
            id=group.id,
            name=group.name,
            client_count=len(clients),
            created_at=group.created_at,
            etag=group.etag,
            clients=clients,
            employees=[
                GroupEmployeeRead(user_id=a.user_id, role=a.role, overrides=by_user.get(a.user_id, []))  # type: ignore[arg-type]
                for a in assignments
            ],
        )


def _in_readers_language(row: GroupOperation) -> str | None:
    """The failure's reason in the language of the request (operations failed before it was kept in French have
    only the English)."""
    if current_language.get() == "fr" and row.error_detail_fr:
        return row.error_detail_fr
    return row.error_detail
