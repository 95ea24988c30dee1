"""The client side of OpenID Connect towards sign-in partners: discovery (cached), the authorization URL with
PKCE S256, the code redeemed with client authentication, the ID token checked against the partner's JWKS."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from identity.config import Settings, SignInPartner
from identity.federation.errors import (
    PartnerCodeRefused,
    PartnerIdTokenInvalid,
    PartnerUnavailable,
    SignInPartnerNotFound,
)

DISCOVERY_PATH = "/.well-known/openid-configuration"
# Clock skew tolerated between the partner and us when checking `exp` and `iat`.
LEEWAY_S = 60


def code_challenge(verifier: str) -> str:
    """RFC 7636 §4.2, S256."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


class SignInPartners:
    """The configured partners and what we learnt from their discovery documents."""

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._transport = transport
        self._discovered: dict[str, tuple[float, Discovery]] = {}

    def names(self) -> dict[str, SignInPartner]:
        return self._settings.sign_in_partners

    def get(self, name: str) -> SignInPartner:
        partner = self._settings.sign_in_partners.get(name)
        if partner is None:
            raise SignInPartnerNotFound(name)
        return partner

    async def authorization_url(self, name: str, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        partner = self.get(name)
        discovery = await self.discovery(name)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": partner.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(partner.scopes),
                "state": state,
                "nonce": nonce,
                "code_challenge": code_challenge(code_verifier),
                "code_challenge_method": "S256",
            }
        )
        separator = "&" if "?" in discovery.authorization_endpoint else "?"
        return f"{discovery.authorization_endpoint}{separator}{query}"

    async def redeem(self, name: str, code: str, redirect_uri: str, code_verifier: str) -> dict[str, Any]:
        """The partner's token response for ``code``; client_secret_post, the PKCE verifier."""
        partner = self.get(name)
        discovery = await self.discovery(name)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
            "client_id": partner.client_id,
            "client_secret": partner.client_secret.get_secret_value(),
        }
        try:
            async with self._client() as client:
                response = await client.post(
                    discovery.token_endpoint, data=form, headers={"Accept": "application/json"}
                )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise PartnerUnavailable() from exc
        if not isinstance(body, dict):
            raise PartnerUnavailable()
        if response.status_code >= 500:
            raise PartnerUnavailable()
        if response.status_code != 200 or "error" in body:
            raise PartnerCodeRefused(str(body.get("error") or response.status_code))
        return body

    async def verify_id_token(self, name: str, id_token: str, nonce: str, now: datetime) -> dict[str, Any]:
        """The claims of an ID token the partner signed (Ed25519, its JWKS) for us, for this login."""
        partner = self.get(name)
        discovery = await self.discovery(name)
        jwks = await self._get_json(discovery.jwks_uri)
        try:
            token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["Ed25519"])  # type: ignore[arg-type]
        except (JoseError, ValueError) as exc:
            raise PartnerIdTokenInvalid("signature") from exc
        registry = jwt.JWTClaimsRegistry(
            now=int(now.timestamp()),
            leeway=LEEWAY_S,
            iss={"essential": True, "value": partner.issuer},
            aud={"essential": True, "value": partner.client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(token.claims)
        except JoseError as exc:
            raise PartnerIdTokenInvalid(exc.description or exc.error) from exc
        return dict(token.claims)

    async def discovery(self, name: str) -> Discovery:
        partner = self.get(name)
        cached = self._discovered.get(name)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        document = await self._get_json(partner.issuer.rstrip("/") + DISCOVERY_PATH)
        try:
            discovery = Discovery(
                issuer=str(document["issuer"]),
                authorization_endpoint=str(document["authorization_endpoint"]),
                token_endpoint=str(document["token_endpoint"]),
                jwks_uri=str(document["jwks_uri"]),
            )
        except (KeyError, TypeError) as exc:
            raise PartnerUnavailable() from exc
        # OIDC Discovery §4.3: the document must name the issuer it was fetched for.
        if discovery.issuer != partner.issuer:
            raise PartnerUnavailable()
        self._discovered[name] = (time.monotonic() + self._settings.federation_discovery_ttl_s, discovery)
        return discovery

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self._client() as client:
                response = await client.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise PartnerUnavailable() from exc
        if not isinstance(body, dict):
            raise PartnerUnavailable()
        return body

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self._transport, timeout=self._settings.federation_timeout_s)
