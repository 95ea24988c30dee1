from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from portal_contracts.internal import Membership


class MfaMethodRead(BaseModel):
    type: Literal["email", "totp", "webauthn"]
    email: str | None = Field(default=None, description="`email` only: masked, e.g. `t***@tcp.ca`.")


class MeRead(BaseModel):
    id: str
    username: str
    last_login_at: datetime | None = Field(
        description="The sign-in before the current one (what the welcome page shows); null on the first."
    )
    mfa_methods: list[MfaMethodRead]
    profile_complete: bool
    businesses: list[Membership] | None = Field(
        description="Businesses the user belongs to, with role and programs; null when delegation cannot answer."
    )
    businesses_status: Literal["available", "unavailable"]
