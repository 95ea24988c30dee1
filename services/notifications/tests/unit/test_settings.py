import pytest
from pydantic import ValidationError

from notifications.config import Settings


def test_settings_read_the_notifications_prefix_before_the_stack_wide_one(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_DATABASE_URL", "sqlite+aiosqlite:///shared.db")
    monkeypatch.setenv("NOTIFICATIONS_DATABASE_URL", "postgresql+asyncpg://db/notifications")
    assert Settings().database_url == "postgresql+asyncpg://db/notifications"


def test_the_smtp_sink_is_on_in_development_only(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert Settings(environment="development").smtp_sink_enabled
    assert not Settings(environment="test").smtp_sink_enabled
    monkeypatch.setenv("PORTAL_ENVIRONMENT", "test")
    assert not Settings().smtp_sink_enabled
    monkeypatch.setenv("NOTIFICATIONS_SMTP_SINK_ENABLED", "true")
    assert Settings().smtp_sink_enabled


def test_production_refuses_the_smtp_sink_and_defaults_it_off() -> None:
    production = {
        "environment": "production",
        "database_url": "postgresql+asyncpg://db/notifications",
        "context_public_key": '{"kty": "OKP"}',
        "internal_api_key": "k" * 32,
    }
    assert not Settings(**production).smtp_sink_enabled
    with pytest.raises(ValidationError, match="SMTP_SINK_ENABLED"):
        Settings(**production, smtp_sink_enabled=True)
