"""Gateway settings: environment variables prefixed ``GATEWAY_`` (then the stack-wide ``PORTAL_``)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Literal

from joserfc.jwk import OKPKey
from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from portal_contracts import OPENAPI_DIR
from portal_gateway.cors import check_origin
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
    """Where the services are, how tokens are checked, and how the internal context is signed.

    Rate limits (``rate_limit_*``): token buckets per user, per API client and per client address (unauthenticated
    requests), kept in this process, or in Redis when ``rate_limit_redis_url`` is set so that every replica shares
    them. **When Redis is unreachable the gateway fails open to its own in-memory buckets**: requests are still
    served and still limited, but per replica; each such check counts in ``gateway_rate_limit_store_errors_total``,
    a warning is logged, and Redis is tried again after ``rate_limit_redis_retry_s``.
    """

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
    # Tokens that passed every check are remembered (until they expire or their key is refreshed or withdrawn):
    # a client's next calls with the same token skip the signature check (see portal_gateway.auth.TokenVerifier).
    verified_token_cache_size: int = Field(default=10_000, ge=1)

    # The longest request target (path and query: 414 `uri_too_long` beyond) and the largest header section (names
    # and values: 431 `request_header_fields_too_large` beyond); see portal_gateway.headlimit.
    max_url_bytes: int = Field(default=8 * 1024, ge=256)
    max_header_bytes: int = Field(default=32 * 1024, ge=1024)
    # A request's line and headers must arrive within this many seconds of the connection or of the request's first
    # byte (408 `request_timeout`; a connection that sent nothing is closed); see portal_gateway.edge.
    request_head_timeout_s: float = Field(default=20.0, gt=0)
    # A request's body may pause at most this long between two reads (408 `request_timeout`; the request is
    # abandoned, its service connection freed); see portal_gateway.edge.
    request_body_timeout_s: float = Field(default=30.0, gt=0)
    # On SIGTERM the gateway stops accepting and lets requests in flight finish for at most this long, then closes
    # what is left (uvicorn's default waits for ever: one stalled client would hold a rollout). Below Kubernetes'
    # default terminationGracePeriodSeconds (30).
    shutdown_grace_s: float = Field(default=20.0, gt=0)
    # The largest request body accepted (413 problem `payload_too_large` beyond; see portal_gateway.bodylimit).
    max_request_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    # gzip for callers that accept it (portal_gateway.compression): text answers from this size on, at this zlib
    # level (1 fastest .. 9 smallest).
    compression_enabled: bool = True
    compression_min_bytes: int = Field(default=1024, ge=0)
    compression_level: int = Field(default=6, ge=1, le=9)
    connect_timeout_s: float = 1.0
    read_timeout_s: float = 15.0
    decision_timeout_s: float = 3.0
    health_timeout_s: float = 2.0
    max_connections: int = Field(default=512, ge=1)  # to all upstreams together
    # Each upstream service gets at most this many connections of the pool (see portal_gateway.pools).
    connections_per_upstream: int = Field(default=16, ge=1)

    # Decisions are cached this long at most (0: no cache), and dropped sooner by delegation's change events.
    decision_cache_ttl_s: float = Field(default=5.0, ge=0)
    decision_cache_size: int = Field(default=10_000, ge=1)
    decision_events_topic: str = "portal.delegation.events"
    decision_events_session_timeout_ms: int = 10_000
    decision_events_heartbeat_interval_ms: int = 1_000

    # The gateway's own database (outage windows, maintenance, store-and-forward queue) and its event outbox.
    database_url: str = "sqlite+aiosqlite:///var/gateway.db"
    database_echo: bool = False
    auto_migrate: bool = True
    service_name: str = "gateway"
    kafka_enable_idempotence: bool = False  # on for Apache Kafka, off for Tansu (see ServiceSettings)
    kafka_topic_partitions: int = 6
    relay_poll_interval_s: float = 0.2
    # Outage tracking: health polled this often (0: never; connect failures still open windows; deliveries of
    # queued submissions wait for a healthy poll).
    outage_poll_interval_s: float = Field(default=5.0, ge=0)
    # Failed readiness polls in a row that open a window (a refused connection opens one at once).
    outage_confirmations: int = Field(default=2, ge=1)
    # A component down again within this long after its window ended reopens that window (no window per flap).
    outage_merge_within_s: float = Field(default=60.0, ge=0)
    # A window closes after this long healthy without interruption (0: at the first healthy poll).
    outage_close_after_s: float = Field(default=0.0, ge=0)
    # Store-and-forward delivery: idle poll, retry back-off cap, and how long a claimed delivery is held.
    delivery_poll_interval_s: float = Field(default=1.0, gt=0)
    delivery_max_backoff_s: float = Field(default=60.0, gt=0)
    delivery_lease_s: float = Field(default=60.0, gt=0)
    status_max_age_s: int = Field(default=5, ge=0)

    # Rate limits (token buckets, see portal_gateway.ratelimit): per user, per API client, and per client address
    # for requests without a verified token. ``burst`` requests at once, then ``per_minute`` sustained.
    # Buckets are in this process unless ``rate_limit_redis_url`` is set (redis://host:6379/0): then every replica
    # shares them. When Redis is unreachable the gateway fails open to its in-memory buckets (limits then hold per
    # replica), counts it in gateway_rate_limit_store_errors_total, logs a warning, and retries Redis after
    # ``rate_limit_redis_retry_s``. The gateway's own endpoints (/livez, /healthz, /metrics, docs) are not limited.
    # Behind a load balancer set ``trusted_proxies``: otherwise every anonymous caller has the balancer's address
    # and they all share one bucket.
    rate_limit_enabled: bool = True
    rate_limit_user_burst: int = Field(default=120, ge=1)
    rate_limit_user_per_minute: float = Field(default=600.0, gt=0)
    rate_limit_client_burst: int = Field(default=300, ge=1)
    rate_limit_client_per_minute: float = Field(default=3000.0, gt=0)
    rate_limit_anonymous_burst: int = Field(default=60, ge=1)
    rate_limit_anonymous_per_minute: float = Field(default=300.0, gt=0)
    rate_limit_redis_url: str = ""
    rate_limit_redis_prefix: str = "portal:ratelimit:"
    rate_limit_redis_timeout_s: float = Field(default=0.25, gt=0)
    rate_limit_redis_retry_s: float = Field(default=5.0, ge=0)
    rate_limit_memory_max_keys: int = Field(default=100_000, ge=1)

    # Browser apps served from other origins (third-party portal frontends) that may call the API (CORS): each
    # scheme://host[:port], or "*" for any origin; a JSON list or comma-separated. Empty (default): no CORS
    # headers, so browsers refuse cross-origin calls. Preflight answers are cached by browsers this long.
    cors_allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_max_age_s: int = Field(default=600, ge=0)

    # One line per request on the portal_gateway.access logger: json (default), text, or off.
    access_log: Literal["json", "text", "off"] = "json"
    # Revocation (portal_gateway.revocation): identity's events feed a denylist of access tokens revoked before they
    # expire. At start the feed reads back `revocation_lookback_s` (longer than any access token lives); while it is
    # not current identity is asked per token, each answer kept `revocation_fallback_ttl_s`.
    identity_events_topic: str = "portal.identity.events"
    revocation_lookback_s: float = Field(default=1200.0, gt=0)
    revocation_fallback_ttl_s: float = Field(default=1.0, ge=0)

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = json.loads(value) if value.lstrip().startswith("[") else [o for o in value.split(",") if o.strip()]
        if isinstance(value, list):
            return [check_origin(str(origin).strip()) for origin in value]
        return value

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
        if self.environment not in DEV_ENVIRONMENTS and self.database_url.startswith("sqlite"):
            raise ValueError("production refuses SQLite: set GATEWAY_DATABASE_URL to a PostgreSQL URL")
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
