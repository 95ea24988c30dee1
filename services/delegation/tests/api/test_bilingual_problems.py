"""The service's problems speak the caller's language (``Accept-Language``), English by default."""

from __future__ import annotations

from typing import Any

from delegation.roles import Role
from portal_runtime.testing.bilingual import untranslated

from .factories import BN, OTHER_BN, RM1, Portal, problem

FRENCH = {"Accept-Language": "fr-CA"}
FOREIGN_RM = f"{OTHER_BN}RM0001"


def test_no_problem_text_is_in_english_only() -> None:
    assert untranslated("delegation") == []


async def submitted(portal: Portal) -> str:
    response = await portal.request_access("employee-1")
    assert response.status_code == 201, response.text
    return response.json()["id"]  # type: ignore[no-any-return]


async def approve_with_a_foreign_program(portal: Portal, request_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await portal.client.post(
        f"/v1/businesses/{BN}/access-requests/{request_id}/approve",
        json={"role": "editor", "programs": [RM1, FOREIGN_RM]},
        headers={**portal.acting("bam-1", Role.BAM), **headers},
    )
    assert response.status_code == 422
    return {"language": response.headers["Content-Language"], **problem(response)}


async def test_program_accounts_of_another_business_are_refused_in_french_when_asked(portal: Portal) -> None:
    await portal.register()
    request_id = await submitted(portal)

    body = await approve_with_a_foreign_program(portal, request_id, FRENCH)

    assert (body["language"], body["code"]) == ("fr", "unknown_program_accounts")
    assert body["title"] == "Comptes de programme n'appartenant pas à cette entreprise"
    assert body["detail"] == f"Ne sont pas des comptes de programme de l'entreprise {BN} : {FOREIGN_RM}."
    assert body["errors"] == [
        {
            "field": "programs.1",
            "message": f"{FOREIGN_RM} n'est pas un compte de programme de l'entreprise {BN}",
            "code": "unknown_program_account",
        }
    ]


async def test_the_same_problem_is_in_english_by_default(portal: Portal) -> None:
    await portal.register()
    request_id = await submitted(portal)

    body = await approve_with_a_foreign_program(portal, request_id, {})

    assert (body["language"], body["code"]) == ("en", "unknown_program_accounts")
    assert body["title"] == "Program accounts not of this business"
    assert body["detail"] == f"Not program accounts of business {BN}: {FOREIGN_RM}."
    assert body["errors"][0]["message"] == f"{FOREIGN_RM} is not a program account of business {BN}"


async def test_an_unregistered_business_is_not_found_in_french_with_its_remediation(portal: Portal) -> None:
    await portal.register()

    french = await portal.client.post(
        f"/v1/businesses/{OTHER_BN}/access-requests",
        json={"comment": "Je suis le nouveau commis des douanes."},
        headers={**portal.me("employee-1"), "Accept-Language": "fr-CA,en;q=0.5"},
    )
    english = await portal.request_access("employee-1", bn=OTHER_BN)

    assert (french.status_code, french.headers["Content-Language"]) == (404, "fr")
    assert problem(french)["title"] == "Entreprise non inscrite"
    assert problem(french)["detail"] == f"Aucune entreprise {OTHER_BN} n'est inscrite au portail."
    assert problem(french)["remediation"] == (
        "Vérifiez le numéro d'entreprise (NE), ou inscrivez d'abord l'entreprise."
    )
    assert (english.status_code, english.headers["Content-Language"]) == (404, "en")
    assert problem(english)["title"] == "Business not registered"
    assert problem(english)["detail"] == f"No business {OTHER_BN} is registered on the portal."
    assert problem(english)["remediation"] == "Check the business number, or register the business first."
