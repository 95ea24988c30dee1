"""The ledger facts a proof of account knowledge is checked against, as the CBSA feeds deliver them.

Amounts are integer cents: exact on every database.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base


class StatementOfAccount(Base):
    """A monthly statement of account issued for a program account."""

    __tablename__ = "statements_of_account"

    program_account: Mapped[str] = mapped_column(String(15), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True, comment="First day of the statement's month.")
    closing_balance_cents: Mapped[int] = mapped_column(BigInteger)
    fed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PaymentApplied(Base):
    """A payment applied to a program account."""

    __tablename__ = "payments_applied"
    __table_args__ = (Index("ix_payments_applied_account_applied_on", "program_account", "applied_on"),)

    program_account: Mapped[str] = mapped_column(String(15), primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), primary_key=True)
    applied_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    fed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AcceptedTransaction(Base):
    """A CAD transaction the CBSA accepted, with its total duties and taxes."""

    __tablename__ = "accepted_transactions"
    __table_args__ = (Index("ix_accepted_transactions_account_accepted_on", "program_account", "accepted_on"),)

    transaction_number: Mapped[str] = mapped_column(String(14), primary_key=True)
    program_account: Mapped[str] = mapped_column(String(15))
    accepted_on: Mapped[date] = mapped_column(Date)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    fed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
