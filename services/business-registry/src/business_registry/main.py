from fastapi import FastAPI
from portal_runtime.relay import Publisher
from portal_runtime.service import ServiceSpec, build_service_app

from business_registry.config import Settings
from business_registry.db import Base, messaging


def spec() -> ServiceSpec:
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
        routers=[],
    )


def create_app(settings: Settings | None = None, *, publisher: Publisher | None = None) -> FastAPI:
    return build_service_app(spec(), settings or Settings(), publisher=publisher)
