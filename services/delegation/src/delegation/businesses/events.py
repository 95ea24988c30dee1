"""What delegation consumes from business-registry: registrations feed the business read model."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from delegation.businesses import service
from delegation.messaging import ConsumerUnitOfWork
from portal_contracts.events import BusinessRegistered
from portal_runtime.consumer import Subscription
from portal_runtime.messaging import EventRecord, topic_for
from portal_runtime.requestid import current_request_id
from portal_runtime.service import ServiceRuntime

SUBSCRIPTION = "business-registrations"


def subscriptions(runtime: ServiceRuntime) -> Sequence[Subscription]:
    async def business_registered(session: AsyncSession, record: EventRecord) -> None:
        event = BusinessRegistered.model_validate(record.data)
        # The registration's request id follows the event: audit rows and our events quote it.
        token = current_request_id.set(record.request_id or "")
        try:
            async with ConsumerUnitOfWork(runtime, session, record.request_id) as uow:
                await service.record_registration(uow, event)
        finally:
            current_request_id.reset(token)

    return [
        Subscription(
            SUBSCRIPTION, [topic_for("business-registry")], {BusinessRegistered.event_type: business_registered}
        )
    ]
