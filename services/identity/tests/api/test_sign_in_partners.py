"""Signing in through a sign-in partner (seed 000 §1.3), against a real OpenID Connect provider: a second identity
app, with its own database and SMTP server, where the portal is a registered confidential client and the user
signs in with a password and an e-mailed code before consenting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from identity.federation.models import FederatedIdentity, FederatedLogin
from identity.federation.service import NO_PASSWORD
from identity.sessions.models import LoginSession
from identity.users.models import User

from ..conftest import StartIdentity
from ..harness import Identity, problem, profile
from .oauth_support import TOKEN
from .test_authorization_code import AUTHORIZE, SignedIn, query_of, signed_in_user

PARTNER_ISSUER = "http://partner.test"
CALLBACK = "https://portal.example/sign-in/partner/callback"
FEDERATED = "/v1/sessions/federated"
PORTAL_MFA_EMAIL = "liviu@broker.example"


@dataclass
class Federation:
    """The portal, the sign-in partner it trusts, our registration there and a user signed in at the partner."""

    portal: Identity
    partner: Identity
    client_id: str
    client_secret: str
    partner_user: SignedIn

    async def start(self, redirect_uri: str = CALLBACK, partner: str = "bank") -> httpx.Response:
        return await self.portal.client.post(FEDERATED, json={"partner": partner, "redirect_uri": redirect_uri})

    async def partner_answer(self, authorization_url: str, approve: bool = True) -> dict[str, str]:
        """The user consents (or not) at the partner; what the partner puts on our redirect URI."""
        url = urlsplit(authorization_url)
        assert f"{url.scheme}://{url.netloc}{url.path}" == f"{PARTNER_ISSUER}{AUTHORIZE}"
        response = await self.partner.client.post(
            AUTHORIZE,
            params=query_of(authorization_url),
            json=self.partner_user.consent(approve),
            headers=self.partner_user.headers,
        )
        assert response.status_code == 200, response.text
        redirect_to: str = response.json()["redirect_to"]
        assert redirect_to.startswith(CALLBACK + "?")
        return query_of(redirect_to)

    async def callback(self, session_id: str, answer: dict[str, str]) -> httpx.Response:
        return await self.portal.client.post(f"/v1/sessions/{session_id}/federated/callback", json=answer)

    async def until_callback(self) -> tuple[str, dict[str, str]]:
        started = await self.start()
        assert started.status_code == 201, started.text
        body = started.json()
        return body["session_id"], await self.partner_answer(body["authorization_url"])

    async def sign_in(self) -> dict[str, Any]:
        """A whole federated login: partner, then the portal's MFA and terms. Returns the callback's answer."""
        session_id, answer = await self.until_callback()
        response = await self.callback(session_id, answer)
        assert response.status_code == 200, response.text
        state: dict[str, Any] = response.json()
        if state["next"] == "mfa_enrolment":
            assert (await self.portal.enrol(session_id, PORTAL_MFA_EMAIL)).status_code == 200
        verified = await self.portal.verify(session_id, self.portal.mailbox.last_code(PORTAL_MFA_EMAIL))
        assert verified.status_code == 200, verified.text
        terms = await self.portal.terms(session_id)
        assert terms.status_code == 200, terms.text
        return state

    async def scalar(self, statement: Any) -> Any:
        async with self.portal.app.state.runtime.sessions() as session:
            return (await session.execute(statement)).scalar_one()

    async def set_nonce(self, session_id: str, nonce: str) -> None:
        async with self.portal.app.state.runtime.sessions() as session, session.begin():
            (await session.get_one(FederatedLogin, session_id)).nonce = nonce


@pytest.fixture
async def federation(start_identity: StartIdentity, tmp_path: Path) -> AsyncIterator[Federation]:
    partner_db = f"sqlite+aiosqlite:///{tmp_path}/partner.db"
    async with start_identity(database_url=partner_db, issuer=PARTNER_ISSUER) as partner:
        registration = {"name": "CARM Client Portal", "type": "confidential", "redirect_uris": [CALLBACK]}
        registered = await partner.client.post("/internal/oauth-clients", json={**registration, "scopes": ["openid"]})
        assert registered.status_code == 201, registered.text
        client = registered.json()
        partners = {
            "bank": {
                "issuer": PARTNER_ISSUER,
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
                "scopes": ["openid"],
                "display_name": "Banque du Saint-Laurent",
            },
            # Served by the same app, whose discovery names http://partner.test: not the issuer configured here.
            "impostor": {"issuer": "http://impostor.test", "client_id": "carm", "client_secret": "not-used"},
        }
        async with start_identity(
            sign_in_partners=partners,
            federation_redirect_uris=[CALLBACK],
            federation=httpx.ASGITransport(app=partner.app),
        ) as portal:
            partner_user = await signed_in_user(partner)
            yield Federation(portal, partner, client["client_id"], client["client_secret"], partner_user)


async def test_the_configured_sign_in_partners_are_listed(federation: Federation) -> None:
    response = await federation.portal.client.get("/v1/sign-in-partners")

    assert response.status_code == 200, response.text
    assert response.json() == {
        "partners": [
            {"name": "bank", "display_name": "Banque du Saint-Laurent"},
            {"name": "impostor", "display_name": "impostor"},
        ]
    }


async def test_the_partner_is_asked_for_a_code_with_pkce_state_and_nonce(federation: Federation) -> None:
    response = await federation.start()

    assert response.status_code == 201, response.text
    body = response.json()
    query = query_of(body["authorization_url"])
    assert query["client_id"] == federation.client_id
    assert query["redirect_uri"] == CALLBACK
    assert query["response_type"] == "code"
    assert query["scope"] == "openid"
    assert query["code_challenge_method"] == "S256"
    stored = await federation.scalar(select(FederatedLogin).where(FederatedLogin.id == body["session_id"]))
    assert (query["state"], query["nonce"]) == (stored.state, stored.nonce)
    assert stored.code_verifier not in body["authorization_url"]


async def test_first_federated_login_creates_a_user_without_password_linked_to_the_partner_account(
    federation: Federation,
) -> None:
    session_id, answer = await federation.until_callback()

    response = await federation.callback(session_id, answer)

    assert response.status_code == 200, response.text
    assert response.json()["next"] == "mfa_enrolment"
    link = await federation.scalar(select(FederatedIdentity))
    assert (link.partner, link.issuer) == ("bank", PARTNER_ISSUER)
    assert link.subject == federation.partner.users["Liviu1234"]  # the partner's `sub`: its user id
    user = await federation.scalar(select(User).where(User.id == link.user_id))
    assert user.password_hash == NO_PASSWORD
    login = await federation.scalar(select(LoginSession).where(LoginSession.id == session_id))
    assert login.user_id == user.id
    # The same steps as a password login: MFA enrolment, terms, then the profile on the first login.
    assert (await federation.portal.enrol(session_id, PORTAL_MFA_EMAIL)).status_code == 200
    code = federation.portal.mailbox.last_code(PORTAL_MFA_EMAIL)
    assert (await federation.portal.verify(session_id, code)).json()["next"] == "terms"
    tokens = await federation.portal.terms(session_id)
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["next"] == "profile"
    created = await federation.portal.client.put(
        "/v1/me/profile", json=profile(), headers=federation.portal.as_context(subject=user.id, mfa=True)
    )
    assert created.status_code in (200, 201), created.text
    # No password was ever set, so none signs this user in.
    password_login = await federation.portal.client.post(
        "/v1/sessions", json={"username": user.username, "password": NO_PASSWORD}
    )
    problem(password_login, 401, "invalid_credentials")


async def test_a_second_federated_login_finds_the_same_user(federation: Federation) -> None:
    await federation.sign_in()
    first_user = (await federation.scalar(select(FederatedIdentity))).user_id

    session_id, answer = await federation.until_callback()
    response = await federation.callback(session_id, answer)

    assert response.status_code == 200, response.text
    assert response.json()["next"] == "mfa"  # enrolled the first time: a code went to that address
    assert response.json()["code_sent_to"] is not None
    login = await federation.scalar(select(LoginSession).where(LoginSession.id == session_id))
    assert login.user_id == first_user
    assert await federation.scalar(select(func.count()).select_from(FederatedIdentity)) == 1
    assert await federation.scalar(select(func.count()).select_from(User)) == 1


async def test_a_state_that_does_not_match_is_refused_and_cancels_the_login(federation: Federation) -> None:
    session_id, answer = await federation.until_callback()

    refused = await federation.callback(session_id, {**answer, "state": "forged-state"})

    problem(refused, 403, "state_mismatch")
    problem(await federation.callback(session_id, answer), 410, "session_ended")
    assert await federation.scalar(select(func.count()).select_from(User)) == 0


async def test_a_code_already_redeemed_is_refused_by_the_partner(federation: Federation) -> None:
    session_id, answer = await federation.until_callback()
    stored = await federation.scalar(select(FederatedLogin).where(FederatedLogin.id == session_id))
    # Someone redeems the code first (it leaked from the browser with the verifier)...
    first = await federation.partner.client.post(
        TOKEN,
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": CALLBACK,
            "code_verifier": stored.code_verifier,
            "client_id": federation.client_id,
            "client_secret": federation.client_secret,
        },
    )
    assert first.status_code == 200, first.text

    replayed = await federation.callback(session_id, answer)

    assert problem(replayed, 403, "partner_code_refused")["partner_error"] == "invalid_grant"
    assert await federation.scalar(select(func.count()).select_from(User)) == 0


async def test_a_completed_callback_cannot_be_replayed(federation: Federation) -> None:
    session_id, answer = await federation.until_callback()
    assert (await federation.callback(session_id, answer)).status_code == 200

    problem(await federation.callback(session_id, answer), 410, "session_ended")


async def test_an_id_token_with_another_nonce_is_refused(federation: Federation) -> None:
    session_id, answer = await federation.until_callback()
    await federation.set_nonce(session_id, "not-the-nonce-sent-to-the-partner")

    refused = await federation.callback(session_id, answer)

    problem(refused, 403, "partner_id_token_invalid")
    assert await federation.scalar(select(func.count()).select_from(FederatedIdentity)) == 0
    problem(await federation.callback(session_id, answer), 410, "session_ended")


async def test_a_partner_error_cancels_the_login(federation: Federation) -> None:
    started = (await federation.start()).json()
    answer = await federation.partner_answer(started["authorization_url"], approve=False)
    assert answer["error"] == "access_denied"

    refused = await federation.callback(started["session_id"], answer)

    assert problem(refused, 403, "partner_login_cancelled")["partner_error"] == "access_denied"
    problem(await federation.callback(started["session_id"], answer), 410, "session_ended")


async def test_a_redirect_uri_that_is_not_the_portals_is_refused(federation: Federation) -> None:
    problem(await federation.start(redirect_uri="https://attacker.example/callback"), 400, "redirect_uri_not_allowed")
    problem(await federation.start(partner="unknown-bank"), 404, "sign_in_partner_not_found")


async def test_a_revoked_credential_cannot_sign_in_through_a_partner(federation: Federation) -> None:
    await federation.sign_in()
    async with federation.portal.app.state.runtime.sessions() as session, session.begin():
        user = (await session.execute(select(User))).scalar_one()
        user.revoked_at = federation.portal.clock.now

    session_id, answer = await federation.until_callback()

    problem(await federation.callback(session_id, answer), 403, "credential_revoked")
    problem(await federation.callback(session_id, answer), 410, "session_ended")


async def test_a_partner_whose_discovery_names_another_issuer_is_not_used(federation: Federation) -> None:
    problem(await federation.start(partner="impostor"), 503, "partner_unavailable")
    assert await federation.scalar(select(func.count()).select_from(FederatedLogin)) == 0
