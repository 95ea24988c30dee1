from fastapi import APIRouter, FastAPI
from httpx import AsyncBaseTransport

from business_registry import errors
from business_registry.businesses.router import router as businesses_router
from business_registry.config import Settings
from business_registry.db import Base, messaging
from business_registry.ledger_client import LedgerClient
from business_registry.register.router import router as register_router
from business_registry.register.service import load_sandbox_register
from business_registry.registrations import models as _registration_models  # noqa: F401  (registers the table)
from business_registry.registrations.router import router as registrations_router
from business_registry.sandbox.router import router as sandbox_router
from portal_runtime.clock import Clock, system_clock
from portal_runtime.relay import Publisher
from portal_runtime.service import ServiceSpec, build_service_app


def spec(settings: Settings | None = None) -> ServiceSpec:
    routers: list[APIRouter] = [businesses_router, registrations_router, register_router]
    if settings is not None and settings.sandbox:
        routers.append(sandbox_router)
    return ServiceSpec(
        name="business-registry",
        package="business_registry",
        title="Business registry",
        description=(
            "Businesses (BN9), program accounts (BN15), registration with proof of knowledge, and the "
            "revenue agency's register feed."
        ),
        metadata=Base.metadata,
        tables=messaging,
        routers=routers,
        on_startup=[load_sandbox_register],
        openapi_tags=[
            {"name": "businesses", "description": "Registered businesses and their program accounts."},
            {"name": "registrations", "description": "Registering a business with proof of account knowledge."},
            {"name": "sandbox", "description": "Sandbox only (`SANDBOX=1`): reference data to try the API with."},
        ],
    )


def create_app(
    settings: Settings | None = None,
    *,
    publisher: Publisher | None = None,
    clock: Clock | None = None,
    ledger_transport: AsyncBaseTransport | None = None,
) -> FastAPI:
    """``clock`` and ``ledger_transport`` (e.g. ``httpx.ASGITransport(app=ledger_app)``) are for tests."""
    settings = settings or Settings()
    app = build_service_app(spec(settings), settings, publisher=publisher)
    app.add_exception_handler(errors.BusinessRegistryError, errors.render)
    app.state.clock = clock or system_clock
    app.state.ledger = LedgerClient(
        settings.ledger_url,
        settings.ledger_timeout_s,
        transport=ledger_transport,
        internal_api_key=settings.internal_api_key,
    )
    return app
