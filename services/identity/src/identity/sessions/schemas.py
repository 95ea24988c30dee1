from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from identity.tokens.schemas import TokenRead

Next = Literal["mfa_enrolment", "mfa", "terms", "profile", "done"]


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class SessionRead(BaseModel):
    """Where a login stands: the step to call next and, once a code went out, where it went."""

    session_id: str
    next: Next = Field(
        description="`mfa_enrolment`: POST .../mfa/email; `mfa`: POST .../mfa/verify (or .../mfa/resend); "
        "`terms`: POST .../terms."
    )
    code_sent_to: str | None = Field(default=None, description="Masked address the latest code went to.")
    code_expires_at: datetime | None = None
    expires_at: datetime = Field(description="When this login session ends if not completed.")


class MfaEmailCreate(BaseModel):
    """Enrol (or change) the e-mail address one-time codes go to."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)
    email_confirmation: str = Field(max_length=320)
    consent: StrictBool = Field(
        description="Consent to the privacy notice of multi-factor authentication; without it there is no access."
    )


class MfaCodeVerify(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        max_length=32, description="The six digits of the most recent code e-mailed.", examples=["372011"]
    )


class TermsDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accepted: StrictBool = Field(description="Terms of use, accepted on every login; false cancels the login.")


class SessionTokens(TokenRead):
    next: Literal["profile", "done"] = Field(
        description="`profile`: create the personal profile (PUT /v1/me/profile) before anything else."
    )
