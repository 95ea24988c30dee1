"""Creating a credential: every rule checked at once, secrets hashed, ``UserRegistered`` recorded."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from identity.clock import Clock
from identity.errors import InvalidRequest, UserNotFound
from identity.users import rules
from identity.users.errors import UsernameTaken
from identity.users.hashing import SecretHasher
from identity.users.models import RecoveryAnswers, User
from identity.users.schemas import RecoveryCreate, UserCreate
from portal_contracts.events.identity import UserRegistered
from portal_runtime.messaging import UnitOfWork
from portal_runtime.problems import FieldError


def username_key(username: str) -> str:
    return username.casefold()


def recovery_errors(recovery: RecoveryCreate, today: date) -> list[FieldError]:
    errors = rules.recovery_question_errors(recovery.question, "recovery.question")
    errors += rules.answer_errors(recovery.answer, "recovery.answer", "answer")
    errors += rules.answer_errors(recovery.memorable_person, "recovery.memorable_person", "memorable_person")
    _, date_errors = rules.memorable_date_errors(recovery.memorable_date, today, "recovery.memorable_date")
    errors += date_errors
    for name in ("question_hint", "memorable_person_hint", "memorable_date_hint"):
        hint = getattr(recovery, name)
        if hint is not None:
            errors += rules.hint_errors(hint, f"recovery.{name}", name)
    return errors


def registration_errors(request: UserCreate, policy: rules.PasswordPolicyName, today: date) -> list[FieldError]:
    """Every rule the request breaks, in the order of the form: username, password, recovery."""
    return (
        rules.username_errors(request.username)
        + rules.password_errors(request.password, request.password_confirmation, request.username, policy)
        + recovery_errors(request.recovery, today)
    )


@dataclass(frozen=True)
class Registration:
    hasher: SecretHasher
    policy: rules.PasswordPolicyName
    clock: Clock

    async def register(self, uow: UnitOfWork, request: UserCreate) -> User:
        now = self.clock()
        errors = registration_errors(request, self.policy, now.date())
        if errors:
            raise InvalidRequest(errors)
        key = username_key(request.username)
        if (await uow.session.execute(select(User.id).where(User.username_key == key))).first():
            raise UsernameTaken(
                f"The username {request.username} is taken; choose another one.",
                fr=f"Le nom d'utilisateur {request.username} est pris; choisissez-en un autre.",
            )

        password_hash, answers = await asyncio.gather(
            self.hasher.hash(rules.normalise_password(request.password)),
            recovery_answers(self.hasher, request.recovery, now),
        )
        user = User(
            id=str(uuid.uuid4()),
            username=request.username,
            username_key=key,
            password_hash=password_hash,
            password_policy=self.policy,
            created_at=now,
        )
        answers.user_id = user.id
        uow.session.add(user)
        try:
            await uow.session.flush()
        except IntegrityError as exc:  # registered concurrently under the same username
            raise UsernameTaken(
                f"The username {request.username} is taken; choose another one.",
                fr=f"Le nom d'utilisateur {request.username} est pris; choisissez-en un autre.",
            ) from exc
        uow.session.add(answers)
        uow.publish(UserRegistered(user_id=user.id, username=user.username))
        return user


async def recovery_answers(hasher: SecretHasher, recovery: RecoveryCreate, now: datetime) -> RecoveryAnswers:
    """The recovery answers, hashed like passwords, with their hints; ``user_id`` is the caller's to set."""
    answer_hash, person_hash, date_hash = await asyncio.gather(
        hasher.hash(rules.normalise_answer(recovery.answer)),
        hasher.hash(rules.normalise_answer(recovery.memorable_person)),
        hasher.hash(recovery.memorable_date),
    )
    return RecoveryAnswers(
        question=recovery.question,
        answer_hash=answer_hash,
        memorable_person_hash=person_hash,
        memorable_date_hash=date_hash,
        question_hint=_stripped(recovery.question_hint),
        memorable_person_hint=_stripped(recovery.memorable_person_hint),
        memorable_date_hint=_stripped(recovery.memorable_date_hint),
        updated_at=now,
    )


async def recovery_answers_match(
    hasher: SecretHasher, stored: RecoveryAnswers, answer: str, memorable_person: str, memorable_date: str
) -> bool:
    """All three answers, each checked (no early exit, so the time does not tell which one was wrong)."""
    results = await asyncio.gather(
        hasher.verify(stored.answer_hash, rules.normalise_answer(answer)),
        hasher.verify(stored.memorable_person_hash, rules.normalise_answer(memorable_person)),
        hasher.verify(stored.memorable_date_hash, memorable_date),
    )
    return all(results)


def _stripped(value: str | None) -> str | None:
    return value.strip() if value is not None else None


async def user_of(session: AsyncSession, user_id: str, *, for_update: bool = False) -> User:
    """The signed-in user's row; the context may name a user who no longer exists (404 ``user_not_found``)."""
    user = await session.get(User, user_id, with_for_update=for_update)
    if user is None:
        raise UserNotFound("There is no user with this id.", fr="Aucun utilisateur n'a cet identifiant.")
    return user
