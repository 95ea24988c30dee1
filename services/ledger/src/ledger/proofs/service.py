"""Proof of account knowledge: is an answer true of the program account's ledger, within the window?

The window is the six calendar years before today: from January 1 of (year - 6) to today. Each answer gets one
reason: ``matched``, ``no_such_record``, ``amount_mismatch`` or ``outside_window``. The registry decides what the
registrant is told (it never says which answer was wrong).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal, Protocol

from portal_contracts.internal import (
    PaymentProof,
    ProofCheckRequest,
    ProofCheckResponse,
    ProofExamples,
    ProofResult,
    StatementBalanceProof,
    TransactionTotalProof,
)
from portal_contracts.sandbox import proof_window

Reason = Literal["matched", "no_such_record", "amount_mismatch", "outside_window"]


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, period: str) -> Month:
        """``MM/YYYY``, as the registration screens write it."""
        month, year = period.split("/")
        return cls(int(year), int(month))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        following = Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)
        return following.first_day - timedelta(days=1)

    def label(self) -> str:
        return f"{self.month:02d}/{self.year:04d}"


@dataclass(frozen=True)
class ProofWindow:
    start: date
    end: date

    @classmethod
    def on(cls, today: date) -> ProofWindow:
        return cls(*proof_window(today))

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def contains_month(self, month: Month) -> bool:
        # Compared as (year, month): a month such as 00/0000 has no first day to compare.
        return Month.of(self.start) <= month <= Month.of(self.end)


@dataclass(frozen=True)
class Statement:
    month: Month
    closing_balance: Decimal


@dataclass(frozen=True)
class Payment:
    applied_on: date
    amount: Decimal


@dataclass(frozen=True)
class Transaction:
    transaction_number: str
    accepted_on: date
    total: Decimal


class FactsReader(Protocol):
    """What the proof checks read of one program account's ledger facts."""

    async def statement(self, program_account: str, month: Month) -> Statement | None: ...

    async def payments_in(self, program_account: str, month: Month) -> list[Payment]: ...

    async def transaction(self, program_account: str, transaction_number: str) -> Transaction | None: ...

    async def latest_statement(self, program_account: str, window: ProofWindow) -> Statement | None: ...

    async def latest_payment(self, program_account: str, window: ProofWindow) -> Payment | None: ...

    async def latest_transaction(self, program_account: str, window: ProofWindow) -> Transaction | None: ...


def judge_statement(month: Month, amount: Decimal, statement: Statement | None, window: ProofWindow) -> Reason:
    if not window.contains_month(month):
        return "outside_window"
    if statement is None:
        return "no_such_record"
    return "matched" if statement.closing_balance == amount else "amount_mismatch"


def judge_payment(month: Month, amount: Decimal, payments: list[Payment], window: ProofWindow) -> Reason:
    # A payment applied in that month with exactly that amount; another payment of the month does not count.
    if not window.contains_month(month):
        return "outside_window"
    if not payments:
        return "no_such_record"
    return "matched" if any(p.amount == amount for p in payments) else "amount_mismatch"


def judge_transaction(amount: Decimal, transaction: Transaction | None, window: ProofWindow) -> Reason:
    if transaction is None:
        return "no_such_record"
    if not window.contains(transaction.accepted_on):
        return "outside_window"
    return "matched" if transaction.total == amount else "amount_mismatch"


async def check_proofs(request: ProofCheckRequest, facts: FactsReader, today: date) -> ProofCheckResponse:
    """One result per answer, in the order given."""
    window = ProofWindow.on(today)
    account = request.program_account
    results = []
    for proof in request.proofs:
        reason: Reason
        # Records are looked up only for months inside the window; the judges say "outside_window" for the rest.
        if isinstance(proof, StatementBalanceProof):
            month = Month.parse(proof.period)
            statement = await facts.statement(account, month) if window.contains_month(month) else None
            reason = judge_statement(month, proof.amount, statement, window)
        elif isinstance(proof, PaymentProof):
            month = Month.parse(proof.period)
            payments = await facts.payments_in(account, month) if window.contains_month(month) else []
            reason = judge_payment(month, proof.amount, payments, window)
        else:
            transaction = await facts.transaction(account, proof.transaction_number)
            reason = judge_transaction(proof.amount, transaction, window)
        results.append(ProofResult(kind=proof.kind, valid=reason == "matched", reason=reason))
    return ProofCheckResponse(results=results)


async def proof_examples(program_account: str, facts: FactsReader, today: date) -> ProofExamples:
    """One true answer per kind (the newest within the window), so sandbox integrators can try registration."""
    window = ProofWindow.on(today)
    statement = await facts.latest_statement(program_account, window)
    payment = await facts.latest_payment(program_account, window)
    transaction = await facts.latest_transaction(program_account, window)
    return ProofExamples(
        program_account=program_account,
        statement_balance=StatementBalanceProof(
            kind="statement_balance", period=statement.month.label(), amount=statement.closing_balance
        )
        if statement
        else None,
        payment=PaymentProof(kind="payment", period=Month.of(payment.applied_on).label(), amount=payment.amount)
        if payment
        else None,
        transaction_total=TransactionTotalProof(
            kind="transaction_total", transaction_number=transaction.transaction_number, amount=transaction.total
        )
        if transaction
        else None,
    )
