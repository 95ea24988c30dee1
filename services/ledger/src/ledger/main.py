from fastapi import FastAPI

from ledger.config import Settings
from ledger.db import Base, messaging
from ledger.facts.router import router as facts_router
from ledger.facts.service import load_sandbox_facts
from ledger.proofs.router import router as proofs_router
from portal_runtime.clock import Clock, system_clock
from portal_runtime.relay import Publisher
from portal_runtime.service import ServiceSpec, build_service_app


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
        routers=[facts_router, proofs_router],
        on_startup=[load_sandbox_facts],
    )


def create_app(
    settings: Settings | None = None, *, publisher: Publisher | None = None, clock: Clock | None = None
) -> FastAPI:
    app = build_service_app(spec(), settings or Settings(), publisher=publisher)
    app.state.clock = clock or system_clock
    return app
