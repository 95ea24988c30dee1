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


def access(acting: Acting, scope: str | None = None) -> dict[str, Any]:
    """``openapi_extra`` for a route: ``@router.get(..., openapi_extra=access(Acting.BUSINESS, "financial:read"))``."""
    if acting in (Acting.BUSINESS, Acting.PROGRAM_ACCOUNT) and not scope:
        raise ValueError("business and program-account operations must declare their scope")
    extra: dict[str, Any] = {"x-acting": acting.value}
    if scope:
        extra["x-scope"] = scope
    return extra
