"""The verified-token cache of TokenVerifier: a token checked once is not checked again, but is refused as soon as
a full check would refuse it (expired, key withdrawn), and revocation is still decided on every request."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OKPKey

from portal_contracts.events.identity import AccessTokenRevoked
from portal_gateway import auth
from portal_gateway.auth import JwksCache, TokenVerifier
from portal_gateway.errors import InvalidToken

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import Stack

ISSUER, AUDIENCE, LEEWAY = "https://identity.test", "portal-api", 10
NOW = 1_800_000_000


class Clock:
    """Wall clock (whole seconds, for the claims) and monotonic clock (for the JWKS cache) in one."""

    def __init__(self) -> None:
        self.now = NOW

    def wall(self) -> int:
        return self.now

    def monotonic(self) -> float:
        return float(self.now)


class Identity:
    """Signing keys, the JWKS document that publishes them, and how often it was fetched."""

    def __init__(self) -> None:
        self.keys = {"k1": OKPKey.generate_key("Ed25519", parameters={"kid": "k1"})}
        self.fetches = 0

    def jwks(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        return httpx.Response(200, json={"keys": [key.as_dict(private=False) for key in self.keys.values()]})

    def token(self, kid: str = "k1", *, subject: str = "u1", exp: int = NOW + 300, scope: str = "a b") -> str:
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": subject, "exp": exp, "iat": NOW, "scope": scope}
        return jwt.encode({"alg": "Ed25519", "kid": kid}, claims, self.keys[kid], algorithms=["Ed25519"])


@pytest.fixture
def identity() -> Identity:
    return Identity()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def make_verifier(identity: Identity, clock: Clock) -> AsyncIterator[Callable[..., TokenVerifier]]:
    http = httpx.AsyncClient(transport=httpx.MockTransport(identity.jwks))

    def make(cache_size: int = 100, max_age_s: float = 300) -> TokenVerifier:
        jwks = JwksCache(ISSUER + "/jwks", http, refetch_interval_s=10, max_age_s=max_age_s, clock=clock.monotonic)
        return TokenVerifier(
            jwks, issuer=ISSUER, audience=AUDIENCE, leeway_s=LEEWAY, cache_size=cache_size, clock=clock.wall
        )

    yield make
    await http.aclose()


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens whose signature and claims were checked in full (joserfc's decode called)."""
    checked: list[str] = []
    decode = jwt.decode

    def counting(value: str, *args: Any, **kwargs: Any) -> Any:
        checked.append(value)
        return decode(value, *args, **kwargs)

    monkeypatch.setattr(auth.jwt, "decode", counting)
    return checked


async def test_a_remembered_token_is_not_checked_again(
    make_verifier: Callable[..., TokenVerifier], identity: Identity, decodes: list[str]
) -> None:
    verifier = make_verifier()
    token = identity.token()

    first = await verifier.verify(token)
    again = [await verifier.verify(token) for _ in range(5)]

    assert first.subject == "u1" and first.scopes == frozenset({"a", "b"})
    assert all(principal is first for principal in again)
    assert decodes == [token]
    assert verifier.remembered == 1


async def test_a_remembered_token_is_refused_once_expired_as_a_full_check_would(
    make_verifier: Callable[..., TokenVerifier], identity: Identity, clock: Clock, decodes: list[str]
) -> None:
    verifier = make_verifier()
    token = identity.token(exp=NOW + 60)
    await verifier.verify(token)

    clock.now = NOW + 60 + LEEWAY - 1  # within the leeway: still accepted, from the cache
    assert (await verifier.verify(token)).subject == "u1"
    assert decodes == [token]

    clock.now = NOW + 60 + LEEWAY
    with pytest.raises(InvalidToken, match="expired"):
        await verifier.verify(token)
    # The same moment without the cache: the same answer.
    with pytest.raises(InvalidToken, match="expired"):
        await make_verifier().verify(token)
    assert verifier.remembered == 0


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "a b admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def test_a_tampered_copy_of_a_remembered_token_is_refused(
    make_verifier: Callable[..., TokenVerifier], identity: Identity
) -> None:
    verifier = make_verifier()
    token = identity.token()
    await verifier.verify(token)

    with pytest.raises(InvalidToken, match="signature"):
        await verifier.verify(_tampered(token))
    with pytest.raises(InvalidToken, match="signature"):
        await verifier.verify(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert verifier.remembered == 1  # refusals are never remembered


async def test_the_cache_is_bounded_and_forgets_the_least_recently_used(
    make_verifier: Callable[..., TokenVerifier], identity: Identity, decodes: list[str]
) -> None:
    verifier = make_verifier(cache_size=2)
    first, second, third = (identity.token(subject=f"u{i}") for i in range(3))

    await verifier.verify(first)
    await verifier.verify(second)
    await verifier.verify(first)  # used again: the second is now the least recently used
    await verifier.verify(third)
    assert verifier.remembered == 2
    assert decodes == [first, second, third]

    await verifier.verify(first)  # still remembered
    await verifier.verify(second)  # forgotten: checked again
    assert decodes == [first, second, third, second]


async def test_a_withdrawn_key_refuses_its_remembered_tokens_from_the_next_jwks_refresh(
    make_verifier: Callable[..., TokenVerifier], identity: Identity, clock: Clock, decodes: list[str]
) -> None:
    verifier = make_verifier(max_age_s=300)
    identity.keys["k2"] = OKPKey.generate_key("Ed25519", parameters={"kid": "k2"})
    kept, withdrawn = identity.token("k1"), identity.token("k2")
    await verifier.verify(kept)
    await verifier.verify(withdrawn)
    del identity.keys["k2"]

    clock.now += 299  # before the JWKS refresh the key is still known, with or without the cache
    assert (await verifier.verify(withdrawn)).subject == "u1"
    assert identity.fetches == 1

    clock.now += 1
    with pytest.raises(InvalidToken, match="unknown key"):
        await verifier.verify(withdrawn)
    assert identity.fetches == 2
    # A key still published is refetched as a new object: its token is checked in full once more, then remembered.
    assert (await verifier.verify(kept)).subject == "u1"
    assert (await verifier.verify(kept)).subject == "u1"
    assert decodes == [kept, withdrawn, kept]  # the withdrawn key: refused before any signature check


async def test_a_revoked_token_is_refused_although_it_is_remembered(
    make_stack: Callable[..., AbstractAsyncContextManager[Stack]], decodes: list[str]
) -> None:
    async with make_stack(revocation_fallback_ttl_s=60) as stack:
        token = stack.token(scopes=[])
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(2):
            assert (await stack.client.get("/v1/me/statements", headers=headers)).status_code == 200
        claims = jwt.decode(token, stack.identity.state.keys._active, algorithms=["Ed25519"]).claims
        denylist = stack.gateway.state.gateway.revocation.denylist
        revoked = AccessTokenRevoked(
            reason="token_revoked",
            jti=claims["jti"],
            issued_before=datetime.fromtimestamp(claims["iat"] + 1, UTC),
            keep_until=datetime.fromtimestamp(claims["exp"], UTC),
        )
        assert denylist.add(revoked.event_type, revoked.model_dump(mode="json"))

        refused = await stack.client.get("/v1/me/statements", headers=headers)

        assert refused.status_code == 401
        assert stack.problem(refused)["code"] == "token_revoked"
        assert decodes.count(token) == 2  # the gateway checked the signature once, the test once
