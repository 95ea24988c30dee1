"""OAuth rules that need no database: PKCE, client credentials parsing, exchange targets, client schemas."""

from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from identity.clients.errors import InvalidClient
from identity.clients.schemas import ApiClientCreate, OAuthClientCreate
from identity.clients.service import ClientCredentials, client_credentials
from identity.oauth.errors import InvalidTarget
from identity.oauth.service import _target_business, requested_scopes, s256


def basic(raw: str) -> str:
    return "Basic " + base64.b64encode(raw.encode()).decode()


def test_s256_matches_the_rfc_7636_example() -> None:
    assert s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_basic_credentials_are_form_decoded() -> None:
    assert client_credentials(basic("bc_1:a%2Bb%3Ac"), {}) == ClientCredentials("bc_1", "a+b:c")


def test_form_credentials_and_public_clients() -> None:
    assert client_credentials(None, {"client_id": "bc_1", "client_secret": "s"}) == ClientCredentials("bc_1", "s")
    assert client_credentials(None, {"client_id": "oc_1"}) == ClientCredentials("oc_1", None)
    assert client_credentials(None, {}) is None
    assert client_credentials("Bearer x", {}) is None


@pytest.mark.parametrize(
    ("authorization", "form"),
    [
        ("Basic !!!", {}),
        (basic("no-colon"), {}),
        (basic(":secret"), {}),
        (basic("bc_1:s"), {"client_secret": "s"}),
        (basic("bc_1:s"), {"client_id": "bc_2"}),
    ],
)
def test_malformed_or_doubled_credentials_are_invalid_client(authorization: str, form: dict[str, str]) -> None:
    with pytest.raises(InvalidClient):
        client_credentials(authorization, form)


def test_the_exchange_target_is_one_business() -> None:
    assert _target_business("123456789", None) == "123456789"
    assert _target_business(None, "urn:portal:business:123456789") == "123456789"
    assert _target_business("123456789", "urn:portal:business:123456789") == "123456789"
    for audience, resource in [(None, None), ("123456789", "urn:portal:business:987654321"), ("12345", None)]:
        with pytest.raises(InvalidTarget):
            _target_business(audience, resource)


def test_requested_scopes_are_a_sorted_set_or_none() -> None:
    assert requested_scopes("payments:read financial:read payments:read") == ["financial:read", "payments:read"]
    assert requested_scopes("  ") is None and requested_scopes(None) is None


def test_api_clients_get_known_scopes_only_and_never_openid() -> None:
    assert ApiClientCreate(name="d", scopes=["rulings:read", "financial:read"]).scopes == [
        "financial:read",
        "rulings:read",
    ]
    for scopes in (["financial:admin"], ["openid"], []):
        with pytest.raises(ValidationError):
            ApiClientCreate(name="d", scopes=scopes)


def test_oauth_clients_need_https_redirect_uris_without_fragments() -> None:
    ok = OAuthClientCreate(name="f", type="public", redirect_uris=["http://127.0.0.1:3000/cb"], scopes=["openid"])
    assert ok.redirect_uris == ["http://127.0.0.1:3000/cb"]
    for uri in ("http://frontend.example/cb", "https://frontend.example/cb#x", "javascript:alert(1)"):
        with pytest.raises(ValidationError):
            OAuthClientCreate(name="f", type="public", redirect_uris=[uri], scopes=["openid"])


async def test_generated_client_secrets_use_a_fast_digest_and_old_argon2_digests_still_verify() -> None:
    from identity.users.hashing import GeneratedSecretHasher, SecretHasher

    legacy = SecretHasher(memory_cost=1024, time_cost=1)
    hasher = GeneratedSecretHasher(legacy)
    digest = await hasher.hash("s3cr3t-256-bits")

    assert digest.startswith("sha256$")
    assert await hasher.verify(digest, "s3cr3t-256-bits")
    assert not await hasher.verify(digest, "s3cr3t-256-bitz")
    assert await hasher.verify(await legacy.hash("old-secret"), "old-secret")
    assert not await hasher.verify_nobody("anything")
