"""RFC 9457 problem responses with a stable ``code`` and the ``request_id``.

Every service raises subclasses of :class:`PortalError`; one handler renders them. Validation errors become a
422 problem listing each field that is wrong (``errors``), so integrators see what to fix.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from portal_runtime.requestid import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://carm-portal.dev/problems/"


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. `address.city`.")
    message: str
    code: str = "invalid"


class Problem(BaseModel):
    """RFC 9457 problem details, extended with `code`, `request_id`, `errors` and `remediation`.

    Problem types may carry further members (RFC 9457 §3.2), e.g. `missing_scope` or `attempts_remaining`."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    code: str
    request_id: str = ""
    errors: list[FieldError] | None = None
    remediation: str | None = None
    component: str | None = Field(default=None, description="The component that failed, on 502/503/504.")


class PortalError(Exception):
    """Base of every domain and infrastructure error that reaches an API caller."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: list[FieldError] | None = None,
        remediation: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        if code is not None:
            self.code = code
        self.detail = detail
        self.errors = errors
        self.remediation = remediation
        self.headers = headers
        self.extra = extra


class NotFound(PortalError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(PortalError):
    status, code, title = 409, "conflict", "Conflict"


class Forbidden(PortalError):
    status, code, title = 403, "forbidden", "Forbidden"


class Unauthorized(PortalError):
    status, code, title = 401, "unauthorized", "Authentication required"


class Unprocessable(PortalError):
    status, code, title = 422, "validation_failed", "The request is not valid"


class ServiceUnavailable(PortalError):
    status, code, title = 503, "service_unavailable", "Service unavailable"


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    errors: list[FieldError] | None = None,
    remediation: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = Problem(
        type=TYPE_BASE + code.replace("_", "-"),
        title=title,
        status=status,
        detail=detail,
        code=code,
        request_id=current_request_id.get(),
        errors=errors,
        remediation=remediation,
        **extra,
    ).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    return [
        FieldError(
            field=_field_path(tuple(err.get("loc", ()))),
            message=err.get("msg", "invalid"),
            code=err.get("type", "invalid"),
        )
        for err in exc.errors()
    ]


async def _portal_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PortalError)
    return portal_error_response(exc)


def portal_error_response(exc: PortalError) -> JSONResponse:
    """The problem response of a :class:`PortalError` (what the installed handler renders)."""
    return problem_response(
        exc.status,
        exc.code,
        exc.title,
        exc.detail,
        errors=exc.errors,
        remediation=exc.remediation,
        headers=exc.headers,
        **exc.extra,
    )


async def _request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc)
    if any(e.code == "json_invalid" for e in errors):
        return problem_response(400, "malformed_json", "The body is not valid JSON", errors=errors)
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    return problem_response(422, "validation_failed", "The request is not valid", detail, errors=errors)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


async def _http_exception(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    title = code.replace("_", " ").capitalize()
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    return problem_response(exc.status_code, code, title, detail, headers=getattr(exc, "headers", None))


def internal_error_response() -> JSONResponse:
    return problem_response(
        500, "internal_error", "Internal error", "An unexpected error occurred; quote the request id when reporting it."
    )


async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
    return internal_error_response()  # reached only by apps without RequestIdMiddleware, which renders it itself


async def _database_busy(_: Request, exc: Exception) -> JSONResponse:
    """Every pooled database connection stayed in use for the pool timeout: the service is saturated, not broken."""
    return problem_response(
        503,
        "database_busy",
        "Database busy",
        "Every database connection of this service is in use; retry shortly.",
        headers={"Retry-After": "1"},
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PortalError, _portal_error)
    app.add_exception_handler(PoolTimeout, _database_busy)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unhandled)


_DESCRIPTIONS = {
    400: "Malformed request (e.g. the body is not JSON)",
    401: "Missing or invalid credentials",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict with the current state",
    410: "Gone",
    412: "The resource changed since it was read (If-Match)",
    422: "Validation failed; `errors` names each field",
    423: "Locked",
    428: "If-Match is required: GET the resource for its ETag and send it back",
    429: "Too many requests",
    500: "Unexpected error",
    503: "A component is unavailable",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries documenting the problem responses a route can return."""
    return {
        s: {
            "model": Problem,
            "description": _DESCRIPTIONS.get(s, "Problem"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }


PROBLEM_RESPONSES = problems(400, 422, 500)
