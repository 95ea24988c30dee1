from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from identity.factors.schemas import StepUp
from identity.users.schemas import RecoveryCreate

_TEXT = 256


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=_TEXT)
    new_password: str = Field(max_length=_TEXT, description="The password rules of POST /v1/users.")
    new_password_confirmation: str = Field(max_length=_TEXT)
    mfa: StepUp = Field(description="A fresh second factor.")
    current_refresh_token: str | None = Field(
        default=None,
        max_length=512,
        description="The caller's refresh token: its login stays signed in. Every other login of the user is "
        "signed out (their refresh tokens revoked); without it, every login is.",
    )


class RecoveryChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(max_length=_TEXT)
    recovery: RecoveryCreate


class Reactivation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=64)
    password: str = Field(max_length=_TEXT)
    answer: str = Field(max_length=_TEXT, description="Answer to the recovery question.")
    memorable_person: str = Field(max_length=_TEXT)
    memorable_date: str = Field(max_length=32, examples=["1987-06-15"])


class ReactivationRead(BaseModel):
    reactivated_at: datetime
    next: Literal["sign_in"] = Field(description="Sign in as usual (POST /v1/sessions); MFA is asked for.")


class SweepReport(BaseModel):
    warned: list[str] = Field(default_factory=list)
    deactivated: list[str] = Field(default_factory=list)
