"""The OAuth 2 / OIDC grants beyond refresh: client credentials, authorization code + PKCE, token exchange;
and introspection (RFC 7662) and revocation (RFC 7009)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.clients.models import Client
from identity.clients.schemas import OPENID
from identity.clients.service import API_CLIENT, ClientRegistry
from identity.errors import after_commit
from identity.oauth.errors import (
    ConsentNeedsLogin,
    ConsentNeedsMfa,
    InvalidAuthorizationRequest,
    InvalidScope,
    InvalidTarget,
    UnauthorizedClient,
    UnsupportedResponseType,
)
from identity.oauth.models import AuthorizationCode, RevokedAccessToken
from identity.oauth.schemas import Consent, ConsentRequest, Introspection
from identity.tokens.errors import InvalidGrant, InvalidTokenRequest
from identity.tokens.models import RefreshToken
from identity.tokens.revocation import access_token_revoked, login_revoked, revocation_reason
from identity.tokens.schemas import TokenRead
from identity.tokens.service import TokenIssuer, refresh_token_digest
from portal_contracts.scopes import ALL_SCOPES
from portal_runtime.messaging import UnitOfWork

ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
BUSINESS_RESOURCE = "urn:portal:business:"
BN9 = re.compile(r"[0-9]{9}")
BN15 = re.compile(r"[0-9]{9}RM[0-9]{4}")
PKCE_VALUE = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def requested_scopes(raw: str | None) -> list[str] | None:
    return sorted(set(raw.split())) if raw and raw.strip() else None


@dataclass(frozen=True)
class AuthorizationRequest:
    client: Client
    redirect_uri: str
    scopes: list[str]
    state: str | None
    code_challenge: str
    nonce: str | None

    def consent_request(self) -> ConsentRequest:
        return ConsentRequest(
            client_id=self.client.client_id,
            client_name=self.client.name,
            scopes=self.scopes,
            redirect_uri=self.redirect_uri,
            state=self.state,
        )

    def redirect(self, **params: str) -> str:
        if self.state is not None:
            params["state"] = self.state
        separator = "&" if "?" in self.redirect_uri else "?"
        return f"{self.redirect_uri}{separator}{urlencode(params)}"


@dataclass(frozen=True)
class OAuthServer:
    session: AsyncSession
    clients: ClientRegistry
    issuer: TokenIssuer
    client_access_token_ttl_s: int
    authorization_code_ttl_s: int

    def _now(self) -> datetime:
        return self.issuer.clock()

    # -- client credentials ------------------------------------------------------------------------------------

    def client_credentials(self, client: Client, scope: str | None) -> TokenRead:
        """A business's API client acting for that business only, with (a subset of) its scopes."""
        if client.kind != API_CLIENT or client.business is None:
            raise UnauthorizedClient(
                "Only API clients of a business use the client_credentials grant.",
                fr="Seuls les clients d'API d'une entreprise utilisent l'autorisation client_credentials.",
            )
        scopes = requested_scopes(scope) or client.scope_list
        if not set(scopes) <= set(client.scope_list):
            raise InvalidScope(
                "The client asked for scopes it was not given.",
                fr="Le client a demandé des portées qui ne lui ont pas été accordées.",
            )
        client.last_used_at = self._now()
        ttl = self.client_access_token_ttl_s
        access_token = self.issuer.keys.issue_access_token(
            client.client_id,
            scopes=scopes,
            ttl_s=ttl,
            extra={"client_id": client.client_id, "business": client.business, "mfa": False},
            # Tokens issued before a rotation are revoked (the gateway compares iat in whole seconds): one issued
            # with the new secret in the same second is dated from the next one.
            not_issued_before=client.secret_rotated_at.timestamp() if client.secret_rotated_at else None,
        )
        return TokenRead(access_token=access_token, expires_in=ttl, scope=" ".join(scopes))

    # -- authorization code + PKCE -----------------------------------------------------------------------------

    async def authorization_request(self, params: dict[str, str | None]) -> AuthorizationRequest:
        client_id = params.get("client_id") or ""
        client = await self.clients.active(client_id)
        if client is None or client.kind == API_CLIENT:
            raise InvalidAuthorizationRequest("Unknown or revoked client_id.", fr="client_id inconnu ou révoqué.")
        redirect_uri = params.get("redirect_uri") or ""
        if redirect_uri not in client.redirect_uri_list:
            raise InvalidAuthorizationRequest(
                "redirect_uri is not one the client registered (exact match).",
                fr="redirect_uri n'est pas une de celles que le client a enregistrées (correspondance exacte).",
            )
        if params.get("response_type") != "code":
            raise UnsupportedResponseType("response_type must be code.", fr="response_type doit valoir code.")
        challenge = params.get("code_challenge") or ""
        if params.get("code_challenge_method") != "S256" or not PKCE_VALUE.fullmatch(challenge):
            raise InvalidAuthorizationRequest(
                "PKCE is required: code_challenge with code_challenge_method=S256.",
                fr="PKCE est obligatoire : code_challenge avec code_challenge_method=S256.",
            )
        scopes = requested_scopes(params.get("scope"))
        if scopes is None or not set(scopes) <= set(client.scope_list):
            raise InvalidScope(
                "scope must name scopes the client is registered for.",
                fr="scope doit nommer des portées pour lesquelles le client est enregistré.",
            )
        return AuthorizationRequest(client, redirect_uri, scopes, params.get("state"), challenge, params.get("nonce"))

    async def consent(
        self,
        request: AuthorizationRequest,
        user_id: str,
        user_scopes: list[str],
        mfa: bool,
        token_client_id: str | None,
        consent: Consent,
    ) -> str:
        """The redirect the user's answer leads to: a code, or ``access_denied``.

        Consent is given with the portal's own (first-party) token only: the gateway forwards the ``client_id`` of
        the token, and every token an application obtains (authorization code, its refreshes and exchanges) names
        it, so an application holding a user's token cannot consent for them. A token whose sign-in was revoked
        never gets here (the gateway's revocation denylist refuses it).
        """
        if not mfa:
            raise ConsentNeedsMfa(
                "Complete the sign-in with a one-time code first.",
                fr="Terminez d'abord l'ouverture de session avec un code à usage unique.",
            )
        if token_client_id is not None:
            raise ConsentNeedsLogin(
                f"Consent is given from the portal sign-in, not with a token issued to application {token_client_id}.",
                fr="Le consentement se donne à partir de la session ouverte dans le portail, non avec un jeton délivré "
                f"à l'application {token_client_id}.",
            )
        if not consent.consent:
            return request.redirect(error="access_denied")
        # Never more than the user's own token carries.
        scopes = [s for s in request.scopes if s == OPENID or s in user_scopes]
        code = secrets.token_urlsafe(32)
        now = self._now()
        self.session.add(
            AuthorizationCode(
                code_hash=refresh_token_digest(code),
                client_id=request.client.client_id,
                user_id=user_id,
                redirect_uri=request.redirect_uri,
                scopes=" ".join(scopes),
                code_challenge=request.code_challenge,
                nonce=request.nonce,
                issued_at=now,
                expires_at=now + timedelta(seconds=self.authorization_code_ttl_s),
            )
        )
        return request.redirect(code=code)

    async def authorization_code(self, uow: UnitOfWork, client: Client, form: dict[str, str]) -> TokenRead:
        if client.kind == API_CLIENT:
            raise UnauthorizedClient(
                "API clients use the client_credentials grant.",
                fr="Les clients d'API utilisent l'autorisation client_credentials.",
            )
        presented = form.get("code")
        if not presented:
            raise InvalidTokenRequest("The code parameter is required.", fr="Le paramètre code est obligatoire.")
        now = self._now()
        code = (
            await self.session.execute(
                select(AuthorizationCode)
                .where(AuthorizationCode.code_hash == refresh_token_digest(presented))
                .with_for_update()
            )
        ).scalar_one_or_none()
        if code is None:
            raise InvalidGrant("The authorization code is invalid.", fr="Le code d'autorisation n'est pas valide.")
        claimed = await self.session.execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.code_hash == code.code_hash, AuthorizationCode.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            await self._revoke_tokens_of_code(uow, code, now)
            raise after_commit(
                InvalidGrant(
                    "The authorization code was already used; its tokens are revoked.",
                    fr="Le code d'autorisation a déjà été utilisé; ses jetons sont révoqués.",
                )
            )
        # From here the code is spent whatever the outcome (a failed attempt must not leave it usable).
        verifier = form.get("code_verifier") or ""
        if code.client_id != client.client_id:
            raise after_commit(
                InvalidGrant(
                    "The authorization code was issued to another client.",
                    fr="Le code d'autorisation a été délivré à un autre client.",
                )
            )
        if code.expires_at <= now:
            raise after_commit(
                InvalidGrant("The authorization code has expired.", fr="Le code d'autorisation a expiré.")
            )
        if form.get("redirect_uri") != code.redirect_uri:
            raise after_commit(
                InvalidGrant(
                    "redirect_uri does not match the authorization request.",
                    fr="redirect_uri ne correspond pas à la demande d'autorisation.",
                )
            )
        if not PKCE_VALUE.fullmatch(verifier) or not hmac.compare_digest(s256(verifier), code.code_challenge):
            raise after_commit(
                InvalidGrant(
                    "The PKCE code_verifier is missing or does not match.",
                    fr="Le code_verifier PKCE manque ou ne correspond pas.",
                )
            )
        scopes = code.scopes.split()
        refresh_token, session_id = self.issuer.issue_for_client(uow, code.user_id, client.client_id, scopes)
        code.session_id = session_id
        tokens = self.issuer.client_tokens(code.user_id, session_id, client.client_id, scopes, refresh_token)
        if OPENID in scopes:
            tokens.id_token = self._id_token(code, client.client_id)
        client.last_used_at = now
        return tokens

    def _id_token(self, code: AuthorizationCode, client_id: str) -> str:
        now = int(self._now().timestamp())
        claims: dict[str, Any] = {
            "iss": self.issuer.keys.issuer,
            "sub": code.user_id,
            "aud": client_id,
            "azp": client_id,
            "iat": now,
            "exp": now + self.issuer.keys.access_token_ttl_s,
            "auth_time": int(code.issued_at.timestamp()),
            "amr": ["pwd", "otp"],
        }
        if code.nonce is not None:
            claims["nonce"] = code.nonce
        return self.issuer.keys.sign(claims)

    async def _revoke_tokens_of_code(self, uow: UnitOfWork, code: AuthorizationCode, now: datetime) -> None:
        """RFC 6749 §4.1.2: a code used twice revokes the tokens issued for it (access tokens included)."""
        if code.session_id is None:
            return
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.session_id == code.session_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        login_revoked(
            uow, code.session_id, code.user_id, "authorization_code_reused", now, self.issuer.keys.access_token_ttl_s
        )

    # -- token exchange (RFC 8693) -----------------------------------------------------------------------------

    async def token_exchange(self, client: Client | None, form: dict[str, str]) -> TokenRead:
        """A user's access token narrowed to one business, chosen program accounts and fewer scopes."""
        if form.get("subject_token_type") != ACCESS_TOKEN_TYPE:
            raise InvalidTokenRequest(
                f"subject_token_type must be {ACCESS_TOKEN_TYPE}.",
                fr=f"subject_token_type doit valoir {ACCESS_TOKEN_TYPE}.",
            )
        if form.get("requested_token_type", ACCESS_TOKEN_TYPE) != ACCESS_TOKEN_TYPE:
            raise InvalidTokenRequest(
                "Only access tokens are issued by exchange.", fr="Seuls des jetons d'accès sont délivrés par échange."
            )
        subject = await self.active_access_token(form.get("subject_token") or "")
        if subject is None:
            raise InvalidGrant(
                "The subject_token is invalid, expired or revoked.",
                fr="Le subject_token n'est pas valide, a expiré ou a été révoqué.",
            )
        if subject.get("client_id") is not None and subject.get("sub") == subject.get("client_id"):
            raise InvalidGrant(
                "An API client's token cannot be exchanged; it already acts for one business.",
                fr="Le jeton d'un client d'API ne peut pas être échangé; il agit déjà pour une entreprise.",
            )
        if client is not None and subject.get("client_id") not in (None, client.client_id):
            raise InvalidGrant(
                "The subject_token was issued to another client.",
                fr="Le subject_token a été délivré à un autre client.",
            )
        business = _target_business(form.get("audience"), form.get("resource"))
        if subject.get("business") not in (None, business):
            raise InvalidTarget(
                "The subject_token is restricted to another business.",
                fr="Le subject_token est restreint à une autre entreprise.",
            )
        accounts = sorted(set((form.get("program_accounts") or "").split()))
        if any(not BN15.fullmatch(a) or not a.startswith(business) for a in accounts):
            raise InvalidTarget(
                f"program_accounts must be BN15s of business {business}.",
                fr=f"program_accounts doit contenir des BN15 de l'entreprise {business}.",
            )
        held = subject.get("program_accounts")
        if held is not None and (not accounts or not set(accounts) <= set(held)):
            raise InvalidTarget(
                "The subject_token is restricted to other program accounts.",
                fr="Le subject_token est restreint à d'autres comptes de programme.",
            )
        subject_scopes = set(str(subject.get("scope", "")).split())
        scopes = requested_scopes(form.get("scope")) or sorted(subject_scopes)
        if not set(scopes) <= subject_scopes:
            raise InvalidScope(
                "The exchanged token cannot carry scopes the subject token does not have.",
                fr="Le jeton échangé ne peut pas porter de portées que le subject_token n'a pas.",
            )
        now = int(datetime.now(UTC).timestamp())
        ttl = max(1, min(self.issuer.keys.access_token_ttl_s, int(subject["exp"]) - now))  # never outlives it
        extra: dict[str, Any] = {"business": business, "mfa": bool(subject.get("mfa", False))}
        for claim in ("sid", "amr"):
            if claim in subject:
                extra[claim] = subject[claim]
        client_id = client.client_id if client is not None else subject.get("client_id")
        if client_id is not None:
            extra["client_id"] = client_id
        if accounts:
            extra["program_accounts"] = accounts
        access_token = self.issuer.keys.issue_access_token(str(subject["sub"]), scopes=scopes, ttl_s=ttl, extra=extra)
        return TokenRead(
            access_token=access_token, expires_in=ttl, scope=" ".join(scopes), issued_token_type=ACCESS_TOKEN_TYPE
        )

    # -- introspection and revocation --------------------------------------------------------------------------

    async def active_access_token(self, token: str) -> dict[str, Any] | None:
        """The claims of an access token that is signed by identity, unexpired, not revoked, and whose client (if
        any) is still active; None otherwise."""
        if not token:
            return None
        claims = await self.issuer.keys.decode(self.session, token)
        if claims is None:
            return None
        if await revocation_reason(self.session, claims) is not None:
            return None
        client_id = claims.get("client_id")
        if isinstance(client_id, str) and await self.clients.active(client_id) is None:
            return None
        return claims

    async def introspect(self, token: str, hint: str | None) -> Introspection:
        refresh = await self._refresh_token(token) if hint != "access_token" or "." not in token else None
        if refresh is not None:
            now = self._now()
            active = refresh.used_at is None and refresh.revoked_at is None and refresh.expires_at > now
            if active and refresh.client_id is not None:
                active = await self.clients.active(refresh.client_id) is not None
            if not active:
                return Introspection(active=False)
            return Introspection(
                active=True,
                token_type="refresh_token",
                sub=refresh.user_id,
                client_id=refresh.client_id,
                scope=refresh.scope if refresh.client_id else " ".join(sorted(ALL_SCOPES)),
                exp=int(refresh.expires_at.timestamp()),
                iat=int(refresh.issued_at.timestamp()),
            )
        claims = await self.active_access_token(token)
        if claims is None:
            return Introspection(active=False)
        return Introspection(
            active=True,
            token_type="access_token",
            sub=str(claims["sub"]),
            client_id=claims.get("client_id"),
            scope=claims.get("scope", ""),
            exp=int(claims["exp"]),
            iat=claims.get("iat"),
            business=claims.get("business"),
            program_accounts=claims.get("program_accounts"),
        )

    async def revoke(self, uow: UnitOfWork, client: Client, token: str) -> None:
        """RFC 7009: refresh tokens revoke their whole family (and its access tokens), access tokens go on the
        denylist by ``jti``; either way the gateway is told. Tokens of another client, unknown and invalid tokens
        are ignored (the caller learns nothing)."""
        now = self._now()
        refresh = await self._refresh_token(token)
        if refresh is not None:
            if refresh.client_id in (None, client.client_id):
                revoked = await self.session.execute(
                    update(RefreshToken)
                    .where(RefreshToken.family_id == refresh.family_id, RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=now)
                    .execution_options(synchronize_session=False)
                )
                if revoked.rowcount:  # type: ignore[attr-defined]
                    ttl = self.issuer.keys.access_token_ttl_s
                    login_revoked(uow, refresh.session_id, refresh.user_id, "login_revoked", now, ttl)
            return
        claims = await self.issuer.keys.decode(self.session, token)
        if claims is None or claims.get("client_id") not in (None, client.client_id) or not claims.get("jti"):
            return
        # Entries of expired tokens serve no purpose: each revocation sweeps them.
        await self.session.execute(delete(RevokedAccessToken).where(RevokedAccessToken.expires_at <= now))
        if await self.session.get(RevokedAccessToken, claims["jti"]) is None:
            expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
            self.session.add(RevokedAccessToken(jti=claims["jti"], expires_at=expires_at, revoked_at=now))
            access_token_revoked(uow, claims["jti"], expires_at, now)

    async def _refresh_token(self, token: str) -> RefreshToken | None:
        return (
            await self.session.execute(
                select(RefreshToken).where(RefreshToken.token_hash == refresh_token_digest(token))
            )
        ).scalar_one_or_none()


def _target_business(audience: str | None, resource: str | None) -> str:
    named = set()
    if audience:
        named.add(audience.removeprefix(BUSINESS_RESOURCE))
    if resource:
        named.add(resource.removeprefix(BUSINESS_RESOURCE))
    if len(named) != 1:
        raise InvalidTarget(
            f"Name one business as audience (BN9) or resource ({BUSINESS_RESOURCE}<BN9>).",
            fr=f"Nommez une seule entreprise comme audience (BN9) ou resource ({BUSINESS_RESOURCE}<BN9>).",
        )
    business = named.pop()
    if not BN9.fullmatch(business):
        raise InvalidTarget(
            "The business must be a 9-digit business number (BN9).",
            fr="L'entreprise doit être un numéro d'entreprise à 9 chiffres (BN9).",
        )
    return business
