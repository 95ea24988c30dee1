"""Every package of the product writes its problems in both official languages: no error class without its French
title, no detail, remediation or field message without its French (``portal_runtime.testing.bilingual``)."""

from __future__ import annotations

import pytest

from portal_runtime.testing.bilingual import untranslated

PACKAGES = [
    "portal_runtime",
    "portal_gateway",
    "identity",
    "business_registry",
    "delegation",
    "ledger",
    "rulings",
    "notifications",
]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_problem_text_is_in_english_only(package: str) -> None:
    assert untranslated(package) == []
