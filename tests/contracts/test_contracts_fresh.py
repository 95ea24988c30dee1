"""The committed contracts are what the code produces: a stale OpenAPI or event schema fails here.

Fix with ``make contracts`` and commit the result.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def exporter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("export_contracts", ROOT / "tools" / "export_contracts.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXPECTED = exporter().expected_files()


@pytest.mark.parametrize("path", sorted(EXPECTED), ids=lambda p: p.name)
def test_committed_contract_is_up_to_date(path: Path) -> None:
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `make contracts`"
    assert path.read_text() == EXPECTED[path], f"{path.relative_to(ROOT)} is stale: run `make contracts`"


def test_no_orphan_contract_files() -> None:
    contracts = ROOT / "contracts"
    committed = {*contracts.glob("*.json"), *contracts.glob("openapi/*.json"), *contracts.glob("events/*.json")}
    assert committed == set(EXPECTED)


def test_every_public_operation_declares_how_it_is_acted_on() -> None:
    for path, text in EXPECTED.items():
        if path.parent.name != "openapi":
            continue
        for route, operations in json.loads(text)["paths"].items():
            for method, operation in operations.items():
                if "operations" in operation.get("tags", []):
                    continue
                if route.startswith("/internal/"):
                    assert operation.get("x-acting") == "internal", f"{method.upper()} {route} must be internal"
                    continue
                assert operation.get("x-acting") in {"public", "self", "business", "program_account"}, (
                    f"{path.name}: {method.upper()} {route} declares no x-acting"
                )
                if operation["x-acting"] in {"business", "program_account"}:
                    assert ":" in operation.get("x-scope", ""), f"{method.upper()} {route} declares no x-scope"
