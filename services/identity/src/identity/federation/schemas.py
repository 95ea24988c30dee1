from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from identity.sessions.schemas import SessionRead


class SignInPartnerRead(BaseModel):
    name: str = Field(description="What POST /v1/sessions/federated takes as `partner`.")
    display_name: str


class SignInPartnerList(BaseModel):
    partners: list[SignInPartnerRead]


class FederatedSessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner: str = Field(max_length=64)
    redirect_uri: str = Field(
        max_length=2000, description="Where the partner sends the user back: one of the portal's callback pages."
    )


class FederatedSessionStarted(BaseModel):
    session_id: str = Field(description="The login session; its callback is POST .../federated/callback.")
    authorization_url: str = Field(description="Send the user's browser here, to sign in with the partner.")
    expires_at: datetime


class FederatedCallback(BaseModel):
    """What the partner put on the redirect URI: `code` and `state`, or `error`."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(default=None, max_length=512)
    state: str | None = Field(default=None, max_length=256)
    error: str | None = Field(default=None, max_length=128)
    error_description: str | None = Field(default=None, max_length=1000)


class FederatedSessionRead(SessionRead):
    email_hint: str | None = Field(
        default=None,
        description="At `mfa_enrolment` only: the e-mail address the partner gave, if any, to suggest for MFA "
        "enrolment; it is never enrolled without a code sent to it.",
    )
