"""The registration request: the business as the revenue agency knows it, an attestation, and proofs of
account knowledge, each answer as the registrant reads it off a statement of account or a daily notice."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    PlainSerializer,
    PlainValidator,
    Strict,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from business_registry.businesses.schemas import Address, BusinessRead, Name, ProgramAccountRead
from portal_runtime.problems import add_field_messages_fr

AMOUNT_PATTERN = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")
AMOUNT_FORMAT_MESSAGE = "Use digits and a decimal point only: no $ sign, no commas"
AMOUNT_NOT_A_STRING_MESSAGE = (
    'Send the amount as a JSON string such as "54000.00": a JSON number is read as binary floating point by many '
    "clients and parsers, so 0.10 or 54000.10 may not arrive exactly, and answers must match to the cent"
)
PERIOD_PATTERN = re.compile(r"^(0[1-9]|1[0-2])/[0-9]{4}$")

add_field_messages_fr(
    {
        "amount_not_a_string": (
            'Envoyez le montant sous forme de chaîne JSON, par exemple "54000.00" : bien des clients et analyseurs '
            "lisent un nombre JSON en virgule flottante binaire, si bien que 0.10 ou 54000.10 pourraient ne pas "
            "arriver exactement, et les réponses doivent correspondre au cent près"
        ),
        "amount_too_precise": "Indiquez le montant au cent près : au plus deux décimales",
        "amount_format": "Utilisez uniquement des chiffres et un point décimal : pas de symbole $, pas de virgules",
        "period_format": "Utilisez MM/AAAA, p. ex. 07/2022",
        "attestation_required": "Attestez que vous êtes autorisé à agir au nom de l'entreprise auprès de l'ASFC",
        "proof_kind_repeated": "Répondez à chaque question au plus une fois",
    }
)


def _amount(value: object) -> Decimal:
    if not isinstance(value, str):
        raise PydanticCustomError("amount_not_a_string", AMOUNT_NOT_A_STRING_MESSAGE)
    if AMOUNT_PATTERN.match(value):
        return Decimal(value)
    if re.match(r"^[0-9]+\.[0-9]{3,}$", value):
        raise PydanticCustomError("amount_too_precise", "Give the amount to the cent: at most two decimals")
    raise PydanticCustomError("amount_format", AMOUNT_FORMAT_MESSAGE)


ProofAmount = Annotated[
    Decimal,
    PlainValidator(_amount),
    PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": AMOUNT_PATTERN.pattern,
            "description": "CAD, digits and a decimal point only (no $ sign, no commas); a string, for exactness.",
            "examples": ["54000.00"],
        }
    ),
]


def _period(value: object) -> str:
    if not isinstance(value, str) or not PERIOD_PATTERN.match(value):
        raise PydanticCustomError("period_format", "Use MM/YYYY, e.g. 07/2022")
    return value


ProofPeriod = Annotated[
    str,
    PlainValidator(_period),
    WithJsonSchema({"type": "string", "pattern": PERIOD_PATTERN.pattern, "examples": ["07/2022"]}),
]


class StatementBalanceAnswer(BaseModel):
    """Date and balance of a statement of account (SOA) issued in the last six calendar years."""

    kind: Literal["statement_balance"]
    period: ProofPeriod = Field(description="Month of the statement, MM/YYYY.")
    amount: ProofAmount = Field(description="Balance of the statement.")


class PaymentAnswer(BaseModel):
    """Date and exact amount of a payment applied to the account in the last six calendar years."""

    kind: Literal["payment"]
    period: ProofPeriod = Field(description="Month the payment was applied, MM/YYYY.")
    amount: ProofAmount = Field(description="Exact amount of the payment.")


class TransactionTotalAnswer(BaseModel):
    """Total duties and taxes of a CAD transaction the CBSA accepted in the last six calendar years."""

    kind: Literal["transaction_total"]
    transaction_number: Annotated[str, Field(pattern=r"^[0-9]{14}$", examples=["12155538442098"])]
    amount: ProofAmount = Field(description="Total duties and taxes of the transaction.")


ProofAnswer = Annotated[StatementBalanceAnswer | PaymentAnswer | TransactionTotalAnswer, Field(discriminator="kind")]


def _attested(value: bool) -> bool:
    if value is not True:
        raise PydanticCustomError(
            "attestation_required", "Attest that you are authorized to act for the business with the CBSA"
        )
    return value


Attestation = Annotated[bool, Strict(), AfterValidator(_attested), WithJsonSchema({"type": "boolean", "const": True})]


class RegistrationCreate(BaseModel):
    bn: Annotated[str, Field(pattern=r"^[0-9]{9}$", description="Business number (BN9).", examples=["123456154"])]
    program_reference: Annotated[
        str, Field(pattern=r"^RM[0-9]{4}$", description="Import-export program reference.", examples=["RM0001"])
    ]
    legal_name: Name = Field(description="Legal or operating name, as the revenue agency holds it.")
    address: Address = Field(description="Address of the legal entity, as the revenue agency holds it.")
    attestation: Attestation = Field(description="I attest that I am authorized to act for the business.")
    proofs: list[ProofAnswer] = Field(
        min_length=2,
        max_length=3,
        description="At least two answers about the program account, each question at most once.",
    )

    @field_validator("proofs")
    @classmethod
    def _each_question_once(cls, proofs: list[ProofAnswer]) -> list[ProofAnswer]:
        kinds = [proof.kind for proof in proofs]
        if len(set(kinds)) != len(kinds):
            raise PydanticCustomError("proof_kind_repeated", "Answer each question at most once")
        return proofs


class BusinessRegistrationRead(BusinessRead):
    """The registered business and every program account it holds; the registrant is now its BAM."""

    program_accounts: list[ProgramAccountRead]
