from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from identity.factors.schemas import MethodType
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
    mfa_methods: list[MethodType] | None = Field(
        default=None,
        description="Answer to POST /v1/sessions at `next: mfa`: the methods POST .../mfa/verify accepts. With an "
        "authenticator app or a passkey no code is e-mailed until asked for (POST .../mfa/resend).",
    )


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

    method: MethodType = Field(
        default="email",
        description="`email` (default): the most recent e-mailed code; `totp`: the authenticator app's current "
        "code; `recovery_code`: one unused recovery code (spent by this); `webauthn`: `credential` answers the "
        "options of POST .../mfa/webauthn/options.",
    )
    code: str = Field(
        default="",
        max_length=32,
        description="The six digits of the most recent code e-mailed (or the app's code, or a recovery code).",
        examples=["372011"],
    )
    credential: dict[str, Any] | None = Field(
        default=None, description="`webauthn` only: the PublicKeyCredential from navigator.credentials.get()."
    )


class TermsDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accepted: StrictBool = Field(description="Terms of use, accepted on every login; false cancels the login.")


class SessionTokens(TokenRead):
    next: Literal["profile", "done"] = Field(
        description="`profile`: create the personal profile (PUT /v1/me/profile) before anything else."
    )


class PasskeyChallenge(BaseModel):
    """Options for ``navigator.credentials.get()``; answer with POST .../mfa/verify, `method: webauthn`."""

    options: dict[str, Any]
