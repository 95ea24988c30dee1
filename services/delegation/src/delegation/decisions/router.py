from __future__ import annotations

from fastapi import APIRouter, Request

from delegation.auth import internal_operation, self_operation
from delegation.decisions import service
from delegation.decisions.live import live_index
from delegation.decisions.schemas import ActingContextPage, ActingContextRead
from portal_contracts.internal import Decision, DecisionRequest, Membership
from portal_runtime.clock import Today, business_today
from portal_runtime.context import CurrentContext
from portal_runtime.paging import Paging
from portal_runtime.problems import problems
from portal_runtime.service import Runtime, ServiceRuntime

router = APIRouter()


@router.post(
    "/internal/decisions",
    summary="Decide what a user may do on a business (gateway only)",
    description="Allowed: the role, its scopes and the program accounts they apply to (None: all). An employee of "
    "the business gets its own role (`reason` `employee`); a provider's employee acting for a client gets a proxy "
    "role (`proxy_bam`, `proxy_pam`, `proxy_editor`, `proxy_viewer`; `reason` `relationship`), or `expired` after "
    "the relationship ended (`reason` `expired_relationship`, read-only), with `via_provider` and `visibility`: the "
    "submitter classes services show (`provider`: what `via_provider` submitted; `client`: what the client "
    "submitted; `other_businesses`: what other businesses submitted for the client, never another provider's "
    "rulings). Refused with `reason` `not_associated`, `business_not_registered`, `program_not_granted` or "
    "`program_not_in_relationship`.",
    operation_id="decide",
    **internal_operation(),
)
async def decide(question: DecisionRequest, request: Request) -> Decision:
    # The runtime and today without the Runtime/Today dependencies: those are plain functions, which FastAPI runs
    # in its thread pool, two thread hops that cost more than the decision itself (this route is on every
    # business request's path).
    state = request.app.state
    runtime: ServiceRuntime = state.runtime
    today = business_today(state.clock, runtime.settings.business_timezone)
    live = live_index(runtime)
    if live is not None:
        index = live.usable()
        if index is not None:
            live.answered += 1
            return index.decide(question.user_id, question.business, question.program_account, today)
        live.bypassed += 1
    async with runtime.reads() as session:
        return await service.decide(session, question, today)


@router.get(
    "/internal/users/{user_id}/memberships",
    summary="The businesses a user is associated with (identity only)",
    operation_id="list_memberships",
    **internal_operation(),
)
async def list_memberships(user_id: str, runtime: Runtime) -> list[Membership]:
    async with runtime.reads() as session:
        return await service.memberships(session, user_id)


@router.get(
    "/v1/me/contexts",
    tags=["contexts"],
    summary="The businesses you can act on, with your role, program accounts and scopes",
    description="Your employers with your role there, then the clients you act for through one of them, with "
    "your proxy role, `via_provider` and `visibility`; by business number.",
    operation_id="list_my_contexts",
    responses=problems(401, 403),
    **self_operation(),
)
async def list_my_contexts(context: CurrentContext, runtime: Runtime, page: Paging, today: Today) -> ActingContextPage:
    live = live_index(runtime)
    index = live.usable() if live is not None else None
    async with runtime.reads() as session:
        if index is not None:
            rows, cursor = await service.indexed_contexts(session, index, context.subject, page, today)
        else:
            rows, cursor = await service.contexts(session, context.subject, page, today)
        return ActingContextPage(items=[ActingContextRead.of(g) for g in rows], next_cursor=cursor)
