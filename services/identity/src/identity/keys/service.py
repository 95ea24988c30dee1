"""Token signing keys: one active Ed25519 key, published with the retired ones in the JWKS."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from typing import Any

from joserfc import jwt
from joserfc.jwk import OKPKey
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.keys.models import SigningKey
from portal_runtime.context import ALGORITHM
from portal_runtime.messaging import utcnow


class KeyStore:
    def __init__(self, issuer: str, access_token_ttl_s: int) -> None:
        self.issuer = issuer
        self.access_token_ttl_s = access_token_ttl_s
        self._active: OKPKey | None = None

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
        self, subject: str, *, scopes: list[str], audience: str = "portal-api", extra: dict[str, Any] | None = None
    ) -> str:
        if self._active is None:
            raise RuntimeError("no active signing key (ensure_active_key at startup)")
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience,
            "iat": now,
            "exp": now + self.access_token_ttl_s,
            "jti": uuid.uuid4().hex,
            "scope": " ".join(scopes),
        }
        claims.update(extra or {})
        header = {"alg": ALGORITHM, "kid": self._active.kid, "typ": "at+jwt"}
        return jwt.encode(header, claims, self._active, algorithms=[ALGORITHM])
