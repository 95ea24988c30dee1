from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from identity.errors import IdentityError
from portal_runtime.messaging import UnitOfWork
from portal_runtime.service import ServiceRuntime


@asynccontextmanager
async def use_case(runtime: ServiceRuntime) -> AsyncIterator[UnitOfWork]:
    """One unit of work per request, committed at the edge.

    An error that ``keeps_changes`` (a wrong code counted, a session locked) is raised only after the commit,
    so refusing a caller never undoes the record of the refusal; every other error rolls back.
    """
    refusal: IdentityError | None = None
    async with runtime.uow() as uow:
        try:
            yield uow
        except IdentityError as error:
            if not error.keeps_changes:
                raise
            refusal = error
    if refusal is not None:
        raise refusal
