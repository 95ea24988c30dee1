from pydantic_settings import SettingsConfigDict

from portal_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """Delegation settings; environment variables are prefixed ``DELEGATION_`` (then ``PORTAL_``)."""

    model_config = SettingsConfigDict(env_prefix="DELEGATION_")

    service_name: str = "delegation"
    database_url: str = "sqlite+aiosqlite:///var/delegation.db"
    port: int = 8003
    relationship_expiry_interval_s: float = 3600.0  # how often relationships past their expiry date expire; 0: never
    group_operation_interval_s: float = 0.5  # how often the worker looks for pending group operations; 0: never
