"""The registry's problems speak the caller's language (``Accept-Language``), English by default."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from business_registry.registrations.service import PROOF_HELP, PROOF_HELP_FR
from portal_runtime.testing.bilingual import untranslated

Registration = Callable[..., dict[str, Any]]
AsContext = Callable[..., dict[str, str]]

WRONG_PROOFS = [
    {"kind": "statement_balance", "period": "07/2022", "amount": "54000.00"},
    {"kind": "payment", "period": "09/2022", "amount": "3300.01"},
]


async def register(registry: Any, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    return await registry.client.post("/v1/business-registrations", json=body, headers=headers)


def test_no_problem_text_is_in_english_only() -> None:
    assert untranslated("business_registry") == []


async def test_a_failed_proof_of_knowledge_is_answered_in_french_with_its_extension_members(
    registry: Any, registration: Registration, as_context: AsContext
) -> None:
    headers = {**as_context(subject="user-1"), "Accept-Language": "fr-CA"}

    response = await register(registry, registration(proofs=WRONG_PROOFS), headers)

    assert response.status_code == 422
    assert response.headers["Content-Language"] == "fr"
    problem = response.json()
    assert problem["code"] == "proof_of_knowledge_failed"
    assert problem["title"] == "Les réponses sur le compte n'ont pas pu être confirmées"
    assert problem["detail"] == (
        "Les réponses n'ont pas pu être confirmées auprès du compte. Tentative(s) restante(s) : 4."
    )
    assert problem["remediation"] == PROOF_HELP_FR
    assert problem["attempts_left"] == 4


async def test_the_same_problem_is_in_english_by_default(
    registry: Any, registration: Registration, as_context: AsContext
) -> None:
    response = await register(registry, registration(proofs=WRONG_PROOFS), as_context(subject="user-1"))

    assert response.status_code == 422
    assert response.headers["Content-Language"] == "en"
    problem = response.json()
    assert problem["title"] == "The answers about the account could not be confirmed"
    assert problem["detail"] == "The answers could not be confirmed against the account. 4 attempt(s) left."
    assert problem["remediation"] == PROOF_HELP
    assert problem["attempts_left"] == 4


async def test_an_unknown_business_and_a_malformed_answer_are_named_in_french(
    registry: Any, registration: Registration, as_context: AsContext
) -> None:
    headers = {**as_context(subject="user-1"), "Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}

    unknown = await register(registry, registration(bn="111111118"), headers)
    malformed = await register(
        registry,
        registration(
            proofs=[
                {"kind": "statement_balance", "period": "7/2022", "amount": "$54,000.00"},
                {"kind": "payment", "period": "09/2022", "amount": "3300.00"},
            ]
        ),
        headers,
    )

    assert unknown.status_code == 422
    assert unknown.headers["Content-Language"] == "fr"
    assert unknown.json()["title"] == "Entreprise introuvable dans le registre des entreprises"
    assert unknown.json()["detail"] == "L'agence du revenu n'a aucune entreprise portant le numéro 111111118."
    assert unknown.json()["errors"][0]["message"] == "Inconnu du registre des entreprises"
    assert malformed.status_code == 422
    assert malformed.headers["Content-Language"] == "fr"
    messages = {e["field"]: (e["code"], e["message"]) for e in malformed.json()["errors"]}
    assert messages == {
        "proofs.0.statement_balance.period": ("period_format", "Utilisez MM/AAAA, p. ex. 07/2022"),
        "proofs.0.statement_balance.amount": (
            "amount_format",
            "Utilisez uniquement des chiffres et un point décimal : pas de symbole $, pas de virgules",
        ),
    }
