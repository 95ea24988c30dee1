from identity.errors import IdentityError
from identity.tokens.errors import OAuthError


class InvalidScope(OAuthError):
    code, title = "invalid_scope", "The requested scope is invalid or more than allowed"
    title_fr = "La portée demandée n'est pas valide ou dépasse ce qui est permis"


class InvalidTarget(OAuthError):
    code, title = "invalid_target", "The requested business or program accounts are not acceptable"
    title_fr = "L'entreprise ou les comptes de programme demandés ne sont pas acceptables"


class UnauthorizedClient(OAuthError):
    code, title = "unauthorized_client", "This client may not use this grant type"
    title_fr = "Ce client ne peut pas utiliser ce type d'autorisation"


class InvalidAuthorizationRequest(OAuthError):
    """Refused before any redirect: the user is told, the client is not (RFC 6749 §4.1.2.1)."""

    code, title = "invalid_request", "The authorization request is invalid"
    title_fr = "La demande d'autorisation n'est pas valide"


class UnsupportedResponseType(OAuthError):
    code, title = "unsupported_response_type", "Only response_type=code is supported"
    title_fr = "Seul response_type=code est pris en charge"


class ConsentNeedsMfa(IdentityError):
    status, code, title = 403, "mfa_required", "Sign in with MFA to authorize an application"
    title_fr = "Ouvrez une session avec l'authentification à facteurs multiples pour autoriser une application"


class ConsentNeedsLogin(IdentityError):
    status, code, title = 403, "consent_needs_sign_in", "Consent is given from the portal sign-in only"
    title_fr = "Le consentement se donne uniquement à partir de la session ouverte dans le portail"
