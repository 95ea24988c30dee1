from identity.errors import IdentityError


class OAuthError(IdentityError):
    """Token endpoint errors carry the RFC 6749 §5.2 members (`error`, `error_description`) next to ours.

    ``error`` is the RFC's code and ``error_description`` stays in English (the RFC allows it ASCII characters
    only); ``detail`` follows Accept-Language like any problem's (``fr``)."""

    status = 400

    def __init__(self, detail: str, *, fr: str | None = None) -> None:
        super().__init__(detail, fr=fr, error=self.code, error_description=detail)


class InvalidTokenRequest(OAuthError):
    code, title = "invalid_request", "The token request is malformed"
    title_fr = "La requête de jeton est mal formée"


class UnsupportedGrantType(OAuthError):
    code, title = "unsupported_grant_type", "This grant type is not supported"
    title_fr = "Ce type d'autorisation n'est pas pris en charge"


class InvalidGrant(OAuthError):
    code, title = "invalid_grant", "The refresh token is invalid, expired, revoked or already used"
    title_fr = "Le jeton d'actualisation n'est pas valide, a expiré, a été révoqué ou a déjà été utilisé"
