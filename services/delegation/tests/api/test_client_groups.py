"""Client groups (seed 002 §6): groups, membership, group roles and overrides, asynchronous operations, and the
decisions they give."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from httpx import Response
from sqlalchemy import func, insert, select

from delegation.businesses.models import Business
from delegation.groups.models import ClientGroupMember, GroupAssignment, GroupOverride
from delegation.groups.worker import run_pending
from delegation.relationships.models import BusinessRelationship, ProxyAssignment
from delegation.roles import ProxyRole, Role
from portal_contracts.events.delegation import (
    ClientGroupClientRemoved,
    ClientGroupCreated,
    ClientGroupEmployeeAssigned,
    EmployeeAccessRevoked,
)
from portal_runtime.messaging import utcnow

from .conftest import portal_on
from .factories import BN, SP_BN, VISIBLE_NONE, Portal, Relationships, problem, registered

C2, C3 = "300000007", "400000005"
C2_RM1 = f"{C2}RM0001"
GROUPS = f"/v1/businesses/{SP_BN}/client-groups"
OPERATIONS = f"/v1/businesses/{SP_BN}/operations"


async def relate(portal: Portal, client_bn: str, type: str = "business_management", programs: Any = None) -> str:
    """Register a client and establish a relationship with the provider; the relationship id."""
    rel = Relationships(portal)
    await portal.register(registered(client_bn, registrant=f"bam-{client_bn}"))
    asked = await rel.ask(client_bn=client_bn)
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    body: dict[str, Any] = {"type": type, "visibility": VISIBLE_NONE}
    if programs is not None:
        body["programs"] = programs
    approved = await portal.client.post(
        f"/v1/businesses/{client_bn}/relationship-requests/{request_id}/approve",
        json=body,
        headers=portal.acting(f"bam-{client_bn}", Role.BAM, client_bn),
    )
    assert approved.status_code == 200, approved.text
    return approved.json()["id"]  # type: ignore[no-any-return]


@pytest.fixture
async def rel(portal: Portal) -> Relationships:
    """The provider SP_BN (BAM sp-bam; PAM, editor, viewer) acting for BN (business management) and C2 (program
    management on RM0001); C3 is registered, with no relationship."""
    relationships = Relationships(portal)
    await relationships.setup()
    for user, role in (("sp-pam", Role.PAM), ("sp-editor", Role.EDITOR), ("sp-viewer", Role.VIEWER)):
        await relationships.hire(user, role)
    await relationships.establish()
    await relate(portal, C2, "program_management", [C2_RM1])
    await portal.register(registered(C3, registrant="bam-c3"))
    return relationships


def sp(portal: Portal, user: str = "sp-bam", role: Role = Role.BAM) -> dict[str, str]:
    return portal.acting(user, role, SP_BN)


async def group_etag(portal: Portal, group_id: str) -> str:
    response = await portal.client.get(f"{GROUPS}/{group_id}", headers=sp(portal))
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


async def create(
    portal: Portal, name: str, clients: list[str], by: tuple[str, Role] = ("sp-bam", Role.BAM)
) -> Response:
    return await portal.client.post(GROUPS, json={"name": name, "clients": clients}, headers=sp(portal, *by))


async def created(portal: Portal, name: str = "Ontario importers", clients: list[str] | None = None) -> str:
    response = await create(portal, name, [BN, C2] if clients is None else clients)
    assert response.status_code == 202, response.text
    assert await run_pending(portal.runtime) == 1
    return response.json()["group_id"]  # type: ignore[no-any-return]


async def assign(
    portal: Portal, group_id: str, user: str, role: str, by: tuple[str, Role] = ("sp-bam", Role.BAM)
) -> Response:
    return await portal.client.put(
        f"{GROUPS}/{group_id}/employees/{user}", json={"role": role}, headers=sp(portal, *by)
    )


async def assigned(portal: Portal, group_id: str, user: str, role: str) -> None:
    response = await assign(portal, group_id, user, role)
    assert response.status_code == 202, response.text
    await run_pending(portal.runtime)


async def override(
    portal: Portal, group_id: str, employee: str, client_bn: str, role: str, by: tuple[str, Role] = ("sp-bam", Role.BAM)
) -> Response:
    return await portal.client.put(
        f"{GROUPS}/{group_id}/employees/{employee}/overrides/{client_bn}", json={"role": role}, headers=sp(portal, *by)
    )


async def operation(portal: Portal, location: str) -> dict[str, Any]:
    response = await portal.client.get(location, headers=sp(portal))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


class TestGroups:
    async def test_creating_a_group_is_an_operation_of_the_processing_table(self, rel: Relationships) -> None:
        portal = rel.portal

        response = await create(portal, "Ontario importers", [BN, C2])

        assert response.status_code == 202, response.text
        pending = response.json()
        assert response.headers["Location"] == f"{OPERATIONS}/{pending['id']}"
        assert (pending["type"], pending["state"], pending["group_name"], pending["initiator"]) == (
            "create_group",
            "pending",
            "Ontario importers",
            "sp-bam",
        )
        assert await run_pending(portal.runtime) == 1
        done = await operation(portal, response.headers["Location"])
        assert (done["state"], done["error"]) == ("completed", None)
        assert done["finished_at"] is not None
        table = (await portal.client.get(OPERATIONS, headers=sp(portal))).json()["items"]
        assert [o["id"] for o in table] == [pending["id"]]
        detail = await portal.client.get(f"{GROUPS}/{pending['group_id']}", headers=sp(portal))
        assert (detail.json()["clients"], detail.json()["client_count"]) == ([BN, C2], 2)
        assert detail.headers["ETag"] == detail.json()["etag"]
        listed = (await portal.client.get(GROUPS, headers=sp(portal, "sp-pam", Role.PAM))).json()["items"]
        assert [(g["name"], g["client_count"]) for g in listed] == [("Ontario importers", 2)]
        [event] = await portal.published(ClientGroupCreated.event_type)
        assert event.partition_key == SP_BN
        assert (event.data["client_bns"], event.data["user_ids"], event.data["operation_id"]) == (
            [BN, C2],
            [],
            pending["id"],
        )
        trail = (await portal.client.get(f"/v1/businesses/{SP_BN}/audit", headers=sp(portal))).json()["items"]
        assert (trail[0]["action"], trail[0]["details"]["client_count"]) == ("client_group_created", 2)

    async def test_only_available_clients_join(self, rel: Relationships) -> None:
        portal = rel.portal
        group_id = await created(portal, clients=[BN])

        response = await create(portal, "Others", [C2, C3, BN, C2])
        adding = await portal.client.post(f"{GROUPS}/{group_id}/clients", json={"clients": [BN]}, headers=sp(portal))

        assert (response.status_code, problem(response)["code"]) == (422, "clients_unavailable")
        assert problem(response)["unavailable_clients"] == [C3, BN, C2]
        assert [(e["field"], e["code"]) for e in problem(response)["errors"]] == [
            ("clients.1", "no_active_relationship"),
            ("clients.2", "in_another_group"),
            ("clients.3", "duplicate"),
        ]
        assert problem(adding)["errors"][0]["code"] == "already_in_group"
        added = await portal.client.post(f"{GROUPS}/{group_id}/clients", json={"clients": [C2]}, headers=sp(portal))
        assert added.status_code == 202
        await run_pending(portal.runtime)
        assert (await portal.client.get(f"{GROUPS}/{group_id}", headers=sp(portal))).json()["clients"] == [BN, C2]

    async def test_the_clients_of_a_group_are_listed_a_page_at_a_time(self, rel: Relationships) -> None:
        portal = rel.portal
        group_id = await created(portal, clients=[C2, BN])
        clients = f"{GROUPS}/{group_id}/clients"

        first = await portal.client.get(clients, params={"limit": 1}, headers=sp(portal))
        second = await portal.client.get(
            clients, params={"limit": 1, "cursor": first.json()["next_cursor"]}, headers=sp(portal)
        )
        by_pam = await portal.client.get(clients, headers=sp(portal, "sp-pam", Role.PAM))
        by_viewer = await portal.client.get(clients, headers=sp(portal, "sp-viewer", Role.VIEWER))
        unknown = await portal.client.get(f"{GROUPS}/{uuid.uuid4()}/clients", headers=sp(portal))
        bad_cursor = await portal.client.get(clients, params={"cursor": "nonsense"}, headers=sp(portal))

        assert first.status_code == 200, first.text
        assert [c["client_bn"] for c in first.json()["items"]] == [BN]  # by business number
        assert first.json()["items"][0]["added_at"].endswith("Z")
        assert ([c["client_bn"] for c in second.json()["items"]], second.json()["next_cursor"]) == ([C2], None)
        assert [c["client_bn"] for c in by_pam.json()["items"]] == [BN, C2]
        assert (by_viewer.status_code, problem(by_viewer)["code"]) == (403, "missing_scope")
        assert (unknown.status_code, problem(unknown)["code"]) == (404, "client_group_not_found")
        assert (bad_cursor.status_code, problem(bad_cursor)["code"]) == (422, "invalid_cursor")

    async def test_only_a_provider_bam_manages_groups(self, rel: Relationships) -> None:
        portal = rel.portal
        by_pam = await create(portal, "Mine", [BN], by=("sp-pam", Role.PAM))
        by_editor = await create(portal, "Mine", [BN], by=("sp-editor", Role.EDITOR))

        assert (by_pam.status_code, problem(by_pam)["code"]) == (403, "bam_required")
        assert (by_editor.status_code, problem(by_editor)["code"]) == (403, "missing_scope")

    async def test_renaming_uses_the_etag_and_names_are_unique(self, rel: Relationships) -> None:
        portal = rel.portal
        group_id = await created(portal)
        await created(portal, "Quebec importers", clients=[])
        etag = await group_etag(portal, group_id)

        missing = await portal.client.patch(f"{GROUPS}/{group_id}", json={"name": "Toronto"}, headers=sp(portal))
        renamed = await portal.client.patch(
            f"{GROUPS}/{group_id}", json={"name": "Toronto"}, headers={**sp(portal), "If-Match": etag}
        )
        stale = await portal.client.patch(
            f"{GROUPS}/{group_id}", json={"name": "Again"}, headers={**sp(portal), "If-Match": etag}
        )
        taken = await portal.client.patch(
            f"{GROUPS}/{group_id}",
            json={"name": "Quebec importers"},
            headers={**sp(portal), "If-Match": renamed.headers["ETag"]},
        )

        assert (missing.status_code, problem(missing)["code"]) == (428, "precondition_required")
        assert "If-Match" in problem(missing)["detail"]
        assert problem(missing)["remediation"].startswith(f"GET {GROUPS}/{group_id} ")
        assert (renamed.status_code, renamed.json()["name"], renamed.json()["client_count"]) == (200, "Toronto", 2)
        assert (stale.status_code, problem(stale)["code"]) == (412, "precondition_failed")
        assert (taken.status_code, problem(taken)["code"]) == (409, "group_name_taken")
        assert problem(await create(portal, "Toronto", []))["code"] == "group_name_taken"

    async def test_deleting_needs_confirmation_and_frees_the_clients(self, rel: Relationships) -> None:
        portal = rel.portal
        group_id = await created(portal)
        await assigned(portal, group_id, "sp-editor", "editor")
        headers = {**sp(portal), "If-Match": await group_etag(portal, group_id)}

        unconfirmed = await portal.client.request("DELETE", f"{GROUPS}/{group_id}", headers=headers)
        wrong = await portal.client.request(
            "DELETE", f"{GROUPS}/{group_id}", json={"confirmation": "delete"}, headers=headers
        )
        unconditional = await portal.client.request(
            "DELETE", f"{GROUPS}/{group_id}", json={"confirmation": "DELETE"}, headers=sp(portal)
        )
        confirmed = await portal.client.request(
            "DELETE", f"{GROUPS}/{group_id}", json={"confirmation": "DELETE"}, headers=headers
        )

        assert (unconditional.status_code, problem(unconditional)["code"]) == (428, "precondition_required")
        assert (unconfirmed.status_code, problem(unconfirmed)["code"]) == (422, "confirmation_required")
        assert (wrong.status_code, problem(wrong)["code"]) == (422, "confirmation_required")
        assert confirmed.status_code == 202
        await run_pending(portal.runtime)
        assert (await operation(portal, confirmed.headers["Location"]))["state"] == "completed"
        assert (await portal.client.get(f"{GROUPS}/{group_id}", headers=sp(portal))).status_code == 404
        assert (await portal.decide("sp-editor", BN))["allow"] is False
        assert (await create(portal, "Again", [BN, C2])).status_code == 202

    async def test_a_group_changed_since_it_was_read_is_not_deleted(self, rel: Relationships) -> None:
        """Its ETag follows its content: clients and staff changed by an operation give it a new version."""
        portal = rel.portal
        group_id = await created(portal, clients=[BN])
        read = await group_etag(portal, group_id)
        await assigned(portal, group_id, "sp-editor", "editor")

        stale = await portal.client.request(
            "DELETE", f"{GROUPS}/{group_id}", json={"confirmation": "DELETE"}, headers={**sp(portal), "If-Match": read}
        )

        assert (stale.status_code, problem(stale)["code"]) == (412, "precondition_failed")
        assert problem(stale)["current_etag"] == await group_etag(portal, group_id) != read


class TestGroupRoles:
    async def test_a_group_role_gives_access_to_each_client_capped_by_the_relationship(
        self, rel: Relationships
    ) -> None:
        portal = rel.portal
        group_id = await created(portal)

        response = await assign(portal, group_id, "sp-pam", "pam")

        assert response.status_code == 202
        assert await run_pending(portal.runtime) == 1
        on_bn = await portal.decide("sp-pam", BN)
        on_c2 = await portal.decide("sp-pam", C2)
        assert (on_bn["role"], on_bn["program_accounts"], on_bn["via_provider"]) == ("proxy_pam", None, SP_BN)
        assert (on_c2["role"], on_c2["program_accounts"]) == ("proxy_pam", [C2_RM1])
        assert (await portal.decide("sp-pam", C2, f"{C2}RM0002"))["reason"] == "program_not_in_relationship"
        [event] = await portal.published(ClientGroupEmployeeAssigned.event_type)
        assert (event.data["client_bns"], event.data["user_ids"], event.data["role"]) == ([BN, C2], ["sp-pam"], "pam")
        contexts = (await portal.client.get("/v1/me/contexts", headers=portal.me("sp-pam"))).json()["items"]
        assert {c["bn"]: c["role"] for c in contexts} == {SP_BN: "pam", BN: "proxy_pam", C2: "proxy_pam"}

    async def test_an_override_replaces_the_group_role_on_one_client(self, rel: Relationships) -> None:
        portal = rel.portal
        group_id = await created(portal)
        await assigned(portal, group_id, "sp-editor", "editor")

        viewer = await override(portal, group_id, "sp-editor", BN, "viewer")
        await run_pending(portal.runtime)
        assert viewer.status_code == 202
        assert (await portal.decide("sp-editor", BN))["role"] == ProxyRole.PROXY_VIEWER
        assert (await portal.decide("sp-editor", C2))["role"] == ProxyRole.PROXY_EDITOR

        await override(portal, group_id, "sp-editor", BN, "none")
        await run_pending(portal.runtime)
        assert (await portal.decide("sp-editor", BN))["allow"] is False
        detail = (await portal.client.get(f"{GROUPS}/{group_id}", headers=sp(portal))).json()
        assert detail["employees"] == [
            {"user_id": "sp-editor", "role": "editor", "overrides": [{"client_bn": BN, "role": "none"}]}
        ]

    async def test_assignments_are_refused(self, rel: Relationships) -> None:
        portal = rel.portal
        group_id = await created(portal)
        cases = [
            (await assign(portal, group_id, "sp-bam", "pam"), 422, "provider_bam_implicit"),
            (await assign(portal, group_id, "stranger", "viewer"), 422, "not_provider_employee"),
            (await assign(portal, group_id, "sp-viewer", "viewer", by=("sp-pam", Role.PAM)), 403, "bam_required"),
            (await assign(portal, group_id, "sp-viewer", "bam"), 422, "validation_failed"),
            (await override(portal, group_id, "sp-viewer", BN, "viewer"), 404, "group_assignment_not_found"),
        ]
        for response, status, code in cases:
            assert (response.status_code, problem(response)["code"]) == (status, code), response.text

    async def test_a_provider_pam_overrides_only_on_clients_it_is_proxy_pam_for(self, rel: Relationships) -> None:
        portal = rel.portal
        group_id = await created(portal)
        await assigned(portal, group_id, "sp-viewer", "viewer")
        as_pam = ("sp-pam", Role.PAM)

        refused = await override(portal, group_id, "sp-viewer", BN, "editor", by=as_pam)
        await assigned(portal, group_id, "sp-pam", "pam")
        allowed = await override(portal, group_id, "sp-viewer", BN, "editor", by=as_pam)
        own = await override(portal, group_id, "sp-pam", BN, "viewer", by=as_pam)

        assert (refused.status_code, problem(refused)["code"]) == (403, "not_proxy_manager")
        assert allowed.status_code == 202
        assert (own.status_code, problem(own)["code"]) == (403, "own_access")
        await run_pending(portal.runtime)
        assert (await portal.decide("sp-viewer", BN))["role"] == "proxy_editor"

    async def test_removing_a_client_is_confirmed_and_keeps_the_bams_access(self, rel: Relationships) -> None:
        portal = rel.portal
        group_id = await created(portal)
        await assigned(portal, group_id, "sp-editor", "editor")
        url = f"{GROUPS}/{group_id}/clients/{BN}"

        unconfirmed = await portal.client.request("DELETE", url, json={"confirmation": "CONFIRM"}, headers=sp(portal))
        confirmed = await portal.client.request("DELETE", url, json={"confirmation": "REMOVE"}, headers=sp(portal))
        await run_pending(portal.runtime)

        assert (unconfirmed.status_code, problem(unconfirmed)["code"]) == (422, "confirmation_required")
        assert confirmed.status_code == 202
        assert (await portal.decide("sp-editor", BN))["allow"] is False
        assert (await portal.decide("sp-editor", C2))["role"] == "proxy_editor"
        assert (await portal.decide("sp-bam", BN))["role"] == "proxy_bam"
        [event] = await portal.published(ClientGroupClientRemoved.event_type)
        assert (event.data["client_bns"], event.data["user_ids"]) == ([BN], ["sp-editor"])
        again = await portal.client.request("DELETE", url, json={"confirmation": "REMOVE"}, headers=sp(portal))
        assert (again.status_code, problem(again)["code"]) == (404, "client_not_in_group")

    async def test_unassigning_removes_the_group_access(self, rel: Relationships) -> None:
        portal = rel.portal
        group_id = await created(portal)
        await assigned(portal, group_id, "sp-editor", "editor")

        response = await portal.client.delete(f"{GROUPS}/{group_id}/employees/sp-editor", headers=sp(portal))
        await run_pending(portal.runtime)

        assert response.status_code == 202
        assert (await portal.decide("sp-editor", BN))["allow"] is False
        again = await portal.client.delete(f"{GROUPS}/{group_id}/employees/sp-editor", headers=sp(portal))
        assert (again.status_code, problem(again)["code"]) == (404, "group_assignment_not_found")

    async def test_removing_the_employee_revokes_its_group_access_for_good(self, rel: Relationships) -> None:
        portal = rel.portal
        group_id = await created(portal)
        await assigned(portal, group_id, "sp-editor", "editor")

        removed = await portal.client.delete(f"/v1/businesses/{SP_BN}/employees/sp-editor", headers=sp(portal))
        await rel.hire("sp-editor", Role.EDITOR)

        assert removed.status_code == 204
        [event] = await portal.published(EmployeeAccessRevoked.event_type)
        assert event.data["client_bns"] == [BN, C2]
        assert (await portal.decide("sp-editor", BN))["allow"] is False

    async def test_a_closed_relationship_takes_the_client_out_of_its_group(self, rel: Relationships) -> None:
        portal = rel.portal
        group_id = await created(portal)
        await assigned(portal, group_id, "sp-editor", "editor")
        relationship = (
            await portal.client.get(f"/v1/businesses/{BN}/relationships", headers=portal.acting("bam-1", Role.BAM))
        ).json()["items"][0]

        assert (await rel.end(relationship["id"])).status_code == 200
        await rel.establish()

        assert (await portal.client.get(f"{GROUPS}/{group_id}", headers=sp(portal))).json()["clients"] == [C2]
        assert (await portal.decide("sp-editor", BN))["allow"] is False

    async def test_the_access_overview_shows_staff_acting_through_a_group(self, rel: Relationships) -> None:
        portal = rel.portal
        group_id = await created(portal)
        await assigned(portal, group_id, "sp-viewer", "viewer")
        await override(portal, group_id, "sp-viewer", C2, "none")
        await run_pending(portal.runtime)

        client_side = await portal.client.get(
            f"/v1/businesses/{BN}/access-overview", headers=portal.acting("bam-1", Role.BAM)
        )
        provider_side = await portal.client.get(f"/v1/businesses/{SP_BN}/access-overview", headers=sp(portal))

        (provider,) = client_side.json()["providers"]
        assert [(s["user_id"], s["proxy_role"], s["assigned"]) for s in provider["staff"]] == [
            ("sp-bam", "proxy_bam", False),
            ("sp-viewer", "proxy_viewer", True),
        ]
        c2 = next(c for c in provider_side.json()["clients"] if c["bn"] == C2)
        assert [s["user_id"] for s in c2["staff"]] == ["sp-bam"]


class TestOperations:
    async def test_an_operation_that_can_no_longer_be_done_fails_with_its_reason(self, rel: Relationships) -> None:
        portal = rel.portal
        group_id = await created(portal, clients=[BN])
        requested = await portal.client.post(f"{GROUPS}/{group_id}/clients", json={"clients": [C2]}, headers=sp(portal))
        c2_relationship = (
            await portal.client.get(
                f"/v1/businesses/{C2}/relationships", headers=portal.acting(f"bam-{C2}", Role.BAM, C2)
            )
        ).json()["items"][0]
        ended = await portal.client.delete(
            f"/v1/businesses/{C2}/relationships/{c2_relationship['id']}",
            headers={**portal.acting(f"bam-{C2}", Role.BAM, C2), "If-Match": c2_relationship["etag"]},
        )
        assert ended.status_code == 200

        await run_pending(portal.runtime)

        failed = await operation(portal, requested.headers["Location"])
        assert (failed["state"], failed["error"]["code"]) == ("failed", "clients_unavailable")
        assert failed["error"]["detail"].startswith("A client is available when its relationship")
        assert C2 in failed["error"]["detail"]
        # The reason is kept in both languages: a French reader of the processing table reads it in French.
        in_french = await portal.client.get(
            requested.headers["Location"], headers={**sp(portal), "Accept-Language": "fr"}
        )
        assert in_french.json()["error"]["detail"].startswith("Un client est disponible lorsque sa relation")
        assert C2 in in_french.json()["error"]["detail"]
        assert (await portal.client.get(f"{GROUPS}/{group_id}", headers=sp(portal))).json()["clients"] == [BN]

    async def test_operations_are_the_providers_own(self, rel: Relationships) -> None:
        portal = rel.portal
        response = await create(portal, "Mine", [BN])
        other = await portal.client.get(
            f"/v1/businesses/{BN}/operations/{response.json()['id']}", headers=portal.acting("bam-1", Role.BAM)
        )
        editor = await portal.client.get(OPERATIONS, headers=sp(portal, "sp-editor", Role.EDITOR))

        assert (other.status_code, problem(other)["code"]) == (404, "operation_not_found")
        assert (editor.status_code, problem(editor)["code"]) == (403, "missing_scope")

    async def test_adding_2000_clients_is_2000_membership_rows_and_no_per_employee_rows(
        self, rel: Relationships
    ) -> None:
        portal = rel.portal
        group_id = await created(portal, clients=[])
        for user, role in (("sp-pam", "pam"), ("sp-editor", "editor"), ("sp-viewer", "viewer")):
            await assigned(portal, group_id, user, role)
        clients = [f"{500000000 + n:09d}" for n in range(2000)]
        now = utcnow()
        async with portal.runtime.uow() as uow:
            await uow.session.execute(
                insert(Business),
                [
                    {"bn": bn, "legal_name": f"Client {bn}", "registered_by": "x", "registered_at": now}
                    for bn in clients
                ],
            )
            await uow.session.execute(
                insert(BusinessRelationship),
                [
                    {
                        "id": f"00000000-0000-4000-8000-{n:012d}",
                        "provider_bn": SP_BN,
                        "client_bn": bn,
                        "type": "business_management",
                        "all_programs": True,
                        "programs": [],
                        "client_submitted": False,
                        "other_businesses_submitted": False,
                        "status": "active",
                        "version": 1,
                        "established_at": now,
                        "established_by": "x",
                    }
                    for n, bn in enumerate(clients)
                ],
            )
        await portal.reindex()  # rows written behind the service's back, without events

        response = await portal.client.post(
            f"{GROUPS}/{group_id}/clients", json={"clients": clients}, headers=sp(portal)
        )
        assert response.status_code == 202, response.text
        assert await run_pending(portal.runtime) == 1

        assert (await operation(portal, response.headers["Location"]))["state"] == "completed"
        async with portal.runtime.sessions() as session:
            members = await session.scalar(
                select(func.count()).select_from(ClientGroupMember).where(ClientGroupMember.group_id == group_id)
            )
            per_employee = [
                await session.scalar(select(func.count()).select_from(table))
                for table in (GroupAssignment, GroupOverride, ProxyAssignment)
            ]
        assert members == 2000
        assert per_employee == [3, 0, 0]  # the three group assignments made before, nothing per client
        assert (await portal.decide("sp-editor", clients[1234]))["role"] == "proxy_editor"
        assert (await portal.decide("sp-viewer", clients[-1]))["role"] == "proxy_viewer"


async def test_the_worker_started_with_the_service_executes_operations(
    tmp_path: Any, context_public_jwk: str, as_context: Any
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/worker.db"
    async with portal_on(url, context_public_jwk, as_context, group_operation_interval_s=0.05) as portal:
        rel = Relationships(portal)
        await rel.setup()
        await rel.establish()
        response = await create(portal, "Ontario importers", [BN])
        assert response.status_code == 202

        for _ in range(100):
            state = (await operation(portal, response.headers["Location"]))["state"]
            if state != "pending":
                break
            await asyncio.sleep(0.05)

        assert state == "completed"
