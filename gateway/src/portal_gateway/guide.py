"""The integrators' guide at the top of the developer portal: how to authenticate and the API's conventions.

Every endpoint it names is looked up by ``operationId`` in the services' committed contracts, so the guide
cannot name a path that does not exist: a renamed or removed operation fails the build of the document
(:class:`GuideError`) instead of leaving a stale instruction. Identity's operations are required; the others
(delegation's contexts, the conventions' examples) are named when their service is routed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from portal_gateway.routes import is_routed

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


class GuideError(LookupError):
    """An operation the guide names is not in the contracts."""


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    operation: dict[str, Any]

    def __str__(self) -> str:
        return f"`{self.method.upper()} {self.path}`"


class Catalogue:
    """The routed operations of the services' documents, by operationId."""

    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.by_id: dict[str, Operation] = {}
        for _service, operation in self._routed(documents):
            if "operationId" in operation.operation:
                self.by_id[operation.operation["operationId"]] = operation

    @staticmethod
    def _routed(documents: dict[str, dict[str, Any]]) -> Iterator[tuple[str, Operation]]:
        for service, document in documents.items():
            for path, operations in document.get("paths", {}).items():
                for method, operation in operations.items():
                    if is_routed(path, operation, method):
                        yield service, Operation(service, method, path, operation)

    def __getitem__(self, operation_id: str) -> Operation:
        try:
            return self.by_id[operation_id]
        except KeyError:
            raise GuideError(f"the guide names operation {operation_id!r}, which no routed contract has") from None

    def get(self, operation_id: str) -> Operation | None:
        return self.by_id.get(operation_id)

    def with_header(self, name: str) -> list[Operation]:
        """Operations taking the request header ``name`` (case-insensitive), in path order."""
        found = [
            op
            for op in self.by_id.values()
            if any(p.get("in") == "header" and p.get("name", "").lower() == name.lower() for p in _params(op))
        ]
        return sorted(found, key=lambda op: (op.path, op.method))

    def paged(self) -> list[Operation]:
        """GET operations taking ``cursor`` and ``limit``."""
        found = [
            op
            for op in self.by_id.values()
            if op.method == "get"
            and {"cursor", "limit"} <= {p.get("name") for p in _params(op) if p.get("in") == "query"}
        ]
        return sorted(found, key=lambda op: op.path)


def _params(operation: Operation) -> list[dict[str, Any]]:
    return list(operation.operation.get("parameters", []))


def _query(operation: Operation) -> set[str]:
    return {p.get("name", "") for p in _params(operation) if p.get("in") == "query"}


def _examples(operations: list[Operation], at_most: int = 4) -> str:
    names = [str(op) for op in operations[:at_most]]
    more = len(operations) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def authentication_guide(documents: dict[str, dict[str, Any]]) -> str:
    """Markdown: the four ways to get a token, then the conventions every call follows."""
    ops = Catalogue(documents)
    token = ops["create_token"]
    sections = [
        "## Authentication guide for integrators",
        "Every call goes to this gateway. Send the access token as `Authorization: Bearer <token>` on every "
        "operation marked with a lock; the others (registration, sign-in, the OAuth endpoints, public data) "
        "need none. Access tokens are short-lived Ed25519 JWTs the gateway verifies itself; it then asks the "
        "delegation service what the caller may do on the business named in the path. Pick the flow that "
        "matches who is calling:",
        _sign_in(ops, token),
        _authorization_code(ops, token),
        _client_credentials(ops, token),
        _token_exchange(ops, token),
        _try_it(ops, token),
        _conventions(ops),
    ]
    return "\n\n".join(sections) + "\n"


def _sign_in(ops: Catalogue, token: Operation) -> str:
    contexts = ops.get("list_my_contexts")
    where = (
        f" {contexts} lists the businesses and program accounts the user can act on, with role and scopes."
        if (contexts)
        else ""
    )
    return f"""### 1. Portal users: sign-in with MFA

For the portal's own frontends and for trying the API by hand.

1. Create a credential once: {ops["create_user"]} (rules per field in the 422 problem's `errors`).
2. Sign in: {ops["create_session"]} answers a `session_id` and the `next` step.
3. `next: mfa_enrolment` (first sign-in): {ops["enrol_mfa_email"]} with the MFA e-mail and `consent: true`; a \
six-digit code is e-mailed. `next: mfa`: a code was just e-mailed (new one: {ops["resend_mfa_code"]}); users with \
an authenticator app or a passkey use it instead ({ops["passkey_sign_in_options"]}).
4. Verify the second factor: {ops["verify_mfa_code"]} (`method`: `email`, `totp`, `webauthn` or `recovery_code`).
5. Accept the terms of use: {ops["decide_terms"]} with `accepted: true`; the answer carries `access_token`, \
`refresh_token` and `expires_in`. `next: profile` means {ops["put_my_profile"]} is still to do.
6. Refresh before expiry: {token} with `grant_type=refresh_token` (each refresh token is used once; replaying a \
spent one signs out the whole login). Sign out: {ops["revoke_token"]}.

Sign-in partners (OpenID Connect) start at {ops["create_federated_session"]} and continue with \
{ops["complete_federated_session"]}; MFA and the terms follow as above. {ops["get_me"]} describes the caller.{where}"""


def _authorization_code(ops: Catalogue, token: Operation) -> str:
    return f"""### 2. Third-party frontends: OAuth 2 authorization code with PKCE

For an application acting for a portal user who consents to it. The application is registered by the CBSA \
(its `client_id` and exact `redirect_uri`s); public clients have no secret.

1. Send the user's browser to the portal frontend's consent page with `response_type=code`, `client_id`, \
`redirect_uri`, `scope` (space-separated `function:action` scopes, plus `openid` for an ID token), `state`, \
`code_challenge` (S256 of a fresh `code_verifier`), `code_challenge_method=S256` and `nonce`.
2. That page, signed in, shows the request ({ops["get_authorization_request"]}) and posts the user's decision \
({ops["authorize"]}); the user's browser is redirected to `redirect_uri` with `code` and `state`.
3. Redeem the code within 60 s: {token} with `grant_type=authorization_code`, `code`, `redirect_uri`, \
`code_verifier` and `client_id` (confidential clients also `client_secret` in the form).

Discovery: {ops["get_openid_configuration"]}; signing keys: {ops["get_jwks"]}. A client checks a token with \
{ops["introspect_token"]} and withdraws one with {ops["revoke_token"]}."""


def _client_credentials(ops: Catalogue, token: Operation) -> str:
    return f"""### 3. Broker and importer software: client credentials

For software acting for one business without a person present (a customs broker's system, an importer's ERP).

1. A business account manager (BAM, scope `business_profile:write`) creates an API client for the business: \
{ops["create_api_client"]} with the scopes it may use (never more than the manager holds). The `client_secret` \
is shown once.
2. The software gets a token: {token} with `grant_type=client_credentials` and the client's credentials, as \
`client_id` and `client_secret` in the form body or as HTTP Basic, optionally `scope` for a subset. The token \
lives 5 minutes and has no refresh token: ask for a new one.
3. The token acts on its business only. Rotate the secret with {ops["rotate_api_client_secret"]}, list the \
clients with {ops["list_api_clients"]}, revoke one with {ops["revoke_api_client"]}."""


def _token_exchange(ops: Catalogue, token: Operation) -> str:
    return f"""### 4. Least privilege: token exchange (RFC 8693)

Before handing a token to a component that works on one client only (a broker's per-client job), narrow it: \
{token} with `grant_type={TOKEN_EXCHANGE}`, `subject_token` (the user's access token), \
`subject_token_type=urn:ietf:params:oauth:token-type:access_token`, the business as `audience` (BN9) or \
`resource` (`urn:portal:business:<BN9>`), and optionally `program_accounts` (space-separated BN15s) and `scope`. \
The new token works on that business (and those program accounts) only, with at most the subject's scopes; \
anything wider is refused (`invalid_target`, `invalid_scope`)."""


def _try_it(ops: Catalogue, token: Operation) -> str:
    return f"""### Trying it here

**Authorize** (top right) accepts an access token obtained by any flow above (`bearer`), or gets one from \
{token} with an API client's credentials (`oauth2`, client credentials). The authorization code flow needs \
the portal frontend's consent page: run it from your application. Each operation shows its scope (`x-scope`) \
and acting level (`x-acting`); the token's scopes are intersected with the caller's role on the business, and \
a refusal is a 403 problem naming the missing scope."""


def _conventions(ops: Catalogue) -> str:
    lines = [
        "### Conventions",
        "- **Errors** are RFC 9457 `application/problem+json`: `type`, `title`, `status`, `detail`, a stable "
        "machine-readable `code`, `errors` (one per field for a 422), and the `request_id` to quote when "
        "reporting. `title` and `detail` follow `Accept-Language` (`en`, `fr`). OAuth token errors also carry "
        "the OAuth `error` member.",
    ]
    idempotent = ops.with_header("Idempotency-Key")
    idempotency = (
        "- **Idempotency-Key**: operations that create money movements, declarations, ruling submissions or "
        "relationship requests take an `Idempotency-Key` header: send a unique key (e.g. a UUID) and resend the "
        "same one when retrying. The replay returns the first response; the same key with a different body is "
        "refused (422 `idempotency_key_reused`)."
    )
    if idempotent:
        idempotency += f" They are: {_examples(idempotent)}."
    lines.append(idempotency)
    conditional = ops.with_header("If-Match")
    concurrency = (
        "- **ETag / If-Match**: reads of resources that several people edit (profiles, relationships, client "
        "groups, employees' access) return an `ETag`; send it back in `If-Match` on the update. If the "
        "resource changed meanwhile the answer is 412 "
        "`precondition_failed` and nothing is written."
    )
    if conditional:
        concurrency += f" Updates that take it: {_examples(conditional)}."
    lines.append(concurrency)
    paged = ops.paged()
    paging = (
        "- **Paging**: lists take `limit` (default 10, at most 100) and an opaque `cursor`; the answer is "
        '`{"items": [...], "next_cursor": ...}`: pass `next_cursor` as `cursor` for the next page, until it is '
        "`null`."
    )
    if paged:
        paging += f" For example {_examples(paged, at_most=2)}."
    lines.append(paging)
    lines.append(
        "- **Acting context** is in the path: `/v1/businesses/{bn}/...` (BN9) and "
        "`.../program-accounts/{bn15}/...`; the caller's own resources are under `/v1/me/...`. Money is "
        '`{"amount": "54000.00", "currency": "CAD"}` (a decimal string), timestamps RFC 3339 UTC.'
    )
    lines.append("- **Rate limits** answer 429 with `Retry-After`; long work answers 202 with a `Location` to poll.")
    lines.append(
        "- **Browser apps** on another origin are allowed by the operator, origin by origin (CORS): the headers "
        "above (`ETag`, `Location`, `Retry-After`, `RateLimit-*`, `X-Request-ID`) are readable from them, on "
        "problems too. The token goes in `Authorization`; the API sets no cookies and reads none."
    )
    lines.append(
        "- **Compression**: send `Accept-Encoding: gzip` and answers from 1 KiB on come back gzipped (lists as "
        "they stream). Answers with an `ETag` are sent as they are, so `If-Match` always gets the tag back. "
        "`/openapi.json` has an `ETag`: revalidate it with `If-None-Match`."
    )
    return "\n".join(lines)
