"""Employees ask for access; BAMs and PAMs approve with a role and programs or reject with a justification."""

from __future__ import annotations

from delegation.roles import Role
from portal_contracts.events import (
    AccessRequestApproved,
    AccessRequestRejected,
    AccessRequestSubmitted,
    EmployeeAccessGranted,
)

from .factories import BN, OTHER_BN, RM1, RM2, RM3, Portal, problem, registered


async def submitted(portal: Portal, user: str = "employee-1") -> str:
    response = await portal.request_access(user)
    assert response.status_code == 201, response.text
    return response.json()["id"]  # type: ignore[no-any-return]


class TestSubmit:
    async def test_an_unassociated_user_asks_for_access_and_the_managers_are_told(self, portal: Portal) -> None:
        await portal.register()
        await portal.employ("pam-1", Role.PAM, [RM1])
        await portal.employ("editor-1", Role.EDITOR)

        response = await portal.request_access("employee-1", comment="  I am the new customs clerk.  ")

        assert response.status_code == 201
        body = response.json()
        assert body["bn"] == BN and body["operating_name"] == "ImporterCompany1755"
        assert (body["status"], body["comment"], body["decision"]) == ("pending", "I am the new customs clerk.", None)
        assert body["created_at"].endswith("Z")
        event = (await portal.published(AccessRequestSubmitted.event_type))[-1]
        assert event.partition_key == BN
        assert event.data == {
            "access_request_id": body["id"],
            "bn": BN,
            "operating_name": "ImporterCompany1755",
            "requester_user_id": "employee-1",
            "comment": "I am the new customs clerk.",
            "approver_user_ids": ["bam-1", "pam-1"],
        }

    async def test_an_unregistered_business_is_404(self, portal: Portal) -> None:
        await portal.register()

        response = await portal.request_access("employee-1", bn=OTHER_BN)

        assert (response.status_code, problem(response)["code"]) == (404, "business_not_registered")

    async def test_the_comment_is_mandatory_and_at_most_256_characters(self, portal: Portal) -> None:
        await portal.register()

        for comment in (None, "", "   ", "x" * 257):
            response = await portal.request_access("employee-1", comment=comment)
            body = problem(response)
            assert (response.status_code, body["code"]) == (422, "validation_failed"), comment
            assert [e["field"] for e in body["errors"]] == ["comment"]
        assert (await portal.request_access("employee-1", comment="x" * 256)).status_code == 201

    async def test_an_associated_user_cannot_ask_again(self, portal: Portal) -> None:
        await portal.register()

        response = await portal.request_access("bam-1")

        assert (response.status_code, problem(response)["code"]) == (409, "already_associated")

    async def test_one_pending_request_per_user_and_business(self, portal: Portal) -> None:
        await portal.register()
        await portal.register(registered(OTHER_BN, registrant="someone"))
        await submitted(portal)

        again = await portal.request_access("employee-1")
        elsewhere = await portal.request_access("employee-1", bn=OTHER_BN)

        assert (again.status_code, problem(again)["code"]) == (409, "access_request_pending")
        assert elsewhere.status_code == 201

    async def test_after_a_rejection_the_user_may_ask_again(self, portal: Portal) -> None:
        await portal.register()
        first = await submitted(portal)
        assert (await portal.reject("bam-1", first, "Unknown to us.")).status_code == 200

        assert (await portal.request_access("employee-1")).status_code == 201

    async def test_an_api_client_acting_for_itself_cannot_ask(self, portal: Portal) -> None:
        await portal.register()

        response = await portal.client.post(
            f"/v1/businesses/{BN}/access-requests",
            json={"comment": "hello"},
            headers=portal.sign(subject="client:broker-app", subject_type="client"),
        )

        assert (response.status_code, problem(response)["code"]) == (403, "user_required")

    async def test_without_the_gateways_context_the_service_refuses(self, portal: Portal) -> None:
        response = await portal.client.post(f"/v1/businesses/{BN}/access-requests", json={"comment": "hello"})

        assert (response.status_code, problem(response)["code"]) == (401, "missing_context")


class TestList:
    async def test_managers_list_requests_newest_first_by_status_and_page(self, portal: Portal) -> None:
        await portal.register()
        await portal.employ("pam-1", Role.PAM, [RM1])
        ids = [await submitted(portal, f"employee-{n}") for n in range(1, 4)]
        await portal.reject("bam-1", ids[0], "Not an employee.")
        headers = portal.acting("pam-1", Role.PAM)
        url = f"/v1/businesses/{BN}/access-requests"

        pending = (await portal.client.get(url, params={"status": "pending"}, headers=headers)).json()
        first = (await portal.client.get(url, params={"limit": 2}, headers=headers)).json()
        second = (
            await portal.client.get(url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers)
        ).json()

        assert [r["id"] for r in pending["items"]] == [ids[2], ids[1]]
        assert pending["items"][0]["requester_user_id"] == "employee-3"
        listed = first["items"] + second["items"]  # the oldest is pam-1's own, approved
        assert [r["id"] for r in listed][:3] == [ids[2], ids[1], ids[0]]
        assert [r["status"] for r in listed] == ["pending", "pending", "rejected", "approved"]
        assert first["next_cursor"] and second["next_cursor"] is None
        assert listed[2]["decision"]["comment"] == "Not an employee."

    async def test_a_forged_cursor_is_422(self, portal: Portal) -> None:
        await portal.register()

        response = await portal.client.get(
            f"/v1/businesses/{BN}/access-requests",
            params={"cursor": "bm9wZQ"},
            headers=portal.acting("bam-1", Role.BAM),
        )

        body = problem(response)
        assert (response.status_code, body["code"], body["errors"][0]["field"]) == (422, "invalid_cursor", "cursor")

    async def test_limit_is_at_most_100(self, portal: Portal) -> None:
        await portal.register()

        response = await portal.client.get(
            f"/v1/businesses/{BN}/access-requests", params={"limit": 101}, headers=portal.acting("bam-1", Role.BAM)
        )

        assert (response.status_code, problem(response)["errors"][0]["field"]) == (422, "limit")

    async def test_an_editor_cannot_list_them(self, portal: Portal) -> None:
        await portal.register()
        await portal.employ("editor-1", Role.EDITOR)

        response = await portal.client.get(
            f"/v1/businesses/{BN}/access-requests", headers=portal.acting("editor-1", Role.EDITOR)
        )

        assert (response.status_code, problem(response)["code"]) == (403, "missing_scope")


class TestApprove:
    async def test_a_bam_approves_with_a_role_and_programs(self, portal: Portal) -> None:
        await portal.register()
        request_id = await submitted(portal)

        response = await portal.approve("bam-1", request_id, "editor", [RM2, RM1])

        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["status"], body["decided_by"], body["requester_user_id"]) == ("approved", "bam-1", "employee-1")
        assert (body["decision"]["role"], body["decision"]["programs"]) == ("editor", [RM1, RM2])
        decision = await portal.decide("employee-1", program_account=RM1)
        assert (decision["allow"], decision["role"], decision["program_accounts"]) == (True, "editor", [RM1, RM2])
        approved = await portal.published(AccessRequestApproved.event_type)
        granted = await portal.published(EmployeeAccessGranted.event_type)
        assert [e.data for e in approved] == [
            {
                "access_request_id": request_id,
                "bn": BN,
                "operating_name": "ImporterCompany1755",
                "requester_user_id": "employee-1",
                "decided_by": "bam-1",
                "role": "editor",
                "programs": [RM1, RM2],
            }
        ]
        assert granted[-1].data == {"bn": BN, "user_id": "employee-1", "role": "editor", "programs": [RM1, RM2]}

    async def test_the_requester_sees_the_decision(self, portal: Portal) -> None:
        await portal.register()
        request_id = await submitted(portal)
        await portal.approve("bam-1", request_id, "viewer", "all")

        mine = await portal.client.get("/v1/me/access-requests", headers=portal.me("employee-1"))

        [item] = mine.json()["items"]
        assert (item["id"], item["status"]) == (request_id, "approved")
        assert (item["decision"]["role"], item["decision"]["programs"], item["decision"]["comment"]) == (
            "viewer",
            "all",
            None,
        )
        assert "decided_by" not in item and "requester_user_id" not in item

    async def test_a_new_bam_gets_every_program_account(self, portal: Portal) -> None:
        await portal.register()
        request_id = await submitted(portal)

        response = await portal.approve("bam-1", request_id, "bam", [RM1])

        assert response.json()["decision"]["programs"] == "all"
        assert (await portal.decide("employee-1", program_account=RM3))["allow"]

    async def test_a_pam_grants_on_its_programs_but_not_bam_nor_others(self, portal: Portal) -> None:
        await portal.register()
        await portal.employ("pam-1", Role.PAM, [RM1, RM2])
        request_id = await submitted(portal)

        as_bam = await portal.approve("pam-1", request_id, "bam", "all", manager_role=Role.PAM)
        outside = await portal.approve("pam-1", request_id, "editor", [RM1, RM3], manager_role=Role.PAM)
        everything = await portal.approve("pam-1", request_id, "editor", "all", manager_role=Role.PAM)
        inside = await portal.approve("pam-1", request_id, "pam", [RM2], manager_role=Role.PAM)

        assert (as_bam.status_code, problem(as_bam)["code"]) == (403, "role_not_grantable")
        assert (outside.status_code, problem(outside)["code"]) == (403, "programs_not_held")
        assert problem(outside)["missing_programs"] == [RM3]
        assert (everything.status_code, problem(everything)["missing_programs"]) == (403, ["all"])
        assert inside.status_code == 200
        assert (await portal.decide("employee-1", program_account=RM2))["role"] == "pam"

    async def test_programs_not_of_the_business_are_422_naming_them(self, portal: Portal) -> None:
        await portal.register()
        request_id = await submitted(portal)

        response = await portal.approve("bam-1", request_id, "editor", [RM1, f"{OTHER_BN}RM0001"])

        body = problem(response)
        assert (response.status_code, body["code"]) == (422, "unknown_program_accounts")
        assert body["errors"][0]["field"] == "programs.1" and f"{OTHER_BN}RM0001" in body["detail"]

    async def test_a_bad_role_is_422(self, portal: Portal) -> None:
        await portal.register()
        request_id = await submitted(portal)

        response = await portal.approve("bam-1", request_id, "owner", "all")

        assert (response.status_code, problem(response)["errors"][0]["field"]) == (422, "role")

    async def test_a_decided_request_is_409(self, portal: Portal) -> None:
        await portal.register()
        request_id = await submitted(portal)
        await portal.reject("bam-1", request_id, "No.")

        response = await portal.approve("bam-1", request_id, "viewer")

        assert (response.status_code, problem(response)["code"]) == (409, "access_request_not_pending")

    async def test_an_unknown_request_is_404(self, portal: Portal) -> None:
        await portal.register()

        response = await portal.approve("bam-1", "00000000-0000-4000-8000-000000000000", "viewer")

        assert (response.status_code, problem(response)["code"]) == (404, "access_request_not_found")

    async def test_a_viewer_is_refused_by_the_service_too(self, portal: Portal) -> None:
        await portal.register()
        await portal.employ("viewer-1", Role.VIEWER)
        request_id = await submitted(portal)

        # The scopes the roles table gives a viewer lack employees:write ...
        with_role_scopes = await portal.approve("viewer-1", request_id, "viewer", manager_role=Role.VIEWER)
        # ... and a context claiming more is refused on delegation's own grants.
        overclaiming = await portal.client.post(
            f"/v1/businesses/{BN}/access-requests/{request_id}/approve",
            json={"role": "viewer", "programs": "all"},
            headers=portal.acting("viewer-1", Role.VIEWER, scopes=["employees:write"]),
        )

        assert (with_role_scopes.status_code, problem(with_role_scopes)["code"]) == (403, "missing_scope")
        assert (overclaiming.status_code, problem(overclaiming)["code"]) == (403, "not_account_manager")
        assert (await portal.decide("employee-1"))["reason"] == "not_associated"

    async def test_a_context_for_another_business_is_refused(self, portal: Portal) -> None:
        await portal.register()
        request_id = await submitted(portal)

        response = await portal.client.post(
            f"/v1/businesses/{BN}/access-requests/{request_id}/approve",
            json={"role": "viewer", "programs": "all"},
            headers=portal.acting("bam-1", Role.BAM, bn=OTHER_BN),
        )

        assert (response.status_code, problem(response)["code"]) == (403, "context_mismatch")


class TestReject:
    async def test_a_rejection_carries_a_justification_the_requester_reads(self, portal: Portal) -> None:
        await portal.register()
        await portal.employ("pam-1", Role.PAM, [RM1])
        request_id = await submitted(portal)

        response = await portal.reject(
            "pam-1", request_id, "  We could not confirm your employment. ", manager_role=Role.PAM
        )

        assert response.status_code == 200
        assert response.json()["status"] == "rejected"
        [event] = await portal.published(AccessRequestRejected.event_type)
        assert (event.data["decided_by"], event.data["comment"]) == ("pam-1", "We could not confirm your employment.")
        mine = (await portal.client.get("/v1/me/access-requests", headers=portal.me("employee-1"))).json()
        assert mine["items"][0]["decision"]["comment"] == "We could not confirm your employment."
        assert mine["items"][0]["decision"]["role"] is None
        assert (await portal.decide("employee-1"))["reason"] == "not_associated"

    async def test_the_justification_is_mandatory(self, portal: Portal) -> None:
        await portal.register()
        request_id = await submitted(portal)

        for comment in (None, " ", "x" * 257):
            response = await portal.reject("bam-1", request_id, comment)
            assert (response.status_code, problem(response)["errors"][0]["field"]) == (422, "comment")

    async def test_only_managers_reject(self, portal: Portal) -> None:
        await portal.register()
        await portal.employ("editor-1", Role.EDITOR)
        request_id = await submitted(portal)

        response = await portal.client.post(
            f"/v1/businesses/{BN}/access-requests/{request_id}/reject",
            json={"comment": "no"},
            headers=portal.acting("editor-1", Role.EDITOR, scopes=["employees:write"]),
        )

        assert (response.status_code, problem(response)["code"]) == (403, "not_account_manager")


async def test_my_requests_are_only_mine_and_filter_by_status(portal: Portal) -> None:
    await portal.register()
    await portal.register(registered(OTHER_BN, registrant="someone"))
    mine = await submitted(portal, "employee-1")
    await submitted(portal, "employee-2")
    elsewhere = (await portal.request_access("employee-1", bn=OTHER_BN)).json()["id"]
    await portal.approve("bam-1", mine, "viewer")

    everything = (await portal.client.get("/v1/me/access-requests", headers=portal.me("employee-1"))).json()
    pending = (
        await portal.client.get("/v1/me/access-requests", params={"status": "pending"}, headers=portal.me("employee-1"))
    ).json()

    assert [r["id"] for r in everything["items"]] == [elsewhere, mine]
    assert [(r["id"], r["bn"]) for r in pending["items"]] == [(elsewhere, OTHER_BN)]
