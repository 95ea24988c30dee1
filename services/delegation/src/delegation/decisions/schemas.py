from __future__ import annotations

from pydantic import BaseModel, Field

from delegation.decisions.service import ActingContext
from delegation.programs import ProgramsValue
from delegation.roles import ProxyRole, Role


class ActingContextRead(BaseModel):
    """A business the caller can act on, and what its role there allows."""

    bn: str
    operating_name: str
    role: Role | ProxyRole = Field(description="Your role: an own-business role, or a proxy role for a client.")
    programs: ProgramsValue = Field(description='`"all"` or the BN15s the role applies to.')
    scopes: list[str] = Field(description="The scopes the role gives (an access token may hold fewer).")
    via_provider: str | None = Field(default=None, description="Provider BN9 the access comes through, if any.")
    visibility: list[str] = Field(
        default_factory=list,
        description="For a client: the submitter classes you see (`provider`, `client`, `other_businesses`).",
    )

    @classmethod
    def of(cls, context: ActingContext) -> ActingContextRead:
        return cls(
            bn=context.business.bn,
            operating_name=context.business.display_name,
            role=context.role,
            programs=context.programs.to_value(),
            scopes=context.scopes,
            via_provider=context.via_provider,
            visibility=list(context.visibility),
        )


class ActingContextPage(BaseModel):
    items: list[ActingContextRead]
    next_cursor: str | None
