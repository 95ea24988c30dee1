from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from stdnum.ca import bn

from business_registry.businesses.schemas import Address
from business_registry.errors import (
    BusinessNotInRegister,
    InvalidBusinessNumber,
    LedgerUnavailable,
    ProgramAccountNotInRegister,
    RegisterMismatch,
)
from business_registry.identifiers import require_valid_bn
from business_registry.registrations.attempts import AttemptPolicy, as_utc, retry_after_seconds
from business_registry.registrations.schemas import (
    PaymentAnswer,
    RegistrationCreate,
    StatementBalanceAnswer,
    TransactionTotalAnswer,
)
from business_registry.registrations.service import check_register, proofs_hold, proofs_outside_window
from portal_contracts.internal import ProofCheckResponse, ProofResult
from portal_contracts.sandbox import register_records

TODAY = date(2026, 11, 24)
HARP = next(r for r in register_records() if r.bn == "123456154")


def statement(period: str) -> StatementBalanceAnswer:
    return StatementBalanceAnswer.model_validate({"kind": "statement_balance", "period": period, "amount": "1.00"})


def payment(period: str) -> PaymentAnswer:
    return PaymentAnswer.model_validate({"kind": "payment", "period": period, "amount": "1.00"})


def transaction() -> TransactionTotalAnswer:
    return TransactionTotalAnswer.model_validate(
        {"kind": "transaction_total", "transaction_number": "12155538442098", "amount": "1.00"}
    )


@pytest.mark.parametrize("number", ["123456154", "100001254", "704132877"])
def test_valid_business_numbers_pass_the_luhn_check(number: str) -> None:
    assert bn.is_valid(number)
    assert require_valid_bn(number) == number


@pytest.mark.parametrize("number", ["123456789", "123456155", "100001250"])
def test_a_wrong_check_digit_is_refused(number: str) -> None:
    with pytest.raises(InvalidBusinessNumber) as raised:
        require_valid_bn(number)
    assert raised.value.code == "invalid_business_number"
    assert raised.value.errors and raised.value.errors[0].field == "bn"


def test_the_sandbox_register_holds_valid_numbers_and_accounts() -> None:
    records = register_records()
    assert len(records) == 8
    assert all(bn.is_valid(r.bn) for r in records)
    assert all(1 <= len(r.program_accounts) <= 3 for r in records)
    assert all(pa.startswith(r.bn + "RM") for r in records for pa in r.program_accounts)
    assert records == register_records()  # deterministic


def test_the_window_runs_from_january_of_year_minus_six_to_this_month() -> None:
    proofs = [statement("01/2020"), payment("12/2019"), statement("11/2026"), payment("12/2026"), transaction()]
    assert [e.field for e in proofs_outside_window(proofs, TODAY)] == [
        "proofs.1.payment.period",
        "proofs.3.payment.period",
    ]


def test_years_beyond_the_calendar_are_outside_the_window() -> None:
    assert len(proofs_outside_window([statement("01/0000"), payment("12/9999")], TODAY)) == 2


def test_the_window_moves_with_the_year() -> None:
    assert proofs_outside_window([statement("01/2021")], date(2027, 1, 1)) == []
    assert proofs_outside_window([statement("12/2020")], date(2027, 1, 1))[0].code == "outside_window"


def registration(**changes: object) -> RegistrationCreate:
    body = {
        "bn": "123456154",
        "program_reference": "RM0002",
        "legal_name": "Harp & Co.",
        "address": HARP.address.model_dump(),
        "attestation": True,
        "proofs": [statement("07/2022").model_dump(), payment("09/2022").model_dump()],
    }
    return RegistrationCreate.model_validate(body | changes)


def test_a_matching_registration_is_about_the_program_account_it_names() -> None:
    assert check_register(registration(), HARP) == (HARP, "123456154RM0002")


def test_register_problems_are_named() -> None:
    with pytest.raises(BusinessNotInRegister):
        check_register(registration(), None)
    with pytest.raises(ProgramAccountNotInRegister):
        check_register(registration(program_reference="RM0003"), HARP)
    moved = HARP.address.model_dump() | {"city": "Hamilton"}
    with pytest.raises(RegisterMismatch) as raised:
        check_register(registration(address=Address.model_validate(moved).model_dump()), HARP)
    assert [e.field for e in raised.value.errors or []] == ["address.city"]


def test_proofs_hold_only_when_every_answer_matched() -> None:
    matched = ProofResult(kind="payment", valid=True, reason="matched")
    wrong = ProofResult(kind="payment", valid=False, reason="amount_mismatch")
    assert proofs_hold(ProofCheckResponse(results=[matched, matched]), 2)
    assert not proofs_hold(ProofCheckResponse(results=[matched, wrong]), 2)
    with pytest.raises(LedgerUnavailable):
        proofs_hold(ProofCheckResponse(results=[matched]), 2)


NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
POLICY = AttemptPolicy(limit=3, window=timedelta(hours=24))


def test_attempts_left_count_down_within_the_window() -> None:
    assert POLICY.attempts_left([], NOW) == 3
    assert POLICY.attempts_left([NOW - timedelta(hours=1)], NOW) == 2
    assert POLICY.attempts_left([NOW - timedelta(hours=25)], NOW) == 3  # expired
    assert POLICY.retry_after([NOW - timedelta(hours=h) for h in (1, 2)], NOW) is None


def test_retry_after_is_when_the_oldest_counted_attempt_expires() -> None:
    failures = [NOW - timedelta(hours=h) for h in (1, 5, 20, 30)]
    assert POLICY.retry_after(failures, NOW) == timedelta(hours=4)
    assert retry_after_seconds(timedelta(hours=4)) == 14_400
    assert retry_after_seconds(timedelta(milliseconds=1)) == 1


def test_naive_timestamps_from_sqlite_are_utc() -> None:
    assert as_utc(datetime(2026, 1, 1, 12)) == datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert POLICY.attempts_left([NOW.replace(tzinfo=None) - timedelta(hours=1)], NOW) == 2
    assert Decimal("1") == Decimal("1.00")  # answers compare by value, not by spelling
