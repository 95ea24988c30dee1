"""The service's problems speak the caller's language (``Accept-Language``), English by default."""

from __future__ import annotations

from portal_runtime.testing.bilingual import untranslated

from ..conftest import Service


def test_no_problem_text_is_in_english_only() -> None:
    assert untranslated("notifications") == []


async def test_a_reversed_date_range_is_refused_in_french_when_asked(service: Service) -> None:
    params = {"from": "2021-05-08", "to": "2020-10-05"}

    response = await service.client.get(
        "/v1/me/notices", params=params, headers={**service.headers("user-1"), "Accept-Language": "fr-CA"}
    )

    assert response.status_code == 422
    assert response.headers["Content-Language"] == "fr"
    problem = response.json()
    assert problem["code"] == "invalid_date_range"
    assert problem["title"] == "La plage de dates n'est pas valide"
    assert problem["detail"] == (
        "La plage de dates est vide : la date `from` (2021-05-08) est postérieure à la date `to` (2020-10-05)."
    )
    assert problem["remediation"] == "Indiquez une date `from` égale ou antérieure à la date `to`."
    assert {e["field"]: e["message"] for e in problem["errors"]} == {
        "from": "la date `from` (2021-05-08) est postérieure à la date `to` (2020-10-05)",
        "to": "la date `from` (2021-05-08) est postérieure à la date `to` (2020-10-05)",
    }


async def test_the_same_problem_is_in_english_by_default(service: Service) -> None:
    params = {"from": "2021-05-08", "to": "2020-10-05"}

    response = await service.client.get("/v1/me/notices", params=params, headers=service.headers("user-1"))

    assert response.status_code == 422
    assert response.headers["Content-Language"] == "en"
    problem = response.json()
    assert problem["title"] == "The date range is not valid"
    assert problem["detail"] == "The date range is empty: `from` (2021-05-08) is after `to` (2020-10-05)."
    assert problem["remediation"] == "Give a `from` date on or before the `to` date."


async def test_another_users_notice_is_not_found_in_french(service: Service) -> None:
    notice_id = "0b1f6a4e-8f0e-4c44-9a53-5f9c2f3e2b10"

    response = await service.client.get(
        f"/v1/me/notices/{notice_id}", headers={**service.headers("user-1"), "Accept-Language": "fr-CA,en;q=0.5"}
    )

    assert response.status_code == 404
    assert response.headers["Content-Language"] == "fr"
    assert response.json()["title"] == "Avis introuvable"
    assert response.json()["detail"] == f"Vous n'avez aucun avis portant l'identifiant {notice_id}."
