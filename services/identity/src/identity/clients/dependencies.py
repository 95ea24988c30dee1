from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from identity.clients.errors import NotThisBusiness
from identity.clients.service import ClientRegistry
from identity.errors import NotAUser
from identity.users.hashing import GeneratedSecretHasher
from portal_runtime.context import CurrentContext

MANAGE_API_CLIENTS = "business_profile:write"  # only business account managers (BAMs) hold it


@dataclass(frozen=True)
class Manager:
    user_id: str
    scopes: frozenset[str]  # what the manager may do on the business: the most an API client can be given


async def account_manager(bn: str, context: CurrentContext) -> Manager:
    """The user managing the business's API clients: acting for ``bn`` with the BAM scope."""
    if context.subject_type != "user":
        raise NotAUser(
            "API clients are managed by a business account manager, not by an API client.",
            fr="Les clients d'API sont gérés par un gestionnaire de compte d'entreprise, non par un client d'API.",
        )
    if context.business != bn:
        raise NotThisBusiness(
            f"The request does not act for business {bn}.", fr=f"La requête n'agit pas pour l'entreprise {bn}."
        )
    context.require_scope(MANAGE_API_CLIENTS)
    return Manager(context.subject, frozenset(context.scopes))


AccountManager = Annotated[Manager, Depends(account_manager)]


def registry_for(request: Request, session: AsyncSession) -> ClientRegistry:
    state = request.app.state
    return ClientRegistry(
        session,
        GeneratedSecretHasher(state.hasher),
        state.clock,
        secret_grace_s=state.runtime.settings.client_secret_grace_s,
    )
