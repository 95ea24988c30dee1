"""The internal context token: signed by the gateway, verified by every service.

Services trust nothing else about the caller. The token is short-lived (``ttl_s``), Ed25519-signed (joserfc),
and carries who acts, for which business, through which provider, with which effective scopes and visibility.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey
from pydantic import BaseModel, Field

from portal_runtime.problems import Forbidden, Unauthorized

HEADER = "x-portal-context"
ALGORITHM = "Ed25519"
ISSUER = "portal-gateway"


class InternalContext(BaseModel):
    """Who is acting and with what rights, as decided by the gateway."""

    subject: str = Field(description="User id, or `client:<client_id>` for an API client.")
    subject_type: str = "user"
    business: str | None = Field(default=None, description="BN9 acted on, when the path names one.")
    program_accounts: list[str] | None = Field(default=None, description="BN15s allowed; None means all.")
    scopes: list[str] = Field(default_factory=list)
    via_provider: str | None = Field(default=None, description="Provider BN9 the caller acts through.")
    visibility: list[str] = Field(default_factory=list)
    role: str | None = None
    request_id: str = ""
    mfa: bool = False
    client_id: str | None = Field(
        default=None, description="The OAuth client (application) the caller's token was issued to, if any."
    )

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def require_scope(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"This operation needs the scope {scope}.", code="missing_scope", missing_scope=scope)


def generate_signing_key(kid: str | None = None) -> OKPKey:
    return OKPKey.generate_key("Ed25519", parameters={"kid": kid or uuid.uuid4().hex[:16]})


def load_key(value: str) -> OKPKey:
    """A JWK given inline (JSON) or as a path to a file holding it."""
    text = value.strip()
    if not text.startswith("{"):
        text = Path(text).read_text()
    return OKPKey.import_key(json.loads(text))


class ContextSigner:
    def __init__(self, private_key: OKPKey, audience: str = "portal-services", ttl_s: int = 60) -> None:
        self._key = private_key
        self._audience = audience
        self._ttl_s = ttl_s
        self._header = {"alg": ALGORITHM, "kid": private_key.kid}

    def sign(self, context: InternalContext) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": self._audience,
            "iat": now,
            "exp": now + self._ttl_s,
            "ctx": context.model_dump(exclude_none=True),
        }
        return jwt.encode(self._header, claims, self._key, algorithms=[ALGORITHM])


class ContextVerifier:
    def __init__(self, public_key: OKPKey, audience: str = "portal-services", leeway_s: int = 5) -> None:
        self._keys = KeySet([public_key])
        self._validator = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": ISSUER},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            leeway=leeway_s,
        )

    def verify(self, token: str) -> InternalContext:
        try:
            decoded = jwt.decode(token, self._keys, algorithms=[ALGORITHM])
            self._validator.validate(decoded.claims)
            payload: dict[str, Any] = decoded.claims["ctx"]
            return InternalContext.model_validate(payload)
        except (JoseError, ValueError, KeyError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            raise Unauthorized("The internal context token is invalid or expired.", code="invalid_context") from exc


async def _context_from_request(request: Request) -> InternalContext:
    cached = getattr(request.state, "portal_context", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    verifier: ContextVerifier | None = getattr(request.app.state, "context_verifier", None)
    token = request.headers.get(HEADER)
    if verifier is None or not token:
        raise Unauthorized("This service is reached through the gateway only.", code="missing_context")
    context = verifier.verify(token)
    request.state.portal_context = context
    return context


CurrentContext = Annotated[InternalContext, Depends(_context_from_request)]
