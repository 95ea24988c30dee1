"""Editing and removing employees (seed 002 §3): the hierarchy, ETags, the last BAM, and what removal revokes."""

from __future__ import annotations

from typing import Any

from httpx import Response

from delegation.roles import Role
from portal_contracts.events.delegation import EmployeeAccessChanged, EmployeeAccessRevoked

from .factories import BN, RM1, RM2, RM3, SP_BN, Portal, Relationships, problem


def url(user_id: str, bn: str = BN) -> str:
    return f"/v1/businesses/{bn}/employees/{user_id}"


async def etag_of(portal: Portal, user_id: str, bn: str = BN) -> str:
    response = await portal.client.get(url(user_id, bn), headers=portal.acting("bam-1", Role.BAM, bn))
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == response.json()["etag"]
    return response.headers["ETag"]


async def edit(
    portal: Portal, user_id: str, role: str, programs: Any, *, by: str = "bam-1", by_role: Role = Role.BAM
) -> Response:
    return await portal.client.put(
        url(user_id), json={"role": role, "programs": programs}, headers=portal.acting(by, by_role)
    )


async def staffed(portal: Portal) -> None:
    await portal.register()
    await portal.employ("pam-1", Role.PAM, [RM1, RM2])
    await portal.employ("editor-1", Role.EDITOR, [RM1])
    await portal.employ("editor-3", Role.EDITOR, [RM3])


class TestEdit:
    async def test_a_bam_promotes_an_editor_to_bam_with_every_program(self, portal: Portal) -> None:
        await staffed(portal)
        before = await etag_of(portal, "editor-1")

        response = await portal.client.put(
            url("editor-1"),
            json={"role": "bam", "programs": [RM1]},
            headers={**portal.acting("bam-1", Role.BAM), "If-Match": before},
        )

        assert response.status_code == 200, response.text
        assert (response.json()["role"], response.json()["programs"]) == ("bam", "all")
        assert response.headers["ETag"] != before
        assert (await portal.decide("editor-1", program_account=RM3))["role"] == "bam"
        [event] = await portal.published(EmployeeAccessChanged.event_type)
        assert event.partition_key == BN
        assert event.data == {
            "bn": BN,
            "user_id": "editor-1",
            "role": "bam",
            "programs": "all",
            "previous_role": "editor",
            "previous_programs": [RM1],
            "changed_by": "bam-1",
        }
        trail = (await portal.client.get(f"/v1/businesses/{BN}/audit", headers=portal.acting("bam-1", Role.BAM))).json()
        assert trail["items"][0]["action"] == "employee_access_changed"
        assert trail["items"][0]["target_user_id"] == "editor-1"
        assert trail["items"][0]["details"]["after"] == {"role": "bam", "programs": "all"}

    async def test_a_demoted_bam_keeps_only_the_new_role(self, portal: Portal) -> None:
        await staffed(portal)
        await portal.employ("bam-2", Role.BAM)

        response = await edit(portal, "bam-2", "viewer", [RM2])

        assert (response.status_code, response.json()["role"], response.json()["programs"]) == (200, "viewer", [RM2])
        decision = await portal.decide("bam-2", program_account=RM1)
        assert (decision["allow"], decision["reason"]) == (False, "program_not_granted")

    async def test_a_pam_edits_an_employee_within_its_programs(self, portal: Portal) -> None:
        await staffed(portal)

        response = await edit(portal, "editor-1", "viewer", [RM1, RM2], by="pam-1", by_role=Role.PAM)

        assert (response.status_code, response.json()["role"]) == (200, "viewer")

    async def test_the_hierarchy_refuses(self, portal: Portal) -> None:
        await staffed(portal)
        cases = [
            (await edit(portal, "bam-1", "viewer", [RM1], by="pam-1", by_role=Role.PAM), 403, "manager_outranked"),
            (await edit(portal, "editor-3", "viewer", [RM3], by="pam-1", by_role=Role.PAM), 403, "programs_not_held"),
            (await edit(portal, "editor-1", "bam", "all", by="pam-1", by_role=Role.PAM), 403, "role_not_grantable"),
            (await edit(portal, "editor-1", "editor", [RM3], by="pam-1", by_role=Role.PAM), 403, "programs_not_held"),
            (await edit(portal, "pam-1", "pam", "all", by="pam-1", by_role=Role.PAM), 403, "own_access"),
            (await edit(portal, "bam-1", "viewer", [RM1]), 403, "own_access"),
            (await edit(portal, "editor-3", "viewer", [RM3], by="editor-1", by_role=Role.EDITOR), 403, "missing_scope"),
            (await edit(portal, "nobody", "viewer", [RM3]), 404, "employee_not_found"),
            (await edit(portal, "editor-1", "viewer", ["100000009RM0001"]), 422, "unknown_program_accounts"),
        ]
        for response, status, code in cases:
            assert (response.status_code, problem(response)["code"]) == (status, code), response.text
        assert await portal.published(EmployeeAccessChanged.event_type) == []

    async def test_a_stale_etag_is_refused(self, portal: Portal) -> None:
        await staffed(portal)
        stale = await etag_of(portal, "editor-1")
        assert (await edit(portal, "editor-1", "viewer", [RM1])).status_code == 200

        response = await portal.client.put(
            url("editor-1"),
            json={"role": "editor", "programs": [RM1]},
            headers={**portal.acting("bam-1", Role.BAM), "If-Match": stale},
        )

        assert (response.status_code, problem(response)["code"]) == (412, "precondition_failed")
        assert problem(response)["current_etag"] == await etag_of(portal, "editor-1")


class TestRemoval:
    async def test_a_bam_removes_an_employee_and_a_later_approval_restores_nothing(self, portal: Portal) -> None:
        await staffed(portal)

        response = await portal.client.delete(url("pam-1"), headers=portal.acting("bam-1", Role.BAM))

        assert response.status_code == 204
        assert (await portal.decide("pam-1"))["reason"] == "not_associated"
        [event] = await portal.published(EmployeeAccessRevoked.event_type)
        assert event.data == {
            "bn": BN,
            "user_id": "pam-1",
            "previous_role": "pam",
            "client_bns": [],
            "revoked_by": "bam-1",
        }
        await portal.employ("pam-1", Role.VIEWER, [RM3])
        assert (await portal.decide("pam-1"))["role"] == "viewer"
        trail = (await portal.client.get(f"/v1/businesses/{BN}/audit", headers=portal.acting("bam-1", Role.BAM))).json()
        removed = next(e for e in trail["items"] if e["action"] == "employee_removed")
        assert removed["details"] == {"role": "pam", "programs": [RM1, RM2], "client_bns": []}

    async def test_removal_is_refused(self, portal: Portal) -> None:
        await staffed(portal)
        by_pam = await portal.client.delete(url("editor-1"), headers=portal.acting("pam-1", Role.PAM))
        self_removal = await portal.client.delete(url("bam-1"), headers=portal.acting("bam-1", Role.BAM))
        unknown = await portal.client.delete(url("nobody"), headers=portal.acting("bam-1", Role.BAM))

        assert (by_pam.status_code, problem(by_pam)["code"]) == (403, "bam_required")
        assert (self_removal.status_code, problem(self_removal)["code"]) == (403, "own_access")
        assert (unknown.status_code, problem(unknown)["code"]) == (404, "employee_not_found")


class TestProviderSide:
    async def test_removing_a_provider_employee_revokes_its_client_assignments(self, portal: Portal) -> None:
        rel = Relationships(portal)
        await rel.setup()
        await rel.hire("sp-editor", Role.EDITOR)
        relationship = await rel.establish()
        assert (await rel.assign(relationship["id"], "sp-editor", "editor")).status_code == 200
        assert (await portal.decide("sp-editor", BN))["allow"] is True

        response = await portal.client.delete(url("sp-editor", SP_BN), headers=portal.acting("sp-bam", Role.BAM, SP_BN))

        assert response.status_code == 204
        assert (await portal.decide("sp-editor", BN))["allow"] is False
        [event] = await portal.published(EmployeeAccessRevoked.event_type)
        assert (event.partition_key, event.data["client_bns"]) == (SP_BN, [BN])
        await rel.hire("sp-editor", Role.EDITOR)
        assert (await portal.decide("sp-editor", BN))["allow"] is False  # the assignment did not come back

    async def test_removing_a_provider_bam_revokes_its_implicit_proxy_rights(self, portal: Portal) -> None:
        rel = Relationships(portal)
        await rel.setup()
        await rel.hire("sp-bam-2", Role.BAM)
        await rel.establish()
        assert (await portal.decide("sp-bam-2", BN))["role"] == "proxy_bam"

        response = await portal.client.delete(url("sp-bam-2", SP_BN), headers=portal.acting("sp-bam", Role.BAM, SP_BN))

        assert response.status_code == 204
        assert (await portal.decide("sp-bam-2", BN))["allow"] is False
        [event] = await portal.published(EmployeeAccessRevoked.event_type)
        assert event.data["client_bns"] == [BN]

    async def test_a_promotion_to_bam_drops_assignments_so_a_demotion_leaves_only_the_new_role(
        self, portal: Portal
    ) -> None:
        rel = Relationships(portal)
        await rel.setup()
        await rel.hire("sp-editor", Role.EDITOR)
        relationship = await rel.establish()
        await rel.assign(relationship["id"], "sp-editor", "editor")
        headers = portal.acting("sp-bam", Role.BAM, SP_BN)

        promoted = await portal.client.put(
            url("sp-editor", SP_BN), json={"role": "bam", "programs": "all"}, headers=headers
        )
        assert (await portal.decide("sp-editor", BN))["role"] == "proxy_bam"
        demoted = await portal.client.put(
            url("sp-editor", SP_BN), json={"role": "viewer", "programs": "all"}, headers=headers
        )

        assert (promoted.status_code, demoted.status_code) == (200, 200)
        assert (await portal.decide("sp-editor", BN))["allow"] is False
