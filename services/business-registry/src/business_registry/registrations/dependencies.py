from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from business_registry.config import Settings
from business_registry.registrations.attempts import AttemptPolicy
from business_registry.registrations.service import Registrations
from portal_runtime.service import ServiceRuntime


def attempt_policy(settings: Settings) -> AttemptPolicy:
    return AttemptPolicy(
        limit=settings.registration_max_failed_attempts,
        window=timedelta(seconds=settings.registration_attempt_window_s),
    )


async def get_registrations(request: Request) -> Registrations:
    runtime: ServiceRuntime = request.app.state.runtime
    return Registrations(runtime.uow, request.app.state.ledger, attempt_policy(runtime.settings))  # type: ignore[arg-type]


CurrentRegistrations = Annotated[Registrations, Depends(get_registrations)]
