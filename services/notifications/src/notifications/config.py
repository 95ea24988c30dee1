from portal_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class Settings(ServiceSettings):
    """Notifications settings; environment variables are prefixed ``NOTIFICATIONS_`` (then ``PORTAL_``)."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_")

    service_name: str = "notifications"
    database_url: str = "sqlite+aiosqlite:///var/notifications.db"
    port: int = 8006
