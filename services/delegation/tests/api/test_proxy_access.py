"""Decisions through a business relationship: proxy roles, their ceilings, visibility and the expired role."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from delegation.relationships.expiry import expire_relationships
from delegation.roles import PROVIDER_EXCLUSIONS, ProxyRole, Role, proxy_scopes_for
from portal_contracts.events.delegation import ProxyAssignmentRemoved, ProxyAssignmentSet

from .factories import (
    BN,
    RM1,
    RM2,
    RM3,
    SP2_BN,
    SP_BN,
    VISIBLE_ALL,
    VISIBLE_NONE,
    Portal,
    Relationships,
    in_days,
    numbered_bn,
    problem,
    registered,
)

SP_RM1 = f"{SP_BN}RM0001"
VISIBILITIES = {
    "none": (VISIBLE_NONE, ["provider"]),
    "client": ({"client_submitted": True, "other_businesses_submitted": False}, ["provider", "client"]),
    "other": ({"client_submitted": False, "other_businesses_submitted": True}, ["provider", "other_businesses"]),
    "all": (VISIBLE_ALL, ["provider", "client", "other_businesses"]),
}


@pytest.fixture
async def rel(portal: Portal) -> Relationships:
    relationships = Relationships(portal)
    await relationships.setup()
    await relationships.hire("sp-pam", Role.PAM, [SP_RM1])
    await relationships.hire("sp-editor", Role.EDITOR)
    await relationships.hire("sp-viewer", Role.VIEWER)
    return relationships


def allowed(decision: dict[str, Any], role: ProxyRole, programs: list[str] | None, visibility: list[str]) -> None:
    assert decision == {
        "allow": True,
        "reason": "relationship",
        "role": role.value,
        "scopes": proxy_scopes_for(role),
        "program_accounts": programs,
        "via_provider": SP_BN,
        "visibility": visibility,
    }


class TestProviderBams:
    @pytest.mark.parametrize("visibility", sorted(VISIBILITIES))
    async def test_business_management_makes_them_proxy_bam_on_every_program(
        self, rel: Relationships, visibility: str
    ) -> None:
        settings, visible = VISIBILITIES[visibility]
        await rel.establish("business_management", visibility=settings)

        allowed(await rel.portal.decide("sp-bam", program_account=RM3), ProxyRole.PROXY_BAM, None, visible)
        allowed(await rel.portal.decide("sp-bam"), ProxyRole.PROXY_BAM, None, visible)

    @pytest.mark.parametrize("visibility", sorted(VISIBILITIES))
    async def test_program_management_makes_them_proxy_pam_on_the_listed_programs_only(
        self, rel: Relationships, visibility: str
    ) -> None:
        settings, visible = VISIBILITIES[visibility]
        await rel.establish("program_management", [RM1, RM2], visibility=settings)

        inside = await rel.portal.decide("sp-bam", program_account=RM2)
        outside = await rel.portal.decide("sp-bam", program_account=RM3)

        allowed(inside, ProxyRole.PROXY_PAM, [RM1, RM2], visible)
        assert (outside["allow"], outside["reason"], outside["scopes"]) == (False, "program_not_in_relationship", [])
        assert outside["via_provider"] == SP_BN

    async def test_provider_staff_without_assignment_have_nothing(self, rel: Relationships) -> None:
        await rel.establish()

        for user in ("sp-pam", "sp-editor", "sp-viewer"):
            decision = await rel.portal.decide(user)
            assert (decision["allow"], decision["reason"]) == (False, "not_associated"), user

    async def test_no_relationship_no_access(self, rel: Relationships) -> None:
        request_id = await rel.asked()

        pending = await rel.portal.decide("sp-bam")
        await rel.reject(request_id)
        rejected = await rel.portal.decide("sp-bam")

        assert pending["reason"] == rejected["reason"] == "not_associated"


class TestProviderExclusions:
    @pytest.mark.parametrize("role", list(ProxyRole))
    def test_no_proxy_role_holds_an_excluded_scope(self, role: ProxyRole) -> None:
        assert not set(proxy_scopes_for(role)) & {s.value for s in PROVIDER_EXCLUSIONS}

    @pytest.mark.parametrize("assigned", ["pam", "editor", "viewer"])
    async def test_assigned_staff_never_get_an_excluded_scope(self, rel: Relationships, assigned: str) -> None:
        established = await rel.establish()
        await rel.assign(established["id"], "sp-editor", assigned)

        decision = await rel.portal.decide("sp-editor", program_account=RM1)

        assert decision["allow"] and decision["role"] == f"proxy_{assigned}"
        for excluded in (
            "business_profile:write",
            "program_accounts:write",
            "payment_setup:read",
            "payment_setup:write",
        ):
            assert excluded not in decision["scopes"]
        assert not [s for s in decision["scopes"] if s.startswith(("relationships:", "employees:"))]

    async def test_a_proxy_bam_reads_the_profile_but_a_proxy_pam_does_not(self, rel: Relationships) -> None:
        await rel.establish("program_management", [RM1])

        decision = await rel.portal.decide("sp-bam", program_account=RM1)

        assert "business_profile:read" not in decision["scopes"]
        assert "business_profile:read" in proxy_scopes_for(ProxyRole.PROXY_BAM)


class TestAssignments:
    async def test_a_provider_bam_assigns_its_staff_within_the_relationship(self, rel: Relationships) -> None:
        established = await rel.establish("program_management", [RM1, RM2], VISIBLE_ALL)

        response = await rel.assign(established["id"], "sp-editor", "editor", [RM2])
        beyond = await rel.assign(established["id"], "sp-viewer", "viewer", [RM3])
        everything = await rel.assign(established["id"], "sp-viewer", "viewer", "all")

        assert response.status_code == 200, response.text
        assert (response.json()["role"], response.json()["programs"]) == ("editor", [RM2])
        allowed(
            await rel.portal.decide("sp-editor", program_account=RM2),
            ProxyRole.PROXY_EDITOR,
            [RM2],
            ["provider", "client", "other_businesses"],
        )
        in_relationship = await rel.portal.decide("sp-editor", program_account=RM1)
        assert (in_relationship["allow"], in_relationship["reason"]) == (False, "program_not_granted")
        assert (beyond.status_code, problem(beyond)["code"]) == (403, "programs_outside_relationship")
        assert (everything.status_code, problem(everything)["code"]) == (403, "programs_outside_relationship")
        event = (await rel.portal.published(ProxyAssignmentSet.event_type))[-1]
        assert (event.partition_key, event.data["user_id"], event.data["programs"]) == (BN, "sp-editor", [RM2])

    async def test_a_listed_program_outside_a_program_management_relationship_is_refused(
        self, rel: Relationships
    ) -> None:
        established = await rel.establish("program_management", [RM1])

        response = await rel.assign(established["id"], "sp-viewer", "viewer", [RM3])

        assert (response.status_code, problem(response)["code"]) == (403, "programs_outside_relationship")
        assert problem(response)["missing_programs"] == [RM3]

    async def test_only_employees_of_the_provider_below_bam_are_assigned(self, rel: Relationships) -> None:
        established = await rel.establish()
        await rel.hire("sp-bam-2", Role.BAM)

        stranger = await rel.assign(established["id"], "stranger", "viewer")
        bam = await rel.assign(established["id"], "sp-bam-2", "viewer")
        as_bam = await rel.assign(established["id"], "sp-viewer", "bam")

        assert (stranger.status_code, problem(stranger)["code"]) == (422, "not_provider_employee")
        assert (bam.status_code, problem(bam)["code"]) == (422, "provider_bam_implicit")
        assert as_bam.status_code == 422

    async def test_a_provider_pam_assigns_only_where_it_is_proxy_pam_and_within_its_programs(
        self, rel: Relationships
    ) -> None:
        established = await rel.establish()

        before = await rel.assign(established["id"], "sp-viewer", "viewer", [RM1], by="sp-pam", by_role=Role.PAM)
        await rel.assign(established["id"], "sp-pam", "pam", [RM1, RM2])
        inside = await rel.assign(established["id"], "sp-viewer", "viewer", [RM1], by="sp-pam", by_role=Role.PAM)
        beyond = await rel.assign(established["id"], "sp-editor", "editor", [RM3], by="sp-pam", by_role=Role.PAM)
        everything = await rel.assign(established["id"], "sp-editor", "editor", "all", by="sp-pam", by_role=Role.PAM)

        assert (before.status_code, problem(before)["code"]) == (403, "not_proxy_manager")
        assert inside.status_code == 200
        assert (beyond.status_code, problem(beyond)["code"]) == (403, "programs_outside_relationship")
        assert (everything.status_code, problem(everything)["code"]) == (403, "programs_outside_relationship")

    async def test_provider_editors_do_not_assign(self, rel: Relationships) -> None:
        established = await rel.establish()

        response = await rel.assign(established["id"], "sp-viewer", "viewer", by="sp-editor", by_role=Role.BAM)

        assert (response.status_code, problem(response)["code"]) == (403, "not_account_manager")

    async def test_unassigning_removes_the_access_and_lists_follow(self, rel: Relationships) -> None:
        established = await rel.establish()
        await rel.assign(established["id"], "sp-viewer", "viewer")
        await rel.assign(established["id"], "sp-editor", "editor", [RM1])

        listed = await rel.portal.client.get(
            f"/v1/businesses/{SP_BN}/relationships/{established['id']}/assignments",
            headers=rel.portal.acting("sp-bam", Role.BAM, SP_BN),
        )
        removed = await rel.unassign(established["id"], "sp-viewer")
        again = await rel.unassign(established["id"], "sp-viewer")

        assert [(a["user_id"], a["role"]) for a in listed.json()["items"]] == [
            ("sp-viewer", "viewer"),
            ("sp-editor", "editor"),
        ]
        assert removed.status_code == 204
        assert (again.status_code, problem(again)["code"]) == (404, "assignment_not_found")
        assert (await rel.portal.decide("sp-viewer"))["reason"] == "not_associated"
        assert (await rel.portal.published(ProxyAssignmentRemoved.event_type))[-1].data["user_id"] == "sp-viewer"


class TestRelationshipChanges:
    async def test_upgrade_promotes_provider_bams_and_downgrade_demotes_them(self, rel: Relationships) -> None:
        established = await rel.establish("program_management", [RM1])
        assert (await rel.portal.decide("sp-bam"))["role"] == "proxy_pam"

        upgraded = await rel.edit(established, type="business_management")
        as_bam = await rel.portal.decide("sp-bam", program_account=RM3)
        downgraded = await rel.edit(upgraded.json(), type="program_management", programs=[RM2])
        as_pam = await rel.portal.decide("sp-bam", program_account=RM2)

        assert upgraded.json()["programs"] == "all"
        allowed(as_bam, ProxyRole.PROXY_BAM, None, ["provider"])
        assert downgraded.status_code == 200
        allowed(as_pam, ProxyRole.PROXY_PAM, [RM2], ["provider"])

    async def test_removing_a_program_removes_every_provider_employees_access_to_it(self, rel: Relationships) -> None:
        established = await rel.establish("program_management", [RM1, RM2])
        await rel.assign(established["id"], "sp-editor", "editor", [RM1, RM2])
        await rel.assign(established["id"], "sp-viewer", "viewer", [RM2])

        edited = await rel.edit(established, programs=[RM1])

        assert edited.status_code == 200
        bam = await rel.portal.decide("sp-bam", program_account=RM2)
        editor = await rel.portal.decide("sp-editor", program_account=RM2)
        assert (bam["allow"], bam["reason"]) == (False, "program_not_in_relationship")
        assert (editor["allow"], editor["reason"]) == (False, "program_not_in_relationship")
        assert (await rel.portal.decide("sp-editor"))["program_accounts"] == [RM1]
        assert (await rel.portal.decide("sp-viewer"))["reason"] == "not_associated"
        # putting the program back does not give it back
        await rel.edit(edited.json(), programs=[RM1, RM2])
        assert not (await rel.portal.decide("sp-editor", program_account=RM2))["allow"]

    async def test_visibility_changes_follow_in_the_next_decision(self, rel: Relationships) -> None:
        established = await rel.establish(visibility=VISIBLE_NONE)

        await rel.edit(established, visibility=VISIBLE_ALL)

        assert (await rel.portal.decide("sp-bam"))["visibility"] == ["provider", "client", "other_businesses"]


class TestEndAndExpiry:
    async def test_ending_leaves_provider_bams_the_expired_role_and_nobody_else_anything(
        self, rel: Relationships
    ) -> None:
        established = await rel.establish("program_management", [RM1], VISIBLE_ALL)
        await rel.assign(established["id"], "sp-editor", "editor")

        await rel.end(established["id"])

        expired = await rel.portal.decide("sp-bam", program_account=RM1)
        assert expired == {
            "allow": True,
            "reason": "expired_relationship",
            "role": "expired",
            "scopes": ["declarations:read", "financial:read", "payments:read", "rulings:read"],
            "program_accounts": [RM1],
            "via_provider": SP_BN,
            "visibility": ["provider"],
        }
        assert (await rel.portal.decide("sp-editor"))["reason"] == "not_associated"

    async def test_expiry_runs_on_its_date_and_not_before(self, rel: Relationships) -> None:
        established = await rel.establish(expires_on=in_days(10))
        runtime = rel.portal.runtime

        before = await expire_relationships(runtime, date.fromisoformat(in_days(9)))
        on_the_day = await expire_relationships(runtime, date.fromisoformat(in_days(10)))
        again = await expire_relationships(runtime, date.fromisoformat(in_days(11)))

        assert (before, on_the_day, again) == ([], [established["id"]], [])
        assert (await rel.get(established["id"])).json()["status"] == "expired"
        assert (await rel.portal.decide("sp-bam"))["role"] == "expired"
        events = await rel.portal.published("delegation.relationship.expired.v1")
        assert [e.data["relationship_id"] for e in events] == [established["id"]]

    async def test_a_relationship_past_its_date_gives_only_the_expired_role_before_the_job_runs(
        self, portal: Portal, rel: Relationships
    ) -> None:
        established = await rel.establish("business_management", expires_on=in_days(2))
        await rel.assign(established["id"], "sp-editor", "editor")
        later = datetime.now(UTC) + timedelta(days=3)
        portal.app.state.clock = lambda: later

        bam = await portal.decide("sp-bam")
        editor = await portal.decide("sp-editor")
        contexts = (await portal.client.get("/v1/me/contexts", headers=portal.me("sp-bam"))).json()["items"]

        assert (bam["role"], bam["visibility"]) == ("expired", ["provider"])
        assert editor["reason"] == "not_associated"
        assert [(c["bn"], c["role"]) for c in contexts] == [(SP_BN, "bam"), (BN, "expired")]
        assert (await rel.get(established["id"])).json()["status"] == "active"  # the job closes the row later

    async def test_re_establishing_restores_none_of_the_old_configuration(self, rel: Relationships) -> None:
        old = await rel.establish("business_management", visibility=VISIBLE_ALL)
        await rel.assign(old["id"], "sp-editor", "editor")
        await rel.end(old["id"])

        new = await rel.establish("program_management", [RM2])

        assert new["id"] != old["id"]
        assert new["visibility"] == {"provider_submitted": True, **VISIBLE_NONE}
        allowed(await rel.portal.decide("sp-bam", program_account=RM2), ProxyRole.PROXY_PAM, [RM2], ["provider"])
        assert (await rel.portal.decide("sp-editor"))["reason"] == "not_associated"
        listed = await rel.portal.client.get(
            f"/v1/businesses/{SP_BN}/relationships/{new['id']}/assignments",
            headers=rel.portal.acting("sp-bam", Role.BAM, SP_BN),
        )
        assert listed.json()["items"] == []


class TestSeveralPaths:
    async def test_two_providers_union_scopes_and_the_strongest_gives_the_role(self, portal: Portal) -> None:
        rel = Relationships(portal)
        await rel.setup(second_provider=True)
        await rel.hire("broker", Role.VIEWER, bn=SP_BN)
        await rel.hire("broker", Role.EDITOR, bn=SP2_BN, by="sp2-bam")
        first = await rel.establish("business_management")
        second = await rel.establish(
            "program_management", [RM2], VISIBLE_ALL, provider_bn=SP2_BN, provider_bam="sp2-bam"
        )
        await rel.assign(first["id"], "broker", "viewer", "all")
        await rel.assign(second["id"], "broker", "editor", [RM2], by="sp2-bam", provider_bn=SP2_BN)

        on_rm2 = await portal.decide("broker", program_account=RM2)
        on_rm1 = await portal.decide("broker", program_account=RM1)
        wide = await portal.decide("broker")

        assert (on_rm2["role"], on_rm2["via_provider"], on_rm2["visibility"]) == (
            "proxy_editor",
            SP2_BN,
            ["provider", "client", "other_businesses"],
        )
        assert "rulings:write" in on_rm2["scopes"]
        assert (on_rm1["role"], on_rm1["via_provider"], on_rm1["scopes"]) == (
            "proxy_viewer",
            SP_BN,
            proxy_scopes_for(ProxyRole.PROXY_VIEWER),
        )
        assert (wide["role"], wide["via_provider"], wide["program_accounts"]) == ("proxy_editor", SP2_BN, None)


class TestContextsAndOverview:
    async def test_my_contexts_list_clients_with_the_proxy_role(self, rel: Relationships) -> None:
        await rel.establish("program_management", [RM1], VISIBLE_ALL)

        contexts = (await rel.portal.client.get("/v1/me/contexts", headers=rel.portal.me("sp-bam"))).json()

        assert [(c["bn"], c["role"], c["via_provider"]) for c in contexts["items"]] == [
            (SP_BN, "bam", None),
            (BN, "proxy_pam", SP_BN),
        ]
        client = contexts["items"][1]
        assert (client["programs"], client["scopes"]) == ([RM1], proxy_scopes_for(ProxyRole.PROXY_PAM))
        assert client["visibility"] == ["provider", "client", "other_businesses"]

    async def test_the_access_overview_shows_both_sides_to_bams_only(self, rel: Relationships) -> None:
        await rel.portal.employ("pam-1", Role.PAM, [RM1])
        established = await rel.establish("program_management", [RM1, RM2], expires_on=in_days(30))
        await rel.assign(established["id"], "sp-editor", "editor", [RM2])

        client_side = await rel.portal.client.get(
            f"/v1/businesses/{BN}/access-overview", headers=rel.portal.acting("bam-1", Role.BAM)
        )
        provider_side = await rel.portal.client.get(
            f"/v1/businesses/{SP_BN}/access-overview", headers=rel.portal.acting("sp-bam", Role.BAM, SP_BN)
        )
        by_pam = await rel.portal.client.get(
            f"/v1/businesses/{BN}/access-overview", headers=rel.portal.acting("pam-1", Role.PAM)
        )

        body = client_side.json()
        assert [(e["user_id"], e["role"], e["programs"]) for e in body["employees"]] == [
            ("bam-1", "bam", "all"),
            ("pam-1", "pam", [RM1]),
        ]
        (provider,) = body["providers"]
        assert (provider["bn"], provider["type"], provider["programs"], provider["expires_on"]) == (
            SP_BN,
            "program_management",
            [RM1, RM2],
            in_days(30),
        )
        assert [(s["user_id"], s["proxy_role"], s["programs"], s["assigned"]) for s in provider["staff"]] == [
            ("sp-bam", "proxy_pam", [RM1, RM2], False),
            ("sp-editor", "proxy_editor", [RM2], True),
        ]
        assert body["clients"] == []
        assert [c["bn"] for c in provider_side.json()["clients"]] == [BN]
        assert provider_side.json()["providers"] == []
        assert (by_pam.status_code, problem(by_pam)["code"]) == (403, "bam_required")


class TestAccessOverviewPaging:
    """A provider with thousands of clients reads its overview page by page (keyset-paged in the database)."""

    async def pages(self, portal: Portal, bn: str, user: str, limit: int) -> list[dict[str, Any]]:
        found, cursor = [], None
        while True:
            params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
            response = await portal.client.get(
                f"/v1/businesses/{bn}/access-overview", params=params, headers=portal.acting(user, Role.BAM, bn)
            )
            assert response.status_code == 200, response.text
            found.append(response.json())
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return found

    async def test_a_provider_with_many_clients_gets_pages_in_order(self, rel: Relationships) -> None:
        portal = rel.portal
        clients = [BN]
        await rel.establish()
        for n in range(24):
            client_bn = numbered_bn(n)
            await portal.register(registered(client_bn, registrant=f"bam-{n}"))
            asked = await rel.ask(client_bn=client_bn)
            approved = await portal.client.post(
                f"/v1/businesses/{client_bn}/relationship-requests/{asked.json()['id']}/approve",
                json={"type": "business_management", "visibility": VISIBLE_NONE},
                headers=portal.acting(f"bam-{n}", Role.BAM, client_bn),
            )
            assert approved.status_code == 200, approved.text
            clients.append(client_bn)

        pages = await self.pages(portal, SP_BN, "sp-bam", limit=7)
        whole = await self.pages(portal, SP_BN, "sp-bam", limit=100)

        # 4 employees + 25 clients = 29 entries, 7 a page.
        sizes = [len(p["employees"]) + len(p["providers"]) + len(p["clients"]) for p in pages]
        assert sizes == [7, 7, 7, 7, 1]
        assert [len(p["employees"]) for p in pages] == [4, 0, 0, 0, 0]
        assert [e["user_id"] for p in pages for e in p["employees"]] == ["sp-bam", "sp-pam", "sp-editor", "sp-viewer"]
        assert [c["bn"] for p in pages for c in p["clients"]] == clients
        assert len(whole) == 1 and [c["bn"] for c in whole[0]["clients"]] == clients
        assert all(c["staff"][0]["user_id"] == "sp-bam" for p in pages for c in p["clients"])

    async def test_my_contexts_are_paged_too(self, rel: Relationships) -> None:
        """GET /v1/me/contexts: the provider's BAM reads its employer and its clients page by page."""
        portal = rel.portal
        await rel.establish()
        for n in range(12):
            client_bn = numbered_bn(n)
            await portal.register(registered(client_bn, registrant=f"bam-{n}"))
            asked = await rel.ask(client_bn=client_bn)
            await portal.client.post(
                f"/v1/businesses/{client_bn}/relationship-requests/{asked.json()['id']}/approve",
                json={"type": "business_management", "visibility": VISIBLE_NONE},
                headers=portal.acting(f"bam-{n}", Role.BAM, client_bn),
            )
        pages, cursor = [], None
        while True:
            params: dict[str, Any] = {"limit": 5} | ({"cursor": cursor} if cursor else {})
            response = await portal.client.get("/v1/me/contexts", params=params, headers=portal.me("sp-bam"))
            pages.append([c["bn"] for c in response.json()["items"]])
            cursor = response.json()["next_cursor"]
            if cursor is None:
                break

        assert [len(p) for p in pages] == [5, 5, 4]
        assert [bn for p in pages for bn in p] == sorted([SP_BN, BN, *(numbered_bn(n) for n in range(12))])

    async def test_the_client_side_pages_over_employees_then_providers(self, rel: Relationships) -> None:
        await rel.portal.register(registered(SP2_BN, registrant="sp2-bam", programs=("RM0001",)))
        await rel.establish()
        await rel.establish(provider_bn=SP2_BN, provider_bam="sp2-bam")

        pages = await self.pages(rel.portal, BN, "bam-1", limit=1)

        assert [
            ([e["user_id"] for e in p["employees"]], [r["bn"] for r in p["providers"]], p["clients"]) for p in pages
        ] == [(["bam-1"], [], []), ([], [SP_BN], []), ([], [SP2_BN], [])]

    async def test_a_cursor_it_did_not_issue_is_refused(self, rel: Relationships) -> None:
        response = await rel.portal.client.get(
            f"/v1/businesses/{BN}/access-overview",
            params={"cursor": "eyJhZnRlciI6ICJub3doZXJlOjEifQ"},  # {"after": "nowhere:1"}
            headers=rel.portal.acting("bam-1", Role.BAM),
        )

        assert (response.status_code, problem(response)["code"]) == (422, "invalid_cursor")


async def test_a_proxy_decision_is_a_handful_of_statements(rel: Relationships) -> None:
    established = await rel.establish("program_management", [RM1, RM2])
    await rel.assign(established["id"], "sp-editor", "editor", [RM1])
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = rel.portal.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        decision = await rel.portal.decide("sp-editor", program_account=RM1)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert decision["role"] == "proxy_editor"
    # own grant (none), the grants x relationships join, its grants' listed programs, the assignments, the group
    # roles (membership x group assignment x override)
    assert len(statements) <= 5, statements


@pytest.mark.parametrize(
    "path",
    ["relationships", "relationship-requests", "employees", "access-requests", "audit", "access-overview"],
)
async def test_a_proxy_bam_never_reaches_the_clients_employees_or_relationships(rel: Relationships, path: str) -> None:
    await rel.establish("business_management", visibility=VISIBLE_ALL)
    # even a context carrying every scope (a faulty gateway): the service checks its own grants
    headers = rel.portal.acting("sp-bam", Role.BAM, BN)

    response = await rel.portal.client.get(f"/v1/businesses/{BN}/{path}", headers=headers)

    assert response.status_code == 403, response.text
    assert problem(response)["code"] in {"not_account_manager", "bam_required"}


async def test_assignments_are_in_the_providers_audit_trail(rel: Relationships) -> None:
    established = await rel.establish()
    await rel.assign(established["id"], "sp-viewer", "viewer", [RM1])
    await rel.unassign(established["id"], "sp-viewer")

    trail = await rel.portal.client.get(
        f"/v1/businesses/{SP_BN}/audit", headers=rel.portal.acting("sp-bam", Role.BAM, SP_BN)
    )

    removed, assigned = trail.json()["items"][:2]
    assert (removed["action"], removed["target_user_id"], removed["actor_user_id"]) == (
        "proxy_assignment_removed",
        "sp-viewer",
        "sp-bam",
    )
    assert (assigned["action"], assigned["details"]["programs"], assigned["details"]["client_bn"]) == (
        "proxy_assignment_set",
        [RM1],
        BN,
    )
    assert removed["request_id"] in rel.portal.request_ids
