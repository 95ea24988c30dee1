"""GET /v1/me: the welcome page's facts, with businesses from delegation when it answers."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from portal_contracts.internal import Membership

from ..conftest import StartIdentity
from ..harness import Identity, profile


def fake_delegation(memberships: dict[str, list[Membership]], asked: list[str]) -> httpx.ASGITransport:
    """Delegation's internal memberships API, answering from a dict."""
    app = FastAPI()

    @app.get("/internal/users/{user_id}/memberships")
    async def user_memberships(user_id: str) -> list[Membership]:
        asked.append(user_id)
        return memberships.get(user_id, [])

    return httpx.ASGITransport(app=app)


async def test_me_lists_the_businesses_delegation_knows(start_identity: StartIdentity) -> None:
    asked: list[str] = []
    memberships: dict[str, list[Membership]] = {}
    async with start_identity(delegation=fake_delegation(memberships, asked)) as identity:
        user_id = await identity.register()
        memberships[user_id] = [
            Membership(bn="123456154", operating_name="Harp & Co.", role="bam", programs="all"),
            Membership(bn="100001254", role="editor", programs=["100001254RM0001"]),
        ]
        await identity.sign_in(address="tcp@tcp.ca")

        me = await identity.client.get("/v1/me", headers=identity.me())

    assert me.status_code == 200, me.text
    body = me.json()
    assert body["businesses_status"] == "available"
    assert body["businesses"] == [
        {"bn": "123456154", "operating_name": "Harp & Co.", "role": "bam", "programs": "all"},
        {"bn": "100001254", "operating_name": None, "role": "editor", "programs": ["100001254RM0001"]},
    ]
    assert asked == [user_id]
    assert body["mfa_methods"] == [{"type": "email", "email": "t***@tcp.ca"}]
    assert body["id"] == user_id and body["username"] == "Liviu1234"


async def test_me_without_delegation_still_answers(identity: Identity) -> None:
    await identity.register()
    await identity.sign_in()

    me = await identity.client.get("/v1/me", headers=identity.me())

    assert me.status_code == 200
    assert me.json()["businesses"] is None
    assert me.json()["businesses_status"] == "unavailable"


async def test_a_new_user_has_no_previous_login_no_mfa_and_no_profile(identity: Identity) -> None:
    await identity.register()

    body = (await identity.client.get("/v1/me", headers=identity.me())).json()

    assert body["last_login_at"] is None
    assert body["mfa_methods"] == []
    assert body["profile_complete"] is False


async def test_last_login_is_the_login_before_the_current_one(identity: Identity) -> None:
    await identity.register()
    first_login_at = identity.clock.now
    await identity.sign_in()
    after_first = (await identity.client.get("/v1/me", headers=identity.me())).json()

    identity.clock.advance(days=3)
    await identity.sign_in()
    after_second = (await identity.client.get("/v1/me", headers=identity.me())).json()

    assert after_first["last_login_at"] is None  # the first login has no earlier one to show
    assert after_second["last_login_at"] == first_login_at.isoformat().replace("+00:00", "Z")


async def test_profile_complete_once_the_profile_exists(identity: Identity) -> None:
    await identity.register()
    await identity.client.put("/v1/me/profile", json=profile(), headers=identity.me())

    assert (await identity.client.get("/v1/me", headers=identity.me())).json()["profile_complete"] is True
