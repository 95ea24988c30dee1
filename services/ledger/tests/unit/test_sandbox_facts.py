"""The sandbox data set (portal_contracts.sandbox) that ledger loads: deterministic, exact, within reach."""

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from portal_contracts.sandbox import Money, ProgramAccountFacts, ledger_facts, proof_window, register_records

TODAY = date(2026, 11, 24)


def test_the_same_today_gives_the_same_facts() -> None:
    assert ledger_facts(TODAY) == ledger_facts(TODAY)


def test_a_month_never_changes_as_today_moves() -> None:
    earlier = {f.program_account: f for f in ledger_facts(date(2025, 3, 10))}
    for later in ledger_facts(TODAY):
        old = earlier[later.program_account]
        old_statements = {s.period: s for s in old.statements}
        shared = [s for s in later.statements if s.period in old_statements]
        assert len(shared) > 60
        assert all(old_statements[s.period] == s for s in shared)
        assert [p for p in later.payments if p.applied_on.year >= 2019 and p.applied_on <= date(2025, 3, 10)] == [
            p for p in old.payments if p.applied_on.year >= 2019
        ]
        old_transactions = {t.transaction_number: t for t in old.transactions}
        assert all(
            old_transactions[t.transaction_number] == t
            for t in later.transactions
            if t.transaction_number in old_transactions
        )


def test_every_program_account_of_the_register_has_seven_years_of_facts() -> None:
    facts = {f.program_account: f for f in ledger_facts(TODAY)}
    accounts = [pa for record in register_records() for pa in record.program_accounts]
    assert sorted(facts) == sorted(accounts)
    for account in facts.values():
        periods = [s.period for s in account.statements]
        assert periods[0] == "2019-01" and periods[-1] == "2026-10"  # this month's statement is not issued yet
        assert all(p.applied_on <= TODAY for p in account.payments)
        assert all(t.accepted_on <= TODAY for t in account.transactions)
        assert len(periods) == len(set(periods))


def test_transaction_numbers_are_fourteen_digits_and_unique() -> None:
    numbers = [t.transaction_number for f in ledger_facts(TODAY) for t in f.transactions]
    assert len(numbers) == len(set(numbers))
    assert all(len(n) == 14 and n.isdigit() for n in numbers)


def test_the_onboarding_guide_examples_are_true_of_harp_and_co() -> None:
    harp = next(f for f in ledger_facts(TODAY) if f.program_account == "123456154RM0001")
    assert next(s for s in harp.statements if s.period == "2022-07").closing_balance == Money(amount="54000.00")
    september = [p for p in harp.payments if (p.applied_on.year, p.applied_on.month) == (2022, 9)]
    assert [p.amount.amount for p in september] == [Decimal("3300.00")]
    transaction = next(t for t in harp.transactions if t.transaction_number == "12155538442098")
    assert transaction.total_duties_and_taxes.amount == Decimal("54000.00")
    assert proof_window(TODAY)[0] <= transaction.accepted_on


def test_money_takes_strings_with_at_most_two_decimals_never_floats() -> None:
    assert Money.model_validate({"amount": "54000.1"}).model_dump(mode="json") == {
        "amount": "54000.10",
        "currency": "CAD",
    }
    for wrong in (54000.0, "54,000.00", "$54000", "1.001"):
        with pytest.raises(ValidationError):
            Money.model_validate({"amount": wrong})
    with pytest.raises(ValidationError):
        Money.model_validate({"amount": "1.00", "currency": "USD"})


def test_fact_feeds_name_program_accounts_by_bn15() -> None:
    with pytest.raises(ValidationError):
        ProgramAccountFacts(program_account="123456154")
