"""What identity tells the gateway when it stops honouring access tokens before they expire (events), and the same
rule answered directly (``POST /internal/tokens/revocation-status``, asked while the gateway's feed is down)."""

from __future__ import annotations

from typing import Any

from ..harness import Identity
from .oauth_support import as_manager, basic, claims_of, create_api_client
from .test_lifecycle import password_change, step_up_code

STATUS = "/internal/tokens/revocation-status"


async def status_of(identity: Identity, claims: dict[str, Any]) -> dict[str, Any]:
    query = {name: claims.get(name) for name in ("jti", "sub", "iat", "client_id", "sid")}
    response = await identity.client.post(STATUS, json=query)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def revocations(identity: Identity) -> list[dict[str, Any]]:
    return [{"type": e.type, **e.data} for e in await identity.events() if "revoked" in e.type]


async def test_asvs_7_4_3_a_password_change_revokes_the_other_logins_tokens_but_not_this_one(
    identity: Identity,
) -> None:
    await identity.register()
    this_login, other_login = await identity.sign_in(), await identity.sign_in()
    this, other = (
        await claims_of(identity, this_login["access_token"]),
        await claims_of(identity, other_login["access_token"]),
    )

    changed = await identity.client.post(
        "/v1/me/password",
        json=password_change(await step_up_code(identity), current_refresh_token=this_login["refresh_token"]),
        headers=identity.me(),
    )
    assert changed.status_code == 204, changed.text

    [event] = await revocations(identity)
    assert event["type"] == "identity.user.tokens_revoked.v1"
    assert (event["reason"], event["user_id"], event["except_session_id"]) == (
        "password_changed",
        this["sub"],
        this["sid"],
    )
    assert await status_of(identity, other) == {"revoked": True, "reason": "login_revoked"}
    assert await status_of(identity, this) == {"revoked": False, "reason": None}


async def test_rfc_7009_and_api_client_revocations_are_published_and_answered(identity: Identity) -> None:
    client = await create_api_client(identity)
    credentials = (client["client_id"], client["client_secret"])

    async def token() -> str:
        issued = await identity.client.post(
            "/v1/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(*credentials)
        )
        return str(issued.json()["access_token"])

    first = await claims_of(identity, await token())
    revoked_token = await token()
    revoked = await claims_of(identity, revoked_token)
    await identity.client.post("/v1/oauth/revoke", data={"token": revoked_token}, headers=basic(*credentials))
    assert await status_of(identity, revoked) == {"revoked": True, "reason": "token_revoked"}
    assert await status_of(identity, first) == {"revoked": False, "reason": None}

    deleted = await identity.client.delete(
        f"/v1/businesses/{client['business']}/api-clients/{client['client_id']}",
        headers=as_manager(identity, client["business"]),
    )
    assert deleted.status_code == 204, deleted.text
    assert await status_of(identity, first) == {"revoked": True, "reason": "client_revoked"}

    events = await revocations(identity)
    assert [(e["type"], e["reason"]) for e in events] == [
        ("identity.access_token.revoked.v1", "token_revoked"),
        ("identity.client.tokens_revoked.v1", "client_revoked"),
    ]
    assert events[0]["jti"] == revoked["jti"]
    # A revoked client can never obtain a token again: every token of it is covered, however it is dated.
    assert events[1]["issued_before"] == events[1]["keep_until"]
