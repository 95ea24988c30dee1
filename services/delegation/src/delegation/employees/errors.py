from __future__ import annotations

from delegation.errors import DelegationError


class AlreadyAssociated(DelegationError):
    status, code, title = 409, "already_associated", "Already associated with the business"

    def __init__(self, user_id: str, bn: str) -> None:
        super().__init__(f"User {user_id} already has access to business {bn}.")


class EmployeeNotFound(DelegationError):
    status, code, title = 404, "employee_not_found", "Employee not found"

    def __init__(self, user_id: str, bn: str) -> None:
        super().__init__(f"User {user_id} has no access to business {bn}.")


class OwnAccessChange(DelegationError):
    status, code, title = 403, "own_access", "Users cannot change their own access"

    def __init__(self) -> None:
        super().__init__("You cannot change or remove your own access; another account manager must.")


class ManagerOutranked(DelegationError):
    status, code, title = 403, "manager_outranked", "A program account manager cannot change a BAM"

    def __init__(self, user_id: str) -> None:
        super().__init__(
            f"User {user_id} is a business account manager: only another business account manager can change them.",
            remediation="Ask a business account manager.",
        )


class LastBusinessAccountManager(DelegationError):
    status, code, title = 409, "last_bam", "Every business needs a business account manager"

    def __init__(self, bn: str) -> None:
        super().__init__(
            f"This would leave business {bn} without a business account manager (BAM).",
            remediation="Make another employee BAM first.",
        )


class EmployeePreconditionFailed(DelegationError):
    status, code, title = 412, "precondition_failed", "The employee's access changed since you read it"

    def __init__(self, current: str) -> None:
        super().__init__(
            "If-Match does not match the employee's current ETag.",
            remediation="GET the employee again and reapply your change.",
            current_etag=current,
        )
