"""TOTP secrets encrypted at rest (ASVS 5.0 V6.5.x: authentication secrets protected; V11.x key management):
AES-256-GCM under a rotating key ring, plain rows from before sealed, a wrong key failing closed."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from identity.factors.models import TotpFactor
from identity.factors.sealing import KeyRing, SecretUnreadable, new_key_entry

from ..conftest import StartIdentity
from ..factors import enrol_totp, totp_code, verify_with
from ..harness import Identity, problem

OLD, NEW = new_key_entry("2026a"), new_key_entry("2026b")


async def stored_secret(identity: Identity) -> str:
    async with identity.app.state.runtime.engine.connect() as conn:
        return str((await conn.execute(text("SELECT secret FROM totp_factors"))).scalar_one())


async def totp_sign_in(identity: Identity, secret: str) -> int:
    started = await identity.login()
    response = await verify_with(identity, started["session_id"], "totp", totp_code(identity, secret))
    identity.clock.advance(seconds=30)  # each code is single use
    return response.status_code


async def test_the_database_holds_no_plaintext_totp_secret(start_identity: StartIdentity) -> None:
    async with start_identity(totp_keys=OLD) as identity:
        await identity.register()
        await identity.sign_in()
        secret = await enrol_totp(identity)

        stored = await stored_secret(identity)
        assert stored.startswith("enc1:2026a:")
        assert secret not in stored and secret.lower() not in stored.lower()
        assert KeyRing.parse(OLD).open(stored, identity.users["Liviu1234"]) == secret
        assert await totp_sign_in(identity, secret) == 200


async def test_a_sealed_secret_is_bound_to_its_user(start_identity: StartIdentity) -> None:
    async with start_identity(totp_keys=OLD) as identity:
        await identity.register()
        await identity.sign_in()
        await enrol_totp(identity)
        stored = await stored_secret(identity)
    ring = KeyRing.parse(OLD)
    assert ring.open(stored, identity.users["Liviu1234"])
    with pytest.raises(SecretUnreadable):
        ring.open(stored, "another-user")


async def test_rotation_reseals_with_the_newest_key_and_the_old_key_can_then_go(start_identity: StartIdentity) -> None:
    async with start_identity(totp_keys=OLD) as identity:
        await identity.register()
        await identity.sign_in()
        secret = await enrol_totp(identity)
        clock = identity.clock.now
    # The new key is added (last = newest): identity re-seals at start.
    async with start_identity(totp_keys=f"{OLD},{NEW}") as identity:
        identity.clock.now = clock
        assert (await stored_secret(identity)).startswith("enc1:2026b:")
    # The old key withdrawn: everything still opens.
    async with start_identity(totp_keys=NEW) as identity:
        identity.clock.now = clock
        assert await totp_sign_in(identity, secret) == 200


async def test_a_wrong_key_fails_closed(start_identity: StartIdentity) -> None:
    async with start_identity(totp_keys=OLD) as identity:
        await identity.register()
        await identity.sign_in()
        secret = await enrol_totp(identity)
        clock = identity.clock.now
    # Same key id, other key material (a misconfigured deployment): no code is accepted, the row is left alone.
    async with start_identity(totp_keys=new_key_entry("2026a")) as identity:
        identity.clock.now = clock
        before = await stored_secret(identity)
        started = await identity.login()
        refused = await verify_with(identity, started["session_id"], "totp", totp_code(identity, secret))
        problem(refused, 500, "totp_unavailable")
        assert await stored_secret(identity) == before


async def test_plain_secrets_from_before_encryption_are_sealed(start_identity: StartIdentity) -> None:
    async with start_identity(totp_keys=OLD) as identity:
        await identity.register()
        await identity.sign_in()
        secret = await enrol_totp(identity)
        clock = identity.clock.now
        async with identity.app.state.runtime.sessions() as session, session.begin():
            factor = (await session.execute(select(TotpFactor))).scalar_one()
            factor.secret = secret  # as rows were written before this change
        # First use opens the plain value and seals it.
        assert await totp_sign_in(identity, secret) == 200
        assert (await stored_secret(identity)).startswith("enc1:2026a:")

        async with identity.app.state.runtime.sessions() as session, session.begin():
            factor = (await session.execute(select(TotpFactor))).scalar_one()
            factor.secret = secret
    # Or the start of the service seals it.
    async with start_identity(totp_keys=OLD) as identity:
        identity.clock.now = clock
        assert (await stored_secret(identity)).startswith("enc1:2026a:")
