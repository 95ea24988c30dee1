"""Requests for the services' operations go straight to the proxy (past FastAPI's routing); the gateway's own
routes keep their precedence, and every path either is one of them or gets the route table's answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal_gateway.main import own_paths

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import Stack


async def test_the_own_paths_are_the_gateways_routes_and_nothing_else(stack: Stack) -> None:
    own = own_paths(stack.gateway.router.routes)

    for path in ("/livez", "/healthz", "/metrics", "/openapi.json", "/docs", "/docs/swagger-ui/swagger-ui.css"):
        assert own.match(path), path
    for path in ("/v1/status", "/v1/status/outages", "/v1/submissions/sub_1", "/internal/maintenance-windows/m1"):
        assert own.match(path), path
    for path in (f"/v1/businesses/{stack.bn}/balance", "/v1/me/statements", "/livez/more", "/v1/statusx", "/"):
        assert not own.match(path), path


async def test_service_operations_own_routes_and_unknown_paths_each_get_their_answer(stack: Stack) -> None:
    stack.grants.grant(stack.user, stack.bn, ["financial:read"])
    headers = stack.bearer(scopes=["financial:read"])

    proxied = await stack.client.get(f"/v1/businesses/{stack.bn}/balance", headers=headers)
    own = await stack.client.get("/livez")
    unknown = await stack.client.get("/v1/no/such/route", headers={"X-Request-ID": "req-unknown-0001"})
    wrong_method = await stack.client.delete(f"/v1/businesses/{stack.bn}/balance", headers=headers)
    own_path_wrong_method = await stack.client.post("/livez")

    assert proxied.status_code == 200
    assert own.json() == {"status": "ok", "component": "gateway"}
    assert (unknown.status_code, stack.problem(unknown)["code"]) == (404, "route_not_found")
    assert stack.problem(unknown)["request_id"] == "req-unknown-0001"
    assert unknown.headers["content-type"] == "application/problem+json"
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["allow"]
    # An own route's path with a method it does not take: 405 naming the methods it does take, as for a service's.
    problem = stack.problem(own_path_wrong_method)
    assert (own_path_wrong_method.status_code, problem["code"]) == (405, "method_not_allowed")
    assert own_path_wrong_method.headers["allow"] == "GET, HEAD"
    assert problem["detail"] == "/livez does not accept POST; it accepts GET, HEAD."


async def test_head_is_answered_for_every_get_as_the_get_without_its_body(stack: Stack) -> None:
    stack.grants.grant(stack.user, stack.bn, ["financial:read"])
    headers = stack.bearer(scopes=["financial:read"])
    balance = f"/v1/businesses/{stack.bn}/balance"

    plain = headers | {"Accept-Encoding": "identity"}
    get = await stack.client.get(balance, headers=plain)
    head = await stack.client.head(balance, headers=plain)
    head_gzip = await stack.client.head(balance, headers=headers | {"Accept-Encoding": "gzip"})
    anonymous = await stack.client.head(balance)
    status_get = await stack.client.get("/v1/status", headers={"Accept-Encoding": "identity"})
    status_head = await stack.client.head("/v1/status", headers={"Accept-Encoding": "identity"})
    post_only = await stack.client.head(f"/v1/businesses/{stack.bn}/payments", headers=headers)

    assert (head.status_code, head.content) == (200, b"")
    # The echoed request differs only in values of the same length (request id, context token).
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["content-type"] == get.headers["content-type"]
    # Asked for gzip, the headers are those of the gzipped GET: its encoding and its (smaller) length.
    assert head_gzip.headers["content-encoding"] == "gzip"
    assert 0 < int(head_gzip.headers["content-length"]) < int(get.headers["content-length"])
    # The service was sent a GET (it declares no HEAD), authorized as the GET is.
    assert stack.ledger.state.seen[-1] == balance
    assert anonymous.status_code == 401
    assert (status_head.status_code, status_head.content) == (200, b"")
    assert status_head.headers["content-length"] == status_get.headers["content-length"]
    assert status_head.headers["cache-control"] == status_get.headers["cache-control"]
    # No GET there: a HEAD is a method the path does not take.
    assert (post_only.status_code, post_only.headers["allow"]) == (405, "POST")


async def test_a_wrong_method_on_a_get_path_names_head_among_those_it_takes(stack: Stack) -> None:
    response = await stack.client.delete(f"/v1/businesses/{stack.bn}/balance", headers=stack.bearer())

    assert response.headers["allow"] == "GET, HEAD"
    assert stack.problem(response)["detail"].endswith("it accepts GET, HEAD.")


async def test_the_gateways_own_routes_refuse_a_nul_character_as_the_services_do(stack: Stack) -> None:
    refused = await stack.client.get("/v1/status/outages", params={"from": "2026-01-01T00:00:00Z\x00"})
    fine = await stack.client.get("/v1/status/outages", params={"from": "2026-01-01T00:00:00Z"})

    problem = stack.problem(refused)
    assert (refused.status_code, problem["code"]) == (422, "validation_failed")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("from", "nul_character")]
    assert fine.status_code == 200, fine.text
