from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response

from identity.tokens.dependencies import CurrentTokenIssuer
from identity.tokens.errors import InvalidTokenRequest, UnsupportedGrantType
from identity.tokens.schemas import TokenRead
from identity.transaction import use_case
from portal_runtime.access import Acting, access
from portal_runtime.problems import problems
from portal_runtime.service import Runtime

router = APIRouter(tags=["oauth"])

FORM = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 §5.1
MAX_FORM_BYTES = 8192

_FORM_SCHEMA = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["refresh_token"], "description": "Only `refresh_token` for now."},
        "refresh_token": {"type": "string", "description": "The refresh token from the last token response."},
    },
}


async def token_form(request: Request) -> dict[str, str]:
    """RFC 6749 parameters: form-encoded, each at most once."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        raise InvalidTokenRequest(f"Send the parameters as {FORM}.")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InvalidTokenRequest("The request body is too large.")
    try:
        parsed = parse_qs(body.decode("ascii"), keep_blank_values=True, strict_parsing=bool(body), max_num_fields=20)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidTokenRequest("The body is not a valid form-encoded parameter list.") from exc
    repeated = sorted(name for name, values in parsed.items() if len(values) > 1)
    if repeated:
        raise InvalidTokenRequest(f"Parameters given more than once: {', '.join(repeated)}.")
    return {name: values[0] for name, values in parsed.items()}


@router.post(
    "/v1/oauth/token",
    summary="OAuth 2 token endpoint: refresh grant with rotating refresh tokens",
    description=(
        "Form-encoded (RFC 6749 §3.2). `grant_type=refresh_token` returns a new access token and a new refresh "
        "token; the old one is spent. Presenting a spent refresh token revokes every token of that login "
        "(`invalid_grant`). Errors carry the OAuth `error` member too. Other grant types come later "
        "(`unsupported_grant_type`)."
    ),
    operation_id="create_token",
    responses=problems(400),
    openapi_extra={
        **access(Acting.PUBLIC),
        "requestBody": {"required": True, "content": {FORM: {"schema": _FORM_SCHEMA}}},
    },
)
async def create_token(request: Request, response: Response, runtime: Runtime, issuer: CurrentTokenIssuer) -> TokenRead:
    form = await token_form(request)
    grant_type = form.get("grant_type")
    if not grant_type:
        raise InvalidTokenRequest("The grant_type parameter is required.")
    if grant_type != "refresh_token":
        raise UnsupportedGrantType(f"The grant type {grant_type[:50]!r} is not supported.")
    refresh_token = form.get("refresh_token")
    if not refresh_token:
        raise InvalidTokenRequest("The refresh_token parameter is required.")
    async with use_case(runtime) as uow:
        tokens = await issuer.refresh(uow, refresh_token)
    response.headers.update(NO_STORE)
    return tokens
