from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from notifications.sandbox import repository
from notifications.sandbox.schemas import MailboxMessage, MailboxPage
from portal_runtime.access import Acting, access
from portal_runtime.service import Runtime

router = APIRouter(tags=["sandbox"])


@router.get(
    "/v1/sandbox/mailbox",
    summary="Messages the local SMTP sink received for an address, newest first (sandbox only)",
    description="Every e-mail of the stack (one-time codes, notice e-mails) goes to the local sink in the embedded "
    "default; this reads them. Exists only when the service runs with SANDBOX=1.",
    operation_id="read_sandbox_mailbox",
    openapi_extra=access(Acting.PUBLIC),
)
async def read_sandbox_mailbox(
    runtime: Runtime,
    to: Annotated[
        str,
        Query(
            max_length=320,
            pattern=r"^[^\s@\x00-\x1f\x7f]+@[^\s@\x00-\x1f\x7f]+$",
            description="The recipient address (any case).",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> MailboxPage:
    async with runtime.reads() as session:
        return MailboxPage(items=[MailboxMessage.of(m) for m in await repository.mailbox(session, to, limit)])
