"""``Idempotency-Key`` on POSTs that create things (API.md): a replay returns the first response; the same key with
another body is refused. The first response is stored in the same transaction as what it created."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from delegation.relationships import repository
from delegation.relationships.errors import IdempotencyKeyReused
from delegation.relationships.models import IdempotentResponse
from portal_runtime.messaging import utcnow


def fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


async def replay(
    session: AsyncSession, *, operation: str, principal: str, key: str, body: dict[str, Any]
) -> IdempotentResponse | None:
    """The stored first response for this key, if any; :class:`IdempotencyKeyReused` when the body differs."""
    stored = await repository.idempotent_response(session, operation, principal, key)
    if stored is not None and stored.request_hash != fingerprint(body):
        raise IdempotencyKeyReused()
    return stored


def remember(
    session: AsyncSession,
    *,
    operation: str,
    principal: str,
    key: str,
    body: dict[str, Any],
    status_code: int,
    response: dict[str, Any],
) -> None:
    session.add(
        IdempotentResponse(
            operation=operation,
            principal=principal,
            key=key,
            request_hash=fingerprint(body),
            status_code=status_code,
            body=response,
            created_at=utcnow(),
        )
    )
