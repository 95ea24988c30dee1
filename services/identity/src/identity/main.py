from fastapi import FastAPI
from identity.config import Settings
from identity.db import Base, messaging
from identity.keys import models as _key_models  # noqa: F401  (registers the table)
from identity.keys.router import router as keys_router
from identity.keys.service import KeyStore
from portal_runtime.relay import Publisher
from portal_runtime.service import ServiceRuntime, ServiceSpec, build_service_app


async def _load_signing_key(runtime: ServiceRuntime) -> None:
    keys: KeyStore = runtime.app_state.keys
    async with runtime.sessions() as session, session.begin():
        await keys.ensure_active_key(session)


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="identity",
        package="identity",
        title="Identity",
        description="Users, credentials, MFA, sessions, profile, OAuth 2 / OIDC provider and API clients.",
        metadata=Base.metadata,
        tables=messaging,
        routers=[keys_router],
        on_startup=[_load_signing_key],
    )


def create_app(settings: Settings | None = None, *, publisher: Publisher | None = None) -> FastAPI:
    settings = settings or Settings()
    app = build_service_app(spec(), settings, publisher=publisher)
    app.state.keys = KeyStore(settings.issuer, settings.access_token_ttl_s)
    return app
