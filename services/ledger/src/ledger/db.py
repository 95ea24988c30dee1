from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from portal_runtime.db import new_metadata
from portal_runtime.messaging import messaging_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


messaging = messaging_tables(Base.metadata)


async def upsert(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]) -> None:
    """Insert ``rows``, replacing the non-key columns of rows whose ``key`` already exists.

    Within ``rows`` the last row of a key wins: PostgreSQL refuses to update one row twice in a statement.
    """
    unique = list({tuple(row[k] for k in key): row for row in rows}.values())
    if not unique:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    replaced = {column.name: statement.excluded[column.name] for column in table.columns if column.name not in key}
    await session.execute(statement.on_conflict_do_update(index_elements=list(key), set_=replaced), unique)
