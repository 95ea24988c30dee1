"""The gateway's own problems in both official languages: French when Accept-Language ranks it first, English
otherwise, Content-Language saying which; headers meant for clients (WWW-Authenticate) stay as they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from portal_runtime.testing.bilingual import untranslated
from portal_runtime.testing.infra import free_port

from .conftest import DELEGATION_URL, IDENTITY_URL

if TYPE_CHECKING:
    from .conftest import Stack, StackFactory

BN = "123456789"
BALANCE = f"/v1/businesses/{BN}/balance"
LOOKUP = "/v1/businesses/lookup"
FRENCH = {"Accept-Language": "fr-CA"}
KEY = "operator-key-" + "k" * 32


def test_no_problem_of_the_gateway_is_written_in_english_only() -> None:
    assert untranslated("portal_gateway") == []


def problem(stack: Stack, response: httpx.Response, language: str) -> dict[str, Any]:
    assert response.headers["content-language"] == language
    return stack.problem(response)


async def test_an_invalid_token_is_401_in_french_with_the_same_challenge(stack: Stack) -> None:
    headers = {"Authorization": "Bearer not-a-jwt"}

    english = await stack.client.get(BALANCE, headers=headers)
    french = await stack.client.get(BALANCE, headers=headers | FRENCH)

    en, fr = problem(stack, english, "en"), problem(stack, french, "fr")
    assert english.status_code == french.status_code == 401
    assert en["code"] == fr["code"] == "invalid_token"
    assert (en["title"], en["detail"]) == ("Invalid access token", "The access token is not a signed JWT.")
    assert (fr["title"], fr["detail"]) == ("Jeton d'accès non valide", "Le jeton d'accès n'est pas un JWT signé.")
    challenge = (
        'Bearer realm="portal-api", error="invalid_token", error_description="The access token is not a signed JWT."'
    )
    assert english.headers["www-authenticate"] == french.headers["www-authenticate"] == challenge


async def test_a_scope_the_token_lacks_is_403_in_french_with_its_remediation(stack: Stack) -> None:
    stack.grants.grant(stack.user, BN, ["financial:read"])
    headers = stack.bearer(scopes=["rulings:read"])

    english = await stack.client.get(BALANCE, headers=headers)
    french = await stack.client.get(BALANCE, headers=headers | {"Accept-Language": "fr;q=0.9, en;q=0.5"})

    en, fr = problem(stack, english, "en"), problem(stack, french, "fr")
    assert english.status_code == french.status_code == 403
    assert en["code"] == fr["code"] == "missing_scope"
    assert en["title"] == "Missing scope"
    assert en["remediation"] == "Request an access token that includes the scope financial:read."
    assert fr["title"] == "Portée manquante"
    assert fr["detail"] == "Cette opération exige la portée financial:read, qui n'a pas été accordée au jeton d'accès."
    assert fr["remediation"] == "Demandez un jeton d'accès qui inclut la portée financial:read."
    challenge = 'Bearer error="insufficient_scope", scope="financial:read"'
    assert english.headers["www-authenticate"] == french.headers["www-authenticate"] == challenge


async def test_unknown_routes_and_methods_are_answered_in_french(stack: Stack) -> None:
    missing = await stack.client.get("/v1/nowhere", headers=FRENCH)
    method = await stack.client.delete(BALANCE, headers=FRENCH)
    own = await stack.client.post("/v1/status", headers=FRENCH)  # one of the gateway's own routes

    assert missing.status_code == 404
    body = problem(stack, missing, "fr")
    assert (body["code"], body["title"]) == ("route_not_found", "Introuvable")
    assert body["detail"] == "Il n'y a aucune opération à /v1/nowhere."
    assert method.status_code == 405
    body = problem(stack, method, "fr")
    assert body["title"] == "Méthode non permise"
    assert body["detail"] == f"{BALANCE} n'accepte pas DELETE; méthodes acceptées : {method.headers['allow']}."
    assert own.status_code == 405
    assert problem(stack, own, "fr")["detail"].startswith("/v1/status n'accepte pas POST; méthodes acceptées : ")
    english = await stack.client.get("/v1/nowhere")
    assert problem(stack, english, "en")["detail"] == "There is no operation at /v1/nowhere."


async def test_rate_limits_cors_refusals_and_large_bodies_are_refused_in_french(make_stack: StackFactory) -> None:
    settings = {
        "rate_limit_anonymous_burst": 1,
        "rate_limit_anonymous_per_minute": 0.6,
        "cors_allowed_origins": ["https://broker-portal.example"],
        "max_request_body_bytes": 1000,
    }
    async with make_stack(**settings) as stack:
        preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
        cors = await stack.client.options(BALANCE, headers=preflight | FRENCH)
        large = await stack.client.post(f"/v1/businesses/{BN}/payments", content=b"x" * 1001, headers=FRENCH)
        await stack.client.get(LOOKUP)
        limited = await stack.client.get(LOOKUP, headers=FRENCH)

    assert cors.status_code == 400
    body = problem(stack, cors, "fr")
    assert (body["code"], body["title"]) == ("cors_refused", "Requête d'origine croisée refusée")
    assert body["detail"] == "L'origine https://evil.example n'est pas permise."
    assert large.status_code == 413
    body = problem(stack, large, "fr")
    assert body["title"] == "Corps de requête trop volumineux"
    assert body["detail"] == "Le corps de la requête dépasse les 1000 octets que l'API accepte."
    assert body["remediation"].startswith("Envoyez un corps plus petit : limit_bytes est la limite de cette opération")
    assert limited.status_code == 429
    body = problem(stack, limited, "fr")
    assert (body["code"], body["title"], body["limit_class"]) == ("rate_limited", "Trop de requêtes", "anonymous")
    assert body["detail"] == (
        "Limite de requêtes dépassée pour les requêtes non authentifiées de cette adresse : 1 requêtes à la fois, "
        "puis 0,6 par minute. Réessayez dans 100 s."
    )
    assert body["remediation"].startswith("Attendez le délai indiqué par Retry-After")


async def test_an_unreachable_service_is_503_in_french(make_stack: StackFactory) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    services = {"identity": IDENTITY_URL, "ledger": closed, "delegation": DELEGATION_URL}
    async with make_stack(services=services) as stack:
        unreachable = await stack.client.get(LOOKUP, headers=FRENCH)
        outage = await stack.client.get(LOOKUP, headers=FRENCH)  # the window is now open
        english = await stack.client.get(LOOKUP)

    assert unreachable.status_code == outage.status_code == english.status_code == 503
    body = problem(stack, unreachable, "fr")
    assert (body["title"], body["component"]) == ("Service indisponible", "ledger")
    assert body["detail"] == "Le service ledger est injoignable. Réessayez sous peu."
    body = problem(stack, outage, "fr")
    assert body["code"] == "service_unavailable"
    assert body["detail"].startswith("Le service ledger est indisponible (panne imprévue depuis ")
    assert body["outage"]["message"].startswith("Panne imprévue de ledger depuis ")
    body = problem(stack, english, "en")
    assert body["title"] == "Service unavailable"
    assert body["detail"].startswith("The ledger service is unavailable (unplanned outage since ")


async def test_an_operators_maintenance_window_ending_before_it_starts_is_refused_in_french(
    make_stack: StackFactory,
) -> None:
    now = datetime.now(UTC)
    backwards = {
        "component": "ledger",
        "starts_at": (now + timedelta(days=2)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
        "message_en": "Ledger maintenance.",
        "message_fr": "Entretien du grand livre.",
    }
    operator = {"x-internal-key": KEY}
    async with make_stack(internal_api_key=KEY) as stack:
        english = await stack.client.post("/internal/maintenance-windows", json=backwards, headers=operator)
        french = await stack.client.post("/internal/maintenance-windows", json=backwards, headers=operator | FRENCH)
        unknown = await stack.client.get("/internal/maintenance-windows/nope", headers=operator | FRENCH)

    assert english.status_code == french.status_code == 422
    (en,), (fr,) = problem(stack, english, "en")["errors"], problem(stack, french, "fr")["errors"]
    assert en == {"field": "body", "message": "ends_at must be after starts_at", "code": "ends_before_start"}
    assert fr == {
        "field": "body",
        "message": "ends_at doit être postérieur à starts_at",
        "code": "ends_before_start",
    }
    assert problem(stack, french, "fr")["title"] == "La requête n'est pas valide"
    assert unknown.status_code == 404
    body = problem(stack, unknown, "fr")
    assert (body["title"], body["detail"]) == (
        "Fenêtre d'entretien introuvable",
        "Il n'y a aucune fenêtre d'entretien nope.",
    )
