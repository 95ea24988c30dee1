"""Both sides of a business relationship are told of every change (seed 002 §4-5)."""

from __future__ import annotations

from typing import Any

import pytest

from portal_contracts.events.delegation import (
    ProxyAssignmentRemoved,
    ProxyAssignmentSet,
    RelationshipChanged,
    RelationshipEnded,
    RelationshipExpired,
    RelationshipRequestApproved,
    RelationshipRequestCancelled,
    RelationshipRequestRejected,
    RelationshipRequestSubmitted,
    RelationshipVisibility,
)

from ..conftest import Service
from ..factories import profile_updated

PROVIDER, CLIENT = "704132877", "123456154"
SIDES = {
    "provider_bn": PROVIDER,
    "client_bn": CLIENT,
    "provider_user_ids": ["broker-bam"],
    "client_user_ids": ["client-bam", "client-pam"],
}
VISIBILITY = RelationshipVisibility(client_submitted=True, other_businesses_submitted=False)

EVENTS: list[tuple[Any, str, str]] = [
    (
        RelationshipRequestSubmitted(
            **SIDES,
            relationship_request_id="rr-1",
            requested_by="broker-bam",
            comment="We clear your shipments at Lacolle.",
        ),
        "Business relationship requested",
        "“We clear your shipments at Lacolle.”",
    ),
    (
        RelationshipRequestCancelled(**SIDES, relationship_request_id="rr-1", cancelled_by="broker-bam"),
        "Business relationship request cancelled",
        "cancelled its request",
    ),
    (
        RelationshipRequestRejected(
            **SIDES, relationship_request_id="rr-1", decided_by="client-bam", comment="Not our broker."
        ),
        "Business relationship request rejected",
        "must cancel this request before sending a new one",
    ),
    (
        RelationshipRequestApproved(
            **SIDES,
            relationship_request_id="rr-2",
            relationship_id="rel-1",
            decided_by="client-bam",
            type="program_management",
            programs=[f"{CLIENT}RM0001"],
            visibility=VISIBILITY,
            expires_on="2027-03-31",
        ),
        "Business relationship approved",
        "Type: Program management\nProgram accounts: 123456154RM0001\nExpiry: 2027-03-31",
    ),
    (
        RelationshipChanged(
            **SIDES,
            relationship_id="rel-1",
            changed_by="client-bam",
            changed=["type"],
            type="business_management",
            programs="all",
            visibility=VISIBILITY,
        ),
        "Business relationship changed",
        "Program accounts: All program accounts\nExpiry: no expiry date",
    ),
    (
        RelationshipEnded(**SIDES, relationship_id="rel-1", ended_by="client-bam"),
        "Business relationship ended",
        "no longer have access",
    ),
    (
        RelationshipExpired(**SIDES, relationship_id="rel-1", expires_on="2027-03-31"),
        "Business relationship expired",
        "expired on 2027-03-31",
    ),
]


@pytest.mark.parametrize(("event", "subject", "excerpt"), EVENTS, ids=lambda v: type(v).__name__)
async def test_every_relationship_change_reaches_both_sides(
    service: Service, event: Any, subject: str, excerpt: str
) -> None:
    await service.deliver(event)

    for user in ["broker-bam", "client-bam", "client-pam"]:
        [notice] = (await service.notices(user))["items"]
        assert notice["type"] == "delegation.relationship"
        assert notice["subject"] == subject
        assert notice["account"] == CLIENT
        assert excerpt in (await service.notice(user, notice["id"]))["body"]


async def test_relationship_notices_follow_each_recipients_language(service: Service) -> None:
    await service.deliver(profile_updated("client-bam", language="fr"))

    await service.deliver(EVENTS[0][0])

    [french] = (await service.notices("client-bam"))["items"]
    [english] = (await service.notices("broker-bam"))["items"]
    assert french["subject"] == "Demande de relation d'affaires"
    assert "« We clear your shipments at Lacolle. »" in (await service.notice("client-bam", french["id"]))["body"]
    assert english["subject"] == "Business relationship requested"


async def test_an_assignment_tells_the_provider_side_and_the_employee_not_the_clients_staff(service: Service) -> None:
    await service.deliver(profile_updated("broker-clerk", first_name="Sam", last_name="Lee"))
    common = {**SIDES, "relationship_id": "rel-1", "user_id": "broker-clerk"}

    await service.deliver(ProxyAssignmentSet(**common, role="editor", programs="all", assigned_by="broker-bam"))
    await service.deliver(ProxyAssignmentRemoved(**common, removed_by="broker-bam"))

    removed, assigned = (await service.notices("broker-clerk"))["items"]
    assert assigned["subject"] == "Access to a client assigned"
    assert (
        "Sam Lee acts for business 123456154 through business 704132877."
        in (await service.notice("broker-clerk", assigned["id"]))["body"]
    )
    assert "Role: Editor" in (await service.notice("broker-clerk", assigned["id"]))["body"]
    assert removed["subject"] == "Access to a client removed"
    assert len((await service.notices("broker-bam"))["items"]) == 2
    assert (await service.notices("client-bam"))["items"] == []
