"""Outage windows (poller and connect failures), planned maintenance, the status page, and the 503 during an outage.

The ledger here runs under uvicorn on a real port, so "down" is a closed port and "back" is the process again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI

from portal_gateway.config import Settings
from portal_gateway.errors import RouteTableError
from portal_gateway.main import create_app
from portal_runtime.access import Acting, access
from portal_runtime.bus import InMemoryBus
from portal_runtime.context import generate_signing_key
from portal_runtime.testing.apps import Served
from portal_runtime.testing.infra import TansuBroker, free_port, wait_for

from .conftest import DELEGATION_URL, IDENTITY_URL, ledger_app, write_contracts

if TYPE_CHECKING:
    from .conftest import Stack, StackFactory

LOOKUP = "/v1/businesses/lookup"  # a public ledger route
KEY = "operator-key-" + "k" * 32
FAST = {"outage_poll_interval_s": 0.05, "outage_close_after_s": 0.3, "internal_api_key": KEY}
OPERATOR = {"x-internal-key": KEY}


def services(ledger_url: str) -> dict[str, str]:
    return {"identity": IDENTITY_URL, "ledger": ledger_url, "delegation": DELEGATION_URL}


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def windows(stack: Stack, **params: str) -> list[dict[str, Any]]:
    response = await stack.client.get("/v1/status/outages", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


async def component_state(stack: Stack, name: str) -> str:
    body = (await stack.client.get("/v1/status")).json()
    return next(c["state"] for c in body["components"] if c["name"] == name)  # type: ignore[no-any-return]


@pytest.fixture
async def ledger() -> Any:
    async with Served(ledger_app(generate_signing_key())) as served:
        yield served


async def test_the_poller_opens_a_window_when_a_service_stops_and_closes_it_when_it_is_back(
    make_stack: StackFactory, ledger: Served
) -> None:
    bus = InMemoryBus()
    async with make_stack(services=services(ledger.url), publisher=bus, **FAST) as stack:
        await wait_for(lambda: _state_is(stack, "ledger", "operational"), within=10)
        assert await windows(stack, component="ledger") == []

        stopped_at = datetime.now(UTC)
        await ledger.stop()
        await wait_for(lambda: _state_is(stack, "ledger", "outage"), within=10)
        (window,) = await windows(stack, component="ledger")
        assert window["kind"] == "unplanned" and window["ended_at"] is None
        assert window["penalty_waiver_until"] is None
        assert parse(window["started_at"]) >= stopped_at - timedelta(seconds=1)

        await ledger.start()
        await wait_for(lambda: _state_is(stack, "ledger", "operational"), within=10)
        (window,) = await windows(stack, component="ledger")
        ended = parse(window["ended_at"])
        assert parse(window["penalty_waiver_until"]) == ended + timedelta(hours=2)
        assert ended >= parse(window["started_at"])

        await wait_for(lambda: len([r for r in bus.published if r.data.get("component") == "ledger"]) == 2, within=10)
        events = [r for r in bus.published if r.data.get("component") == "ledger"]
        assert [e.type for e in events] == ["gateway.outage.started.v1", "gateway.outage.ended.v1"]
        assert {e.topic for e in events} == {"portal.gateway.events"}
        assert events[1].data["window_id"] == window["id"]
        assert parse(events[1].data["penalty_waiver_until"]) == ended + timedelta(hours=2)


async def _state_is(stack: Stack, name: str, state: str) -> bool:
    return await component_state(stack, name) == state


async def test_flapping_within_the_close_delay_stays_one_window(make_stack: StackFactory, ledger: Served) -> None:
    async with make_stack(services=services(ledger.url), outage_close_after_s=60) as stack:
        tracker = stack.gateway.state.outages.tracker
        for _ in range(20):  # down, up, down, up ... faster than the close delay
            await tracker.observe({"ledger": True})
            await tracker.observe({"ledger": False})

        (window,) = await windows(stack, component="ledger")
        assert window["ended_at"] is None  # not healthy long enough yet


async def test_flapping_right_after_a_window_ends_reopens_it(make_stack: StackFactory, ledger: Served) -> None:
    bus = InMemoryBus()
    async with make_stack(services=services(ledger.url), publisher=bus, outage_merge_within_s=60) as stack:
        tracker = stack.gateway.state.outages.tracker
        for _ in range(20):  # each recovery closes the window at once; each relapse reopens it
            await tracker.observe({"ledger": True})
            await tracker.observe({"ledger": False})

        (window,) = await windows(stack, component="ledger")
        assert window["ended_at"] is not None
        await wait_for(lambda: len(bus.published) == 40, within=10)
        assert {e.data["window_id"] for e in bus.published} == {window["id"]}
        started = [e for e in bus.published if e.type == "gateway.outage.started.v1"]
        assert [e.data["reopened"] for e in started] == [False] + [True] * 19
        assert parse(bus.published[-1].data["ended_at"]) == parse(window["ended_at"])


async def test_a_connect_failure_while_proxying_opens_the_window_at_once_and_later_requests_get_the_outage(
    make_stack: StackFactory,
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with make_stack(services=services(closed)) as stack:  # no poller: only the request can notice
        first = await stack.client.get(LOOKUP)
        assert first.status_code == 503
        (window,) = await windows(stack, component="ledger")
        assert window["kind"] == "unplanned"

        metrics = (await stack.client.get("/metrics")).text
        assert 'gateway_component_outage{component="ledger",kind="unplanned"} 1.0' in metrics
        assert 'gateway_component_outage{component="identity",kind="unplanned"} 0.0' in metrics

        second = await stack.client.get(LOOKUP, headers={"Accept-Language": "fr-CA"})
        body = stack.problem(second)
        assert (second.status_code, body["code"], body["component"]) == (503, "service_unavailable", "ledger")
        assert body["outage"]["window_id"] == window["id"]
        assert body["outage"]["kind"] == "unplanned"
        assert body["outage"]["since"] == window["started_at"]
        assert body["outage"]["expected_end"] is None
        assert body["outage"]["status_url"] == "/v1/status"
        assert body["title"] == "Service indisponible" and "ledger" in body["detail"]
        assert "Retry-After" not in second.headers  # an unplanned outage has no known end


async def test_operators_declare_update_and_cancel_maintenance_which_the_status_page_shows_in_en_and_fr(
    make_stack: StackFactory, ledger: Served, tansu: TansuBroker
) -> None:
    now = datetime.now(UTC)
    saturday = {
        "component": "ledger",
        "starts_at": iso(now + timedelta(days=2)),
        "ends_at": iso(now + timedelta(days=2, hours=4)),
        "message_en": "Ledger maintenance: statements unavailable.",
        "message_fr": "Entretien du grand livre : relevés indisponibles.",
    }
    async with make_stack(services=services(ledger.url), kafka_bootstrap_servers=tansu.bootstrap, **FAST) as stack:
        refused = await stack.client.post("/internal/maintenance-windows", json=saturday)
        assert refused.status_code == 401
        unknown = await stack.client.post(
            "/internal/maintenance-windows", json={**saturday, "component": "mainframe"}, headers=OPERATOR
        )
        assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_component")
        backwards = {**saturday, "ends_at": saturday["starts_at"], "starts_at": saturday["ends_at"]}
        assert (
            await stack.client.post("/internal/maintenance-windows", json=backwards, headers=OPERATOR)
        ).status_code == 422

        created = await stack.client.post("/internal/maintenance-windows", json=saturday, headers=OPERATOR)
        assert created.status_code == 201, created.text
        maintenance = created.json()

        english = await stack.client.get("/v1/status")
        french = await stack.client.get("/v1/status", headers={"Accept-Language": "fr"})
        assert english.headers["cache-control"] == "public, max-age=5"
        assert french.headers["content-language"] == "fr"
        (planned,) = english.json()["planned_maintenance"]
        assert planned["id"] == maintenance["id"] and planned["message"] == saturday["message_en"]
        assert french.json()["planned_maintenance"][0]["message"] == saturday["message_fr"]
        await wait_for(lambda: _state_is(stack, "ledger", "operational"), within=10)  # upcoming, not yet begun
        assert (await stack.client.get(LOOKUP)).status_code == 200

        moved = await stack.client.patch(
            f"/internal/maintenance-windows/{maintenance['id']}",
            json={"starts_at": iso(now - timedelta(minutes=1)), "ends_at": iso(now + timedelta(hours=1))},
            headers=OPERATOR,
        )
        assert moved.status_code == 200, moved.text
        assert await component_state(stack, "ledger") == "maintenance"  # applied at once, not at the next poll

        during = await stack.client.get(LOOKUP, headers={"Accept-Language": "fr"})
        body = stack.problem(during)
        assert (during.status_code, body["code"]) == (503, "planned_maintenance")
        assert body["outage"]["kind"] == "planned"
        assert body["outage"]["message"] == saturday["message_fr"]
        assert parse(body["outage"]["expected_end"]) == parse(moved.json()["ends_at"])
        assert 3500 <= int(during.headers["retry-after"]) <= 3600
        status = (await stack.client.get("/v1/status")).json()
        assert status["status"] == "maintenance"
        assert "ledger" in status["message"]
        (current,) = status["current_outages"]
        assert current["kind"] == "planned" and current["message"] == saturday["message_en"]

        cancelled = await stack.client.delete(f"/internal/maintenance-windows/{maintenance['id']}", headers=OPERATOR)
        assert cancelled.status_code == 204
        await wait_for(lambda: _state_is(stack, "ledger", "operational"), within=10)
        assert (await stack.client.get(LOOKUP)).status_code == 200
        listed = await stack.client.get(
            "/internal/maintenance-windows", params={"include_past": "true"}, headers=OPERATOR
        )
        assert listed.json()["items"][0]["cancelled_at"] is not None
        assert (await stack.client.get("/internal/maintenance-windows", headers=OPERATOR)).json()["items"] == []

        status = (await stack.client.get("/v1/status", headers={"Accept-Language": "fr"})).json()
        assert status["message"] == "Tous les systèmes fonctionnent normalement."
        (resolved,) = status["recent_outages"]
        assert resolved["kind"] == "planned" and "aucune pénalité" in resolved["message"]


async def test_outage_windows_are_listed_by_period_with_their_penalty_waiver(
    make_stack: StackFactory, ledger: Served
) -> None:
    async with make_stack(services=services(ledger.url), outage_merge_within_s=0) as stack:
        tracker = stack.gateway.state.outages.tracker
        for _ in range(3):  # three separate outages of the ledger
            await tracker.observe({"ledger": True})
            await tracker.observe({"ledger": False})
        await tracker.observe({"broker": True})  # still open

        every = await windows(stack)
        assert len(every) == 4
        assert every[0]["component"] == "broker"  # newest first
        for window in every[1:]:
            assert parse(window["penalty_waiver_until"]) == parse(window["ended_at"]) + timedelta(hours=2)

        first_page = await stack.client.get("/v1/status/outages", params={"limit": 2})
        second_page = await stack.client.get(
            "/v1/status/outages", params={"limit": 2, "cursor": first_page.json()["next_cursor"]}
        )
        paged = first_page.json()["items"] + second_page.json()["items"]
        assert [w["id"] for w in paged] == [w["id"] for w in every]
        assert second_page.json()["next_cursor"] is None

        after_all = iso(datetime.now(UTC) + timedelta(minutes=1))
        assert [w["component"] for w in await windows(stack, **{"from": after_all})] == ["broker"]  # still open
        assert await windows(stack, to=iso(datetime.now(UTC) - timedelta(days=1))) == []
        invalid = await stack.client.get("/v1/status/outages", params={"cursor": "nonsense"})
        assert (invalid.status_code, invalid.json()["code"]) == (422, "invalid_cursor")


async def test_the_gateway_routes_are_in_the_aggregated_openapi_but_not_the_operator_api(stack: Stack) -> None:
    document = (await stack.client.get("/openapi.json")).json()

    assert document["paths"]["/v1/status"]["get"]["x-acting"] == "public"
    assert "security" not in document["paths"]["/v1/status"]["get"]
    assert document["paths"]["/v1/status/outages"]["get"]["x-service"] == "gateway"
    assert {"bearer": []} in document["paths"]["/v1/submissions/{submission_id}"]["get"]["security"]
    assert not any(path.startswith("/internal/") for path in document["paths"])
    assert "StatusRead" in document["components"]["schemas"]


def test_a_service_route_colliding_with_a_gateway_route_is_refused(tmp_path: Path) -> None:
    impostor = FastAPI()

    @impostor.get("/v1/status", openapi_extra=access(Acting.PUBLIC))
    async def status() -> dict[str, str]:
        return {}

    contracts = write_contracts(tmp_path / "openapi", {"ledger": impostor.openapi()})
    settings = Settings(
        environment="test",
        services={"identity": IDENTITY_URL, "ledger": "http://ledger.test", "delegation": DELEGATION_URL},
        contracts_dir=contracts,
        context_private_key=json.dumps(generate_signing_key().as_dict(private=True)),
    )
    with pytest.raises(RouteTableError, match="/v1/status"):
        create_app(settings)


async def test_the_health_poller_records_the_broker_too(make_stack: StackFactory, ledger: Served) -> None:
    async with make_stack(services=services(ledger.url), **FAST) as stack:  # the broker address is closed
        await wait_for(lambda: _state_is(stack, "broker", "outage"), within=10)
        status = (await stack.client.get("/v1/status")).json()
        assert status["status"] == "outage"
        assert [w["component"] for w in status["current_outages"]] == ["broker"]


async def test_a_slow_readiness_answer_opens_a_window_only_when_it_repeats(
    make_stack: StackFactory, silent_server: str
) -> None:
    async with make_stack(services=services(silent_server), health_timeout_s=0.2, outage_confirmations=3) as stack:
        tracker = stack.gateway.state.outages.tracker
        await tracker.poll()
        await tracker.poll()
        assert await windows(stack, component="ledger") == []  # two slow answers: maybe just load
        await tracker.poll()
        (window,) = await windows(stack, component="ledger")
        assert window["kind"] == "unplanned"


async def test_a_refused_connection_opens_a_window_at_the_first_poll(make_stack: StackFactory) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with make_stack(services=services(closed), outage_confirmations=3) as stack:
        await stack.gateway.state.outages.tracker.poll()
        assert len(await windows(stack, component="ledger")) == 1
