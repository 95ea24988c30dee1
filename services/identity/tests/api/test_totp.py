"""Authenticator apps (seed 004 step 1, RFC 6238): enrolment, the choice of method at sign-in, single use."""

from __future__ import annotations

from sqlalchemy import select

from identity.factors.models import TotpFactor

from ..factors import enrol_totp, totp_code, verify_with
from ..harness import Identity, problem


async def signed_in_with_totp(identity: Identity) -> str:
    await identity.register()
    await identity.sign_in()
    return await enrol_totp(identity)


async def test_enrolment_shows_the_secret_once_and_waits_for_a_first_code(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()

    started = await identity.client.post("/v1/me/mfa/totp", headers=identity.me())
    body = started.json()
    assert started.headers["cache-control"] == "no-store"
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    assert f"secret={body['secret']}" in body["otpauth_uri"]
    # Not a method until confirmed.
    methods = (await identity.client.get("/v1/me/mfa", headers=identity.me())).json()["items"]
    assert [m["type"] for m in methods] == ["email"]

    wrong = await identity.client.post("/v1/me/mfa/totp/confirm", json={"code": "000000"}, headers=identity.me())
    problem(wrong, 401, "invalid_mfa_code")
    right = await identity.client.post(
        "/v1/me/mfa/totp/confirm", json={"code": totp_code(identity, body["secret"])}, headers=identity.me()
    )
    assert [m["type"] for m in right.json()["items"]] == ["email", "totp"]


async def test_a_second_app_needs_the_first_removed(identity: Identity) -> None:
    await signed_in_with_totp(identity)

    again = await identity.client.post("/v1/me/mfa/totp", headers=identity.me())

    problem(again, 409, "totp_already_enrolled")


async def test_confirming_without_a_pending_enrolment_is_refused(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()

    response = await identity.client.post("/v1/me/mfa/totp/confirm", json={"code": "123456"}, headers=identity.me())

    problem(response, 409, "totp_not_pending")


async def test_with_several_methods_the_user_chooses_and_no_code_is_mailed(identity: Identity) -> None:
    secret = await signed_in_with_totp(identity)
    mails_before = len(identity.mailbox.messages)

    started = await identity.login()

    assert started["next"] == "mfa"
    assert started["mfa_methods"] == ["email", "totp"]
    assert started["code_sent_to"] is None
    assert len(identity.mailbox.messages) == mails_before
    verified = await verify_with(identity, started["session_id"], "totp", totp_code(identity, secret))
    assert verified.status_code == 200, verified.text
    assert verified.json()["next"] == "terms"


async def test_a_user_with_an_app_can_still_ask_for_an_e_mailed_code(identity: Identity) -> None:
    await signed_in_with_totp(identity)
    session_id = (await identity.login())["session_id"]

    sent = await identity.resend(session_id)

    assert sent.json()["code_sent_to"] == "l***@tcp.ca"
    verified = await identity.verify(session_id, identity.mailbox.last_code("liviu@tcp.ca"))  # no method: e-mail
    assert verified.json()["next"] == "terms"


async def test_an_app_code_works_once_within_its_window(identity: Identity) -> None:
    secret = await signed_in_with_totp(identity)
    code = totp_code(identity, secret)
    first = (await identity.login())["session_id"]
    assert (await verify_with(identity, first, "totp", code)).status_code == 200

    identity.clock.advance(seconds=5)
    second = (await identity.login())["session_id"]
    replayed = await verify_with(identity, second, "totp", code)

    assert problem(replayed, 401, "invalid_mfa_code")["attempts_remaining"] == 4
    identity.clock.advance(seconds=30)
    assert (await verify_with(identity, second, "totp", totp_code(identity, secret))).status_code == 200
    async with identity.app.state.runtime.sessions() as session:
        factor = (await session.execute(select(TotpFactor))).scalar_one()
    assert factor.last_used_step == int(identity.clock.now.timestamp()) // 30


async def test_an_app_code_expires_after_its_step_and_one_of_drift(identity: Identity) -> None:
    secret = await signed_in_with_totp(identity)
    code = totp_code(identity, secret)
    session_id = (await identity.login())["session_id"]

    identity.clock.advance(seconds=60)

    problem(await verify_with(identity, session_id, "totp", code), 401, "invalid_mfa_code")


async def test_a_method_the_user_does_not_have_is_refused(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    session_id = (await identity.login())["session_id"]

    problem(await verify_with(identity, session_id, "totp", "123456"), 409, "mfa_method_not_enrolled")
    problem(await verify_with(identity, session_id, "recovery_code", "12345-67890"), 409, "mfa_method_not_enrolled")


async def test_the_secret_is_not_shown_again(identity: Identity) -> None:
    secret = await signed_in_with_totp(identity)

    listed = await identity.client.get("/v1/me/mfa", headers=identity.me())
    me = await identity.client.get("/v1/me", headers=identity.me())

    assert secret not in listed.text
    assert me.json()["mfa_methods"] == [{"type": "email", "email": "l***@tcp.ca"}, {"type": "totp", "email": None}]
