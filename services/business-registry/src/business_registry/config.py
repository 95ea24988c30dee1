from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from portal_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """Business registry settings; environment variables are prefixed ``REGISTRY_`` (then ``PORTAL_``)."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_")

    service_name: str = "business-registry"
    database_url: str = "sqlite+aiosqlite:///var/business-registry.db"
    port: int = 8002
    # "Today" for the proof-of-knowledge window is a calendar day of the CBSA, not of UTC.

    # Ledger's internal API checks proof-of-knowledge answers. Unset, it is INTERNAL_URLS["ledger"] when given.
    ledger_url: str = "http://127.0.0.1:8004"
    ledger_timeout_s: float = Field(default=5.0, gt=0)

    # Failed proofs of knowledge allowed per business and per user within the window, before 429.
    registration_max_failed_attempts: int = Field(default=5, ge=1)
    registration_attempt_window_s: int = Field(default=24 * 3600, ge=60)

    @model_validator(mode="after")
    def _ledger_from_internal_urls(self) -> "Settings":
        if "ledger_url" not in self.model_fields_set and "ledger" in self.internal_urls:
            self.ledger_url = self.internal_urls["ledger"]
        return self
