"""Seed 002 §6: delegation on the service provider's side: giving staff access to clients one by one or through
client groups, group membership and roles, deleting groups, and the processing table of group operations."""

from __future__ import annotations

import pytest

from delegation.roles import Role
from portal_contracts.events.delegation import (
    ClientGroupClientRemoved,
    ClientGroupClientsAdded,
    ClientGroupDeleted,
)

from ..api.factories import BN, RM1, RM2, SP2_BN, SP_BN, VISIBLE_NONE, numbered_bn, registered
from .world import BROKER_BAM, GROUPS, IMPORTER_BAM, Portal, World, problem

C2 = numbered_bn(2)
C3 = numbered_bn(3)


async def client(world: World, bn: str, type: str = "business_management", programs: list[str] | None = None) -> str:
    """Another importer registers and approves the broker's request; the relationship id."""
    await world.portal.register(registered(bn, registrant=f"bam-{bn}"))
    asked = await world.rel.ask(client_bn=bn)
    body = {"type": type, "visibility": VISIBLE_NONE} | ({"programs": programs} if programs else {})
    approved = await world.portal.client.post(
        f"/v1/businesses/{bn}/relationship-requests/{asked.json()['id']}/approve",
        json=body,
        headers=world.portal.acting(f"bam-{bn}", Role.BAM, bn),
    )
    assert approved.status_code == 200, approved.text
    return approved.json()["id"]  # type: ignore[no-any-return]


@pytest.fixture
async def world(portal: Portal) -> World:
    """The broker (BAM, PAM, editor, viewer) acting for the importer BN and for C2 (business management)."""
    world = await World(portal).start()
    for user, role in (("sp-pam", Role.PAM), ("sp-editor", Role.EDITOR), ("sp-viewer", Role.VIEWER)):
        await world.hire(user, role)
    world.relationship = await world.rel.establish()  # type: ignore[attr-defined]
    await client(world, C2)
    return world


async def test_6_once_granted_only_the_provider_managers_reach_the_client(world: World) -> None:
    """§6: once the client grants the relationship, only the proxy BAM or proxy PAM (the provider's BAMs) has
    access to the client's account; other staff get access by an assignment."""
    decisions = {u: await world.decide(u, BN) for u in (BROKER_BAM, "sp-pam", "sp-editor", "sp-viewer")}

    assert decisions[BROKER_BAM]["role"] == "proxy_bam"
    for staff in ("sp-pam", "sp-editor", "sp-viewer"):
        assert decisions[staff]["reason"] == "not_associated", staff


async def test_6_staff_get_access_to_one_client_or_to_a_group_of_clients(world: World) -> None:
    """§6: there are two ways to give a provider's employee access: assign it to a specific client, or assign it to
    a client group for group access management."""
    relationship = world.relationship  # type: ignore[attr-defined]
    await world.rel.assign(relationship["id"], "sp-editor", "editor")
    group_id = await world.group("Ontario importers", [BN, C2])
    await world.group_member(group_id, "sp-viewer", "viewer")

    assert (await world.decide("sp-editor", BN))["role"] == "proxy_editor"
    assert (await world.decide("sp-editor", C2))["reason"] == "not_associated"
    assert {bn: c["role"] for bn, c in (await world.contexts("sp-viewer")).items()} == {
        SP_BN: "viewer",
        BN: "proxy_viewer",
        C2: "proxy_viewer",
    }


async def test_6_1_client_groups_are_a_provider_feature(world: World) -> None:
    """§6.1: creating client groups is available to service providers only: a group holds only clients the business
    acts for as provider, so an importer has nothing to group."""
    as_importer = await world.portal.client.post(
        f"/v1/businesses/{BN}/client-groups",
        json={"name": "My brokers", "clients": [SP_BN]},
        headers=world.portal.acting(IMPORTER_BAM, Role.BAM),
    )

    assert (as_importer.status_code, problem(as_importer)["code"]) == (422, "clients_unavailable")
    assert problem(as_importer)["errors"][0]["code"] == "no_active_relationship"


async def test_6_1_an_available_client_is_actively_related_and_in_no_other_group_of_the_provider(
    world: World,
) -> None:
    """§6.1: to be available, a client must be in an active relationship and not in another client group of the
    provider; a client may be in client groups of several providers."""
    await world.portal.register(registered(C3, registrant="bam-c3"))  # no relationship with the broker
    await world.group("Ontario importers", [BN])
    await world.second_broker()
    await world.rel.establish(provider_bn=SP2_BN, provider_bam="sp2-bam")

    unrelated = await world.portal.client.post(GROUPS, json={"name": "C3", "clients": [C3]}, headers=world.as_broker())
    taken = await world.portal.client.post(GROUPS, json={"name": "Again", "clients": [BN]}, headers=world.as_broker())
    other_provider = await world.portal.client.post(
        f"/v1/businesses/{SP2_BN}/client-groups",
        json={"name": "Ontario importers", "clients": [BN]},
        headers=world.portal.acting("sp2-bam", Role.BAM, SP2_BN),
    )

    assert [e["code"] for e in problem(unrelated)["errors"]] == ["no_active_relationship"]
    assert [e["code"] for e in problem(taken)["errors"]] == ["in_another_group"]
    assert other_provider.status_code == 202, other_provider.text
    assert await world.groups_run() == 1


async def test_6_1_a_group_has_no_maximum_number_of_clients(world: World) -> None:
    """§6.1: there is no maximum to the number of client business accounts in one client group (a request adds up
    to 10,000; a group grows by as many requests as needed)."""
    clients = [BN, C2]
    for n in range(10, 30):
        await client(world, numbered_bn(n))
        clients.append(numbered_bn(n))
    group_id = await world.group("Everyone", clients[:11])

    added = await world.portal.client.post(
        f"{GROUPS}/{group_id}/clients", json={"clients": clients[11:]}, headers=world.as_broker()
    )
    await world.groups_run()
    await world.group_member(group_id, "sp-viewer", "viewer")

    assert added.status_code == 202
    assert sorted((await world.group_detail(group_id)).json()["clients"]) == sorted(clients)
    contexts = await world.contexts("sp-viewer")
    assert {bn for bn, c in contexts.items() if c["role"] == "proxy_viewer"} == set(clients)


async def test_6_2_a_provider_pam_delegates_a_client_only_as_its_proxy_pam(world: World) -> None:
    """§6.2: to give employees access to a client, the provider's BAM or PAM must itself be proxy BAM or proxy PAM
    for that client: a provider PAM must be assigned proxy PAM for each client it delegates."""
    relationship = world.relationship  # type: ignore[attr-defined]

    before = await world.rel.assign(relationship["id"], "sp-editor", "editor", by="sp-pam", by_role=Role.PAM)
    await world.rel.assign(relationship["id"], "sp-pam", "pam", [RM1])
    beyond = await world.rel.assign(relationship["id"], "sp-editor", "editor", "all", by="sp-pam", by_role=Role.PAM)
    within = await world.rel.assign(relationship["id"], "sp-editor", "editor", [RM1], by="sp-pam", by_role=Role.PAM)

    assert (before.status_code, problem(before)["code"]) == (403, "not_proxy_manager")
    assert (beyond.status_code, problem(beyond)["code"]) == (403, "programs_outside_relationship")
    assert within.status_code == 200, within.text
    assert (await world.decide("sp-editor", BN, RM1))["role"] == "proxy_editor"
    assert (await world.decide("sp-editor", BN, RM2))["reason"] == "program_not_granted"


async def test_6_2_a_bam_assigns_pams_editors_and_viewers_to_a_group_never_a_bam(world: World) -> None:
    """§6.2: the provider's BAM already has access to every client, so only a PAM, editor or viewer is assigned to a
    client group, by a BAM, with the group role chosen for it."""
    await world.hire("sp-bam-2", Role.BAM)
    group_id = await world.group("Ontario importers", [BN, C2])

    a_bam = await world.portal.client.put(
        f"{GROUPS}/{group_id}/employees/sp-bam-2", json={"role": "viewer"}, headers=world.as_broker()
    )
    by_pam = await world.portal.client.put(
        f"{GROUPS}/{group_id}/employees/sp-editor",
        json={"role": "editor"},
        headers=world.as_broker("sp-pam", Role.PAM),
    )
    for user, role in (("sp-pam", "pam"), ("sp-editor", "editor"), ("sp-viewer", "viewer")):
        await world.group_member(group_id, user, role)

    assert (a_bam.status_code, problem(a_bam)["code"]) == (422, "provider_bam_implicit")
    assert (by_pam.status_code, problem(by_pam)["code"]) == (403, "bam_required")
    detail = (await world.group_detail(group_id)).json()
    assert sorted((e["user_id"], e["role"]) for e in detail["employees"]) == [
        ("sp-editor", "editor"),
        ("sp-pam", "pam"),
        ("sp-viewer", "viewer"),
    ]
    for user, proxy in (("sp-pam", "proxy_pam"), ("sp-editor", "proxy_editor"), ("sp-viewer", "proxy_viewer")):
        assert (await world.decide(user, C2))["role"] == proxy, user
    assert (await world.decide("sp-bam-2", C2))["role"] == "proxy_bam"  # implicitly, through the relationship


async def test_6_2_provider_managers_always_see_what_their_staff_submitted(world: World) -> None:
    """§6.2 note: the provider's BAMs and PAMs always see the requests and transactions their employees submitted:
    the provider-submitted class covers everything submitted through the provider, whoever submitted it."""
    relationship = world.relationship  # type: ignore[attr-defined]
    await world.rel.assign(relationship["id"], "sp-pam", "pam")
    await world.rel.assign(relationship["id"], "sp-editor", "editor")

    for user in (BROKER_BAM, "sp-pam", "sp-editor"):
        decision = await world.decide(user, BN)
        assert (decision["via_provider"], decision["visibility"]) == (SP_BN, ["provider"]), user


async def test_6_3_adding_a_client_gives_the_group_staff_access_by_their_group_role(world: World) -> None:
    """§6.3: adding a client to a group automatically gives the group's employees access by the default roles they
    hold for the group."""
    group_id = await world.group("Ontario importers", [BN])
    await world.group_member(group_id, "sp-editor", "editor")
    assert (await world.decide("sp-editor", C2))["reason"] == "not_associated"

    added = await world.portal.client.post(
        f"{GROUPS}/{group_id}/clients", json={"clients": [C2]}, headers=world.as_broker()
    )
    pending = await world.decide("sp-editor", C2)
    await world.groups_run()
    told = await world.last_event(ClientGroupClientsAdded.event_type)

    assert added.status_code == 202
    assert pending["reason"] == "not_associated"  # asynchronous: nothing changes until the operation runs
    assert (await world.decide("sp-editor", C2))["role"] == "proxy_editor"
    assert (told.data["client_bns"], told.data["user_ids"]) == ([C2], ["sp-editor"])


async def test_6_3_a_per_client_role_replaces_the_group_role(world: World) -> None:
    """§6.3: from Manage my employees, the group role of an employee can be updated, or replaced by a role managed
    for one specific client."""
    group_id = await world.group("Ontario importers", [BN, C2])
    await world.group_member(group_id, "sp-editor", "editor")

    overridden = await world.portal.client.put(
        f"{GROUPS}/{group_id}/employees/sp-editor/overrides/{C2}", json={"role": "viewer"}, headers=world.as_broker()
    )
    await world.groups_run()
    await world.group_member(group_id, "sp-editor", "pam")  # the group role itself changes

    assert overridden.status_code == 202
    assert (await world.decide("sp-editor", BN))["role"] == "proxy_pam"
    assert (await world.decide("sp-editor", C2))["role"] == "proxy_viewer"


async def test_6_3_removing_a_client_removes_the_group_staff_access_but_not_the_bams(world: World) -> None:
    """§6.3: removing a client from a group removes the access of the group's employees to that client's business
    account, except the BAMs; it cannot be undone, so it is confirmed."""
    group_id = await world.group("Ontario importers", [BN, C2])
    await world.group_member(group_id, "sp-viewer", "viewer")
    url = f"{GROUPS}/{group_id}/clients/{C2}"

    unconfirmed = await world.portal.client.request("DELETE", url, headers=world.as_broker())
    confirmed = await world.portal.client.request(
        "DELETE", url, json={"confirmation": "REMOVE"}, headers=world.as_broker()
    )
    await world.groups_run()
    told = await world.last_event(ClientGroupClientRemoved.event_type)

    assert (unconfirmed.status_code, problem(unconfirmed)["code"]) == (422, "confirmation_required")
    assert confirmed.status_code == 202
    assert (await world.decide("sp-viewer", C2))["reason"] == "not_associated"
    assert (await world.decide("sp-viewer", BN))["role"] == "proxy_viewer"
    assert (await world.decide(BROKER_BAM, C2))["role"] == "proxy_bam"
    assert (told.data["client_bns"], told.data["user_ids"]) == ([C2], ["sp-viewer"])
    assert (await world.group_detail(group_id)).json()["clients"] == [BN]


async def test_6_4_deleting_a_group_removes_its_staffs_access_and_frees_its_clients(world: World) -> None:
    """§6.4: deleting a client group removes the association of its employees and clients with it; its employees
    lose access to every program account of its clients, which become available for another group; it cannot be
    undone, so it is confirmed."""
    group_id = await world.group("Ontario importers", [BN, C2])
    await world.group_member(group_id, "sp-editor", "editor")
    etag = (await world.group_detail(group_id)).headers["ETag"]
    url = f"{GROUPS}/{group_id}"

    unconfirmed = await world.portal.client.request("DELETE", url, headers={**world.as_broker(), "If-Match": etag})
    deleted = await world.portal.client.request(
        "DELETE", url, json={"confirmation": "DELETE"}, headers={**world.as_broker(), "If-Match": etag}
    )
    await world.groups_run()
    told = await world.last_event(ClientGroupDeleted.event_type)

    assert (unconfirmed.status_code, problem(unconfirmed)["code"]) == (422, "confirmation_required")
    assert deleted.status_code == 202
    for bn in (BN, C2):
        assert (await world.decide("sp-editor", bn))["reason"] == "not_associated", bn
    assert (await world.group_detail(group_id)).status_code == 404
    assert (told.data["client_bns"], told.data["user_ids"]) == ([BN, C2], ["sp-editor"])
    assert await world.group("Reorganised", [BN, C2])  # available again


async def test_6_5_the_processing_table_shows_every_group_operation_and_its_state(world: World) -> None:
    """§6.5: group changes may take time, so a processing table lets the provider's BAMs check whether operations
    are pending, failed or completed: system id, operation type, group name, initiator and state."""
    created = await world.portal.client.post(
        GROUPS, json={"name": "Ontario importers", "clients": [BN]}, headers=world.as_broker()
    )
    added = await world.portal.client.post(
        f"{GROUPS}/{created.json()['group_id']}/clients", json={"clients": [C2]}, headers=world.as_broker()
    )
    table = world.portal.client.get(f"/v1/businesses/{SP_BN}/operations", headers=world.as_broker())
    pending = (await table).json()["items"]
    # The client ends its relationship with the broker before the worker gets to the second operation.
    c2_relationship = (
        await world.portal.client.get(
            f"/v1/businesses/{C2}/relationships", headers=world.portal.acting(f"bam-{C2}", Role.BAM, C2)
        )
    ).json()["items"][0]
    await world.portal.client.delete(
        f"/v1/businesses/{C2}/relationships/{c2_relationship['id']}",
        headers={**world.portal.acting(f"bam-{C2}", Role.BAM, C2), "If-Match": c2_relationship["etag"]},
    )
    await world.groups_run()
    done = (await world.portal.client.get(f"/v1/businesses/{SP_BN}/operations", headers=world.as_broker())).json()[
        "items"
    ]

    assert [(o["id"], o["type"], o["group_name"], o["initiator"], o["state"]) for o in pending] == [
        (added.json()["id"], "add_clients", "Ontario importers", BROKER_BAM, "pending"),
        (created.json()["id"], "create_group", "Ontario importers", BROKER_BAM, "pending"),
    ]
    assert [(o["id"], o["state"]) for o in done] == [
        (added.json()["id"], "failed"),
        (created.json()["id"], "completed"),
    ]
    assert done[0]["error"]["code"] == "clients_unavailable"
    assert created.headers["Location"] == f"/v1/businesses/{SP_BN}/operations/{created.json()['id']}"
