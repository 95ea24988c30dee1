from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from portal_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """Notifications settings; environment variables are prefixed ``NOTIFICATIONS_`` (then ``PORTAL_``)."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_")

    service_name: str = "notifications"
    database_url: str = "sqlite+aiosqlite:///var/notifications.db"
    port: int = 8006

    # Where notice e-mails are delivered. The embedded default is the local sink below (same port).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_starttls: bool = False  # upgrade with STARTTLS (a production relay); same meaning as identity's
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_s: float = 10.0
    mail_from: str = "CARM Client Portal <no-reply@carm-portal.dev>"
    # The background sender: how often it looks for due e-mails, and the retry backoff after a failure.
    mail_poll_interval_s: float = 2.0
    mail_batch_size: int = Field(default=50, ge=1)
    mail_retry_base_s: float = 2.0
    mail_retry_max_s: float = 300.0

    # A local SMTP server storing every message it receives in `sandbox_mail` (readable at /v1/sandbox/mailbox
    # when SANDBOX=1). Defaults to on in development only; production refuses it.
    smtp_sink_enabled: bool = False
    smtp_sink_port: int = 1025

    @model_validator(mode="before")
    @classmethod
    def _sink_defaults_to_development(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("smtp_sink_enabled") in (None, ""):
            data = {**data, "smtp_sink_enabled": data.get("environment", "development") == "development"}
        return data

    @model_validator(mode="after")
    def _refuse_sink_in_production(self) -> "Settings":
        if self.environment == "production" and self.smtp_sink_enabled:
            raise ValueError("production refuses SMTP_SINK_ENABLED: e-mail must reach a real SMTP relay")
        return self

    @property
    def mail_claim_lease_s(self) -> float:
        """How long a claimed e-mail is left to its sender before another sender may retry it."""
        return max(60.0, self.smtp_timeout_s * 6)
