"""What the gateway's context must say before the registry shows or changes a business.

The gateway already decided; the registry still checks that the context acts on the business of the path and
holds the scope, so a mis-routed or replayed context cannot reach another business's data.
"""

from __future__ import annotations

from business_registry.errors import BusinessNotActedOn, ProgramAccountNotAllowed
from portal_contracts.scopes import Scope
from portal_runtime.context import InternalContext


def require_acting_on(context: InternalContext, bn: str, scope: Scope) -> None:
    if context.business != bn:
        raise BusinessNotActedOn(
            f"This request does not act on business {bn}.", fr=f"Cette requête ne vise pas l'entreprise {bn}."
        )
    context.require_scope(scope.value)


def covers(context: InternalContext, bn15: str) -> bool:
    """Whether the caller's access covers the program account (``None``: every program account)."""
    return context.program_accounts is None or bn15 in context.program_accounts


def require_covers(context: InternalContext, bn15: str) -> None:
    if not covers(context, bn15):
        raise ProgramAccountNotAllowed(
            f"Your access to this business does not cover program account {bn15}.",
            fr=f"Votre accès à cette entreprise ne couvre pas le compte de programme {bn15}.",
        )
