from identity.errors import IdentityError


class ApiClientNotFound(IdentityError):
    status, code, title, title_fr = 404, "api_client_not_found", "API client not found", "Client d'API introuvable"


class NotThisBusiness(IdentityError):
    status, code, title = 403, "not_acting_for_business", "Not acting for this business"
    title_fr = "Vous n'agissez pas pour cette entreprise"


class InvalidClient(IdentityError):
    """RFC 6749 §5.2 ``invalid_client``: unknown client, wrong or rotated secret, revoked client.

    ``error_description`` stays in English: RFC 6749 allows it ASCII characters only."""

    status, code, title = 401, "invalid_client", "Client authentication failed"
    title_fr = "L'authentification du client a échoué"

    def __init__(self, detail: str | None = None, *, fr: str | None = None) -> None:
        if detail is None:
            detail, fr = "Client authentication failed.", "L'authentification du client a échoué."
        super().__init__(
            detail,
            fr=fr,
            error=self.code,
            error_description=detail,
            headers={"WWW-Authenticate": 'Basic realm="portal-oauth"'},
        )
