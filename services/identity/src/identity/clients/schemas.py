from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from portal_contracts.scopes import ALL_SCOPES
from portal_runtime.problems import add_field_messages_fr

OPENID = "openid"

add_field_messages_fr(
    {
        "unknown_scopes": "portées inconnues : {scopes} (utilisez les noms function:action)",
        "redirect_uri_format": "{uri} : une URL https (http seulement en boucle locale) sans fragment",
    }
)


def _known_scopes(scopes: list[str], extra: frozenset[str] = frozenset()) -> list[str]:
    unknown = sorted(set(scopes) - ALL_SCOPES - extra)
    if unknown:
        raise PydanticCustomError(
            "unknown_scopes", "unknown scopes: {scopes} (use the function:action names)", {"scopes": ", ".join(unknown)}
        )
    return sorted(set(scopes))


class ApiClientCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="What the software is, e.g. `Broker desk 4.2`.")
    scopes: list[str] = Field(min_length=1, max_length=len(ALL_SCOPES), description="`function:action` scopes.")

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, scopes: list[str]) -> list[str]:
        return _known_scopes(scopes)


class ApiClientRead(BaseModel):
    client_id: str
    name: str
    business: str
    scopes: list[str]
    status: Literal["active", "revoked"]
    created_by: str = Field(description="The account manager who created it.")
    created_at: datetime
    secret_rotated_at: datetime | None
    last_used_at: datetime | None = Field(description="When it last got an access token.")
    revoked_at: datetime | None


class ApiClientList(BaseModel):
    items: list[ApiClientRead]


class ApiClientSecret(ApiClientRead):
    client_secret: str = Field(
        description="Shown this once; identity keeps only its SHA-256 digest (the secret is 256 random bits)."
    )


class OAuthClientCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    type: Literal["public", "confidential"] = Field(
        description="`public` (browser or mobile app: PKCE only) or `confidential` (a server: also a secret)."
    )
    redirect_uris: list[str] = Field(min_length=1, max_length=10, description="Compared exactly.")
    scopes: list[str] = Field(min_length=1, description="The most the client may ask users for; `openid` for OIDC.")

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, scopes: list[str]) -> list[str]:
        return _known_scopes(scopes, frozenset({OPENID}))

    @field_validator("redirect_uris")
    @classmethod
    def _redirect_uris(cls, uris: list[str]) -> list[str]:
        for uri in uris:
            local = uri.startswith(("http://127.0.0.1", "http://localhost"))
            if not (uri.startswith("https://") or local) or "#" in uri or " " in uri or len(uri) > 500:
                raise PydanticCustomError(
                    "redirect_uri_format",
                    "{uri}: an https URL (http only on loopback) without fragment",
                    {"uri": repr(uri[:80])},
                )
        return uris


class OAuthClientRead(BaseModel):
    client_id: str
    name: str
    type: Literal["public", "confidential"]
    redirect_uris: list[str]
    scopes: list[str]
    client_secret: str | None = Field(default=None, description="Confidential clients only; shown this once.")
