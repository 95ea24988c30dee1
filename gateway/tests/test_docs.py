import hashlib
import json
import re
from pathlib import Path

import pytest
from fastapi.openapi.utils import get_openapi

from portal_contracts import OPENAPI_DIR
from portal_contracts.scopes import ALL_SCOPES
from portal_gateway.devportal import ASSETS, ASSETS_DIR
from portal_gateway.docs import aggregate_openapi
from portal_gateway.guide import GuideError
from portal_gateway.outages.router import public_router
from portal_runtime.access import MAX_BODY_BYTES

SERVICES = ["identity", "business-registry", "delegation", "ledger", "rulings", "notifications"]


def test_aggregated_document_holds_every_routed_operation_and_nothing_internal() -> None:
    document = aggregate_openapi(OPENAPI_DIR, SERVICES)

    expected = set()
    for service in SERVICES:
        for route, operations in json.loads((OPENAPI_DIR / f"{service}.json").read_text())["paths"].items():
            for method, operation in operations.items():
                if not route.startswith("/internal") and "operations" not in operation.get("tags", []):
                    expected.add((method, route))
    found = {(m, r) for r, ops in document["paths"].items() for m in ops}
    assert found == expected
    assert "/v1/oauth/jwks" in document["paths"]
    assert not any(r.startswith("/internal") or r in {"/healthz", "/readyz"} for r in document["paths"])


def test_every_reference_resolves_and_protected_operations_require_the_bearer() -> None:
    document = aggregate_openapi(OPENAPI_DIR, SERVICES)
    text = json.dumps(document)
    for name in {part.split('"')[0] for part in text.split('"#/components/schemas/')[1:]}:
        assert name in document["components"]["schemas"], name
    for operations in document["paths"].values():
        for operation in operations.values():
            assert ("security" in operation) == (operation["x-acting"] != "public")
            assert all(
                set(requirement) <= set(document["components"]["securitySchemes"])
                for requirement in operation.get("security", [])
            )


async def test_gateway_serves_the_document_and_a_docs_page(stack) -> None:  # type: ignore[no-untyped-def]
    document = await stack.client.get("/openapi.json")
    page = await stack.client.get("/docs")

    assert document.status_code == 200
    assert document.json()["info"]["title"] == "CARM portal API"
    assert page.status_code == 200
    assert "/openapi.json" in page.text


def test_the_guide_names_only_operations_the_gateway_routes() -> None:
    gateway = get_openapi(title="Portal gateway", version="1.0.0", routes=public_router().routes)
    document = aggregate_openapi(OPENAPI_DIR, SERVICES, {"gateway": gateway})
    guide = document["info"]["description"]
    named = set(re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`]*)`", guide))

    assert len(named) > 25
    for method, path in named:
        assert method.lower() in document["paths"].get(path, {}), f"the guide names {method} {path}"
    for flow in ["sign-in with MFA", "authorization code with PKCE", "client credentials", "token exchange"]:
        assert flow in guide
    for convention in ["Idempotency-Key", "If-Match", "problem+json", "next_cursor"]:
        assert convention in guide


def test_a_renamed_identity_operation_fails_the_guide_instead_of_leaving_a_stale_path(tmp_path: Path) -> None:
    identity = json.loads((OPENAPI_DIR / "identity.json").read_text())
    identity["paths"]["/v1/oauth/token"]["post"]["operationId"] = "issue_token"
    (tmp_path / "identity.json").write_text(json.dumps(identity))

    with pytest.raises(GuideError, match="create_token"):
        aggregate_openapi(tmp_path, ["identity"])


def test_oauth2_flows_use_identity_endpoints_and_operations_ask_for_their_scope() -> None:
    document = aggregate_openapi(OPENAPI_DIR, SERVICES)
    oauth2 = document["components"]["securitySchemes"]["oauth2"]

    assert oauth2["flows"]["clientCredentials"]["tokenUrl"] == "/v1/oauth/token"
    assert oauth2["flows"]["authorizationCode"]["authorizationUrl"] == "/v1/oauth/authorize"
    assert set(oauth2["flows"]["clientCredentials"]["scopes"]) == ALL_SCOPES
    assert "openid" in oauth2["flows"]["authorizationCode"]["scopes"]
    for operations in document["paths"].values():
        for operation in operations.values():
            if operation["x-acting"] == "public":
                continue
            scope = operation.get("x-scope")
            assert operation["security"] == [{"bearer": []}, {"oauth2": [scope] if scope else []}]


def test_without_identity_there_is_no_guide_and_only_the_bearer() -> None:
    document = aggregate_openapi(OPENAPI_DIR, ["business-registry", "delegation"])

    assert set(document["components"]["securitySchemes"]) == {"bearer"}
    assert "Authentication guide" not in document["info"]["description"]
    protected = [op for ops in document["paths"].values() for op in ops.values() if "security" in op]
    assert protected and all(op["security"] == [{"bearer": []}] for op in protected)


def test_vendored_swagger_ui_is_the_release_its_source_note_names() -> None:
    note = (ASSETS_DIR / "SOURCE.md").read_text()
    checksums = dict(reversed(line.split("  ")) for line in re.findall(r"^[0-9a-f]{64}  \S+$", note, re.MULTILINE))

    assert "swagger-ui-dist 5.35.0" in note
    assert "Apache License" in (ASSETS_DIR / "LICENSE").read_text()
    assert set(checksums) == set(ASSETS) - {"portal-docs.js"}
    for name, digest in checksums.items():
        assert hashlib.sha256((ASSETS_DIR / name).read_bytes()).hexdigest() == digest, name


async def test_docs_page_loads_only_its_own_assets_under_a_strict_policy(stack) -> None:  # type: ignore[no-untyped-def]
    page = await stack.client.get("/docs")

    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    referenced = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert referenced and all(url.startswith(("/docs/swagger-ui/", "/openapi.json")) for url in referenced)
    assert "http" not in page.text.lower().replace("http-equiv", "")
    for url in referenced:
        if url.startswith("/docs/swagger-ui/"):
            asset = await stack.client.get(url)
            assert asset.status_code == 200, url
            assert asset.headers["content-type"] == ASSETS[url.rsplit("/", 1)[1]]
            assert "max-age" in asset.headers["cache-control"]


async def test_only_the_listed_assets_are_served(stack) -> None:  # type: ignore[no-untyped-def]
    for name in ["SOURCE.md", "swagger-ui-bundle.js.map", "..%2Fdocs.py", "%2E%2E%2F__init__.py"]:
        response = await stack.client.get(f"/docs/swagger-ui/{name}")
        assert response.status_code == 404, name
        assert response.headers["content-type"].startswith("application/problem+json")
    redirect = await stack.client.get("/docs/swagger-ui/oauth2-redirect.html")
    assert redirect.status_code == 200
    assert 'src="oauth2-redirect.js"' in redirect.text


def test_operations_taking_a_body_document_the_413_of_the_body_limit() -> None:
    document = aggregate_openapi(OPENAPI_DIR, SERVICES)
    with_body = [op for ops in document["paths"].values() for op in ops.values() if "requestBody" in op]
    assert with_body
    for operation in with_body:
        answer = operation["responses"]["413"]
        assert "payload_too_large" in answer["description"]
        assert answer["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert not any(
        "413" in op.get("responses", {})
        for ops in document["paths"].values()
        for op in ops.values()
        if "requestBody" not in op
    )


def test_the_413_states_each_operations_limit_its_own_or_the_gateways_default() -> None:
    upload = {
        "x-acting": "business",
        "x-scope": "rulings:write",
        MAX_BODY_BYTES: 160 * 1024 * 1024,
        "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}},
        "responses": {"201": {"description": "stored"}},
    }
    command = {key: value for key, value in upload.items() if key != MAX_BODY_BYTES}  # the default applies
    rulings = {
        "openapi": "3.1.0",
        "info": {"title": "rulings", "version": "1"},
        "paths": {"/v1/businesses/{bn}/documents": {"post": upload}, "/v1/businesses/{bn}/appeals": {"post": command}},
        "components": {"schemas": {"Problem": {"type": "object"}}},
    }

    document = aggregate_openapi(OPENAPI_DIR, [], {"rulings": rulings}, body_limit=10 * 1024 * 1024)

    documents = document["paths"]["/v1/businesses/{bn}/documents"]["post"]
    appeals = document["paths"]["/v1/businesses/{bn}/appeals"]["post"]
    assert "160 MiB (167772160 bytes)" in documents["responses"]["413"]["description"]
    assert "10 MiB (10485760 bytes)" in appeals["responses"]["413"]["description"]
    assert (documents[MAX_BODY_BYTES], appeals[MAX_BODY_BYTES]) == (160 * 1024 * 1024, 10 * 1024 * 1024)
