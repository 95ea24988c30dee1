"""A business's API clients (seed 004 step 5) and the client credentials grant."""

from __future__ import annotations

from sqlalchemy import select

from identity.clients.models import Client

from ..harness import Identity, problem, rule_codes
from .oauth_support import (
    BAM,
    BN,
    OTHER_BN,
    TOKEN,
    as_manager,
    basic,
    claims_of,
    client_token,
    create_api_client,
    introspect,
)


async def test_an_account_manager_creates_an_api_client_and_sees_its_secret_once(identity: Identity) -> None:
    created = await create_api_client(identity)

    assert created["client_secret"] and created["client_id"].startswith("bc_")
    assert (created["business"], created["status"], created["created_by"]) == (BN, "active", BAM)
    assert created["scopes"] == ["declarations:write", "financial:read"]
    listed = (await identity.client.get(f"/v1/businesses/{BN}/api-clients", headers=as_manager(identity))).json()
    assert [c["client_id"] for c in listed["items"]] == [created["client_id"]]
    assert "client_secret" not in listed["items"][0] and listed["items"][0]["last_used_at"] is None
    async with identity.app.state.runtime.sessions() as session:
        stored = (await session.execute(select(Client))).scalar_one()
    assert stored.secret_hash is not None and stored.secret_hash.startswith("sha256$")
    assert created["client_secret"] not in stored.secret_hash


async def test_unknown_scopes_are_refused(identity: Identity) -> None:
    response = await identity.client.post(
        f"/v1/businesses/{BN}/api-clients",
        json={"name": "Desk", "scopes": ["financial:read", "everything:write"]},
        headers=as_manager(identity),
    )

    body = problem(response, 422, "validation_failed")
    assert "everything:write" in body["detail"]


async def test_a_manager_cannot_give_a_client_scopes_the_manager_does_not_hold(identity: Identity) -> None:
    manager = as_manager(identity, scopes=["business_profile:write", "financial:read"])

    response = await identity.client.post(
        f"/v1/businesses/{BN}/api-clients",
        json={"name": "Desk", "scopes": ["financial:read", "payments:write"]},
        headers=manager,
    )

    assert rule_codes(response) == {("scopes", "scope_not_held")}
    assert "payments:write" in response.json()["detail"]


async def test_only_an_account_manager_of_that_business_manages_api_clients(identity: Identity) -> None:
    path = f"/v1/businesses/{BN}/api-clients"
    body = {"name": "Desk", "scopes": ["financial:read"]}
    no_scope = as_manager(identity, scopes=["business_profile:read", "financial:read"])
    other_business = as_manager(identity, OTHER_BN)
    api_client = identity.as_context(
        subject="client:bc_x", subject_type="client", business=BN, scopes=["business_profile:write"]
    )

    problem(await identity.client.post(path, json=body, headers=no_scope), 403, "missing_scope")
    problem(await identity.client.post(path, json=body, headers=other_business), 403, "not_acting_for_business")
    problem(await identity.client.post(path, json=body, headers=api_client), 403, "not_a_user")
    problem(await identity.client.get(path, headers=other_business), 403, "not_acting_for_business")


async def test_client_credentials_give_a_short_token_for_that_business_only(identity: Identity) -> None:
    created = await create_api_client(identity)

    response = await client_token(identity, created["client_id"], created["client_secret"])

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert "refresh_token" not in body and body["expires_in"] == 300
    claims = await claims_of(identity, body["access_token"])
    assert (claims["sub"], claims["client_id"], claims["business"]) == (created["client_id"],) * 2 + (BN,)
    assert claims["scope"] == "declarations:write financial:read"
    assert claims["exp"] - claims["iat"] == 300 and claims["mfa"] is False
    listed = (await identity.client.get(f"/v1/businesses/{BN}/api-clients", headers=as_manager(identity))).json()
    assert listed["items"][0]["last_used_at"] is not None


async def test_client_secret_post_and_a_narrower_scope_work(identity: Identity) -> None:
    created = await create_api_client(identity)
    form = {
        "grant_type": "client_credentials",
        "client_id": created["client_id"],
        "client_secret": created["client_secret"],
        "scope": "financial:read",
    }

    response = await identity.client.post(TOKEN, data=form)

    assert response.status_code == 200, response.text
    assert (await claims_of(identity, response.json()["access_token"]))["scope"] == "financial:read"


async def test_a_client_cannot_ask_for_scopes_it_was_not_given(identity: Identity) -> None:
    created = await create_api_client(identity, ["financial:read"])

    response = await client_token(identity, created["client_id"], created["client_secret"], scope="payments:write")

    assert problem(response, 400, "invalid_scope")["error"] == "invalid_scope"


async def test_a_wrong_secret_or_unknown_client_is_invalid_client(identity: Identity) -> None:
    created = await create_api_client(identity)

    wrong = await client_token(identity, created["client_id"], created["client_secret"] + "x")
    unknown = await client_token(identity, "bc_nobody", created["client_secret"])
    missing = await identity.client.post(TOKEN, data={"grant_type": "client_credentials"})

    for response in (wrong, unknown, missing):
        body = problem(response, 401, "invalid_client")
        assert body["error"] == "invalid_client"
    assert wrong.headers["www-authenticate"].startswith("Basic")


async def test_a_rotated_secret_stops_working_at_once(identity: Identity) -> None:
    created = await create_api_client(identity)

    rotated = await identity.client.post(
        f"/v1/businesses/{BN}/api-clients/{created['client_id']}/secret", headers=as_manager(identity)
    )

    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["client_secret"]
    assert new_secret != created["client_secret"] and rotated.json()["secret_rotated_at"]
    problem(await client_token(identity, created["client_id"], created["client_secret"]), 401, "invalid_client")
    assert (await client_token(identity, created["client_id"], new_secret)).status_code == 200


async def test_with_a_grace_period_the_old_secret_works_until_it_ends(start_identity) -> None:  # type: ignore[no-untyped-def]
    async with start_identity(client_secret_grace_s=60) as identity:
        created = await create_api_client(identity)
        path = f"/v1/businesses/{BN}/api-clients/{created['client_id']}/secret"
        new_secret = (await identity.client.post(path, headers=as_manager(identity))).json()["client_secret"]

        assert (await client_token(identity, created["client_id"], created["client_secret"])).status_code == 200
        identity.clock.advance(seconds=61)
        old = await client_token(identity, created["client_id"], created["client_secret"])
        problem(old, 401, "invalid_client")
        assert (await client_token(identity, created["client_id"], new_secret)).status_code == 200


async def test_a_revoked_client_gets_no_tokens_and_its_tokens_introspect_inactive(identity: Identity) -> None:
    created = await create_api_client(identity)
    other = await create_api_client(identity)
    credentials = (other["client_id"], other["client_secret"])
    token = (await client_token(identity, created["client_id"], created["client_secret"])).json()["access_token"]
    assert (await introspect(identity, token, credentials))["active"] is True

    revoked = await identity.client.delete(
        f"/v1/businesses/{BN}/api-clients/{created['client_id']}", headers=as_manager(identity)
    )

    assert revoked.status_code == 204
    problem(await client_token(identity, created["client_id"], created["client_secret"]), 401, "invalid_client")
    assert await introspect(identity, token, credentials) == {"active": False}
    listed = (await identity.client.get(f"/v1/businesses/{BN}/api-clients", headers=as_manager(identity))).json()
    assert {c["client_id"]: c["status"] for c in listed["items"]}[created["client_id"]] == "revoked"


async def test_another_business_cannot_rotate_or_revoke_the_client(identity: Identity) -> None:
    created = await create_api_client(identity)
    path = f"/v1/businesses/{OTHER_BN}/api-clients/{created['client_id']}"

    problem(
        await identity.client.post(path + "/secret", headers=as_manager(identity, OTHER_BN)),
        404,
        "api_client_not_found",
    )
    problem(await identity.client.delete(path, headers=as_manager(identity, OTHER_BN)), 404, "api_client_not_found")
    assert (await client_token(identity, created["client_id"], created["client_secret"])).status_code == 200


async def test_basic_credentials_and_form_credentials_together_are_refused(identity: Identity) -> None:
    created = await create_api_client(identity)

    response = await identity.client.post(
        TOKEN,
        data={"grant_type": "client_credentials", "client_secret": created["client_secret"]},
        headers=basic(created["client_id"], created["client_secret"]),
    )

    problem(response, 401, "invalid_client")


async def test_each_kind_of_client_uses_its_own_grant(identity: Identity) -> None:
    api_client = await create_api_client(identity)
    registered = await identity.client.post(
        "/internal/oauth-clients",
        json={
            "name": "Frontend",
            "type": "confidential",
            "redirect_uris": ["https://f.example/cb"],
            "scopes": ["openid"],
        },
    )
    frontend = registered.json()

    frontend_credentials = await client_token(identity, frontend["client_id"], frontend["client_secret"])
    api_client_code = await identity.client.post(
        TOKEN,
        data={"grant_type": "authorization_code", "code": "x", "redirect_uri": "https://f.example/cb"},
        headers=basic(api_client["client_id"], api_client["client_secret"]),
    )

    problem(frontend_credentials, 400, "unauthorized_client")
    problem(api_client_code, 400, "unauthorized_client")
