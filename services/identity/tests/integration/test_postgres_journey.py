"""The onboarding journey on PostgreSQL: the migration, row locks and timestamps behave as on SQLite."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import inspect

from ..harness import identity_service, problem, profile


@pytest.mark.integration
async def test_register_sign_in_and_refresh_on_postgresql(
    pg_url: str, as_context: Callable[..., dict[str, str]], context_public_jwk: str
) -> None:
    async with identity_service(pg_url, as_context=as_context, context_public_jwk=context_public_jwk) as identity:
        user_id = await identity.register()
        session_id = (await identity.login())["session_id"]
        await identity.enrol(session_id, "tcp@tcp.ca")
        code = identity.mailbox.last_code("tcp@tcp.ca")
        wrong = problem(
            await identity.verify(session_id, f"{(int(code) + 1) % 1_000_000:06d}"), 401, "invalid_mfa_code"
        )
        assert wrong["attempts_remaining"] == 4
        assert (await identity.verify(session_id, code)).json()["next"] == "terms"
        tokens = (await identity.terms(session_id)).json()
        assert tokens["next"] == "profile"

        created = await identity.client.put("/v1/me/profile", json=profile(), headers=identity.me())
        assert created.status_code == 201, created.text
        refreshed = await identity.refresh(tokens["refresh_token"])
        assert refreshed.status_code == 200
        problem(await identity.refresh(tokens["refresh_token"]), 400, "invalid_grant")

        identity.clock.advance(days=1)
        assert (await identity.sign_in(address="tcp@tcp.ca"))["next"] == "done"
        me = (await identity.client.get("/v1/me", headers=identity.me())).json()
        assert me["id"] == user_id
        assert me["last_login_at"] is not None
        assert me["profile_complete"] is True

        events = [e.type for e in await identity.events()]
        assert events == [
            "identity.user.registered.v1",
            "identity.mfa.code_issued.v1",  # the first login's code
            "identity.profile.updated.v1",
            "identity.login.tokens_revoked.v1",  # the refresh token presented twice: its login is revoked
            "identity.mfa.code_issued.v1",  # the second login's code
        ]

        async with identity.app.state.runtime.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"users", "recovery_answers", "mfa_methods", "login_sessions", "one_time_codes", "refresh_tokens"} <= tables
    assert "profiles" in tables


@pytest.mark.integration
async def test_a_nul_character_is_a_422_naming_the_field_not_a_database_error_on_postgresql(
    pg_url: str, as_context: Callable[..., dict[str, str]], context_public_jwk: str
) -> None:
    # PostgreSQL cannot store U+0000 in text: before the guard these were 500s (found by the conformance fuzzing).
    async with identity_service(pg_url, as_context=as_context, context_public_jwk=context_public_jwk) as identity:
        sign_in = await identity.client.post("/v1/sessions", json={"username": "Liviu\x001234", "password": "x"})
        authorize = await identity.client.get("/v1/oauth/authorize", params={"client_id": "portal\x00"})
        introspect = await identity.client.post("/v1/oauth/introspect", data={"token": "\x00", "client_id": "c"})

        for response, field in ((sign_in, "username"), (authorize, "client_id"), (introspect, "token")):
            refused = problem(response, 422, "validation_failed")
            assert [(e["field"], e["code"]) for e in refused["errors"]] == [(field, "nul_character")]
