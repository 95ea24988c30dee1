"""Enrolling and checking second factors: authenticator apps, recovery codes, e-mailed step-up codes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.clock import Clock
from identity.config import Settings
from identity.errors import InvalidRequest, after_commit
from identity.factors import codes
from identity.factors.errors import (
    ChallengeLimit,
    LastMfaMethod,
    MfaMethodNotEnrolled,
    MfaMethodNotFound,
    PasskeyRejected,
    TotpAlreadyEnrolled,
    TotpNotPending,
    WrongMfaCode,
)
from identity.factors.models import MfaChallenge, Passkey, RecoveryCode, TotpFactor
from identity.factors.passkeys import PasskeyCeremonies, passkeys_of
from identity.factors.schemas import (
    ChallengeRead,
    MethodType,
    MfaMethodItem,
    MfaMethodList,
    StepUpMethod,
    TotpEnrolment,
)
from identity.factors.sealing import KeyRing, totp_key_ring
from identity.mail.addresses import email_errors, mask_email
from identity.mail.messages import mfa_email_changed_message, one_time_code_message
from identity.mail.recipients import language_of
from identity.mail.service import Mailer
from identity.sessions.codes import code_digest, code_matches, new_code, new_salt
from identity.sessions.errors import MfaConsentRefused
from identity.throttle.service import Client, Throttle
from identity.users.models import MfaMethod, User
from identity.users.service import user_of
from portal_contracts.events.identity import MfaCodeIssued
from portal_runtime.messaging import UnitOfWork

MFA_EMAIL = "email"
STEP_UP = "step_up"
EMAIL_CHANGE = "email_change"
PRIMARY_METHODS = ("email", "totp", "webauthn")
CHALLENGE_PERIOD = timedelta(hours=1)
MAX_CHALLENGES_PER_PERIOD = 10  # recovery codes are a fallback, never the only factor


async def available_methods(session: AsyncSession, user_id: str) -> list[MethodType]:
    """The factors a user can sign in with, e-mail first (the default)."""
    return [item.type for item in (await _method_items(session, user_id))]


async def mfa_email_of(session: AsyncSession, user_id: str) -> str | None:
    """Where the user's one-time codes and security notices go, if they have an MFA e-mail."""
    address: str | None = (
        await session.execute(select(MfaMethod.email).where(MfaMethod.user_id == user_id, MfaMethod.type == MFA_EMAIL))
    ).scalar()
    return address


async def accept_totp(session: AsyncSession, ring: KeyRing, user_id: str, code: str, now: datetime) -> bool:
    """Whether ``code`` is a current, not yet used code of the user's confirmed authenticator app."""
    factor = await session.get(TotpFactor, user_id, with_for_update=True)
    if factor is None or factor.confirmed_at is None:
        return False
    step = codes.matching_step(_totp_secret(ring, factor), code.strip(), now, factor.last_used_step)
    if step is None:
        return False
    factor.last_used_step = step
    return True


def _totp_secret(ring: KeyRing, factor: TotpFactor) -> str:
    """The factor's secret, opened; a row from before encryption (or an older key) is re-sealed on the way."""
    secret = ring.open(factor.secret, factor.user_id)
    if ring.needs_resealing(factor.secret):
        factor.secret = ring.seal(secret, factor.user_id)
    return secret


async def use_recovery_code(session: AsyncSession, user_id: str, code: str, now: datetime) -> bool:
    """Whether ``code`` is one of the user's unused recovery codes; if so it is spent."""
    rows = (
        (
            await session.execute(
                select(RecoveryCode)
                .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
                .with_for_update()
            )
        )
        .scalars()
        .all()
    )
    for row in rows:
        if codes.recovery_code_matches(code, row.salt, row.digest):
            row.used_at = now
            return True
    return False


async def _method_items(session: AsyncSession, user_id: str) -> list[MfaMethodItem]:
    items: list[MfaMethodItem] = []
    email = (
        await session.execute(select(MfaMethod).where(MfaMethod.user_id == user_id, MfaMethod.type == MFA_EMAIL))
    ).scalar_one_or_none()
    if email is not None and email.email:
        items.append(MfaMethodItem(type="email", email=mask_email(email.email), enrolled_at=email.enrolled_at))
    totp = await session.get(TotpFactor, user_id)
    if totp is not None and totp.confirmed_at is not None:
        items.append(MfaMethodItem(type="totp", enrolled_at=totp.confirmed_at))
    passkeys = await passkeys_of(session, user_id)
    if passkeys:
        items.append(
            MfaMethodItem(
                type="webauthn", enrolled_at=min(p.created_at for p in passkeys), passkeys=[p.name for p in passkeys]
            )
        )
    unused = (
        (
            await session.execute(
                select(RecoveryCode).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
            )
        )
        .scalars()
        .all()
    )
    if unused:
        items.append(
            MfaMethodItem(type="recovery_code", enrolled_at=min(r.created_at for r in unused), remaining=len(unused))
        )
    return items


@dataclass(frozen=True)
class Factors:
    settings: Settings
    clock: Clock
    mailer: Mailer
    throttle: Throttle

    @property
    def totp_keys(self) -> KeyRing:
        return totp_key_ring(self.settings)

    async def methods(self, session: AsyncSession, user_id: str) -> MfaMethodList:
        return MfaMethodList(items=await _method_items(session, user_id))

    async def start_totp(self, uow: UnitOfWork, user_id: str) -> TotpEnrolment:
        """A new secret, pending until a first code confirms it; a pending one is replaced."""
        now = self.clock()
        user = await user_of(uow.session, user_id)
        factor = await uow.session.get(TotpFactor, user_id, with_for_update=True)
        if factor is not None and factor.confirmed_at is not None:
            raise TotpAlreadyEnrolled()
        secret = codes.new_totp_secret()
        sealed = self.totp_keys.seal(secret, user_id)
        if factor is None:
            uow.session.add(TotpFactor(user_id=user_id, secret=sealed, created_at=now))
        else:
            factor.secret, factor.created_at, factor.last_used_step = sealed, now, None
        return TotpEnrolment(secret=secret, otpauth_uri=codes.provisioning_uri(secret, user.username))

    async def confirm_totp(self, uow: UnitOfWork, user_id: str, code: str, client: Client) -> MfaMethodList:
        now = self.clock()
        factor = await uow.session.get(TotpFactor, user_id, with_for_update=True)
        if factor is None or factor.confirmed_at is not None:
            raise TotpNotPending()
        user = await user_of(uow.session, user_id)
        await self.throttle.check(uow, "mfa", user.username_key, user_id, client, now)
        step = codes.matching_step(_totp_secret(self.totp_keys, factor), code.strip(), now, factor.last_used_step)
        if step is None:
            await self.throttle.failed(uow, "mfa", user.username_key, client, now)
            raise after_commit(WrongMfaCode())
        factor.confirmed_at, factor.last_used_step = now, step
        return await self.methods(uow.session, user_id)

    async def new_recovery_codes(self, uow: UnitOfWork, user_id: str) -> list[str]:
        """Ten new codes; every older code stops working."""
        now = self.clock()
        await user_of(uow.session, user_id)
        await self._void_recovery_codes(uow, user_id)
        plain = [codes.new_recovery_code() for _ in range(codes.RECOVERY_CODE_COUNT)]
        for code in plain:
            salt = new_salt()
            uow.session.add(
                RecoveryCode(user_id=user_id, digest=codes.recovery_code_digest(code, salt), salt=salt, created_at=now)
            )
        return plain

    async def remove(self, uow: UnitOfWork, user_id: str, method: MethodType) -> None:
        present = {item.type for item in await _method_items(uow.session, user_id)}
        if method not in present:
            raise MfaMethodNotFound(f"You have no '{method}' method.", fr=f"Vous n'avez aucune méthode '{method}'.")
        if method in PRIMARY_METHODS and not (present - {method}) & set(PRIMARY_METHODS):
            raise LastMfaMethod()
        if method == "email":
            email = (
                await uow.session.execute(
                    select(MfaMethod).where(MfaMethod.user_id == user_id, MfaMethod.type == MFA_EMAIL)
                )
            ).scalar_one()
            await uow.session.delete(email)
        elif method == "totp":
            await uow.session.delete(await uow.session.get_one(TotpFactor, user_id))
        elif method == "webauthn":
            await uow.session.execute(
                delete(Passkey).where(Passkey.user_id == user_id).execution_options(synchronize_session=False)
            )
        else:
            await self._void_recovery_codes(uow, user_id)

    async def passkey_options(self, uow: UnitOfWork, user_id: str) -> dict[str, Any]:
        """Options to enrol a passkey; the challenge is kept for the confirmation."""
        user = await user_of(uow.session, user_id)
        return await PasskeyCeremonies(self.settings).registration_options(uow.session, user, self.clock())

    async def add_passkey(self, uow: UnitOfWork, user_id: str, credential: dict[str, Any], name: str) -> MfaMethodList:
        await user_of(uow.session, user_id)
        try:
            await PasskeyCeremonies(self.settings).register(uow.session, user_id, credential, name, self.clock())
        except PasskeyRejected as error:
            raise after_commit(error) from None  # the challenge stays spent
        return await self.methods(uow.session, user_id)

    async def send_step_up_code(self, uow: UnitOfWork, user_id: str) -> ChallengeRead:
        """E-mail a code to the MFA e-mail, for a sensitive change that asks for a fresh second factor."""
        email = await mfa_email_of(uow.session, user_id)
        if not email:
            raise MfaMethodNotEnrolled("email")
        return await self._send_challenge(uow, user_id, STEP_UP, email)

    async def request_email_change(
        self, uow: UnitOfWork, user_id: str, email: str, confirmation: str, consent: bool
    ) -> ChallengeRead:
        """Re-enrolment: a code goes to the new address, which replaces the MFA e-mail once the code is verified."""
        await user_of(uow.session, user_id)
        if not consent:
            raise MfaConsentRefused()
        errors = email_errors(email, confirmation)
        if errors:
            raise InvalidRequest(errors)
        return await self._send_challenge(uow, user_id, EMAIL_CHANGE, email.strip())

    async def confirm_email_change(self, uow: UnitOfWork, user_id: str, code: str, client: Client) -> MfaMethodList:
        now = self.clock()
        challenge = await self._check_challenge(uow, user_id, EMAIL_CHANGE, code, client, now)
        method = (
            await uow.session.execute(
                select(MfaMethod).where(MfaMethod.user_id == user_id, MfaMethod.type == MFA_EMAIL)
            )
        ).scalar_one_or_none()
        old_address = method.email if method is not None else None
        if old_address and old_address.casefold() != challenge.address.casefold():
            await self.mailer.send(
                mfa_email_changed_message(
                    to=old_address,
                    new_address=mask_email(challenge.address),
                    sender=self.settings.mail_from,
                    language=await language_of(uow.session, user_id),
                    clock=self.clock,
                )
            )
        if method is None:
            uow.session.add(
                MfaMethod(
                    id=str(uuid.uuid4()), user_id=user_id, type=MFA_EMAIL, email=challenge.address, enrolled_at=now
                )
            )
        else:
            method.email, method.enrolled_at = challenge.address, now
        return await self.methods(uow.session, user_id)

    async def step_up(self, uow: UnitOfWork, user: User, method: StepUpMethod, code: str, client: Client) -> None:
        """Check a fresh second factor (throttled like sign-in codes); raise :class:`WrongMfaCode` if it fails."""
        now = self.clock()
        if method == "email":
            await self._check_challenge(uow, user.id, STEP_UP, code, client, now)
            return
        await self.throttle.check(uow, "mfa", user.username_key, user.id, client, now)
        accepted = (
            await accept_totp(uow.session, self.totp_keys, user.id, code, now)
            if method == "totp"
            else await use_recovery_code(uow.session, user.id, code, now)
        )
        if not accepted:
            await self.throttle.failed(uow, "mfa", user.username_key, client, now)
            raise after_commit(WrongMfaCode())

    async def _check_challenge(
        self, uow: UnitOfWork, user_id: str, purpose: str, code: str, client: Client, now: datetime
    ) -> MfaChallenge:
        user = await user_of(uow.session, user_id)
        await self.throttle.check(uow, "mfa", user.username_key, user_id, client, now)
        challenge = (
            await uow.session.execute(
                select(MfaChallenge)
                .where(MfaChallenge.user_id == user_id, MfaChallenge.purpose == purpose)
                .where(MfaChallenge.used_at.is_(None), MfaChallenge.voided_at.is_(None))
                .order_by(MfaChallenge.id.desc())
                .limit(1)
                .with_for_update()
            )
        ).scalar_one_or_none()
        code = code.strip()
        if challenge is None or challenge.expires_at <= now or not code_matches(code, challenge.salt, challenge.digest):
            await self.throttle.failed(uow, "mfa", user.username_key, client, now)
            if challenge is not None:
                challenge.failed_attempts += 1
                if challenge.failed_attempts >= self.settings.mfa_max_attempts:
                    challenge.voided_at = now
            raise after_commit(WrongMfaCode())
        challenge.used_at = now
        return challenge

    async def _send_challenge(self, uow: UnitOfWork, user_id: str, purpose: str, address: str) -> ChallengeRead:
        now = self.clock()
        sent_lately = (
            await uow.session.execute(
                select(func.count())
                .select_from(MfaChallenge)
                .where(MfaChallenge.user_id == user_id, MfaChallenge.issued_at > now - CHALLENGE_PERIOD)
            )
        ).scalar_one()
        if sent_lately >= MAX_CHALLENGES_PER_PERIOD:  # no mail bombing of one's own or anyone else's address
            raise ChallengeLimit(int(CHALLENGE_PERIOD.total_seconds()))
        code, salt = new_code(), new_salt()
        await self.mailer.send(
            one_time_code_message(
                code=code,
                to=address,
                sender=self.settings.mail_from,
                validity_s=self.settings.mfa_code_ttl_s,
                language=await language_of(uow.session, user_id),
                clock=self.clock,
            )
        )
        await uow.session.execute(
            update(MfaChallenge)
            .where(MfaChallenge.user_id == user_id, MfaChallenge.purpose == purpose, MfaChallenge.voided_at.is_(None))
            .values(voided_at=now)
            .execution_options(synchronize_session=False)
        )
        expires_at = now + timedelta(seconds=self.settings.mfa_code_ttl_s)
        uow.session.add(
            MfaChallenge(
                user_id=user_id,
                purpose=purpose,
                address=address,
                digest=code_digest(code, salt),
                salt=salt,
                issued_at=now,
                expires_at=expires_at,
                failed_attempts=0,
            )
        )
        uow.publish(MfaCodeIssued(user_id=user_id, method="email", at=now))
        return ChallengeRead(code_sent_to=mask_email(address), code_expires_at=expires_at)

    async def _void_recovery_codes(self, uow: UnitOfWork, user_id: str) -> None:
        await uow.session.execute(
            delete(RecoveryCode).where(RecoveryCode.user_id == user_id).execution_options(synchronize_session=False)
        )
