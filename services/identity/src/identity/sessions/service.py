"""Signing in (seed 000 §1.6-1.7): password, then an e-mailed one-time code (enrolling the address the first
time), then the terms of use, then tokens. Each step is allowed only when the session expects it.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update

from identity.clock import Clock
from identity.config import Settings
from identity.errors import InvalidRequest, after_commit
from identity.factors.errors import MfaMethodNotEnrolled
from identity.factors.passkeys import PasskeyCeremonies
from identity.factors.schemas import MethodType
from identity.factors.sealing import totp_key_ring
from identity.factors.service import accept_totp, available_methods, use_recovery_code
from identity.lifecycle.errors import AccountDeactivated, CredentialRevoked
from identity.mail.addresses import email_errors, mask_email
from identity.mail.messages import one_time_code_message
from identity.mail.recipients import language_of
from identity.mail.service import Mailer
from identity.profile.models import Profile
from identity.sessions.codes import CODE_PATTERN, code_digest, code_matches, new_code, new_salt
from identity.sessions.errors import (
    InvalidCredentials,
    InvalidMfaCode,
    MfaCodeExpired,
    MfaCodeLimit,
    MfaConsentRefused,
    SessionEnded,
    SessionExpired,
    SessionLocked,
    SessionNotFound,
    TermsRefused,
    WrongStep,
)
from identity.sessions.models import LoginSession, OneTimeCode
from identity.sessions.schemas import SessionRead, SessionTokens
from identity.throttle.service import Client, Throttle
from identity.tokens.service import TokenIssuer
from identity.users.hashing import SecretHasher
from identity.users.models import MfaMethod, User
from identity.users.rules import normalise_password
from identity.users.service import username_key
from portal_contracts.events.identity import MfaCodeIssued, MfaSessionLocked
from portal_runtime.messaging import UnitOfWork
from portal_runtime.problems import FieldError

MFA_EMAIL = "email"


class Step(StrEnum):
    MFA_ENROLMENT = "mfa_enrolment"
    MFA = "mfa"
    TERMS = "terms"
    DONE = "done"
    CANCELLED = "cancelled"
    LOCKED = "locked"


def may_enrol_email(login: LoginSession) -> bool:
    """An address can be (re)enrolled before any is verified, or after this session proved the current one.

    Never in between: knowing the password alone must not be enough to redirect the codes.
    """
    return login.step in (Step.MFA_ENROLMENT, Step.TERMS) or (login.step == Step.MFA and login.enrolling)


def check_open(login: LoginSession | None, now: datetime) -> LoginSession:
    if login is None:
        raise SessionNotFound(
            "There is no login session with this id.", fr="Aucune session de connexion n'a cet identifiant."
        )
    if login.step == Step.LOCKED:
        raise SessionLocked()
    if login.step in (Step.DONE, Step.CANCELLED):
        raise SessionEnded()
    if login.expires_at <= now:
        raise SessionExpired()
    return login


def expect(login: LoginSession, step: Step) -> None:
    if login.step != step:
        raise WrongStep(login.step)


def code_format_errors(code: str) -> list[FieldError]:
    if CODE_PATTERN.match(code):
        return []
    return [
        FieldError(
            field="code",
            code="mfa_code_format",
            message="The code is exactly six digits.",
            fr="Le code compte exactement six chiffres.",
        )
    ]


@dataclass(frozen=True)
class LoginFlow:
    settings: Settings
    clock: Clock
    hasher: SecretHasher
    mailer: Mailer
    tokens: TokenIssuer
    throttle: Throttle

    async def start(self, uow: UnitOfWork, username: str, password: str, client: Client) -> SessionRead:
        now = self.clock()
        account = username_key(username)
        user = (await uow.session.execute(select(User).where(User.username_key == account))).scalar_one_or_none()
        await self.throttle.check(uow, "password", account, user.id if user else None, client, now)
        password = normalise_password(password)
        if user is None:
            await self.hasher.verify_nobody(password)
        if user is None or not await self.hasher.verify(user.password_hash, password):
            await self.throttle.failed(uow, "password", account, client, now)
            raise after_commit(InvalidCredentials())
        # Only someone who knows the password learns that the credential is revoked or the account deactivated.
        if user.revoked_at is not None:
            raise CredentialRevoked()
        if user.deactivated_at is not None:
            raise AccountDeactivated()
        state = await self.open_for(uow, user, now)
        if self.hasher.needs_rehash(user.password_hash):
            user.password_hash = await self.hasher.hash(password)
        return state

    async def open_for(self, uow: UnitOfWork, user: User, now: datetime, session_id: str | None = None) -> SessionRead:
        """The login session of a user whose first factor was accepted (a password, or a sign-in partner's
        ID token): MFA (enrolment the first time), then the terms."""
        login = LoginSession(
            id=session_id or secrets.token_urlsafe(32),
            user_id=user.id,
            step=Step.MFA_ENROLMENT,
            created_at=now,
            expires_at=now + timedelta(seconds=self.settings.login_session_ttl_s),
            failed_attempts=0,
            codes_sent=0,
            enrolling=False,
        )
        method = await self._mfa_email(uow, user.id)
        methods = await available_methods(uow.session, user.id)
        uow.session.add(login)
        code = None
        if methods:
            login.step = Step.MFA
            login.code_address = method.email if method is not None else None
        if login.code_address and not {"totp", "webauthn"} & set(methods):
            # A fresh code on every login (seed 000 §1.7), to the enrolled address. A user with an authenticator
            # app or a passkey chooses: that, or an e-mailed code on request (POST .../mfa/resend).
            code = await self._send_code(uow, login, now)
        return self._state(login, code, methods)

    async def enrol_email(
        self, uow: UnitOfWork, session_id: str, email: str, confirmation: str, consent: bool
    ) -> SessionRead:
        now = self.clock()
        login = await self._open(uow, session_id, now)
        if not may_enrol_email(login):
            raise WrongStep(login.step)
        if not consent:
            raise MfaConsentRefused()
        errors = email_errors(email, confirmation)
        if errors:
            raise InvalidRequest(errors)
        self._check_code_limit(login)
        login.code_address, login.enrolling, login.step = email.strip(), True, Step.MFA
        code = await self._send_code(uow, login, now)
        return self._state(login, code)

    async def resend(self, uow: UnitOfWork, session_id: str) -> SessionRead:
        now = self.clock()
        login = await self._open(uow, session_id, now)
        expect(login, Step.MFA)
        if not login.code_address:
            raise MfaMethodNotEnrolled("email")
        self._check_code_limit(login)
        code = await self._send_code(uow, login, now)
        return self._state(login, code)

    async def passkey_options(self, uow: UnitOfWork, session_id: str) -> dict[str, Any]:
        now = self.clock()
        login = await self._open(uow, session_id, now)
        expect(login, Step.MFA)
        if login.enrolling or "webauthn" not in await available_methods(uow.session, login.user_id):
            raise MfaMethodNotEnrolled("webauthn")
        return await PasskeyCeremonies(self.settings).authentication_options(uow.session, login.user_id, login.id, now)

    async def verify(
        self,
        uow: UnitOfWork,
        session_id: str,
        code: str,
        client: Client,
        method: MethodType = "email",
        credential: dict[str, Any] | None = None,
    ) -> SessionRead:
        now = self.clock()
        login = await self._open(uow, session_id, now)
        expect(login, Step.MFA)
        user = await uow.session.get_one(User, login.user_id)
        latest = None
        if method == "email":
            if not login.code_address:
                raise MfaMethodNotEnrolled("email")
            errors = code_format_errors(code)
            if errors:
                raise InvalidRequest(errors)
            await self.throttle.check(uow, "mfa", user.username_key, user.id, client, now)
            latest = await self._latest_code(uow, login.id)
            if latest is None or latest.expires_at <= now:
                raise MfaCodeExpired()
            accepted = code_matches(code, latest.salt, latest.digest)
        else:
            if login.enrolling or method not in await available_methods(uow.session, user.id):
                raise MfaMethodNotEnrolled(method)
            await self.throttle.check(uow, "mfa", user.username_key, user.id, client, now)
            if method == "webauthn":
                accepted = await PasskeyCeremonies(self.settings).accept_assertion(
                    uow.session, user.id, login.id, credential or {}, now
                )
            elif method == "totp":
                accepted = await accept_totp(uow.session, totp_key_ring(self.settings), user.id, code, now)
            else:
                accepted = await use_recovery_code(uow.session, user.id, code, now)
        if not accepted:
            await self.throttle.failed(uow, "mfa", user.username_key, client, now)
            login.failed_attempts += 1
            remaining = self.settings.mfa_max_attempts - login.failed_attempts
            if remaining > 0:
                raise after_commit(InvalidMfaCode(attempts_remaining=remaining))
            login.step, login.locked_at = Step.LOCKED, now
            if latest is not None:
                latest.voided_at = now
            uow.publish(
                MfaSessionLocked(
                    user_id=login.user_id,
                    session_id=login.id,
                    failed_attempts=login.failed_attempts,
                    locked_at=now,
                    mfa_email=login.code_address,
                )
            )
            raise after_commit(SessionLocked())

        if latest is not None:
            latest.used_at = now
        await self.throttle.succeeded(uow, user.username_key, user.id, client, now)
        login.failed_attempts, login.mfa_verified_at, login.step = 0, now, Step.TERMS
        if login.enrolling and login.code_address:
            await self._enrol(uow, login.user_id, login.code_address, now)
            login.enrolling = False
        return self._state(login, None)

    async def decide_terms(self, uow: UnitOfWork, session_id: str, accepted: bool) -> SessionTokens:
        now = self.clock()
        login = await self._open(uow, session_id, now)
        expect(login, Step.TERMS)
        login.ended_at = now
        if not accepted:
            login.step = Step.CANCELLED
            raise after_commit(TermsRefused())
        user = await uow.session.get_one(User, login.user_id)
        # Revoked or deactivated while this login was under way: no tokens.
        if user.revoked_at is not None:
            login.step = Step.CANCELLED
            raise after_commit(CredentialRevoked())
        if user.deactivated_at is not None:
            login.step = Step.CANCELLED
            raise after_commit(AccountDeactivated())
        login.step, login.terms_accepted_at = Step.DONE, now
        user.previous_login_at, user.last_login_at = user.last_login_at, now
        user.inactivity_warned_at = None
        has_profile = await uow.session.get(Profile, login.user_id) is not None
        tokens = self.tokens.issue_for_login(uow, login.user_id, login.id)
        return SessionTokens(**tokens.model_dump(), next="done" if has_profile else "profile")

    async def _open(self, uow: UnitOfWork, session_id: str, now: datetime) -> LoginSession:
        # Locked for the step, so parallel guesses cannot outrun the attempt counter.
        return check_open(await uow.session.get(LoginSession, session_id, with_for_update=True), now)

    def _check_code_limit(self, login: LoginSession) -> None:
        if login.codes_sent >= 1 + self.settings.mfa_max_resends:
            raise MfaCodeLimit()

    async def _send_code(self, uow: UnitOfWork, login: LoginSession, now: datetime) -> OneTimeCode:
        """E-mail a new code, then void the older ones. The e-mail goes out before anything is written, so when
        SMTP fails no code exists and the transaction holds no write lock while waiting for the mail server."""
        assert login.code_address is not None
        code, salt = new_code(), new_salt()
        language = await language_of(uow.session, login.user_id)
        await self.mailer.send(
            one_time_code_message(
                code=code,
                to=login.code_address,
                sender=self.settings.mail_from,
                validity_s=self.settings.mfa_code_ttl_s,
                language=language,
                clock=self.clock,
            )
        )
        await uow.session.flush()  # the session's row before its code's
        await uow.session.execute(
            update(OneTimeCode)
            .where(OneTimeCode.session_id == login.id, OneTimeCode.voided_at.is_(None))
            .values(voided_at=now)
            .execution_options(synchronize_session=False)
        )
        row = OneTimeCode(
            session_id=login.id,
            digest=code_digest(code, salt),
            salt=salt,
            sent_to=login.code_address,
            issued_at=now,
            expires_at=now + timedelta(seconds=self.settings.mfa_code_ttl_s),
        )
        uow.session.add(row)
        login.codes_sent += 1
        uow.publish(MfaCodeIssued(user_id=login.user_id, method="email", at=now))
        return row

    async def _latest_code(self, uow: UnitOfWork, session_id: str) -> OneTimeCode | None:
        """Only the most recent code counts (seed 000: "utilisez toujours le code le plus récent")."""
        return (
            await uow.session.execute(
                select(OneTimeCode)
                .where(OneTimeCode.session_id == session_id, OneTimeCode.voided_at.is_(None))
                .where(OneTimeCode.used_at.is_(None))
                .order_by(OneTimeCode.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()

    async def _mfa_email(self, uow: UnitOfWork, user_id: str) -> MfaMethod | None:
        return (
            await uow.session.execute(
                select(MfaMethod).where(MfaMethod.user_id == user_id, MfaMethod.type == MFA_EMAIL)
            )
        ).scalar_one_or_none()

    async def _enrol(self, uow: UnitOfWork, user_id: str, email: str, now: datetime) -> None:
        method = await self._mfa_email(uow, user_id)
        if method is None:
            uow.session.add(
                MfaMethod(id=str(uuid.uuid4()), user_id=user_id, type=MFA_EMAIL, email=email, enrolled_at=now)
            )
        else:
            method.email, method.enrolled_at = email, now

    def _state(
        self, login: LoginSession, code: OneTimeCode | None, methods: list[MethodType] | None = None
    ) -> SessionRead:
        return SessionRead(
            session_id=login.id,
            next=login.step,  # type: ignore[arg-type]  # an open session's step is one of the `next` values
            code_sent_to=mask_email(code.sent_to) if code else None,
            code_expires_at=code.expires_at if code else None,
            expires_at=login.expires_at,
            mfa_methods=methods,
        )
