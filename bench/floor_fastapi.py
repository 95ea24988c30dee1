"""The service hop of the floor (``floor_path.floor_service``) as a plain FastAPI route: what FastAPI itself
costs that hop. Its own module, without postponed annotations: FastAPI reads the route's annotations at import.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException
from floor_path import GrantRead
from pydantic import BaseModel


class Grant(BaseModel):
    user_id: str
    bn: str
    role: str
    all_programs: bool
    program_accounts: list[str]
    granted_at: datetime


def fastapi_service(dsn: str, contexts: dict[str, str]) -> FastAPI:
    """``floor_service``'s read as a FastAPI route: the path parameters and the context header declared, a
    response model, ``HTTPException`` for a refusal; no middleware, no dependency, nothing of ours."""
    read = GrantRead(dsn)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await read.open()
        yield
        await read.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/v1/businesses/{bn}/employees/{user_id}")
    async def read_employee(bn: str, user_id: str, x_portal_context: Annotated[str, Header()]) -> Grant:
        subject = contexts.get(x_portal_context)
        if subject is None:
            raise HTTPException(401)
        grant = await read.grant(subject, bn, user_id)
        if grant is None:
            raise HTTPException(404)
        return Grant(**grant)

    return app
