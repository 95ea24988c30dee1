"""The problems the gateway itself answers with (RFC 9457, rendered by ``portal_runtime.problems``)."""

from __future__ import annotations

from portal_runtime.problems import Forbidden, PortalError, ServiceUnavailable, Unauthorized


class RouteTableError(Exception):
    """The OpenAPI documents do not make a safe route table; the gateway refuses to start."""


class MissingToken(Unauthorized):
    def __init__(self) -> None:
        super().__init__(
            "This operation needs an access token: send `Authorization: Bearer <token>`.",
            fr="Cette opération exige un jeton d'accès : envoyez `Authorization: Bearer <jeton>`.",
            headers={"WWW-Authenticate": 'Bearer realm="portal-api"'},
        )


class InvalidToken(Unauthorized):
    code, title, title_fr = "invalid_token", "Invalid access token", "Jeton d'accès non valide"

    def __init__(self, detail: str, *, fr: str) -> None:
        # RFC 6750 section 3: the challenge names the error; the detail says which check failed. The challenge is
        # for the client library, not for people: it stays in English whatever the language of the problem.
        challenge = f'Bearer realm="portal-api", error="invalid_token", error_description="{detail}"'
        super().__init__(detail, fr=fr, headers={"WWW-Authenticate": challenge})


class NotAssociated(Forbidden):
    code, title, title_fr = "not_associated", "Not associated with this business", "Non associé à cette entreprise"


class MissingScope(Forbidden):
    code, title, title_fr = "missing_scope", "Missing scope", "Portée manquante"


class MethodNotAllowed(PortalError):
    status, code, title, title_fr = 405, "method_not_allowed", "Method not allowed", "Méthode non permise"


class PayloadTooLarge(PortalError):
    status, code, title, title_fr = (
        413,
        "payload_too_large",
        "Request body too large",
        "Corps de requête trop volumineux",
    )

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The request body is larger than the {limit} bytes the API accepts.",
            fr=f"Le corps de la requête dépasse les {limit} octets que l'API accepte.",
            remediation="Send a smaller body: limit_bytes is this operation's limit (its 413 response in the API "
            "document states it too).",
            remediation_fr="Envoyez un corps plus petit : limit_bytes est la limite de cette opération (sa réponse 413 "
            "dans le document de l'API l'indique aussi).",
            limit_bytes=limit,
        )


class UriTooLong(PortalError):
    status, code, title, title_fr = 414, "uri_too_long", "Request target too long", "Cible de la requête trop longue"

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"The request's path and query are {length} bytes long; the API accepts at most {limit}.",
            fr=f"Le chemin et la requête (query) font {length} octets; l'API en accepte au plus {limit}.",
            remediation="Shorten the query: page with limit and cursor rather than listing identifiers in it.",
            remediation_fr="Raccourcissez la requête : paginez avec limit et cursor plutôt que d'y énumérer des "
            "identifiants.",
            limit_bytes=limit,
        )


class HeaderFieldsTooLarge(PortalError):
    status, code, title, title_fr = (
        431,
        "request_header_fields_too_large",
        "Request header fields too large",
        "Champs d'en-tête de la requête trop volumineux",
    )

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"The request's headers take {size} bytes; the API accepts at most {limit}.",
            fr=f"Les en-têtes de la requête occupent {size} octets; l'API en accepte au plus {limit}.",
            remediation="Send fewer or smaller headers; the API needs only Authorization and a few standard ones.",
            remediation_fr="Envoyez moins d'en-têtes ou des en-têtes plus petits; l'API n'a besoin que "
            "d'Authorization et de quelques en-têtes standard.",
            limit_bytes=limit,
        )


class RequestTimeout(PortalError):
    status, code, title, title_fr = 408, "request_timeout", "Request not received in time", "Requête non reçue à temps"

    def __init__(self, timeout_s: float, *, body: bool = False) -> None:
        if body:
            detail = f"The request's body stopped arriving: nothing came for {timeout_s:g} s. Nothing was done."
            detail_fr = f"Le corps de la requête a cessé d'arriver : rien pendant {timeout_s:g} s. Rien n'a été fait."
        else:
            detail = (
                f"The request's line and headers did not all arrive within {timeout_s:g} s of its first byte (or of "
                "the connection)."
            )
            detail_fr = (
                f"La ligne de requête et les en-têtes ne sont pas tous arrivés dans les {timeout_s:g} s suivant leur "
                "premier octet (ou la connexion)."
            )
        super().__init__(
            detail + " The connection is closed.",
            fr=detail_fr + " La connexion est fermée.",
            remediation="Send the request again, on a new connection, without pausing in its middle.",
            remediation_fr="Renvoyez la requête, sur une nouvelle connexion, sans pause en son milieu.",
            timeout_s=timeout_s,
            part="body" if body else "head",
        )


class UpstreamUnavailable(ServiceUnavailable):
    """A component cannot be reached (connection refused, connect timeout, pool exhausted)."""


class UpstreamTimeout(PortalError):
    status, code, title, title_fr = 504, "upstream_timeout", "Upstream timeout", "Délai de réponse du service dépassé"


class BadGateway(PortalError):
    status, code, title, title_fr = 502, "bad_gateway", "Bad gateway", "Réponse non valide d'un service"


class GatewayInternalError(PortalError):
    status, code, title, title_fr = 500, "internal_error", "Internal error", "Erreur interne"
