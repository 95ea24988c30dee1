"""Models of the small internal HTTP APIs services call synchronously (never routed by the gateway).

- gateway -> delegation ``POST /internal/decisions``
- gateway -> identity ``POST /internal/tokens/revocation-status`` (while its revocation feed is not current)
- identity -> delegation ``GET /internal/users/{user_id}/memberships``
- business-registry -> ledger ``POST /internal/proof-checks`` and ``GET /internal/proof-examples/{bn15}``
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from portal_contracts.types import BusinessNumber, ProgramAccountNumber

Period = Annotated[str, StringConstraints(pattern=r"^(0[1-9]|1[0-2])/[0-9]{4}$")]
"""A month as the seed's screens write it: ``MM/YYYY``."""

TransactionNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{14}$")]


class DecisionRequest(BaseModel):
    user_id: str
    business: BusinessNumber
    program_account: ProgramAccountNumber | None = None
    scope: str | None = Field(default=None, description="The scope the route needs, for the reason text.")


class Decision(BaseModel):
    allow: bool
    reason: str
    role: str | None = None
    scopes: list[str] = Field(default_factory=list, description="Role-derived scopes on this business.")
    program_accounts: list[ProgramAccountNumber] | None = Field(
        default=None, description="Program accounts the scopes apply to; None means every program account."
    )
    via_provider: BusinessNumber | None = None
    visibility: list[str] = Field(default_factory=list)


class TokenRevocationQuery(BaseModel):
    """The claims of a verified access token that revocation depends on."""

    jti: str | None = Field(default=None, max_length=128)
    sub: str = Field(max_length=128)
    iat: float | None = Field(default=None, description="Issued at (seconds since the epoch); unknown: oldest.")
    client_id: str | None = Field(default=None, max_length=128)
    sid: str | None = Field(default=None, max_length=128, description="The login or OAuth grant it came from.")


class TokenRevocationStatus(BaseModel):
    revoked: bool
    reason: str | None = Field(default=None, description="Why, as in identity's token revocation events.")


class Membership(BaseModel):
    bn: BusinessNumber
    operating_name: str | None = None
    role: str
    programs: Literal["all"] | list[ProgramAccountNumber]


class StatementBalanceProof(BaseModel):
    kind: Literal["statement_balance"]
    period: Period
    amount: Decimal


class PaymentProof(BaseModel):
    kind: Literal["payment"]
    period: Period
    amount: Decimal


class TransactionTotalProof(BaseModel):
    kind: Literal["transaction_total"]
    transaction_number: TransactionNumber
    amount: Decimal


Proof = Annotated[StatementBalanceProof | PaymentProof | TransactionTotalProof, Field(discriminator="kind")]


class ProofCheckRequest(BaseModel):
    program_account: ProgramAccountNumber
    proofs: list[Proof]


class ProofResult(BaseModel):
    kind: str
    valid: bool
    reason: Literal["matched", "no_such_record", "amount_mismatch", "outside_window"]


class ProofCheckResponse(BaseModel):
    results: list[ProofResult]


class ProofExamples(BaseModel):
    """One valid answer per proof kind (sandbox only), so integrators can try registration."""

    program_account: ProgramAccountNumber
    statement_balance: StatementBalanceProof | None = None
    payment: PaymentProof | None = None
    transaction_total: TransactionTotalProof | None = None
