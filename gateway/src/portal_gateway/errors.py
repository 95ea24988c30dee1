"""The problems the gateway itself answers with (RFC 9457, rendered by ``portal_runtime.problems``)."""

from __future__ import annotations

from portal_runtime.problems import Forbidden, PortalError, ServiceUnavailable, Unauthorized


class RouteTableError(Exception):
    """The OpenAPI documents do not make a safe route table; the gateway refuses to start."""


class MissingToken(Unauthorized):
    def __init__(self) -> None:
        super().__init__(
            "This operation needs an access token: send `Authorization: Bearer <token>`.",
            headers={"WWW-Authenticate": 'Bearer realm="portal-api"'},
        )


class InvalidToken(Unauthorized):
    code, title = "invalid_token", "Invalid access token"

    def __init__(self, detail: str) -> None:
        # RFC 6750 section 3: the challenge names the error; the detail says which check failed.
        challenge = f'Bearer realm="portal-api", error="invalid_token", error_description="{detail}"'
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class NotAssociated(Forbidden):
    code, title = "not_associated", "Not associated with this business"


class MissingScope(Forbidden):
    code, title = "missing_scope", "Missing scope"


class MethodNotAllowed(PortalError):
    status, code, title = 405, "method_not_allowed", "Method not allowed"


class PayloadTooLarge(PortalError):
    status, code, title = 413, "payload_too_large", "Request body too large"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The request body is larger than the {limit} bytes the API accepts.",
            remediation="Send a smaller body; documents are uploaded one by one.",
            limit_bytes=limit,
        )


class UpstreamUnavailable(ServiceUnavailable):
    """A component cannot be reached (connection refused, connect timeout, pool exhausted)."""


class UpstreamTimeout(PortalError):
    status, code, title = 504, "upstream_timeout", "Upstream timeout"


class BadGateway(PortalError):
    status, code, title = 502, "bad_gateway", "Bad gateway"


class GatewayInternalError(PortalError):
    status, code, title = 500, "internal_error", "Internal error"
