from portal_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class Settings(ServiceSettings):
    """Identity settings; environment variables are prefixed ``IDENTITY_`` (then ``PORTAL_``)."""

    model_config = SettingsConfigDict(env_prefix="IDENTITY_")

    service_name: str = "identity"
    database_url: str = "sqlite+aiosqlite:///var/identity.db"
    port: int = 8001
    issuer: str = "http://127.0.0.1:8000"
    access_token_ttl_s: int = 900
