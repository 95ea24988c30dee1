"""One-time codes (ARCHITECTURE security baseline): six digits, single use, newest only, 10 minutes, rate-limited
with lockout and notice to the user."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from identity.sessions.models import OneTimeCode

from ..harness import Identity, problem


async def enrolled_session(identity: Identity, address: str = "tcp@tcp.ca") -> str:
    await identity.register()
    session_id = (await identity.login())["session_id"]
    assert (await identity.enrol(session_id, address)).status_code == 200
    return session_id


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_asvs_6_5_1_a_code_works_once(identity: Identity) -> None:
    session_id = await enrolled_session(identity)
    code = identity.mailbox.last_code("tcp@tcp.ca")

    first = await identity.verify(session_id, code)
    again = await identity.verify(session_id, code)

    assert first.status_code == 200
    assert problem(again, 409, "wrong_step")["next"] == "terms"


async def test_a_code_of_another_login_is_refused(identity: Identity, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("identity.sessions.service.new_code", iter(["111111", "222222"]).__next__)
    await identity.register()
    await identity.sign_in(address="tcp@tcp.ca")
    earlier = identity.mailbox.last_code("tcp@tcp.ca")
    session_id = (await identity.login())["session_id"]
    current = identity.mailbox.last_code("tcp@tcp.ca")

    problem(await identity.verify(session_id, earlier), 401, "invalid_mfa_code")
    assert (await identity.verify(session_id, current)).status_code == 200


async def test_codes_are_stored_hashed(identity: Identity) -> None:
    await enrolled_session(identity)
    code = identity.mailbox.last_code("tcp@tcp.ca")

    async with identity.app.state.runtime.sessions() as session:
        [row] = (await session.execute(select(OneTimeCode))).scalars().all()
    assert code not in (row.digest, row.salt)
    assert len(row.digest) == 64


async def test_a_code_expires_after_ten_minutes(identity: Identity) -> None:
    session_id = await enrolled_session(identity)
    code = identity.mailbox.last_code("tcp@tcp.ca")

    identity.clock.advance(minutes=10)
    expired = await identity.verify(session_id, code)

    body = problem(expired, 401, "mfa_code_expired")
    assert "resend" in body["remediation"]
    # Expiry is not a failed attempt, and a new code works.
    assert (await identity.resend(session_id)).status_code == 200
    assert (await identity.verify(session_id, identity.mailbox.last_code("tcp@tcp.ca"))).status_code == 200


async def test_a_code_is_still_good_just_before_ten_minutes(identity: Identity) -> None:
    session_id = await enrolled_session(identity)

    identity.clock.advance(minutes=9, seconds=59)

    assert (await identity.verify(session_id, identity.mailbox.last_code("tcp@tcp.ca"))).status_code == 200


async def test_resend_voids_every_older_code(identity: Identity, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("identity.sessions.service.new_code", iter(["111111", "222222"]).__next__)
    session_id = await enrolled_session(identity)
    first = identity.mailbox.last_code("tcp@tcp.ca")

    resent = await identity.resend(session_id)
    second = identity.mailbox.last_code("tcp@tcp.ca")

    assert resent.status_code == 200
    assert resent.json()["next"] == "mfa"
    assert resent.json()["code_sent_to"] == "t***@tcp.ca"
    assert len(identity.mailbox.to("tcp@tcp.ca")) == 2
    assert (first, second) == ("111111", "222222")
    stale = problem(await identity.verify(session_id, first), 401, "invalid_mfa_code")
    assert stale["attempts_remaining"] == 4
    assert (await identity.verify(session_id, second)).status_code == 200


async def test_resends_are_limited_per_login(identity: Identity) -> None:
    session_id = await enrolled_session(identity)

    for _ in range(5):
        assert (await identity.resend(session_id)).status_code == 200
    refused = await identity.resend(session_id)

    problem(refused, 429, "mfa_code_limit")
    assert len(identity.mailbox.to("tcp@tcp.ca")) == 6
    # The last code sent still works.
    assert (await identity.verify(session_id, identity.mailbox.last_code("tcp@tcp.ca"))).status_code == 200


async def test_a_code_is_exactly_six_digits(identity: Identity) -> None:
    session_id = await enrolled_session(identity)

    for malformed in ("12345", "1234567", "12a456", ""):
        response = await identity.verify(session_id, malformed)
        assert problem(response, 422, "validation_failed")["errors"] == [
            {"field": "code", "code": "mfa_code_format", "message": "The code is exactly six digits."}
        ]
    # Malformed codes are not guesses: all five attempts remain.
    code = identity.mailbox.last_code("tcp@tcp.ca")
    assert problem(await identity.verify(session_id, wrong(code)), 401, "invalid_mfa_code")["attempts_remaining"] == 4


async def test_asvs_6_6_3_the_fifth_wrong_code_locks_the_session_and_the_user_is_told(identity: Identity) -> None:
    session_id = await enrolled_session(identity)
    code = identity.mailbox.last_code("tcp@tcp.ca")
    user_id = identity.users["Liviu1234"]

    remaining = []
    for _ in range(4):
        response = await identity.verify(session_id, wrong(code))
        remaining.append(problem(response, 401, "invalid_mfa_code")["attempts_remaining"])
    locking = await identity.verify(session_id, wrong(code))

    assert remaining == [4, 3, 2, 1]
    problem(locking, 423, "session_locked")
    # Every later call on the session is refused, the right code included.
    problem(await identity.verify(session_id, code), 423, "session_locked")
    problem(await identity.resend(session_id), 423, "session_locked")
    problem(await identity.terms(session_id), 423, "session_locked")
    problem(await identity.enrol(session_id, "other@tcp.ca"), 423, "session_locked")

    locked = [e for e in await identity.events() if e.type == "identity.mfa.session_locked.v1"]
    assert len(locked) == 1
    assert locked[0].data["user_id"] == user_id
    assert locked[0].data["session_id"] == session_id
    assert locked[0].data["failed_attempts"] == 5
    assert locked[0].data["mfa_email"] == "tcp@tcp.ca"


async def test_asvs_6_6_3_a_new_login_after_a_lock_starts_afresh(identity: Identity) -> None:
    session_id = await enrolled_session(identity)
    code = identity.mailbox.last_code("tcp@tcp.ca")
    for _ in range(5):
        await identity.verify(session_id, wrong(code))

    # The locked enrolment never completed, so the next login enrols again.
    again = await identity.login()
    assert again["next"] == "mfa_enrolment"


async def test_a_right_code_resets_the_count_of_wrong_ones(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in(address="old@tcp.ca")
    session_id = (await identity.login())["session_id"]
    code = identity.mailbox.last_code("old@tcp.ca")
    for _ in range(4):
        await identity.verify(session_id, wrong(code))
    await identity.verify(session_id, code)

    # Changing the MFA e-mail afterwards starts with all attempts.
    await identity.enrol(session_id, "new@tcp.ca")
    new_code = identity.mailbox.last_code("new@tcp.ca")
    assert (
        problem(await identity.verify(session_id, wrong(new_code)), 401, "invalid_mfa_code")["attempts_remaining"] == 4
    )
