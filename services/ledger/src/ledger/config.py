from portal_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class Settings(ServiceSettings):
    """Ledger settings; environment variables are prefixed ``LEDGER_`` (then ``PORTAL_``)."""

    model_config = SettingsConfigDict(env_prefix="LEDGER_")

    service_name: str = "ledger"
    database_url: str = "sqlite+aiosqlite:///var/ledger.db"
    port: int = 8004
