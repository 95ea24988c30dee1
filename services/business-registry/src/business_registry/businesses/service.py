"""Registered businesses and their program accounts: lookup, profile, accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from business_registry.businesses import repository
from business_registry.businesses.auth import require_acting_on, require_covers
from business_registry.businesses.models import Business, ProgramAccount
from business_registry.businesses.schemas import (
    Address,
    BusinessLookup,
    BusinessRead,
    BusinessUpdate,
    MailingPreferences,
    ProgramAccountPage,
    ProgramAccountRead,
)
from business_registry.errors import BusinessNotFound, IfMatchRequired, ProgramAccountNotFound, VersionMismatch
from business_registry.identifiers import require_valid_bn
from business_registry.register import repository as register
from portal_contracts.scopes import Scope
from portal_runtime.context import InternalContext
from portal_runtime.messaging import UnitOfWork
from portal_runtime.paging import PageRequest

INITIAL_VERSION = 1


def etag(version: int) -> str:
    return f'"{version}"'


def if_match_allows(if_match: str, version: int) -> bool:
    """RFC 9110 If-Match: ``*`` or a list of entity tags, compared strongly (a weak tag never matches)."""
    tags = [tag.strip() for tag in if_match.split(",")]
    return "*" in tags or etag(version) in tags


def business_read(business: Business) -> BusinessRead:
    return BusinessRead(
        bn=business.bn,
        legal_name=business.legal_name,
        operating_name=business.operating_name,
        address=Address(
            po_box=business.po_box,
            line1=business.line1,
            line2=business.line2,
            country=business.country,
            province=business.province,
            city=business.city,
            postal_code=business.postal_code,
        ),
        mailing_preferences=MailingPreferences(
            language=business.mailing_language,  # type: ignore[arg-type]
            mailing_address=Address.model_validate(business.mailing_address) if business.mailing_address else None,
        ),
        registered_at=business.registered_at,
        updated_at=business.updated_at,
    )


def program_account_read(account: ProgramAccount) -> ProgramAccountRead:
    return ProgramAccountRead(
        bn15=account.bn15, bn=account.bn, reference=account.reference, registered_at=account.registered_at
    )


async def lookup(session: AsyncSession, bn: str) -> BusinessLookup:
    """For "request access to my employer": the operating name, and whether the business is registered yet."""
    require_valid_bn(bn)
    business = await repository.get(session, bn)
    if business is not None:
        return BusinessLookup(bn=bn, operating_name=business.operating_name, registered=True)
    record = await register.get(session, bn)
    if record is None:
        raise BusinessNotFound(
            f"The revenue agency has no business with the number {bn}.",
            fr=f"L'agence du revenu n'a aucune entreprise portant le numéro {bn}.",
        )
    return BusinessLookup(bn=bn, operating_name=record.operating_name, registered=False)


async def _registered(session: AsyncSession, bn: str) -> Business:
    business = await repository.get(session, bn)
    if business is None:
        raise BusinessNotFound(
            f"Business {bn} is not registered on the portal.",
            fr=f"L'entreprise {bn} n'est pas inscrite au portail.",
        )
    return business


async def get_business(session: AsyncSession, context: InternalContext, bn: str) -> tuple[BusinessRead, str]:
    require_acting_on(context, bn, Scope.BUSINESS_PROFILE_READ)
    business = await _registered(session, bn)
    return business_read(business), etag(business.version)


async def update_business(
    uow: UnitOfWork,
    context: InternalContext,
    bn: str,
    changes: BusinessUpdate,
    if_match: str | None,
    now: datetime,
) -> tuple[BusinessRead, str]:
    require_acting_on(context, bn, Scope.BUSINESS_PROFILE_WRITE)
    if if_match is None:
        raise IfMatchRequired(
            "Send If-Match with the ETag of the business as you read it, so a concurrent change is not lost.",
            fr="Envoyez If-Match avec l'ETag de l'entreprise telle que vous l'avez lue, afin qu'une modification "
            "concurrente ne soit pas perdue.",
        )
    async with uow:
        business = await _registered(uow.session, bn)
        if not if_match_allows(if_match, business.version):
            raise VersionMismatch(
                "The business changed since you read it: read it again and reapply your change.",
                fr="L'entreprise a changé depuis que vous l'avez lue : lisez-la de nouveau et appliquez de nouveau "
                "votre modification.",
            )
        values: dict[str, object] = {"updated_at": now}
        if "operating_name" in changes.model_fields_set:
            values["operating_name"] = changes.operating_name
        if "mailing_preferences" in changes.model_fields_set:
            preferences = changes.mailing_preferences or MailingPreferences()
            values["mailing_language"] = preferences.language
            values["mailing_address"] = (
                preferences.mailing_address.model_dump() if preferences.mailing_address else None
            )
        if not await repository.update_if_version(uow.session, bn, business.version, values):
            raise VersionMismatch(
                "The business changed since you read it: read it again and reapply your change.",
                fr="L'entreprise a changé depuis que vous l'avez lue : lisez-la de nouveau et appliquez de nouveau "
                "votre modification.",
            )
        await uow.session.refresh(business)
        return business_read(business), etag(business.version)


async def list_program_accounts(
    session: AsyncSession, context: InternalContext, bn: str, page: PageRequest
) -> ProgramAccountPage:
    require_acting_on(context, bn, Scope.PROGRAM_ACCOUNTS_READ)
    await _registered(session, bn)
    rows = await repository.program_accounts(
        session, bn, after=page.after(str), limit=page.limit + 1, only=context.program_accounts
    )
    items, next_cursor = page.cut(rows, lambda account: account.bn15)
    return ProgramAccountPage(items=[program_account_read(a) for a in items], next_cursor=next_cursor)


async def get_program_account(
    session: AsyncSession, context: InternalContext, bn: str, bn15: str
) -> ProgramAccountRead:
    require_acting_on(context, bn, Scope.PROGRAM_ACCOUNTS_READ)
    require_covers(context, bn15)
    account = await repository.program_account(session, bn15) if bn15.startswith(bn) else None
    if account is None or account.bn != bn:
        raise ProgramAccountNotFound(
            f"Business {bn} has no program account {bn15}.",
            fr=f"L'entreprise {bn} n'a aucun compte de programme {bn15}.",
        )
    return program_account_read(account)
