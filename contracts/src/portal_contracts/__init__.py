"""Contracts between the services and with integrators: event payloads, value types, exported documents."""

from pathlib import Path

CONTRACTS_DIR = Path(__file__).resolve().parents[2]
OPENAPI_DIR = CONTRACTS_DIR / "openapi"
EVENT_SCHEMA_DIR = CONTRACTS_DIR / "events"
