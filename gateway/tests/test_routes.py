"""The route table compiled from OpenAPI documents: matching, 404/405, and the refusals at start-up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from portal_contracts import OPENAPI_DIR
from portal_gateway.config import DEFAULT_SERVICES, Settings
from portal_gateway.errors import MethodNotAllowed, RouteTableError
from portal_gateway.main import create_app
from portal_gateway.routes import RouteTable
from portal_runtime.access import MAX_BODY_BYTES, Acting, access
from portal_runtime.problems import NotFound


def op(acting: str | None = "business", scope: str | None = "financial:read", **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"responses": {"200": {"description": "ok"}}, **extra}
    if acting is not None:
        spec["x-acting"] = acting
    if scope is not None:
        spec["x-scope"] = scope
    return spec


def doc(paths: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths}


REGISTRY = doc(
    {
        # Listed before the literal on purpose: matching must not depend on document order.
        "/v1/businesses/{bn}": {"get": op(scope="business_profile:read"), "patch": op(scope="business_profile:write")},
        "/v1/businesses/lookup": {"get": op("public", None)},
        "/v1/businesses/{bn}/program-accounts/{bn15}": {"get": op("program_account", "program_accounts:read")},
        "/v1/businesses/{sp_bn}/client-groups": {"post": op(scope="relationships:write")},
        "/healthz": {"get": op(None, None, tags=["operations"])},
    }
)
LEDGER = doc(
    {
        "/v1/businesses/{bn}/balance": {"get": op()},
        "/v1/me/notices": {"get": op("self", None)},
        "/internal/proof-checks": {"post": op(None, None)},
    }
)


@pytest.fixture(scope="module")
def table() -> RouteTable:
    return RouteTable.from_documents({"business-registry": REGISTRY, "ledger": LEDGER})


def test_literal_segment_beats_parameter_whatever_the_document_order(table: RouteTable) -> None:
    lookup = table.match("GET", "/v1/businesses/lookup")
    business = table.match("GET", "/v1/businesses/123456789")

    assert lookup.operation.template == "/v1/businesses/lookup"
    assert lookup.operation.acting is Acting.PUBLIC
    assert business.operation.template == "/v1/businesses/{bn}"
    assert business.business == "123456789"


def test_a_literal_branch_that_dead_ends_falls_back_to_the_parameter(table: RouteTable) -> None:
    match = table.match("GET", "/v1/businesses/lookup/balance")

    assert match.operation.service == "ledger"
    assert match.business == "lookup"


def test_business_and_program_account_are_taken_from_the_path(table: RouteTable) -> None:
    match = table.match("GET", "/v1/businesses/123456789/program-accounts/123456789RM0001")
    provider = table.match("POST", "/v1/businesses/111111118/client-groups")

    assert match.path_params == {"bn": "123456789", "bn15": "123456789RM0001"}
    assert (match.business, match.program_account) == ("123456789", "123456789RM0001")
    assert match.operation.scope == "program_accounts:read"
    assert provider.business == "111111118"  # {sp_bn} names the business acted on too
    assert provider.program_account is None


@pytest.mark.parametrize(
    "path",
    [
        "/v1/nothing-here",
        "/v1/businesses/123456789/unknown",
        "/v1/businesses/",  # an empty segment is not a business number
        "/v1//businesses",
        "/v1/businesses/../internal/proof-checks",  # an HTTP client would resolve the dot segments
        "/v1/businesses/./123456789",
        "",
    ],
)
def test_an_unknown_path_is_a_404_problem(table: RouteTable, path: str) -> None:
    with pytest.raises(NotFound) as raised:
        table.match("GET", path)

    assert raised.value.status == 404


def test_a_known_path_with_another_method_is_a_405_listing_the_allowed_ones(table: RouteTable) -> None:
    with pytest.raises(MethodNotAllowed) as raised:
        table.match("DELETE", "/v1/businesses/123456789")

    assert raised.value.status == 405
    assert raised.value.headers == {"Allow": "GET, HEAD, PATCH"}  # HEAD: the gateway answers it for the GET


MFA = doc(
    {
        "/v1/me/mfa/totp": {"post": op("self", None)},
        "/v1/me/mfa/{method}": {"delete": op("self", None), "get": op("self", None)},
    }
)


def test_a_path_that_fits_a_literal_and_a_parameter_template_reaches_the_one_that_takes_the_method() -> None:
    table = RouteTable.from_documents({"identity": MFA})

    enrol = table.match("POST", "/v1/me/mfa/totp")
    remove = table.match("DELETE", "/v1/me/mfa/totp")  # removing the authenticator app: the {method} template

    assert enrol.operation.template == "/v1/me/mfa/totp"
    assert (remove.operation.template, remove.path_params) == ("/v1/me/mfa/{method}", {"method": "totp"})
    assert table.head_as_get("/v1/me/mfa/totp")  # the {method} template's GET
    with pytest.raises(MethodNotAllowed) as raised:
        table.match("PUT", "/v1/me/mfa/totp")
    assert raised.value.headers == {"Allow": "DELETE, GET, HEAD, POST"}  # every method the path takes


def test_no_path_an_operation_of_the_committed_contracts_takes_is_refused_its_method() -> None:
    """A parameter whose value is a literal segment of another template (``DELETE /v1/me/mfa/totp``) still
    reaches an operation that takes the method; the one whose template has the literal wins where both do."""
    documents = {p.stem: json.loads(p.read_text()) for p in sorted(OPENAPI_DIR.glob("*.json"))}
    table = RouteTable.from_documents(documents)
    literals = {s for o in table.operations for s in o.template.split("/") if s and not s.startswith("{")}
    checked = 0

    for operation in table.operations:
        segments = ["x1" if s.startswith("{") else s for s in operation.template.split("/")]
        for position, segment in enumerate(operation.template.split("/")):
            if not segment.startswith("{"):
                continue
            for value in literals:
                path = "/".join([*segments[:position], value, *segments[position + 1 :]])
                found = table.match(operation.method, path).operation
                assert found.method == operation.method, (operation.template, path)
                assert found is operation or found.template.count("{") < operation.template.count("{"), path
                checked += 1

    assert checked > 1000


def test_head_is_matched_only_as_a_get_the_gateway_sends_since_the_services_do_not_answer_it(
    table: RouteTable,
) -> None:
    with pytest.raises(MethodNotAllowed):
        table.match("HEAD", "/v1/businesses/123456789/balance")
    assert table.head_as_get("/v1/businesses/123456789/balance")
    assert not table.head_as_get("/v1/businesses/123456789/payments")  # POST only
    assert not table.head_as_get("/v1/no/such/path")


def test_internal_paths_and_operations_endpoints_are_never_routed(table: RouteTable) -> None:
    templates = {o.template for o in table.operations}

    assert "/internal/proof-checks" not in templates  # no x-acting, yet no refusal: it is never routed
    assert "/healthz" not in templates
    for path in ("/internal/proof-checks", "/healthz"):
        with pytest.raises(NotFound):
            table.match("POST" if "internal" in path else "GET", path)
    assert len(table) == 7


def test_an_operation_without_x_acting_refuses_the_start_naming_it() -> None:
    forgetful = doc({"/v1/businesses/{bn}/payments": {"post": op(acting=None)}})

    with pytest.raises(RouteTableError, match=r"ledger: POST /v1/businesses/\{bn\}/payments declares no x-acting"):
        RouteTable.from_documents({"ledger": forgetful})


@pytest.mark.parametrize(
    ("template", "acting", "scope", "complaint"),
    [
        ("/v1/businesses/{bn}/balance", "business", None, "declares no x-scope"),
        ("/v1/balances", "business", "financial:read", "its path names none"),
        ("/v1/businesses/{bn}/transactions", "program_account", "financial:read", r"names none \(\{bn15\}\)"),
        ("/v1/businesses/{bn}/x", "everyone", None, "unknown x-acting 'everyone'"),
        ("/v1/feeds", "internal", None, "is internal but not under /internal/"),
        ("/v1/items/{code}.json", "public", None, "must be a whole segment"),
    ],
)
def test_operations_the_gateway_could_not_enforce_are_refused(
    template: str, acting: str, scope: str | None, complaint: str
) -> None:
    with pytest.raises(RouteTableError, match=complaint):
        RouteTable.from_documents({"ledger": doc({template: {"get": op(acting, scope)}})})


def test_an_operation_may_declare_its_own_body_limit() -> None:
    upload = op(scope="rulings:write") | {MAX_BODY_BYTES: 160 * 1024 * 1024}
    table = RouteTable.from_documents(
        {"rulings": doc({"/v1/businesses/{bn}/documents": {"post": upload, "get": op(scope="rulings:read")}})}
    )

    assert table.match("POST", "/v1/businesses/123456789/documents").operation.max_body_bytes == 160 * 1024 * 1024
    assert table.match("GET", "/v1/businesses/123456789/documents").operation.max_body_bytes is None


@pytest.mark.parametrize("declared", [0, -1, "10MB", 1.5, True, None])
def test_a_body_limit_that_is_not_a_positive_byte_count_refuses_the_start(declared: object) -> None:
    upload = op(scope="rulings:write") | {MAX_BODY_BYTES: declared}
    document = {"rulings": doc({"/v1/businesses/{bn}/documents": {"post": upload}})}
    if declared is None:  # absent and null alike: the gateway's default applies
        assert RouteTable.from_documents(document).operations[0].max_body_bytes is None
        return
    with pytest.raises(RouteTableError, match=r"rulings: POST /v1/businesses/\{bn\}/documents has x-portal-max-body"):
        RouteTable.from_documents(document)


def test_access_declares_the_body_limit_and_refuses_a_meaningless_one() -> None:
    assert access(Acting.BUSINESS, "rulings:write", max_body_bytes=4096)[MAX_BODY_BYTES] == 4096
    assert MAX_BODY_BYTES not in access(Acting.BUSINESS, "rulings:write")
    for wrong in (0, -5, True):
        with pytest.raises(ValueError, match="positive number of bytes"):
            access(Acting.BUSINESS, "rulings:write", max_body_bytes=wrong)


def test_two_services_declaring_the_same_operation_refuse_the_start() -> None:
    rulings = doc({"/v1/businesses/{bn}/balance": {"get": op(scope="rulings:read")}})

    with pytest.raises(RouteTableError, match=r"declared by ledger .* and by rulings"):
        RouteTable.from_documents({"ledger": LEDGER, "rulings": rulings})


def test_templates_that_differ_only_in_parameter_names_are_duplicates() -> None:
    first = doc({"/v1/businesses/{bn}/groups": {"get": op(scope="relationships:read")}})
    second = doc({"/v1/businesses/{sp_bn}/groups": {"get": op(scope="relationships:read")}})

    with pytest.raises(RouteTableError, match="unambiguously"):
        RouteTable.from_documents({"delegation": first, "rulings": second})


def test_the_committed_contracts_compile() -> None:
    table = RouteTable.from_directory(OPENAPI_DIR, DEFAULT_SERVICES)

    jwks = table.match("GET", "/v1/oauth/jwks")
    assert (jwks.operation.service, jwks.operation.acting) == ("identity", Acting.PUBLIC)
    assert all(not o.template.endswith(("/healthz", "/readyz")) for o in table.operations)


def test_a_contract_for_a_service_without_a_url_refuses_the_start(tmp_path: Path) -> None:
    (tmp_path / "payroll.json").write_text(json.dumps(LEDGER))

    with pytest.raises(RouteTableError, match="'payroll', which has no base URL"):
        RouteTable.from_directory(tmp_path, DEFAULT_SERVICES)


def test_create_app_refuses_to_start_on_a_contract_missing_x_acting(tmp_path: Path) -> None:
    (tmp_path / "ledger.json").write_text(json.dumps(doc({"/v1/businesses/{bn}/payments": {"post": op(None)}})))

    with pytest.raises(RouteTableError, match="ledger: POST"):
        create_app(Settings(environment="test", contracts_dir=tmp_path))
