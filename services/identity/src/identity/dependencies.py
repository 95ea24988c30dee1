"""Dependencies shared by the features."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from identity.errors import NotAUser
from portal_runtime.context import CurrentContext


async def current_user_id(context: CurrentContext) -> str:
    """The user acting for themselves (``/v1/me``); API clients have no profile or MFA of their own."""
    if context.subject_type != "user":
        raise NotAUser(
            "This operation is for signed-in users, not API clients.",
            fr="Cette opération est réservée aux utilisateurs ayant ouvert une session, non aux clients d'API.",
        )
    return context.subject


CurrentUserId = Annotated[str, Depends(current_user_id)]
