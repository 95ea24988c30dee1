"""Settings: environment prefixes, derived defaults, the context key, and what production refuses."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from portal_contracts import OPENAPI_DIR
from portal_gateway.__main__ import main as run_gateway
from portal_gateway.config import DEFAULT_SERVICES, Settings, context_signing_key
from portal_runtime.context import generate_signing_key


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the environment: a developer's or CI's GATEWAY_/PORTAL_ variables must not leak in."""
    for name in list(os.environ):
        if name.startswith(("GATEWAY_", "PORTAL_")):
            monkeypatch.delenv(name)


def test_defaults_point_at_the_local_stack() -> None:
    settings = Settings()

    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.services == DEFAULT_SERVICES
    assert settings.jwks_url == "http://127.0.0.1:8001/v1/oauth/jwks"
    assert (settings.connect_timeout_s, settings.read_timeout_s) == (1.0, 15.0)
    assert settings.contracts_dir == OPENAPI_DIR
    assert (settings.token_issuer, settings.token_audience) == ("http://127.0.0.1:8000", "portal-api")


def test_gateway_prefix_wins_over_the_stack_wide_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_KAFKA_BOOTSTRAP_SERVERS", "broker:9092")
    monkeypatch.setenv("PORTAL_PORT", "9999")
    monkeypatch.setenv("GATEWAY_PORT", "8080")
    monkeypatch.setenv("GATEWAY_SERVICES", json.dumps(DEFAULT_SERVICES | {"identity": "http://identity:8001"}))

    settings = Settings()

    assert settings.kafka_bootstrap_servers == "broker:9092"
    assert settings.port == 8080
    assert settings.jwks_url == "http://identity:8001/v1/oauth/jwks"


PG_URL = "postgresql+asyncpg://gateway:secret@db:5432/gateway"


def test_production_refuses_to_start_without_a_context_key() -> None:
    with pytest.raises(ValidationError, match="GATEWAY_CONTEXT_PRIVATE_KEY"):
        Settings(environment="production")


def test_production_refuses_sqlite_for_the_gateway_database() -> None:
    jwk = json.dumps(generate_signing_key().as_dict(private=True))
    with pytest.raises(ValidationError, match="GATEWAY_DATABASE_URL"):
        Settings(environment="production", context_private_key=jwk, internal_api_key="k" * 43)

    settings = Settings(
        environment="production", context_private_key=jwk, internal_api_key="k" * 43, database_url=PG_URL
    )
    assert settings.database_url == PG_URL


def test_the_context_key_is_read_inline_or_from_a_file(tmp_path: Path) -> None:
    key = generate_signing_key("configured")
    jwk = json.dumps(key.as_dict(private=True))
    (tmp_path / "context.jwk").write_text(jwk)

    production = {"environment": "production", "internal_api_key": "k" * 43, "database_url": PG_URL}
    inline = context_signing_key(Settings(context_private_key=jwk, **production))
    from_file = context_signing_key(Settings(context_private_key=str(tmp_path / "context.jwk")))

    assert inline.kid == from_file.kid == "configured"
    assert inline.is_private


def test_a_public_key_cannot_sign_context_tokens() -> None:
    public = json.dumps(generate_signing_key().as_dict(private=False))

    with pytest.raises(ValueError, match="private Ed25519"):
        context_signing_key(Settings(context_private_key=public))


def test_development_signs_with_an_ephemeral_key_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="portal_gateway.config"):
        first = context_signing_key(Settings(environment="development"))
        second = context_signing_key(Settings(environment="development"))

    assert first.kid != second.kid
    assert "GATEWAY_CONTEXT_PRIVATE_KEY is not set" in caplog.text


def test_delegation_is_required_since_every_business_request_asks_it() -> None:
    with pytest.raises(ValidationError, match="delegation"):
        Settings(services={"identity": "http://127.0.0.1:8001"})


def test_python_m_gateway_runs_the_factory_without_access_log(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.setenv("GATEWAY_HOST", "0.0.0.0")

    run_gateway()

    (args, kwargs), *_ = calls
    assert args == ("portal_gateway.main:create_app",)
    assert kwargs["factory"] is True
    assert kwargs["access_log"] is False
    assert (kwargs["host"], kwargs["port"]) == ("0.0.0.0", 8000)
    assert kwargs["proxy_headers"] is False  # no trusted load balancer configured


async def test_sniffio_is_installed_so_httpcore_does_not_search_for_it_on_every_request() -> None:
    # httpcore imports sniffio inside current_async_library(), called for every pooled request; without it each
    # call is a failed import that scans sys.path (a quarter of the gateway's CPU in a py-spy profile).
    import sys

    from httpcore._synchronization import current_async_library

    assert current_async_library() == "asyncio"
    assert "sniffio" in sys.modules
