"""Business relationships (seed 002 §4-5): providers ask, clients approve or reject, client BAMs edit and end."""

from __future__ import annotations

from collections.abc import Awaitable

import pytest
from httpx import Response

from delegation.roles import Role
from portal_contracts.events.delegation import (
    RelationshipChanged,
    RelationshipEnded,
    RelationshipRequestApproved,
    RelationshipRequestCancelled,
    RelationshipRequestRejected,
    RelationshipRequestSubmitted,
)

from .factories import BN, RM1, RM2, RM3, SP_BN, VISIBLE_ALL, VISIBLE_NONE, Portal, Relationships, in_days, problem


@pytest.fixture
async def rel(portal: Portal) -> Relationships:
    relationships = Relationships(portal)
    await relationships.setup()
    return relationships


class TestRequest:
    async def test_a_provider_bam_asks_and_both_sides_managers_are_named_in_the_event(self, rel: Relationships) -> None:
        await rel.portal.employ("pam-1", Role.PAM, [RM1])

        response = await rel.ask(comment="  We clear your goods at Fort Erie.  ")

        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["provider_bn"], body["client_bn"], body["status"]) == (SP_BN, BN, "pending")
        assert body["comment"] == "We clear your goods at Fort Erie."
        event = (await rel.portal.published(RelationshipRequestSubmitted.event_type))[-1]
        assert event.partition_key == BN
        assert event.data["provider_user_ids"] == ["sp-bam"]
        assert event.data["client_user_ids"] == ["bam-1", "pam-1"]
        assert event.data["relationship_request_id"] == body["id"]

    async def test_a_provider_pam_may_ask_but_not_an_editor(self, rel: Relationships) -> None:
        await rel.hire("sp-pam", Role.PAM, [f"{SP_BN}RM0001"])
        await rel.hire("sp-editor", Role.EDITOR)

        by_pam = await rel.ask("sp-pam", role=Role.PAM)
        by_editor = await rel.ask("sp-editor", role=Role.BAM)  # even with a forged scope: grants are checked

        assert by_pam.status_code == 201
        assert (by_editor.status_code, problem(by_editor)["code"]) == (403, "not_account_manager")

    async def test_the_comment_is_mandatory_and_meaningful(self, rel: Relationships) -> None:
        for comment in (None, "", "   ", "x" * 257):
            response = await rel.ask(comment=comment)
            assert (response.status_code, problem(response)["code"]) == (422, "validation_failed"), comment

    async def test_the_client_must_be_registered_and_another_business(self, rel: Relationships) -> None:
        unknown = await rel.ask(client_bn="300000007")
        itself = await rel.ask(client_bn=SP_BN)

        assert (unknown.status_code, problem(unknown)["code"]) == (404, "business_not_registered")
        assert (itself.status_code, problem(itself)["code"]) == (422, "own_business")

    async def test_one_pending_request_per_client(self, rel: Relationships) -> None:
        await rel.asked()

        again = await rel.ask()

        assert (again.status_code, problem(again)["code"]) == (409, "relationship_request_pending")

    async def test_a_rejected_request_is_cancelled_before_a_new_one(self, rel: Relationships) -> None:
        request_id = await rel.asked()
        assert (await rel.reject(request_id)).status_code == 200

        blocked = await rel.ask()
        cancelled = await rel.cancel(request_id)
        again = await rel.ask()

        assert (blocked.status_code, problem(blocked)["code"]) == (409, "rejected_request_not_cancelled")
        assert problem(blocked)["rejected_request_id"] == request_id
        assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
        assert again.status_code == 201

    async def test_no_request_while_a_relationship_is_active(self, rel: Relationships) -> None:
        await rel.establish()

        response = await rel.ask()

        assert (response.status_code, problem(response)["code"]) == (409, "relationship_exists")

    async def test_a_replayed_idempotency_key_returns_the_first_response(self, rel: Relationships) -> None:
        first = await rel.ask(key="key-1")
        replay = await rel.ask(key="key-1")
        reused = await rel.ask(key="key-1", comment="Another reason entirely.")

        assert (first.status_code, replay.status_code) == (201, 201)
        assert replay.json() == first.json()
        assert (reused.status_code, problem(reused)["code"]) == (422, "idempotency_key_reused")
        assert len(await rel.portal.published(RelationshipRequestSubmitted.event_type)) == 1


class TestCancel:
    async def test_the_provider_cancels_a_pending_request_and_the_client_is_told(self, rel: Relationships) -> None:
        request_id = await rel.asked()

        response = await rel.cancel(request_id)
        twice = await rel.cancel(request_id)

        assert response.json()["status"] == "cancelled"
        assert (twice.status_code, problem(twice)["code"]) == (409, "relationship_request_not_cancellable")
        event = (await rel.portal.published(RelationshipRequestCancelled.event_type))[-1]
        assert (event.data["cancelled_by"], event.data["client_user_ids"]) == ("sp-bam", ["bam-1"])

    async def test_an_approved_request_cannot_be_cancelled(self, rel: Relationships) -> None:
        request_id = await rel.asked()
        await rel.approve(request_id)

        response = await rel.cancel(request_id)

        assert (response.status_code, problem(response)["code"]) == (409, "relationship_request_not_cancellable")

    async def test_the_client_cannot_cancel_through_its_own_path(self, rel: Relationships) -> None:
        request_id = await rel.asked()

        response = await rel.portal.client.delete(
            f"/v1/businesses/{BN}/relationship-requests/{request_id}", headers=rel.portal.acting("bam-1", Role.BAM)
        )

        assert (response.status_code, problem(response)["code"]) == (404, "relationship_request_not_found")


class TestApprove:
    async def test_business_management_covers_every_program_and_ignores_a_list(self, rel: Relationships) -> None:
        request_id = await rel.asked()

        response = await rel.approve(request_id, "business_management", [RM1], VISIBLE_ALL, in_days(30))

        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["type"], body["programs"], body["status"]) == ("business_management", "all", "active")
        assert body["visibility"] == {"provider_submitted": True, **VISIBLE_ALL}
        assert body["expires_on"] == in_days(30)
        assert response.headers["etag"] == body["etag"]
        event = (await rel.portal.published(RelationshipRequestApproved.event_type))[-1]
        assert event.data["relationship_id"] == body["id"]
        assert (event.data["provider_user_ids"], event.data["client_user_ids"]) == (["sp-bam"], ["bam-1"])

    async def test_program_management_needs_the_clients_program_accounts(self, rel: Relationships) -> None:
        request_id = await rel.asked()

        missing = await rel.approve(request_id, "program_management")
        everything = await rel.approve(request_id, "program_management", "all")
        foreign = await rel.approve(request_id, "program_management", [f"{SP_BN}RM0001"])
        listed = await rel.approve(request_id, "program_management", [RM1, RM2])

        assert (missing.status_code, problem(missing)["code"]) == (422, "programs_required")
        assert (everything.status_code, problem(everything)["code"]) == (422, "programs_required")
        assert (foreign.status_code, problem(foreign)["code"]) == (422, "unknown_program_accounts")
        assert (listed.status_code, listed.json()["programs"]) == (200, [RM1, RM2])

    async def test_the_expiry_date_is_in_the_future(self, rel: Relationships) -> None:
        request_id = await rel.asked()

        response = await rel.approve(request_id, expires_on=in_days(0))

        assert (response.status_code, problem(response)["code"]) == (422, "expiry_not_in_future")

    async def test_a_client_pam_approves_program_management_on_its_programs_only(self, rel: Relationships) -> None:
        await rel.portal.employ("pam-1", Role.PAM, [RM1])
        request_id = await rel.asked()

        business = await rel.approve(request_id, "business_management", user="pam-1", role=Role.PAM)
        beyond = await rel.approve(request_id, "program_management", [RM1, RM2], user="pam-1", role=Role.PAM)
        inside = await rel.approve(request_id, "program_management", [RM1], user="pam-1", role=Role.PAM)

        assert (business.status_code, problem(business)["code"]) == (403, "bam_required")
        assert (beyond.status_code, problem(beyond)["code"]) == (403, "programs_not_held")
        assert inside.status_code == 200

    async def test_an_editor_of_the_client_cannot_approve(self, rel: Relationships) -> None:
        await rel.portal.employ("editor-1", Role.EDITOR)
        request_id = await rel.asked()

        response = await rel.approve(request_id, user="editor-1", role=Role.BAM)

        assert (response.status_code, problem(response)["code"]) == (403, "not_account_manager")

    async def test_a_decided_request_is_not_decided_again(self, rel: Relationships) -> None:
        request_id = await rel.asked()
        await rel.approve(request_id)

        again = await rel.approve(request_id)
        rejected = await rel.reject(request_id)

        assert (again.status_code, problem(again)["code"]) == (409, "relationship_request_not_pending")
        assert (rejected.status_code, problem(rejected)["code"]) == (409, "relationship_request_not_pending")

    async def test_a_rejection_carries_its_justification_to_the_provider(self, rel: Relationships) -> None:
        request_id = await rel.asked()

        missing = await rel.reject(request_id, comment="  ")
        response = await rel.reject(request_id, comment="We have a broker already.")
        listed = await rel.portal.client.get(
            f"/v1/businesses/{SP_BN}/relationship-requests",
            params={"direction": "outgoing", "status": "rejected"},
            headers=rel.portal.acting("sp-bam", Role.BAM, SP_BN),
        )

        assert (missing.status_code, problem(missing)["code"]) == (422, "validation_failed")
        assert response.json()["rejection_comment"] == "We have a broker already."
        assert [r["id"] for r in listed.json()["items"]] == [request_id]
        event = (await rel.portal.published(RelationshipRequestRejected.event_type))[-1]
        assert (event.data["comment"], event.data["provider_user_ids"]) == ("We have a broker already.", ["sp-bam"])


class TestListing:
    async def test_requests_are_listed_by_direction(self, rel: Relationships) -> None:
        request_id = await rel.asked()

        def listing(bn: str, user: str, direction: str | None) -> Awaitable[Response]:
            params = {"direction": direction} if direction else {}
            return rel.portal.client.get(
                f"/v1/businesses/{bn}/relationship-requests",
                params=params,
                headers=rel.portal.acting(user, Role.BAM, bn),
            )

        incoming = (await listing(BN, "bam-1", "incoming")).json()["items"]
        outgoing_of_client = (await listing(BN, "bam-1", "outgoing")).json()["items"]
        both = (await listing(SP_BN, "sp-bam", None)).json()["items"]

        assert [r["id"] for r in incoming] == [request_id] == [r["id"] for r in both]
        assert outgoing_of_client == []
        assert incoming[0]["provider_name"] == "ImporterCompany1755"

    async def test_both_sides_list_the_relationship_and_filter_by_side(self, rel: Relationships) -> None:
        established = await rel.establish()

        def listing(bn: str, user: str, side: str) -> Awaitable[Response]:
            return rel.portal.client.get(
                f"/v1/businesses/{bn}/relationships",
                params={"side": side},
                headers=rel.portal.acting(user, Role.BAM, bn),
            )

        as_client = (await listing(BN, "bam-1", "client")).json()["items"]
        as_provider = (await listing(SP_BN, "sp-bam", "provider")).json()["items"]
        wrong_side = (await listing(BN, "bam-1", "provider")).json()["items"]
        one = await rel.get(established["id"], user="sp-bam", bn=SP_BN)

        assert [r["id"] for r in as_client] == [established["id"]] == [r["id"] for r in as_provider]
        assert wrong_side == []
        assert (one.status_code, one.headers["etag"]) == (200, established["etag"])

    async def test_a_stranger_business_does_not_see_the_relationship(self, rel: Relationships) -> None:
        established = await rel.establish()

        response = await rel.get(established["id"], user="nobody")

        assert (response.status_code, problem(response)["code"]) == (403, "not_account_manager")


class TestEdit:
    async def test_only_a_client_bam_edits_and_with_the_current_etag(self, rel: Relationships) -> None:
        await rel.portal.employ("pam-1", Role.PAM, [RM1])
        established = await rel.establish()

        by_pam = await rel.edit(established, user="pam-1", role=Role.PAM, visibility=VISIBLE_ALL)
        by_provider = await rel.portal.client.patch(
            f"/v1/businesses/{SP_BN}/relationships/{established['id']}",
            json={"visibility": VISIBLE_ALL},
            headers={**rel.portal.acting("sp-bam", Role.BAM, SP_BN), "If-Match": established["etag"]},
        )
        edited = await rel.edit(established, visibility=VISIBLE_ALL)
        stale = await rel.edit(established, expires_on=in_days(5))

        assert (by_pam.status_code, problem(by_pam)["code"]) == (403, "bam_required")
        assert (by_provider.status_code, problem(by_provider)["code"]) == (404, "relationship_not_found")
        assert edited.status_code == 200 and edited.json()["visibility"]["client_submitted"] is True
        assert edited.headers["etag"] != established["etag"]
        assert (stale.status_code, problem(stale)["code"]) == (412, "precondition_failed")
        event = (await rel.portal.published(RelationshipChanged.event_type))[-1]
        assert event.data["changed"] == ["visibility"]

    async def test_if_match_is_required_to_edit_or_end(self, rel: Relationships) -> None:
        established = await rel.establish()
        url = f"/v1/businesses/{BN}/relationships/{established['id']}"
        headers = rel.portal.acting("bam-1", Role.BAM)

        edit = await rel.portal.client.patch(url, json={"visibility": VISIBLE_ALL}, headers=headers)
        end = await rel.portal.client.delete(url, headers=rel.portal.acting("bam-1", Role.BAM))
        stale_end = await rel.end(established["id"], etag='"another-version"')

        for refused in (edit, end):
            assert (refused.status_code, problem(refused)["code"]) == (428, "precondition_required")
            assert "If-Match" in problem(refused)["detail"]
            assert problem(refused)["remediation"].startswith(f"GET {url} ")
        assert (stale_end.status_code, problem(stale_end)["code"]) == (412, "precondition_failed")
        assert (await rel.get(established["id"])).json() == established  # nothing changed

    async def test_several_entity_tags_or_a_star_match(self, rel: Relationships) -> None:
        established = await rel.establish()

        listed = await rel.edit(established, etag=f'"other", {established["etag"]}', visibility=VISIBLE_ALL)
        weak = await rel.edit(listed.json(), etag=f"W/{listed.json()['etag']}", visibility=VISIBLE_NONE)
        star = await rel.end(established["id"], etag="*")

        assert listed.status_code == 200
        assert (weak.status_code, problem(weak)["code"]) == (412, "precondition_failed")
        assert (star.status_code, star.json()["status"]) == (200, "ended")
        assert star.headers["etag"] == star.json()["etag"] != listed.json()["etag"]

    async def test_expiry_is_set_and_cleared(self, rel: Relationships) -> None:
        established = await rel.establish()

        past = await rel.edit(established, expires_on=in_days(-1))
        set_ = await rel.edit(established, expires_on=in_days(3))
        cleared = await rel.edit(set_.json(), expires_on=None)

        assert (past.status_code, problem(past)["code"]) == (422, "expiry_not_in_future")
        assert set_.json()["expires_on"] == in_days(3)
        assert cleared.json()["expires_on"] is None

    async def test_a_downgrade_needs_the_program_list(self, rel: Relationships) -> None:
        established = await rel.establish()

        without = await rel.edit(established, type="program_management")
        with_programs = await rel.edit(established, type="program_management", programs=[RM2])

        assert (without.status_code, problem(without)["code"]) == (422, "programs_required")
        assert with_programs.json()["programs"] == [RM2]

    async def test_an_ended_relationship_is_not_edited_nor_ended_again(self, rel: Relationships) -> None:
        established = await rel.establish()
        ended = await rel.end(established["id"])

        edit = await rel.edit(established, etag=ended.json()["etag"], visibility=VISIBLE_ALL)
        again = await rel.end(established["id"])

        assert ended.json()["status"] == "ended"
        assert (edit.status_code, problem(edit)["code"]) == (409, "relationship_not_active")
        assert (again.status_code, problem(again)["code"]) == (409, "relationship_not_active")
        event = (await rel.portal.published(RelationshipEnded.event_type))[-1]
        assert (event.data["ended_by"], event.data["provider_user_ids"]) == ("bam-1", ["sp-bam"])

    async def test_only_the_client_ends_it(self, rel: Relationships) -> None:
        established = await rel.establish()

        response = await rel.portal.client.delete(
            f"/v1/businesses/{SP_BN}/relationships/{established['id']}",
            headers=rel.portal.acting("sp-bam", Role.BAM, SP_BN),
        )

        assert (response.status_code, problem(response)["code"]) == (404, "relationship_not_found")

    async def test_every_change_is_in_the_audit_trail_with_its_request_id(self, rel: Relationships) -> None:
        established = await rel.establish()
        await rel.edit(established, type="program_management", programs=[RM3])

        trail = await rel.portal.client.get(f"/v1/businesses/{BN}/audit", headers=rel.portal.acting("bam-1", Role.BAM))
        provider_trail = await rel.portal.client.get(
            f"/v1/businesses/{SP_BN}/audit", headers=rel.portal.acting("sp-bam", Role.BAM, SP_BN)
        )

        actions = [e["action"] for e in trail.json()["items"]]
        assert actions[:2] == ["relationship_changed", "relationship_request_approved"]
        changed = trail.json()["items"][0]
        assert changed["details"]["after"]["programs"] == [RM3]
        assert changed["request_id"] in rel.portal.request_ids
        assert provider_trail.json()["items"][0]["action"] == "relationship_requested"
