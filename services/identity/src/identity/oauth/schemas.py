from __future__ import annotations

from pydantic import BaseModel, Field


class ConsentRequest(BaseModel):
    """What the user is asked to approve (GET /v1/oauth/authorize)."""

    client_id: str
    client_name: str
    scopes: list[str] = Field(description="The scopes the application asks for.")
    redirect_uri: str
    state: str | None


class Consent(BaseModel):
    consent: bool = Field(description="`true` approves the request, `false` refuses it.")


class AuthorizationResult(BaseModel):
    redirect_to: str = Field(
        description="The client's redirect URI with `code` and `state`, or `error=access_denied` and `state`."
    )


class Introspection(BaseModel):
    """RFC 7662 §2.2; only `active` when the token is not active."""

    active: bool
    scope: str | None = None
    client_id: str | None = None
    sub: str | None = None
    exp: int | None = None
    iat: int | None = None
    token_type: str | None = Field(default=None, description="`access_token` or `refresh_token`.")
    business: str | None = None
    program_accounts: list[str] | None = None
