from __future__ import annotations

from pydantic import BaseModel, Field

from delegation.employees.models import EmployeeGrant
from delegation.programs import ProgramsValue
from delegation.roles import Role, scopes_for


class ActingContextRead(BaseModel):
    """A business the caller can act on, and what its role there allows."""

    bn: str
    operating_name: str
    role: Role
    programs: ProgramsValue = Field(description='`"all"` or the BN15s the role applies to.')
    scopes: list[str] = Field(description="The scopes the role gives (an access token may hold fewer).")
    via_provider: str | None = Field(default=None, description="Provider BN9 the access comes through, if any.")

    @classmethod
    def of(cls, grant: EmployeeGrant) -> ActingContextRead:
        return cls(
            bn=grant.bn,
            operating_name=grant.business.display_name,
            role=grant.role_name,
            programs=grant.access.to_value(),
            scopes=scopes_for(grant.role_name),
        )


class ActingContextPage(BaseModel):
    items: list[ActingContextRead]
    next_cursor: str | None
