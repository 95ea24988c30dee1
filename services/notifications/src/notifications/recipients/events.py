"""The recipients subscription: identity's profile events keep the read model current."""

from __future__ import annotations

from notifications.recipients import repository
from notifications.recipients.service import RecipientProfile
from portal_contracts.events import ProfileUpdated
from portal_runtime.consumer import Subscription
from portal_runtime.messaging import EventRecord, UnitOfWork, topic_for


async def on_profile_updated(uow: UnitOfWork, record: EventRecord) -> None:
    session = uow.session
    event = ProfileUpdated.model_validate(record.data)
    await repository.save_profile(session, RecipientProfile.from_event(event), record.time)


def subscription() -> Subscription:
    return Subscription("recipients", [topic_for("identity")], {ProfileUpdated.event_type: on_profile_updated})
