"""Shared by the OAuth tests: API clients created through the API, tokens asked for and decoded."""

from __future__ import annotations

import base64
from typing import Any

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet

from portal_contracts.scopes import ALL_SCOPES

from ..harness import Identity

BN = "123456789"
OTHER_BN = "987654321"
BAM = "bam-user-1"
TOKEN = "/v1/oauth/token"
CLIENT_CREDENTIALS = {"grant_type": "client_credentials"}


def as_manager(identity: Identity, bn: str = BN, **fields: Any) -> dict[str, str]:
    """The context the gateway forwards for a business account manager of ``bn``."""
    fields.setdefault("scopes", sorted(ALL_SCOPES))  # an account manager holds every scope
    return identity.as_context(subject=BAM, business=bn, mfa=True, **fields)


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


async def create_api_client(identity: Identity, scopes: list[str] | None = None, bn: str = BN) -> dict[str, Any]:
    response = await identity.client.post(
        f"/v1/businesses/{bn}/api-clients",
        json={"name": "Broker desk 4.2", "scopes": scopes or ["financial:read", "declarations:write"]},
        headers=as_manager(identity, bn),
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def client_token(identity: Identity, client_id: str, secret: str, **form: str) -> httpx.Response:
    return await identity.client.post(TOKEN, data={**CLIENT_CREDENTIALS, **form}, headers=basic(client_id, secret))


async def claims_of(identity: Identity, token: str) -> dict[str, Any]:
    """The claims of a token identity signed, checked against its published JWKS."""
    jwks = (await identity.client.get("/v1/oauth/jwks")).json()
    return jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["Ed25519"]).claims


async def introspect(identity: Identity, token: str, credentials: tuple[str, str]) -> dict[str, Any]:
    response = await identity.client.post("/v1/oauth/introspect", data={"token": token}, headers=basic(*credentials))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]
