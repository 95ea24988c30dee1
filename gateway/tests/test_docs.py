import json

from portal_contracts import OPENAPI_DIR
from portal_gateway.docs import aggregate_openapi

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


async def test_gateway_serves_the_document_and_a_docs_page(stack) -> None:  # type: ignore[no-untyped-def]
    document = await stack.client.get("/openapi.json")
    page = await stack.client.get("/docs")

    assert document.status_code == 200
    assert document.json()["info"]["title"] == "CARM portal API"
    assert page.status_code == 200
    assert "/openapi.json" in page.text
