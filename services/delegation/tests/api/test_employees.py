"""Listing employees: a BAM sees everyone, a PAM the employees of its program accounts."""

from __future__ import annotations

from delegation.roles import Role

from .factories import BN, RM1, RM2, RM3, Portal, problem

URL = f"/v1/businesses/{BN}/employees"


async def staffed(portal: Portal) -> None:
    await portal.register()
    await portal.employ("pam-1", Role.PAM, [RM1, RM2])
    await portal.employ("editor-all", Role.EDITOR, "all")
    await portal.employ("editor-2", Role.EDITOR, [RM2])
    await portal.employ("viewer-3", Role.VIEWER, [RM3])


async def test_a_bam_sees_every_employee_with_role_and_programs(portal: Portal) -> None:
    await staffed(portal)

    response = await portal.client.get(URL, headers=portal.acting("bam-1", Role.BAM))

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(e["user_id"], e["role"], e["programs"]) for e in items] == [
        ("bam-1", "bam", "all"),
        ("pam-1", "pam", [RM1, RM2]),
        ("editor-all", "editor", "all"),
        ("editor-2", "editor", [RM2]),
        ("viewer-3", "viewer", [RM3]),
    ]
    assert all(e["granted_at"].endswith("Z") for e in items)


async def test_a_pam_sees_only_employees_within_its_programs(portal: Portal) -> None:
    await staffed(portal)

    response = await portal.client.get(URL, headers=portal.acting("pam-1", Role.PAM))

    assert [e["user_id"] for e in response.json()["items"]] == ["bam-1", "pam-1", "editor-all", "editor-2"]


async def test_employees_are_paged(portal: Portal) -> None:
    await staffed(portal)
    headers = portal.acting("bam-1", Role.BAM)

    first = (await portal.client.get(URL, params={"limit": 3}, headers=headers)).json()
    second = (await portal.client.get(URL, params={"limit": 3, "cursor": first["next_cursor"]}, headers=headers)).json()

    assert [e["user_id"] for e in first["items"] + second["items"]] == [
        "bam-1",
        "pam-1",
        "editor-all",
        "editor-2",
        "viewer-3",
    ]
    assert second["next_cursor"] is None


async def test_an_editor_cannot_list_employees(portal: Portal) -> None:
    await staffed(portal)

    refused = await portal.client.get(URL, headers=portal.acting("editor-all", Role.EDITOR))
    overclaiming = await portal.client.get(
        URL, headers=portal.acting("editor-all", Role.EDITOR, scopes=["employees:read"])
    )

    assert (refused.status_code, problem(refused)["code"]) == (403, "missing_scope")
    assert (overclaiming.status_code, problem(overclaiming)["code"]) == (403, "not_account_manager")
