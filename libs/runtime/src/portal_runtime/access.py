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


def access(acting: Acting, scope: str | None = None, *, store_and_forward: bool = False) -> dict[str, Any]:
    """``openapi_extra`` for a route: ``@router.get(..., openapi_extra=access(Acting.BUSINESS, "financial:read"))``.

    ``store_and_forward``: while the service is down, the gateway accepts the request (authorized as usual, with an
    ``Idempotency-Key``) into a durable queue and delivers it, in acceptance order, once the service is back.
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
    return extra
