from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
from fastapi import FastAPI

from identity.clients import models as _client_models  # noqa: F401
from identity.clients.router import router as clients_router
from identity.config import Settings
from identity.db import Base, messaging
from identity.factors import models as _factor_models  # noqa: F401
from identity.factors.router import router as factors_router
from identity.factors.sealing import reseal_totp_secrets
from identity.federation import models as _federation_models  # noqa: F401
from identity.federation.partners import SignInPartners
from identity.federation.router import router as federation_router
from identity.keys import models as _key_models  # noqa: F401  (registers the tables)
from identity.keys.router import router as keys_router
from identity.keys.service import KeyStore
from identity.lifecycle.router import router as lifecycle_router
from identity.lifecycle.service import start_inactivity_sweeps
from identity.mail.service import SmtpMailer
from identity.me.delegation import DelegationDirectory
from identity.me.router import router as me_router
from identity.oauth import models as _oauth_models  # noqa: F401
from identity.oauth.router import router as oauth_router
from identity.profile import models as _profile_models  # noqa: F401
from identity.profile.router import router as profile_router
from identity.sessions import models as _session_models  # noqa: F401
from identity.sessions.router import router as sessions_router
from identity.throttle import models as _throttle_models  # noqa: F401
from identity.tokens import models as _token_models  # noqa: F401
from identity.tokens.router import router as tokens_router
from identity.users import models as _user_models  # noqa: F401
from identity.users.hashing import SecretHasher
from identity.users.router import router as users_router
from portal_runtime.internal import new_internal_client
from portal_runtime.messaging import utcnow
from portal_runtime.relay import Publisher
from portal_runtime.service import ServiceRuntime, ServiceSpec, build_service_app

OPENAPI_TAGS = [
    {"name": "users", "description": "Credentials: username, password, recovery answers (seed 000 §1.5)."},
    {"name": "sessions", "description": "Signing in: password, e-mailed one-time code, terms of use (§1.6-1.7)."},
    {"name": "oauth", "description": "Tokens, keys and discovery."},
    {"name": "profile", "description": "The personal profile created on the first login (§1.8)."},
    {"name": "me", "description": "The signed-in user."},
    {"name": "api-clients", "description": "A business's API clients for its own software (seed 004 step 5)."},
]


async def _load_signing_key(runtime: ServiceRuntime) -> None:
    keys: KeyStore = runtime.app_state.keys
    async with runtime.sessions() as session, session.begin():
        await keys.ensure_active_key(session)


async def _prepare_hasher(runtime: ServiceRuntime) -> None:
    hasher: SecretHasher = runtime.app_state.hasher
    await hasher.prepare()


async def _open_delegation_directory(runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    assert isinstance(settings, Settings)
    client = new_internal_client(
        settings.delegation_url,
        settings.internal_api_key,
        timeout_s=settings.delegation_timeout_s,
        transport=runtime.app_state.delegation_transport,
    )
    runtime.app_state.delegation = DelegationDirectory(client)


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="identity",
        package="identity",
        title="Identity",
        description="Users, credentials, MFA, sessions, profile, OAuth 2 / OIDC provider and API clients.",
        metadata=Base.metadata,
        tables=messaging,
        routers=[
            users_router,
            sessions_router,
            federation_router,
            tokens_router,
            keys_router,
            profile_router,
            me_router,
            oauth_router,
            clients_router,
            factors_router,
            lifecycle_router,
        ],
        on_startup=[
            _load_signing_key,
            _prepare_hasher,
            reseal_totp_secrets,
            _open_delegation_directory,
            start_inactivity_sweeps,
        ],
        openapi_tags=OPENAPI_TAGS,
    )


def _closing_delegation(
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The runtime has startup hooks only; the delegation client opened by one is closed when the app stops."""

    @asynccontextmanager
    async def closing(app: FastAPI) -> AsyncIterator[None]:
        try:
            async with lifespan(app):
                yield
        finally:
            directory: DelegationDirectory | None = getattr(app.state, "delegation", None)
            if directory is not None:
                await directory.aclose()
                app.state.delegation = None

    return closing


def create_app(
    settings: Settings | None = None,
    *,
    publisher: Publisher | None = None,
    delegation_transport: httpx.AsyncBaseTransport | None = None,
    federation_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """``delegation_transport`` replaces the network to delegation (tests mount a fake delegation app on it);
    ``federation_transport`` the network to sign-in partners (tests run another identity app as one)."""
    settings = settings or Settings()
    app = build_service_app(spec(), settings, publisher=publisher)
    app.state.keys = KeyStore(
        settings.issuer, settings.access_token_ttl_s, activation_delay_s=settings.signing_key_activation_delay_s
    )
    app.state.clock = utcnow
    app.state.hasher = SecretHasher()
    app.state.mailer = SmtpMailer(settings)
    app.state.delegation_transport = delegation_transport
    app.state.delegation = None
    app.state.sign_in_partners = SignInPartners(settings, transport=federation_transport)
    app.router.lifespan_context = _closing_delegation(app.router.lifespan_context)
    return app
