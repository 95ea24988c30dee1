"""BusinessRegistered feeds the read model and makes the registrant BAM (seed 000 §1.9 option 2)."""

from __future__ import annotations

from delegation.businesses.events import SUBSCRIPTION
from delegation.roles import Role
from portal_contracts.events import EmployeeAccessGranted

from .factories import BN, Portal, registered, registration_record


async def test_the_registrant_becomes_bam_on_all_program_accounts(portal: Portal) -> None:
    await portal.register(registered(registrant="founder"))

    decision = await portal.decide("founder", program_account=f"{BN}RM0003")
    granted = await portal.published(EmployeeAccessGranted.event_type)

    assert decision["allow"] and decision["role"] == "bam"
    assert decision["program_accounts"] is None
    assert "employees:write" in decision["scopes"] and "business_profile:write" in decision["scopes"]
    assert [(r.partition_key, r.data) for r in granted] == [
        (BN, {"bn": BN, "user_id": "founder", "role": "bam", "programs": "all"})
    ]
    assert granted[0].request_id == "registration-request-1"  # the registration's request, carried along


async def test_a_redelivered_registration_changes_nothing(portal: Portal) -> None:
    record = registration_record(registered(registrant="founder"))

    await portal.deliver(record)
    await portal.deliver(record)

    stats = next(d for d in portal.runtime.dispatchers if d.subscription.name == SUBSCRIPTION).subscription.stats
    assert (stats["processed"], stats["duplicates"]) == (1, 1)
    assert len(await portal.published(EmployeeAccessGranted.event_type)) == 1
    employees = await portal.client.get(f"/v1/businesses/{BN}/employees", headers=portal.acting("founder", Role.BAM))
    assert [e["user_id"] for e in employees.json()["items"]] == ["founder"]


async def test_a_second_registration_of_the_same_business_under_another_event_is_ignored(portal: Portal) -> None:
    await portal.register(registered(registrant="founder"))
    await portal.register(registered(registrant="impostor"))

    assert (await portal.decide("impostor"))["reason"] == "not_associated"
    assert len(await portal.published(EmployeeAccessGranted.event_type)) == 1
