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
    # An own route's path with a method it does not take: the route table has nothing there either.
    assert (own_path_wrong_method.status_code, stack.problem(own_path_wrong_method)["code"]) == (404, "route_not_found")
