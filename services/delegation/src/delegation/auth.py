"""How each route says who may call it, in one place that the gateway (through the OpenAPI document) and the
service (through a dependency) both read.

``**business_operation(Scope.EMPLOYEES_READ)`` declares ``x-acting: business`` and ``x-scope`` for the gateway's
route table and, inside the service, refuses a context that names another business or lacks the scope: the
service trusts the gateway's token, not its route table. Finer rules (the role held, program accounts) are the
use cases' business.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request

from delegation.errors import ContextMismatch, UserRequired
from portal_contracts.scopes import Scope
from portal_runtime.access import Acting, access
from portal_runtime.context import CurrentContext


def _requires(scope: Scope) -> Any:
    async def check(request: Request, context: CurrentContext) -> None:
        bn = request.path_params.get("bn")
        if context.business != bn:
            raise ContextMismatch(str(bn))
        context.require_scope(scope)

    return Depends(check)


async def _user(context: CurrentContext) -> None:
    if context.subject_type != "user":
        raise UserRequired()


def business_operation(scope: Scope) -> dict[str, Any]:
    """Route keywords for an operation on ``/v1/businesses/{bn}/...`` that needs ``scope``."""
    return {"openapi_extra": access(Acting.BUSINESS, scope), "dependencies": [_requires(scope)]}


def self_operation() -> dict[str, Any]:
    """Route keywords for an operation a signed-in user does for themselves."""
    return {"openapi_extra": access(Acting.SELF), "dependencies": [Depends(_user)]}


def internal_operation() -> dict[str, Any]:
    """Route keywords for a service-to-service operation under ``/internal/``: the gateway never routes it
    (whatever it declares), so it is reachable only from inside the deployment's network."""
    return {"tags": ["internal"], "openapi_extra": access(Acting.INTERNAL)}
