from pydantic_settings import SettingsConfigDict

from portal_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """Rulings settings; environment variables are prefixed ``RULINGS_`` (then ``PORTAL_``)."""

    model_config = SettingsConfigDict(env_prefix="RULINGS_")

    service_name: str = "rulings"
    database_url: str = "sqlite+aiosqlite:///var/rulings.db"
    port: int = 8005
