from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.facts.models import AcceptedTransaction, PaymentApplied, StatementOfAccount
from ledger.money import from_cents
from ledger.proofs.service import Month, Payment, ProofWindow, Statement, Transaction


def _statement(row: StatementOfAccount) -> Statement:
    return Statement(Month.of(row.period), from_cents(row.closing_balance_cents))


def _payment(row: PaymentApplied) -> Payment:
    return Payment(row.applied_on, from_cents(row.amount_cents))


def _transaction(row: AcceptedTransaction) -> Transaction:
    return Transaction(row.transaction_number, row.accepted_on, from_cents(row.total_cents))


class SqlFactsReader:
    """The ledger facts of the database (see :class:`ledger.proofs.service.FactsReader`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def statement(self, program_account: str, month: Month) -> Statement | None:
        row = await self._session.get(StatementOfAccount, (program_account, month.first_day))
        return _statement(row) if row else None

    async def payments_in(self, program_account: str, month: Month) -> list[Payment]:
        rows = await self._session.scalars(
            select(PaymentApplied).where(
                PaymentApplied.program_account == program_account,
                PaymentApplied.applied_on.between(month.first_day, month.last_day),
            )
        )
        return [_payment(row) for row in rows]

    async def transaction(self, program_account: str, transaction_number: str) -> Transaction | None:
        row = await self._session.get(AcceptedTransaction, transaction_number)
        return _transaction(row) if row and row.program_account == program_account else None

    async def latest_statement(self, program_account: str, window: ProofWindow) -> Statement | None:
        row = await self._session.scalar(
            select(StatementOfAccount)
            .where(
                StatementOfAccount.program_account == program_account,
                StatementOfAccount.period.between(window.start, window.end),
            )
            .order_by(StatementOfAccount.period.desc())
            .limit(1)
        )
        return _statement(row) if row else None

    async def latest_payment(self, program_account: str, window: ProofWindow) -> Payment | None:
        row = await self._session.scalar(
            select(PaymentApplied)
            .where(
                PaymentApplied.program_account == program_account,
                PaymentApplied.applied_on.between(window.start, window.end),
            )
            .order_by(PaymentApplied.applied_on.desc(), PaymentApplied.reference.desc())
            .limit(1)
        )
        return _payment(row) if row else None

    async def latest_transaction(self, program_account: str, window: ProofWindow) -> Transaction | None:
        row = await self._session.scalar(
            select(AcceptedTransaction)
            .where(
                AcceptedTransaction.program_account == program_account,
                AcceptedTransaction.accepted_on.between(window.start, window.end),
            )
            .order_by(AcceptedTransaction.accepted_on.desc(), AcceptedTransaction.transaction_number.desc())
            .limit(1)
        )
        return _transaction(row) if row else None
