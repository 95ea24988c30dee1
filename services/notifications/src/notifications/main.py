from fastapi import FastAPI
from portal_runtime.relay import Publisher
from portal_runtime.service import ServiceSpec, build_service_app

from notifications.config import Settings
from notifications.db import Base, messaging


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="notifications",
        package="notifications",
        title="Notifications",
        description="Notices inbox, e-mail, webhooks, system status and outage bulletins.",
        metadata=Base.metadata,
        tables=messaging,
        routers=[],
    )


def create_app(settings: Settings | None = None, *, publisher: Publisher | None = None) -> FastAPI:
    return build_service_app(spec(), settings or Settings(), publisher=publisher)
