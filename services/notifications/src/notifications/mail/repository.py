from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.mail.models import EmailStatus, OutboundEmail


def add(
    session: AsyncSession, *, notice_id: str, to: str, language: str, subject: str, body: str, now: datetime
) -> OutboundEmail:
    email = OutboundEmail(
        id=str(uuid.uuid4()),
        notice_id=notice_id,
        to_address=to,
        language=language,
        subject=subject,
        body=body,
        status=EmailStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(email)
    return email


async def claim_due(session: AsyncSession, *, now: datetime, lease_until: datetime, limit: int) -> list[OutboundEmail]:
    """Takes up to ``limit`` due e-mails for one delivery attempt each.

    One conditional UPDATE: a row is claimed by counting the attempt and moving ``next_attempt_at`` to the end of
    the lease. A concurrent sender re-checks ``next_attempt_at <= now`` on the locked row and skips it; if this
    sender dies mid-delivery the row becomes due again when the lease ends.
    """
    due = (
        select(OutboundEmail.id)
        .where(OutboundEmail.status == EmailStatus.PENDING, OutboundEmail.next_attempt_at <= now)
        .order_by(OutboundEmail.next_attempt_at, OutboundEmail.id)
        .limit(limit)
        .scalar_subquery()
    )
    claimed = await session.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.id.in_(due),
            OutboundEmail.status == EmailStatus.PENDING,
            OutboundEmail.next_attempt_at <= now,
        )
        .values(attempts=OutboundEmail.attempts + 1, next_attempt_at=lease_until)
        .returning(OutboundEmail.id)
        .execution_options(synchronize_session=False)
    )
    ids = list(claimed.scalars())
    if not ids:
        return []
    rows = await session.execute(
        select(OutboundEmail).where(OutboundEmail.id.in_(ids)).order_by(OutboundEmail.created_at, OutboundEmail.id)
    )
    return list(rows.scalars())


async def mark_sent(session: AsyncSession, email_id: str, now: datetime) -> None:
    await session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id)
        .values(status=EmailStatus.SENT, sent_at=now, last_error=None)
    )


async def retry_later(session: AsyncSession, email_id: str, at: datetime, error: str) -> None:
    await session.execute(
        update(OutboundEmail).where(OutboundEmail.id == email_id).values(next_attempt_at=at, last_error=error)
    )


async def mark_failed(session: AsyncSession, email_id: str, error: str) -> None:
    await session.execute(
        update(OutboundEmail).where(OutboundEmail.id == email_id).values(status=EmailStatus.FAILED, last_error=error)
    )
