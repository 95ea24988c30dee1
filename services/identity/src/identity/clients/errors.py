from identity.errors import IdentityError


class ApiClientNotFound(IdentityError):
    status, code, title = 404, "api_client_not_found", "API client not found"


class NotThisBusiness(IdentityError):
    status, code, title = 403, "not_acting_for_business", "Not acting for this business"


class InvalidClient(IdentityError):
    """RFC 6749 §5.2 ``invalid_client``: unknown client, wrong or rotated secret, revoked client."""

    status, code, title = 401, "invalid_client", "Client authentication failed"

    def __init__(self, detail: str = "Client authentication failed.") -> None:
        super().__init__(
            detail,
            error=self.code,
            error_description=detail,
            headers={"WWW-Authenticate": 'Basic realm="portal-oauth"'},
        )
