from __future__ import annotations

from delegation.errors import DelegationError


class RelationshipRequestNotFound(DelegationError):
    status, code, title = 404, "relationship_request_not_found", "Relationship request not found"

    def __init__(self, request_id: str, bn: str) -> None:
        super().__init__(f"Business {bn} has no relationship request {request_id}.")


class RelationshipNotFound(DelegationError):
    status, code, title = 404, "relationship_not_found", "Business relationship not found"

    def __init__(self, relationship_id: str, bn: str) -> None:
        super().__init__(f"Business {bn} has no business relationship {relationship_id}.")


class OwnBusinessRelationship(DelegationError):
    status, code, title = 422, "own_business", "A business cannot be its own client"

    def __init__(self) -> None:
        super().__init__("The client business number is the provider's own.")


class RelationshipRequestPending(DelegationError):
    status, code, title = 409, "relationship_request_pending", "A relationship request is already pending"

    def __init__(self, client_bn: str) -> None:
        super().__init__(
            f"A request to act for business {client_bn} already awaits the client's decision.",
            remediation="Wait for the decision, or cancel the pending request.",
        )


class RejectedRequestNotCancelled(DelegationError):
    status, code, title = 409, "rejected_request_not_cancelled", "Cancel the rejected request first"

    def __init__(self, client_bn: str, request_id: str) -> None:
        super().__init__(
            f"Business {client_bn} rejected your request {request_id}; cancel it before sending a new one.",
            remediation=f"DELETE the relationship request {request_id}, then ask again.",
            rejected_request_id=request_id,
        )


class RelationshipExists(DelegationError):
    status, code, title = 409, "relationship_exists", "The business relationship already exists"

    def __init__(self, client_bn: str) -> None:
        super().__init__(f"Your business already has an active relationship with business {client_bn}.")


class RelationshipRequestNotPending(DelegationError):
    status, code, title = 409, "relationship_request_not_pending", "The relationship request was already decided"

    def __init__(self, request_id: str, status: str) -> None:
        super().__init__(f"Relationship request {request_id} is {status}; only a pending request can be decided.")


class RelationshipRequestNotCancellable(DelegationError):
    status, code, title = 409, "relationship_request_not_cancellable", "The relationship request cannot be cancelled"

    def __init__(self, request_id: str, status: str) -> None:
        super().__init__(f"Relationship request {request_id} is {status}; only pending or rejected ones are cancelled.")


class RelationshipNotActive(DelegationError):
    status, code, title = 409, "relationship_not_active", "The business relationship has ended"

    def __init__(self, relationship_id: str, status: str) -> None:
        super().__init__(f"Business relationship {relationship_id} is {status}.")


class ProgramsRequired(DelegationError):
    status, code, title = 422, "programs_required", "Program management lists program accounts"

    def __init__(self) -> None:
        super().__init__("A program management relationship needs a non-empty list of the client's program accounts.")


class ExpiryNotInFuture(DelegationError):
    status, code, title = 422, "expiry_not_in_future", "The expiry date must be in the future"

    def __init__(self, expires_on: str) -> None:
        super().__init__(f"The expiry date {expires_on} is not after today.")


class PreconditionFailed(DelegationError):
    status, code, title = 412, "precondition_failed", "The relationship changed since you read it"

    def __init__(self, current: str) -> None:
        super().__init__(
            "If-Match does not match the relationship's current ETag.",
            remediation="GET the relationship again and reapply your change.",
            current_etag=current,
        )


class ProgramsOutsideRelationship(DelegationError):
    status, code, title = 403, "programs_outside_relationship", "Program accounts outside the relationship"

    def __init__(self, missing: list[str]) -> None:
        what = "all program accounts" if missing == ["all"] else ", ".join(missing)
        super().__init__(f"The assignment goes beyond what you may delegate: {what}.", missing_programs=missing)


class NotProviderEmployee(DelegationError):
    status, code, title = 422, "not_provider_employee", "Not an employee of the provider"

    def __init__(self, user_id: str, bn: str) -> None:
        super().__init__(
            f"User {user_id} is not an employee of business {bn}; only its own staff are assigned to clients.",
            remediation="The user first asks for access to your business.",
        )


class ProviderBamImplicit(DelegationError):
    status, code, title = 422, "provider_bam_implicit", "Business account managers act for every client"

    def __init__(self, user_id: str) -> None:
        super().__init__(f"User {user_id} is a BAM of the provider: its proxy role comes from the relationship.")


class NotProxyManager(DelegationError):
    status, code, title = 403, "not_proxy_manager", "Proxy program account manager required"

    def __init__(self, client_bn: str) -> None:
        super().__init__(
            f"A program account manager assigns staff to client {client_bn} only if it is itself proxy PAM there.",
            remediation="Ask a business account manager of your business.",
        )


class AssignmentNotFound(DelegationError):
    status, code, title = 404, "assignment_not_found", "Assignment not found"

    def __init__(self, user_id: str, relationship_id: str) -> None:
        super().__init__(f"User {user_id} is not assigned to relationship {relationship_id}.")


class IdempotencyKeyReused(DelegationError):
    status, code, title = 422, "idempotency_key_reused", "Idempotency key reused with another request"

    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was sent before with a different request body.")
