from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class TokenRead(BaseModel):
    """RFC 6749 §5.1 access token response."""

    access_token: str = Field(description="JWT (Ed25519) to send as `Authorization: Bearer ...`.")
    refresh_token: str | None = Field(
        default=None,
        description="Opaque; single use: each refresh returns a new one. None for client credentials and exchange.",
    )
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds the access token is valid for.")
    scope: str | None = Field(default=None, description="The scopes granted, when they may differ from those asked.")
    id_token: str | None = Field(default=None, description="OIDC ID token (Ed25519), when `openid` was granted.")
    issued_token_type: str | None = Field(default=None, description="Token exchange only (RFC 8693).")
