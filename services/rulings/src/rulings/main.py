from fastapi import FastAPI

from portal_runtime.relay import Publisher
from portal_runtime.service import ServiceSpec, build_service_app
from rulings.config import Settings
from rulings.db import Base, messaging


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="rulings",
        package="rulings",
        title="Rulings",
        description="Ruling requests and their lifecycle, documents and appeals.",
        metadata=Base.metadata,
        tables=messaging,
        routers=[],
    )


def create_app(settings: Settings | None = None, *, publisher: Publisher | None = None) -> FastAPI:
    return build_service_app(spec(), settings or Settings(), publisher=publisher)
