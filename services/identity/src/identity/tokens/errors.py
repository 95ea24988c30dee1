from identity.errors import IdentityError


class OAuthError(IdentityError):
    """Token endpoint errors carry the RFC 6749 §5.2 members (`error`, `error_description`) next to ours."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail, error=self.code, error_description=detail)


class InvalidTokenRequest(OAuthError):
    code, title = "invalid_request", "The token request is malformed"


class UnsupportedGrantType(OAuthError):
    code, title = "unsupported_grant_type", "This grant type is not supported"


class InvalidGrant(OAuthError):
    code, title = "invalid_grant", "The refresh token is invalid, expired, revoked or already used"
