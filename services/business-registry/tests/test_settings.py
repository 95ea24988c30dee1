from business_registry.config import Settings


def test_settings_read_the_business_registry_prefix_before_the_stack_wide_one(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_DATABASE_URL", "sqlite+aiosqlite:///shared.db")
    monkeypatch.setenv("REGISTRY_DATABASE_URL", "postgresql+asyncpg://db/business_registry")
    assert Settings().database_url == "postgresql+asyncpg://db/business_registry"


def test_the_ledger_url_defaults_to_the_stack_wide_internal_urls() -> None:
    assert Settings().ledger_url == "http://127.0.0.1:8004"
    assert Settings(internal_urls={"ledger": "http://ledger.internal:8004"}).ledger_url == "http://ledger.internal:8004"
    assert Settings(internal_urls={"ledger": "http://a"}, ledger_url="http://b").ledger_url == "http://b"
