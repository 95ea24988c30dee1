from __future__ import annotations

from pydantic import BaseModel

from delegation.employees.models import EmployeeGrant
from delegation.programs import ProgramsValue
from delegation.roles import Role
from delegation.types import Timestamp


class EmployeeRead(BaseModel):
    user_id: str
    role: Role
    programs: ProgramsValue
    granted_at: Timestamp

    @classmethod
    def of(cls, grant: EmployeeGrant) -> EmployeeRead:
        return cls(
            user_id=grant.user_id, role=grant.role_name, programs=grant.access.to_value(), granted_at=grant.granted_at
        )


class EmployeePage(BaseModel):
    items: list[EmployeeRead]
    next_cursor: str | None
