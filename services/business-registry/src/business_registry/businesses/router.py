from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response

from business_registry.businesses import service
from business_registry.businesses.schemas import (
    BusinessLookup,
    BusinessRead,
    BusinessUpdate,
    ProgramAccountPage,
    ProgramAccountRead,
)
from portal_contracts.scopes import Scope
from portal_runtime.access import Acting, access
from portal_runtime.clock import CurrentClock
from portal_runtime.context import CurrentContext
from portal_runtime.paging import Paging
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["businesses"])

BnPath = Annotated[str, Path(pattern=r"^[0-9]{9}$", description="Business number (BN9).", examples=["123456154"])]
Bn15Path = Annotated[
    str,
    Path(pattern=r"^[0-9]{9}RM[0-9]{4}$", description="Program account (BN15).", examples=["123456154RM0001"]),
]


# Declared before /v1/businesses/{bn}, which would otherwise take "lookup" for a BN.
@router.get(
    "/v1/businesses/lookup",
    summary="Find a business by its BN to request access to it (my employer)",
    operation_id="lookup_business",
    responses=problems(401, 404),
    openapi_extra=access(Acting.SELF),
)
async def lookup_business(
    bn: Annotated[str, Query(pattern=r"^[0-9]{9}$", description="Business number (BN9).", examples=["123456154"])],
    context: CurrentContext,  # any signed-in user (acting SELF): the gateway context is still required
    runtime: Runtime,
) -> BusinessLookup:
    async with runtime.reads() as session:
        return await service.lookup(session, bn)


@router.get(
    "/v1/businesses/{bn}",
    summary="The business's profile",
    operation_id="get_business",
    responses=problems(401, 403, 404),
    openapi_extra=access(Acting.BUSINESS, Scope.BUSINESS_PROFILE_READ),
)
async def get_business(bn: BnPath, context: CurrentContext, runtime: Runtime, response: Response) -> BusinessRead:
    async with runtime.reads() as session:
        business, etag = await service.get_business(session, context, bn)
    response.headers["ETag"] = etag
    return business


@router.patch(
    "/v1/businesses/{bn}",
    summary="Change the operating name or mailing preferences (If-Match required)",
    operation_id="update_business",
    responses=problems(401, 403, 404, 412, 428),
    openapi_extra=access(Acting.BUSINESS, Scope.BUSINESS_PROFILE_WRITE),
)
async def update_business(
    bn: BnPath,
    changes: BusinessUpdate,
    context: CurrentContext,
    runtime: Runtime,
    clock: CurrentClock,
    response: Response,
    if_match: Annotated[str | None, Header(description="The ETag of the business as last read.")] = None,
) -> BusinessRead:
    business, etag = await service.update_business(runtime.uow(), context, bn, changes, if_match, clock())
    response.headers["ETag"] = etag
    return business


@router.get(
    "/v1/businesses/{bn}/program-accounts",
    summary="The business's program accounts (those the caller's access covers)",
    operation_id="list_program_accounts",
    responses=problems(400, 401, 403, 404),
    openapi_extra=access(Acting.BUSINESS, Scope.PROGRAM_ACCOUNTS_READ),
)
async def list_program_accounts(
    bn: BnPath, context: CurrentContext, runtime: Runtime, page: Paging
) -> ProgramAccountPage:
    async with runtime.reads() as session:
        return await service.list_program_accounts(session, context, bn, page)


@router.get(
    "/v1/businesses/{bn}/program-accounts/{bn15}",
    summary="One program account",
    operation_id="get_program_account",
    responses=problems(401, 403, 404),
    openapi_extra=access(Acting.PROGRAM_ACCOUNT, Scope.PROGRAM_ACCOUNTS_READ),
)
async def get_program_account(
    bn: BnPath, bn15: Bn15Path, context: CurrentContext, runtime: Runtime
) -> ProgramAccountRead:
    async with runtime.reads() as session:
        return await service.get_program_account(session, context, bn, bn15)
