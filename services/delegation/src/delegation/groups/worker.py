"""The worker executing pending group operations: a background task started with the service, polling every
``group_operation_interval_s``. Several replicas may run it: each takes the oldest pending operation with
SKIP LOCKED, and an operation is marked done only if it is still pending (so it is executed once).

:func:`run_pending` executes what is pending now (tests call it directly)."""

from __future__ import annotations

import logging

from delegation.errors import DelegationError
from delegation.groups import repository, service
from delegation.groups.models import OperationState
from portal_runtime.messaging import utcnow
from portal_runtime.requestid import current_request_id
from portal_runtime.service import ServiceRuntime

log = logging.getLogger(__name__)

JOB = "group-operations"


async def _fail(runtime: ServiceRuntime, operation_id: str, code: str, detail: str, detail_fr: str) -> None:
    """Marks the operation failed with its reason, kept in both languages (the processing table shows the reader's)."""
    async with runtime.uow() as uow:
        operation = await repository.operation_to_finish(uow.session, operation_id)
        if operation is None or operation.state != OperationState.PENDING:
            return
        operation.state = OperationState.FAILED.value
        operation.error_code = code
        operation.error_detail, operation.error_detail_fr = detail[:500], detail_fr[:500]
        operation.finished_at = utcnow()


async def run_one(runtime: ServiceRuntime) -> bool:
    """Execute the oldest pending operation in one transaction (its rows, events, audit and its state); when it
    cannot be done, mark it failed with the reason. False when nothing was pending."""
    operation_id: str | None = None
    try:
        async with runtime.uow() as uow:
            operation = await repository.next_pending(uow.session)
            if operation is None:
                return False
            operation_id = operation.id
            token = current_request_id.set(operation.payload.get("request_id") or "")
            try:
                await service.execute(uow, operation)
            finally:
                current_request_id.reset(token)
            operation.state = OperationState.COMPLETED.value
            operation.finished_at = utcnow()
    except DelegationError as refused:
        assert operation_id is not None
        await _fail(
            runtime,
            operation_id,
            refused.code,
            refused.detail or refused.title,
            refused.detail_fr or refused.title_fr,
        )
    except Exception:
        if operation_id is None:
            raise
        log.exception("group operation %s failed", operation_id)
        await _fail(
            runtime,
            operation_id,
            "internal_error",
            "The operation could not be completed.",
            "L'opération n'a pas pu être effectuée.",
        )
    return True


async def run_pending(runtime: ServiceRuntime) -> int:
    """Execute every pending operation; how many were taken."""
    done = 0
    while await run_one(runtime):
        done += 1
    return done


async def start(runtime: ServiceRuntime) -> None:
    interval_s: float = getattr(runtime.settings, "group_operation_interval_s", 0.0)
    if interval_s > 0:
        runtime.run_every(JOB, interval_s, lambda: run_pending(runtime))
