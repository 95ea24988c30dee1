from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.sandbox.models import SandboxMail
from notifications.sandbox.service import ReceivedMail, mailbox_address


def add_all(session: AsyncSession, mails: Sequence[ReceivedMail]) -> None:
    session.add_all(
        SandboxMail(
            to_address=m.to,
            from_address=m.sender,
            subject=m.subject,
            body=m.body,
            message_id=m.message_id,
            received_at=m.received_at,
        )
        for m in mails
    )


async def mailbox(session: AsyncSession, to: str, limit: int) -> list[SandboxMail]:
    rows = await session.execute(
        select(SandboxMail)
        .where(SandboxMail.to_address == mailbox_address(to))
        .order_by(SandboxMail.received_at.desc(), SandboxMail.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())
