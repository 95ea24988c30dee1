"""Events, profiles and records for the notifications tests, with sensible defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from notifications.recipients.service import Language, RecipientProfile
from portal_contracts.events import (
    AccessRequestApproved,
    AccessRequestRejected,
    AccessRequestSubmitted,
    EventPayload,
    MfaSessionLocked,
    ProfileUpdated,
)
from portal_contracts.events.identity import MfaCodeIssued
from portal_runtime.messaging import EventRecord, topic_for

BN = "100001254"  # ImporterCompany1755 in the onboarding guide
OPERATING_NAME = "ImporterCompany1755"
OTHER_BN = "123456154"
REQUESTER = "user-requester"


def profile_updated(
    user_id: str,
    *,
    language: Language = "en",
    notices_by_email: bool = True,
    first_name: str = "Jane",
    last_name: str = "Doe",
    email: str | None = None,
) -> ProfileUpdated:
    return ProfileUpdated(
        user_id=user_id,
        first_name=first_name,
        last_name=last_name,
        email=email or f"{user_id}@example.com",
        language=language,
        notices_by_email=notices_by_email,
    )


def profile(user_id: str, **fields: Any) -> RecipientProfile:
    return RecipientProfile.from_event(profile_updated(user_id, **fields))


def access_request_submitted(
    approvers: list[str],
    *,
    bn: str = BN,
    operating_name: str | None = OPERATING_NAME,
    requester: str = REQUESTER,
    comment: str = "I handle our customs declarations at the Montréal office.",
    request_id: str = "ar-1",
) -> AccessRequestSubmitted:
    return AccessRequestSubmitted(
        access_request_id=request_id,
        bn=bn,
        operating_name=operating_name,
        requester_user_id=requester,
        comment=comment,
        approver_user_ids=approvers,
    )


def access_request_approved(
    *, requester: str = REQUESTER, role: Any = "editor", programs: Any = "all", bn: str = BN
) -> AccessRequestApproved:
    return AccessRequestApproved(
        access_request_id="ar-1",
        bn=bn,
        operating_name=OPERATING_NAME,
        requester_user_id=requester,
        decided_by="user-bam",
        role=role,
        programs=programs,
    )


def access_request_rejected(
    *, requester: str = REQUESTER, comment: str = "We do not know you; call the office first."
) -> AccessRequestRejected:
    return AccessRequestRejected(
        access_request_id="ar-1",
        bn=BN,
        operating_name=OPERATING_NAME,
        requester_user_id=requester,
        decided_by="user-bam",
        comment=comment,
    )


def mfa_session_locked(user_id: str, *, mfa_email: str | None = None, attempts: int = 5) -> MfaSessionLocked:
    return MfaSessionLocked(
        user_id=user_id,
        session_id="session-1",
        failed_attempts=attempts,
        locked_at=datetime(2026, 11, 24, 14, 5, tzinfo=UTC),
        mfa_email=mfa_email,
    )


def mfa_code_issued(user_id: str, at: datetime | None = None) -> MfaCodeIssued:
    return MfaCodeIssued(user_id=user_id, method="email", at=at or datetime(2026, 11, 24, 14, 5, tzinfo=UTC))


def source_of(payload: EventPayload) -> str:
    return {"identity": "identity", "delegation": "delegation"}[payload.event_type.split(".")[0]]


def record(payload: EventPayload, **fields: Any) -> EventRecord:
    """The record a consumer gets for ``payload``, as the producing service's outbox writes it."""
    source = source_of(payload)
    return EventRecord(
        type=payload.event_type,
        source=source,
        data=payload.model_dump(mode="json"),
        subject=payload.subject(),
        partition_key=payload.partition_key(),
        topic=topic_for(source),
        **fields,
    )
