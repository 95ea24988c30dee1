"""Registering a business with proof of account knowledge.

Checks run cheapest and least revealing first: shape (the schema), the BN check digit, the proof periods against
the window, "already registered", the attempt limits, the register match, and last the proofs, which only the
ledger can judge. A wrong answer is never identified: the registrant learns that the proofs failed and how many
attempts are left, not which answer to change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError

from business_registry.businesses import repository as businesses
from business_registry.businesses.models import Business, ProgramAccount
from business_registry.businesses.service import INITIAL_VERSION, business_read, program_account_read
from business_registry.errors import (
    BusinessAlreadyRegistered,
    BusinessNotInRegister,
    LedgerUnavailable,
    ProgramAccountNotInRegister,
    ProofOfKnowledgeFailed,
    ProofOutsideWindow,
    RegisterMismatch,
    TooManyAttempts,
)
from business_registry.identifiers import program_account_number, require_valid_bn
from business_registry.ledger_client import Ledger
from business_registry.register import repository as register
from business_registry.registrations import repository as attempts
from business_registry.registrations.attempts import AttemptPolicy, Outcome, retry_after_seconds
from business_registry.registrations.matching import register_differences
from business_registry.registrations.schemas import BusinessRegistrationRead, ProofAnswer, RegistrationCreate
from portal_contracts.events import BusinessRegistered
from portal_contracts.internal import ProofCheckRequest, ProofCheckResponse
from portal_contracts.sandbox import RegisterRecord, proof_window
from portal_runtime.messaging import UnitOfWork
from portal_runtime.problems import FieldError

PROOF_HELP = (
    "Copy each answer exactly as printed on a statement of account or daily notice of this program account, "
    "in CAD, digits and a decimal point only. Your broker can give you copies."
)
PROOF_HELP_FR = (
    "Copiez chaque réponse exactement comme elle figure sur un relevé de compte ou un avis quotidien de ce compte "
    "de programme, en dollars canadiens, avec des chiffres et un point décimal seulement. Votre courtier en douane "
    "peut vous en fournir des copies."
)


@dataclass(frozen=True)
class Registrant:
    user_id: str
    now: datetime
    today: date


def proofs_outside_window(proofs: Sequence[ProofAnswer], today: date) -> list[FieldError]:
    """Answers dated outside the six calendar years before today (a transaction's date only the ledger knows)."""
    start, end = proof_window(today)
    errors = []
    for index, proof in enumerate(proofs):
        if proof.kind == "transaction_total":
            continue
        month, year = (int(part) for part in proof.period.split("/"))
        if not (start.year, start.month) <= (year, month) <= (end.year, end.month):
            errors.append(
                FieldError(
                    field=f"proofs.{index}.{proof.kind}.period",
                    message=f"Choose a month from {start:%m/%Y} to {end:%m/%Y}: the six calendar years before today",
                    code="outside_window",
                    fr=(
                        f"Choisissez un mois de {start:%m/%Y} à {end:%m/%Y} : les six années civiles précédant "
                        "aujourd'hui"
                    ),
                )
            )
    return errors


def check_register(request: RegistrationCreate, record: RegisterRecord | None) -> tuple[RegisterRecord, str]:
    """The register record and the program account (BN15) the proofs are about, when the request matches."""
    if record is None:
        raise BusinessNotInRegister(request.bn)
    bn15 = program_account_number(request.bn, request.program_reference)
    if bn15 not in record.program_accounts:
        raise ProgramAccountNotInRegister(request.bn, request.program_reference)
    differences = register_differences(request.legal_name, request.address, record)
    if differences:
        raise RegisterMismatch(
            "What you entered differs from the revenue agency's record of this business in: "
            f"{', '.join(differences)}. Enter it exactly as the Canada Revenue Agency has it.",
            fr="Ce que vous avez saisi diffère du dossier de l'agence du revenu pour cette entreprise dans : "
            f"{', '.join(differences)}. Saisissez-le exactement comme l'Agence du revenu du Canada l'a inscrit.",
            errors=[
                FieldError(
                    field=field,
                    message="Does not match the revenue agency's record",
                    code="mismatch",
                    fr="Ne correspond pas au dossier de l'agence du revenu",
                )
                for field in differences
            ],
            remediation="If the revenue agency's record is out of date, update it with the Canada Revenue Agency.",
            remediation_fr=(
                "Si le dossier de l'agence du revenu n'est pas à jour, mettez-le à jour auprès de l'Agence du revenu "
                "du Canada."
            ),
        )
    return record, bn15


def proof_check(bn15: str, proofs: Sequence[ProofAnswer]) -> ProofCheckRequest:
    return ProofCheckRequest.model_validate({"program_account": bn15, "proofs": [p.model_dump() for p in proofs]})


def proofs_hold(response: ProofCheckResponse, count: int) -> bool:
    """Every answer matched. A response that does not judge every answer is the ledger's fault, not a failure."""
    if len(response.results) != count:
        raise LedgerUnavailable(
            "The ledger answered with a malformed response.",
            fr="Le grand livre a répondu par une réponse mal formée.",
            component="ledger",
        )
    return all(result.valid for result in response.results)


class Registrations:
    """The registration use case, with what it needs injected (unit of work factory, ledger, attempt policy)."""

    def __init__(self, new_uow: Callable[[], UnitOfWork], ledger: Ledger, policy: AttemptPolicy) -> None:
        self._new_uow = new_uow
        self._ledger = ledger
        self._policy = policy

    async def register(self, request: RegistrationCreate, registrant: Registrant) -> BusinessRegistrationRead:
        require_valid_bn(request.bn)
        outside = proofs_outside_window(request.proofs, registrant.today)
        if outside:
            raise ProofOutsideWindow(
                "Every answer must date from the six calendar years before today.",
                fr="Chaque réponse doit dater des six années civiles précédant aujourd'hui.",
                errors=outside,
            )
        async with self._new_uow() as uow:
            if await businesses.exists(uow.session, request.bn):
                raise BusinessAlreadyRegistered(request.bn)
            on_record = await register.get(uow.session, request.bn)
        attempt_id = await self._start_attempt(request.bn, registrant)
        try:
            record, bn15 = check_register(request, on_record)
            held = proofs_hold(await self._ledger.check_proofs(proof_check(bn15, request.proofs)), len(request.proofs))
        except Exception:
            # Not a wrong answer (register mismatch, ledger down): the attempt does not count.
            await self._settle(attempt_id, Outcome.ABANDONED)
            raise
        if not held:
            raise await self._failed(attempt_id, request.bn, registrant)
        return await self._create(record, registrant, attempt_id)

    async def _start_attempt(self, bn: str, registrant: Registrant) -> int:
        """Counts the attempt before it runs, so concurrent attempts cannot exceed the limits; 429 when spent."""
        now, since = registrant.now, self._policy.since(registrant.now)
        async with self._new_uow() as uow:
            await attempts.lock_attempts(uow.session, bn, registrant.user_id)
            attempt = await attempts.add(uow.session, bn, registrant.user_id, now)
            by_business = await attempts.counted_since(uow.session, since, bn=bn)
            by_user = await attempts.counted_since(uow.session, since, user_id=registrant.user_id)
            for counted, whose, whose_fr in (
                (by_business, "for this business", "pour cette entreprise"),
                (by_user, "by you", "de votre part"),
            ):
                wait = self._policy.retry_after([started for id_, started in counted if id_ != attempt.id], now)
                if wait is not None:
                    seconds = retry_after_seconds(wait)
                    raise TooManyAttempts(  # leaving the block rolls the new attempt back
                        f"There were {self._policy.limit} failed registration attempts {whose} recently. "
                        f"Retry in {seconds} seconds.",
                        fr=f"Il y a eu récemment {self._policy.limit} tentatives d'inscription infructueuses "
                        f"{whose_fr}. Réessayez dans {seconds} secondes.",
                        headers={"Retry-After": str(seconds)},
                        extensions={"attempts_left": 0, "retry_after_s": seconds},
                        remediation="Gather the statements of account or daily notices of the account before retrying.",
                        remediation_fr=(
                            "Rassemblez les relevés de compte ou les avis quotidiens du compte avant de réessayer."
                        ),
                    )
            return attempt.id

    async def _failed(self, attempt_id: int, bn: str, registrant: Registrant) -> ProofOfKnowledgeFailed:
        now, since = registrant.now, self._policy.since(registrant.now)
        async with self._new_uow() as uow:
            await attempts.settle(uow.session, attempt_id, Outcome.FAILED)
            by_business = await attempts.counted_since(uow.session, since, bn=bn)
            by_user = await attempts.counted_since(uow.session, since, user_id=registrant.user_id)
        left = min(
            self._policy.attempts_left([started for _, started in by_business], now),
            self._policy.attempts_left([started for _, started in by_user], now),
        )
        return ProofOfKnowledgeFailed(
            f"The answers could not be confirmed against the account. {left} attempt(s) left.",
            fr=f"Les réponses n'ont pas pu être confirmées auprès du compte. Tentative(s) restante(s) : {left}.",
            extensions={"attempts_left": left},
            remediation=PROOF_HELP,
            remediation_fr=PROOF_HELP_FR,
        )

    async def _settle(self, attempt_id: int, outcome: Outcome) -> None:
        async with self._new_uow() as uow:
            await attempts.settle(uow.session, attempt_id, outcome)

    async def _create(
        self, record: RegisterRecord, registrant: Registrant, attempt_id: int
    ) -> BusinessRegistrationRead:
        """The business with every program account of the register, and the event that makes the registrant BAM,
        in one transaction. A concurrent registration of the same BN loses on the primary key: 409."""
        address = record.address
        business = Business(
            bn=record.bn,
            legal_name=record.legal_name,
            operating_name=record.operating_name,
            po_box=address.po_box,
            line1=address.line1,
            line2=address.line2,
            country=address.country,
            province=address.province,
            city=address.city,
            postal_code=address.postal_code,
            mailing_language="en",
            mailing_address=None,
            registrant_user_id=registrant.user_id,
            registered_at=registrant.now,
            updated_at=registrant.now,
            version=INITIAL_VERSION,
        )
        accounts = [
            ProgramAccount(bn15=bn15, bn=record.bn, reference=bn15[9:], registered_at=registrant.now)
            for bn15 in record.program_accounts
        ]
        try:
            async with self._new_uow() as uow:
                await businesses.add(uow.session, business, accounts)
                await attempts.settle(uow.session, attempt_id, Outcome.SUCCEEDED)
                uow.publish(
                    BusinessRegistered(
                        bn=record.bn,
                        legal_name=record.legal_name,
                        operating_name=record.operating_name,
                        program_accounts=list(record.program_accounts),
                        registrant_user_id=registrant.user_id,
                    )
                )
        except IntegrityError:
            await self._settle(attempt_id, Outcome.ABANDONED)
            raise BusinessAlreadyRegistered(record.bn) from None
        return BusinessRegistrationRead(
            **business_read(business).model_dump(), program_accounts=[program_account_read(a) for a in accounts]
        )
