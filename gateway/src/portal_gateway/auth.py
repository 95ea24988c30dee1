"""Bearer access tokens: Ed25519 JWTs from identity, checked against its JWKS (cached, rotation honoured)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import OKPKey

from portal_gateway.errors import InvalidToken, MissingToken, UpstreamUnavailable
from portal_runtime.context import ALGORITHM

log = logging.getLogger(__name__)

Clock = Callable[[], float]
# Whole seconds, as joserfc compares ``exp``, ``nbf`` and ``iat``.
WallClock = Callable[[], int]
VERIFIED_CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class Principal:
    """The verified caller: a user acting through an application, or an API client acting for itself."""

    subject: str
    subject_type: str  # "user" or "client"
    scopes: frozenset[str]
    mfa: bool
    client_id: str | None
    # Restrictions the token itself carries: an API client acts for its own business only; a token exchanged
    # (RFC 8693) for one business may also name the only program accounts it covers.
    business: str | None = None
    program_accounts: frozenset[str] | None = None
    # What revocation is decided on (portal_gateway.revocation): the token's jti, its login (sid) and iat.
    token_id: str | None = None
    session_id: str | None = None
    issued_at: float | None = None


class JwksUnavailable(Exception):
    """The JWKS could not be fetched or parsed."""


class JwksCache:
    """Identity's public keys by ``kid``.

    Keys rotate: a token signed by a key not seen yet triggers a refetch, but at most once per
    ``refetch_interval_s`` so that tokens with made-up kids cannot turn the gateway into a JWKS flood.
    Known keys are refreshed every ``max_age_s`` so a key identity withdrew stops being accepted.
    """

    def __init__(
        self,
        url: str,
        http: httpx.AsyncClient,
        *,
        refetch_interval_s: float = 10.0,
        max_age_s: float = 300.0,
        timeout_s: float = 2.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self._url = url
        self._http = http
        self._refetch_interval_s = refetch_interval_s
        self._max_age_s = max_age_s
        self._timeout_s = timeout_s
        self._clock = clock
        self._keys: dict[str, OKPKey] = {}
        self._loaded = False
        self._fetched_at = 0.0
        self._attempts = 0
        self._completed = 0
        self._last_error = ""
        self._lock = asyncio.Lock()

    @property
    def fetches(self) -> int:
        return self._attempts

    async def key(self, kid: str) -> OKPKey | None:
        """The key with this id, refetching the set when allowed; None when identity does not publish it."""
        if not self._loaded or self._due(kid):
            await self._refresh()
        return self._keys.get(kid)

    def _due(self, kid: str) -> bool:
        age = self._clock() - self._fetched_at
        return age >= self._max_age_s or (kid not in self._keys and age >= self._refetch_interval_s)

    async def _refresh(self) -> None:
        completed = self._completed
        async with self._lock:
            # Requests that waited for the lock share the fetch completed meanwhile instead of repeating it.
            if self._completed == completed:
                await self._load()
        if not self._loaded:
            raise JwksUnavailable(self._last_error)

    async def _load(self) -> None:
        self._attempts += 1
        try:
            self._keys = await self._fetch()
            self._loaded = True
        except JwksUnavailable as exc:
            self._last_error = str(exc)
            log.warning("JWKS fetch from %s failed (%s); %d keys known", self._url, exc, len(self._keys))
        finally:
            self._completed += 1
        if self._loaded:
            # Also after a failure: identity is asked again only after the interval, keeping the known keys.
            self._fetched_at = self._clock()

    async def _fetch(self) -> dict[str, OKPKey]:
        try:
            response = await self._http.get(self._url, timeout=self._timeout_s)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise JwksUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return _signing_keys(document)


def _signing_keys(document: Any) -> dict[str, OKPKey]:
    """The Ed25519 signing keys of a JWKS document; other keys are ignored, never trusted."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksUnavailable("the JWKS document has no 'keys' list")
    keys: dict[str, OKPKey] = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not jwk.get("kid"):
            continue
        if jwk.get("use", "sig") != "sig":
            continue
        try:
            keys[jwk["kid"]] = OKPKey.import_key({name: value for name, value in jwk.items() if name != "d"})
        except (JoseError, ValueError) as exc:
            log.warning("ignoring JWKS key %s: %s", jwk.get("kid"), exc)
    return keys


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header (scheme case-insensitive, RFC 6750)."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken(
            "The Authorization header must be `Bearer <access token>`.",
            fr="L'en-tête Authorization doit être `Bearer <jeton d'accès>`.",
        )
    return token.strip()


@dataclass(frozen=True, slots=True)
class _Verified:
    """A token that passed every check: who it is, the key that verified it, and until when it is valid."""

    principal: Principal
    kid: str
    key: OKPKey
    exp: float


def _wall_clock() -> int:
    return int(time.time())


class TokenVerifier:
    """Signature (Ed25519 only), ``exp``, ``iss``, ``aud`` and ``sub`` of an access token.

    **Verified tokens are remembered** (a bounded LRU keyed by the exact token string, ``cache_size`` entries): a
    client sends the same token on every call until it expires, and checking its signature again is most of the
    cost of authenticating it. Only a token that passed every check is remembered; any other string, a tampered
    copy included, is a different key and is checked in full. An entry is used only while

    - the token is unexpired by the same rule and leeway as a full check (``exp`` is the only claim whose outcome
      changes with time in that direction: a token past its ``nbf``/``iat`` stays past them), and
    - the JWKS cache still holds *the very key object* that verified it. :class:`JwksCache` drops a key identity
      withdrew at its next refresh (``max_age_s``), after which the full check refuses the token ("unknown key");
      asking the JWKS cache for the key on every hit (a dict lookup, and the same refresh as a full check when
      due) keeps that: a withdrawn key's tokens are refused from the same moment as without the cache. A refresh
      builds new key objects, so each remembered token is checked in full once more after it, which is cheap.

    Revocation is not decided here: :class:`portal_gateway.authorize.Authorizer` asks the revocation guard on
    every request, remembered token or not.
    """

    def __init__(
        self,
        jwks: JwksCache,
        *,
        issuer: str,
        audience: str,
        leeway_s: int = 10,
        cache_size: int = VERIFIED_CACHE_SIZE,
        clock: WallClock = _wall_clock,
    ) -> None:
        self._jwks = jwks
        self._issuer = issuer
        self._audience = audience
        self._leeway_s = leeway_s
        self._cache_size = cache_size
        self._verified: OrderedDict[str, _Verified] = OrderedDict()
        self._claims = jwt.JWTClaimsRegistry(
            now=clock,
            leeway=leeway_s,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
        )

    @property
    def remembered(self) -> int:
        """How many verified tokens are remembered."""
        return len(self._verified)

    async def verify(self, token: str | None) -> Principal:
        if token is None:
            raise MissingToken()
        known = self._verified.get(token)
        if known is not None:
            if known.exp <= self._claims.now - self._leeway_s:  # joserfc's rule for an expired token
                self._verified.pop(token, None)
                raise InvalidToken("The access token has expired.", fr="Le jeton d'accès est expiré.")
            if await self._published(known.kid) is known.key:
                self._remember(token, known)
                return known.principal
            self._verified.pop(token, None)  # its key was refreshed or withdrawn: checked in full below
        kid, key = await self._key_for(token)
        try:
            claims = jwt.decode(token, key, algorithms=[ALGORITHM]).claims
        except BadSignatureError:
            raise InvalidToken(
                "The access token signature is invalid (tampered or not issued by identity).",
                fr="La signature du jeton d'accès n'est pas valide (jeton altéré ou non émis par identity).",
            ) from None
        except JoseError:
            raise InvalidToken("The access token is malformed.", fr="Le jeton d'accès est mal formé.") from None
        self._check_claims(claims)
        principal = _principal(claims)
        self._remember(token, _Verified(principal, kid, key, float(claims["exp"])))
        return principal

    def _remember(self, token: str, verified: _Verified) -> None:
        self._verified[token] = verified
        self._verified.move_to_end(token)
        while len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)

    async def _key_for(self, token: str) -> tuple[str, OKPKey]:
        try:
            header = jws.extract_compact(token.encode()).protected
        except (JoseError, ValueError, UnicodeError):
            raise InvalidToken(
                "The access token is not a signed JWT.", fr="Le jeton d'accès n'est pas un JWT signé."
            ) from None
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(
                f"The access token must be signed with {ALGORITHM}.",
                fr=f"Le jeton d'accès doit être signé avec {ALGORITHM}.",
            )
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken(
                "The access token header names no key (kid).",
                fr="L'en-tête du jeton d'accès ne nomme aucune clé (kid).",
            )
        key = await self._published(kid)
        if key is None:
            raise InvalidToken(
                "The access token is signed by an unknown key.", fr="Le jeton d'accès est signé par une clé inconnue."
            )
        return kid, key

    async def _published(self, kid: str) -> OKPKey | None:
        try:
            return await self._jwks.key(kid)
        except JwksUnavailable as exc:
            raise UpstreamUnavailable(
                "The identity keys needed to check access tokens cannot be fetched.",
                fr="Les clés du service identity nécessaires à la vérification des jetons d'accès ne peuvent pas "
                "être obtenues.",
                component="identity",
            ) from exc

    def _check_claims(self, claims: dict[str, Any]) -> None:
        try:
            self._claims.validate(claims)
        except ExpiredTokenError:
            raise InvalidToken("The access token has expired.", fr="Le jeton d'accès est expiré.") from None
        except MissingClaimError as exc:
            raise InvalidToken(
                f"The access token lacks the claim(s) {exc.claim}.",
                fr=f"Il manque au jeton d'accès la ou les revendications {exc.claim}.",
            ) from None
        except InvalidClaimError as exc:
            detail, detail_fr = _claim_detail(exc.claim, self._issuer, self._audience)
            raise InvalidToken(detail, fr=detail_fr) from None
        scope = claims.get("scope", "")
        if not isinstance(scope, str) or not isinstance(claims.get("mfa", False), bool):
            raise InvalidToken(
                "The access token has a malformed scope or mfa claim.",
                fr="Le jeton d'accès a une revendication scope ou mfa mal formée.",
            )
        business, accounts = claims.get("business"), claims.get("program_accounts")
        if business is not None and not isinstance(business, str):
            raise InvalidToken(
                "The access token has a malformed business claim.",
                fr="Le jeton d'accès a une revendication business mal formée.",
            )
        if accounts is not None and not (isinstance(accounts, list) and all(isinstance(a, str) for a in accounts)):
            raise InvalidToken(
                "The access token has a malformed program_accounts claim.",
                fr="Le jeton d'accès a une revendication program_accounts mal formée.",
            )


def _claim_detail(claim: str, issuer: str, audience: str) -> tuple[str, str]:
    """What is wrong with an invalid claim, in English and in French."""
    if claim == "aud":
        return (
            f"The access token is not meant for this API (audience must be {audience}).",
            f"Le jeton d'accès n'est pas destiné à cette API (l'audience doit être {audience}).",
        )
    if claim == "iss":
        return f"The access token was not issued by {issuer}.", f"Le jeton d'accès n'a pas été émis par {issuer}."
    if claim in ("nbf", "iat"):
        return "The access token is not valid yet.", "Le jeton d'accès n'est pas encore valide."
    return f"The access token claim {claim} is invalid.", f"La revendication {claim} du jeton d'accès n'est pas valide."


def _principal(claims: dict[str, Any]) -> Principal:
    client_id = claims.get("client_id") if isinstance(claims.get("client_id"), str) else None
    subject = str(claims["sub"])
    # client_credentials tokens (RFC 9068): the client is its own subject.
    is_client = client_id is not None and subject == client_id
    accounts = claims.get("program_accounts")
    return Principal(
        subject=f"client:{client_id}" if is_client else subject,
        subject_type="client" if is_client else "user",
        scopes=frozenset(claims.get("scope", "").split()),
        mfa=bool(claims.get("mfa", False)),
        client_id=client_id,
        business=claims.get("business"),
        program_accounts=frozenset(accounts) if accounts is not None else None,
        token_id=_text(claims.get("jti")),
        session_id=_text(claims.get("sid")),
        issued_at=_numeric(claims.get("iat")),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _numeric(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
