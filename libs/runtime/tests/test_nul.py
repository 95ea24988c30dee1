"""NulGuard: a NUL character (U+0000) anywhere a service reads text is a 422 naming where it is, before the
application runs; every other request reaches the application with its body intact."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from portal_runtime.nul import NulGuard
from portal_runtime.problems import install_problem_handlers
from portal_runtime.requestid import RequestIdMiddleware


class Recovery(BaseModel):
    question: str
    answer: str


class Registration(BaseModel):
    username: str
    recovery: Recovery
    proofs: list[dict[str, str]] = []


def app() -> tuple[FastAPI, list[Any]]:
    reached: list[Any] = []
    application = FastAPI()
    install_problem_handlers(application)

    @application.post("/v1/users")
    async def register(body: Registration) -> dict[str, Any]:
        reached.append(body)
        return body.model_dump()

    @application.delete("/v1/businesses/{bn}/client-groups/{id}")
    async def delete_group(bn: str, id: str, body: dict[str, str]) -> dict[str, str]:
        reached.append(body)
        return body

    @application.get("/v1/businesses/{bn}")
    async def business(bn: str, q: str = "") -> dict[str, str]:
        reached.append(bn)
        return {"bn": bn, "q": q}

    @application.post("/v1/oauth/introspect")
    async def introspect(request: Request) -> dict[str, str]:
        form = dict(parse_qsl((await request.body()).decode()))  # as identity's token endpoints read forms
        reached.append(form)
        return form

    application.add_middleware(NulGuard)
    application.add_middleware(RequestIdMiddleware)
    return application, reached


async def call(method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, list[Any]]:
    application, reached = app()
    transport = httpx.ASGITransport(application)
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        return await client.request(method, path, **kwargs), reached


def body(username: str = "Liviu1234", answer: str = "Biscuit", **extra: Any) -> dict[str, Any]:
    return {"username": username, "recovery": {"question": "first_pet", "answer": answer}, **extra}


def refused_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert {e["code"] for e in problem["errors"]} == {"nul_character"}
    return [e["field"] for e in problem["errors"]]


async def test_a_nul_in_a_json_field_is_refused_naming_the_field_and_the_application_never_runs() -> None:
    response, reached = await call(
        "POST", "/v1/users", json=body(answer="Bis\x00cuit", proofs=[{"amount": "1.00"}, {"amount": "\x00"}])
    )

    assert refused_fields(response) == ["recovery.answer", "proofs.1.amount"]
    assert "recovery.answer: Must not contain the NUL character (U+0000)" in response.json()["detail"]
    assert reached == []


async def test_a_nul_in_a_json_key_or_a_top_level_string_is_refused() -> None:
    keyed, _ = await call("POST", "/v1/users", json=body() | {"odd\x00key": 1})
    bare, _ = await call("POST", "/v1/users", json="\x00")

    assert refused_fields(keyed) == ["odd\\0key"]
    assert refused_fields(bare) == ["body"]


async def test_the_refusal_is_in_french_for_a_french_caller() -> None:
    response, _ = await call("POST", "/v1/users", json=body(username="\x00"), headers={"Accept-Language": "fr"})

    assert refused_fields(response) == ["username"]
    assert response.headers["content-language"] == "fr"
    assert response.json()["errors"][0]["message"] == "Ne doit pas contenir le caractère NUL (U+0000)"


async def test_a_nul_in_the_path_or_a_query_parameter_is_refused() -> None:
    in_path, reached_path = await call("GET", "/v1/businesses/123%00456")
    in_query, reached_query = await call("GET", "/v1/businesses/123456789?q=a%00b")

    assert refused_fields(in_path) == ["path"]
    assert refused_fields(in_query) == ["q"]
    assert reached_path == reached_query == []


async def test_a_nul_in_the_json_body_of_a_delete_is_refused() -> None:
    path = "/v1/businesses/123456789/client-groups/g1"
    refused, reached = await call("DELETE", path, json={"comment": "\x00"})
    fine, reached_fine = await call("DELETE", path, json={"comment": "ok"})

    assert refused_fields(refused) == ["comment"]
    assert reached == []
    assert (fine.status_code, reached_fine) == (200, [{"comment": "ok"}])


async def test_a_nul_in_a_form_field_is_refused() -> None:
    response, reached = await call("POST", "/v1/oauth/introspect", data={"token": "abc\x00def", "hint": "x"})
    clean, reached_clean = await call("POST", "/v1/oauth/introspect", data={"token": "abc%def"})

    assert refused_fields(response) == ["token"]
    assert reached == []
    assert (clean.status_code, reached_clean) == (200, [{"token": "abc%def"}])


@pytest.mark.parametrize(
    "text",
    [
        "back\\u0000slash",  # the six characters \u0000 as text (an escaped backslash in JSON), not a NUL
        "Gaspé ☃ \u0001",  # other characters, control ones included, are the application's to judge
    ],
)
async def test_text_without_a_nul_reaches_the_application_as_it_was_sent(text: str) -> None:
    response, reached = await call("POST", "/v1/users", json=body(answer=text))

    assert response.status_code == 200, response.text
    assert reached[0].recovery.answer == text


async def test_a_body_sent_in_several_parts_is_replayed_whole() -> None:
    payload = json.dumps(body(answer="x" * 200_000)).encode()

    async def parts() -> Any:
        for start in range(0, len(payload), 16_384):
            yield payload[start : start + 16_384]

    response, reached = await call(
        "POST", "/v1/users", content=parts(), headers={"Content-Type": "application/json; charset=utf-8"}
    )

    assert response.status_code == 200, response.text
    assert reached[0].recovery.answer == "x" * 200_000


async def test_malformed_json_is_left_to_the_application() -> None:
    response, _ = await call(
        "POST", "/v1/users", content=b'{"username": "\\u0000', headers={"Content-Type": "application/json"}
    )

    assert (response.status_code, response.json()["code"]) == (400, "malformed_json")
