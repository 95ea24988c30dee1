"""Every access change is audited with actor, acting-as business, target and request id; BAMs read the trail."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from delegation.audit.models import AccessAuditEntry
from delegation.roles import Role

from .factories import BN, RM1, Portal, problem

URL = f"/v1/businesses/{BN}/audit"


async def test_grants_approvals_and_rejections_are_in_the_trail_with_their_request_ids(portal: Portal) -> None:
    await portal.register()
    await portal.employ("pam-1", Role.PAM, [RM1])
    approval_request_id = portal.request_ids[-1]
    rejected = (await portal.request_access("employee-2")).json()["id"]
    await portal.reject("pam-1", rejected, "Unknown here.", manager_role=Role.PAM)
    rejection_request_id = portal.request_ids[-1]

    response = await portal.client.get(URL, headers=portal.acting("bam-1", Role.BAM))

    assert response.status_code == 200
    entries = response.json()["items"]
    assert [
        (e["action"], e["actor_user_id"], e["acting_as"], e["target_user_id"], e["request_id"]) for e in entries
    ] == [
        ("access_request_rejected", "pam-1", BN, "employee-2", rejection_request_id),
        ("access_request_approved", "bam-1", BN, "pam-1", approval_request_id),
        ("access_granted_on_registration", "bam-1", BN, "bam-1", "registration-request-1"),
    ]
    assert entries[0]["details"] == {"access_request_id": rejected, "comment": "Unknown here."}
    assert entries[1]["details"]["role"] == "pam" and entries[1]["details"]["programs"] == [RM1]
    assert entries[2]["details"] == {"role": "bam", "programs": "all"}
    assert all(e["occurred_at"].endswith("Z") for e in entries)


async def test_the_trail_is_paged(portal: Portal) -> None:
    await portal.register()
    await portal.employ("pam-1", Role.PAM, [RM1])
    headers = portal.acting("bam-1", Role.BAM)

    first = (await portal.client.get(URL, params={"limit": 1}, headers=headers)).json()
    second = (await portal.client.get(URL, params={"limit": 1, "cursor": first["next_cursor"]}, headers=headers)).json()

    assert [e["action"] for e in first["items"] + second["items"]] == [
        "access_request_approved",
        "access_granted_on_registration",
    ]
    assert second["next_cursor"] is None


async def test_only_a_bam_reads_the_trail(portal: Portal) -> None:
    await portal.register()
    await portal.employ("pam-1", Role.PAM, [RM1])

    response = await portal.client.get(URL, headers=portal.acting("pam-1", Role.PAM))

    assert (response.status_code, problem(response)["code"]) == (403, "bam_required")


async def test_the_database_refuses_to_change_the_trail(portal: Portal) -> None:
    await portal.register()

    async with portal.runtime.sessions() as session:
        for statement in (update(AccessAuditEntry).values(action="tampered"), delete(AccessAuditEntry)):
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(statement)
            await session.rollback()
