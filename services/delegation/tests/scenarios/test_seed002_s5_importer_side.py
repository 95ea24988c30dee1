"""Seed 002 §5: managing business relationships from the importer's side: deciding the provider's requests, and
editing, expiring and re-establishing relationships with what each change does to the provider's staff."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from delegation.relationships.service import EXPIRY_ACTOR
from delegation.roles import Role
from portal_contracts.events.delegation import (
    RelationshipChanged,
    RelationshipExpired,
    RelationshipRequestApproved,
    RelationshipRequestRejected,
)

from ..api.factories import BN, RM1, RM2, RM3, SP_BN, VISIBLE_ALL, VISIBLE_NONE, in_days
from .world import BROKER_BAM, IMPORTER_BAM, Portal, World, problem


@pytest.fixture
async def world(portal: Portal) -> World:
    """The importer and the broker, the broker's PAM, editor and viewer."""
    world = await World(portal).start()
    for user, role in (("sp-pam", Role.PAM), ("sp-editor", Role.EDITOR), ("sp-viewer", Role.VIEWER)):
        await world.hire(user, role)
    return world


async def test_5_1_a_relationship_comes_first_then_the_provider_assigns_its_staff(world: World) -> None:
    """§5.1: for a provider to act for an importer, a relationship must first be established; only then can the
    provider assign its employees to the client's accounts."""
    request_id = await world.rel.asked()

    before = await world.rel.assign(str(uuid.uuid4()), "sp-editor", "editor")
    relationship = (await world.rel.approve(request_id)).json()
    after = await world.rel.assign(relationship["id"], "sp-editor", "editor")

    assert (before.status_code, problem(before)["code"]) == (404, "relationship_not_found")
    assert after.status_code == 200
    assert (await world.decide("sp-editor", BN))["role"] == "proxy_editor"


async def test_5_1_the_importer_approves_with_type_and_visibility_and_the_provider_is_told(world: World) -> None:
    """§5.1: the importer receives the provider's pending request, reads its comment, and approves it choosing
    all programs or specific ones and the visibility rules; the provider is told through the portal."""
    request_id = await world.rel.asked()
    received = await world.portal.client.get(
        f"/v1/businesses/{BN}/relationship-requests",
        params={"direction": "incoming", "status": "pending"},
        headers=world.portal.acting(IMPORTER_BAM, Role.BAM),
    )

    approved = await world.rel.approve(
        request_id, "program_management", [RM2], {"client_submitted": True, "other_businesses_submitted": False}
    )
    told = await world.last_event(RelationshipRequestApproved.event_type)

    assert [(r["provider_bn"], r["comment"]) for r in received.json()["items"]] == [
        (SP_BN, "We clear your goods at Fort Erie.")
    ]
    assert (approved.json()["type"], approved.json()["programs"]) == ("program_management", [RM2])
    assert (told.data["provider_user_ids"], told.data["type"], told.data["programs"]) == (
        [BROKER_BAM, "sp-pam"],
        "program_management",
        [RM2],
    )
    decision = await world.decide(BROKER_BAM, BN, RM2)
    assert (decision["role"], decision["visibility"]) == ("proxy_pam", ["provider", "client"])
    (trail_entry, *_) = await world.trail()
    assert (trail_entry["action"], trail_entry["details"]["provider_bn"]) == ("relationship_request_approved", SP_BN)


async def test_5_1_a_rejection_sends_its_justification_to_the_provider(world: World) -> None:
    """§5.1: rejecting a provider's request requires a justification, which is sent to the provider."""
    request_id = await world.rel.asked()

    without = await world.rel.reject(request_id, "")
    rejected = await world.rel.reject(request_id, "We already work with another broker.")
    told = await world.last_event(RelationshipRequestRejected.event_type)
    seen = await world.portal.client.get(
        f"/v1/businesses/{SP_BN}/relationship-requests", headers=world.portal.acting(BROKER_BAM, Role.BAM, SP_BN)
    )

    assert without.status_code == 422
    assert rejected.json()["status"] == "rejected"
    assert (told.data["comment"], told.data["provider_user_ids"]) == (
        "We already work with another broker.",
        [BROKER_BAM, "sp-pam"],
    )
    assert seen.json()["items"][0]["rejection_comment"] == "We already work with another broker."
    assert (await world.decide(BROKER_BAM, BN))["reason"] == "not_associated"


async def test_5_2_only_a_client_bam_edits_a_relationship(world: World) -> None:
    """§5.2: editing a provider's access (expiry date, visibility rules, access type) can only be done by a BAM."""
    await world.employ("pam-1", Role.PAM, "all")
    relationship = await world.rel.establish("program_management", [RM1])

    by_pam = await world.rel.edit(relationship, user="pam-1", role=Role.PAM, visibility=VISIBLE_ALL)
    by_bam = await world.rel.edit(
        relationship, visibility=VISIBLE_ALL, expires_on=in_days(90), type="program_management", programs=[RM1, RM2]
    )
    told = await world.last_event(RelationshipChanged.event_type)

    assert (by_pam.status_code, problem(by_pam)["code"]) == (403, "bam_required")
    assert by_bam.status_code == 200, by_bam.text
    assert sorted(told.data["changed"]) == ["expires_on", "programs", "visibility"]
    assert (told.data["provider_user_ids"], told.data["client_user_ids"]) == (
        [BROKER_BAM, "sp-pam"],
        [IMPORTER_BAM, "pam-1"],
    )
    assert (await world.decide(BROKER_BAM, BN))["visibility"] == ["provider", "client", "other_businesses"]


async def test_5_2_on_expiry_every_provider_employee_loses_access_and_the_bams_keep_the_expired_role(
    world: World,
) -> None:
    """§5.2: when a relationship expires, every employee of the provider, BAM included, loses all access to the
    client's program accounts and the visibility rules are removed (the BAMs keep the read-only expired role)."""
    relationship = await world.rel.establish("business_management", visibility=VISIBLE_ALL, expires_on=in_days(30))
    await world.rel.assign(relationship["id"], "sp-pam", "pam")
    group_id = await world.group("Ontario importers", [BN])
    await world.group_member(group_id, "sp-viewer", "viewer")
    assert (await world.decide("sp-viewer", BN))["role"] == "proxy_viewer"

    assert await world.expiry_job(in_days(29)) == []
    assert await world.expiry_job(in_days(30)) == [relationship["id"]]
    told = await world.last_event(RelationshipExpired.event_type)

    for staff in ("sp-pam", "sp-viewer"):
        assert (await world.decide(staff, BN))["reason"] == "not_associated", staff
        assert BN not in await world.contexts(staff)
    expired = await world.decide(BROKER_BAM, BN)
    assert (expired["role"], expired["visibility"]) == ("expired", ["provider"])
    stored = (await world.rel.get(relationship["id"])).json()
    assert (stored["status"], stored["visibility"]) == ("expired", {"provider_submitted": True, **VISIBLE_NONE})
    assert (told.data["provider_user_ids"], told.data["client_user_ids"]) == ([BROKER_BAM, "sp-pam"], [IMPORTER_BAM])
    assert (await world.trail())[0]["action"] == "relationship_expired"
    assert (await world.trail())[0]["actor_user_id"] == EXPIRY_ACTOR
    assert (await world.overview())["providers"] == []
    assert (await world.group_detail(group_id)).json()["clients"] == []


async def test_5_2_access_ends_on_the_expiry_date_even_before_the_expiry_job_runs(world: World) -> None:
    """§5.2: on the relationship's expiry date every provider employee loses access: the decisions do not wait for
    the scheduled job to close the relationship."""
    relationship = await world.rel.establish("business_management", visibility=VISIBLE_ALL, expires_on=in_days(3))
    await world.rel.assign(relationship["id"], "sp-editor", "editor")
    # Four days on: the business day (CBSA time zone) is past the expiry date whatever the hour.
    world.portal.app.state.clock = lambda: datetime.now(UTC) + timedelta(days=4)

    editor = await world.decide("sp-editor", BN)
    bam = await world.decide(BROKER_BAM, BN)

    assert editor["reason"] == "not_associated"
    assert (bam["role"], bam["visibility"]) == ("expired", ["provider"])
    assert (await world.contexts(BROKER_BAM))[BN]["role"] == "expired"
    assert (await world.rel.get(relationship["id"])).json()["status"] == "active"  # the job has not run yet
    assert await world.expiry_job(in_days(3)) == [relationship["id"]]
    assert (await world.rel.get(relationship["id"])).json()["status"] == "expired"


async def test_5_2_re_establishing_an_expired_relationship_restores_nothing(world: World) -> None:
    """§5.2: a relationship can be re-established after it expired, but its previous configuration (access type,
    visibility), the user roles and the client-group structure the provider had for the client do not come back."""
    old = await world.rel.establish("program_management", [RM1, RM2], VISIBLE_ALL, expires_on=in_days(10))
    await world.rel.assign(old["id"], "sp-pam", "pam", [RM1])
    group_id = await world.group("Ontario importers", [BN])
    await world.group_member(group_id, "sp-editor", "editor")
    await world.expiry_job(in_days(10))

    again = await world.rel.establish("business_management", visibility=VISIBLE_NONE)

    assert again["id"] != old["id"]
    assert (again["type"], again["programs"], again["visibility"]) == (
        "business_management",
        "all",
        {"provider_submitted": True, **VISIBLE_NONE},
    )
    assert (await world.decide(BROKER_BAM, BN))["visibility"] == ["provider"]
    for staff in ("sp-pam", "sp-editor"):
        assert (await world.decide(staff, BN))["reason"] == "not_associated", staff
    assert (await world.group_detail(group_id)).json()["clients"] == []
    (provider,) = (await world.overview())["providers"]
    assert [s["user_id"] for s in provider["staff"]] == [BROKER_BAM]


async def test_5_2_upgrading_to_business_management_promotes_proxy_pams_and_widens_group_access(
    world: World,
) -> None:
    """§5.2: when a client upgrades a relationship to business management, every provider BAM acting as proxy PAM
    becomes proxy BAM, and every employee of a client group holding the client gets all programs by its group
    role."""
    relationship = await world.rel.establish("program_management", [RM1])
    group_id = await world.group("Ontario importers", [BN])
    await world.group_member(group_id, "sp-editor", "editor")
    assert (await world.decide("sp-editor", BN, RM2))["reason"] == "program_not_in_relationship"

    upgraded = await world.rel.edit(relationship, type="business_management")

    assert (upgraded.json()["type"], upgraded.json()["programs"]) == ("business_management", "all")
    bam = await world.decide(BROKER_BAM, BN, RM3)
    assert (bam["role"], bam["program_accounts"]) == ("proxy_bam", None)
    editor = await world.decide("sp-editor", BN, RM3)
    assert (editor["role"], editor["program_accounts"]) == ("proxy_editor", None)
    assert (await world.contexts(BROKER_BAM))[BN]["role"] == "proxy_bam"


async def test_5_2_downgrading_to_program_management_demotes_proxy_bams(world: World) -> None:
    """§5.2: when a client downgrades a relationship to program management, every proxy BAM of the provider becomes
    proxy PAM."""
    await world.hire("sp-bam-2", Role.BAM)
    relationship = await world.rel.establish("business_management")

    without_programs = await world.rel.edit(relationship, type="program_management")
    downgraded = await world.rel.edit(relationship, type="program_management", programs=[RM2, RM3])

    assert (without_programs.status_code, problem(without_programs)["code"]) == (422, "programs_required")
    assert downgraded.status_code == 200
    for bam in (BROKER_BAM, "sp-bam-2"):
        decision = await world.decide(bam, BN, RM2)
        assert (decision["role"], decision["program_accounts"]) == ("proxy_pam", [RM2, RM3]), bam
        assert (await world.decide(bam, BN, RM1))["reason"] == "program_not_in_relationship"


async def test_5_2_removing_a_program_account_removes_it_from_every_provider_employee(world: World) -> None:
    """§5.2: when a client removes a program account from a relationship, every employee of the provider loses
    access to the removed program."""
    relationship = await world.rel.establish("program_management", [RM1, RM2])
    await world.rel.assign(relationship["id"], "sp-pam", "pam", [RM1, RM2])
    await world.rel.assign(relationship["id"], "sp-viewer", "viewer", [RM1])
    group_id = await world.group("Ontario importers", [BN])
    await world.group_member(group_id, "sp-editor", "editor")

    edited = await world.rel.edit(relationship, programs=[RM2])
    told = await world.last_event(RelationshipChanged.event_type)

    assert told.data["removed_programs"] == [RM1]
    for user in (BROKER_BAM, "sp-pam", "sp-editor"):
        assert (await world.decide(user, BN, RM1))["reason"] == "program_not_in_relationship", user
        assert (await world.decide(user, BN, RM2))["allow"] is True, user
    # The viewer held only RM1: nothing is left of its assignment.
    assert (await world.decide("sp-viewer", BN))["reason"] == "not_associated"
    assignments = await world.portal.client.get(
        f"/v1/businesses/{SP_BN}/relationships/{edited.json()['id']}/assignments", headers=world.as_broker()
    )
    assert [(a["user_id"], a["programs"]) for a in assignments.json()["items"]] == [("sp-pam", [RM2])]
