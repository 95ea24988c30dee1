"""How each public operation declares who may call it; the gateway builds its route table from these.

Every operation carries ``x-acting`` (public, self, business, program_account) and, unless public or self,
``x-scope`` (a ``function:action`` name). They are written into the OpenAPI documents in ``contracts/openapi``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Acting(StrEnum):
    PUBLIC = "public"  # no token (registration, login, tariff)
    SELF = "self"  # any authenticated caller, acting for themselves (/v1/me/...)
    BUSINESS = "business"  # path names a business: /v1/businesses/{bn}/...
    PROGRAM_ACCOUNT = "program_account"  # path names a program account: .../program-accounts/{bn15}/...
    INTERNAL = "internal"  # /internal/...: other services only, never routed by the gateway


STORE_AND_FORWARD = "x-portal-store-and-forward"
# The largest body the gateway accepts for one operation, when it differs from the gateway's default (a document
# upload takes more than a JSON command; ``GATEWAY_MAX_REQUEST_BODY_BYTES`` is the default for the others).
MAX_BODY_BYTES = "x-portal-max-body-bytes"


def access(
    acting: Acting,
    scope: str | None = None,
    *,
    store_and_forward: bool = False,
    max_body_bytes: int | None = None,
) -> dict[str, Any]:
    """``openapi_extra`` for a route: ``@router.get(..., openapi_extra=access(Acting.BUSINESS, "financial:read"))``.

    ``store_and_forward``: while the service is down, the gateway accepts the request (authorized as usual, with an
    ``Idempotency-Key``) into a durable queue and delivers it, in acceptance order, once the service is back.

    ``max_body_bytes``: the largest request body the gateway lets through to this operation (413 beyond), in place
    of the gateway's default; declared by operations whose bodies are legitimately larger (uploads) or that should
    be held to less.
    """
    if store_and_forward and acting in (Acting.PUBLIC, Acting.INTERNAL):
        raise ValueError("only authenticated operations can be stored and forwarded (the queue has an owner)")
    if acting in (Acting.BUSINESS, Acting.PROGRAM_ACCOUNT) and not scope:
        raise ValueError("business and program-account operations must declare their scope")
    extra: dict[str, Any] = {"x-acting": acting.value}
    if scope:
        extra["x-scope"] = scope
    if store_and_forward:
        extra[STORE_AND_FORWARD] = True
    if max_body_bytes is not None:
        if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be a positive number of bytes, not {max_body_bytes!r}")
        extra[MAX_BODY_BYTES] = max_body_bytes
    return extra
