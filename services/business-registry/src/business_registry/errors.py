"""The business registry's problems. Each names its status, stable ``code`` and title; the registry's handler
adds the extension members an error carries (``attempts_left``, ``retry_after_s``) to the RFC 9457 body."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from portal_runtime.problems import PROBLEM_MEDIA_TYPE, FieldError, PortalError, Problem, problem_response


class BusinessRegistryError(PortalError):
    """Base of the business-registry service's errors (rendered as RFC 9457 problems)."""

    def __init__(self, detail: str | None = None, *, extensions: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.extensions = extensions or {}


class RegistrationProblem(Problem):
    """A problem of the registration, with how many attempts remain."""

    attempts_left: int | None = None
    retry_after_s: int | None = None


class InvalidBusinessNumber(BusinessRegistryError):
    status, code, title = 422, "invalid_business_number", "The business number is not valid"

    def __init__(self, bn: str, field: str = "bn") -> None:
        super().__init__(
            f"{bn} is not a business number: its last digit does not match the check digit.",
            errors=[FieldError(field=field, message="The check digit does not match", code="invalid_check_digit")],
        )


class BusinessNotFound(BusinessRegistryError):
    status, code, title = 404, "business_not_found", "Business not found"


class BusinessNotInRegister(BusinessRegistryError):
    """Registration names a BN the revenue agency's register does not hold."""

    status, code, title = 422, "business_not_found", "Business not found in the business register"

    def __init__(self, bn: str) -> None:
        super().__init__(
            f"The revenue agency has no business with the number {bn}.",
            errors=[FieldError(field="bn", message="Unknown to the business register", code="not_found")],
            remediation="Check the business number, or register it with the Canada Revenue Agency first.",
        )


class ProgramAccountNotFound(BusinessRegistryError):
    status, code, title = 404, "program_account_not_found", "Program account not found"


class ProgramAccountNotInRegister(BusinessRegistryError):
    status, code, title = 422, "program_account_not_found", "Program account not found in the business register"

    def __init__(self, bn: str, program_reference: str) -> None:
        super().__init__(
            f"Business {bn} has no import-export program account {program_reference}.",
            errors=[FieldError(field="program_reference", message="Not a program account of this business")],
            remediation="Use the RM reference of one of the business's import-export program accounts (e.g. RM0001).",
        )


class ProofOutsideWindow(BusinessRegistryError):
    status, code, title = 422, "proof_outside_window", "An answer is outside the six calendar years before today"


class BusinessAlreadyRegistered(BusinessRegistryError):
    status, code, title = 409, "business_already_registered", "The business is already registered"

    def __init__(self, bn: str) -> None:
        super().__init__(
            f"Business {bn} is already registered on the portal; a business can be registered only once.",
            remediation=f"Request access to your employer instead: POST /v1/businesses/{bn}/access-requests.",
        )


class RegisterMismatch(BusinessRegistryError):
    status, code, title = 422, "register_mismatch", "The business information does not match the revenue agency's"


class ProofOfKnowledgeFailed(BusinessRegistryError):
    status, code, title = 422, "proof_of_knowledge_failed", "The answers about the account could not be confirmed"


class TooManyAttempts(BusinessRegistryError):
    status, code, title = 429, "too_many_attempts", "Too many failed registration attempts"


class LedgerUnavailable(BusinessRegistryError):
    status, code, title = 503, "ledger_unavailable", "The ledger is unavailable"


class BusinessNotActedOn(BusinessRegistryError):
    status, code, title = 403, "business_not_in_context", "The request does not act on this business"


class ProgramAccountNotAllowed(BusinessRegistryError):
    status, code, title = 403, "program_account_not_allowed", "Your access does not cover this program account"


class IfMatchRequired(BusinessRegistryError):
    status, code, title = 428, "precondition_required", "If-Match is required"


class VersionMismatch(BusinessRegistryError):
    status, code, title = 412, "precondition_failed", "The resource changed since you read it"


async def render(_: Request, exc: Exception) -> JSONResponse:
    """The runtime's problem body plus the error's extension members."""
    assert isinstance(exc, BusinessRegistryError)
    response = problem_response(
        exc.status,
        exc.code,
        exc.title,
        exc.detail,
        errors=exc.errors,
        remediation=exc.remediation,
        headers=exc.headers,
        **exc.extra,
    )
    if not exc.extensions:
        return response
    body = json.loads(bytes(response.body)) | exc.extensions
    return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_MEDIA_TYPE, headers=exc.headers)
