"""Introspection (RFC 7662), revocation (RFC 7009), key rotation and discovery."""

from __future__ import annotations

import time
from datetime import timedelta

from joserfc import jws

from identity.keys.models import SigningKey

from ..harness import Identity, problem
from .oauth_support import basic, create_api_client, introspect
from .test_tokens import signed_in


async def caller(identity: Identity) -> tuple[str, str]:
    created = await create_api_client(identity)
    return created["client_id"], created["client_secret"]


async def test_an_active_access_token_is_described(identity: Identity) -> None:
    credentials = await caller(identity)
    token = identity.app.state.keys.issue_access_token("user-1", scopes=["financial:read"])

    body = await introspect(identity, token, credentials)

    assert body["active"] is True and body["token_type"] == "access_token"
    assert (body["sub"], body["scope"]) == ("user-1", "financial:read")
    assert body["exp"] > body["iat"]


async def test_expired_tampered_and_unknown_tokens_are_inactive(identity: Identity) -> None:
    credentials = await caller(identity)
    token = identity.app.state.keys.issue_access_token("user-1", scopes=[], extra={"exp": 1000})
    tampered = identity.app.state.keys.issue_access_token("user-1", scopes=[])[:-3] + "abc"

    for presented in (token, tampered, "garbage"):
        assert await introspect(identity, presented, credentials) == {"active": False}


async def test_introspection_needs_client_authentication(identity: Identity) -> None:
    client_id, _ = await caller(identity)

    anonymous = await identity.client.post("/v1/oauth/introspect", data={"token": "x"})
    wrong = await identity.client.post("/v1/oauth/introspect", data={"token": "x"}, headers=basic(client_id, "nope"))

    problem(anonymous, 401, "invalid_client")
    problem(wrong, 401, "invalid_client")


async def test_a_revoked_access_token_is_inactive(identity: Identity) -> None:
    credentials = await caller(identity)
    token = identity.app.state.keys.issue_access_token("user-1", scopes=["financial:read"])

    revoked = await identity.client.post("/v1/oauth/revoke", data={"token": token}, headers=basic(*credentials))

    assert revoked.status_code == 200
    assert await introspect(identity, token, credentials) == {"active": False}


async def test_revoking_a_refresh_token_revokes_its_login(identity: Identity) -> None:
    credentials = await caller(identity)
    tokens = await signed_in(identity)
    rotated = (await identity.refresh(tokens["refresh_token"])).json()
    assert (await introspect(identity, rotated["refresh_token"], credentials))["active"] is True
    assert (await introspect(identity, tokens["refresh_token"], credentials)) == {"active": False}  # spent

    await identity.client.post(
        "/v1/oauth/revoke",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        headers=basic(*credentials),
    )

    assert await introspect(identity, rotated["refresh_token"], credentials) == {"active": False}
    problem(await identity.refresh(rotated["refresh_token"]), 400, "invalid_grant")


async def test_revocation_answers_200_for_unknown_tokens_and_ignores_other_clients_tokens(identity: Identity) -> None:
    mine = await caller(identity)
    theirs = await caller(identity)
    their_token = identity.app.state.keys.issue_access_token(
        theirs[0], scopes=["financial:read"], extra={"client_id": theirs[0]}
    )

    unknown = await identity.client.post("/v1/oauth/revoke", data={"token": "nothing"}, headers=basic(*mine))
    other = await identity.client.post("/v1/oauth/revoke", data={"token": their_token}, headers=basic(*mine))

    assert unknown.status_code == other.status_code == 200
    assert (await introspect(identity, their_token, mine))["active"] is True


async def test_a_key_rotation_publishes_the_new_key_first_and_keeps_old_tokens_valid(identity: Identity) -> None:
    credentials = await caller(identity)
    keys = identity.app.state.keys
    old = keys.issue_access_token("user-1", scopes=["financial:read"])
    old_kid = jws.extract_compact(old.encode()).protected["kid"]

    rotated = await identity.client.post("/internal/keys/rotate")

    assert rotated.status_code == 200, rotated.text
    new_kid = rotated.json()["kid"]
    published = [k["kid"] for k in (await identity.client.get("/v1/oauth/jwks")).json()["keys"]]
    assert new_kid != old_kid and published == [new_kid, old_kid]
    # Published before it signs: for the activation delay tokens are still signed with the retired key.
    assert jws.extract_compact(keys.issue_access_token("u", scopes=[]).encode()).protected["kid"] == old_kid
    pending_key, activates_at = keys._next
    assert activates_at >= time.time() + identity.app.state.runtime.settings.signing_key_activation_delay_s - 5
    keys._next = (pending_key, 0.0)  # the activation delay has passed
    new = keys.issue_access_token("user-1", scopes=["financial:read"])
    assert jws.extract_compact(new.encode()).protected["kid"] == new_kid
    assert (await introspect(identity, old, credentials))["active"] is True
    assert (await introspect(identity, new, credentials))["active"] is True


async def test_without_an_activation_delay_the_new_key_signs_at_once(start_identity) -> None:  # type: ignore[no-untyped-def]
    async with start_identity(signing_key_activation_delay_s=0) as identity:
        new_kid = (await identity.client.post("/internal/keys/rotate")).json()["kid"]

        token = identity.app.state.keys.issue_access_token("u", scopes=[])

        assert jws.extract_compact(token.encode()).protected["kid"] == new_kid


async def test_discovery_lists_every_endpoint(identity: Identity) -> None:
    document = (await identity.client.get("/.well-known/openid-configuration")).json()

    for name, path in [
        ("token_endpoint", "/v1/oauth/token"),
        ("authorization_endpoint", "/v1/oauth/authorize"),
        ("introspection_endpoint", "/v1/oauth/introspect"),
        ("revocation_endpoint", "/v1/oauth/revoke"),
        ("jwks_uri", "/v1/oauth/jwks"),
    ]:
        assert document[name] == document["issuer"] + path
    assert "urn:ietf:params:oauth:grant-type:token-exchange" in document["grant_types_supported"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert "financial:read" in document["scopes_supported"]


async def test_access_tokens_of_a_revoked_login_introspect_inactive(identity: Identity) -> None:
    credentials = await caller(identity)
    tokens = await signed_in(identity)
    assert (await introspect(identity, tokens["access_token"], credentials))["active"] is True

    await identity.client.post("/v1/oauth/revoke", data={"token": tokens["refresh_token"]}, headers=basic(*credentials))

    assert await introspect(identity, tokens["access_token"], credentials) == {"active": False}


async def test_a_retired_key_leaves_the_jwks_twice_the_token_lifetime_after_its_retirement(identity: Identity) -> None:
    old_kid = (await identity.client.get("/v1/oauth/jwks")).json()["keys"][0]["kid"]
    await identity.client.post("/internal/keys/rotate")
    ttl = identity.app.state.keys.access_token_ttl_s
    async with identity.app.state.runtime.sessions() as session, session.begin():
        key = await session.get(SigningKey, old_kid)
        assert key is not None and key.retired_at is not None
        key.retired_at -= timedelta(seconds=ttl * 2 + 1)

    published = [k["kid"] for k in (await identity.client.get("/v1/oauth/jwks")).json()["keys"]]

    assert old_kid not in published and len(published) == 1
