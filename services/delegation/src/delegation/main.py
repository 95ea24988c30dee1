from fastapi import FastAPI

from delegation.access_requests.router import router as access_requests_router
from delegation.audit.router import router as audit_router
from delegation.businesses.events import subscriptions
from delegation.config import Settings
from delegation.db import Base, messaging
from delegation.decisions import live as decision_index
from delegation.decisions.router import router as decisions_router
from delegation.employees.router import router as employees_router
from delegation.groups import worker as group_worker
from delegation.groups.router import router as groups_router
from delegation.relationships import expiry
from delegation.relationships.router import router as relationships_router
from portal_runtime.clock import Clock, system_clock
from portal_runtime.relay import Publisher
from portal_runtime.service import ServiceSpec, build_service_app

TAGS = [
    {"name": "access-requests", "description": "Employees ask for access to their employer; BAMs and PAMs decide."},
    {"name": "employees", "description": "Who has which role on the business's program accounts."},
    {
        "name": "relationships",
        "description": "Service providers act for clients: requests, relationships, assignments of provider staff.",
    },
    {
        "name": "client-groups",
        "description": "Service providers group clients and assign staff to groups; changes run asynchronously.",
    },
    {"name": "contexts", "description": "The businesses the caller can act on."},
    {"name": "audit", "description": "The append-only trail of access changes."},
    {"name": "internal", "description": "Service-to-service operations; never routed by the gateway."},
]


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
        routers=[
            # first: the gateway asks for a decision on every business request, and routes are matched in order
            decisions_router,
            access_requests_router,
            relationships_router,
            employees_router,
            groups_router,
            audit_router,
        ],
        subscriptions=subscriptions,
        on_startup=[decision_index.start, expiry.start, group_worker.start],
        on_shutdown=[decision_index.stop],
        openapi_tags=TAGS,
    )


def create_app(
    settings: Settings | None = None, *, publisher: Publisher | None = None, clock: Clock | None = None
) -> FastAPI:
    app = build_service_app(spec(), settings or Settings(), publisher=publisher)
    app.state.clock = clock or system_clock
    return app
