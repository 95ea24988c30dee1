"""API clients of a business (seed 004 step 5) and OAuth clients, and how a client proves who it is."""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.clients.errors import ApiClientNotFound, InvalidClient
from identity.clients.models import Client
from identity.clients.schemas import ApiClientCreate, ApiClientRead, ApiClientSecret, OAuthClientCreate, OAuthClientRead
from identity.clock import Clock
from identity.errors import InvalidRequest
from identity.users.hashing import GeneratedSecretHasher, SecretHasher
from portal_runtime.problems import FieldError

API_CLIENT = "api_client"
ACTIVE, REVOKED = "active", "revoked"


def new_client_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def api_client_read(client: Client) -> ApiClientRead:
    assert client.business is not None
    return ApiClientRead(
        client_id=client.client_id,
        name=client.name,
        business=client.business,
        scopes=client.scope_list,
        status=client.status,  # type: ignore[arg-type]
        created_by=client.created_by,
        created_at=client.created_at,
        secret_rotated_at=client.secret_rotated_at,
        last_used_at=client.last_used_at,
        revoked_at=client.revoked_at,
    )


@dataclass(frozen=True)
class ClientRegistry:
    session: AsyncSession
    hasher: SecretHasher | GeneratedSecretHasher
    clock: Clock
    secret_grace_s: int = 0

    async def create_api_client(
        self, business: str, body: ApiClientCreate, created_by: str, creator_scopes: frozenset[str]
    ) -> ApiClientSecret:
        """The client gets no scope its creator does not hold on the business: it acts without a user, so no
        role narrows its rights later."""
        beyond = sorted(set(body.scopes) - creator_scopes)
        if beyond:
            raise InvalidRequest(
                [
                    FieldError(
                        field="scopes",
                        message=f"you cannot give scopes you do not hold: {', '.join(beyond)}",
                        fr=f"vous ne pouvez pas donner des portées que vous ne détenez pas : {', '.join(beyond)}",
                        code="scope_not_held",
                    )
                ]
            )
        secret = new_secret()
        client = Client(
            client_id=new_client_id("bc"),
            kind=API_CLIENT,
            name=body.name,
            business=business,
            scopes=" ".join(body.scopes),
            redirect_uris="",
            secret_hash=await self.hasher.hash(secret),
            status=ACTIVE,
            created_by=created_by,
            created_at=self.clock(),
        )
        self.session.add(client)
        await self.session.flush()
        return ApiClientSecret(**api_client_read(client).model_dump(), client_secret=secret)

    async def api_clients(self, business: str) -> list[ApiClientRead]:
        rows = await self.session.execute(
            select(Client)
            .where(Client.kind == API_CLIENT, Client.business == business)
            .order_by(Client.created_at, Client.client_id)
        )
        return [api_client_read(c) for c in rows.scalars()]

    async def rotate_secret(self, business: str, client_id: str) -> ApiClientSecret:
        """A new secret; the old one stops working now, or after ``secret_grace_s`` when a grace period is set."""
        client = await self._api_client(business, client_id)
        if client.status != ACTIVE:
            raise ApiClientNotFound(
                f"API client {client_id} is revoked; create a new one.",
                fr=f"Le client d'API {client_id} est révoqué; créez-en un nouveau.",
            )
        now = self.clock()
        secret = new_secret()
        if self.secret_grace_s > 0:
            client.previous_secret_hash = client.secret_hash
            client.previous_secret_until = now + timedelta(seconds=self.secret_grace_s)
        else:
            client.previous_secret_hash = client.previous_secret_until = None
        client.secret_hash = await self.hasher.hash(secret)
        client.secret_rotated_at = now
        await self.session.flush()
        return ApiClientSecret(**api_client_read(client).model_dump(), client_secret=secret)

    async def revoke(self, business: str, client_id: str) -> bool:
        """Whether the client was active (and is now revoked)."""
        client = await self._api_client(business, client_id)
        if client.status != ACTIVE:
            return False
        client.status, client.revoked_at = REVOKED, self.clock()
        client.secret_hash = client.previous_secret_hash = client.previous_secret_until = None
        return True

    async def register_oauth_client(self, body: OAuthClientCreate, created_by: str) -> OAuthClientRead:
        secret = new_secret() if body.type == "confidential" else None
        client = Client(
            client_id=new_client_id("oc"),
            kind=body.type,
            name=body.name,
            business=None,
            scopes=" ".join(body.scopes),
            redirect_uris=" ".join(body.redirect_uris),
            secret_hash=await self.hasher.hash(secret) if secret else None,
            status=ACTIVE,
            created_by=created_by,
            created_at=self.clock(),
        )
        self.session.add(client)
        await self.session.flush()
        return OAuthClientRead(
            client_id=client.client_id,
            name=client.name,
            type=body.type,
            redirect_uris=body.redirect_uris,
            scopes=body.scopes,
            client_secret=secret,
        )

    async def active(self, client_id: str) -> Client | None:
        client = await self.session.get(Client, client_id)
        return client if client is not None and client.status == ACTIVE else None

    async def authenticate(self, credentials: ClientCredentials) -> Client:
        """The client the credentials prove; public clients (no secret) are identified by ``client_id`` alone."""
        client = await self.active(credentials.client_id)
        if client is None:
            if credentials.secret is not None:
                await self.hasher.verify_nobody(credentials.secret)
            raise InvalidClient("Unknown or revoked client.", fr="Client inconnu ou révoqué.")
        if client.secret_hash is None and client.kind == "public":
            if credentials.secret is not None:
                raise InvalidClient("A public client has no secret.", fr="Un client public n'a pas de secret.")
            return client
        if credentials.secret is None or not await self._secret_matches(client, credentials.secret):
            raise InvalidClient(
                "The client secret is wrong or was rotated.", fr="Le secret du client est erroné ou a été remplacé."
            )
        return client

    async def _secret_matches(self, client: Client, secret: str) -> bool:
        assert client.secret_hash is not None
        if await self.hasher.verify(client.secret_hash, secret):
            return True
        grace = client.previous_secret_until
        if client.previous_secret_hash and grace is not None and grace > self.clock():
            return await self.hasher.verify(client.previous_secret_hash, secret)
        return False

    async def _api_client(self, business: str, client_id: str) -> Client:
        client = await self.session.get(Client, client_id)
        if client is None or client.kind != API_CLIENT or client.business != business:
            raise ApiClientNotFound(
                f"Business {business} has no API client {client_id}.",
                fr=f"L'entreprise {business} n'a aucun client d'API {client_id}.",
            )
        return client


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    secret: str | None


def client_credentials(authorization: str | None, form: dict[str, str]) -> ClientCredentials | None:
    """HTTP Basic (RFC 6749 §2.3.1: form-urlencoded id and secret) or ``client_id`` / ``client_secret`` in the
    form; None when the request names no client. Both at once is refused (§2.3)."""
    basic = None
    if authorization and authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidClient(
                "The Basic credentials are not valid base64.",
                fr="Les identifiants Basic ne sont pas du base64 valide.",
            ) from None
        client_id, sep, secret = decoded.partition(":")
        if not sep or not client_id:
            raise InvalidClient(
                "The Basic credentials must be client_id:client_secret.",
                fr="Les identifiants Basic doivent être client_id:client_secret.",
            )
        basic = ClientCredentials(unquote(client_id), unquote(secret))
    if basic is not None:
        if "client_secret" in form or ("client_id" in form and form["client_id"] != basic.client_id):
            raise InvalidClient("Authenticate the client one way only.", fr="Authentifiez le client d'une seule façon.")
        return basic
    if form.get("client_id"):
        return ClientCredentials(form["client_id"], form.get("client_secret"))
    return None
