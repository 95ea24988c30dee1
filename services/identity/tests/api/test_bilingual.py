"""Problems follow Accept-Language (English by default, French on request), the OAuth members excepted."""

from __future__ import annotations

from portal_runtime.testing.bilingual import untranslated

from ..harness import PASSWORD, Identity, problem, registration
from .oauth_support import BN, TOKEN, as_manager

FRENCH = {"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}


def test_every_problem_of_identity_has_its_french() -> None:
    assert untranslated("identity") == []


async def test_a_refused_sign_in_is_answered_in_french_on_request_and_in_english_by_default(
    identity: Identity,
) -> None:
    await identity.register()
    attempt = {"username": "Liviu1234", "password": "Wrong#pass9"}

    french = await identity.client.post("/v1/sessions", json=attempt, headers=FRENCH)
    english = await identity.client.post("/v1/sessions", json=attempt)

    body = problem(french, 401, "invalid_credentials")
    assert french.headers["content-language"] == "fr"
    assert body["title"] == "Nom d'utilisateur ou mot de passe erroné"
    assert body["detail"] == "Le nom d'utilisateur ou le mot de passe est incorrect."
    body = problem(english, 401, "invalid_credentials")
    assert english.headers["content-language"] == "en"
    assert body["title"] == "Wrong username or password"
    assert body["detail"] == "The username or password is incorrect."


async def test_credential_rules_name_each_field_in_french(identity: Identity) -> None:
    body = registration(password="Tr7#maple", password_confirmation=PASSWORD)

    french = problem(await identity.client.post("/v1/users", json=body, headers=FRENCH), 422, "validation_failed")
    english = problem(await identity.client.post("/v1/users", json=body), 422, "validation_failed")

    assert french["title"] == "La requête n'est pas valide"
    assert {(e["field"], e["code"], e["message"]) for e in french["errors"]} == {
        ("password_confirmation", "password_mismatch", "Les deux mots de passe ne sont pas identiques.")
    }
    assert french["detail"] == "password_confirmation: Les deux mots de passe ne sont pas identiques."
    assert english["title"] == "The request is not valid"
    assert english["detail"] == "password_confirmation: The two passwords are not identical."


async def test_oauth_errors_keep_their_code_and_english_description_with_a_french_detail(identity: Identity) -> None:
    french = await identity.client.post(TOKEN, data={"grant_type": "password"}, headers=FRENCH)
    english = await identity.client.post(TOKEN, data={"grant_type": "password"})

    body = problem(french, 400, "unsupported_grant_type")
    assert french.headers["content-language"] == "fr"
    assert body["title"] == "Ce type d'autorisation n'est pas pris en charge"
    assert body["detail"] == "Le type d'autorisation 'password' n'est pas pris en charge."
    # RFC 6749 §5.2: `error` is the registered code and `error_description` ASCII, whatever the language.
    assert body["error"] == "unsupported_grant_type"
    assert body["error_description"] == "The grant type 'password' is not supported."
    body = problem(english, 400, "unsupported_grant_type")
    assert body["detail"] == body["error_description"] == "The grant type 'password' is not supported."


async def test_unknown_scopes_are_refused_in_french(identity: Identity) -> None:
    response = await identity.client.post(
        f"/v1/businesses/{BN}/api-clients",
        json={"name": "Desk", "scopes": ["financial:read", "everything:write"]},
        headers={**as_manager(identity), **FRENCH},
    )

    body = problem(response, 422, "validation_failed")
    [error] = body["errors"]
    assert (error["field"], error["code"]) == ("scopes", "unknown_scopes")
    assert error["message"] == "portées inconnues : everything:write (utilisez les noms function:action)"
    assert response.headers["content-language"] == "fr"
