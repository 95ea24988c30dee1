from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from notifications.notices import service
from notifications.notices.schemas import NoticePage, NoticeRead
from notifications.notices.service import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from notifications.notices.templates import NoticeType
from portal_runtime.access import Acting, access
from portal_runtime.context import CurrentContext
from portal_runtime.messaging import utcnow
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["notices"])

NoticeId = Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{36}$", description="Id (a UUID) of one of your notices.")]


@router.get(
    "/v1/me/notices",
    summary="Search and list your notices, newest first",
    description="The advanced search of the notices page: a date range, a type, an account and words of the "
    "subject or body. `invalid_date_range` when `from` is after `to`; `invalid_cursor` when `cursor` is not a "
    "`next_cursor` this API returned.",
    operation_id="list_my_notices",
    openapi_extra=access(Acting.SELF),
    responses=problems(401),
)
async def list_my_notices(
    context: CurrentContext,
    runtime: Runtime,
    from_: Annotated[
        date | None, Query(alias="from", description="First day of the range (YYYY-MM-DD), inclusive, UTC.")
    ] = None,
    to: Annotated[date | None, Query(description="Last day of the range (YYYY-MM-DD), inclusive, UTC.")] = None,
    type: Annotated[NoticeType | None, Query(description="Only notices of this type.")] = None,
    account: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9]{9}(RM[0-9]{4})?$",
            description="A business (BN9: its notices) or a program account (BN15: that account's notices).",
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            pattern=r"^[^\x00-\x1f\x7f]+$",
            description="Words of the subject or body (ignores case and accents).",
        ),
    ] = None,
    unread: Annotated[bool | None, Query(description="true: unread only; false: read only.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page, unchanged.")
    ] = None,
) -> NoticePage:
    query = service.notice_query(
        context.subject,
        start=from_,
        end=to,
        type=type,
        account=account,
        q=q,
        unread=unread,
        limit=limit,
        cursor=cursor,
    )
    async with runtime.sessions() as session:
        return NoticePage.of(await service.list_notices(session, query))


@router.get(
    "/v1/me/notices/{notice_id}",
    summary="Read one of your notices",
    operation_id="get_my_notice",
    openapi_extra=access(Acting.SELF),
    responses=problems(401, 404),
)
async def get_my_notice(context: CurrentContext, runtime: Runtime, notice_id: NoticeId) -> NoticeRead:
    async with runtime.reads() as session:
        return NoticeRead.of_details(await service.notice_details(session, context.subject, notice_id))


@router.post(
    "/v1/me/notices/{notice_id}/read",
    summary="Mark one of your notices as read",
    description="Idempotent: marking a read notice again changes nothing (the first reading time is kept).",
    operation_id="mark_my_notice_read",
    status_code=204,
    response_class=Response,
    openapi_extra=access(Acting.SELF),
    responses=problems(401, 404),
)
async def mark_my_notice_read(context: CurrentContext, runtime: Runtime, notice_id: NoticeId) -> Response:
    async with runtime.uow() as uow:
        await service.mark_read(uow.session, context.subject, notice_id, utcnow())
    return Response(status_code=204)
