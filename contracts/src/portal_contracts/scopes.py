"""OAuth scopes: the nine permission functions of the delegation guide, each with ``read`` and ``write``.

The gateway enforces them; delegation derives them from roles; identity puts the ones a user or an application
was granted into access tokens. Notices are readable by every associated user and need no scope.
"""

from __future__ import annotations

from enum import StrEnum


class Function(StrEnum):
    BUSINESS_PROFILE = "business_profile"
    PROGRAM_ACCOUNTS = "program_accounts"
    EMPLOYEES = "employees"
    RELATIONSHIPS = "relationships"  # incl. client groups
    FINANCIAL = "financial"  # transactions, balance, statements, invoices, daily notices, financial security
    PAYMENTS = "payments"  # pay, apply credits
    PAYMENT_SETUP = "payment_setup"  # PAD, bank details, payment arrangements, collection notices
    DECLARATIONS = "declarations"  # CAD, corrections, estimates
    RULINGS = "rulings"  # rulings, documents, appeals


class Scope(StrEnum):
    BUSINESS_PROFILE_READ = "business_profile:read"
    BUSINESS_PROFILE_WRITE = "business_profile:write"
    PROGRAM_ACCOUNTS_READ = "program_accounts:read"
    PROGRAM_ACCOUNTS_WRITE = "program_accounts:write"
    EMPLOYEES_READ = "employees:read"
    EMPLOYEES_WRITE = "employees:write"
    RELATIONSHIPS_READ = "relationships:read"
    RELATIONSHIPS_WRITE = "relationships:write"
    FINANCIAL_READ = "financial:read"
    FINANCIAL_WRITE = "financial:write"
    PAYMENTS_READ = "payments:read"
    PAYMENTS_WRITE = "payments:write"
    PAYMENT_SETUP_READ = "payment_setup:read"
    PAYMENT_SETUP_WRITE = "payment_setup:write"
    DECLARATIONS_READ = "declarations:read"
    DECLARATIONS_WRITE = "declarations:write"
    RULINGS_READ = "rulings:read"
    RULINGS_WRITE = "rulings:write"


ALL_SCOPES: frozenset[str] = frozenset(s.value for s in Scope)


def scope(function: Function, action: str) -> Scope:
    return Scope(f"{function.value}:{action}")
