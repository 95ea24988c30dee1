"""Password and recovery changes, revocation, and the inactivity sweep."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update

from identity.clock import Clock
from identity.config import Settings
from identity.errors import IdentityError, InvalidRequest, MailUnavailable, after_commit
from identity.factors.models import MfaChallenge, WebauthnChallenge
from identity.factors.service import Factors, mfa_email_of
from identity.lifecycle.errors import AccountActive, CredentialRevoked, ReactivationRefused, WrongPassword
from identity.lifecycle.schemas import PasswordChange, Reactivation, RecoveryChange, SweepReport
from identity.mail.messages import credential_changed_message, inactivity_warning_message
from identity.mail.recipients import language_of
from identity.mail.service import Mailer
from identity.throttle.models import KnownDevice
from identity.throttle.service import Client, Throttle
from identity.tokens.models import RefreshToken
from identity.tokens.revocation import user_revoked
from identity.tokens.service import refresh_token_digest
from identity.users import rules
from identity.users.hashing import SecretHasher
from identity.users.models import RecoveryAnswers, User
from identity.users.service import (
    recovery_answers,
    recovery_answers_match,
    recovery_errors,
    user_of,
    username_key,
)
from portal_contracts.events.identity import AccountDeactivated
from portal_contracts.events.identity import CredentialRevoked as CredentialRevokedEvent
from portal_runtime.messaging import UnitOfWork
from portal_runtime.problems import FieldError
from portal_runtime.service import ServiceRuntime

log = logging.getLogger(__name__)


async def revoke_refresh_tokens(uow: UnitOfWork, user_id: str, now: datetime, keep_family: str | None = None) -> None:
    """Sign the user out everywhere (but the ``keep_family`` login): their refresh tokens stop working."""
    statement = update(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
    if keep_family is not None:
        statement = statement.where(RefreshToken.family_id != keep_family)
    await uow.session.execute(statement.values(revoked_at=now).execution_options(synchronize_session=False))


@dataclass(frozen=True)
class Lifecycle:
    settings: Settings
    clock: Clock
    hasher: SecretHasher
    mailer: Mailer
    factors: Factors
    throttle: Throttle

    async def change_password(self, uow: UnitOfWork, user_id: str, change: PasswordChange, client: Client) -> None:
        now = self.clock()
        user = await user_of(uow.session, user_id, for_update=True)
        errors = rules.password_errors(
            change.new_password,
            change.new_password_confirmation,
            user.username,
            self.settings.password_policy,
            field="new_password",
        )
        if rules.normalise_password(change.new_password) == rules.normalise_password(change.current_password):
            errors.append(
                FieldError(
                    field="new_password",
                    code="password_unchanged",
                    message="Choose a different password.",
                    fr="Choisissez un mot de passe différent.",
                )
            )
        if errors:
            raise InvalidRequest(errors)
        await self._check_password(uow, user, change.current_password, client, now)
        await self.factors.step_up(uow, user, change.mfa.method, change.mfa.code, client)
        user.password_hash = await self.hasher.hash(rules.normalise_password(change.new_password))
        user.password_policy = self.settings.password_policy
        kept = await self._login_of(uow, user.id, change.current_refresh_token)
        await revoke_refresh_tokens(uow, user.id, now, kept[0] if kept else None)
        user_revoked(
            uow, user.id, "password_changed", now, self._token_ttl_s, except_session_id=kept[1] if kept else None
        )
        await self._tell(uow, user.id, "Your password", "Votre mot de passe")

    async def change_recovery(self, uow: UnitOfWork, user_id: str, change: RecoveryChange, client: Client) -> None:
        now = self.clock()
        user = await user_of(uow.session, user_id, for_update=True)
        errors = recovery_errors(change.recovery, now.date())
        if errors:
            raise InvalidRequest(errors)
        await self._check_password(uow, user, change.password, client, now)
        answers = await recovery_answers(self.hasher, change.recovery, now)
        answers.user_id = user.id
        await uow.session.merge(answers)
        await self._tell(
            uow, user.id, "Your recovery question and answers", "Votre question et vos réponses de récupération"
        )

    async def revoke(self, uow: UnitOfWork, user_id: str) -> None:
        """The user revokes their credential: no more sign-ins, every login signed out."""
        now = self.clock()
        user = await user_of(uow.session, user_id, for_update=True)
        if user.revoked_at is not None:
            return
        user.revoked_at = now
        await revoke_refresh_tokens(uow, user.id, now)
        uow.publish(CredentialRevokedEvent(user_id=user.id, revoked_at=now))
        user_revoked(uow, user.id, "credential_revoked", now, self._token_ttl_s)

    @property
    def _token_ttl_s(self) -> int:
        """The longest an access token of a user lives (their own, or an application's acting for them)."""
        return self.settings.access_token_ttl_s

    async def reactivate(self, uow: UnitOfWork, request: Reactivation, client: Client) -> datetime:
        """Username, password and all three recovery answers bring a deactivated account back."""
        now = self.clock()
        account = username_key(request.username)
        user = (
            await uow.session.execute(select(User).where(User.username_key == account).with_for_update())
        ).scalar_one_or_none()
        await self.throttle.check(uow, "password", account, user.id if user else None, client, now)
        password = rules.normalise_password(request.password)
        stored = await uow.session.get(RecoveryAnswers, user.id) if user else None
        if user is None or stored is None:
            await self.hasher.verify_nobody(password)
            matches = False
        else:
            password_ok, answers_ok = await asyncio.gather(
                self.hasher.verify(user.password_hash, password),
                recovery_answers_match(
                    self.hasher, stored, request.answer, request.memorable_person, request.memorable_date
                ),
            )
            matches = password_ok and answers_ok
        if user is None or not matches:
            await self.throttle.failed(uow, "password", account, client, now)
            raise after_commit(ReactivationRefused())
        if user.revoked_at is not None:
            raise CredentialRevoked()
        if user.deactivated_at is None:
            raise AccountActive()
        user.deactivated_at, user.inactivity_warned_at, user.reactivated_at = None, None, now
        return now

    async def _tell(self, uow: UnitOfWork, user_id: str, change_en: str, change_fr: str) -> None:
        """Notify the MFA e-mail of a change; a mail failure is logged, it never undoes the change."""
        address = await mfa_email_of(uow.session, user_id)
        if not address:
            return
        message = credential_changed_message(
            to=address,
            change_en=change_en,
            change_fr=change_fr,
            sender=self.settings.mail_from,
            language=await language_of(uow.session, user_id),
            clock=self.clock,
        )
        try:
            await self.mailer.send(message)
        except MailUnavailable:
            log.warning("change notice to user %s not sent", user_id)

    async def _check_password(self, uow: UnitOfWork, user: User, password: str, client: Client, now: datetime) -> None:
        await self.throttle.check(uow, "password", user.username_key, user.id, client, now)
        if not await self.hasher.verify(user.password_hash, rules.normalise_password(password)):
            await self.throttle.failed(uow, "password", user.username_key, client, now)
            raise after_commit(WrongPassword())

    async def _login_of(self, uow: UnitOfWork, user_id: str, refresh_token: str | None) -> tuple[str, str] | None:
        """The refresh family and login (``sid``) of the user's current refresh token."""
        if not refresh_token:
            return None
        row = (
            await uow.session.execute(
                select(RefreshToken.family_id, RefreshToken.session_id).where(
                    RefreshToken.token_hash == refresh_token_digest(refresh_token), RefreshToken.user_id == user_id
                )
            )
        ).first()
        return (row.family_id, row.session_id) if row is not None else None


def last_seen(user: User) -> datetime:
    """The last sign-in, or the creation or reactivation of the account when later."""
    return max(t for t in (user.last_login_at, user.created_at, user.reactivated_at) if t is not None)


async def sweep_inactive_accounts(
    runtime: ServiceRuntime, mailer: Mailer, clock: Clock, settings: Settings
) -> SweepReport:
    """Warn (once) the accounts unused for ``inactivity_warning_days``; deactivate those unused for
    ``inactivity_deactivation_days``. One transaction per account: a mail failure only postpones that warning."""
    now = clock()
    warn_before = now - timedelta(days=settings.inactivity_warning_days)
    deactivate_before = now - timedelta(days=settings.inactivity_deactivation_days)
    async with runtime.sessions() as session:
        candidates = (
            (
                await session.execute(
                    select(User.id).where(
                        User.revoked_at.is_(None),
                        User.deactivated_at.is_(None),
                        func.coalesce(User.last_login_at, User.created_at) <= warn_before,
                        or_(User.reactivated_at.is_(None), User.reactivated_at <= warn_before),
                    )
                )
            )
            .scalars()
            .all()
        )
    async with runtime.uow() as uow:
        # Housekeeping: devices unseen for as long as an account may stay inactive, and spent challenges.
        for statement in (
            delete(KnownDevice).where(KnownDevice.last_seen_at <= deactivate_before),
            delete(MfaChallenge).where(MfaChallenge.expires_at <= now - timedelta(days=1)),
            delete(WebauthnChallenge).where(WebauthnChallenge.expires_at <= now - timedelta(days=1)),
        ):
            await uow.session.execute(statement.execution_options(synchronize_session=False))
    report = SweepReport()
    for user_id in candidates:
        try:
            async with runtime.uow() as uow:
                user = await uow.session.get(User, user_id, with_for_update=True)
                if user is None or user.revoked_at is not None or user.deactivated_at is not None:
                    continue  # changed since the candidates were read (another replica, a sign-in)
                if last_seen(user) <= deactivate_before:
                    user.deactivated_at = now
                    await revoke_refresh_tokens(uow, user.id, now)
                    uow.publish(AccountDeactivated(user_id=user.id, deactivated_at=now))
                    user_revoked(uow, user.id, "account_deactivated", now, settings.access_token_ttl_s)
                    report.deactivated.append(user.id)
                elif last_seen(user) <= warn_before and user.inactivity_warned_at is None:
                    await _warn(
                        uow,
                        mailer,
                        clock,
                        settings,
                        user,
                        deactivate_at=last_seen(user) + timedelta(days=settings.inactivity_deactivation_days),
                    )
                    user.inactivity_warned_at = now
                    report.warned.append(user.id)
        except IdentityError as exc:
            log.warning("inactivity sweep skipped user %s: %s", user_id, exc)
    return report


async def _warn(
    uow: UnitOfWork, mailer: Mailer, clock: Clock, settings: Settings, user: User, deactivate_at: datetime
) -> None:
    address = await mfa_email_of(uow.session, user.id)
    if not address:
        return  # nobody to tell; the account is still deactivated on time
    days_left = max(1, (deactivate_at - clock()).days)
    await mailer.send(
        inactivity_warning_message(
            to=address,
            days_left=days_left,
            sender=settings.mail_from,
            language=await language_of(uow.session, user.id),
            clock=clock,
        )
    )


INACTIVITY_SWEEP = "inactivity-sweep"


async def _sweep_once(runtime: ServiceRuntime) -> None:
    """One sweep, reading the app's clock and mailer each time (tests replace them)."""
    settings = runtime.settings
    assert isinstance(settings, Settings)
    await sweep_inactive_accounts(runtime, runtime.app_state.mailer, runtime.app_state.clock, settings)


async def start_inactivity_sweeps(runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    assert isinstance(settings, Settings)
    if settings.inactivity_sweep_interval_s > 0:
        runtime.run_every(INACTIVITY_SWEEP, settings.inactivity_sweep_interval_s, lambda: _sweep_once(runtime))
