"""Settings base shared by every service.

Each service subclasses :class:`ServiceSettings` with its own ``env_prefix`` (``IDENTITY_``, ``LEDGER_`` ...).
A value missing under the service prefix is looked up under ``PORTAL_``, so a stack-wide setting such as
``PORTAL_KAFKA_BOOTSTRAP_SERVERS`` is written once and overridden per service when needed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

DEV_ENVIRONMENTS = frozenset({"development", "test"})
LOCAL_SERVICE_URLS = {
    "identity": "http://127.0.0.1:8001",
    "business-registry": "http://127.0.0.1:8002",
    "delegation": "http://127.0.0.1:8003",
    "ledger": "http://127.0.0.1:8004",
    "rulings": "http://127.0.0.1:8005",
    "notifications": "http://127.0.0.1:8006",
}


class PortalSettings(BaseSettings):
    """Base of every settings class: per-component prefix, then the stack-wide ``PORTAL_`` prefix."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    sandbox: bool = False
    log_level: str = "INFO"
    # Shared secret every /internal/... call carries (x-internal-key); required in production.
    internal_api_key: str = ""
    # OTLP/HTTP base URL (http://collector:4318) traces are exported to; empty: the standard OTEL_* variables decide,
    # and without them tracing is off (see portal_runtime.telemetry).
    otlp_endpoint: str = ""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        shared = EnvSettingsSource(settings_cls, env_prefix="PORTAL_")
        return init_settings, env_settings, shared, dotenv_settings, file_secret_settings


class ServiceSettings(PortalSettings):
    """What every service needs: its database, the broker, the gateway's public key."""

    service_name: str = "service"
    # The CBSA's calendar day ("today", "the six calendar years before today") is taken in this zone.
    business_timezone: str = "America/Toronto"
    database_url: str = "sqlite+aiosqlite:///var/service.db"
    database_echo: bool = False
    auto_migrate: bool = True

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Apache Kafka: on. Tansu (embedded default) rejects InitProducerId, so it is off there.
    kafka_enable_idempotence: bool = False
    kafka_topic_partitions: int = 6
    relay_enabled: bool = True
    relay_batch_size: int = 200
    relay_poll_interval_s: float = 0.2
    consumers_enabled: bool = True
    consumer_max_attempts: int = 5
    consumer_session_timeout_ms: int = 10_000
    consumer_heartbeat_interval_ms: int = 1_000

    # Public JWK (JSON) of the gateway key that signs internal context tokens, or a path to a file holding it.
    context_public_key: str = ""
    context_audience: str = "portal-services"

    # Base URLs of the other services' internal APIs, by service name (same keys as GATEWAY_SERVICES).
    internal_urls: dict[str, str] = Field(default_factory=lambda: dict(LOCAL_SERVICE_URLS))

    def internal_url(self, service: str) -> str:
        try:
            return self.internal_urls[service].rstrip("/")
        except KeyError:
            raise ValueError(f"INTERNAL_URLS has no entry for {service!r}") from None

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> ServiceSettings:
        if self.environment not in DEV_ENVIRONMENTS:
            if self.database_url.startswith("sqlite"):
                raise ValueError("production refuses SQLite: set DATABASE_URL to a PostgreSQL URL")
            if not self.context_public_key:
                raise ValueError("production needs CONTEXT_PUBLIC_KEY (the gateway's context-signing public key)")
            if self.sandbox:
                raise ValueError("production refuses SANDBOX=1")
            if len(self.internal_api_key) < 32:
                raise ValueError("production needs INTERNAL_API_KEY (32+ characters) to protect /internal/ APIs")
        return self
