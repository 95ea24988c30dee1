from __future__ import annotations

import datetime as dt
from typing import cast

from pydantic import BaseModel, Field

from notifications.db import as_utc
from notifications.notices.models import Notice
from notifications.notices.service import InboxPage, NoticeWithRecipient
from notifications.notices.templates import NoticeType, type_label
from notifications.recipients.service import Language

_ACCOUNT = "The program account (BN15) the notice is about, else its business (BN9); null for personal notices."


class NoticeSummary(BaseModel):
    """One row of the inbox: date, account, type, subject."""

    id: str
    date: dt.date = Field(description="Date the notice was posted (UTC).")
    account: str | None = Field(description=_ACCOUNT, examples=["123456782"])
    account_name: str | None = Field(description="Operating name of the business, when known.")
    type: NoticeType
    type_label: str = Field(examples=["Delegation changes \N{EN DASH} pending access"])
    subject: str = Field(examples=["Pending access request for your business"])
    urgent: bool
    read: bool

    @classmethod
    def of(cls, notice: Notice) -> NoticeSummary:
        posted = as_utc(notice.created_at)
        return cls(
            id=notice.id,
            date=posted.date(),
            account=notice.account,
            account_name=notice.business_name,
            type=NoticeType(notice.type),
            type_label=type_label(notice.type, cast(Language, notice.language)),
            subject=notice.subject,
            urgent=notice.urgent,
            read=notice.read_at is not None,
        )


class NoticePage(BaseModel):
    items: list[NoticeSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")

    @classmethod
    def of(cls, page: InboxPage) -> NoticePage:
        return cls(items=[NoticeSummary.of(n) for n in page.notices], next_cursor=page.next_cursor)


class NoticeRecipient(BaseModel):
    user_id: str
    name: str | None = Field(description="From the recipient's personal profile, when the portal has it.")
    email: str | None


class NoticeRead(NoticeSummary):
    """The details page of a notice: recipient, type, date, subject and body."""

    recipient: NoticeRecipient
    created_at: dt.datetime
    read_at: dt.datetime | None
    language: Language = Field(description="Language the notice was written in (the recipient's preference).")
    body: str

    @classmethod
    def of_details(cls, details: NoticeWithRecipient) -> NoticeRead:
        notice, profile = details.notice, details.recipient
        return cls(
            **NoticeSummary.of(notice).model_dump(),
            recipient=NoticeRecipient(
                user_id=notice.recipient_user_id,
                name=profile.display_name if profile else None,
                email=profile.email if profile else None,
            ),
            created_at=as_utc(notice.created_at),
            read_at=as_utc(notice.read_at) if notice.read_at else None,
            language=cast(Language, notice.language),
            body=notice.body,
        )
