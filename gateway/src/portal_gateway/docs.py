"""One OpenAPI document for the whole public API, aggregated from the services' committed contracts."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from portal_gateway.routes import is_routed

DESCRIPTION = """\
The public API of the CARM-like customs revenue client portal, served through one gateway.

**Authentication.** Create a credential (`POST /v1/users`), sign in (`POST /v1/sessions`), complete the steps the
answer names in `next` (MFA enrolment or a one-time code sent by e-mail, then the terms of use), and receive an
access token. Send it as `Authorization: Bearer <token>` on every call except registration, login and public
tariff data. Refresh it with `POST /v1/oauth/token` (`grant_type=refresh_token`).

**Acting context.** Paths name the business acted on (`/v1/businesses/{bn}/...`) and, where relevant, the
program account (`.../program-accounts/{bn15}/...`). The gateway asks the delegation service what the caller may
do there; the effective scopes are those of the caller's role intersected with the token's scopes. Each operation
states its scope (`x-scope`) and acting level (`x-acting`); a refusal is a 403 problem naming the missing scope.

**Errors** are RFC 9457 `application/problem+json` with a stable `code` and the `request_id` to quote.
"""


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


def aggregate_openapi(directory: Path, services: list[str], version: str = "1.0.0") -> dict[str, Any]:
    """Routed operations of every service; a schema name two services define differently gets a service prefix."""
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    tags: set[str] = set()
    for service in services:
        path = directory / f"{service}.json"
        if not path.exists():
            continue
        document = json.loads(path.read_text())
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
                    operation["security"] = [{"bearer": []}]
                operation["x-service"] = service
                paths.setdefault(route, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "CARM portal API", "version": version, "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "tags": [{"name": t} for t in sorted(tags)],
    }
