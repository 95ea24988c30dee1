"""The sandbox's reference businesses: what to type to register one, answers included."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from business_registry.businesses import repository as businesses
from business_registry.businesses.schemas import Address
from business_registry.ledger_client import Ledger
from business_registry.register import repository as register
from business_registry.registrations.schemas import (
    PaymentAnswer,
    RegistrationCreate,
    StatementBalanceAnswer,
    TransactionTotalAnswer,
)
from business_registry.sandbox.schemas import ProofAnswers, ReferenceBusiness, ReferenceBusinessPage
from portal_contracts import sandbox
from portal_contracts.internal import PaymentProof, ProofExamples, StatementBalanceProof, TransactionTotalProof
from portal_contracts.sandbox import RegisterRecord
from portal_runtime.paging import PageRequest


def _as_typed(answer: StatementBalanceProof | PaymentProof | TransactionTotalProof | None) -> dict[str, Any] | None:
    """An answer as a registrant types it: the amount a string with two decimals. A credit (negative) amount
    cannot be typed with digits and a decimal point only, so it is no example."""
    if answer is None or answer.amount < 0:
        return None
    return {**answer.model_dump(mode="json"), "amount": f"{answer.amount:.2f}"}


def proof_answers(examples: ProofExamples) -> ProofAnswers:
    statement = _as_typed(examples.statement_balance)
    payment = _as_typed(examples.payment)
    transaction = _as_typed(examples.transaction_total)
    return ProofAnswers(
        statement_balance=StatementBalanceAnswer.model_validate(statement) if statement else None,
        payment=PaymentAnswer.model_validate(payment) if payment else None,
        transaction_total=TransactionTotalAnswer.model_validate(transaction) if transaction else None,
    )


def reference_business(record: RegisterRecord, examples: ProofExamples) -> ReferenceBusiness:
    answers = proof_answers(examples)
    proofs = [a for a in (answers.statement_balance, answers.payment, answers.transaction_total) if a is not None]
    program_reference = record.program_accounts[0][9:]
    address = Address.model_validate(record.address.model_dump())
    return ReferenceBusiness(
        bn=record.bn,
        legal_name=record.legal_name,
        operating_name=record.operating_name,
        address=address,
        program_accounts=record.program_accounts,
        program_reference=program_reference,
        proof_answers=answers,
        registration_request=RegistrationCreate(
            bn=record.bn,
            program_reference=program_reference,
            legal_name=record.legal_name,
            address=address,
            attestation=True,
            proofs=proofs,
        )
        if len(proofs) >= 2
        else None,
    )


async def reference_businesses(session: AsyncSession, ledger: Ledger, page: PageRequest) -> ReferenceBusinessPage:
    """The sandbox businesses nobody registered yet, in BN order."""
    bns = sorted(record.bn for record in sandbox.register_records())
    registered = await businesses.registered_among(session, bns)
    after = page.after(str)
    candidates = [bn for bn in bns if bn not in registered and (after is None or bn > after)]
    records = sorted(await register.find(session, candidates[: page.limit + 1]), key=lambda r: r.bn)
    shown, next_cursor = page.cut(records, lambda record: record.bn)
    examples = await ledger.proof_examples([record.program_accounts[0] for record in shown])
    return ReferenceBusinessPage(
        items=[reference_business(r, examples[r.program_accounts[0]]) for r in shown], next_cursor=next_cursor
    )
