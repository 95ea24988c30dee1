"""Seed 002 §4: business relationships: the two types, the proxy roles they give, the provider exclusions, the
visibility attributes and the expired role, and how a service provider requests a relationship."""

from __future__ import annotations

import pytest

from delegation.roles import PROVIDER_EXCLUSIONS, ProxyRole, Role, proxy_scopes_for
from portal_contracts.events.delegation import (
    RelationshipRequestApproved,
    RelationshipRequestCancelled,
    RelationshipRequestSubmitted,
)
from portal_contracts.scopes import Scope

from ..api.factories import BN, RM1, RM2, RM3, SP2_BN, SP_BN, VISIBLE_ALL, VISIBLE_NONE
from .world import BROKER_BAM, IMPORTER_BAM, Portal, World, problem

FUTURE_PROGRAM = f"{BN}RM0009"
"""A program account the importer does not have yet: business management covers it when it comes."""
OPERATIONS = {Scope.PAYMENTS_WRITE, Scope.DECLARATIONS_WRITE, Scope.RULINGS_WRITE, Scope.FINANCIAL_READ}


@pytest.fixture
async def world(portal: Portal) -> World:
    return await World(portal).start()


async def test_4_the_provider_asks_and_then_acts_for_the_client(world: World) -> None:
    """§4: once established, a business relationship lets the provider act for its client and manage the client's
    portal accounts; to establish it, the provider sends a relationship request to the client."""
    before = await world.decide(BROKER_BAM, BN)
    request_id = await world.rel.asked()
    while_pending = await world.decide(BROKER_BAM, BN)
    told = await world.last_event(RelationshipRequestSubmitted.event_type)
    approved = await world.rel.approve(request_id)

    assert before["reason"] == while_pending["reason"] == "not_associated"
    assert told.data["client_user_ids"] == [IMPORTER_BAM]  # the client's managers are told of the request
    assert approved.status_code == 200
    after = await world.decide(BROKER_BAM, BN)
    assert (after["allow"], after["reason"], after["via_provider"]) == (True, "relationship", SP_BN)
    assert (await world.contexts(BROKER_BAM))[BN]["via_provider"] == SP_BN


async def test_4_the_importer_decides_the_type_of_relationship(world: World) -> None:
    """§4: there are two types, business management (the business account and every program account, including
    future ones) and program management (only some program accounts); the importer decides which."""
    await world.second_broker()
    business = await world.rel.establish("business_management")
    program = await world.rel.establish("program_management", [RM2], provider_bn=SP2_BN, provider_bam="sp2-bam")

    assert (business["type"], business["programs"]) == ("business_management", "all")
    assert (program["type"], program["programs"]) == ("program_management", [RM2])
    assert (await world.decide(BROKER_BAM, BN, FUTURE_PROGRAM))["allow"] is True
    assert (await world.decide("sp2-bam", BN, RM2))["allow"] is True
    assert (await world.decide("sp2-bam", BN, RM1))["reason"] == "program_not_in_relationship"
    providers = {p["bn"]: p for p in (await world.overview())["providers"]}
    assert (providers[SP_BN]["type"], providers[SP2_BN]["programs"]) == ("business_management", [RM2])


async def test_4_1_business_management_makes_the_provider_bams_proxy_bams(world: World) -> None:
    """§4.1: with business management, the provider's BAM automatically gets the proxy BAM role on the importer's
    accounts: operational work on every program account (rulings, payments, statements)."""
    await world.hire("sp-bam-2", Role.BAM)
    await world.rel.establish("business_management")

    for bam in (BROKER_BAM, "sp-bam-2"):
        decision = await world.decide(bam, BN, RM3)
        assert (decision["role"], decision["program_accounts"]) == ("proxy_bam", None), bam
        assert OPERATIONS <= set(decision["scopes"])
        assert (await world.contexts(bam))[BN]["role"] == "proxy_bam"


async def test_4_1_a_proxy_bam_never_sees_bank_details_employees_or_other_relationships(world: World) -> None:
    """§4.1: the proxy BAM has no access to the client's sensitive information (bank account), and cannot see or
    manage the importer's employees, their access or the client's other business relationships."""
    await world.rel.establish("business_management", visibility=VISIBLE_ALL)
    proxy = world.portal.acting(BROKER_BAM, Role.BAM, BN, scopes=proxy_scopes_for(ProxyRole.PROXY_BAM))

    decision = await world.decide(BROKER_BAM, BN)
    employees = await world.portal.client.get(f"/v1/businesses/{BN}/employees", headers=proxy)
    relationships = await world.portal.client.get(f"/v1/businesses/{BN}/relationships", headers=proxy)
    requests = await world.portal.client.get(f"/v1/businesses/{BN}/access-requests", headers=proxy)

    assert not {Scope.PAYMENT_SETUP_READ, Scope.PAYMENT_SETUP_WRITE} & set(decision["scopes"])
    assert not {Scope.EMPLOYEES_READ, Scope.RELATIONSHIPS_READ} & set(decision["scopes"])
    for refused in (employees, relationships, requests):
        assert refused.status_code == 403, refused.text


async def test_4_1_a_proxy_bam_manages_its_own_staff_access_to_the_client(world: World) -> None:
    """§4.1: the proxy BAM manages the access of the provider's own employees to the importer's business account
    and all its program accounts."""
    await world.hire("sp-clerk", Role.EDITOR)
    relationship = await world.rel.establish("business_management")

    assigned = await world.rel.assign(relationship["id"], "sp-clerk", "editor", "all")

    assert assigned.status_code == 200, assigned.text
    decision = await world.decide("sp-clerk", BN, RM3)
    assert (decision["role"], decision["program_accounts"]) == ("proxy_editor", None)
    (provider,) = (await world.overview())["providers"]
    assert [(s["user_id"], s["proxy_role"], s["assigned"]) for s in provider["staff"]] == [
        (BROKER_BAM, "proxy_bam", False),
        ("sp-clerk", "proxy_editor", True),
    ]


async def test_4_2_program_management_makes_the_provider_bams_proxy_pams_on_those_programs(world: World) -> None:
    """§4.2: with program management, the provider's BAM automatically gets the proxy PAM role on the importer's
    listed program accounts, without access to the business profile."""
    await world.rel.establish("program_management", [RM1])

    on_rm1 = await world.decide(BROKER_BAM, BN, RM1)
    on_rm2 = await world.decide(BROKER_BAM, BN, RM2)

    assert (on_rm1["role"], on_rm1["program_accounts"]) == ("proxy_pam", [RM1])
    assert Scope.BUSINESS_PROFILE_READ not in on_rm1["scopes"]
    assert (on_rm2["allow"], on_rm2["reason"]) == (False, "program_not_in_relationship")
    assert (await world.decide(BROKER_BAM, BN, FUTURE_PROGRAM))["allow"] is False


async def test_4_2_the_provider_gives_its_staff_proxy_pam_editor_or_viewer(world: World) -> None:
    """§4.2: the proxy BAM or PAM gives its employees the user roles that determine their access: proxy PAM, proxy
    editor or proxy viewer (never proxy BAM)."""
    for user, role in (("sp-pam", Role.PAM), ("sp-editor", Role.EDITOR), ("sp-viewer", Role.VIEWER)):
        await world.hire(user, role)
    relationship = await world.rel.establish("program_management", [RM1, RM2])

    for user, role in (("sp-pam", "pam"), ("sp-editor", "editor"), ("sp-viewer", "viewer")):
        assert (await world.rel.assign(relationship["id"], user, role, [RM2])).status_code == 200
    as_bam = await world.rel.assign(relationship["id"], "sp-editor", "bam", [RM2])

    assert (as_bam.status_code, problem(as_bam)["code"]) == (422, "validation_failed")  # not an assignable role
    roles = {u: (await world.decide(u, BN, RM2))["role"] for u in ("sp-pam", "sp-editor", "sp-viewer")}
    assert roles == {"sp-pam": "proxy_pam", "sp-editor": "proxy_editor", "sp-viewer": "proxy_viewer"}


@pytest.mark.parametrize(
    ("visibility", "seen"),
    [
        (VISIBLE_NONE, ["provider"]),
        ({"client_submitted": True, "other_businesses_submitted": False}, ["provider", "client"]),
        ({"client_submitted": False, "other_businesses_submitted": True}, ["provider", "other_businesses"]),
        (VISIBLE_ALL, ["provider", "client", "other_businesses"]),
    ],
    ids=["provider-only", "client", "other-businesses", "all"],
)
async def test_4_3_visibility_attributes_set_by_the_importer(
    world: World, visibility: dict[str, bool], seen: list[str]
) -> None:
    """§4.3: the importer gives the provider visibility attributes: submitted by the provider (always on), submitted
    by the client, submitted by other businesses (other providers of the same client)."""
    await world.hire("sp-viewer", Role.VIEWER)
    relationship = await world.rel.establish("business_management", visibility=visibility)
    await world.rel.assign(relationship["id"], "sp-viewer", "viewer")

    assert relationship["visibility"] == {"provider_submitted": True, **visibility}
    for user in (BROKER_BAM, "sp-viewer"):
        assert (await world.decide(user, BN))["visibility"] == seen
        assert (await world.contexts(user))[BN]["visibility"] == seen
    assert (await world.decide(IMPORTER_BAM))["visibility"] == []  # the client's own staff see everything


async def test_4_3_when_the_relationship_ends_the_provider_keeps_seeing_only_its_own_submissions(
    world: World,
) -> None:
    """§4.3: when the relationship ends, provider and importer both keep seeing what the provider submitted; the
    client-submitted and other-businesses attributes are turned off automatically."""
    relationship = await world.rel.establish("business_management", visibility=VISIBLE_ALL)

    ended = await world.rel.end(relationship["id"])

    assert ended.json()["visibility"] == {"provider_submitted": True, **VISIBLE_NONE}
    decision = await world.decide(BROKER_BAM, BN)
    assert (decision["role"], decision["visibility"]) == ("expired", ["provider"])
    assert (await world.decide(IMPORTER_BAM))["visibility"] == []  # the importer still sees everything


async def test_4_3_a_provider_never_sees_another_providers_rulings(world: World) -> None:
    """§4.3 exception: even with the other-businesses attribute, a provider cannot see ruling requests or rulings
    another provider submitted (the decision says so to the services that list them)."""
    await world.rel.establish("business_management", visibility=VISIBLE_ALL)

    description = (await world.portal.client.get("/openapi.json")).json()["paths"]["/internal/decisions"]["post"]
    decision = await world.decide(BROKER_BAM, BN)

    assert "other_businesses" in decision["visibility"]
    assert "never another provider's rulings" in description["description"]


async def test_4_3_expired_role_reads_what_the_provider_submitted_like_a_viewer(world: World) -> None:
    """§4.3 note: the expired role is for the provider BAMs of an expired relationship: a viewer's rights, to read
    what they submitted for the client."""
    await world.hire("sp-editor", Role.EDITOR)
    relationship = await world.rel.establish("business_management", visibility=VISIBLE_ALL)
    await world.rel.assign(relationship["id"], "sp-editor", "editor")

    await world.rel.end(relationship["id"])

    expired = await world.decide(BROKER_BAM, BN)
    assert expired == {
        "allow": True,
        "reason": "expired_relationship",
        "role": "expired",
        "scopes": proxy_scopes_for(ProxyRole.EXPIRED),
        "program_accounts": None,
        "via_provider": SP_BN,
        "visibility": ["provider"],
    }
    assert not any(s.endswith(":write") for s in expired["scopes"])
    assert (await world.contexts(BROKER_BAM))[BN]["role"] == "expired"
    assert (await world.decide("sp-editor", BN))["reason"] == "not_associated"  # only BAMs keep the expired role


@pytest.mark.parametrize("proxy_role", list(ProxyRole), ids=str)
async def test_4_3_actions_excluded_for_providers_whatever_the_proxy_role(world: World, proxy_role: ProxyRole) -> None:
    """§4.3 note: providers never change business or program account information, see or change pre-authorized
    debits, see collection notices or payment arrangements, see or change the client's relationship requests and
    relationships, nor its access requests and employees' access."""
    user = {ProxyRole.PROXY_BAM: BROKER_BAM, ProxyRole.EXPIRED: BROKER_BAM}.get(proxy_role, "sp-staff")
    if user == "sp-staff":
        await world.hire(user, Role(proxy_role.value.removeprefix("proxy_")))
    relationship = await world.rel.establish("business_management", visibility=VISIBLE_ALL)
    if user == "sp-staff":
        await world.rel.assign(relationship["id"], user, proxy_role.value.removeprefix("proxy_"))
    if proxy_role is ProxyRole.EXPIRED:
        await world.rel.end(relationship["id"])

    decision = await world.decide(user, BN)

    assert decision["role"] == proxy_role.value
    assert not PROVIDER_EXCLUSIONS & set(decision["scopes"])
    assert {
        Scope.BUSINESS_PROFILE_WRITE,
        Scope.PROGRAM_ACCOUNTS_WRITE,
        Scope.PAYMENT_SETUP_READ,
        Scope.PAYMENT_SETUP_WRITE,
        Scope.RELATIONSHIPS_READ,
        Scope.RELATIONSHIPS_WRITE,
        Scope.EMPLOYEES_READ,
        Scope.EMPLOYEES_WRITE,
    } <= PROVIDER_EXCLUSIONS


async def test_4_4_the_provider_views_cancels_and_sees_rejected_requests(world: World) -> None:
    """§4.4: providers request new relationships, view or cancel pending requests, view rejected requests, act for
    a client once approved and keep restricted access to expired relationships."""
    request_id = await world.rel.asked()
    await world.rel.reject(request_id, "Not this year.")
    outgoing = world.portal.acting(BROKER_BAM, Role.BAM, SP_BN)

    rejected = await world.portal.client.get(
        f"/v1/businesses/{SP_BN}/relationship-requests",
        params={"direction": "outgoing", "status": "rejected"},
        headers=outgoing,
    )
    cancelled = await world.rel.cancel(request_id)

    assert [(r["id"], r["rejection_comment"]) for r in rejected.json()["items"]] == [(request_id, "Not this year.")]
    assert cancelled.json()["status"] == "cancelled"
    relationship = await world.rel.establish()
    await world.rel.end(relationship["id"])
    assert (await world.decide(BROKER_BAM, BN))["role"] == "expired"  # restricted access once it ended


async def test_4_4_only_the_service_provider_initiates_by_sending_a_request_to_its_client(world: World) -> None:
    """§4.4: only a service provider initiates a business relationship, by sending a request to its client; the
    client answers it and cannot approve for the provider. (Provider and importer account types are not modelled:
    any registered business may ask; see README.md.)"""
    request_id = await world.rel.asked()

    approved_by_provider = await world.portal.client.post(
        f"/v1/businesses/{SP_BN}/relationship-requests/{request_id}/approve",
        json={"type": "business_management", "visibility": VISIBLE_NONE},
        headers=world.portal.acting(BROKER_BAM, Role.BAM, SP_BN),
    )
    incoming = await world.portal.client.get(
        f"/v1/businesses/{BN}/relationship-requests",
        params={"direction": "incoming"},
        headers=world.portal.acting(IMPORTER_BAM, Role.BAM),
    )

    assert (approved_by_provider.status_code, problem(approved_by_provider)["code"]) == (
        404,
        "relationship_request_not_found",
    )
    (request,) = incoming.json()["items"]
    assert (request["provider_bn"], request["client_bn"], request["requested_by"]) == (SP_BN, BN, BROKER_BAM)


async def test_4_5_a_bam_or_pam_requests_with_the_clients_bn_and_a_meaningful_comment(world: World) -> None:
    """§4.5: to request a relationship, a BAM or PAM of the provider enters the client's business number and a
    meaningful comment justifying the request."""
    await world.hire("sp-pam", Role.PAM)
    await world.hire("sp-editor", Role.EDITOR)

    by_editor = await world.rel.ask("sp-editor", role=Role.EDITOR)
    no_comment = await world.rel.ask("sp-pam", role=Role.PAM, comment=" ")
    unknown_client = await world.rel.ask("sp-pam", "999999998", role=Role.PAM)
    by_pam = await world.rel.ask("sp-pam", role=Role.PAM, comment="Customs broker for your Windsor imports.")

    assert by_editor.status_code == 403
    assert no_comment.status_code == 422
    assert (unknown_client.status_code, problem(unknown_client)["code"]) == (404, "business_not_registered")
    assert (by_pam.status_code, by_pam.json()["comment"]) == (201, "Customs broker for your Windsor imports.")


async def test_4_5_a_pending_request_can_be_cancelled_at_any_time(world: World) -> None:
    """§4.5 status 1: a request stays pending until the client approves or rejects it; the provider's BAM or PAM
    can cancel it at any time while it is pending."""
    request_id = await world.rel.asked()

    cancelled = await world.rel.cancel(request_id)
    approve_after = await world.rel.approve(request_id)
    told = await world.last_event(RelationshipRequestCancelled.event_type)

    assert cancelled.json()["status"] == "cancelled"
    assert (approve_after.status_code, problem(approve_after)["code"]) == (409, "relationship_request_not_pending")
    assert told.data["client_user_ids"] == [IMPORTER_BAM]
    assert (await world.decide(BROKER_BAM, BN))["reason"] == "not_associated"


async def test_4_5_a_rejected_request_is_cancelled_before_asking_again(world: World) -> None:
    """§4.5 status 2: the client's BAM or PAM rejects a request; the provider may ask again, but must first cancel
    the rejected request."""
    await world.employ("pam-1", Role.PAM, [RM1])
    request_id = await world.rel.asked()
    rejected = await world.portal.client.post(
        f"/v1/businesses/{BN}/relationship-requests/{request_id}/reject",
        json={"comment": "Wrong BN on the contract."},
        headers=world.portal.acting("pam-1", Role.PAM),
    )

    too_soon = await world.rel.ask()
    await world.rel.cancel(request_id)
    again = await world.rel.ask()

    assert rejected.json()["status"] == "rejected"
    assert (too_soon.status_code, problem(too_soon)["code"]) == (409, "rejected_request_not_cancelled")
    assert again.status_code == 201


async def test_4_5_an_approved_request_gives_every_provider_bam_access_at_once(world: World) -> None:
    """§4.5 status 3 and note: approval grants access to the delegated client automatically; every provider BAM
    becomes proxy BAM (business management) or proxy PAM on the delegated programs (program management)."""
    await world.hire("sp-bam-2", Role.BAM)
    await world.hire("sp-pam", Role.PAM)
    request_id = await world.rel.asked()

    approved = await world.rel.approve(request_id, "program_management", [RM1, RM3])
    told = await world.last_event(RelationshipRequestApproved.event_type)

    assert approved.status_code == 200
    for bam in (BROKER_BAM, "sp-bam-2"):
        decision = await world.decide(bam, BN, RM3)
        assert (decision["role"], decision["program_accounts"]) == ("proxy_pam", [RM1, RM3])
    assert (await world.decide("sp-pam", BN))["reason"] == "not_associated"  # staff wait for an assignment
    # The provider's managers are told the relationship was accepted.
    assert sorted(told.data["provider_user_ids"]) == sorted([BROKER_BAM, "sp-bam-2", "sp-pam"])
