"""The shape of a registration: amounts, periods, attestation, answers."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from business_registry.registrations.schemas import AMOUNT_FORMAT_MESSAGE, RegistrationCreate

BODY: dict[str, Any] = {
    "bn": "123456154",
    "program_reference": "RM0001",
    "legal_name": "Harp & Co.",
    "address": {"line1": "250 Front Street West", "country": "CA", "city": "Toronto"},
    "attestation": True,
    "proofs": [
        {"kind": "statement_balance", "period": "07/2022", "amount": "54000.00"},
        {"kind": "transaction_total", "transaction_number": "12155538442098", "amount": "54000.00"},
    ],
}


def with_amount(amount: object) -> dict[str, Any]:
    body = copy.deepcopy(BODY)
    body["proofs"][0]["amount"] = amount
    return body


def errors_of(body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    with pytest.raises(ValidationError) as raised:
        RegistrationCreate.model_validate(body)
    return {".".join(map(str, e["loc"])): (e["type"], e["msg"]) for e in raised.value.errors()}


@pytest.mark.parametrize(
    ("typed", "amount"), [("54000.00", "54000.00"), ("54000", "54000"), ("0.5", "0.5"), ("3300.1", "3300.1")]
)
def test_digits_and_a_decimal_point_are_accepted(typed: str, amount: str) -> None:
    assert RegistrationCreate.model_validate(with_amount(typed)).proofs[0].amount == Decimal(amount)


@pytest.mark.parametrize(
    "typed", ["$54000.00", "54,000.00", "54 000,00", "54000.00 $", "CA$54000", "-54000.00", "5.4e4", ""]
)
def test_dollar_signs_commas_and_other_characters_are_refused(typed: str) -> None:
    assert errors_of(with_amount(typed)) == {
        "proofs.0.statement_balance.amount": ("amount_format", AMOUNT_FORMAT_MESSAGE)
    }


def test_fractions_of_a_cent_are_refused() -> None:
    assert errors_of(with_amount("54000.001"))["proofs.0.statement_balance.amount"][0] == "amount_too_precise"


@pytest.mark.parametrize("number", [54000, 54000.0, 0.1, True])
def test_json_numbers_are_refused_because_they_may_not_be_exact(number: object) -> None:
    kind, message = errors_of(with_amount(number))["proofs.0.statement_balance.amount"]
    assert kind == "amount_not_a_string"
    assert "floating point" in message


def test_amounts_are_written_back_with_two_decimals() -> None:
    body = RegistrationCreate.model_validate(with_amount("54000")).model_dump(mode="json")
    assert body["proofs"][0]["amount"] == "54000.00"


@pytest.mark.parametrize("period", ["7/2022", "2022-07", "13/2022", "00/2022", "07/22"])
def test_periods_are_mm_yyyy(period: str) -> None:
    body = copy.deepcopy(BODY)
    body["proofs"][0]["period"] = period
    assert errors_of(body)["proofs.0.statement_balance.period"] == ("period_format", "Use MM/YYYY, e.g. 07/2022")


@pytest.mark.parametrize("attestation", [False, "true", 1, None])
def test_the_attestation_must_be_true(attestation: object) -> None:
    assert "attestation" in errors_of(BODY | {"attestation": attestation})


def test_the_transaction_number_has_fourteen_digits() -> None:
    body = copy.deepcopy(BODY)
    body["proofs"][1]["transaction_number"] = "1215553844209"
    assert "proofs.1.transaction_total.transaction_number" in errors_of(body)


def test_two_or_three_answers_each_question_once() -> None:
    one = BODY | {"proofs": BODY["proofs"][:1]}
    assert errors_of(one)["proofs"][0] == "too_short"
    repeated = BODY | {"proofs": [BODY["proofs"][0], BODY["proofs"][0]]}
    assert errors_of(repeated)["proofs"] == ("proof_kind_repeated", "Answer each question at most once")


def test_names_and_required_address_lines() -> None:
    body = BODY | {"legal_name": "x" * 176, "address": {"line1": "  ", "country": "Canada", "city": ""}}
    assert set(errors_of(body)) == {"legal_name", "address.line1", "address.country", "address.city"}
    assert set(errors_of(BODY | {"program_reference": "RC0001"})) == {"program_reference"}
