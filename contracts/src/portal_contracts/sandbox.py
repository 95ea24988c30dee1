"""The revenue agency's reference data, as the feeds deliver it, and the deterministic sandbox data set.

Two feeds stand behind registration with proof of knowledge:

- the **business register** (a CRA business-register feed): who a BN9 is, where it is, which program accounts
  it holds. business-registry takes :class:`RegisterRecord` items on ``POST /internal/register-feed``;
- the **ledger facts** of each program account: monthly statements of account, payments applied, accepted CAD
  transactions. ledger takes :class:`ProgramAccountFacts` items on ``POST /internal/ledger-facts``.

In production CBSA integration teams feed both. In the sandbox (and an empty development database) the services
load :func:`register_records` and :func:`ledger_facts` at startup. The data set is the same on every run: amounts
are derived from a hash of the program account and the month, so a month's facts never change as ``today``
moves, only new months appear. The BNs are valid (Luhn check digit); two come from the onboarding guide
(``123456154`` Harp & Co., ``100001254`` ImporterCompany1755), and the guide's example answers
(statement 07/2022 balance 54000.00, payment 09/2022 3300.00, transaction 12155538442098 total 54000.00) are
true of ``123456154RM0001``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema, model_validator

from portal_contracts.types import BusinessNumber, ProgramAccountNumber

CENT = Decimal("0.01")
PROOF_WINDOW_YEARS = 6
HISTORY_YEARS = 7  # the sandbox reaches one calendar year behind the proof window, so its edge can be tried

_AMOUNT_TEXT = re.compile(r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$")


def _exact_amount(value: Any) -> Decimal:
    """A string such as ``"54000.00"`` (or a Decimal from Python code): never a float, at most two decimals."""
    if isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, str):
        text = value
    else:
        raise ValueError('send the amount as a string such as "54000.00": a JSON number may lose exactness')
    if not _AMOUNT_TEXT.match(text):
        raise ValueError("an amount has digits, an optional minus sign and at most two decimals")
    return Decimal(text).quantize(CENT)


ExactAmount = Annotated[
    Decimal,
    BeforeValidator(_exact_amount),
    WithJsonSchema({"type": "string", "pattern": _AMOUNT_TEXT.pattern, "examples": ["54000.00"]}),
]

YearMonth = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$")]
"""A month in ISO 8601 form, ``YYYY-MM`` (years 1000 to 9999: year 0 is no date)."""

TransactionNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{14}$")]


class Money(BaseModel):
    """An amount in CAD: ``{"amount": "54000.00", "currency": "CAD"}``."""

    model_config = ConfigDict(frozen=True)

    amount: ExactAmount
    currency: Literal["CAD"] = "CAD"


def cad(amount: str | Decimal) -> Money:
    return Money(amount=Decimal(amount))


class RegisterAddress(BaseModel):
    """The business's address as the revenue agency holds it."""

    po_box: str | None = Field(default=None, max_length=60, description="PO box or rural route (RR).")
    line1: str = Field(min_length=1, max_length=120)
    line2: str | None = Field(default=None, max_length=120)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code, e.g. `CA`.")
    province: str | None = Field(default=None, max_length=60, description="Province or state code, e.g. `ON`.")
    city: str = Field(min_length=1, max_length=80)
    postal_code: str | None = Field(default=None, max_length=20)


class RegisterRecord(BaseModel):
    """One business of the revenue agency's business register."""

    bn: BusinessNumber
    legal_name: str = Field(min_length=1, max_length=175)
    operating_name: str | None = Field(default=None, max_length=175)
    address: RegisterAddress
    program_accounts: list[ProgramAccountNumber] = Field(min_length=1, description="The business's RM accounts.")

    @model_validator(mode="after")
    def _accounts_belong_to_the_business(self) -> RegisterRecord:
        strangers = [pa for pa in self.program_accounts if not pa.startswith(self.bn)]
        if strangers:
            raise ValueError(f"program accounts {', '.join(strangers)} do not belong to business {self.bn}")
        if len(set(self.program_accounts)) != len(self.program_accounts):
            raise ValueError("a program account is listed twice")
        return self


class StatementFact(BaseModel):
    """A monthly statement of account that was issued, with its closing balance."""

    period: YearMonth
    closing_balance: Money


class PaymentFact(BaseModel):
    """A payment applied to the program account. ``reference`` identifies it within the account."""

    reference: str = Field(min_length=1, max_length=40)
    applied_on: date
    amount: Money


class TransactionFact(BaseModel):
    """A CAD (commercial accounting declaration) transaction the CBSA accepted, with its total duties and taxes."""

    transaction_number: TransactionNumber
    accepted_on: date
    total_duties_and_taxes: Money


class ProgramAccountFacts(BaseModel):
    """The ledger facts of one program account; upserted by natural key (period, reference, transaction number)."""

    program_account: ProgramAccountNumber
    statements: list[StatementFact] = Field(default_factory=list)
    payments: list[PaymentFact] = Field(default_factory=list)
    transactions: list[TransactionFact] = Field(default_factory=list)


def proof_window(today: date) -> tuple[date, date]:
    """The six calendar years before today, and today: from January 1 of (year - 6) to ``today`` included."""
    return date(today.year - PROOF_WINDOW_YEARS, 1, 1), today


def _address(
    line1: str,
    city: str,
    province: str,
    postal_code: str,
    *,
    line2: str | None = None,
    po_box: str | None = None,
) -> RegisterAddress:
    return RegisterAddress(
        po_box=po_box, line1=line1, line2=line2, country="CA", province=province, city=city, postal_code=postal_code
    )


def _accounts(bn: str, count: int) -> list[str]:
    return [f"{bn}RM{n:04d}" for n in range(1, count + 1)]


_REGISTER: tuple[RegisterRecord, ...] = (
    RegisterRecord(
        bn="123456154",
        legal_name="Harp and Company Ltd.",
        operating_name="Harp & Co.",
        address=_address("250 Front Street West", "Toronto", "ON", "M5V 3G5", line2="Suite 1200"),
        program_accounts=_accounts("123456154", 2),
    ),
    RegisterRecord(
        bn="100001254",
        legal_name="Importer Company 1755 Inc.",
        operating_name="ImporterCompany1755",
        address=_address("1200, boulevard René-Lévesque Ouest", "Montréal", "QC", "H3B 4W8", line2="Bureau 400"),
        program_accounts=_accounts("100001254", 1),
    ),
    RegisterRecord(
        bn="704132877",
        legal_name="Northern Gateway Customs Brokers Inc.",
        operating_name="Northern Gateway Brokers",
        address=_address("999 Canada Place", "Vancouver", "BC", "V6C 3E1", line2="Unit 640"),
        program_accounts=_accounts("704132877", 3),
    ),
    RegisterRecord(
        bn="812456937",
        legal_name="Mme Marie-Ève Tremblay",
        operating_name="Boutique L'Érable",
        address=_address("45, rue Saint-Jean", "Québec", "QC", "G1R 1N4", po_box="C.P. 215"),
        program_accounts=_accounts("812456937", 1),
    ),
    RegisterRecord(
        bn="567803424",
        legal_name="Prairie Harvest Foods Ltd.",
        operating_name="Prairie Harvest",
        address=_address("Highway 75 South", "Morris", "MB", "R0G 1K0", po_box="RR 2"),
        program_accounts=_accounts("567803424", 1),
    ),
    RegisterRecord(
        bn="890217458",
        legal_name="Atlantic Seafood Exporters Limited",
        operating_name="Atlantic Seafood",
        address=_address("1 Lower Water Street", "Halifax", "NS", "B3J 1R7"),
        program_accounts=_accounts("890217458", 2),
    ),
    RegisterRecord(
        bn="305798613",
        legal_name="Maple Leaf Trade Consulting Corp.",
        operating_name=None,
        address=_address("500 Centre Street SE", "Calgary", "AB", "T2G 1A6", line2="Floor 8"),
        program_accounts=_accounts("305798613", 1),
    ),
    RegisterRecord(
        bn="741230585",
        legal_name="Yukon Outfitters Ltd.",
        operating_name="Yukon Outfitters",
        address=_address("2101 Second Avenue", "Whitehorse", "YT", "Y1A 1B2"),
        program_accounts=_accounts("741230585", 1),
    ),
)


def register_records() -> list[RegisterRecord]:
    """The sandbox's business register: eight businesses, one to three program accounts each."""
    return [record.model_copy(deep=True) for record in _REGISTER]


# The onboarding guide's example answers (seed 000, "Valider vos renseignements sur les transactions").
_GUIDE_ACCOUNT = "123456154RM0001"
_GUIDE_STATEMENT = StatementFact(period="2022-07", closing_balance=cad("54000.00"))
_GUIDE_PAYMENT = PaymentFact(reference="2022-09-G", applied_on=date(2022, 9, 14), amount=cad("3300.00"))
_GUIDE_TRANSACTION = TransactionFact(
    transaction_number="12155538442098", accepted_on=date(2022, 6, 21), total_duties_and_taxes=cad("54000.00")
)


class _Draw:
    """Deterministic numbers for one program account and month, each named: a hash, not ``random``, so a value
    is the same on every run and whatever else is drawn."""

    def __init__(self, *parts: object) -> None:
        self._seed = "|".join(str(p) for p in parts)

    def integer(self, name: str, low: int, high: int) -> int:
        digest = hashlib.sha256(f"{self._seed}|{name}".encode()).digest()
        return low + int.from_bytes(digest[:8], "big") % (high - low + 1)

    def cents(self, name: str, low: int, high: int) -> Money:
        return cad(Decimal(self.integer(name, low * 100, high * 100)) / 100)


def _months(first: date, last: date) -> list[tuple[int, int]]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _carrier_code(program_account: str) -> int:
    """Five leading digits of the account's transaction numbers, like the carrier code of a real one."""
    return 10000 + int(hashlib.sha256(program_account.encode()).hexdigest(), 16) % 90000


def _account_facts(program_account: str, today: date) -> ProgramAccountFacts:
    facts = ProgramAccountFacts(program_account=program_account)
    carrier = _carrier_code(program_account)
    for year, month in _months(date(today.year - HISTORY_YEARS, 1, 1), today):
        draw = _Draw(program_account, year, month)
        if (year, month) < (today.year, today.month):  # this month's statement is not issued yet
            facts.statements.append(
                StatementFact(period=f"{year:04d}-{month:02d}", closing_balance=draw.cents("balance", 1_000, 90_000))
            )
        for n in range(1, draw.integer("payments", 1, 2) + 1):
            payment = PaymentFact(
                reference=f"{year:04d}-{month:02d}-{n}",
                applied_on=date(year, month, draw.integer(f"payment {n} day", 1, 28)),
                amount=draw.cents(f"payment {n}", 200, 60_000),
            )
            if payment.applied_on <= today:
                facts.payments.append(payment)
        for n in range(1, draw.integer("transactions", 1, 2) + 1):
            transaction = TransactionFact(
                transaction_number=f"{carrier:05d}{year % 100:02d}{month:02d}{n:05d}",
                accepted_on=date(year, month, draw.integer(f"transaction {n} day", 1, 28)),
                total_duties_and_taxes=draw.cents(f"transaction {n}", 50, 75_000),
            )
            if transaction.accepted_on <= today:
                facts.transactions.append(transaction)
    if program_account == _GUIDE_ACCOUNT:
        _apply_guide_examples(facts, today)
    return facts


def _apply_guide_examples(facts: ProgramAccountFacts, today: date) -> None:
    if (2022, 7) < (today.year, today.month):
        facts.statements = [s for s in facts.statements if s.period != _GUIDE_STATEMENT.period] + [_GUIDE_STATEMENT]
    if _GUIDE_PAYMENT.applied_on <= today:
        # The only payment that month, so "09/2022, 3300.00" is the one answer for that month.
        month = _GUIDE_PAYMENT.applied_on.replace(day=1)
        facts.payments = [p for p in facts.payments if p.applied_on.replace(day=1) != month] + [_GUIDE_PAYMENT]
    if _GUIDE_TRANSACTION.accepted_on <= today:
        facts.transactions.append(_GUIDE_TRANSACTION)
    facts.statements.sort(key=lambda s: s.period)
    facts.payments.sort(key=lambda p: (p.applied_on, p.reference))
    facts.transactions.sort(key=lambda t: (t.accepted_on, t.transaction_number))


def ledger_facts(today: date) -> list[ProgramAccountFacts]:
    """Statements, payments and accepted transactions of every sandbox program account, from January of
    (``today``'s year - 7) to ``today``: newer months appear as ``today`` moves, older ones never change."""
    return [_account_facts(pa, today) for record in _REGISTER for pa in record.program_accounts]
