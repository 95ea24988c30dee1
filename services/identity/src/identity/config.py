from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from portal_runtime.settings import ServiceSettings


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

    @model_validator(mode="after")
    def _delegation_from_internal_urls(self) -> "Settings":
        if "delegation_url" not in self.model_fields_set and "delegation" in self.internal_urls:
            self.delegation_url = self.internal_url("delegation")
        return self
