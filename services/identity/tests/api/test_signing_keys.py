from joserfc import jwt
from joserfc.jwk import KeySet

from identity.config import Settings
from identity.main import create_app
from portal_runtime.testing.apps import running


def identity_app(tmp_path):  # type: ignore[no-untyped-def]
    return create_app(
        Settings(
            environment="test",
            database_url=f"sqlite+aiosqlite:///{tmp_path}/identity.db",
            relay_enabled=False,
            consumers_enabled=False,
        )
    )


async def test_access_tokens_verify_against_the_published_jwks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running(identity_app(tmp_path)) as (app, client):
        jwks = (await client.get("/v1/oauth/jwks")).json()
        token = app.state.keys.issue_access_token("user-1", scopes=["financial:read"])

    claims = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["Ed25519"]).claims
    assert claims["sub"] == "user-1"
    assert claims["scope"] == "financial:read"
    assert claims["aud"] == "portal-api"
    assert [k["alg"] for k in jwks["keys"]] == ["Ed25519"]
    assert all("d" not in k for k in jwks["keys"])  # never the private part


async def test_the_signing_key_survives_a_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running(identity_app(tmp_path)) as (_, client):
        first = (await client.get("/v1/oauth/jwks")).json()
    async with running(identity_app(tmp_path)) as (_, client):
        second = (await client.get("/v1/oauth/jwks")).json()
    assert first == second


async def test_discovery_names_the_jwks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running(identity_app(tmp_path)) as (_, client):
        document = (await client.get("/.well-known/openid-configuration")).json()
    assert document["jwks_uri"].endswith("/v1/oauth/jwks")
    assert "client_credentials" in document["grant_types_supported"]
