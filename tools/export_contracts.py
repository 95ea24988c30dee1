"""Writes the contracts integrators read: each service's OpenAPI and the JSON Schema of every event payload.

``make contracts`` runs it; ``tests/contracts/test_contracts_fresh.py`` fails when a committed file is stale.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from portal_contracts import EVENT_SCHEMA_DIR, OPENAPI_DIR
from portal_contracts.events import all_event_types

SERVICES = {
    "identity": "identity.main",
    "business-registry": "business_registry.main",
    "delegation": "delegation.main",
    "ledger": "ledger.main",
    "rulings": "rulings.main",
    "notifications": "notifications.main",
}


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def openapi_documents() -> dict[Path, str]:
    documents = {}
    for service, module in SERVICES.items():
        settings = importlib.import_module(module.replace(".main", ".config")).Settings(sandbox=True)
        # Sandbox routes are documented too (tagged `sandbox`); services mount them only when SANDBOX=1.
        app = importlib.import_module(module).create_app(settings)
        documents[OPENAPI_DIR / f"{service}.json"] = dumps(app.openapi())
    return documents


def event_schemas() -> dict[Path, str]:
    documents = {}
    for event_type, model in sorted(all_event_types().items()):
        schema = model.model_json_schema()
        schema["$id"] = f"https://carm-portal.dev/events/{event_type}.schema.json"
        schema["x-cloudevents-type"] = event_type
        schema["x-partition-key"] = model.business_field
        documents[EVENT_SCHEMA_DIR / f"{event_type}.schema.json"] = dumps(schema)
    return documents


EVENT_SOURCES = {
    "identity": "identity",
    "registry": "business-registry",
    "delegation": "delegation",
    "ledger": "ledger",
    "rulings": "rulings",
    "notifications": "notifications",
    "gateway": "gateway",
}


def asyncapi_document() -> dict[Path, str]:
    """AsyncAPI 3.0: one channel per producing service's topic, one message per CloudEvents type."""
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event_type, model in sorted(all_event_types().items()):
        service = EVENT_SOURCES[event_type.split(".", 1)[0]]
        topic = f"portal.{service}.events"
        name = event_type.replace(".", "_")
        messages[name] = {
            "name": event_type,
            "title": model.__name__,
            "summary": (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else event_type,
            "contentType": "application/cloudevents+json",
            "bindings": {"kafka": {"key": {"type": "string", "description": "BN9 of the business, if any"}}},
            "payload": {"$ref": f"events/{event_type}.schema.json"},
        }
        channel = channels.setdefault(service, {"address": topic, "messages": {}})
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    document = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "CARM portal events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 (structured JSON) published through each service's outbox.",
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "components": {"messages": messages},
    }
    return {EVENT_SCHEMA_DIR.parent / "asyncapi.json": dumps(document)}


def expected_files() -> dict[Path, str]:
    return {**openapi_documents(), **event_schemas(), **asyncapi_document()}


def main() -> int:
    expected = expected_files()
    for directory in (OPENAPI_DIR, EVENT_SCHEMA_DIR):
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.json"):
            if stale not in expected:
                stale.unlink()
    for path, text in expected.items():
        path.write_text(text)
    print(f"wrote {len(expected)} contract files under {OPENAPI_DIR.parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
