"""Signing in (seed 000 §1.6-1.7): password, MFA enrolment or code, terms of use, tokens."""

from __future__ import annotations

from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import func, select

from identity.mail.service import SmtpMailer
from identity.sessions.models import LoginSession, OneTimeCode
from identity.users.models import MfaMethod
from portal_contracts.scopes import ALL_SCOPES
from portal_runtime.testing.infra import free_port

from ..harness import PASSWORD, Identity, problem, rule_codes


async def test_a_first_login_enrols_the_mfa_email_then_accepts_the_terms_and_gets_tokens(identity: Identity) -> None:
    user_id = await identity.register()

    started = await identity.login()
    assert started["next"] == "mfa_enrolment"
    assert started["code_sent_to"] is None
    assert identity.mailbox.messages == []  # nothing to send a code to yet

    session_id = started["session_id"]
    enrolled = await identity.enrol(session_id, "tcp@tcp.ca")
    assert enrolled.status_code == 200, enrolled.text
    assert enrolled.json()["next"] == "mfa"
    assert enrolled.json()["code_sent_to"] == "t***@tcp.ca"
    [mail] = identity.mailbox.to("tcp@tcp.ca")
    assert mail["Subject"] == "Your one-time code / Votre code à usage unique"

    verified = await identity.verify(session_id, identity.mailbox.last_code("tcp@tcp.ca"))
    assert verified.status_code == 200, verified.text
    assert verified.json()["next"] == "terms"

    tokens = await identity.terms(session_id)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["next"] == "profile"
    assert tokens.headers["cache-control"] == "no-store"

    jwks = (await identity.client.get("/v1/oauth/jwks")).json()
    claims = jwt.decode(body["access_token"], KeySet.import_key_set(jwks), algorithms=["Ed25519"]).claims
    assert claims["sub"] == user_id
    assert claims["mfa"] is True
    assert claims["sid"] == session_id
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["scope"].split() == sorted(ALL_SCOPES)


async def test_later_logins_email_a_fresh_code_right_away(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in(address="tcp@tcp.ca")

    started = await identity.login()

    assert started["next"] == "mfa"
    assert started["code_sent_to"] == "t***@tcp.ca"
    assert len(identity.mailbox.to("tcp@tcp.ca")) == 2
    verified = await identity.verify(started["session_id"], identity.mailbox.last_code("tcp@tcp.ca"))
    assert verified.json()["next"] == "terms"


async def test_wrong_username_and_wrong_password_get_the_same_answer(identity: Identity) -> None:
    await identity.register()
    dummy_checks: list[str] = []
    hasher = identity.app.state.hasher
    verify_nobody = hasher.verify_nobody

    async def counting(secret: str) -> bool:
        dummy_checks.append(secret)
        return await verify_nobody(secret)

    hasher.verify_nobody = counting

    unknown = await identity.client.post("/v1/sessions", json={"username": "Nobody1234", "password": PASSWORD})
    wrong = await identity.client.post("/v1/sessions", json={"username": "Liviu1234", "password": "Wrong#pass9"})

    first, second = problem(unknown, 401, "invalid_credentials"), problem(wrong, 401, "invalid_credentials")
    del first["request_id"], second["request_id"]
    assert first == second
    # An unknown user costs a full argon2 verification too, so the delay tells nothing.
    assert dummy_checks == [PASSWORD]


async def test_the_username_is_not_case_sensitive_but_the_password_is(identity: Identity) -> None:
    await identity.register("Liviu1234")

    assert (
        await identity.client.post("/v1/sessions", json={"username": "LIVIU1234", "password": PASSWORD})
    ).status_code == 201
    upper = await identity.client.post("/v1/sessions", json={"username": "Liviu1234", "password": PASSWORD.upper()})
    problem(upper, 401, "invalid_credentials")


async def test_without_consent_there_is_no_access(identity: Identity) -> None:
    await identity.register()
    session_id = (await identity.login())["session_id"]

    refused = await identity.client.post(
        f"/v1/sessions/{session_id}/mfa/email",
        json={"email": "tcp@tcp.ca", "email_confirmation": "tcp@tcp.ca", "consent": False},
    )

    body = problem(refused, 403, "mfa_consent_refused")
    assert "no access to the portal" in body["detail"]
    assert identity.mailbox.messages == []
    # The box can still be ticked afterwards.
    assert (await identity.enrol(session_id, "tcp@tcp.ca")).status_code == 200


async def test_consent_must_be_a_real_boolean(identity: Identity) -> None:
    await identity.register()
    session_id = (await identity.login())["session_id"]

    response = await identity.client.post(
        f"/v1/sessions/{session_id}/mfa/email",
        json={"email": "tcp@tcp.ca", "email_confirmation": "tcp@tcp.ca", "consent": "yes"},
    )

    assert problem(response, 422, "validation_failed")["errors"][0]["field"] == "consent"


async def test_the_mfa_email_must_be_valid_and_confirmed(identity: Identity) -> None:
    await identity.register()
    session_id = (await identity.login())["session_id"]
    url = f"/v1/sessions/{session_id}/mfa/email"

    mismatch = await identity.client.post(
        url, json={"email": "tcp@tcp.ca", "email_confirmation": "tcp@tcp.com", "consent": True}
    )
    invalid = await identity.client.post(
        url, json={"email": "tcp@tcp", "email_confirmation": "tcp@tcp", "consent": True}
    )

    assert rule_codes(mismatch) == {("email_confirmation", "email_mismatch")}
    assert rule_codes(invalid) == {("email", "email_format")}
    assert identity.mailbox.messages == []


async def test_the_address_becomes_the_mfa_email_only_once_its_code_is_verified(identity: Identity) -> None:
    user_id = await identity.register()
    session_id = (await identity.login())["session_id"]
    await identity.enrol(session_id, "typo@tcp.ca")
    # A typo can be fixed before verifying: the code goes to the corrected address, the first one is void.
    await identity.enrol(session_id, "tcp@tcp.ca")

    assert await mfa_emails(identity, user_id) == []
    stale = await identity.verify(session_id, identity.mailbox.last_code("typo@tcp.ca"))
    problem(stale, 401, "invalid_mfa_code")
    await identity.verify(session_id, identity.mailbox.last_code("tcp@tcp.ca"))
    assert await mfa_emails(identity, user_id) == ["tcp@tcp.ca"]


async def test_the_mfa_email_is_changed_after_a_verified_code(identity: Identity) -> None:
    user_id = await identity.register()
    await identity.sign_in(address="old@tcp.ca")
    session_id = await identity.until_terms(address="old@tcp.ca")

    changed = await identity.enrol(session_id, "new@tcp.ca")
    assert changed.json()["next"] == "mfa"
    assert await mfa_emails(identity, user_id) == ["old@tcp.ca"]
    verified = await identity.verify(session_id, identity.mailbox.last_code("new@tcp.ca"))
    assert verified.json()["next"] == "terms"
    assert await mfa_emails(identity, user_id) == ["new@tcp.ca"]

    assert (await identity.login())["code_sent_to"] == "n***@tcp.ca"


async def test_the_password_alone_cannot_change_the_mfa_email(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in(address="tcp@tcp.ca")
    session_id = (await identity.login())["session_id"]

    response = await identity.enrol(session_id, "attacker@evil.example")

    assert problem(response, 409, "wrong_step")["next"] == "mfa"
    assert identity.mailbox.to("attacker@evil.example") == []


async def test_refusing_the_terms_cancels_the_login(identity: Identity) -> None:
    await identity.register()
    session_id = await identity.until_terms()

    refused = await identity.terms(session_id, accepted=False)
    again = await identity.terms(session_id, accepted=True)

    problem(refused, 403, "terms_refused")
    problem(again, 410, "session_ended")
    me = await identity.client.get("/v1/me", headers=identity.me())
    assert me.json()["last_login_at"] is None  # a cancelled login is no login


async def test_terms_are_accepted_on_every_login(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    session_id = await identity.until_terms()

    assert (await identity.terms(session_id)).status_code == 200


async def test_steps_out_of_order_name_the_expected_one(identity: Identity) -> None:
    await identity.register()
    session_id = (await identity.login())["session_id"]

    early_code = await identity.verify(session_id, "123456")
    early_resend = await identity.resend(session_id)
    early_terms = await identity.terms(session_id)
    await identity.enrol(session_id, "tcp@tcp.ca")
    terms_before_code = await identity.terms(session_id)

    for response in (early_code, early_resend, early_terms):
        assert problem(response, 409, "wrong_step")["next"] == "mfa_enrolment"
    assert problem(terms_before_code, 409, "wrong_step")["next"] == "mfa"


async def test_finished_unknown_and_expired_sessions(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    done_session = (await identity.login())["session_id"]
    await identity.verify(done_session, identity.mailbox.last_code("liviu@tcp.ca"))
    await identity.terms(done_session)
    stale_session = (await identity.login())["session_id"]

    identity.clock.advance(minutes=30)

    problem(await identity.resend(done_session), 410, "session_ended")
    problem(await identity.resend("no-such-session"), 404, "session_not_found")
    expired = problem(await identity.resend(stale_session), 410, "session_expired")
    assert "POST /v1/sessions" in expired["remediation"]


async def test_mail_server_down_means_no_code_and_no_session(identity: Identity) -> None:
    user_id = await identity.register()
    session_id = (await identity.login())["session_id"]
    working = identity.app.state.mailer
    identity.app.state.mailer = unreachable_mailer(identity)

    enrol = await identity.enrol(session_id, "tcp@tcp.ca")
    body = problem(enrol, 503, "mail_unavailable")
    assert body["component"] == "smtp"
    assert await count(identity, OneTimeCode) == 0
    # Nothing moved: the same step can be retried once mail works again.
    identity.app.state.mailer = working
    assert (await identity.enrol(session_id, "tcp@tcp.ca")).status_code == 200
    await identity.verify(session_id, identity.mailbox.last_code("tcp@tcp.ca"))
    await identity.terms(session_id)

    identity.app.state.mailer = unreachable_mailer(identity)
    sessions_before = await count(identity, LoginSession)
    login = await identity.client.post("/v1/sessions", json={"username": "Liviu1234", "password": PASSWORD})
    problem(login, 503, "mail_unavailable")
    assert await count(identity, LoginSession) == sessions_before
    assert await mfa_emails(identity, user_id) == ["tcp@tcp.ca"]


def unreachable_mailer(identity: Identity) -> SmtpMailer:
    return SmtpMailer(identity.app.state.runtime.settings.model_copy(update={"smtp_port": free_port()}))


async def mfa_emails(identity: Identity, user_id: str) -> list[str | None]:
    async with identity.app.state.runtime.sessions() as session:
        rows = await session.execute(select(MfaMethod.email).where(MfaMethod.user_id == user_id))
        return list(rows.scalars())


async def count(identity: Identity, model: type) -> int:
    async with identity.app.state.runtime.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())
