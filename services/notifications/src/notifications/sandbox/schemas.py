from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from notifications.db import as_utc
from notifications.sandbox.models import SandboxMail


class MailboxMessage(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    to: str
    from_: str = Field(alias="from", examples=["CARM Client Portal <no-reply@carm-portal.dev>"])
    subject: str
    body: str = Field(description="The text part, decoded.")
    received_at: datetime

    @classmethod
    def of(cls, mail: SandboxMail) -> MailboxMessage:
        return cls(
            to=mail.to_address,
            from_=mail.from_address,
            subject=mail.subject,
            body=mail.body,
            received_at=as_utc(mail.received_at),
        )


class MailboxPage(BaseModel):
    items: list[MailboxMessage]
