"""Seed 002 §2: user roles and permissions in the portal (BAM, PAM, editor, viewer, unassociated user).

Each test drives the HTTP API and reads the consequence the way the gateway and the user do: the decision
(``POST /internal/decisions``) and the user's acting contexts (``GET /v1/me/contexts``).
"""

from __future__ import annotations

import pytest

from delegation.roles import Role, scopes_for
from portal_contracts.events import EmployeeAccessGranted
from portal_contracts.scopes import ALL_SCOPES, Function, Scope

from ..api.factories import BN, RM1, RM2, RM3
from .world import IMPORTER_BAM, Portal, World, problem

OPERATIONAL_WRITES = {Scope.PAYMENTS_WRITE, Scope.DECLARATIONS_WRITE, Scope.RULINGS_WRITE}
OPERATIONAL_READS = {Scope.FINANCIAL_READ, Scope.PAYMENTS_READ, Scope.DECLARATIONS_READ, Scope.RULINGS_READ}
ACCESS_MANAGEMENT = {Scope.EMPLOYEES_READ, Scope.EMPLOYEES_WRITE}


@pytest.fixture
async def world(portal: Portal) -> World:
    return await World(portal).start()


async def employee_etag(world: World, user: str) -> str:
    response = await world.portal.client.get(
        f"/v1/businesses/{BN}/employees/{user}", headers=world.portal.acting(IMPORTER_BAM, Role.BAM)
    )
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


async def test_2_1_bam_has_full_access_to_the_business_and_all_its_program_accounts(world: World) -> None:
    """§2.1: the BAM has full access to every function for a business account and all its program accounts, and the
    role goes automatically to the first person who links their account by registering the business."""
    granted = await world.last_event(EmployeeAccessGranted.event_type, bn=BN)
    decision = await world.decide(IMPORTER_BAM)
    on_rm3 = await world.decide(IMPORTER_BAM, program_account=RM3)
    mine = await world.contexts(IMPORTER_BAM)

    assert (granted.data["user_id"], granted.data["role"], granted.data["programs"]) == (IMPORTER_BAM, "bam", "all")
    assert decision == {
        "allow": True,
        "reason": "employee",
        "role": "bam",
        "scopes": sorted(ALL_SCOPES),
        "program_accounts": None,  # every program account, present and future
        "via_provider": None,
        "visibility": [],
    }
    assert on_rm3["allow"] is True
    assert (mine[BN]["role"], mine[BN]["programs"], mine[BN]["scopes"]) == ("bam", "all", sorted(ALL_SCOPES))
    assert (await world.trail())[-1]["action"] == "access_granted_on_registration"


async def test_2_1_every_business_keeps_at_least_one_bam_and_a_second_is_recommended(world: World) -> None:
    """§2.1: every business account needs at least one BAM; a second BAM is strongly recommended so that losing one
    account does not lose all management of the business."""
    await world.employ("pam-1", Role.PAM, [RM1])
    own = f"/v1/businesses/{BN}/employees/{IMPORTER_BAM}"
    as_bam, as_pam = world.portal.acting(IMPORTER_BAM, Role.BAM), world.portal.acting("pam-1", Role.PAM)
    viewer = {"role": "viewer", "programs": [RM1]}

    # The only BAM can neither demote nor remove itself, and a PAM can do neither to it.
    self_demotion = await world.portal.client.put(own, json=viewer, headers=as_bam)
    self_removal = await world.portal.client.delete(own, headers=as_bam)
    pam_demotion = await world.portal.client.put(own, json=viewer, headers=as_pam)
    pam_removal = await world.portal.client.delete(own, headers=as_pam)
    # With a second BAM, the first can be demoted (by the other one).
    await world.employ("bam-2", Role.BAM)
    demoted = await world.portal.client.put(
        own,
        json=viewer,
        headers={**world.portal.acting("bam-2", Role.BAM), "If-Match": await employee_etag(world, IMPORTER_BAM)},
    )

    assert (self_demotion.status_code, problem(self_demotion)["code"]) == (403, "own_access")
    assert (self_removal.status_code, problem(self_removal)["code"]) == (403, "own_access")
    assert (pam_demotion.status_code, problem(pam_demotion)["code"]) == (403, "manager_outranked")
    assert (pam_removal.status_code, problem(pam_removal)["code"]) == (403, "bam_required")
    assert demoted.status_code == 200, demoted.text
    assert (await world.decide("bam-2"))["role"] == "bam"
    assert (await world.decide(IMPORTER_BAM))["role"] == "viewer"
    assert [(e["user_id"], e["role"]) for e in (await world.overview(bam="bam-2"))["employees"]] == [
        (IMPORTER_BAM, "viewer"),
        ("pam-1", "pam"),
        ("bam-2", "bam"),
    ]


async def test_2_2_pam_has_full_access_to_specific_program_accounts_only(world: World) -> None:
    """§2.2: the PAM role gives full access to all functions for a specific program account (BN15) only, managing
    it alongside the BAM."""
    await world.employ("pam-1", Role.PAM, [RM1])

    on_rm1 = await world.decide("pam-1", program_account=RM1)
    on_rm2 = await world.decide("pam-1", program_account=RM2)
    context = (await world.contexts("pam-1"))[BN]

    assert (on_rm1["allow"], on_rm1["role"], on_rm1["program_accounts"]) == (True, "pam", [RM1])
    assert set(on_rm1["scopes"]) == set(ALL_SCOPES) - {Scope.BUSINESS_PROFILE_WRITE}
    assert (on_rm2["allow"], on_rm2["reason"]) == (False, "program_not_granted")
    assert (context["role"], context["programs"]) == ("pam", [RM1])


async def test_2_3_editor_performs_operational_activities(world: World) -> None:
    """§2.3: the editor performs operational activities in the portal (requests rulings, makes payments, ...)."""
    await world.employ("editor-1", Role.EDITOR, [RM2])

    decision = await world.decide("editor-1", program_account=RM2)

    assert (decision["allow"], decision["role"]) == (True, "editor")
    assert OPERATIONAL_WRITES | OPERATIONAL_READS <= set(decision["scopes"])
    assert not ACCESS_MANAGEMENT & set(decision["scopes"])  # operates, does not manage access
    assert (await world.decide("editor-1", program_account=RM1))["reason"] == "program_not_granted"


async def test_2_4_viewer_views_operational_activities(world: World) -> None:
    """§2.4: the viewer sees the operational activities (rulings, payments, financial information), and changes
    nothing."""
    await world.employ("viewer-1", Role.VIEWER)

    decision = await world.decide("viewer-1", program_account=RM3)

    assert (decision["allow"], decision["role"]) == (True, "viewer")
    assert set(decision["scopes"]) == OPERATIONAL_READS
    assert not any(s.endswith(":write") for s in decision["scopes"])


async def test_2_5_unassociated_user_has_no_access(world: World) -> None:
    """§2.5: a user who registered a profile but has not linked a business nor been accepted as an employee has no
    access."""
    asked = await world.portal.request_access("newcomer")
    assert asked.status_code == 201

    decision = await world.decide("newcomer")

    assert decision == {
        "allow": False,
        "reason": "not_associated",
        "role": None,
        "scopes": [],
        "program_accounts": None,
        "via_provider": None,
        "visibility": [],
    }
    assert await world.contexts("newcomer") == {}
    employees = await world.portal.client.get(
        f"/v1/businesses/{BN}/employees", headers=world.portal.acting("newcomer", Role.VIEWER)
    )
    assert employees.status_code == 403


async def test_2_6_each_role_has_a_set_of_permissions_grouped_in_nine_functions(world: World) -> None:
    """§2.6: each user role comes with a set of permissions that control what the user can do, grouped into nine
    related functions."""
    for role, programs in ((Role.PAM, [RM1]), (Role.EDITOR, [RM1]), (Role.VIEWER, [RM1])):
        await world.employ(f"{role.value}-1", role, programs)

    decided = {role: await world.decide(f"{role.value}-1" if role is not Role.BAM else IMPORTER_BAM) for role in Role}

    assert len(Function) == 9
    assert {s.split(":")[0] for s in ALL_SCOPES} == {f.value for f in Function}
    for role, decision in decided.items():
        assert decision["scopes"] == scopes_for(role), role
    # Each role holds at most what the one above it holds: BAM > PAM > editor > viewer.
    ranks = [set(decided[r]["scopes"]) for r in (Role.BAM, Role.PAM, Role.EDITOR, Role.VIEWER)]
    assert ranks[0] > ranks[1] > ranks[2] > ranks[3]
