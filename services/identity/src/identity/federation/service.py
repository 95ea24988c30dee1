"""Signing in through a sign-in partner (seed 000 §1.3): the partner proves who the user is in place of the
password; MFA, the terms and the profile follow as for a password login (identity.sessions).

Only the ID token's `sub` identifies the user (with the partner's issuer); its `email`, when present, is offered
as a hint for MFA enrolment and never stored. Nothing else is asked from, or shared with, the partner.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from identity.clock import Clock
from identity.config import Settings
from identity.errors import IdentityError, InvalidRequest, after_commit
from identity.federation.errors import (
    FederatedStateMismatch,
    PartnerCodeRefused,
    PartnerIdTokenInvalid,
    PartnerLoginCancelled,
    RedirectUriNotAllowed,
)
from identity.federation.models import FederatedIdentity, FederatedLogin
from identity.federation.partners import SignInPartners
from identity.federation.schemas import (
    FederatedCallback,
    FederatedSessionRead,
    FederatedSessionStarted,
    SignInPartnerList,
    SignInPartnerRead,
)
from identity.lifecycle.errors import AccountDeactivated, CredentialRevoked
from identity.sessions.errors import SessionEnded, SessionExpired, SessionNotFound
from identity.sessions.service import LoginFlow
from identity.users.models import User
from portal_contracts.events.identity import UserRegistered
from portal_runtime.messaging import UnitOfWork
from portal_runtime.problems import FieldError

# A user created by a sign-in partner has no password: this is not an argon2 hash, so no password ever matches it.
NO_PASSWORD = "!federated"
# Nor a username anyone could type: usernames are letters and digits only (DOMAIN.md), this one starts with "~".
FEDERATED_USERNAME_PREFIX = "~"


def federated_username() -> str:
    return FEDERATED_USERNAME_PREFIX + secrets.token_hex(15)[:15]


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class FederatedLoginFlow:
    settings: Settings
    clock: Clock
    partners: SignInPartners
    logins: LoginFlow

    def list_partners(self) -> SignInPartnerList:
        return SignInPartnerList(
            partners=[
                SignInPartnerRead(name=name, display_name=partner.display_name or name)
                for name, partner in sorted(self.partners.names().items())
            ]
        )

    async def start(self, uow: UnitOfWork, partner: str, redirect_uri: str) -> FederatedSessionStarted:
        now = self.clock()
        self.partners.get(partner)
        if redirect_uri not in self.settings.federation_redirect_uris:
            raise RedirectUriNotAllowed()
        # A verifier of 64 characters from the unreserved set (RFC 7636 §4.1 asks 43-128).
        login = FederatedLogin(
            id=new_secret(),
            partner=partner,
            redirect_uri=redirect_uri,
            state=new_secret(),
            nonce=new_secret(),
            code_verifier=secrets.token_urlsafe(48),
            created_at=now,
            expires_at=now + timedelta(seconds=self.settings.login_session_ttl_s),
        )
        url = await self.partners.authorization_url(
            partner, redirect_uri, login.state, login.nonce, login.code_verifier
        )
        uow.session.add(login)
        return FederatedSessionStarted(session_id=login.id, authorization_url=url, expires_at=login.expires_at)

    async def callback(self, uow: UnitOfWork, session_id: str, answer: FederatedCallback) -> FederatedSessionRead:
        now = self.clock()
        login = await self._open(uow, session_id, now)
        if answer.error:
            raise self._cancel(login, now, PartnerLoginCancelled(answer.error))
        if not answer.code:
            missing = FieldError(
                field="code",
                code="required",
                message="The partner's code is missing.",
                fr="Le code du partenaire manque.",
            )
            raise InvalidRequest([missing])
        if not hmac.compare_digest((answer.state or "").encode(), login.state.encode()):
            raise self._cancel(login, now, FederatedStateMismatch())
        try:
            tokens = await self.partners.redeem(login.partner, answer.code, login.redirect_uri, login.code_verifier)
            id_token = tokens.get("id_token")
            if not isinstance(id_token, str):
                raise PartnerIdTokenInvalid(
                    "the partner sent no ID token", "le partenaire n'a envoyé aucun jeton d'identité"
                )
            claims = await self.partners.verify_id_token(login.partner, id_token, login.nonce, now)
        except (PartnerCodeRefused, PartnerIdTokenInvalid) as error:
            raise self._cancel(login, now, error) from None
        partner = self.partners.get(login.partner)
        user = await self._linked_user(uow, login.partner, partner.issuer, str(claims["sub"]), now)
        # As for a password login: a revoked credential or a deactivated account signs in no more.
        if user.revoked_at is not None:
            raise self._cancel(login, now, CredentialRevoked())
        if user.deactivated_at is not None:
            raise self._cancel(login, now, AccountDeactivated())
        login.ended_at, login.outcome = now, "accepted"
        state = await self.logins.open_for(uow, user, now, session_id=login.id)
        email = claims.get("email")
        hint = email if state.next == "mfa_enrolment" and isinstance(email, str) else None
        return FederatedSessionRead(**state.model_dump(), email_hint=hint)

    async def _open(self, uow: UnitOfWork, session_id: str, now: datetime) -> FederatedLogin:
        login = await uow.session.get(FederatedLogin, session_id, with_for_update=True)
        if login is None:
            raise SessionNotFound(
                "There is no federated login waiting with this id.",
                fr="Aucune connexion fédérée n'attend avec cet identifiant.",
            )
        if login.ended_at is not None:
            raise SessionEnded()
        if login.expires_at <= now:
            raise SessionExpired()
        return login

    def _cancel(self, login: FederatedLogin, now: datetime, error: IdentityError) -> IdentityError:
        login.ended_at, login.outcome = now, "cancelled"
        return after_commit(error)

    async def _linked_user(self, uow: UnitOfWork, partner: str, issuer: str, subject: str, now: datetime) -> User:
        """The one user the partner's account is linked to; created, without a password, on its first login."""
        link = await self._link(uow, issuer, subject)
        if link is None:
            user = User(
                id=str(uuid.uuid4()),
                username=(username := federated_username()),
                username_key=username,
                password_hash=NO_PASSWORD,
                password_policy=self.settings.password_policy,
                created_at=now,
            )
            try:
                async with uow.session.begin_nested():
                    uow.session.add(user)
                    await uow.session.flush()
                    uow.session.add(
                        FederatedIdentity(
                            id=str(uuid.uuid4()),
                            user_id=user.id,
                            partner=partner,
                            issuer=issuer,
                            subject=subject,
                            linked_at=now,
                            last_used_at=now,
                        )
                    )
                    await uow.session.flush()
            except IntegrityError:  # the same partner account's first login, twice at once: the other one won
                link = await self._link(uow, issuer, subject)
                assert link is not None
            else:
                uow.publish(UserRegistered(user_id=user.id, username=user.username))
                return user
        link.last_used_at = now
        return await uow.session.get_one(User, link.user_id)

    async def _link(self, uow: UnitOfWork, issuer: str, subject: str) -> FederatedIdentity | None:
        return (
            await uow.session.execute(
                select(FederatedIdentity).where(
                    FederatedIdentity.issuer == issuer, FederatedIdentity.subject == subject
                )
            )
        ).scalar_one_or_none()
