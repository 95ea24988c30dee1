"""Notices: which notices an event posts, to whom, in which words, whether they are e-mailed, and how the inbox
is searched and paged. The rules are plain functions over values (unit-tested without a database); the use cases
at the end run them inside the caller's transaction.
"""

from __future__ import annotations

import base64
import binascii
import json
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.db import as_utc
from notifications.errors import InvalidCursor, InvalidDateRange, NoticeNotFound
from notifications.mail import repository as outbound
from notifications.notices import repository, templates
from notifications.notices.models import Notice
from notifications.notices.templates import NoticeType, Rendered
from notifications.recipients import repository as recipients
from notifications.recipients.service import Language, RecipientProfile, language_of
from portal_contracts.events import (
    AccessRequestApproved,
    AccessRequestRejected,
    AccessRequestSubmitted,
    MfaSessionLocked,
)
from portal_contracts.events.identity import MfaCodeIssued

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100

Profiles = Mapping[str, RecipientProfile]


@dataclass(frozen=True)
class NoticeDraft:
    """A notice about to be posted: already rendered in its recipient's language."""

    recipient_user_id: str
    type: NoticeType
    language: Language
    subject: str
    body: str
    urgent: bool = False
    business_bn: str | None = None
    business_name: str | None = None
    program_account: str | None = None
    # Where to e-mail it while the recipient has no profile yet (the MFA address of a locked sign-in).
    fallback_email: str | None = None


def _draft(
    recipient_user_id: str,
    notice_type: NoticeType,
    language: Language,
    text: Rendered,
    *,
    urgent: bool = False,
    business_bn: str | None = None,
    business_name: str | None = None,
    fallback_email: str | None = None,
) -> NoticeDraft:
    return NoticeDraft(
        recipient_user_id=recipient_user_id,
        type=notice_type,
        language=language,
        subject=text.subject,
        body=text.body,
        urgent=urgent,
        business_bn=business_bn,
        business_name=business_name,
        fallback_email=fallback_email,
    )


def _requester(language: Language, user_id: str, profiles: Profiles) -> str:
    profile = profiles.get(user_id)
    return templates.user(language, user_id, profile.display_name if profile else None)


def pending_access_notices(event: AccessRequestSubmitted, profiles: Profiles) -> list[NoticeDraft]:
    """Every user who can decide the request (BAMs and PAMs at the time of the request) gets a notice."""
    drafts = []
    for approver in dict.fromkeys(event.approver_user_ids):  # once each, in the order given
        language = language_of(profiles.get(approver))
        text = templates.pending_access(
            language,
            business=templates.business(language, event.bn, event.operating_name),
            requester=_requester(language, event.requester_user_id, profiles),
            comment=event.comment,
        )
        drafts.append(
            _draft(
                approver,
                NoticeType.DELEGATION_PENDING_ACCESS,
                language,
                text,
                business_bn=event.bn,
                business_name=event.operating_name,
            )
        )
    return drafts


def access_approved_notice(event: AccessRequestApproved, profiles: Profiles) -> NoticeDraft:
    language = language_of(profiles.get(event.requester_user_id))
    text = templates.access_approved(
        language,
        business=templates.business(language, event.bn, event.operating_name),
        role=event.role,
        programs=event.programs,
    )
    return _draft(
        event.requester_user_id,
        NoticeType.DELEGATION_ACCESS_APPROVED,
        language,
        text,
        business_bn=event.bn,
        business_name=event.operating_name,
    )


def access_rejected_notice(event: AccessRequestRejected, profiles: Profiles) -> NoticeDraft:
    language = language_of(profiles.get(event.requester_user_id))
    text = templates.access_rejected(
        language, business=templates.business(language, event.bn, event.operating_name), comment=event.comment
    )
    return _draft(
        event.requester_user_id,
        NoticeType.DELEGATION_ACCESS_REJECTED,
        language,
        text,
        business_bn=event.bn,
        business_name=event.operating_name,
    )


def sign_in_locked_notice(event: MfaSessionLocked, profiles: Profiles) -> NoticeDraft:
    """Urgent: it may be someone else holding the password. E-mailed whatever the subscription."""
    language = language_of(profiles.get(event.user_id))
    text = templates.sign_in_locked(language, failed_attempts=event.failed_attempts, locked_at=event.locked_at)
    return _draft(
        event.user_id,
        NoticeType.SECURITY_SIGN_IN_LOCKED,
        language,
        text,
        urgent=True,
        fallback_email=event.mfa_email,
    )


def code_sent_notice(event: MfaCodeIssued, profiles: Profiles) -> NoticeDraft:
    """Every one-time code sent is listed (ASVS 5.0 V6.3.5): a code the user did not ask for means someone passed
    the password step. Not urgent (e-mailed to subscribers only): the code e-mail itself reached the MFA address."""
    language = language_of(profiles.get(event.user_id))
    return _draft(event.user_id, NoticeType.SECURITY_CODE_SENT, language, templates.code_sent(language, at=event.at))


@dataclass(frozen=True)
class EmailDraft:
    to: str
    language: Language
    subject: str
    body: str


def email_for(draft: NoticeDraft, profile: RecipientProfile | None) -> EmailDraft | None:
    """Subscribed recipients get every notice by e-mail; urgent notices are e-mailed to everyone (seed 000 §2.3).

    A recipient whose profile is not known yet has no address, except the MFA address of an urgent security
    notice, which the event carries.
    """
    address: str | None
    if profile is not None:
        if not (draft.urgent or profile.notices_by_email):
            return None
        address = profile.email
    else:
        address = draft.fallback_email if draft.urgent else None
    if not address:
        return None
    text = templates.email(draft.language, Rendered(draft.subject, draft.body), urgent=draft.urgent)
    return EmailDraft(to=address, language=draft.language, subject=text.subject, body=text.body)


def search_key(text: str) -> str:
    """Case- and accent-insensitive form: `acces` finds “Demande d'accès”, `URGENT` finds “urgent”."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class CursorPosition:
    """The last notice of a page; the next page starts right after it in (created_at, id) descending order."""

    created_at: datetime
    id: str


def encode_cursor(position: CursorPosition) -> str:
    raw = json.dumps([as_utc(position.created_at).isoformat(), position.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> CursorPosition:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, notice_id = json.loads(raw)
        moment = datetime.fromisoformat(created_at)
        if not isinstance(notice_id, str) or moment.tzinfo is None:
            raise ValueError("not a cursor")
        uuid.UUID(notice_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise InvalidCursor() from None
    return CursorPosition(moment.astimezone(UTC), notice_id)


@dataclass(frozen=True)
class NoticeQuery:
    """One page of one user's inbox: the filters of the advanced search and where the page starts."""

    recipient_user_id: str
    posted_from: datetime | None = None  # inclusive, UTC
    posted_before: datetime | None = None  # exclusive, UTC
    type: NoticeType | None = None
    account: str | None = None
    text: str | None = None  # search key (see search_key)
    unread: bool | None = None
    limit: int = DEFAULT_PAGE_SIZE
    after: CursorPosition | None = None


def notice_query(
    recipient_user_id: str,
    *,
    start: date | None = None,
    end: date | None = None,
    type: NoticeType | None = None,
    account: str | None = None,
    q: str | None = None,
    unread: bool | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
) -> NoticeQuery:
    """Checks the search: a range whose start is after its end is refused (an empty range is a mistake)."""
    if start is not None and end is not None and start > end:
        raise InvalidDateRange(start.isoformat(), end.isoformat())
    text = search_key(q).strip() if q else ""
    return NoticeQuery(
        recipient_user_id=recipient_user_id,
        posted_from=datetime.combine(start, time.min, UTC) if start else None,
        posted_before=datetime.combine(end + timedelta(days=1), time.min, UTC) if end else None,
        type=type,
        account=account,
        text=text or None,
        unread=unread,
        limit=max(1, min(limit, MAX_PAGE_SIZE)),
        after=decode_cursor(cursor) if cursor else None,
    )


@dataclass(frozen=True)
class InboxPage:
    notices: list[Notice]
    next_cursor: str | None


@dataclass(frozen=True)
class NoticeWithRecipient:
    notice: Notice
    recipient: RecipientProfile | None


async def post_notices(
    session: AsyncSession,
    drafts: list[NoticeDraft],
    profiles: Profiles,
    *,
    source_event_id: str,
    now: datetime,
) -> list[Notice]:
    """Stores the notices and, in the same transaction, the e-mails that announce them (sent afterwards)."""
    posted = []
    for draft in drafts:
        notice = Notice(
            id=str(uuid.uuid4()),
            recipient_user_id=draft.recipient_user_id,
            type=draft.type.value,
            language=draft.language,
            subject=draft.subject,
            body=draft.body,
            search_text=search_key(f"{draft.subject}\n{draft.body}"),
            urgent=draft.urgent,
            business_bn=draft.business_bn,
            business_name=draft.business_name,
            program_account=draft.program_account,
            source_event_id=source_event_id,
            created_at=now,
            read_at=None,
        )
        repository.add(session, notice)
        email = email_for(draft, profiles.get(draft.recipient_user_id))
        if email is not None:
            await session.flush()  # the e-mail row refers to the notice
            outbound.add(
                session,
                notice_id=notice.id,
                to=email.to,
                language=email.language,
                subject=email.subject,
                body=email.body,
                now=now,
            )
        posted.append(notice)
    return posted


async def list_notices(session: AsyncSession, query: NoticeQuery) -> InboxPage:
    rows = await repository.page(session, query)
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    last = rows[-1] if more else None
    next_cursor = encode_cursor(CursorPosition(last.created_at, last.id)) if last is not None else None
    return InboxPage(rows, next_cursor)


async def notice_details(session: AsyncSession, user_id: str, notice_id: str) -> NoticeWithRecipient:
    notice = await repository.get_for(session, user_id, notice_id)
    if notice is None:
        raise NoticeNotFound(notice_id)
    return NoticeWithRecipient(notice, await recipients.profile(session, user_id))


async def mark_read(session: AsyncSession, user_id: str, notice_id: str, now: datetime) -> None:
    """Idempotent: the first reading time is kept."""
    notice = await repository.get_for(session, user_id, notice_id)
    if notice is None:
        raise NoticeNotFound(notice_id)
    if notice.read_at is None:
        notice.read_at = now
