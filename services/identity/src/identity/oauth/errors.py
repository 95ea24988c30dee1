from identity.errors import IdentityError
from identity.tokens.errors import OAuthError


class InvalidScope(OAuthError):
    code, title = "invalid_scope", "The requested scope is invalid or more than allowed"


class InvalidTarget(OAuthError):
    code, title = "invalid_target", "The requested business or program accounts are not acceptable"


class UnauthorizedClient(OAuthError):
    code, title = "unauthorized_client", "This client may not use this grant type"


class InvalidAuthorizationRequest(OAuthError):
    """Refused before any redirect: the user is told, the client is not (RFC 6749 §4.1.2.1)."""

    code, title = "invalid_request", "The authorization request is invalid"


class UnsupportedResponseType(OAuthError):
    code, title = "unsupported_response_type", "Only response_type=code is supported"


class ConsentNeedsMfa(IdentityError):
    status, code, title = 403, "mfa_required", "Sign in with MFA to authorize an application"


class ConsentNeedsLogin(IdentityError):
    status, code, title = 403, "consent_needs_sign_in", "Consent is given from the portal sign-in only"
