"""Each component's migrations build exactly the schema its models describe, on SQLite and on PostgreSQL, and can be
undone: a model changed without its revision (or a revision that drifts from the model) fails here, not at a
deployment's first query."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection

from portal_runtime.db import create_engine
from portal_runtime.migrations import SERVICES, downgrade, upgrade
from portal_runtime.testing.infra import PostgresServer


def target_metadata(component: str) -> MetaData:
    """The metadata the component's ``migrations/env.py`` migrates to."""
    if component == "gateway":
        from portal_gateway.outages.db import metadata

        return metadata
    package = SERVICES[component][0]
    return importlib.import_module(f"{package}.main").spec().metadata  # type: ignore[no-any-return]


async def differences(url: str, metadata: MetaData) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:

            def compare(sync: Connection) -> list[Any]:
                return compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), metadata)

            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


async def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("component", sorted(SERVICES))
async def test_migrations_build_the_models_schema_on_sqlite_and_can_be_undone(component: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path}/{component}.db"
    package = SERVICES[component][0]

    await upgrade(package, url)
    assert await differences(url, target_metadata(component)) == []

    await downgrade(package, url)
    assert await tables(url) <= {"alembic_version"}
    await upgrade(package, url)
    assert await differences(url, target_metadata(component)) == []


@pytest.mark.integration
@pytest.mark.parametrize("component", sorted(SERVICES))
async def test_migrations_build_the_models_schema_on_postgresql(component: str, postgres: PostgresServer) -> None:
    url = await postgres.create_database(f"migrate_{component.replace('-', '_')}")

    await upgrade(SERVICES[component][0], url)

    assert await differences(url, target_metadata(component)) == []
    await postgres.drop_all()
