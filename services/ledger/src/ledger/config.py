from pydantic_settings import SettingsConfigDict

from portal_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """Ledger settings; environment variables are prefixed ``LEDGER_`` (then ``PORTAL_``)."""

    model_config = SettingsConfigDict(env_prefix="LEDGER_")

    service_name: str = "ledger"
    database_url: str = "sqlite+aiosqlite:///var/ledger.db"
    port: int = 8004
    # "Today" for the proof-of-knowledge window is a calendar day of the CBSA, not of UTC.
