from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from identity.db import Base, UtcDateTime


class Client(Base):
    """An application that gets tokens from identity.

    ``api_client``: a business's own software (seed 004 step 5), created by one of its account managers; it acts
    for that business only (``business``), with the scopes it was given, through the client credentials grant.
    ``confidential`` / ``public``: a third-party frontend registered by CBSA, acting for users who consent
    (authorization code + PKCE). Secrets are SHA-256 digests of 256-bit random secrets (see
    ``GeneratedSecretHasher``); ``previous_secret_hash`` is the secret replaced by
    the last rotation, honoured until ``previous_secret_until`` (the grace period, none by default).
    """

    __tablename__ = "clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    business: Mapped[str | None] = mapped_column(String(9), index=True, default=None)
    scopes: Mapped[str] = mapped_column(Text)  # space-separated, sorted
    redirect_uris: Mapped[str] = mapped_column(Text, default="")  # space-separated, exact match
    secret_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    previous_secret_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    previous_secret_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def redirect_uri_list(self) -> list[str]:
        return self.redirect_uris.split()
