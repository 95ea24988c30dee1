from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel, Field

from portal_runtime.problems import Conflict, install_problem_handlers
from portal_runtime.requestid import RequestIdMiddleware


class Registration(BaseModel):
    bn: str = Field(pattern=r"^[0-9]{9}$")
    name: str = Field(max_length=5)


def app_with_routes() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestIdMiddleware)

    @app.post("/registrations")
    async def register(body: Registration) -> dict[str, str]:
        raise Conflict(
            "This business is already registered.",
            code="business_already_registered",
            remediation="Request access to your employer instead.",
        )

    return app


async def call(method: str, path: str, **kwargs):  # type: ignore[no-untyped-def]
    async with AsyncClient(transport=ASGITransport(app=app_with_routes()), base_url="http://t") as client:
        return await client.request(method, path, **kwargs)


async def test_domain_error_is_an_rfc9457_problem_with_code_and_request_id() -> None:
    response = await call(
        "POST", "/registrations", json={"bn": "123456782", "name": "Acme"}, headers={"x-request-id": "req-abcdef12"}
    )

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-abcdef12"
    body = response.json()
    assert body["code"] == "business_already_registered"
    assert body["type"].endswith("/business-already-registered")
    assert body["status"] == 409
    assert body["request_id"] == "req-abcdef12"
    assert body["remediation"] == "Request access to your employer instead."


async def test_validation_problem_names_each_field() -> None:
    response = await call("POST", "/registrations", json={"bn": "12", "name": "far too long"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert {e["field"] for e in body["errors"]} == {"bn", "name"}
    assert len(body["request_id"]) == 32  # generated when the caller sent none


async def test_malformed_json_is_a_400_problem() -> None:
    response = await call("POST", "/registrations", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


async def test_unknown_route_is_a_404_problem() -> None:
    response = await call("GET", "/nowhere")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_insane_request_ids_are_replaced() -> None:
    response = await call("GET", "/nowhere", headers={"x-request-id": "bad id with spaces"})
    assert response.headers["x-request-id"] != "bad id with spaces"


async def test_unexpected_error_is_a_500_problem_carrying_the_request_id() -> None:
    app = app_with_routes()

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    async with AsyncClient(transport=ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t") as client:
        response = await client.get("/boom", headers={"x-request-id": "req-boom1234"})

    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-boom1234"
    assert response.json()["request_id"] == "req-boom1234"
    assert response.json()["code"] == "internal_error"
    assert "a bug" not in response.text  # no stack trace or exception text leaks


async def test_problem_extension_members_reach_the_client() -> None:
    from portal_runtime.problems import problem_response

    body = problem_response(403, "missing_scope", "Forbidden", missing_scope="employees:write").body
    assert b'"missing_scope":"employees:write"' in body
