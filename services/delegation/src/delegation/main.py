from fastapi import FastAPI
from portal_runtime.relay import Publisher
from portal_runtime.service import ServiceSpec, build_service_app

from delegation.config import Settings
from delegation.db import Base, messaging


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="delegation",
        package="delegation",
        title="Delegation",
        description=(
            "Roles, employee access, business relationships, visibility, client groups, authorization "
            "decisions and the audit of access changes."
        ),
        metadata=Base.metadata,
        tables=messaging,
        routers=[],
    )


def create_app(settings: Settings | None = None, *, publisher: Publisher | None = None) -> FastAPI:
    return build_service_app(spec(), settings or Settings(), publisher=publisher)
