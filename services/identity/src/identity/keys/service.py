"""Token signing keys: one active Ed25519 key, published with the retired ones in the JWKS."""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.keys.models import SigningKey
from portal_runtime.context import ALGORITHM
from portal_runtime.messaging import utcnow


class KeyStore:
    """``activation_delay_s``: after a rotation the new key is published at once but signs only this much later,
    so a gateway that fetched the JWKS just before knows it by then (its refetch of an unknown kid is rate
    limited). The retired key signs until then; it stays published long enough for those tokens too, as long as
    the delay is shorter than the access-token lifetime."""

    def __init__(
        self,
        issuer: str,
        access_token_ttl_s: int,
        *,
        activation_delay_s: float = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.access_token_ttl_s = access_token_ttl_s
        self._activation_delay_s = activation_delay_s
        self._clock = clock
        self._active: OKPKey | None = None
        self._next: tuple[OKPKey, float] | None = None

    async def ensure_active_key(self, session: AsyncSession) -> OKPKey:
        row = (
            (
                await session.execute(
                    select(SigningKey).where(SigningKey.retired_at.is_(None)).order_by(SigningKey.created_at.desc())
                )
            )
            .scalars()
            .first()
        )
        if row is None:
            key = OKPKey.generate_key("Ed25519", parameters={"kid": uuid.uuid4().hex[:16], "use": "sig"})
            row = SigningKey(
                kid=key.kid,
                algorithm=ALGORITHM,
                created_at=utcnow(),
                private_jwk=json.dumps(key.as_dict(private=True)),
                public_jwk=json.dumps(key.as_dict(private=False)),
            )
            session.add(row)
            await session.flush()
        self._active = OKPKey.import_key(json.loads(row.private_jwk))
        return self._active

    async def rotate(self, session: AsyncSession) -> OKPKey:
        """Retire the active key and make a new one. The retired key stays in the JWKS for twice the access-token
        lifetime, so tokens it signed keep verifying (at the gateway too) until they expire."""
        await session.execute(
            update(SigningKey)
            .where(SigningKey.retired_at.is_(None))
            .values(retired_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        previous, self._active = self._active, None
        new = await self.ensure_active_key(session)
        if previous is not None and self._activation_delay_s > 0:
            self._active, self._next = previous, (new, self._clock() + self._activation_delay_s)
        return new

    async def decode(self, session: AsyncSession, token: str) -> dict[str, Any] | None:
        """The claims of an access token identity signed with a still-published key and that has not expired;
        None otherwise (bad signature, unknown key, expired, not ours)."""
        try:
            keys = KeySet.import_key_set(await self.jwks(session))  # type: ignore[arg-type]
            claims: dict[str, Any] = jwt.decode(token, keys, algorithms=[ALGORITHM]).claims
            jwt.JWTClaimsRegistry(
                # A little leeway: an API client's token may be dated up to a second ahead (see issue_access_token).
                leeway=2,
                iss={"essential": True, "value": self.issuer},
                exp={"essential": True},
                sub={"essential": True},
            ).validate(claims)
        except (JoseError, ValueError, TypeError, KeyError):
            return None
        return claims

    async def jwks(self, session: AsyncSession) -> dict[str, Any]:
        horizon = utcnow() - timedelta(seconds=self.access_token_ttl_s * 2)
        rows = (
            await session.execute(
                select(SigningKey)
                .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > horizon))
                .order_by(SigningKey.created_at.desc())
            )
        ).scalars()
        keys = []
        for row in rows:
            jwk = json.loads(row.public_jwk)
            jwk.setdefault("alg", row.algorithm)
            jwk.setdefault("use", "sig")
            keys.append(jwk)
        return {"keys": keys}

    def issue_access_token(
        self,
        subject: str,
        *,
        scopes: list[str],
        audience: str = "portal-api",
        extra: dict[str, Any] | None = None,
        ttl_s: int | None = None,
        not_issued_before: float | None = None,
    ) -> str:
        """``not_issued_before``: date the token (``iat``, whole seconds) no earlier than this instant, so that a
        revocation of that instant (an API client's secret rotated just now) does not cover it."""
        now = int(self._clock())
        if not_issued_before is not None:
            now = max(now, math.ceil(not_issued_before))
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience,
            "iat": now,
            "exp": now + (ttl_s or self.access_token_ttl_s),
            "jti": uuid.uuid4().hex,
            "scope": " ".join(scopes),
        }
        claims.update(extra or {})
        return self.sign(claims, typ="at+jwt")

    def sign(self, claims: dict[str, Any], *, typ: str = "JWT") -> str:
        """A JWT signed with the active key (access tokens are ``at+jwt``, RFC 9068; ID tokens plain ``JWT``)."""
        if self._next is not None and self._clock() >= self._next[1]:
            self._active, self._next = self._next[0], None
        if self._active is None:
            raise RuntimeError("no active signing key (ensure_active_key at startup)")
        header = {"alg": ALGORITHM, "kid": self._active.kid, "typ": typ}
        return jwt.encode(header, claims, self._active, algorithms=[ALGORITHM])
