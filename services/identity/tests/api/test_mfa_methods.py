"""Listing and removing MFA methods, recovery codes, and changing the MFA e-mail (re-enrolment)."""

from __future__ import annotations

from sqlalchemy import select

from identity.factors.models import RecoveryCode

from ..factors import enrol_totp, totp_code, verify_with
from ..harness import Identity, problem


async def signed_in(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()


async def new_recovery_codes(identity: Identity) -> list[str]:
    response = await identity.client.post("/v1/me/mfa/recovery-codes", headers=identity.me())
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    codes: list[str] = response.json()["codes"]
    return codes


async def test_ten_recovery_codes_are_shown_once_and_stored_hashed(identity: Identity) -> None:
    await signed_in(identity)

    codes = await new_recovery_codes(identity)

    assert len(codes) == len(set(codes)) == 10
    async with identity.app.state.runtime.sessions() as session:
        rows = (await session.execute(select(RecoveryCode))).scalars().all()
    assert len(rows) == 10
    assert not {r.digest for r in rows} & set(codes)
    listed = (await identity.client.get("/v1/me/mfa", headers=identity.me())).json()["items"]
    assert listed[-1]["type"] == "recovery_code" and listed[-1]["remaining"] == 10
    assert not any(code in str(listed) for code in codes)


async def test_a_recovery_code_signs_in_once(identity: Identity) -> None:
    await signed_in(identity)
    codes = await new_recovery_codes(identity)
    first = await identity.login()
    assert first["mfa_methods"] == ["email", "recovery_code"]

    used = await verify_with(identity, first["session_id"], "recovery_code", codes[0])
    second = (await identity.login())["session_id"]
    reused = await verify_with(identity, second, "recovery_code", codes[0])

    assert used.json()["next"] == "terms"
    problem(reused, 401, "invalid_mfa_code")
    assert (await verify_with(identity, second, "recovery_code", codes[1])).status_code == 200
    listed = (await identity.client.get("/v1/me/mfa", headers=identity.me())).json()["items"]
    assert listed[-1]["remaining"] == 8


async def test_regenerating_voids_the_old_codes(identity: Identity) -> None:
    await signed_in(identity)
    old = await new_recovery_codes(identity)
    new = await new_recovery_codes(identity)
    session_id = (await identity.login())["session_id"]

    problem(await verify_with(identity, session_id, "recovery_code", old[0]), 401, "invalid_mfa_code")
    assert (await verify_with(identity, session_id, "recovery_code", new[0])).status_code == 200


async def test_the_methods_are_listed(identity: Identity) -> None:
    await signed_in(identity)
    await enrol_totp(identity)
    await new_recovery_codes(identity)

    items = (await identity.client.get("/v1/me/mfa", headers=identity.me())).json()["items"]

    assert [(m["type"], m["email"]) for m in items] == [
        ("email", "l***@tcp.ca"),
        ("totp", None),
        ("recovery_code", None),
    ]


async def test_the_last_method_cannot_be_removed(identity: Identity) -> None:
    await signed_in(identity)
    await new_recovery_codes(identity)  # a fallback, not a method on its own

    refused = await identity.client.delete("/v1/me/mfa/email", headers=identity.me())

    problem(refused, 409, "last_mfa_method")
    problem(await identity.client.delete("/v1/me/mfa/totp", headers=identity.me()), 404, "mfa_method_not_found")


async def test_with_an_app_the_e_mail_can_go_and_the_app_then_cannot(identity: Identity) -> None:
    await signed_in(identity)
    secret = await enrol_totp(identity)

    removed = await identity.client.delete("/v1/me/mfa/email", headers=identity.me())

    assert removed.status_code == 204
    problem(await identity.client.delete("/v1/me/mfa/totp", headers=identity.me()), 409, "last_mfa_method")
    started = await identity.login()
    assert started["mfa_methods"] == ["totp"]
    problem(await identity.resend(started["session_id"]), 409, "mfa_method_not_enrolled")
    assert (await verify_with(identity, started["session_id"], "totp", totp_code(identity, secret))).status_code == 200


async def test_removing_recovery_codes_voids_them(identity: Identity) -> None:
    await signed_in(identity)
    codes = await new_recovery_codes(identity)

    assert (await identity.client.delete("/v1/me/mfa/recovery_code", headers=identity.me())).status_code == 204

    session_id = (await identity.login())["session_id"]
    problem(await verify_with(identity, session_id, "recovery_code", codes[0]), 409, "mfa_method_not_enrolled")


async def test_changing_the_mfa_e_mail_needs_a_code_from_the_new_address_and_tells_the_old_one(
    identity: Identity,
) -> None:
    await signed_in(identity)
    body = {"email": "new@tcp.ca", "email_confirmation": "new@tcp.ca", "consent": True}

    requested = await identity.client.post("/v1/me/mfa/email", json=body, headers=identity.me())

    assert requested.status_code == 202
    assert requested.json()["code_sent_to"] == "n***@tcp.ca"
    # Until verified, codes still go to the old address.
    assert (await identity.client.get("/v1/me/mfa", headers=identity.me())).json()["items"][0]["email"] == "l***@tcp.ca"
    wrong = await identity.client.post("/v1/me/mfa/email/confirm", json={"code": "000000"}, headers=identity.me())
    problem(wrong, 401, "invalid_mfa_code")
    code = identity.mailbox.last_code("new@tcp.ca")
    confirmed = await identity.client.post("/v1/me/mfa/email/confirm", json={"code": code}, headers=identity.me())
    assert confirmed.json()["items"][0]["email"] == "n***@tcp.ca"
    notice = identity.mailbox.to("liviu@tcp.ca")[-1]
    assert "n***@tcp.ca" in notice.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "did not make this change" in notice.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    started = await identity.login()
    assert started["code_sent_to"] == "n***@tcp.ca"


async def test_changing_the_mfa_e_mail_needs_consent_and_matching_addresses(identity: Identity) -> None:
    await signed_in(identity)
    no_consent = {"email": "new@tcp.ca", "email_confirmation": "new@tcp.ca", "consent": False}
    mismatch = {"email": "new@tcp.ca", "email_confirmation": "other@tcp.ca", "consent": True}

    problem(
        await identity.client.post("/v1/me/mfa/email", json=no_consent, headers=identity.me()),
        403,
        "mfa_consent_refused",
    )
    problem(
        await identity.client.post("/v1/me/mfa/email", json=mismatch, headers=identity.me()), 422, "validation_failed"
    )


async def test_every_code_sent_is_an_event_without_the_code(identity: Identity) -> None:
    await signed_in(identity)
    user_id = identity.users["Liviu1234"]

    issued = [e for e in await identity.events() if e.type == "identity.mfa.code_issued.v1"]

    assert len(issued) == 1
    assert issued[0].data["user_id"] == user_id and issued[0].data["method"] == "email"
    assert identity.mailbox.last_code("liviu@tcp.ca") not in str(issued[0].data)


async def test_api_clients_have_no_mfa_methods(identity: Identity) -> None:
    client = identity.as_context(subject="client:bc_1", subject_type="client")

    problem(await identity.client.get("/v1/me/mfa", headers=client), 403, "not_a_user")


async def test_at_most_ten_codes_an_hour_go_to_addresses_a_user_names(identity: Identity) -> None:
    await signed_in(identity)
    body = {"email": "new@tcp.ca", "email_confirmation": "new@tcp.ca", "consent": True}
    for _ in range(10):
        assert (await identity.client.post("/v1/me/mfa/email", json=body, headers=identity.me())).status_code == 202

    refused = await identity.client.post("/v1/me/mfa/email", json=body, headers=identity.me())

    problem(refused, 429, "mfa_code_limit")
    assert len(identity.mailbox.to("new@tcp.ca")) == 10
    identity.clock.advance(hours=1)
    assert (await identity.client.post("/v1/me/mfa/challenge", headers=identity.me())).status_code == 202
