"""What the fuzzing tests hold every answer to (schemathesis): no server error but a 503 problem naming what is
down, and only the status codes, content types and bodies the document gives for the operation (API.md: "no
undocumented status codes"). Failures are kept one per kind (operation, status, what failed), with an example."""

from __future__ import annotations

from typing import Any

from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]


def operations_of(schema: BaseSchema) -> list[APIOperation]:
    """Every operation of the document; one that schemathesis cannot read fails the test, it is not left out."""
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    return operations


def acceptable(response: Any) -> bool:
    """Below 500, or a 503 problem naming the dependency that is down (an honest answer); nothing else 5xx is."""
    if response.status_code < 500:
        return True
    content_types = _values(response, "content-type")
    return response.status_code == 503 and any(t.startswith("application/problem+json") for t in content_types)


def check_answer(label: str, case: Any, response: Any, failures: dict[str, str]) -> None:
    """Records in ``failures`` what is wrong with ``response`` to ``case`` (of operation ``label``), if anything."""
    kind = f"{label} -> {response.status_code}"
    if not acceptable(response):
        # The request id finds the request in the captured logs (the gateway's access log, the service's traceback).
        request_id = ", ".join(_values(response, "x-request-id")) or "none"
        example = f"{case.as_curl_command()}\nx-request-id: {request_id}\n{response.text[:500]}"
        failures.setdefault(f"{kind}: server error ({response.headers.get('content-type')})", example)
        return
    try:
        case.validate_response(response, checks=CONFORMANCE)
    except FailureGroup as exc:  # the checks that failed (a BaseExceptionGroup, not an Exception)
        checks = ", ".join(sorted({str(error).splitlines()[0] for error in exc.exceptions}))
        failures.setdefault(f"{kind}: {checks}", str(exc)[:1500])


def _values(response: Any, name: str) -> list[str]:
    """A header's values: schemathesis lists each header's values, other responses give one string."""
    value = response.headers.get(name) or []
    return value if isinstance(value, list) else [value]


def failure_report(failures: dict[str, str]) -> str:
    return "\n\n".join(f"{kind}\n{example}" for kind, example in failures.items())
