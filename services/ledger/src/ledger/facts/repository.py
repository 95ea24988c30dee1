from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.facts.models import AcceptedTransaction, PaymentApplied, StatementOfAccount
from ledger.facts.schemas import LedgerFactsFed
from ledger.money import to_cents
from portal_contracts.sandbox import ProgramAccountFacts
from portal_runtime.db import upsert


def month_start(period: str) -> date:
    """``YYYY-MM`` -> the first day of that month."""
    year, month = period.split("-")
    return date(int(year), int(month), 1)


async def upsert_facts(session: AsyncSession, feed: Sequence[ProgramAccountFacts], fed_at: datetime) -> LedgerFactsFed:
    statements = [
        {
            "program_account": account.program_account,
            "period": month_start(s.period),
            "closing_balance_cents": to_cents(s.closing_balance.amount),
            "fed_at": fed_at,
        }
        for account in feed
        for s in account.statements
    ]
    payments = [
        {
            "program_account": account.program_account,
            "reference": p.reference,
            "applied_on": p.applied_on,
            "amount_cents": to_cents(p.amount.amount),
            "fed_at": fed_at,
        }
        for account in feed
        for p in account.payments
    ]
    transactions = [
        {
            "transaction_number": t.transaction_number,
            "program_account": account.program_account,
            "accepted_on": t.accepted_on,
            "total_cents": to_cents(t.total_duties_and_taxes.amount),
            "fed_at": fed_at,
        }
        for account in feed
        for t in account.transactions
    ]
    await upsert(session, StatementOfAccount.__table__, statements, ["program_account", "period"])  # type: ignore[arg-type]
    await upsert(session, PaymentApplied.__table__, payments, ["program_account", "reference"])  # type: ignore[arg-type]
    await upsert(session, AcceptedTransaction.__table__, transactions, ["transaction_number"])  # type: ignore[arg-type]
    return LedgerFactsFed(
        program_accounts=len({a.program_account for a in feed}),
        statements=len(statements),
        payments=len(payments),
        transactions=len(transactions),
    )


async def has_facts(session: AsyncSession) -> bool:
    found = await session.execute(
        select(
            exists(select(StatementOfAccount.program_account))
            | exists(select(PaymentApplied.program_account))
            | exists(select(AcceptedTransaction.program_account))
        )
    )
    return bool(found.scalar())
