import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from portal_runtime.settings import ServiceSettings


class LedgerLike(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGERLIKE_")


def test_service_prefix_wins_over_the_stack_wide_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("PORTAL_DATABASE_URL", "sqlite+aiosqlite:///shared.db")
    monkeypatch.setenv("LEDGERLIKE_DATABASE_URL", "postgresql+asyncpg://db/ledger")

    settings = LedgerLike()

    assert settings.kafka_bootstrap_servers == "kafka:9092"
    assert settings.database_url == "postgresql+asyncpg://db/ledger"


def test_production_refuses_sqlite_and_missing_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGERLIKE_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="SQLite"):
        LedgerLike()
    monkeypatch.setenv("LEDGERLIKE_DATABASE_URL", "postgresql+asyncpg://db/ledger")
    with pytest.raises(ValidationError, match="CONTEXT_PUBLIC_KEY"):
        LedgerLike()
