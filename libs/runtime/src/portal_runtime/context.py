"""The internal context token: signed by the gateway, verified by every service.

Services trust nothing else about the caller. The token is short-lived (``ttl_s``), Ed25519-signed (joserfc),
and carries who acts, for which business, through which provider, with which effective scopes and visibility.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
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
    request_id: str = Field(
        default="",
        description="Empty from the gateway: the request id travels in X-Request-ID, so that identical contexts "
        "share one signed token.",
    )
    mfa: bool = False
    client_id: str | None = Field(
        default=None, description="The OAuth client (application) the caller's token was issued to, if any."
    )

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def require_scope(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(
                f"This operation needs the scope {scope}.",
                fr=f"Cette opération exige la portée {scope}.",
                code="missing_scope",
                missing_scope=scope,
            )


def generate_signing_key(kid: str | None = None) -> OKPKey:
    return OKPKey.generate_key("Ed25519", parameters={"kid": kid or uuid.uuid4().hex[:16]})


def load_key(value: str) -> OKPKey:
    """A JWK given inline (JSON) or as a path to a file holding it."""
    text = value.strip()
    if not text.startswith("{"):
        text = Path(text).read_text()
    return OKPKey.import_key(json.loads(text))


Clock = Callable[[], int]


def _now() -> int:
    return int(time.time())


class ContextSigner:
    """Signs contexts; an identical context signed again within the first half of its token's life gets the same
    token back (the signature is not recomputed, and the services' verifiers recognise it).

    Reuse is sound because the token is exactly the context: the same content is the same authority, whichever
    request carries it. It still expires as any token does; a reused one has more than half its ``ttl_s`` left. A
    context that names its request (``request_id``; the gateway's do not, the id travels in X-Request-ID) is
    distinct for every request and is signed each time.
    """

    def __init__(
        self,
        private_key: OKPKey,
        audience: str = "portal-services",
        ttl_s: int = 60,
        *,
        max_reused: int = 1024,
        clock: Clock = _now,
    ) -> None:
        self._key = private_key
        self._audience = audience
        self._ttl_s = ttl_s
        self._header = {"alg": ALGORITHM, "kid": private_key.kid}
        self._max_reused = max_reused
        self._clock = clock
        self._signed: dict[str, tuple[int, str]] = {}  # the context's JSON -> (reusable until, token)

    def sign(self, context: InternalContext) -> str:
        now = self._clock()
        if context.request_id:  # distinct for every request: nothing to reuse, nothing worth remembering
            return self._encode(context, now)
        key = context.model_dump_json(exclude_none=True)
        reusable = self._signed.get(key)
        if reusable is not None and now < reusable[0]:
            return reusable[1]
        token = self._encode(context, now)
        _remember(self._signed, key, (now + self._ttl_s // 2, token), self._max_reused)
        return token

    def _encode(self, context: InternalContext, now: int) -> str:
        claims = {
            "iss": ISSUER,
            "aud": self._audience,
            "iat": now,
            "exp": now + self._ttl_s,
            "ctx": context.model_dump(exclude_none=True),
        }
        return jwt.encode(self._header, claims, self._key, algorithms=[ALGORITHM])


class ContextVerifier:
    """Verifies context tokens; a token already verified is recognised by its exact text, without verifying its
    signature again, for as long as its ``exp`` (with the same leeway) allows.

    Only a token that passed full verification is remembered, so a tampered one (any other text) is verified, and
    refused, as before. ``cached`` and ``verified`` count the two outcomes (the hit rate of the cache).
    """

    def __init__(
        self,
        public_key: OKPKey,
        audience: str = "portal-services",
        leeway_s: int = 5,
        *,
        max_remembered: int = 1024,
        clock: Clock = _now,
    ) -> None:
        self._keys = KeySet([public_key])
        self._validator = jwt.JWTClaimsRegistry(
            now=clock,
            iss={"essential": True, "value": ISSUER},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            leeway=leeway_s,
        )
        self._leeway_s = leeway_s
        self._max_remembered = max_remembered
        self._clock = clock
        self._verified: dict[str, tuple[int | float, dict[str, Any]]] = {}  # token -> (exp, the context's claims)
        self.cached = 0
        self.verified = 0

    def verify(self, token: str) -> InternalContext:
        remembered = self._verified.get(token)
        if remembered is not None and remembered[0] > self._clock() - self._leeway_s:  # joserfc's test of exp
            self.cached += 1
            return InternalContext.model_validate(remembered[1])  # a fresh object: callers may change theirs
        try:
            decoded = jwt.decode(token, self._keys, algorithms=[ALGORITHM])
            self._validator.validate(decoded.claims)
            payload: dict[str, Any] = decoded.claims["ctx"]
            context = InternalContext.model_validate(payload)
        except (JoseError, ValueError, KeyError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            self._verified.pop(token, None)
            raise Unauthorized(
                "The internal context token is invalid or expired.",
                fr="Le jeton de contexte interne n'est pas valide ou a expiré.",
                code="invalid_context",
            ) from exc
        self.verified += 1
        _remember(self._verified, token, (decoded.claims["exp"], payload), self._max_remembered)
        return context


def _remember(entries: dict[str, Any], key: str, value: Any, limit: int) -> None:
    """Insert, dropping the oldest entry when full (entries expire within a token's ttl anyway)."""
    entries.pop(key, None)
    if len(entries) >= limit:
        del entries[next(iter(entries))]
    entries[key] = value


async def _context_from_request(request: Request) -> InternalContext:
    cached = getattr(request.state, "portal_context", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    verifier: ContextVerifier | None = getattr(request.app.state, "context_verifier", None)
    token = request.headers.get(HEADER)
    if verifier is None or not token:
        raise Unauthorized(
            "This service is reached through the gateway only.",
            fr="Ce service n'est accessible que par la passerelle.",
            code="missing_context",
        )
    context = verifier.verify(token)
    request.state.portal_context = context
    return context


CurrentContext = Annotated[InternalContext, Depends(_context_from_request)]
