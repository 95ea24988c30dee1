"""Listing employees: a BAM sees everyone, a PAM the employees of its program accounts."""

from __future__ import annotations

import re

from sqlalchemy import event

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


async def test_one_employee_as_a_bam_and_a_pam_see_it(portal: Portal) -> None:
    await staffed(portal)

    as_bam = await portal.client.get(f"{URL}/viewer-3", headers=portal.acting("bam-1", Role.BAM))
    as_pam = await portal.client.get(f"{URL}/editor-2", headers=portal.acting("pam-1", Role.PAM))
    itself = await portal.client.get(f"{URL}/pam-1", headers=portal.acting("pam-1", Role.PAM))

    assert (as_bam.status_code, as_bam.json()["programs"], as_bam.headers["ETag"]) == (
        200,
        [RM3],
        as_bam.json()["etag"],
    )
    assert (as_pam.status_code, as_pam.json()["role"]) == (200, "editor")
    assert (itself.status_code, itself.json()["programs"]) == (200, [RM1, RM2])


async def test_one_employee_outside_a_pams_programs_or_unknown_is_not_found(portal: Portal) -> None:
    await staffed(portal)
    headers = portal.acting("pam-1", Role.PAM)

    outside = await portal.client.get(f"{URL}/viewer-3", headers=headers)
    unknown = await portal.client.get(f"{URL}/nobody", headers=headers)

    assert (outside.status_code, problem(outside)["code"]) == (404, "employee_not_found")
    assert (unknown.status_code, problem(unknown)["code"]) == (404, "employee_not_found")


async def test_one_employee_is_refused_to_a_non_manager_even_its_own(portal: Portal) -> None:
    await staffed(portal)
    headers = portal.acting("editor-all", Role.EDITOR, scopes=["employees:read"])

    own = await portal.client.get(f"{URL}/editor-all", headers=headers)
    other = await portal.client.get(f"{URL}/bam-1", headers=headers)
    stranger = await portal.client.get(f"{URL}/bam-1", headers=portal.acting("stranger", Role.BAM))

    assert [(r.status_code, problem(r)["code"]) for r in (own, other, stranger)] == [(403, "not_account_manager")] * 3


async def test_one_employee_is_read_in_one_statement(portal: Portal) -> None:
    await staffed(portal)
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    engine = portal.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = await portal.client.get(f"{URL}/editor-2", headers=portal.acting("pam-1", Role.PAM))
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert response.json()["programs"] == [RM2]
    assert len(statements) == 1, statements


async def test_a_repeated_context_is_verified_once_and_the_metrics_say_so(portal: Portal) -> None:
    await staffed(portal)
    headers = portal.acting("viewer-3", Role.PAM, scopes=["employees:read"])  # a context not used before
    before = await context_tokens(portal)

    for _ in range(3):
        await portal.client.get(f"{URL}/viewer-3", headers=headers)
    after = await context_tokens(portal)

    assert (after["verified"] - before["verified"], after["cached"] - before["cached"]) == (1, 2)


async def context_tokens(portal: Portal) -> dict[str, float]:
    metrics = (await portal.client.get("/metrics")).text
    found = re.findall(r'^context_tokens_total\{component="delegation",outcome="(\w+)"\} (\S+)$', metrics, re.M)
    return {outcome: float(value) for outcome, value in found}
