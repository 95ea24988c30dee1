from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.notices.models import Notice

if TYPE_CHECKING:
    from notifications.notices.service import NoticeQuery


def add(session: AsyncSession, notice: Notice) -> None:
    session.add(notice)


async def get_for(session: AsyncSession, recipient_user_id: str, notice_id: str) -> Notice | None:
    """A notice of this recipient only: another user's notice is as absent as one that does not exist."""
    return (
        await session.execute(
            select(Notice).where(Notice.id == notice_id, Notice.recipient_user_id == recipient_user_id)
        )
    ).scalar_one_or_none()


async def page(session: AsyncSession, query: NoticeQuery) -> list[Notice]:
    """Up to ``limit + 1`` notices, newest first, so the caller knows whether another page follows."""
    statement = select(Notice).where(Notice.recipient_user_id == query.recipient_user_id)
    if query.posted_from is not None:
        statement = statement.where(Notice.created_at >= query.posted_from)
    if query.posted_before is not None:
        statement = statement.where(Notice.created_at < query.posted_before)
    if query.type is not None:
        statement = statement.where(Notice.type == query.type.value)
    if query.account is not None:
        column = Notice.program_account if len(query.account) > 9 else Notice.business_bn
        statement = statement.where(column == query.account)
    if query.text is not None:
        statement = statement.where(Notice.search_text.contains(query.text, autoescape=True))
    if query.unread is not None:
        statement = statement.where(Notice.read_at.is_(None) if query.unread else Notice.read_at.is_not(None))
    if query.after is not None:
        statement = statement.where(
            or_(
                Notice.created_at < query.after.created_at,
                and_(Notice.created_at == query.after.created_at, Notice.id < query.after.id),
            )
        )
    statement = statement.order_by(Notice.created_at.desc(), Notice.id.desc()).limit(query.limit + 1)
    return list((await session.execute(statement)).scalars())
