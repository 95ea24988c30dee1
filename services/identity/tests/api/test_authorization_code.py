"""Authorization code + PKCE (RFC 6749 §4.1, RFC 7636) and the OIDC ID token, for third-party frontends."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from ..harness import Identity, problem
from .oauth_support import TOKEN, basic, claims_of, create_api_client, introspect

REDIRECT = "https://frontend.example/callback"
AUTHORIZE = "/v1/oauth/authorize"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


async def register_client(identity: Identity, kind: str = "public") -> dict[str, Any]:
    body = {
        "name": "Broker Frontend",
        "type": kind,
        "redirect_uris": [REDIRECT],
        "scopes": ["openid", "financial:read", "payments:write"],
    }
    response = await identity.client.post("/internal/oauth-clients", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def authorization_params(client_id: str, challenge: str, **overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid financial:read",
        "state": "xyz-state",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "nonce": "n-0S6_WzA2Mj",
    }
    params.update(overrides)
    return {name: value for name, value in params.items() if value}


@dataclass
class SignedIn:
    """A user signed in to the portal: the context the gateway forwards for the portal's own token."""

    headers: dict[str, str]

    def consent(self, approve: bool = True) -> dict[str, Any]:
        return {"consent": approve}


async def signed_in_user(identity: Identity, scopes: list[str] | None = None) -> SignedIn:
    user_id = identity.users.get("Liviu1234") or await identity.register()
    await identity.sign_in()
    scopes = scopes or ["financial:read", "payments:write"]
    return SignedIn(identity.as_context(subject=user_id, mfa=True, scopes=scopes))


async def consent(identity: Identity, params: dict[str, str], user: SignedIn, approve: bool = True) -> str:
    response = await identity.client.post(AUTHORIZE, params=params, json=user.consent(approve), headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()["redirect_to"]  # type: ignore[no-any-return]


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


async def exchange(identity: Identity, client_id: str, code: str, verifier: str, **form: str) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        "client_id": client_id,
    }
    data.update(form)
    return await identity.client.post(TOKEN, data={k: v for k, v in data.items() if v})


async def a_code(identity: Identity, client_id: str) -> tuple[str, str]:
    """A fresh code for the registered user and its PKCE verifier."""
    verifier, challenge = pkce()
    user = await signed_in_user(identity)
    redirect = await consent(identity, authorization_params(client_id, challenge), user)
    return query_of(redirect)["code"], verifier


async def test_the_consent_request_names_the_client_and_the_scopes(identity: Identity) -> None:
    client = await register_client(identity)
    _, challenge = pkce()
    user = await signed_in_user(identity)

    response = await identity.client.get(
        AUTHORIZE, params=authorization_params(client["client_id"], challenge), headers=user.headers
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "client_id": client["client_id"],
        "client_name": "Broker Frontend",
        "scopes": ["financial:read", "openid"],
        "redirect_uri": REDIRECT,
        "state": "xyz-state",
    }


async def test_a_full_flow_gives_tokens_for_the_consented_scopes_and_an_id_token(identity: Identity) -> None:
    client = await register_client(identity)
    verifier, challenge = pkce()
    user = await signed_in_user(identity)

    redirect = await consent(identity, authorization_params(client["client_id"], challenge), user)
    query = query_of(redirect)
    response = await exchange(identity, client["client_id"], query["code"], verifier)

    assert redirect.startswith(REDIRECT + "?") and query["state"] == "xyz-state"
    assert response.status_code == 200, response.text
    body = response.json()
    access = await claims_of(identity, body["access_token"])
    assert (access["sub"], access["client_id"], access["scope"]) == (
        identity.users["Liviu1234"],
        client["client_id"],
        "financial:read",
    )
    id_token = await claims_of(identity, body["id_token"])
    assert (id_token["aud"], id_token["nonce"], id_token["sub"]) == (
        client["client_id"],
        "n-0S6_WzA2Mj",
        identity.users["Liviu1234"],
    )
    refreshed = await identity.client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"], "client_id": client["client_id"]},
    )
    assert refreshed.status_code == 200, refreshed.text
    assert (await claims_of(identity, refreshed.json()["access_token"]))["scope"] == "financial:read"


async def test_refusing_consent_redirects_with_access_denied(identity: Identity) -> None:
    client = await register_client(identity)
    _, challenge = pkce()

    redirect = await consent(
        identity, authorization_params(client["client_id"], challenge), await signed_in_user(identity), False
    )

    assert query_of(redirect) == {"error": "access_denied", "state": "xyz-state"}


async def test_asvs_10_4_2_a_code_is_single_use_and_its_reuse_revokes_the_tokens(identity: Identity) -> None:
    client = await register_client(identity)
    code, verifier = await a_code(identity, client["client_id"])
    first = (await exchange(identity, client["client_id"], code, verifier)).json()

    reused = await exchange(identity, client["client_id"], code, verifier)

    assert problem(reused, 400, "invalid_grant")["error"] == "invalid_grant"
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": client["client_id"]}
    problem(await identity.client.post(TOKEN, data=refresh), 400, "invalid_grant")
    api_client = await create_api_client(identity)
    credentials = (api_client["client_id"], api_client["client_secret"])
    assert await introspect(identity, first["access_token"], credentials) == {"active": False}


async def test_an_expired_code_is_refused(identity: Identity) -> None:
    client = await register_client(identity)
    code, verifier = await a_code(identity, client["client_id"])
    identity.clock.advance(seconds=61)

    problem(await exchange(identity, client["client_id"], code, verifier), 400, "invalid_grant")


async def test_a_different_redirect_uri_at_the_token_endpoint_is_refused_and_spends_the_code(
    identity: Identity,
) -> None:
    client = await register_client(identity)
    code, verifier = await a_code(identity, client["client_id"])

    wrong = await exchange(identity, client["client_id"], code, verifier, redirect_uri="https://frontend.example/other")

    assert "redirect_uri" in problem(wrong, 400, "invalid_grant")["detail"]
    problem(await exchange(identity, client["client_id"], code, verifier), 400, "invalid_grant")


async def test_a_missing_or_wrong_pkce_verifier_is_refused(identity: Identity) -> None:
    client = await register_client(identity)
    code, _ = await a_code(identity, client["client_id"])
    other_code, _ = await a_code(identity, client["client_id"])

    missing = await exchange(identity, client["client_id"], code, "")
    wrong = await exchange(identity, client["client_id"], other_code, pkce()[0])

    assert "PKCE" in problem(missing, 400, "invalid_grant")["detail"]
    assert "PKCE" in problem(wrong, 400, "invalid_grant")["detail"]


async def test_a_code_works_only_for_the_client_it_was_issued_to(identity: Identity) -> None:
    client = await register_client(identity)
    other = await register_client(identity)
    code, verifier = await a_code(identity, client["client_id"])

    problem(await exchange(identity, other["client_id"], code, verifier), 400, "invalid_grant")


async def test_a_confidential_client_must_authenticate(identity: Identity) -> None:
    client = await register_client(identity, "confidential")
    code, verifier = await a_code(identity, client["client_id"])

    unauthenticated = await exchange(identity, client["client_id"], code, verifier)
    assert problem(unauthenticated, 401, "invalid_client")
    code, verifier = await a_code(identity, client["client_id"])
    authenticated = await identity.client.post(
        TOKEN,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier},
        headers=basic(client["client_id"], client["client_secret"]),
    )
    assert authenticated.status_code == 200, authenticated.text


async def test_bad_authorization_requests_are_refused_without_redirect(identity: Identity) -> None:
    client = await register_client(identity)
    _, challenge = pkce()
    user = await signed_in_user(identity)
    cases = [
        (authorization_params("oc_unknown", challenge), "invalid_request"),
        (
            authorization_params(client["client_id"], challenge, redirect_uri="https://evil.example/cb"),
            "invalid_request",
        ),
        (authorization_params(client["client_id"], challenge, redirect_uri=REDIRECT + "/"), "invalid_request"),
        (authorization_params(client["client_id"], "", code_challenge_method=""), "invalid_request"),
        (authorization_params(client["client_id"], challenge, code_challenge_method="plain"), "invalid_request"),
        (authorization_params(client["client_id"], challenge, response_type="token"), "unsupported_response_type"),
        (authorization_params(client["client_id"], challenge, scope="rulings:write"), "invalid_scope"),
    ]

    for params, code in cases:
        response = await identity.client.post(AUTHORIZE, params=params, json=user.consent(), headers=user.headers)
        problem(response, 400, code)


async def test_consent_needs_a_user_signed_in_with_mfa(identity: Identity) -> None:
    client = await register_client(identity)
    _, challenge = pkce()
    params = authorization_params(client["client_id"], challenge)
    no_mfa = identity.as_context(subject="user-x", mfa=False)
    api_client = identity.as_context(subject="client:bc_1", subject_type="client")

    problem(
        await identity.client.post(AUTHORIZE, params=params, json={"consent": True}, headers=no_mfa),
        403,
        "mfa_required",
    )
    problem(await identity.client.get(AUTHORIZE, params=params, headers=api_client), 403, "not_a_user")


async def test_the_token_carries_no_scope_the_user_does_not_hold(identity: Identity) -> None:
    client = await register_client(identity)
    verifier, challenge = pkce()
    user = await signed_in_user(identity, ["payments:write"])

    redirect = await consent(
        identity, authorization_params(client["client_id"], challenge, scope="financial:read payments:write"), user
    )
    body = (await exchange(identity, client["client_id"], query_of(redirect)["code"], verifier)).json()

    assert (await claims_of(identity, body["access_token"]))["scope"] == "payments:write"


async def test_a_replayed_client_refresh_token_revokes_the_family_and_needs_its_client(identity: Identity) -> None:
    client = await register_client(identity)
    other = await register_client(identity)
    code, verifier = await a_code(identity, client["client_id"])
    first = (await exchange(identity, client["client_id"], code, verifier)).json()

    def refresh(token: str, client_id: str) -> dict[str, str]:
        return {"grant_type": "refresh_token", "refresh_token": token, "client_id": client_id}

    stolen = await identity.client.post(TOKEN, data=refresh(first["refresh_token"], other["client_id"]))
    anonymous = await identity.client.post(
        TOKEN, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    rotated = await identity.client.post(TOKEN, data=refresh(first["refresh_token"], client["client_id"]))
    replayed = await identity.client.post(TOKEN, data=refresh(first["refresh_token"], client["client_id"]))
    after = await identity.client.post(TOKEN, data=refresh(rotated.json()["refresh_token"], client["client_id"]))

    problem(stolen, 400, "invalid_grant")
    problem(anonymous, 400, "invalid_grant")
    assert rotated.status_code == 200, rotated.text
    problem(replayed, 400, "invalid_grant")
    problem(after, 400, "invalid_grant")


async def test_consent_is_given_with_the_portals_own_token_only(identity: Identity) -> None:
    """A token an application obtained from the user names that application (client_id, forwarded by the gateway):
    it cannot consent for the user; the portal's own token (no client_id) can."""
    client = await register_client(identity)
    user = await signed_in_user(identity)
    code, verifier = await a_code(identity, client["client_id"])
    issued = await exchange(identity, client["client_id"], code, verifier)
    third_party = await claims_of(identity, issued.json()["access_token"])
    assert third_party["client_id"] == client["client_id"]
    user_id = identity.users["Liviu1234"]
    with_app_token = identity.as_context(
        subject=user_id, mfa=True, scopes=["financial:read"], client_id=third_party["client_id"]
    )
    params = authorization_params(client["client_id"], pkce()[1])

    refused = await identity.client.post(AUTHORIZE, params=params, json={"consent": True}, headers=with_app_token)
    problem(refused, 403, "consent_needs_sign_in")
    accepted = await identity.client.post(AUTHORIZE, params=params, json={"consent": True}, headers=user.headers)
    assert accepted.status_code == 200, accepted.text
