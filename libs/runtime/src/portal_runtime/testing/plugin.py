"""pytest plugin (loaded by the root configuration): fixtures for real infrastructure and context tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from portal_runtime.context import ContextSigner, InternalContext, generate_signing_key
from portal_runtime.testing.infra import PostgresServer, TansuBroker, ensure_postgres_running, ensure_redis_running


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    ensure_postgres_running()
    yield PostgresServer()


@pytest.fixture
async def pg_url(postgres: PostgresServer) -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database, dropped after the test."""
    url = await postgres.create_database()
    yield url
    name = url.rsplit("/", 1)[1]
    import asyncpg

    conn = await asyncpg.connect(postgres.admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The machine's Redis (127.0.0.1:6379), started when it is down; tests keep to a key prefix of their own."""
    return ensure_redis_running()


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards."""
    import uuid

    import redis

    prefix = f"test:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def tansu() -> Iterator[TansuBroker]:
    """A Tansu broker of the test's own (fresh, empty) on a free port."""
    broker = TansuBroker()
    broker.launch()
    yield broker
    broker.shutdown()


@pytest.fixture(scope="session")
def context_key() -> Any:
    return generate_signing_key("test-context")


@pytest.fixture(scope="session")
def context_signer(context_key: Any) -> ContextSigner:
    return ContextSigner(context_key)


@pytest.fixture(scope="session")
def context_public_jwk(context_key: Any) -> str:
    import json

    return json.dumps(context_key.as_dict(private=False))


@pytest.fixture(scope="session")
def as_context(context_signer: ContextSigner):  # type: ignore[no-untyped-def]
    """Headers a service accepts as coming from the gateway: ``as_context(subject="u1", scopes=[...])``."""

    def make(**fields: Any) -> dict[str, str]:
        fields.setdefault("subject", "user-1")
        return {"x-portal-context": context_signer.sign(InternalContext(**fields))}

    return make
