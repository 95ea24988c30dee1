from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from portal_runtime.settings import ServiceSettings


class SignInPartner(BaseModel):
    """An OpenID Connect provider users may sign in with (seed 000 §1.3); our registration there."""

    issuer: str = Field(description="Its discovery is fetched from `<issuer>/.well-known/openid-configuration`.")
    client_id: str
    client_secret: SecretStr
    scopes: list[str] = ["openid"]
    display_name: str = ""


class Settings(ServiceSettings):
    """Identity settings; environment variables are prefixed ``IDENTITY_`` (then ``PORTAL_``)."""

    model_config = SettingsConfigDict(env_prefix="IDENTITY_")

    service_name: str = "identity"
    database_url: str = "sqlite+aiosqlite:///var/identity.db"
    port: int = 8001
    issuer: str = "http://127.0.0.1:8000"
    access_token_ttl_s: int = 900

    # Credentials. `seed` is the CARM rule set (8-16 characters, mixed case and a digit); `passphrase` follows
    # OWASP ASVS 5 (15-64 characters, no composition rules). Both refuse the bundled common passwords.
    password_policy: Literal["seed", "passphrase"] = "seed"

    # Sign-in: a login session lives this long from the password step to the tokens.
    login_session_ttl_s: int = Field(default=1800, gt=0)
    mfa_code_ttl_s: int = Field(default=600, gt=0)
    mfa_max_attempts: int = Field(default=5, gt=0)
    mfa_max_resends: int = Field(default=5, ge=0)
    # Absolute lifetime of a login's refresh tokens: rotation never extends it.
    refresh_token_ttl_s: int = Field(default=43_200, gt=0)

    # Outgoing e-mail (one-time codes). The local stack runs an SMTP sink on 127.0.0.1:1025.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    mail_from: str = "no-reply@carm-portal.dev"

    # Delegation's internal API (memberships shown by GET /v1/me). When not set, the stack-wide
    # INTERNAL_URLS entry for delegation is used, so compose and Kubernetes need no identity-specific value.
    delegation_url: str = "http://127.0.0.1:8003"
    delegation_timeout_s: float = Field(default=2.0, gt=0)

    # Brute-force defence (identity.throttle): failures within the window per (account, IP), per account and
    # per IP; past a threshold the wait doubles from 1 s up to the cap.
    throttle_window_s: int = Field(default=900, gt=0)
    throttle_per_pair: int = Field(default=5, gt=0)
    throttle_per_account: int = Field(default=20, gt=0)
    throttle_per_ip: int = Field(default=50, gt=0)
    throttle_max_delay_s: int = Field(default=900, gt=0)

    # Account lifecycle (identity.lifecycle): warning e-mail, then deactivation, after this long without a sign-in;
    # the sweep runs in the background every `inactivity_sweep_interval_s` (0: never).
    inactivity_warning_days: int = Field(default=165, gt=0)
    inactivity_deactivation_days: int = Field(default=180, gt=0)
    inactivity_sweep_interval_s: float = Field(default=3600.0, ge=0)

    # OAuth clients. API clients' access tokens are short because the gateway verifies them offline: revoking a
    # client stops new tokens at once and the ones issued within this many seconds. A rotated client secret
    # stops working at once unless a grace period is set. Authorization codes live a minute (single use).
    client_access_token_ttl_s: int = Field(default=300, gt=0)
    client_secret_grace_s: int = Field(default=0, ge=0)
    authorization_code_ttl_s: int = Field(default=60, gt=0)
    # After POST /internal/keys/rotate the new signing key is published at once and signs this much later, so
    # gateways (JWKS refetch at most every 10 s) know it before its first token. Keep it below access_token_ttl_s.
    signing_key_activation_delay_s: float = Field(default=30.0, ge=0)

    # TOTP secrets are encrypted at rest (identity.factors.sealing): `<key id>:<base64url of 32 bytes>` entries,
    # comma- or newline-separated, the last one sealing (the others still open older rows), or a file holding them.
    # Required in production; development generates var/keys/identity-totp.keys, tests a per-process key.
    totp_keys: SecretStr = SecretStr("")

    # WebAuthn (passkeys as a second factor): the relying party id is the portal's registrable domain, and the
    # origins are where the portal's frontends run.
    webauthn_rp_id: str = "localhost"
    webauthn_rp_name: str = "CARM Client Portal"
    webauthn_origins: list[str] = ["http://localhost:8000"]
    webauthn_challenge_ttl_s: int = Field(default=300, gt=0)

    # Sign-in partners (identity.federation): name -> provider, e.g. IDENTITY_SIGN_IN_PARTNERS='{"bank": {"issuer":
    # "https://id.bank.example", "client_id": "...", "client_secret": "...", "scopes": ["openid"]}}'. A federated
    # login sends the partner back to one of `federation_redirect_uris` (the frontend's callback pages).
    sign_in_partners: dict[str, SignInPartner] = {}
    federation_redirect_uris: list[str] = []
    federation_timeout_s: float = Field(default=5.0, gt=0)
    federation_discovery_ttl_s: float = Field(default=3600.0, ge=0)

    @model_validator(mode="after")
    def _totp_keys_in_production(self) -> "Settings":
        if self.environment == "production" and not self.totp_keys.get_secret_value().strip():
            raise ValueError("production needs IDENTITY_TOTP_KEYS (the key ring encrypting TOTP secrets at rest)")
        return self

    @model_validator(mode="after")
    def _delegation_from_internal_urls(self) -> "Settings":
        if "delegation_url" not in self.model_fields_set and "delegation" in self.internal_urls:
            self.delegation_url = self.internal_url("delegation")
        return self
