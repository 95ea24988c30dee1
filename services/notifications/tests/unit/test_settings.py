from notifications.config import Settings


def test_settings_read_the_notifications_prefix_before_the_stack_wide_one(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_DATABASE_URL", "sqlite+aiosqlite:///shared.db")
    monkeypatch.setenv("NOTIFICATIONS_DATABASE_URL", "postgresql+asyncpg://db/notifications")
    assert Settings().database_url == "postgresql+asyncpg://db/notifications"
