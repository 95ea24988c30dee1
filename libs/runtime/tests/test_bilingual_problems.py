"""Problems in both official languages: French when Accept-Language ranks it first, with Content-Language; and
the check that finds any error text written in English only."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from portal_runtime.language import number_fr
from portal_runtime.problems import Conflict, FieldError, Unprocessable, add_field_messages_fr, install_problem_handlers
from portal_runtime.requestid import RequestIdMiddleware
from portal_runtime.testing.bilingual import untranslated

add_field_messages_fr({"period_format": "Utilisez MM/AAAA, p. ex. {example}"})


class Registration(BaseModel):
    bn: str = Field(pattern=r"^[0-9]{9}$")
    name: str = Field(max_length=5)
    employees: int = Field(ge=1)
    period: str = "01/2026"

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        if len(value) != 7:
            raise PydanticCustomError("period_format", "Use MM/YYYY, e.g. {example}", {"example": "07/2022"})
        return value


def bilingual_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestIdMiddleware)

    @app.post("/registrations")
    async def register(body: Registration) -> dict[str, str]:
        raise Conflict(
            f"Business {body.bn} is already registered.",
            fr=f"L'entreprise {body.bn} est déjà inscrite.",
            code="business_already_registered",
            remediation="Request access to your employer instead.",
            remediation_fr="Demandez plutôt l'accès à votre employeur.",
        )

    @app.get("/lines")
    async def lines(limit: int = Query(le=100)) -> dict[str, str]:
        raise Unprocessable(
            "Line 3 is not valid.",
            fr="La ligne 3 n'est pas valide.",
            errors=[FieldError(field="lines.3", message="Unknown tariff item", fr="Numéro tarifaire inconnu")],
        )

    return app


async def call(method: str, path: str, language: str | None, **kwargs: Any) -> httpx.Response:
    headers = ({"Accept-Language": language} if language else {}) | kwargs.pop("headers", {})
    transport = httpx.ASGITransport(app=bilingual_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path, headers=headers, **kwargs)


REGISTRATION = {"bn": "123456789", "name": "Acme", "employees": 3}


async def test_a_domain_problem_is_in_french_when_the_caller_ranks_french_first() -> None:
    response = await call("POST", "/registrations", "fr-CA,fr;q=0.9,en;q=0.8", json=REGISTRATION)

    body = response.json()
    assert response.headers["content-language"] == "fr"
    assert (body["title"], body["detail"]) == ("Conflit", "L'entreprise 123456789 est déjà inscrite.")
    assert body["remediation"] == "Demandez plutôt l'accès à votre employeur."
    assert body["code"] == "business_already_registered"  # codes are the same in both languages


@pytest.mark.parametrize("language", [None, "en-CA", "de, en;q=0.5", "en, fr;q=0.9", "fr;q=0, en"])
async def test_english_otherwise(language: str | None) -> None:
    response = await call("POST", "/registrations", language, json=REGISTRATION)

    body = response.json()
    assert response.headers["content-language"] == "en"
    assert (body["title"], body["detail"]) == ("Conflict", "Business 123456789 is already registered.")


async def test_field_errors_are_translated_by_their_type_with_their_limits() -> None:
    body = {"bn": "12", "name": "far too long", "employees": 0, "period": "2026"}
    response = await call("POST", "/registrations", "fr", json=body)

    problem = response.json()
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert response.status_code == 422
    assert problem["title"] == "La requête n'est pas valide"
    assert messages == {
        "bn": "Ne correspond pas au format attendu : ^[0-9]{9}$",
        "name": "Au plus 5 caractère(s)",
        "employees": "Doit être supérieur ou égal à 1",
        "period": "Utilisez MM/AAAA, p. ex. 07/2022",  # a service's own type, registered with its French
    }
    assert "bn: Ne correspond pas au format attendu" in problem["detail"]


async def test_a_missing_field_and_a_query_limit_in_french() -> None:
    missing = await call("POST", "/registrations", "fr", json={"name": "Acme"})
    over = await call("GET", "/lines?limit=500", "fr")

    assert {e["field"]: e["message"] for e in missing.json()["errors"]}["bn"] == "Champ obligatoire"
    assert over.json()["errors"][0]["message"] == "Doit être inférieur ou égal à 100"


async def test_field_errors_a_service_writes_carry_their_french() -> None:
    response = await call("GET", "/lines?limit=5", "fr")

    problem = response.json()
    assert problem["detail"] == "La ligne 3 n'est pas valide."
    assert problem["errors"] == [{"field": "lines.3", "message": "Numéro tarifaire inconnu", "code": "invalid"}]
    english = (await call("GET", "/lines?limit=5", None)).json()
    assert english["errors"][0]["message"] == "Unknown tariff item"


async def test_the_frameworks_own_refusals_and_malformed_json_in_french() -> None:
    unknown = await call("GET", "/nowhere", "fr")
    method = await call("DELETE", "/lines", "fr")
    malformed = await call("POST", "/registrations", "fr", content=b"{", headers={"content-type": "application/json"})

    assert (unknown.json()["title"], unknown.json().get("detail")) == ("Introuvable", None)
    assert method.json()["title"] == "Méthode non permise"
    assert malformed.json()["title"] == "Le corps de la requête n'est pas du JSON valide"
    assert malformed.json()["errors"][0]["message"].startswith("JSON non valide")


async def test_an_unexpected_error_is_a_french_500_too() -> None:
    app = bilingual_app()

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/boom", headers={"Accept-Language": "fr"})

    assert response.status_code == 500
    assert response.json()["title"] == "Erreur interne"


# ------------------------------------------------------------------------------------------------------- the check

GAPS = """
from pydantic import BaseModel
from portal_runtime.problems import FieldError, NotFound, PortalError, problem_response


class Both(PortalError):
    status, code, title, title_fr = 409, "both", "Both", "Les deux"


class EnglishOnly(PortalError):
    status, code, title = 409, "english_only", "English only"


class Counted(PortalError):
    status, code, title, title_fr = 429, "counted", "Counted", "Compté"

    def __init__(self, attempts: int) -> None:
        super().__init__(f"{attempts} attempts left.", remediation="Wait.", remediation_fr="Attendez.")


class Passing(PortalError):
    status, code, title, title_fr = 409, "passing", "Passing", "Transmis"

    def __init__(self, detail: str, **kwargs: object) -> None:  # takes the detail on: its callers are checked
        super().__init__(detail, **kwargs)


def fine(bn: str) -> None:
    raise NotFound(f"No business {bn}.", fr=f"Aucune entreprise {bn}.", code="business_not_found")


def gaps(bn: str) -> None:
    raise NotFound(f"No business {bn}.", code="business_not_found")


def more_gaps() -> object:
    Both(detail="d", fr="d", remediation="r")
    Counted(3)  # its text is written in its __init__
    Passing("English only")
    FieldError(field="x", message="bad")
    return problem_response(400, "x", "X", "detail", title_fr="X")
"""


@pytest.fixture
def package_with_gaps(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "gappy"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "errors.py").write_text(textwrap.dedent(GAPS))
    sys.path.insert(0, str(tmp_path))
    try:
        yield "gappy"
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "gappy" or m.startswith("gappy.")]:
            del sys.modules[name]


def test_the_check_finds_each_place_that_speaks_english_only(package_with_gaps: str) -> None:
    found = untranslated(package_with_gaps)

    assert found == [
        "gappy.errors.EnglishOnly: title without title_fr",
        "gappy/errors.py:18: super().__init__(...) has a detail but no fr=",
        "gappy/errors.py:33: NotFound(...) has a detail but no fr=",
        "gappy/errors.py:37: Both(...) has a remediation but no remediation_fr=",
        "gappy/errors.py:39: Passing(...) has a detail but no fr=",
        "gappy/errors.py:40: FieldError(...) has a message but no fr=",
        "gappy/errors.py:41: problem_response(...) has a detail but no detail_fr=",
    ]


def test_the_runtime_speaks_both_languages() -> None:
    assert untranslated("portal_runtime") == []


@pytest.mark.parametrize(
    ("value", "written"),
    [(0.6, "0,6"), (120, "120"), (1500, "1\u202f500"), (12345.5, "12\u202f345,5"), (1e7, "10\u202f000\u202f000")],
)
def test_numbers_in_french_text_take_a_decimal_comma_and_spaced_thousands(value: float, written: str) -> None:
    assert number_fr(value) == written
