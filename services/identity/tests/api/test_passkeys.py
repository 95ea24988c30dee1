"""Passkeys (WebAuthn) as a second factor: enrolment, sign-in with the choice of method, replay and counters."""

from __future__ import annotations

from typing import Any

from ..harness import Identity, problem
from ..passkeys import SoftPasskey

ORIGIN = "http://localhost:8000"


def device() -> SoftPasskey:
    return SoftPasskey(rp_id="localhost", origin=ORIGIN)


async def enrol(identity: Identity, passkey: SoftPasskey, name: str = "Laptop") -> Any:
    options = await identity.client.post("/v1/me/mfa/webauthn/options", headers=identity.me())
    assert options.status_code == 200, options.text
    body = {"name": name, "credential": passkey.create(options.json()["options"])}
    return await identity.client.post("/v1/me/mfa/webauthn", json=body, headers=identity.me())


async def sign_in_options(identity: Identity, session_id: str) -> dict[str, Any]:
    response = await identity.client.post(f"/v1/sessions/{session_id}/mfa/webauthn/options")
    assert response.status_code == 200, response.text
    options: dict[str, Any] = response.json()["options"]
    return options


async def verify_passkey(identity: Identity, session_id: str, assertion: dict[str, Any]) -> Any:
    body = {"method": "webauthn", "credential": assertion}
    return await identity.client.post(f"/v1/sessions/{session_id}/mfa/verify", json=body)


async def with_passkey(identity: Identity) -> SoftPasskey:
    await identity.register()
    await identity.sign_in()
    passkey = device()
    enrolled = await enrol(identity, passkey)
    assert enrolled.status_code == 201, enrolled.text
    return passkey


async def test_an_enrolled_passkey_is_listed_as_a_method(identity: Identity) -> None:
    await with_passkey(identity)

    items = (await identity.client.get("/v1/me/mfa", headers=identity.me())).json()["items"]

    assert [(m["type"], m["passkeys"]) for m in items] == [("email", None), ("webauthn", ["Laptop"])]
    me = (await identity.client.get("/v1/me", headers=identity.me())).json()
    assert [m["type"] for m in me["mfa_methods"]] == ["email", "webauthn"]


async def test_signing_in_with_a_passkey_and_no_code_is_mailed(identity: Identity) -> None:
    passkey = await with_passkey(identity)
    mails = len(identity.mailbox.messages)
    started = await identity.login()
    assert started["mfa_methods"] == ["email", "webauthn"]
    assert len(identity.mailbox.messages) == mails

    options = await sign_in_options(identity, started["session_id"])
    verified = await verify_passkey(identity, started["session_id"], passkey.get(options))

    assert verified.status_code == 200, verified.text
    assert verified.json()["next"] == "terms"


async def test_an_assertion_cannot_be_replayed(identity: Identity) -> None:
    passkey = await with_passkey(identity)
    first = (await identity.login())["session_id"]
    assertion = passkey.get(await sign_in_options(identity, first))
    assert (await verify_passkey(identity, first, assertion)).status_code == 200

    second = (await identity.login())["session_id"]
    await sign_in_options(identity, second)

    problem(await verify_passkey(identity, second, assertion), 401, "invalid_mfa_code")


async def test_another_authenticator_is_refused(identity: Identity) -> None:
    await with_passkey(identity)
    session_id = (await identity.login())["session_id"]

    stranger = device().get(await sign_in_options(identity, session_id))

    problem(await verify_passkey(identity, session_id, stranger), 401, "invalid_mfa_code")


async def test_a_response_to_other_options_is_refused_at_enrolment(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    passkey = device()
    stale = (await identity.client.post("/v1/me/mfa/webauthn/options", headers=identity.me())).json()["options"]
    await identity.client.post("/v1/me/mfa/webauthn/options", headers=identity.me())

    body = {"credential": passkey.create(stale)}
    refused = await identity.client.post("/v1/me/mfa/webauthn", json=body, headers=identity.me())

    problem(refused, 401, "invalid_passkey")


async def test_the_same_authenticator_is_enrolled_once(identity: Identity) -> None:
    passkey = await with_passkey(identity)

    problem(await enrol(identity, passkey), 409, "passkey_already_enrolled")


async def test_passkey_options_need_a_passkey(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    session_id = (await identity.login())["session_id"]

    response = await identity.client.post(f"/v1/sessions/{session_id}/mfa/webauthn/options")

    problem(response, 409, "mfa_method_not_enrolled")


async def test_with_a_passkey_the_e_mail_can_be_removed_but_then_not_the_passkey(identity: Identity) -> None:
    await with_passkey(identity)

    assert (await identity.client.delete("/v1/me/mfa/email", headers=identity.me())).status_code == 204

    problem(await identity.client.delete("/v1/me/mfa/webauthn", headers=identity.me()), 409, "last_mfa_method")
