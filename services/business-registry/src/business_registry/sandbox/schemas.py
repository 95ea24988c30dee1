from __future__ import annotations

from pydantic import BaseModel, Field

from business_registry.businesses.schemas import Address
from business_registry.registrations.schemas import (
    PaymentAnswer,
    RegistrationCreate,
    StatementBalanceAnswer,
    TransactionTotalAnswer,
)
from portal_contracts.types import BusinessNumber, ProgramAccountNumber


class ProofAnswers(BaseModel):
    """One true answer per question, for the business's first program account (newest within the window)."""

    statement_balance: StatementBalanceAnswer | None
    payment: PaymentAnswer | None
    transaction_total: TransactionTotalAnswer | None


class ReferenceBusiness(BaseModel):
    """A test business of the sandbox's business register, not registered on the portal yet."""

    bn: BusinessNumber
    legal_name: str
    operating_name: str | None
    address: Address
    program_accounts: list[ProgramAccountNumber]
    program_reference: str = Field(
        description="RM reference of the first program account, which the answers are about."
    )
    proof_answers: ProofAnswers
    registration_request: RegistrationCreate | None = Field(
        description="A body for POST /v1/business-registrations that succeeds (null when the ledger has no answers)."
    )


class ReferenceBusinessPage(BaseModel):
    items: list[ReferenceBusiness]
    next_cursor: str | None
