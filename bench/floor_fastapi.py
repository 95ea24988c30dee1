"""The service hop of the floor (``floor_path.floor_service``) as a plain FastAPI route: what FastAPI itself
costs that hop. Its own module, without postponed annotations: FastAPI reads the route's annotations at import.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

import asyncpg
from fastapi import FastAPI, Header, HTTPException
from floor_path import POOL_SIZE
from pydantic import BaseModel
from sqlalchemy.dialects import postgresql

from delegation.employees.repository import _GRANTS_OF_TWO_USERS


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
    compiled = _GRANTS_OF_TWO_USERS.statement.compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[attr-defined]
    sql, order = compiled.string, list(compiled.positiontup or ())
    pools: list[Any] = []

    async def no_reset(_connection: Any) -> None:
        """As delegation's pool: no session reset at release."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        pools.append(await asyncpg.create_pool(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE, reset=no_reset))
        yield
        await pools[0].close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/v1/businesses/{bn}/employees/{user_id}")
    async def read_employee(bn: str, user_id: str, x_portal_context: Annotated[str, Header()]) -> Grant:
        subject = contexts.get(x_portal_context)
        if subject is None:
            raise HTTPException(401)
        values = {"bn": bn, "first": subject, "second": user_id}
        async with pools[0].acquire() as connection:
            rows = await connection.fetch(sql, *[values[name] for name in order])
        grant = next((row for row in rows if row["user_id"] == user_id), None)
        if grant is None:
            raise HTTPException(404)
        return Grant(
            user_id=grant["user_id"],
            bn=grant["bn"],
            role=grant["role"],
            all_programs=grant["all_programs"],
            program_accounts=[row["bn15"] for row in rows if row["id"] == grant["id"] and row["bn15"]],
            granted_at=grant["granted_at"],
        )

    return app
