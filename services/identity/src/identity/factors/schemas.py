from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

MethodType = Literal["email", "totp", "webauthn", "recovery_code"]
StepUpMethod = Literal["email", "totp", "recovery_code"]


class MfaMethodItem(BaseModel):
    type: MethodType
    email: str | None = Field(default=None, description="`email` only: the masked address, e.g. `t***@tcp.ca`.")
    enrolled_at: datetime
    remaining: int | None = Field(default=None, description="`recovery_code` only: unused codes left.")
    passkeys: list[str] | None = Field(default=None, description="`webauthn` only: the names of the passkeys.")


class MfaMethodList(BaseModel):
    items: list[MfaMethodItem]


class TotpEnrolment(BaseModel):
    """Shown once: add it to an authenticator app (scan the URI as a QR code), then confirm with a first code."""

    secret: str = Field(description="Base32 shared secret (RFC 6238, SHA-1, 30 s, 6 digits).")
    otpauth_uri: str = Field(description="`otpauth://totp/...` for a QR code.")


class CodeConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=32, examples=["372011"])


class RecoveryCodeList(BaseModel):
    """Shown once: each code signs in once, in place of another factor. Keep them somewhere safe."""

    codes: list[str]


class MfaEmailChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)
    email_confirmation: str = Field(max_length=320)
    consent: StrictBool = Field(description="Consent to the privacy notice of multi-factor authentication.")


class ChallengeRead(BaseModel):
    code_sent_to: str = Field(description="Masked address the code went to.")
    code_expires_at: datetime


class StepUp(BaseModel):
    """A fresh second factor, for a sensitive change."""

    model_config = ConfigDict(extra="forbid")

    method: StepUpMethod = Field(
        default="email",
        description="`email`: the code of the latest POST /v1/me/mfa/challenge; `totp`: the authenticator app's "
        "current code; `recovery_code`: one unused recovery code.",
    )
    code: str = Field(max_length=32)


class PasskeyOptions(BaseModel):
    """WebAuthn options for ``navigator.credentials.create()`` / ``.get()`` (binary values base64url-encoded)."""

    options: dict[str, Any]


class PasskeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="Passkey", min_length=1, max_length=64, description="To tell your passkeys apart.")
    credential: dict[str, Any] = Field(description="The PublicKeyCredential from navigator.credentials.create().")
