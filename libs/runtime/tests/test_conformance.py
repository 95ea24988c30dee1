"""What the fuzzing tests record of an answer that breaks the rules: enough to find the request again."""

from __future__ import annotations

from typing import Any

import requests
import schemathesis
from schemathesis.core.transport import Response

from portal_runtime.testing.conformance import check_answer, operations_of

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/v1/things": {
            "get": {
                "parameters": [{"name": "cursor", "in": "query", "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
                    "503": {"description": "down", "content": {"application/problem+json": {"schema": {}}}},
                },
            }
        }
    },
}
THINGS = operations_of(schemathesis.openapi.from_dict(DOCUMENT))[0]


def answer(status: int, content_type: str, body: bytes, request_id: str) -> Response:
    """An answer as schemathesis hands it to the checks (each header a list of its values)."""
    return Response(
        status_code=status,
        headers={"content-type": [content_type], "x-request-id": [request_id]},
        content=body,
        request=requests.Request("GET", "http://localhost/v1/things?cursor=").prepare(),
        elapsed=0.01,
        verify=True,
    )


def test_a_server_error_is_recorded_with_the_request_to_replay_and_its_request_id() -> None:
    case = THINGS.Case(query={"cursor": ""})
    failures: dict[str, str] = {}

    check_answer(THINGS.label, case, answer(500, "text/plain", b"Internal Server Error", "r-42"), failures)

    [(kind, example)] = failures.items()
    assert kind == "GET /v1/things -> 500: server error (['text/plain'])"
    assert "curl -X GET 'http://localhost/v1/things?cursor='" in example
    assert "x-request-id: r-42" in example
    assert example.endswith("Internal Server Error")


def test_a_503_problem_naming_what_is_down_is_an_honest_answer() -> None:
    down = answer(503, "application/problem+json", b"{}", "r-43")
    failures: dict[str, str] = {}

    check_answer(THINGS.label, THINGS.Case(query={}), down, failures)

    assert failures == {}
