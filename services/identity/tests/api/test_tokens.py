"""POST /v1/oauth/token: the refresh grant with rotating refresh tokens (RFC 6749 §6, RFC 9700 §4.14)."""

from __future__ import annotations

from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from identity.tokens.models import RefreshToken

from ..harness import Identity, problem


async def signed_in(identity: Identity) -> dict[str, str]:
    await identity.register()
    return await identity.sign_in()


async def test_a_refresh_returns_new_tokens_and_spends_the_old_refresh_token(identity: Identity) -> None:
    tokens = await signed_in(identity)

    refreshed = await identity.refresh(tokens["refresh_token"])

    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.headers["cache-control"] == "no-store"
    body = refreshed.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["refresh_token"] != tokens["refresh_token"]
    jwks = (await identity.client.get("/v1/oauth/jwks")).json()
    old = jwt.decode(tokens["access_token"], KeySet.import_key_set(jwks), algorithms=["Ed25519"]).claims
    new = jwt.decode(body["access_token"], KeySet.import_key_set(jwks), algorithms=["Ed25519"]).claims
    assert (new["sub"], new["sid"], new["mfa"], new["amr"], new["scope"]) == (
        old["sub"],
        old["sid"],
        True,
        ["pwd", "otp"],
        old["scope"],
    )
    assert (await identity.refresh(body["refresh_token"])).status_code == 200


async def test_asvs_10_4_5_reusing_a_refresh_token_revokes_its_whole_login(identity: Identity) -> None:
    tokens = await signed_in(identity)
    rotated = (await identity.refresh(tokens["refresh_token"])).json()

    replayed = await identity.refresh(tokens["refresh_token"])
    after_replay = await identity.refresh(rotated["refresh_token"])

    body = problem(replayed, 400, "invalid_grant")
    assert body["error"] == "invalid_grant"  # what OAuth client libraries read
    assert "revoked" in body["error_description"]
    problem(after_replay, 400, "invalid_grant")


async def test_a_reuse_revokes_only_its_own_family(identity: Identity) -> None:
    first_login = await signed_in(identity)
    second_login = await identity.sign_in()
    await identity.refresh(first_login["refresh_token"])

    await identity.refresh(first_login["refresh_token"])

    assert (await identity.refresh(second_login["refresh_token"])).status_code == 200


async def test_refresh_tokens_are_stored_hashed_one_family_per_login(identity: Identity) -> None:
    first = await signed_in(identity)
    second = await identity.sign_in()
    await identity.refresh(first["refresh_token"])

    async with identity.app.state.runtime.sessions() as session:
        rows = (await session.execute(select(RefreshToken))).scalars().all()
    assert len(rows) == 3
    assert len({r.family_id for r in rows}) == 2
    stored = {r.token_hash for r in rows}
    assert first["refresh_token"] not in stored and second["refresh_token"] not in stored


async def test_asvs_10_4_8_refresh_tokens_end_with_the_login_lifetime(identity: Identity) -> None:
    tokens = await signed_in(identity)
    identity.clock.advance(hours=6)
    rotated = (await identity.refresh(tokens["refresh_token"])).json()

    identity.clock.advance(hours=6)  # 12 hours after the login: rotation did not extend it

    problem(await identity.refresh(rotated["refresh_token"]), 400, "invalid_grant")


async def test_unknown_refresh_tokens_are_an_invalid_grant(identity: Identity) -> None:
    problem(await identity.refresh("not-a-token"), 400, "invalid_grant")


async def test_the_password_and_implicit_grants_are_not_supported(identity: Identity) -> None:
    for grant_type in ("password", "implicit", "urn:ietf:params:oauth:grant-type:device_code"):
        response = await identity.client.post("/v1/oauth/token", data={"grant_type": grant_type})
        assert problem(response, 400, "unsupported_grant_type")["error"] == "unsupported_grant_type"


async def test_malformed_token_requests_are_invalid_requests(identity: Identity) -> None:
    url = "/v1/oauth/token"
    as_json = await identity.client.post(url, json={"grant_type": "refresh_token", "refresh_token": "x"})
    no_grant = await identity.client.post(url, data={"refresh_token": "x"})
    no_token = await identity.client.post(url, data={"grant_type": "refresh_token"})
    repeated = await identity.client.post(
        url,
        content=b"grant_type=refresh_token&refresh_token=a&refresh_token=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    for response in (as_json, no_grant, no_token, repeated):
        assert problem(response, 400, "invalid_request")["error"] == "invalid_request"
    assert "refresh_token" in repeated.json()["detail"]
