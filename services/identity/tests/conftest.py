from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from .harness import Identity, identity_service, sqlite_url

StartIdentity = Callable[..., AbstractAsyncContextManager[Identity]]


@pytest.fixture
def start_identity(tmp_path: Path, as_context: Callable[..., dict[str, str]], context_public_jwk: str) -> StartIdentity:
    """``async with start_identity(password_policy="passphrase") as identity:`` on a fresh SQLite database."""

    def start(**settings: Any) -> AbstractAsyncContextManager[Identity]:
        settings.setdefault("database_url", sqlite_url(tmp_path))
        return identity_service(as_context=as_context, context_public_jwk=context_public_jwk, **settings)

    return start


@pytest.fixture
async def identity(start_identity: StartIdentity) -> AsyncIterator[Identity]:
    """The identity service with a real SMTP server and a movable clock; delegation is not running."""
    async with start_identity() as service:
        yield service
