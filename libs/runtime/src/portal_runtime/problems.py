"""RFC 9457 problem responses with a stable ``code`` and the ``request_id``.

Every service raises subclasses of :class:`PortalError`; one handler renders them. Validation errors become a
422 problem listing each field that is wrong (``errors``), so integrators see what to fix.

Problems are written in both official languages: ``title``, ``detail``, ``remediation`` and each field error's
``message`` come in French when the request's ``Accept-Language`` ranks French first
(:data:`portal_runtime.language.current_language`), with ``Content-Language`` saying which. Each error class has
a ``title_fr``, each place that writes a detail gives its French (``fr=``), and pydantic's field messages are
translated by their error type (:data:`FIELD_MESSAGES_FR`; services add the types of their own validators with
:func:`add_field_messages_fr`). ``portal_runtime.testing.bilingual`` finds any place that speaks English only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from portal_runtime.language import Language, current_language
from portal_runtime.requestid import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://carm-portal.dev/problems/"


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. `address.city`.")
    message: str
    code: str = "invalid"
    _message_fr: str | None = PrivateAttr(default=None)

    def __init__(self, *, fr: str | None = None, **fields: Any) -> None:
        """``fr``: the message in French (else :data:`FIELD_MESSAGES_FR` by ``code``, else the English one)."""
        super().__init__(**fields)
        self._message_fr = fr

    def in_language(self, language: Language) -> FieldError:
        if language != "fr":
            return self
        if self._message_fr is not None:
            return self.model_copy(update={"message": self._message_fr})
        french = FIELD_MESSAGES_FR.get(self.code)  # a template needing no context only
        return self.model_copy(update={"message": french}) if french and "{" not in french else self


class Problem(BaseModel):
    """RFC 9457 problem details, extended with `code`, `request_id`, `errors` and `remediation`.

    Problem types may carry further members (RFC 9457 §3.2), e.g. `missing_scope` or `attempts_remaining`."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    code: str
    request_id: str = ""
    errors: list[FieldError] | None = None
    remediation: str | None = None
    component: str | None = Field(default=None, description="The component that failed, on 502/503/504.")


class PortalError(Exception):
    """Base of every domain and infrastructure error that reaches an API caller.

    ``detail`` and ``remediation`` in English, ``fr`` and ``remediation_fr`` the same in French; a subclass sets
    ``title`` and ``title_fr`` together."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"
    title_fr: str = "Requête incorrecte"

    def __init__(
        self,
        detail: str | None = None,
        *,
        fr: str | None = None,
        code: str | None = None,
        errors: list[FieldError] | None = None,
        remediation: str | None = None,
        remediation_fr: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        if code is not None:
            self.code = code
        self.detail = detail
        self.detail_fr = fr
        self.errors = errors
        self.remediation = remediation
        self.remediation_fr = remediation_fr
        self.headers = headers
        self.extra = extra


class NotFound(PortalError):
    status, code, title, title_fr = 404, "not_found", "Not found", "Introuvable"


class Conflict(PortalError):
    status, code, title, title_fr = 409, "conflict", "Conflict", "Conflit"


class Forbidden(PortalError):
    status, code, title, title_fr = 403, "forbidden", "Forbidden", "Interdit"


class Unauthorized(PortalError):
    status, code, title, title_fr = 401, "unauthorized", "Authentication required", "Authentification requise"


class Unprocessable(PortalError):
    status, code, title, title_fr = 422, "validation_failed", "The request is not valid", "La requête n'est pas valide"


class ServiceUnavailable(PortalError):
    status, code, title, title_fr = 503, "service_unavailable", "Service unavailable", "Service indisponible"


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    title_fr: str | None = None,
    detail_fr: str | None = None,
    errors: list[FieldError] | None = None,
    remediation: str | None = None,
    remediation_fr: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """The problem in the request's language: French when it asks for it and the French is given."""
    language: Language = "fr" if current_language.get() == "fr" and title_fr is not None else "en"
    if language == "fr":
        title = title_fr or title
        detail = detail_fr if detail_fr is not None else detail
        remediation = remediation_fr if remediation_fr is not None else remediation
        errors = [error.in_language("fr") for error in errors] if errors else errors
    body = Problem(
        type=TYPE_BASE + code.replace("_", "-"),
        title=title,
        status=status,
        detail=detail,
        code=code,
        request_id=current_request_id.get(),
        errors=errors,
        remediation=remediation,
        **extra,
    ).model_dump(exclude_none=True)
    headers = {**(headers or {}), "Content-Language": language}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "request")


# pydantic's field messages in French, by error type; ``{name}`` is filled from the error's context.
FIELD_MESSAGES_FR: dict[str, str] = {
    "missing": "Champ obligatoire",
    "extra_forbidden": "Champ non permis",
    "string_type": "Une chaîne de caractères est attendue",
    "string_too_short": "Au moins {min_length} caractère(s)",
    "string_too_long": "Au plus {max_length} caractère(s)",
    "string_pattern_mismatch": "Ne correspond pas au format attendu : {pattern}",
    "int_type": "Un nombre entier est attendu",
    "int_parsing": "Un nombre entier est attendu",
    "int_from_float": "Un nombre entier est attendu, sans partie fractionnaire",
    "float_type": "Un nombre est attendu",
    "float_parsing": "Un nombre est attendu",
    "decimal_type": "Un nombre décimal est attendu",
    "decimal_parsing": "Un nombre décimal est attendu",
    "decimal_max_digits": "Au plus {max_digits} chiffres",
    "decimal_max_places": "Au plus {decimal_places} décimale(s)",
    "decimal_whole_digits": "Au plus {whole_digits} chiffres avant la virgule",
    "bool_type": "Une valeur booléenne (true ou false) est attendue",
    "bool_parsing": "Une valeur booléenne (true ou false) est attendue",
    "greater_than": "Doit être supérieur à {gt}",
    "greater_than_equal": "Doit être supérieur ou égal à {ge}",
    "less_than": "Doit être inférieur à {lt}",
    "less_than_equal": "Doit être inférieur ou égal à {le}",
    "multiple_of": "Doit être un multiple de {multiple_of}",
    "literal_error": "Valeur attendue : {expected}",
    "enum": "Valeur attendue : {expected}",
    "date_type": "Une date AAAA-MM-JJ est attendue",
    "date_parsing": "Une date AAAA-MM-JJ est attendue",
    "date_from_datetime_parsing": "Une date AAAA-MM-JJ est attendue",
    "date_from_datetime_inexact": "Une date AAAA-MM-JJ est attendue, sans heure",
    "datetime_type": "Un horodatage RFC 3339 est attendu",
    "datetime_parsing": "Un horodatage RFC 3339 est attendu",
    "datetime_from_date_parsing": "Un horodatage RFC 3339 est attendu",
    "timezone_aware": "L'horodatage doit indiquer son fuseau horaire",
    "too_short": "Au moins {min_length} élément(s)",
    "too_long": "Au plus {max_length} élément(s)",
    "list_type": "Une liste est attendue",
    "set_type": "Une liste est attendue",
    "dict_type": "Un objet JSON est attendu",
    "model_type": "Un objet JSON est attendu",
    "model_attributes_type": "Un objet JSON est attendu",
    "json_invalid": "JSON non valide : {error}",
    "json_type": "Du JSON est attendu",
    "uuid_type": "Un UUID est attendu",
    "uuid_parsing": "Un UUID est attendu",
    "url_type": "Une URL est attendue",
    "url_parsing": "Une URL valide est attendue",
    "url_scheme": "Schéma d'URL attendu : {expected_schemes}",
    "union_tag_invalid": "{discriminator} : valeur {tag} inconnue, attendue : {expected_tags}",
    "union_tag_not_found": "Le champ {discriminator} est obligatoire",
    "assertion_error": "Valeur non valide",
}


def add_field_messages_fr(messages: Mapping[str, str]) -> None:
    """French for a service's own error types (``PydanticCustomError``), ``{name}`` filled from their context."""
    FIELD_MESSAGES_FR.update(messages)


def _french(kind: str, context: Mapping[str, Any] | None) -> str | None:
    template = FIELD_MESSAGES_FR.get(kind)
    if template is None:
        return None
    # pydantic lists the expected values of a literal or an enum as "'a', 'b' or 'c'".
    values = {k: str(v).replace(" or ", " ou ") if k == "expected" else str(v) for k, v in (context or {}).items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return None


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    return [
        FieldError(
            field=_field_path(tuple(err.get("loc", ()))),
            message=err.get("msg", "invalid"),
            code=err.get("type", "invalid"),
            fr=_french(err.get("type", "invalid"), err.get("ctx")),
        )
        for err in exc.errors()
    ]


def field_errors_detail(errors: list[FieldError], language: Language = "en") -> str:
    """The problem's ``detail`` of a validation failure: its first five field errors."""
    return "; ".join(f"{e.field}: {e.in_language(language).message}" for e in errors[:5])


async def _portal_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PortalError)
    return portal_error_response(exc)


def portal_error_response(exc: PortalError) -> JSONResponse:
    """The problem response of a :class:`PortalError` (what the installed handler renders)."""
    return problem_response(
        exc.status,
        exc.code,
        exc.title,
        exc.detail,
        title_fr=exc.title_fr,
        detail_fr=exc.detail_fr,
        errors=exc.errors,
        remediation=exc.remediation,
        remediation_fr=exc.remediation_fr,
        headers=exc.headers,
        **exc.extra,
    )


async def _request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc)
    if any(e.code == "json_invalid" for e in errors):
        return problem_response(
            400,
            "malformed_json",
            "The body is not valid JSON",
            title_fr="Le corps de la requête n'est pas du JSON valide",
            errors=errors,
        )
    return validation_problem(errors)


def validation_problem(errors: list[FieldError]) -> JSONResponse:
    """The 422 ``validation_failed`` problem listing ``errors``, its detail their first five."""
    return problem_response(
        422,
        Unprocessable.code,
        Unprocessable.title,
        field_errors_detail(errors),
        title_fr=Unprocessable.title_fr,
        detail_fr=field_errors_detail(errors, "fr"),
        errors=errors,
    )


# Starlette's own refusals (before a route runs): code, title, title in French.
_HTTP_CODES: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "Bad request", "Requête incorrecte"),
    401: ("unauthorized", "Unauthorized", "Authentification requise"),
    403: ("forbidden", "Forbidden", "Interdit"),
    404: ("not_found", "Not found", "Introuvable"),
    405: ("method_not_allowed", "Method not allowed", "Méthode non permise"),
    406: ("not_acceptable", "Not acceptable", "Format de réponse non disponible"),
    409: ("conflict", "Conflict", "Conflit"),
    413: ("payload_too_large", "Payload too large", "Corps de requête trop volumineux"),
    415: ("unsupported_media_type", "Unsupported media type", "Type de contenu non pris en charge"),
    429: ("rate_limited", "Rate limited", "Trop de requêtes"),
}


# What FastAPI says in its own refusals, in French.
_FRAMEWORK_DETAILS_FR = {
    "There was an error parsing the body": "Le corps de la requête n'a pas pu être lu",
}


async def _http_exception(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, title, title_fr = _HTTP_CODES.get(exc.status_code, ("http_error", "Http error", "Erreur HTTP"))
    # Starlette's detail is its English phrase for the status; said again in French, it would say the title again.
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail.lower() != title.lower() else None
    return problem_response(
        exc.status_code,
        code,
        title,
        detail,
        title_fr=title_fr,
        detail_fr=_FRAMEWORK_DETAILS_FR.get(detail or ""),
        headers=getattr(exc, "headers", None),
    )


def internal_error_response() -> JSONResponse:
    return problem_response(
        500,
        "internal_error",
        "Internal error",
        "An unexpected error occurred; quote the request id when reporting it.",
        title_fr="Erreur interne",
        detail_fr="Une erreur inattendue s'est produite; citez l'identifiant de la requête en la signalant.",
    )


async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
    return internal_error_response()  # reached only by apps without RequestIdMiddleware, which renders it itself


async def _database_busy(_: Request, exc: Exception) -> JSONResponse:
    """Every pooled database connection stayed in use for the pool timeout: the service is saturated, not broken."""
    return problem_response(
        503,
        "database_busy",
        "Database busy",
        "Every database connection of this service is in use; retry shortly.",
        title_fr="Base de données occupée",
        detail_fr="Toutes les connexions à la base de données de ce service sont occupées; réessayez sous peu.",
        headers={"Retry-After": "1"},
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PortalError, _portal_error)
    app.add_exception_handler(PoolTimeout, _database_busy)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unhandled)


_DESCRIPTIONS = {
    400: "Malformed request (e.g. the body is not JSON)",
    401: "Missing or invalid credentials",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict with the current state",
    410: "Gone",
    412: "The resource changed since it was read (If-Match)",
    422: "Validation failed; `errors` names each field",
    423: "Locked",
    428: "If-Match is required: GET the resource for its ETag and send it back",
    429: "Too many requests",
    500: "Unexpected error",
    503: "A component is unavailable",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries documenting the problem responses a route can return."""
    return {
        s: {
            "model": Problem,
            "description": _DESCRIPTIONS.get(s, "Problem"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }


PROBLEM_RESPONSES = problems(400, 422, 500)
