from __future__ import annotations

from delegation.errors import DelegationError
from portal_runtime.problems import FieldError


class AccessRequestNotFound(DelegationError):
    status, code, title = 404, "access_request_not_found", "Access request not found"

    def __init__(self, request_id: str, bn: str) -> None:
        super().__init__(f"Business {bn} has no access request {request_id}.")


class AccessRequestPending(DelegationError):
    status, code, title = 409, "access_request_pending", "An access request is already pending"

    def __init__(self, bn: str) -> None:
        super().__init__(
            f"You already asked for access to business {bn}; the request awaits its account managers' decision.",
            remediation="Wait for the decision: GET /v1/me/access-requests shows it.",
        )


class AccessRequestNotPending(DelegationError):
    status, code, title = 409, "access_request_not_pending", "The access request was already decided"

    def __init__(self, request_id: str, status: str) -> None:
        super().__init__(f"Access request {request_id} is {status}; only a pending request can be decided.")


class OwnAccessRequest(DelegationError):
    status, code, title = 403, "own_access_request", "Users cannot decide their own access"

    def __init__(self) -> None:
        super().__init__("You cannot approve or reject your own access request; another account manager must.")


class RoleNotGrantable(DelegationError):
    status, code, title = 403, "role_not_grantable", "Role above your own"

    def __init__(self, role: str, own_role: str) -> None:
        super().__init__(f"A {own_role} cannot grant the role {role}.", remediation="Ask a business account manager.")


class ProgramsNotHeld(DelegationError):
    status, code, title = 403, "programs_not_held", "Program accounts outside your own access"

    def __init__(self, missing: list[str]) -> None:
        what = "all program accounts" if missing == ["all"] else ", ".join(missing)
        super().__init__(
            f"A program account manager grants only program accounts it holds itself; you do not hold {what}.",
            missing_programs=missing,
        )


class UnknownProgramAccounts(DelegationError):
    status, code, title = 422, "unknown_program_accounts", "Program accounts not of this business"

    def __init__(self, bn: str, unknown: list[tuple[int, str]]) -> None:
        super().__init__(
            f"Not program accounts of business {bn}: {', '.join(bn15 for _, bn15 in unknown)}.",
            errors=[
                FieldError(
                    field=f"programs.{index}",
                    message=f"{bn15} is not a program account of business {bn}",
                    code="unknown_program_account",
                )
                for index, bn15 in unknown
            ],
        )
