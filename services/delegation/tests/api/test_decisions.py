"""The gateway's decisions, identity's memberships and the caller's acting contexts."""

from __future__ import annotations

import pytest

from delegation.roles import Role, scopes_for

from .factories import BN, OTHER_BN, RM1, RM2, RM3, Portal, registered

GRANTS = {
    "bam-1": (Role.BAM, "all"),
    "pam-1": (Role.PAM, [RM1]),
    "editor-1": (Role.EDITOR, [RM1, RM2]),
    "viewer-1": (Role.VIEWER, [RM1]),
}


@pytest.fixture
async def staffed(portal: Portal) -> Portal:
    await portal.register()
    for user, (role, programs) in GRANTS.items():
        if role is not Role.BAM:
            await portal.employ(user, role, programs)
    return portal


@pytest.mark.parametrize("user", sorted(GRANTS))
async def test_each_role_is_allowed_inside_its_programs_and_refused_outside(staffed: Portal, user: str) -> None:
    role, programs = GRANTS[user]

    inside = await staffed.decide(user, program_account=RM1)
    outside = await staffed.decide(user, program_account=RM3)
    business = await staffed.decide(user)

    expected_programs = None if programs == "all" else programs
    assert inside == {
        "allow": True,
        "reason": "employee",
        "role": role.value,
        "scopes": scopes_for(role),
        "program_accounts": expected_programs,
        "via_provider": None,
        "visibility": [],
    }
    assert business["allow"] and business["scopes"] == scopes_for(role)
    if role is Role.BAM:
        assert outside["allow"]
    else:
        assert (outside["allow"], outside["reason"], outside["scopes"]) == (False, "program_not_granted", [])


async def test_the_decision_says_who_may_manage_employees(staffed: Portal) -> None:
    assert "employees:write" in (await staffed.decide("bam-1"))["scopes"]
    assert "employees:write" in (await staffed.decide("pam-1"))["scopes"]
    assert "employees:write" not in (await staffed.decide("viewer-1"))["scopes"]


async def test_an_unassociated_user_and_an_unknown_business_are_refused_with_their_reason(staffed: Portal) -> None:
    stranger = await staffed.decide("stranger")
    unknown = await staffed.decide("bam-1", bn=OTHER_BN)

    assert (stranger["allow"], stranger["reason"], stranger["scopes"]) == (False, "not_associated", [])
    assert (unknown["allow"], unknown["reason"]) == (False, "business_not_registered")


async def test_a_pending_requester_is_still_unassociated(portal: Portal) -> None:
    await portal.register()
    await portal.request_access("employee-1")

    assert (await portal.decide("employee-1"))["reason"] == "not_associated"


async def test_memberships_list_every_business_of_a_user(portal: Portal) -> None:
    await portal.register()
    await portal.register(registered(OTHER_BN, registrant="other-bam", programs=("RM0001",)))
    await portal.employ("employee-1", Role.EDITOR, [RM2])
    request_id = (await portal.request_access("employee-1", bn=OTHER_BN)).json()["id"]
    await portal.approve("other-bam", request_id, "viewer", bn=OTHER_BN)

    response = await portal.client.get("/internal/users/employee-1/memberships")
    nobody = await portal.client.get("/internal/users/nobody/memberships")

    assert response.status_code == 200
    assert response.json() == [
        {"bn": OTHER_BN, "operating_name": "ImporterCompany1755", "role": "viewer", "programs": "all"},
        {"bn": BN, "operating_name": "ImporterCompany1755", "role": "editor", "programs": [RM2]},
    ]
    assert nobody.json() == []


async def test_my_contexts_give_role_programs_and_scopes_per_business(portal: Portal) -> None:
    await portal.register()
    await portal.register(registered(OTHER_BN, registrant="other-bam", programs=("RM0001",)))
    await portal.employ("employee-1", Role.PAM, [RM1])
    request_id = (await portal.request_access("employee-1", bn=OTHER_BN)).json()["id"]
    await portal.approve("other-bam", request_id, "bam", bn=OTHER_BN)

    first = (await portal.client.get("/v1/me/contexts", params={"limit": 1}, headers=portal.me("employee-1"))).json()
    second = (
        await portal.client.get(
            "/v1/me/contexts", params={"limit": 1, "cursor": first["next_cursor"]}, headers=portal.me("employee-1")
        )
    ).json()
    nothing = (await portal.client.get("/v1/me/contexts", headers=portal.me("stranger"))).json()

    assert [(c["bn"], c["role"], c["programs"]) for c in first["items"] + second["items"]] == [
        (OTHER_BN, "bam", "all"),
        (BN, "pam", [RM1]),
    ]
    assert first["items"][0]["scopes"] == scopes_for(Role.BAM)
    assert second["items"][0]["scopes"] == scopes_for(Role.PAM)
    assert second["next_cursor"] is None
    assert nothing == {"items": [], "next_cursor": None}
