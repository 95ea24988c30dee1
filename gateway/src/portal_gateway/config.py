"""Gateway settings: environment variables prefixed ``GATEWAY_`` (then the stack-wide ``PORTAL_``)."""

from __future__ import annotations

import logging
from pathlib import Path

from joserfc.jwk import OKPKey
from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from portal_contracts import OPENAPI_DIR
from portal_runtime.context import generate_signing_key, load_key
from portal_runtime.settings import DEV_ENVIRONMENTS, PortalSettings

log = logging.getLogger(__name__)

DEFAULT_SERVICES: dict[str, str] = {
    "identity": "http://127.0.0.1:8001",
    "business-registry": "http://127.0.0.1:8002",
    "delegation": "http://127.0.0.1:8003",
    "ledger": "http://127.0.0.1:8004",
    "rulings": "http://127.0.0.1:8005",
    "notifications": "http://127.0.0.1:8006",
}
JWKS_PATH = "/v1/oauth/jwks"


class Settings(PortalSettings):
    """Where the services are, how tokens are checked, and how the internal context is signed."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_")

    host: str = "127.0.0.1"
    port: int = 8000
    # Only set behind a trusted load balancer: uvicorn then believes X-Forwarded-For from these addresses.
    trusted_proxies: str = ""

    # Service name (= OpenAPI file name in contracts_dir) -> base URL. A JSON value replaces the whole map.
    services: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SERVICES))
    contracts_dir: Path = OPENAPI_DIR
    kafka_bootstrap_servers: str = "127.0.0.1:9092"

    # Ed25519 private JWK (inline JSON or a file path) signing the internal context tokens.
    context_private_key: str = ""
    context_audience: str = "portal-services"
    context_ttl_s: int = 60

    token_issuer: str = "http://127.0.0.1:8000"
    token_audience: str = "portal-api"
    token_leeway_s: int = 10
    jwks_url: str = ""  # empty: the identity service's JWKS endpoint
    jwks_refetch_interval_s: float = 10.0  # an unknown kid refetches the JWKS at most this often
    jwks_max_age_s: float = 300.0  # known keys are refreshed this often, so a withdrawn key stops working
    jwks_timeout_s: float = 2.0

    connect_timeout_s: float = 1.0
    read_timeout_s: float = 15.0
    decision_timeout_s: float = 3.0
    health_timeout_s: float = 2.0
    max_connections: int = 512
    max_keepalive_connections: int = 128

    # Decisions are cached this long at most (0: no cache), and dropped sooner by delegation's change events.
    decision_cache_ttl_s: float = Field(default=5.0, ge=0)
    decision_cache_size: int = Field(default=10_000, ge=1)
    decision_events_topic: str = "portal.delegation.events"
    decision_events_session_timeout_ms: int = 10_000
    decision_events_heartbeat_interval_ms: int = 1_000

    @model_validator(mode="after")
    def _complete_and_check(self) -> Settings:
        if not self.jwks_url:
            if "identity" not in self.services:
                raise ValueError("services has no 'identity' entry: set JWKS_URL explicitly")
            self.jwks_url = self.services["identity"].rstrip("/") + JWKS_PATH
        if "delegation" not in self.services:
            raise ValueError("services needs a 'delegation' entry: the gateway asks it for decisions")
        if self.environment not in DEV_ENVIRONMENTS and not self.context_private_key:
            raise ValueError("production needs GATEWAY_CONTEXT_PRIVATE_KEY (Ed25519 JWK signing the context tokens)")
        if self.environment == "production" and len(self.internal_api_key) < 32:
            raise ValueError("production needs INTERNAL_API_KEY (32+ characters) to call delegation's internal API")
        return self


def context_signing_key(settings: Settings) -> OKPKey:
    """The configured key; in development and tests an ephemeral one, so a laptop starts without setup."""
    if settings.context_private_key:
        key = load_key(settings.context_private_key)
        if not key.is_private or key.as_dict().get("crv") != "Ed25519":
            raise ValueError("GATEWAY_CONTEXT_PRIVATE_KEY must be a private Ed25519 (OKP) JWK")
        return key
    key = generate_signing_key()
    log.warning(
        "GATEWAY_CONTEXT_PRIVATE_KEY is not set: signing context tokens with an ephemeral key (kid %s); "
        "services only accept them if given its public half",
        key.kid,
    )
    return key
