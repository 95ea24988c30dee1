"""The route index picks, for every request, the route FastAPI's routers would have picked: the first full match
in declaration order (literal or parameter segment alike), else 405 for a known path, else 404 or the trailing
slash redirect; and it is what a service app routes through."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from portal_runtime.routing import RouteIndex, include_indexed


def _routers() -> list[APIRouter]:
    items, files = APIRouter(), APIRouter()

    def answer(name: str) -> Callable[[], Awaitable[dict[str, str]]]:
        async def endpoint() -> dict[str, str]:
            return {"route": name}

        return endpoint

    items.get("/v1/items/{item_id}")(answer("item"))
    items.put("/v1/items/{item_id}")(answer("item_put"))
    items.get("/v1/items/special")(answer("special"))  # after the parameter route: never reached by GET
    items.delete("/v1/items/special")(answer("special_delete"))  # reached: the parameter routes take no DELETE
    items.get("/v1/items/{item_id}/parts/{part}")(answer("part"))
    files.get("/v1/numbers/{n:int}")(answer("int"))
    files.get("/v1/numbers/zero")(answer("zero"))
    files.get("/v1/ids/{id:uuid}")(answer("uuid"))
    files.post("/v1/items/{item_id}/files/{name}.pdf")(answer("pdf"))
    files.get("/v1/files/{rest:path}")(answer("rest"))
    files.get("/v1/items")(answer("items"))
    return [items, files]


def _app(indexed: bool) -> FastAPI:
    app = FastAPI()
    if indexed:
        include_indexed(app, _routers())
    else:
        for router in _routers():
            app.include_router(router)
    return app


REQUESTS = [
    ("GET", "/v1/items/1"),
    ("GET", "/v1/items/special"),
    ("PUT", "/v1/items/special"),
    ("DELETE", "/v1/items/special"),
    ("DELETE", "/v1/items/1"),
    ("PATCH", "/v1/items/special"),
    ("GET", "/v1/items/1/parts/a"),
    ("GET", "/v1/items/1/parts"),
    ("GET", "/v1/numbers/5"),
    ("GET", "/v1/numbers/zero"),
    ("GET", "/v1/numbers/five"),
    ("GET", f"/v1/ids/{uuid.UUID(int=7)}"),
    ("GET", "/v1/ids/not-a-uuid"),
    ("POST", "/v1/items/1/files/report.pdf"),
    ("POST", "/v1/items/1/files/report.txt"),
    ("GET", "/v1/files/a/b/c.txt"),
    ("GET", "/v1/items"),
    ("GET", "/v1/items/"),
    ("GET", "/v1/items/1/"),
    ("GET", "/v1/items//parts/a"),
    ("GET", "/v1/nothing"),
    ("GET", "/"),
    ("GET", "/v1/items/a%2Fb"),
]


@pytest.mark.parametrize(("method", "path"), REQUESTS)
async def test_the_index_routes_every_request_as_the_routers_would(method: str, path: str) -> None:
    answers = []
    for indexed in (False, True):
        transport = httpx.ASGITransport(_app(indexed))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.request(method, path)
        answers.append((response.status_code, response.headers.get("location"), response.text))
    assert answers[0] == answers[1]


def test_the_candidates_are_the_routes_with_the_paths_literal_segments_in_declaration_order() -> None:
    index = RouteIndex([route for router in _routers() for route in router.routes])

    def names(path: str) -> list[str]:
        return [route.path for route in index.candidates(path)]

    # Tried for every path: {x:path} spans segments, and a parameter inside a segment ("{name}.pdf").
    everywhere = ["/v1/items/{item_id}/files/{name}.pdf", "/v1/files/{rest:path}"]
    assert names("/v1/items/special") == [
        "/v1/items/{item_id}",
        "/v1/items/{item_id}",
        "/v1/items/special",
        "/v1/items/special",
        *everywhere,
    ]
    assert names("/v1/numbers/zero") == ["/v1/numbers/{n:int}", "/v1/numbers/zero", *everywhere]
    assert names("/v1/anything") == everywhere


def test_only_fastapi_routes_are_indexed() -> None:
    from starlette.routing import Route

    with pytest.raises(TypeError):
        RouteIndex([Route("/x", lambda request: None)])


def test_a_service_app_routes_through_the_index_and_documents_every_operation() -> None:
    from delegation.config import Settings
    from delegation.main import create_app

    app = create_app(Settings(environment="test", database_url="sqlite+aiosqlite:///:memory:"))
    index = next(route for route in app.router.routes if isinstance(route, RouteIndex))
    scope = {"type": "http", "method": "GET", "path": "/v1/businesses/123456782/employees/u-1", "root_path": ""}
    assert [route.path for route in index.candidates(scope["path"])] == ["/v1/businesses/{bn}/employees/{user_id}"] * 3
    paths = app.openapi()["paths"]
    assert "/v1/businesses/{bn}/employees/{user_id}" in paths and "/healthz" in paths
