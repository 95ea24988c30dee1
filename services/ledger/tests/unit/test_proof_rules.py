from datetime import date
from decimal import Decimal

import pytest

from ledger.money import from_cents, to_cents
from ledger.proofs.service import (
    Month,
    Payment,
    ProofWindow,
    Statement,
    Transaction,
    judge_payment,
    judge_statement,
    judge_transaction,
)

WINDOW = ProofWindow.on(date(2026, 11, 24))


def test_the_window_is_the_six_calendar_years_before_today_and_today() -> None:
    assert WINDOW == ProofWindow(date(2020, 1, 1), date(2026, 11, 24))


@pytest.mark.parametrize(
    ("period", "inside"),
    [
        ("01/2020", True),  # first month of (year - 6)
        ("12/2019", False),  # last month of (year - 7)
        ("11/2026", True),  # this month
        ("12/2026", False),  # next month
    ],
)
def test_window_edges_by_month(period: str, inside: bool) -> None:
    assert WINDOW.contains_month(Month.parse(period)) is inside


def test_window_edges_by_day() -> None:
    assert WINDOW.contains(date(2020, 1, 1))
    assert not WINDOW.contains(date(2019, 12, 31))
    assert WINDOW.contains(date(2026, 11, 24))
    assert not WINDOW.contains(date(2026, 11, 25))


def test_months_know_their_first_and_last_day() -> None:
    assert Month.parse("02/2024").last_day == date(2024, 2, 29)
    assert Month.parse("12/2022").last_day == date(2022, 12, 31)
    assert Month.of(date(2022, 7, 19)).label() == "07/2022"


def test_statement_matches_only_its_exact_closing_balance() -> None:
    month = Month(2022, 7)
    statement = Statement(month, Decimal("54000.00"))
    assert judge_statement(month, Decimal("54000"), statement, WINDOW) == "matched"
    assert judge_statement(month, Decimal("54000.01"), statement, WINDOW) == "amount_mismatch"
    assert judge_statement(month, Decimal("54000.00"), None, WINDOW) == "no_such_record"
    assert judge_statement(Month(2019, 12), Decimal("1"), Statement(Month(2019, 12), Decimal("1")), WINDOW) == (
        "outside_window"
    )


def test_a_payment_of_the_month_with_that_exact_amount_matches() -> None:
    month = Month(2022, 9)
    payments = [Payment(date(2022, 9, 3), Decimal("120.00")), Payment(date(2022, 9, 14), Decimal("3300.00"))]
    assert judge_payment(month, Decimal("3300.00"), payments, WINDOW) == "matched"
    assert judge_payment(month, Decimal("3300.10"), payments, WINDOW) == "amount_mismatch"
    assert judge_payment(month, Decimal("3300.00"), [], WINDOW) == "no_such_record"
    assert judge_payment(Month(2019, 12), Decimal("3300.00"), payments, WINDOW) == "outside_window"


def test_a_transaction_is_judged_by_its_acceptance_date_and_total() -> None:
    inside = Transaction("12155538442098", date(2022, 6, 21), Decimal("54000.00"))
    outside = Transaction("12155538442098", date(2019, 12, 31), Decimal("54000.00"))
    assert judge_transaction(Decimal("54000.00"), inside, WINDOW) == "matched"
    assert judge_transaction(Decimal("5400.00"), inside, WINDOW) == "amount_mismatch"
    assert judge_transaction(Decimal("54000.00"), None, WINDOW) == "no_such_record"
    assert judge_transaction(Decimal("54000.00"), outside, WINDOW) == "outside_window"


def test_amounts_are_stored_as_exact_cents() -> None:
    assert to_cents(Decimal("54000.10")) == 5_400_010
    assert from_cents(5_400_010) == Decimal("54000.10")
    assert str(from_cents(100)) == "1.00"
    with pytest.raises(ValueError, match="fractions of a cent"):
        to_cents(Decimal("0.001"))


@pytest.mark.parametrize("period", ["01/0000", "12/9999"])
def test_months_without_calendar_dates_are_outside_the_window(period: str) -> None:
    assert not WINDOW.contains_month(Month.parse(period))
