from fastapi import FastAPI
from portal_runtime.relay import Publisher
from portal_runtime.service import ServiceSpec, build_service_app

from ledger.config import Settings
from ledger.db import Base, messaging


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="ledger",
        package="ledger",
        title="Ledger",
        description=(
            "Program-account ledger, statements, notices, invoices, payments, declarations, tariff and duty calculator."
        ),
        metadata=Base.metadata,
        tables=messaging,
        routers=[],
    )


def create_app(settings: Settings | None = None, *, publisher: Publisher | None = None) -> FastAPI:
    return build_service_app(spec(), settings or Settings(), publisher=publisher)
