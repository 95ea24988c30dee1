from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from delegation.access_requests.models import AccessRequest, AccessRequestStatus
from delegation.programs import ProgramsInput, ProgramsValue
from delegation.roles import Role
from delegation.types import Timestamp

Comment = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
"""A free-text comment: mandatory, at most 256 characters once surrounding blanks are trimmed (seed 000 §1.9)."""


class AccessRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: Comment = Field(description="Why you need access (max 256 characters); the account managers read it.")


class AccessRequestApprove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    programs: ProgramsInput = Field(
        description='`"all"` (every program account, including future ones) or the BN15s to grant. A `bam` always '
        "gets all program accounts."
    )


class AccessRequestReject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: Comment = Field(description="The justification; the requester reads it (max 256 characters).")


class AccessDecisionRead(BaseModel):
    decided_at: Timestamp
    role: Role | None = Field(description="The role granted (approved requests).")
    programs: ProgramsValue | None = Field(description="The program accounts granted (approved requests).")
    comment: str | None = Field(description="The justification of a rejection.")


class AccessRequestRead(BaseModel):
    """An access request as its requester sees it."""

    id: str
    bn: str
    operating_name: str
    status: AccessRequestStatus
    comment: str
    created_at: Timestamp
    decision: AccessDecisionRead | None = Field(description="None while pending.")

    @classmethod
    def of(cls, request: AccessRequest) -> AccessRequestRead:
        return cls.model_validate(_fields(request))


class AccessRequestReview(AccessRequestRead):
    """An access request as the business's account managers see it."""

    requester_user_id: str
    decided_by: str | None

    @classmethod
    def of(cls, request: AccessRequest) -> AccessRequestReview:
        return cls.model_validate(
            {**_fields(request), "requester_user_id": request.requester_user_id, "decided_by": request.decided_by}
        )


def _fields(request: AccessRequest) -> dict[str, object]:
    decision = None
    if request.decided_at is not None:
        decision = {
            "decided_at": request.decided_at,
            "role": request.granted_role,
            "programs": request.granted_programs,
            "comment": request.rejection_comment,
        }
    return {
        "id": request.id,
        "bn": request.bn,
        "operating_name": request.business.display_name,
        "status": request.status,
        "comment": request.comment,
        "created_at": request.created_at,
        "decision": decision,
    }


class AccessRequestPage(BaseModel):
    items: list[AccessRequestReview]
    next_cursor: str | None


class MyAccessRequestPage(BaseModel):
    items: list[AccessRequestRead]
    next_cursor: str | None
