"""The notices subscription: delegation and identity events become notices (and e-mails)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from notifications.mail.service import wake_after_commit
from notifications.notices import service
from notifications.notices.relationships import RELATIONSHIP_EVENTS, involved, relationship_notices
from notifications.notices.service import NoticeDraft, Profiles
from notifications.recipients import repository as recipients
from portal_contracts.events import (
    AccessRequestApproved,
    AccessRequestRejected,
    AccessRequestSubmitted,
    EventPayload,
    MfaSessionLocked,
)
from portal_contracts.events.identity import MfaCodeIssued
from portal_runtime.consumer import Handler, Subscription
from portal_runtime.messaging import EventRecord, UnitOfWork, topic_for, utcnow

E = TypeVar("E", bound=EventPayload)


@dataclass(frozen=True)
class NoticeRule(Generic[E]):
    """Which users an event involves (their profiles decide language and e-mail) and the notices it posts."""

    event: type[E]
    involved: Callable[[E], list[str]]
    notices: Callable[[E, Profiles], list[NoticeDraft]]

    def handler(self, bell: asyncio.Event) -> Handler:
        async def post(uow: UnitOfWork, record: EventRecord) -> None:
            session = uow.session
            event = self.event.model_validate(record.data)
            profiles = await recipients.profiles(session, self.involved(event))
            drafts = self.notices(event, profiles)
            await service.post_notices(session, drafts, profiles, source_event_id=record.id, now=utcnow())
            if drafts:
                wake_after_commit(session, bell)

        return post


RULES: list[NoticeRule[Any]] = [
    NoticeRule(
        AccessRequestSubmitted,
        lambda e: [*e.approver_user_ids, e.requester_user_id],
        service.pending_access_notices,
    ),
    NoticeRule(
        AccessRequestApproved,
        lambda e: [e.requester_user_id],
        lambda e, profiles: [service.access_approved_notice(e, profiles)],
    ),
    NoticeRule(
        AccessRequestRejected,
        lambda e: [e.requester_user_id],
        lambda e, profiles: [service.access_rejected_notice(e, profiles)],
    ),
    *[NoticeRule(event, involved, relationship_notices) for event in RELATIONSHIP_EVENTS],
    NoticeRule(
        MfaSessionLocked,
        lambda e: [e.user_id],
        lambda e, profiles: [service.sign_in_locked_notice(e, profiles)],
    ),
    NoticeRule(
        MfaCodeIssued,
        lambda e: [e.user_id],
        lambda e, profiles: [service.code_sent_notice(e, profiles)],
    ),
]


def subscription(bell: asyncio.Event) -> Subscription:
    """``bell`` wakes the e-mail sender once a notice to e-mail is committed."""
    return Subscription(
        "notices",
        [topic_for("delegation"), topic_for("identity")],
        {rule.event.event_type: rule.handler(bell) for rule in RULES},
    )
