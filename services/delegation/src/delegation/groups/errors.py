from __future__ import annotations

from delegation.errors import DelegationError
from portal_runtime.problems import FieldError


class ClientGroupNotFound(DelegationError):
    status, code, title = 404, "client_group_not_found", "Client group not found"

    def __init__(self, group_id: str, bn: str) -> None:
        super().__init__(f"Business {bn} has no client group {group_id}.")


class GroupNameTaken(DelegationError):
    status, code, title = 409, "group_name_taken", "A client group has this name"

    def __init__(self, name: str) -> None:
        super().__init__(f"Your business already has a client group named {name!r}.")


class ClientsUnavailable(DelegationError):
    status, code, title = 422, "clients_unavailable", "Clients not available for this group"

    def __init__(self, unavailable: list[tuple[int, str, str]]) -> None:
        super().__init__(
            "A client is available when its relationship with your business is active and it is in none of your "
            f"other groups; not available: {', '.join(bn for _, bn, _ in unavailable)}.",
            errors=[
                FieldError(field=f"clients.{index}", message=f"{bn} is not available: {why}", code=why)
                for index, bn, why in unavailable
            ],
            unavailable_clients=[bn for _, bn, _ in unavailable],
        )


class ClientNotInGroup(DelegationError):
    status, code, title = 404, "client_not_in_group", "Client not in the group"

    def __init__(self, client_bn: str, group_id: str) -> None:
        super().__init__(f"Client {client_bn} is not in client group {group_id}.")


class GroupAssignmentNotFound(DelegationError):
    status, code, title = 404, "group_assignment_not_found", "Employee not assigned to the group"

    def __init__(self, user_id: str, group_id: str) -> None:
        super().__init__(f"User {user_id} is not assigned to client group {group_id}.")


class ConfirmationRequired(DelegationError):
    status, code, title = 422, "confirmation_required", "Explicit confirmation required"

    def __init__(self, expected: str) -> None:
        super().__init__(
            f'This cannot be undone: send {{"confirmation": "{expected}"}} to confirm it.',
            errors=[FieldError(field="confirmation", message=f"type {expected}", code="confirmation_required")],
        )


class OperationNotFound(DelegationError):
    status, code, title = 404, "operation_not_found", "Operation not found"

    def __init__(self, operation_id: str, bn: str) -> None:
        super().__init__(f"Business {bn} has no operation {operation_id}.")


class GroupPreconditionFailed(DelegationError):
    status, code, title = 412, "precondition_failed", "The client group changed since you read it"

    def __init__(self, current: str) -> None:
        super().__init__(
            "If-Match does not match the group's current ETag.",
            remediation="GET the group again and reapply your change.",
            current_etag=current,
        )
