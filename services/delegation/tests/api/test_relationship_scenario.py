"""Seed 002 §4-5 step by step: a customs broker asks to act for an importer, is rejected, asks again, is approved
with program management, the importer upgrades, downgrades, and the relationship expires and is re-established."""

from __future__ import annotations

from datetime import date

from delegation.relationships.expiry import expire_relationships
from delegation.roles import ProxyRole, Role, proxy_scopes_for

from .factories import BN, RM1, RM2, VISIBLE_NONE, Portal, Relationships, in_days, problem


async def test_seed_002_sections_4_and_5(portal: Portal) -> None:
    rel = Relationships(portal)
    # The importer (BN, its BAM "bam-1") and the broker (SP_BN, its BAM "sp-bam") are on the portal; the broker's
    # clerk is its employee (seed 002 §4.4: providers register and manage their employees like anyone).
    await rel.setup()
    await rel.hire("sp-clerk", Role.EDITOR)

    # §4.5 1-2: the broker's BAM enters the importer's BN and a meaningful comment.
    first = await rel.ask(comment="Customs broker for your Fort Erie crossings, contract 2026-114.")
    assert (first.status_code, first.json()["status"]) == (201, "pending")
    first_id = first.json()["id"]

    # §5.1 4: the importer sees it under "Demandes reçues"; it rejects with a justification (5.1 note).
    incoming = await portal.client.get(
        f"/v1/businesses/{BN}/relationship-requests",
        params={"direction": "incoming", "status": "pending"},
        headers=portal.acting("bam-1", Role.BAM),
    )
    assert [r["id"] for r in incoming.json()["items"]] == [first_id]
    assert (await rel.reject(first_id, "The contract number is wrong.")).status_code == 200

    # §4.5 status 2: a rejected request is cancelled before a new one is sent.
    assert problem(await rel.ask())["code"] == "rejected_request_not_cancelled"
    assert (await rel.cancel(first_id)).json()["status"] == "cancelled"
    second_id = await rel.asked()

    # §5.1 a-e: the importer approves "Programmes spéciaux" (program management) on RM1, client submissions visible.
    approved = await rel.approve(
        second_id, "program_management", [RM1], {"client_submitted": True, "other_businesses_submitted": False}
    )
    relationship = approved.json()
    # §4.5 note: every provider BAM becomes pGCP on the delegated program accounts; nobody else yet.
    broker = await portal.decide("sp-bam", program_account=RM1)
    assert (broker["role"], broker["visibility"]) == ("proxy_pam", ["provider", "client"])
    assert not (await portal.decide("sp-bam", program_account=RM2))["allow"]
    assert (await portal.decide("sp-clerk"))["reason"] == "not_associated"
    # pGCP: no business profile, no bank, no employees, no relationships of the client.
    assert broker["scopes"] == proxy_scopes_for(ProxyRole.PROXY_PAM)

    # §6: the broker's BAM assigns its clerk to the client as pÉditeur on RM1.
    assert (await rel.assign(relationship["id"], "sp-clerk", "editor", [RM1])).status_code == 200
    assert (await portal.decide("sp-clerk", program_account=RM1))["role"] == "proxy_editor"

    # §5.2: only a client BAM edits; upgrading to business management promotes pGCP BAMs to pGCE.
    upgraded = (await rel.edit(relationship, type="business_management")).json()
    promoted = await portal.decide("sp-bam", program_account=RM2)
    assert (promoted["role"], promoted["program_accounts"]) == ("proxy_bam", None)
    assert "business_profile:read" in promoted["scopes"] and "business_profile:write" not in promoted["scopes"]

    # Downgrading demotes pGCE to pGCP; RM1 left the relationship, so everyone lost it.
    downgraded = (await rel.edit(upgraded, type="program_management", programs=[RM2])).json()
    assert (await portal.decide("sp-bam", program_account=RM2))["role"] == "proxy_pam"
    assert (await portal.decide("sp-clerk", program_account=RM1))["reason"] == "not_associated"

    # The importer sets an expiry date; on that day every provider employee loses access, visibility rules go,
    # and the broker's BAM keeps the "expiré" role: viewer rights on what it submitted.
    with_expiry = (await rel.edit(downgraded, expires_on=in_days(7))).json()
    assert with_expiry["expires_on"] == in_days(7)
    assert await expire_relationships(portal.runtime, date.fromisoformat(in_days(7))) == [relationship["id"]]
    expired = await portal.decide("sp-bam", program_account=RM2)
    assert (expired["role"], expired["visibility"], expired["scopes"]) == (
        "expired",
        ["provider"],
        proxy_scopes_for(ProxyRole.EXPIRED),
    )

    # Re-establishing restores nothing: new type, default visibility, no assignments.
    again = await rel.establish("business_management", visibility=VISIBLE_NONE)
    assert again["id"] != relationship["id"]
    assert (await portal.decide("sp-bam"))["role"] == "proxy_bam"
    assert (await portal.decide("sp-bam"))["visibility"] == ["provider"]
    assert (await portal.decide("sp-clerk"))["reason"] == "not_associated"
    events = [e.type for e in await portal.published() if e.type.startswith("delegation.relationship")]
    assert events == [
        "delegation.relationship_request.submitted.v1",
        "delegation.relationship_request.rejected.v1",
        "delegation.relationship_request.cancelled.v1",
        "delegation.relationship_request.submitted.v1",
        "delegation.relationship_request.approved.v1",
        "delegation.relationship.changed.v1",
        "delegation.relationship.changed.v1",
        "delegation.relationship.changed.v1",
        "delegation.relationship.expired.v1",
        "delegation.relationship_request.submitted.v1",
        "delegation.relationship_request.approved.v1",
    ]
    assert {e.partition_key for e in await portal.published() if e.type.startswith("delegation.relationship")} == {BN}
