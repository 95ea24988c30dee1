from portal_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class Settings(ServiceSettings):
    """Business registry settings; environment variables are prefixed ``REGISTRY_`` (then ``PORTAL_``)."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_")

    service_name: str = "business-registry"
    database_url: str = "sqlite+aiosqlite:///var/business-registry.db"
    port: int = 8002
