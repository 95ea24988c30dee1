from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class TokenRead(BaseModel):
    """RFC 6749 §5.1 access token response."""

    access_token: str = Field(description="JWT (Ed25519) to send as `Authorization: Bearer ...`.")
    refresh_token: str = Field(description="Opaque; single use: each refresh returns a new one.")
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds the access token is valid for.")
