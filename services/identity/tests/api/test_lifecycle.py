"""Changing the password and the recovery answers, revoking the credential, and 180-day inactivity."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from identity.config import Settings
from identity.factors.models import MfaChallenge
from identity.lifecycle.schemas import SweepReport
from identity.lifecycle.service import INACTIVITY_SWEEP, sweep_inactive_accounts
from identity.throttle.models import KnownDevice
from identity.users.models import User

from ..factors import enrol_totp, totp_code
from ..harness import PASSWORD, Identity, problem

NEW_PASSWORD = "Qz9#riverStone"


def password_change(code: str, method: str = "email", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
        "mfa": {"method": method, "code": code},
    }
    body.update(overrides)
    return body


async def step_up_code(identity: Identity) -> str:
    sent = await identity.client.post("/v1/me/mfa/challenge", headers=identity.me())
    assert sent.status_code == 202, sent.text
    return identity.mailbox.last_code("liviu@tcp.ca")


async def sweep(identity: Identity) -> SweepReport:
    settings = identity.app.state.runtime.settings
    assert isinstance(settings, Settings)
    return await sweep_inactive_accounts(
        identity.app.state.runtime, identity.app.state.mailer, identity.clock, settings
    )


def reactivation(**overrides: str) -> dict[str, str]:
    body = {
        "username": "Liviu1234",
        "password": PASSWORD,
        "answer": "Biscuit",
        "memorable_person": "Aunt Maria",
        "memorable_date": "1987-06-15",
    }
    body.update(overrides)
    return body


async def test_changing_the_password_keeps_this_login_and_signs_out_the_others(identity: Identity) -> None:
    await identity.register()
    this_login = await identity.sign_in()
    other_login = await identity.sign_in()

    changed = await identity.client.post(
        "/v1/me/password",
        json=password_change(await step_up_code(identity), current_refresh_token=this_login["refresh_token"]),
        headers=identity.me(),
    )

    assert changed.status_code == 204, changed.text
    assert (await identity.refresh(this_login["refresh_token"])).status_code == 200
    problem(await identity.refresh(other_login["refresh_token"]), 400, "invalid_grant")
    old = await identity.client.post("/v1/sessions", json={"username": "Liviu1234", "password": PASSWORD})
    problem(old, 401, "invalid_credentials")
    assert (await identity.login(password=NEW_PASSWORD))["next"] == "mfa"
    notice = identity.mailbox.to("liviu@tcp.ca")[-2]  # before the new login's code
    assert notice["Subject"].startswith("Your sign-in details changed")
    assert "Your password for the CARM Client Portal was changed" in notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_without_the_current_token_every_login_is_signed_out(identity: Identity) -> None:
    await identity.register()
    login = await identity.sign_in()

    changed = await identity.client.post(
        "/v1/me/password", json=password_change(await step_up_code(identity)), headers=identity.me()
    )

    assert changed.status_code == 204
    problem(await identity.refresh(login["refresh_token"]), 400, "invalid_grant")


async def test_changing_the_password_needs_the_old_password(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    code = await step_up_code(identity)

    wrong = await identity.client.post(
        "/v1/me/password", json=password_change(code, current_password="Wrong7pass"), headers=identity.me()
    )

    problem(wrong, 401, "wrong_password")
    assert (await identity.login())["next"] == "mfa"  # the password did not change


async def test_changing_the_password_needs_a_fresh_second_factor(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    last_login_code = identity.mailbox.last_code("liviu@tcp.ca")

    no_challenge = await identity.client.post(
        "/v1/me/password", json=password_change(last_login_code), headers=identity.me()
    )
    code = await step_up_code(identity)
    wrong = await identity.client.post(
        "/v1/me/password", json=password_change(f"{(int(code) + 1) % 10**6:06d}"), headers=identity.me()
    )
    right = await identity.client.post("/v1/me/password", json=password_change(code), headers=identity.me())
    reused = await identity.client.post(
        "/v1/me/password",
        json=password_change(
            code, current_password=NEW_PASSWORD, new_password=PASSWORD, new_password_confirmation=PASSWORD
        ),
        headers=identity.me(),
    )

    problem(no_challenge, 401, "invalid_mfa_code")
    problem(wrong, 401, "invalid_mfa_code")
    assert right.status_code == 204
    problem(reused, 401, "invalid_mfa_code")


async def test_an_authenticator_code_can_confirm_a_password_change(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    secret = await enrol_totp(identity)

    changed = await identity.client.post(
        "/v1/me/password", json=password_change(totp_code(identity, secret), method="totp"), headers=identity.me()
    )

    assert changed.status_code == 204


async def test_the_new_password_follows_the_rules(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    code = await step_up_code(identity)

    weak = await identity.client.post(
        "/v1/me/password",
        json=password_change(code, new_password="short", new_password_confirmation="short"),
        headers=identity.me(),
    )
    same = await identity.client.post(
        "/v1/me/password",
        json=password_change(code, new_password=PASSWORD, new_password_confirmation=PASSWORD),
        headers=identity.me(),
    )

    assert ("new_password", "password_length") in {
        (e["field"], e["code"]) for e in problem(weak, 422, "validation_failed")["errors"]
    }
    assert "password_unchanged" in {e["code"] for e in problem(same, 422, "validation_failed")["errors"]}


async def test_recovery_answers_change_with_the_password(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    recovery = {
        "question": "first_pet",
        "answer": "Muffin",
        "memorable_person": "Uncle Ion",
        "memorable_date": "1990-01-02",
    }

    wrong = await identity.client.put(
        "/v1/me/recovery", json={"password": "Wrong7pass", "recovery": recovery}, headers=identity.me()
    )
    invalid = await identity.client.put(
        "/v1/me/recovery", json={"password": PASSWORD, "recovery": {**recovery, "answer": "x"}}, headers=identity.me()
    )
    changed = await identity.client.put(
        "/v1/me/recovery", json={"password": PASSWORD, "recovery": recovery}, headers=identity.me()
    )

    problem(wrong, 401, "wrong_password")
    problem(invalid, 422, "validation_failed")
    assert changed.status_code == 204
    await _deactivate(identity)
    refused = await identity.client.post("/v1/users/reactivation", json=reactivation())
    problem(refused, 401, "reactivation_refused")
    accepted = await identity.client.post(
        "/v1/users/reactivation",
        json=reactivation(answer="muffin", memorable_person="Uncle Ion", memorable_date="1990-01-02"),
    )
    assert accepted.status_code == 200, accepted.text


async def test_a_revoked_credential_cannot_sign_in_and_its_logins_end(identity: Identity) -> None:
    await identity.register()
    login = await identity.sign_in()

    revoked = await identity.client.delete("/v1/me", headers=identity.me())

    assert revoked.status_code == 204
    refused = await identity.client.post("/v1/sessions", json={"username": "Liviu1234", "password": PASSWORD})
    problem(refused, 403, "credential_revoked")
    problem(await identity.refresh(login["refresh_token"]), 400, "invalid_grant")
    events = [e for e in await identity.events() if e.type == "identity.credential.revoked.v1"]
    assert [e.data["user_id"] for e in events] == [identity.users["Liviu1234"]]
    # A wrong password still gets the answer every wrong password gets.
    wrong = await identity.client.post("/v1/sessions", json={"username": "Liviu1234", "password": "Wrong7pass"})
    problem(wrong, 401, "invalid_credentials")


async def _deactivate(identity: Identity) -> None:
    identity.clock.advance(days=180)
    assert (await sweep(identity)).deactivated == [identity.users["Liviu1234"]]


async def test_inactivity_warns_once_at_165_days_then_deactivates_at_180(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    user_id = identity.users["Liviu1234"]
    mails = len(identity.mailbox.messages)

    identity.clock.advance(days=164)
    assert await sweep(identity) == SweepReport()
    identity.clock.advance(days=1)
    assert (await sweep(identity)).warned == [user_id]
    identity.clock.advance(days=1)
    assert await sweep(identity) == SweepReport()  # warned once only

    warnings = identity.mailbox.messages[mails:]
    assert len(warnings) == 1 and warnings[0]["To"] == "liviu@tcp.ca"
    assert "will be deactivated in 15 days" in warnings[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    identity.clock.advance(days=14)
    assert (await sweep(identity)).deactivated == [user_id]
    refused = await identity.client.post("/v1/sessions", json={"username": "Liviu1234", "password": PASSWORD})
    assert "/v1/users/reactivation" in problem(refused, 403, "account_deactivated")["remediation"]
    assert "identity.account.deactivated.v1" in [e.type for e in await identity.events()]


async def test_a_sign_in_resets_the_inactivity_clock(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    identity.clock.advance(days=170)
    assert len((await sweep(identity)).warned) == 1

    await identity.sign_in()
    identity.clock.advance(days=170)

    assert (await sweep(identity)).warned == [identity.users["Liviu1234"]]  # warned again: a new period


async def test_reactivation_needs_the_password_and_all_three_answers_then_mfa_as_usual(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    first_login_at = identity.clock.now
    await _deactivate(identity)

    for wrong in (
        reactivation(password="Wrong7pass"),
        reactivation(answer="Rex"),
        reactivation(memorable_person="Nobody"),
        reactivation(memorable_date="1987-06-16"),
        reactivation(username="Nobody1234"),
    ):
        problem(await identity.client.post("/v1/users/reactivation", json=wrong), 401, "reactivation_refused")
    identity.clock.advance(minutes=15)  # past the back-off the five failures caused
    reactivated = await identity.client.post("/v1/users/reactivation", json=reactivation())

    assert reactivated.status_code == 200, reactivated.text
    assert reactivated.json()["next"] == "sign_in"
    problem(await identity.client.post("/v1/users/reactivation", json=reactivation()), 409, "account_active")
    started = await identity.login()
    assert started["next"] == "mfa" and started["code_sent_to"] == "l***@tcp.ca"
    await identity.sign_in()
    me = (await identity.client.get("/v1/me", headers=identity.me())).json()
    assert me["last_login_at"] is not None
    assert me["last_login_at"].startswith(first_login_at.date().isoformat())
    # Reactivation counts as activity: the next sweep does not deactivate again at once.
    assert await sweep(identity) == SweepReport()


async def test_a_revoked_or_deactivated_account_is_left_alone_by_the_sweep(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    assert (await identity.client.delete("/v1/me", headers=identity.me())).status_code == 204

    identity.clock.advance(days=200)

    assert await sweep(identity) == SweepReport()


async def test_the_sweep_runs_in_the_background_while_the_app_runs(start_identity) -> None:  # type: ignore[no-untyped-def]
    async with start_identity(inactivity_sweep_interval_s=0.01) as identity:
        await identity.register()
        task = identity.app.state.runtime.background_tasks()[INACTIVITY_SWEEP]
        assert not task.done()
        identity.clock.advance(days=181)
        async with identity.app.state.runtime.sessions() as session:
            for _ in range(200):
                user = await session.get(User, identity.users["Liviu1234"], populate_existing=True)
                if user is not None and user.deactivated_at is not None:
                    break
                await asyncio.sleep(0.01)
        assert user is not None and user.deactivated_at is not None
    assert task.cancelled() or task.done()
    assert INACTIVITY_SWEEP not in identity.app.state.runtime.background_tasks()


async def test_a_login_under_way_gets_no_tokens_once_the_credential_is_revoked(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    session_id = await identity.until_terms()

    assert (await identity.client.delete("/v1/me", headers=identity.me())).status_code == 204

    problem(await identity.terms(session_id), 403, "credential_revoked")
    problem(await identity.terms(session_id), 410, "session_ended")


async def test_the_sweep_forgets_old_devices_and_spent_challenges(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    await step_up_code(identity)
    counts = select(func.count()).select_from(KnownDevice), select(func.count()).select_from(MfaChallenge)
    async with identity.app.state.runtime.sessions() as session:
        assert [(await session.execute(q)).scalar() for q in counts] == [1, 1]

    identity.clock.advance(days=181)
    await sweep(identity)

    async with identity.app.state.runtime.sessions() as session:
        assert [(await session.execute(q)).scalar() for q in counts] == [0, 0]
