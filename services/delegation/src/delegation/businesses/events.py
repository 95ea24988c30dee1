"""What delegation consumes from business-registry: registrations feed the business read model."""

from __future__ import annotations

from collections.abc import Sequence

from delegation.businesses import service
from portal_contracts.events import BusinessRegistered
from portal_runtime.consumer import Subscription
from portal_runtime.messaging import EventRecord, UnitOfWork, topic_for
from portal_runtime.service import ServiceRuntime

SUBSCRIPTION = "business-registrations"


def subscriptions(runtime: ServiceRuntime) -> Sequence[Subscription]:
    async def business_registered(uow: UnitOfWork, record: EventRecord) -> None:
        # The dispatcher has set the registration's request id: audit rows and our events quote it.
        await service.record_registration(uow, BusinessRegistered.model_validate(record.data))

    return [
        Subscription(
            SUBSCRIPTION, [topic_for("business-registry")], {BusinessRegistered.event_type: business_registered}
        )
    ]
