from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from delegation.employees.models import EmployeeGrant, GrantRecord
from delegation.programs import ProgramsInput, ProgramsValue
from delegation.roles import Role
from delegation.types import Timestamp


class EmployeeRead(BaseModel):
    user_id: str
    role: Role
    programs: ProgramsValue
    granted_at: Timestamp
    etag: str = Field(description="Send it as `If-Match` to change or remove this employee's access.")

    @classmethod
    def of(cls, grant: EmployeeGrant | GrantRecord) -> EmployeeRead:
        return cls(
            user_id=grant.user_id,
            role=grant.role_name,
            programs=grant.access.to_value(),
            granted_at=grant.granted_at,
            etag=grant.etag,
        )


class EmployeeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    programs: ProgramsInput = Field(
        description='`"all"` or the BN15s the employee keeps. A `bam` always gets every program account; a '
        "demoted BAM keeps only what this says."
    )


class EmployeePage(BaseModel):
    items: list[EmployeeRead]
    next_cursor: str | None
