"""Read-your-writes: a decision asked right after a change through the API (same process, no waiting) is answered
from the index and reflects the change, for every kind of change; and the ``decision_index`` setting turns the
index off."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from delegation.decisions import loader, service
from delegation.decisions.live import live_index
from delegation.groups.worker import run_pending
from delegation.relationships.expiry import expire_relationships
from delegation.roles import Role
from portal_contracts.internal import DecisionRequest
from portal_runtime.clock import business_today, system_clock
from portal_runtime.messaging import EventRecord

from .conftest import portal_on
from .factories import BN, RM1, RM2, SP_BN, Portal, Relationships, in_days
from .test_client_groups import GROUPS, assigned, created, override, sp


async def decided(portal: Portal, user: str, bn: str = BN, program_account: str | None = None) -> dict[str, Any]:
    """Through ``POST /internal/decisions``: answered by the index (not the SQL path), equal to the SQL answer."""
    live = live_index(portal.runtime)
    assert live is not None
    before = live.answered
    decision = await portal.decide(user, bn, program_account)
    assert live.answered == before + 1, "the SQL path answered"
    today = business_today(system_clock, portal.runtime.settings.business_timezone)
    async with portal.runtime.sessions() as session:
        question = DecisionRequest(user_id=user, business=bn, program_account=program_account)
        assert decision == (await service.decide(session, question, today)).model_dump(mode="json")
    return decision


def role_of(decision: dict[str, Any]) -> str | None:
    return decision["role"] if decision["allow"] else None


async def test_employee_changes_are_seen_at_once(portal: Portal) -> None:
    await portal.register()
    assert (await decided(portal, "clerk"))["reason"] == "not_associated"
    await portal.employ("clerk", Role.EDITOR, [RM1])
    assert role_of(await decided(portal, "clerk", BN, RM1)) == "editor"
    assert (await decided(portal, "clerk", BN, RM2))["reason"] == "program_not_granted"

    url = f"/v1/businesses/{BN}/employees/clerk"
    changed = await portal.client.put(
        url, json={"role": "viewer", "programs": "all"}, headers=portal.acting("bam-1", Role.BAM)
    )
    assert changed.status_code == 200, changed.text
    assert role_of(await decided(portal, "clerk", BN, RM2)) == "viewer"

    removed = await portal.client.delete(url, headers=portal.acting("bam-1", Role.BAM))
    assert removed.status_code == 204, removed.text
    assert (await decided(portal, "clerk"))["reason"] == "not_associated"
    assert (await decided(portal, "bam-1", "999999998"))["reason"] == "business_not_registered"


async def test_relationship_changes_are_seen_at_once(portal: Portal) -> None:
    rel = Relationships(portal)
    await rel.setup()
    await rel.hire("sp-editor", Role.EDITOR)
    assert (await decided(portal, "sp-bam"))["reason"] == "not_associated"

    relationship = await rel.establish()
    assert role_of(await decided(portal, "sp-bam")) == "proxy_bam"
    assert (await decided(portal, "sp-editor"))["reason"] == "not_associated"

    edited = await rel.edit(relationship, type="program_management", programs=[RM1])
    assert edited.status_code == 200, edited.text
    assert role_of(await decided(portal, "sp-bam", BN, RM1)) == "proxy_pam"
    assert (await decided(portal, "sp-bam", BN, RM2))["reason"] == "program_not_in_relationship"

    visibility = {"client_submitted": True, "other_businesses_submitted": False}
    visible = await rel.edit(edited.json(), etag=edited.headers["ETag"], visibility=visibility)
    assert visible.status_code == 200, visible.text
    assert (await decided(portal, "sp-bam"))["visibility"] == ["provider", "client"]

    set_ = await rel.assign(relationship["id"], "sp-editor", "editor", [RM1])
    assert set_.status_code == 200, set_.text
    assert role_of(await decided(portal, "sp-editor", BN, RM1)) == "proxy_editor"
    removed = await rel.unassign(relationship["id"], "sp-editor")
    assert removed.status_code == 204, removed.text
    assert (await decided(portal, "sp-editor"))["reason"] == "not_associated"

    ended = await rel.end(relationship["id"])
    assert ended.status_code == 200, ended.text
    assert role_of(await decided(portal, "sp-bam")) == "expired"


async def test_expiry_by_the_job_is_seen_at_once(portal: Portal) -> None:
    rel = Relationships(portal)
    await rel.setup()
    await rel.establish(expires_on=in_days(10))
    assert role_of(await decided(portal, "sp-bam")) == "proxy_bam"
    # the job runs as if on the expiry date (the decision still asks with today's date: only the job's
    # change can make it expired)
    expired = await expire_relationships(portal.runtime, date.fromisoformat(in_days(10)))
    assert len(expired) == 1
    assert role_of(await decided(portal, "sp-bam")) == "expired"


async def test_client_group_changes_are_seen_at_once(portal: Portal) -> None:
    rel = Relationships(portal)
    await rel.setup()
    await rel.hire("sp-viewer", Role.VIEWER)
    await rel.establish()
    group_id = await created(portal, clients=[])
    add = await portal.client.post(f"{GROUPS}/{group_id}/clients", json={"clients": [BN]}, headers=sp(portal))
    assert add.status_code == 202, add.text
    await assigned(portal, group_id, "sp-viewer", "viewer")  # runs the pending operations (the worker)
    assert role_of(await decided(portal, "sp-viewer")) == "proxy_viewer"

    for role, expected in (("none", None), ("editor", "proxy_editor")):
        response = await override(portal, group_id, "sp-viewer", BN, role)
        assert response.status_code == 202, response.text
        await _worker(portal)
        assert role_of(await decided(portal, "sp-viewer")) == expected

    unassigned = await portal.client.delete(f"{GROUPS}/{group_id}/employees/sp-viewer", headers=sp(portal))
    assert unassigned.status_code == 202, unassigned.text
    await _worker(portal)
    assert role_of(await decided(portal, "sp-viewer")) is None

    await assigned(portal, group_id, "sp-viewer", "pam")
    assert role_of(await decided(portal, "sp-viewer")) == "proxy_pam"
    removed = await portal.client.request(
        "DELETE", f"{GROUPS}/{group_id}/clients/{BN}", json={"confirmation": "REMOVE"}, headers=sp(portal)
    )
    assert removed.status_code == 202, removed.text
    await _worker(portal)
    assert role_of(await decided(portal, "sp-viewer")) is None


async def _worker(portal: Portal) -> None:
    assert await run_pending(portal.runtime) == 1


async def test_a_provider_employee_removed_loses_every_client_at_once(portal: Portal) -> None:
    rel = Relationships(portal)
    await rel.setup()
    await rel.hire("sp-pam", Role.PAM)
    relationship = await rel.establish()
    assert (await rel.assign(relationship["id"], "sp-pam", "pam")).status_code == 200
    assert role_of(await decided(portal, "sp-pam")) == "proxy_pam"
    removed = await portal.client.delete(
        f"/v1/businesses/{SP_BN}/employees/sp-pam", headers=portal.acting("sp-bam", Role.BAM, SP_BN)
    )
    assert removed.status_code == 204, removed.text
    assert (await decided(portal, "sp-pam"))["reason"] == "not_associated"


async def test_the_index_can_be_turned_off(
    tmp_path: Path, context_public_jwk: str, as_context: Callable[..., dict[str, str]]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/delegation.db"
    async with portal_on(url, context_public_jwk, as_context, decision_index=False) as portal:
        assert live_index(portal.runtime) is None
        await portal.register()
        assert (await portal.decide("bam-1"))["role"] == "bam"


async def test_metrics_tell_which_path_answered(portal: Portal) -> None:
    await portal.register()
    await portal.decide("bam-1")
    metrics = (await portal.client.get("/metrics")).text
    assert "delegation_decision_index_usable 1.0" in metrics
    assert 'delegation_decisions_total{path="index"} 1.0' in metrics


async def test_between_a_commit_and_its_reload_decisions_read_the_tables(portal: Portal) -> None:
    """Whoever sees a commit in the tables (the state of a group operation, say) before the index has reloaded its
    rows gets decisions that include it: the index stands aside from just before the commit until the reload."""
    live = live_index(portal.runtime)
    assert live is not None
    seen: list[tuple[bool, str | None]] = []

    class Probe:
        def before_commit(self) -> None:
            pass

        async def after_commit(self, records: Sequence[EventRecord]) -> None:
            if records:  # committed, not yet reloaded (the index's listener comes next)
                decision = await portal.decide("clerk")
                seen.append((live.usable() is None, decision["role"]))

    portal.runtime.commit_listeners.insert(0, Probe())
    await portal.register()
    await portal.employ("clerk", Role.EDITOR)
    assert seen and all(stood_aside for stood_aside, _ in seen)
    assert seen[-1][1] == "editor"  # the approval's commit, answered from the tables
    assert live.usable() is not None


async def test_while_a_change_from_the_feed_is_reloaded_decisions_read_the_tables(
    portal: Portal, monkeypatch: Any
) -> None:
    """A reload drops the rows it reads again: a decision in between must not find the employee gone. The
    replicas' feed re-delivers this process's own events too, right after the commit had been applied."""
    live = live_index(portal.runtime)
    assert live is not None
    await portal.register()
    await portal.employ("clerk", Role.EDITOR)
    reloading, release = asyncio.Event(), asyncio.Event()
    real_apply = loader.apply

    async def paused_apply(*args: Any) -> None:
        reloading.set()
        await release.wait()
        await real_apply(*args)

    monkeypatch.setattr(loader, "apply", paused_apply)
    granted = EventRecord(
        type="delegation.employee.access_granted.v1",
        source="delegation",
        data={"bn": BN, "user_id": "clerk", "role": "editor", "programs": None},
        partition_key=BN,
        topic="delegation",
    )
    reload = asyncio.create_task(live.changed([granted]))
    await reloading.wait()

    assert live.usable() is None
    assert (await portal.decide("clerk"))["role"] == "editor"  # from the tables
    release.set()
    await reload
    assert live.usable() is not None
    assert (await portal.decide("clerk"))["role"] == "editor"
