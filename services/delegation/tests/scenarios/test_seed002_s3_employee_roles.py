"""Seed 002 §3: assigning user roles step by step: access requests, approval and rejection, editing and removing
employees, under the BAM > PAM > editor/viewer hierarchy."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import Response

from delegation.roles import Role
from portal_contracts.events import AccessRequestApproved
from portal_contracts.events.delegation import (
    AccessRequestRejected,
    AccessRequestSubmitted,
    EmployeeAccessChanged,
    EmployeeAccessRevoked,
)

from ..api.factories import BN, RM1, RM2, RM3, SP_BN
from .world import BROKER_BAM, IMPORTER_BAM, Portal, World, problem


@pytest.fixture
async def world(portal: Portal) -> World:
    return await World(portal).start()


async def put_employee(world: World, user: str, body: dict[str, Any], *, by: str, role: Role, bn: str = BN) -> Response:
    return await world.portal.client.put(
        f"/v1/businesses/{bn}/employees/{user}", json=body, headers=world.portal.acting(by, role, bn)
    )


async def remove_employee(world: World, user: str, *, by: str, role: Role = Role.BAM, bn: str = BN) -> Response:
    return await world.portal.client.delete(
        f"/v1/businesses/{bn}/employees/{user}", headers=world.portal.acting(by, role, bn)
    )


async def test_3_only_bams_and_pams_manage_employees_and_only_bams_remove_them(world: World) -> None:
    """§3: managing employees is reserved to BAMs and PAMs, but only BAMs can remove users."""
    await world.employ("pam-1", Role.PAM, "all")
    await world.employ("editor-1", Role.EDITOR, [RM1])
    await world.employ("viewer-1", Role.VIEWER, [RM1])
    asked = (await world.portal.request_access("newcomer")).json()["id"]

    by_editor = await world.portal.approve("editor-1", asked, "viewer", [RM1], manager_role=Role.EDITOR)
    listed_by_viewer = await world.portal.client.get(
        f"/v1/businesses/{BN}/employees", headers=world.portal.acting("viewer-1", Role.VIEWER)
    )
    edited_by_pam = await put_employee(
        world, "viewer-1", {"role": "editor", "programs": [RM1]}, by="pam-1", role=Role.PAM
    )
    removed_by_pam = await remove_employee(world, "editor-1", by="pam-1", role=Role.PAM)
    removed_by_bam = await remove_employee(world, "editor-1", by=IMPORTER_BAM)

    assert by_editor.status_code == 403
    assert listed_by_viewer.status_code == 403
    assert edited_by_pam.status_code == 200, edited_by_pam.text
    assert (removed_by_pam.status_code, problem(removed_by_pam)["code"]) == (403, "bam_required")
    assert removed_by_bam.status_code == 204
    assert (await world.decide("viewer-1", program_account=RM1))["role"] == "editor"
    assert (await world.decide("editor-1"))["reason"] == "not_associated"


async def test_3_a_pam_manages_access_only_for_its_own_program_accounts(world: World) -> None:
    """§3: a BAM manages access for the whole business account, a PAM only for its specific program accounts."""
    await world.employ("pam-1", Role.PAM, [RM1])
    await world.employ("editor-rm1", Role.EDITOR, [RM1])
    await world.employ("editor-rm2", Role.EDITOR, [RM2])
    asked = (await world.portal.request_access("newcomer")).json()["id"]

    visible = await world.portal.client.get(
        f"/v1/businesses/{BN}/employees", headers=world.portal.acting("pam-1", Role.PAM)
    )
    outside = await put_employee(world, "editor-rm2", {"role": "viewer", "programs": [RM2]}, by="pam-1", role=Role.PAM)
    beyond = await world.portal.approve("pam-1", asked, "editor", [RM1, RM3], manager_role=Role.PAM)
    within = await world.portal.approve("pam-1", asked, "editor", [RM1], manager_role=Role.PAM)

    assert {e["user_id"] for e in visible.json()["items"]} == {IMPORTER_BAM, "pam-1", "editor-rm1"}
    assert (outside.status_code, problem(outside)["code"]) == (403, "programs_not_held")
    assert (beyond.status_code, problem(beyond)["code"]) == (403, "programs_not_held")
    assert within.status_code == 200, within.text
    assert (await world.decide("newcomer", program_account=RM1))["role"] == "editor"
    assert (await world.decide("newcomer", program_account=RM3))["reason"] == "program_not_granted"


async def test_3_users_cannot_update_or_remove_their_own_access(world: World) -> None:
    """§3: users cannot update or delete their own access."""
    await world.employ("pam-1", Role.PAM, [RM1])

    promote_self = await put_employee(world, "pam-1", {"role": "pam", "programs": "all"}, by="pam-1", role=Role.PAM)
    remove_self = await remove_employee(world, IMPORTER_BAM, by=IMPORTER_BAM)

    assert (promote_self.status_code, problem(promote_self)["code"]) == (403, "own_access")
    assert (remove_self.status_code, problem(remove_self)["code"]) == (403, "own_access")
    assert (await world.decide("pam-1"))["program_accounts"] == [RM1]


async def test_3_1_an_access_request_stays_pending_and_the_user_unassociated_until_decided(world: World) -> None:
    """§3.1: the employee registers and asks their employer for access; the employer receives a pending request
    and the employee stays an unassociated user until the employer approves with a role or rejects."""
    await world.employ("pam-1", Role.PAM, [RM2])
    asked = await world.portal.request_access("newcomer", comment="New customs clerk, Fort Erie office.")

    pending = await world.portal.client.get(
        f"/v1/businesses/{BN}/access-requests",
        params={"status": "pending"},
        headers=world.portal.acting(IMPORTER_BAM, Role.BAM),
    )
    mine = await world.portal.client.get("/v1/me/access-requests", headers=world.portal.me("newcomer"))
    told = await world.last_event(AccessRequestSubmitted.event_type, requester_user_id="newcomer")

    assert (asked.status_code, asked.json()["status"]) == (201, "pending")
    assert [(r["requester_user_id"], r["comment"]) for r in pending.json()["items"]] == [
        ("newcomer", "New customs clerk, Fort Erie office.")
    ]
    assert [(r["status"], r["decision"]) for r in mine.json()["items"]] == [("pending", None)]
    # The business's managers (BAM and PAM) are told there is a request waiting for them.
    assert sorted(told.data["approver_user_ids"]) == sorted([IMPORTER_BAM, "pam-1"])
    assert (await world.decide("newcomer"))["reason"] == "not_associated"
    assert await world.contexts("newcomer") == {}


async def test_3_2_a_rejection_needs_a_justification_the_requester_reads(world: World) -> None:
    """§3.2: rejecting a pending request requires a justification in the rejection notice; the unassociated user
    can see the rejected request and its comment."""
    asked = (await world.portal.request_access("newcomer")).json()["id"]

    without = await world.portal.reject(IMPORTER_BAM, asked, "   ")
    rejected = await world.portal.reject(IMPORTER_BAM, asked, "You are not on our payroll.")
    mine = (await world.portal.client.get("/v1/me/access-requests", headers=world.portal.me("newcomer"))).json()
    told = await world.last_event(AccessRequestRejected.event_type, requester_user_id="newcomer")

    assert without.status_code == 422
    assert rejected.status_code == 200, rejected.text
    (request,) = mine["items"]
    assert (request["status"], request["decision"]["comment"]) == ("rejected", "You are not on our payroll.")
    assert told.data["comment"] == "You are not on our payroll."
    assert (await world.decide("newcomer"))["reason"] == "not_associated"
    assert (await world.trail())[0]["action"] == "access_request_rejected"


async def test_3_2_a_bam_or_pam_approves_with_a_role_and_all_or_individual_programs(world: World) -> None:
    """§3.2: a BAM or PAM approves an employee's request by choosing a user role and either all programs or
    individual programs; the approver is responsible for checking that the user is an employee."""
    await world.employ("pam-1", Role.PAM, [RM1, RM2])
    first = (await world.portal.request_access("clerk-a")).json()["id"]
    second = (await world.portal.request_access("clerk-b")).json()["id"]

    all_programs = await world.portal.approve(IMPORTER_BAM, first, "viewer", "all")
    individual = await world.portal.approve("pam-1", second, "editor", [RM2], manager_role=Role.PAM)
    told = await world.last_event(AccessRequestApproved.event_type, requester_user_id="clerk-b")

    assert all_programs.status_code == individual.status_code == 200
    assert (await world.decide("clerk-a"))["program_accounts"] is None
    assert (await world.decide("clerk-a", program_account=RM3))["role"] == "viewer"
    assert (await world.decide("clerk-b", program_account=RM2))["role"] == "editor"
    assert (await world.decide("clerk-b", program_account=RM1))["reason"] == "program_not_granted"
    assert (told.data["decided_by"], told.data["role"], told.data["programs"]) == ("pam-1", "editor", [RM2])
    contexts = await world.contexts("clerk-b")
    assert (contexts[BN]["role"], contexts[BN]["programs"]) == ("editor", [RM2])


async def test_3_3_editing_an_employee_changes_its_access_at_once(world: World) -> None:
    """§3.3: BAMs and PAMs change an employee's role and access (all or individual programs) from the Manage
    employees page."""
    await world.employ("clerk", Role.VIEWER, [RM1])

    edited = await put_employee(
        world, "clerk", {"role": "editor", "programs": [RM1, RM2]}, by=IMPORTER_BAM, role=Role.BAM
    )
    told = await world.last_event(EmployeeAccessChanged.event_type, user_id="clerk")

    assert edited.status_code == 200, edited.text
    assert (await world.decide("clerk", program_account=RM2))["role"] == "editor"
    assert (told.data["previous_role"], told.data["role"], told.data["programs"]) == ("viewer", "editor", [RM1, RM2])
    entry = (await world.trail())[0]
    assert (entry["action"], entry["target_user_id"], entry["details"]["after"]) == (
        "employee_access_changed",
        "clerk",
        {"role": "editor", "programs": [RM1, RM2]},
    )


async def test_3_3_removing_an_employee_revokes_all_access_to_the_employer_and_its_relationships(
    world: World,
) -> None:
    """§3.3: only BAMs remove an employee; it revokes all access to the employer's business account and to its
    business relationships."""
    await world.hire("sp-clerk", Role.EDITOR)
    relationship = await world.rel.establish()
    assert (await world.rel.assign(relationship["id"], "sp-clerk", "editor")).status_code == 200
    assert (await world.decide("sp-clerk", BN))["role"] == "proxy_editor"

    removed = await remove_employee(world, "sp-clerk", by=BROKER_BAM, bn=SP_BN)
    told = await world.last_event(EmployeeAccessRevoked.event_type, user_id="sp-clerk")

    assert removed.status_code == 204
    assert (await world.decide("sp-clerk", SP_BN))["reason"] == "not_associated"
    assert (await world.decide("sp-clerk", BN))["reason"] == "not_associated"
    assert await world.contexts("sp-clerk") == {}
    assert told.data["client_bns"] == [BN]  # the gateway drops what it cached for the client too
    (provider,) = (await world.overview())["providers"]
    assert [s["user_id"] for s in provider["staff"]] == [BROKER_BAM]


async def test_3_3_a_removed_user_approved_again_gets_none_of_its_previous_access(world: World) -> None:
    """§3.3: if the removed user is later approved again for the same business, the previous access details are
    not restored."""
    await world.hire("sp-clerk", Role.PAM)
    relationship = await world.rel.establish()
    await world.rel.assign(relationship["id"], "sp-clerk", "pam")
    await remove_employee(world, "sp-clerk", by=BROKER_BAM, bn=SP_BN)

    await world.hire("sp-clerk", Role.VIEWER, "all")

    assert (await world.decide("sp-clerk", SP_BN))["role"] == "viewer"
    assert (await world.decide("sp-clerk", BN))["reason"] == "not_associated"  # the old assignment is gone
    assignments = await world.portal.client.get(
        f"/v1/businesses/{SP_BN}/relationships/{relationship['id']}/assignments",
        headers=world.portal.acting(BROKER_BAM, Role.BAM, SP_BN),
    )
    assert assignments.json()["items"] == []


async def test_3_3_a_user_promoted_to_bam_gets_the_business_and_every_program_account(world: World) -> None:
    """§3.3: a user promoted to BAM automatically gets access to the employer's business account and all its
    program accounts."""
    await world.employ("pam-1", Role.PAM, [RM1])

    promoted = await put_employee(world, "pam-1", {"role": "bam", "programs": [RM1]}, by=IMPORTER_BAM, role=Role.BAM)

    assert (promoted.status_code, promoted.json()["programs"]) == (200, "all")
    decision = await world.decide("pam-1", program_account=RM3)
    assert (decision["role"], decision["program_accounts"], "business_profile:write" in decision["scopes"]) == (
        "bam",
        None,
        True,
    )


async def test_3_3_a_demoted_bam_loses_every_bam_permission_and_keeps_only_the_new_role(world: World) -> None:
    """§3.3: a user demoted from BAM loses all BAM permissions and keeps only those of the new role (PAM, editor or
    viewer)."""
    await world.employ("bam-2", Role.BAM)
    await world.hire("sp-bam-2", Role.BAM)
    await world.rel.establish()
    assert (await world.decide("sp-bam-2", BN))["role"] == "proxy_bam"  # a provider BAM acts for every client

    demoted = await put_employee(world, "bam-2", {"role": "editor", "programs": [RM2]}, by=IMPORTER_BAM, role=Role.BAM)
    broker_demoted = await put_employee(
        world, "sp-bam-2", {"role": "viewer", "programs": "all"}, by=BROKER_BAM, role=Role.BAM, bn=SP_BN
    )

    assert demoted.status_code == broker_demoted.status_code == 200
    decision = await world.decide("bam-2", program_account=RM2)
    assert (decision["role"], decision["program_accounts"]) == ("editor", [RM2])
    assert not {"employees:write", "business_profile:write"} & set(decision["scopes"])
    assert (await world.decide("bam-2", program_account=RM1))["reason"] == "program_not_granted"
    # The provider's former BAM no longer acts for its clients (a viewer must be assigned to).
    assert (await world.decide("sp-bam-2", BN))["reason"] == "not_associated"


async def test_3_3_access_is_managed_hierarchically(world: World) -> None:
    """§3.3: access is managed hierarchically, BAMs above PAMs: a BAM edits everyone including other BAMs, a PAM
    cannot change a BAM, editors and viewers manage nobody's access."""
    await world.employ("bam-2", Role.BAM)
    await world.employ("pam-1", Role.PAM, "all")
    await world.employ("editor-1", Role.EDITOR)
    asked = (await world.portal.request_access("newcomer")).json()["id"]

    bam_on_bam = await put_employee(world, "bam-2", {"role": "pam", "programs": [RM1]}, by=IMPORTER_BAM, role=Role.BAM)
    pam_on_pam = await put_employee(world, "bam-2", {"role": "viewer", "programs": [RM1]}, by="pam-1", role=Role.PAM)
    pam_grants_bam = await world.portal.approve("pam-1", asked, "bam", "all", manager_role=Role.PAM)
    editor_edits = await put_employee(
        world, "pam-1", {"role": "viewer", "programs": [RM1]}, by="editor-1", role=Role.EDITOR
    )
    pam_on_bam = await put_employee(world, IMPORTER_BAM, {"role": "pam", "programs": "all"}, by="pam-1", role=Role.PAM)

    assert bam_on_bam.status_code == 200  # a BAM edits another BAM
    assert pam_on_pam.status_code == 200  # bam-2 is a PAM now: a PAM edits a PAM within its programs
    assert (pam_grants_bam.status_code, problem(pam_grants_bam)["code"]) == (403, "role_not_grantable")
    assert editor_edits.status_code == 403
    assert (pam_on_bam.status_code, problem(pam_on_bam)["code"]) == (403, "manager_outranked")
    assert (await world.decide(IMPORTER_BAM))["role"] == "bam"
