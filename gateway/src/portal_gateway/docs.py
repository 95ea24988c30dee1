"""One OpenAPI document for the whole public API, aggregated from the services' committed contracts."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from portal_contracts.scopes import ALL_SCOPES
from portal_gateway.guide import Catalogue, authentication_guide
from portal_gateway.ratelimit import document_rate_limits
from portal_gateway.routes import is_routed
from portal_runtime.access import MAX_BODY_BYTES, STORE_AND_FORWARD

INTRODUCTION = """\
The public API of the CARM-like customs revenue client portal, served through one gateway. Paths name the
business acted on (`/v1/businesses/{bn}/...`) and, where relevant, the program account
(`.../program-accounts/{bn15}/...`); each operation states its scope (`x-scope`), its acting level (`x-acting`)
and the service that answers it (`x-service`).
"""

BEARER = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "An access token from any of the flows of the guide (sign-in, authorization code, client "
    "credentials, token exchange).",
}
TOKEN_OPERATION = "create_token"
AUTHORIZE_OPERATION = "get_authorization_request"


def _scope_descriptions() -> dict[str, str]:
    scopes = {name: f"{name.split(':')[1]} {name.split(':')[0].replace('_', ' ')}" for name in sorted(ALL_SCOPES)}
    return {name: description.capitalize() for name, description in scopes.items()}


def oauth2_scheme(catalogue: Catalogue) -> dict[str, Any]:
    """Identity's token and authorization endpoints as OAuth 2 flows, so Swagger UI's Authorize can use them."""
    token_url = catalogue[TOKEN_OPERATION].path
    scopes = _scope_descriptions()
    return {
        "type": "oauth2",
        "description": "Identity's OAuth 2 endpoints. Client credentials: an API client of a business (created by "
        "its account manager). Authorization code: a registered third-party frontend, PKCE (S256).",
        "flows": {
            "clientCredentials": {"tokenUrl": token_url, "scopes": scopes},
            "authorizationCode": {
                "authorizationUrl": catalogue[AUTHORIZE_OPERATION].path,
                "tokenUrl": token_url,
                "refreshUrl": token_url,
                "scopes": {"openid": "An OpenID Connect ID token", **scopes},
            },
        },
    }


OUTAGES = """\
**Outages.** `GET /v1/status` shows every component, current outages, planned maintenance and recent outages
(in English or French, `Accept-Language`); `GET /v1/status/outages` (`from`, `to`) lists the windows with the time
until which no penalty applies (the window plus 2 hours). While a service is down its operations answer 503 with the
`outage` (and `Retry-After` when its end is planned), except those marked `x-portal-store-and-forward`: they are
authorized as usual and queued (202, `Location: /v1/submissions/{id}`; send an `Idempotency-Key`), then delivered
in order once the service is back.
"""

SUBMISSION_SCHEMA = "SubmissionRead"  # the gateway's tracking resource (portal_gateway.outages)


def _document_store_and_forward(paths: dict[str, Any]) -> None:
    """Operations the gateway queues while their service is down answer 202 with the tracking resource then."""
    for operations in paths.values():
        for operation in operations.values():
            if operation.get(STORE_AND_FORWARD) is not True:
                continue
            responses = operation.setdefault("responses", {})
            responses["202"] = {
                "description": "The service is down: the request was queued and will be delivered, in order, when it "
                "is back. Follow `Location` (`GET /v1/submissions/{id}`) for the outcome.",
                "headers": {"Location": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{SUBMISSION_SCHEMA}"}}},
            }
            responses.setdefault(
                "400",
                {
                    "description": "`idempotency_key_required`: queueing needs an Idempotency-Key",
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                },
            )


def _document_body_limit(paths: dict[str, Any], default_limit: int | None) -> None:
    """Operations taking a body may answer 413: the gateway refuses bodies over the operation's limit (its own
    ``x-portal-max-body-bytes``, else the gateway's default; portal_gateway.bodylimit)."""
    for operations in paths.values():
        for operation in operations.values():
            if "requestBody" not in operation:
                continue
            limit = operation.get(MAX_BODY_BYTES, default_limit)
            if limit is not None:
                operation[MAX_BODY_BYTES] = limit
                accepted = f"the {_size(limit)} ({limit} bytes) this operation accepts"
            else:
                accepted = "the gateway accepts"
            operation.setdefault("responses", {}).setdefault(
                "413",
                {
                    "description": f"`payload_too_large`: the body is larger than {accepted} "
                    "(`limit_bytes` in the problem).",
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                },
            )


def _size(limit: int) -> str:
    """A byte count as people read it: 10 MiB, 64 KiB, 1000 bytes."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= factor and limit % factor == 0:
            return f"{limit // factor} {unit}"
    if limit >= 1 << 20:
        return f"{limit / (1 << 20):.1f} MiB"
    return f"{limit} bytes"


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: (_renamed_ref(v, renames) if k == "$ref" else _rename_refs(v, renames)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename_refs(v, renames) for v in node]
    return node


def _renamed_ref(ref: str, renames: dict[str, str]) -> str:
    prefix = "#/components/schemas/"
    if ref.startswith(prefix) and ref[len(prefix) :] in renames:
        return prefix + renames[ref[len(prefix) :]]
    return ref


def aggregate_openapi(
    directory: Path,
    services: list[str],
    gateway_documents: Mapping[str, Mapping[str, Any]] | None = None,
    version: str = "1.0.0",
    body_limit: int | None = None,
) -> dict[str, Any]:
    """Routed operations of every service, then of ``gateway_documents`` (the gateway's own routes, by name); a
    schema name two documents define differently gets a prefix.

    With identity among the services, the description carries the integrators' guide and the security schemes
    identity's OAuth 2 flows (both derived from its contract). ``body_limit``: the gateway's default largest request
    body, stated on each operation taking one that declares no limit of its own.
    """
    documents = {
        service: json.loads((directory / f"{service}.json").read_text())
        for service in services
        if (directory / f"{service}.json").exists()
    } | dict(gateway_documents or {})
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    tags: set[str] = set()
    for service, document in documents.items():
        own = document.get("components", {}).get("schemas", {})
        renames = {
            name: f"{service.replace('-', '_')}__{name}"
            for name, schema in own.items()
            if name in schemas and schemas[name] != schema
        }
        for name, schema in own.items():
            schemas[renames.get(name, name)] = _rename_refs(copy.deepcopy(schema), renames)
        for route, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                if not is_routed(route, operation, method):
                    continue
                operation = _rename_refs(copy.deepcopy(operation), renames)
                operation.setdefault("tags", [service])
                tags.update(operation["tags"])
                if operation.get("x-acting") != "public":
                    scope = operation.get("x-scope")
                    operation["security"] = [{"bearer": []}, {"oauth2": [scope] if scope else []}]
                operation["x-service"] = service
                paths.setdefault(route, {})[method] = operation
    description = INTRODUCTION
    if gateway_documents:  # the gateway's status and outage routes are there
        description += "\n" + OUTAGES
    security_schemes: dict[str, Any] = {"bearer": BEARER}
    if "identity" in documents:
        description += "\n" + authentication_guide(documents)
        security_schemes["oauth2"] = oauth2_scheme(Catalogue(documents))
    else:  # no token endpoint to name: protected operations take a bearer obtained elsewhere
        for operations in paths.values():
            for operation in operations.values():
                if "security" in operation:
                    operation["security"] = [{"bearer": []}]
    if SUBMISSION_SCHEMA in schemas:
        _document_store_and_forward(paths)
    if "Problem" in schemas:
        _document_body_limit(paths, body_limit)
    aggregated = {
        "openapi": "3.1.0",
        "info": {"title": "CARM portal API", "version": version, "description": description},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items())), "securitySchemes": security_schemes},
        "tags": [{"name": t} for t in sorted(tags)],
    }
    return document_rate_limits(aggregated)
