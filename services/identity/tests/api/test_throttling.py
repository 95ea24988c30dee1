"""Brute-force defence (identity.throttle): exponential back-off per (account, IP), per account and per IP, in the
database, released with time; a victim on a known device is not locked out by an attacker elsewhere."""

from __future__ import annotations

from sqlalchemy import func, select

from identity.throttle.models import FailedAttempt

from ..factors import client_headers, enrol_totp, password_attempt, verify_with
from ..harness import Identity, problem

ATTACKER = "203.0.113.7"
VICTIM = "198.51.100.20"


async def test_asvs_6_3_1_after_five_failures_the_wait_doubles_then_time_releases_it(identity: Identity) -> None:
    await identity.register()
    for _ in range(5):
        problem(await password_attempt(identity, ATTACKER, "Wrong7pass"), 401, "invalid_credentials")

    blocked = await password_attempt(identity, ATTACKER)  # even the right password waits

    body = problem(blocked, 429, "too_many_attempts")
    assert blocked.headers["retry-after"] == "1"
    assert body["retry_after_s"] == 1
    identity.clock.advance(seconds=1)
    problem(await password_attempt(identity, ATTACKER, "Wrong7pass"), 401, "invalid_credentials")
    assert (await password_attempt(identity, ATTACKER)).headers["retry-after"] == "2"
    identity.clock.advance(seconds=2)
    assert (await password_attempt(identity, ATTACKER)).status_code == 201


async def test_failures_age_out_of_the_window(identity: Identity) -> None:
    await identity.register()
    for _ in range(5):
        await password_attempt(identity, ATTACKER, "Wrong7pass")

    identity.clock.advance(minutes=15)

    assert (await password_attempt(identity, ATTACKER)).status_code == 201
    async with identity.app.state.runtime.sessions() as session:
        await password_attempt(identity, ATTACKER, "Wrong7pass")  # a new failure prunes the old ones
        left = (await session.execute(select(func.count()).select_from(FailedAttempt))).scalar()
    assert left == 1


async def test_the_wait_is_capped_at_fifteen_minutes(start_identity) -> None:  # type: ignore[no-untyped-def]
    # A day-long window, so the failures keep adding up while the attacker waits out each delay.
    async with start_identity(throttle_window_s=86_400, throttle_per_pair=1) as identity:
        await identity.register()
        for n in range(12):
            problem(await password_attempt(identity, ATTACKER, "Wrong7pass"), 401, "invalid_credentials")
            identity.clock.advance(seconds=min(2**n, 900))  # 2**11 s would be 34 minutes

        problem(await password_attempt(identity, ATTACKER, "Wrong7pass"), 401, "invalid_credentials")
        blocked = await password_attempt(identity, ATTACKER)

        assert blocked.headers["retry-after"] == "900"
        identity.clock.advance(minutes=15)
        assert (await password_attempt(identity, ATTACKER)).status_code == 201


async def test_unknown_usernames_are_throttled_the_same_way(identity: Identity) -> None:
    for _ in range(5):
        problem(await password_attempt(identity, ATTACKER, username="Nobody1234"), 401, "invalid_credentials")

    problem(await password_attempt(identity, ATTACKER, username="Nobody1234"), 429, "too_many_attempts")


async def test_the_victim_signs_in_from_a_known_device_while_an_attacker_hammers(identity: Identity) -> None:
    await identity.register()
    started = (await password_attempt(identity, VICTIM, user_agent="victim-browser")).json()
    await identity.enrol(started["session_id"], "liviu@tcp.ca")
    code = identity.mailbox.last_code("liviu@tcp.ca")
    headers = client_headers(VICTIM, "victim-browser")
    assert (await verify_with(identity, started["session_id"], "email", code, headers)).status_code == 200

    # 20 failures for the account, from addresses that each stay under their own limit of 5.
    for n in range(20):
        problem(await password_attempt(identity, f"203.0.113.{n // 4}", "Wrong7pass"), 401, "invalid_credentials")

    problem(await password_attempt(identity, "192.0.2.99"), 429, "too_many_attempts")  # an unknown device waits
    victim = await password_attempt(identity, VICTIM, user_agent="victim-browser")
    assert victim.status_code == 201, victim.text
    assert victim.json()["next"] == "mfa"


async def test_the_attackers_own_address_is_slowed_before_the_account(identity: Identity) -> None:
    await identity.register()
    for _ in range(5):
        await password_attempt(identity, ATTACKER, "Wrong7pass")

    problem(await password_attempt(identity, ATTACKER), 429, "too_many_attempts")
    assert (await password_attempt(identity, VICTIM)).status_code == 201  # the account is not blocked


async def test_per_ip_limits_are_looser_and_catch_password_spraying(start_identity) -> None:  # type: ignore[no-untyped-def]
    async with start_identity(throttle_per_ip=8) as identity:
        for n in range(4):
            await identity.register(f"Sprayed{n:04d}")
        for n in range(8):  # two tries per account: no account and no (account, IP) pair reaches 5
            await password_attempt(identity, ATTACKER, "Wrong7pass", username=f"Sprayed{n % 4:04d}")

        problem(await password_attempt(identity, ATTACKER, username="Sprayed0000"), 429, "too_many_attempts")
        assert (await password_attempt(identity, VICTIM, username="Sprayed0000")).status_code == 201


async def test_asvs_6_6_3_wrong_second_factors_back_off_across_login_sessions(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()
    await enrol_totp(identity)
    headers = client_headers(ATTACKER)
    for _ in range(5):
        session_id = (await password_attempt(identity, ATTACKER)).json()["session_id"]
        problem(await verify_with(identity, session_id, "totp", "000000", headers), 401, "invalid_mfa_code")

    session_id = (await password_attempt(identity, ATTACKER)).json()["session_id"]
    blocked = await verify_with(identity, session_id, "totp", "000000", headers)

    problem(blocked, 429, "too_many_attempts")
    assert blocked.headers["retry-after"] == "1"


async def test_the_socket_peer_counts_when_no_gateway_header_is_present(identity: Identity) -> None:
    await identity.register()
    for _ in range(5):
        await identity.client.post("/v1/sessions", json={"username": "Liviu1234", "password": "Wrong7pass"})

    async with identity.app.state.runtime.sessions() as session:
        ips = set((await session.execute(select(FailedAttempt.ip))).scalars())
    assert ips == {"127.0.0.1"}
    problem(await password_attempt(identity, "127.0.0.1"), 429, "too_many_attempts")
