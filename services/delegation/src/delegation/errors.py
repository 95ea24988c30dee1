"""The delegation service's errors: each carries its HTTP status, a stable ``code`` and a title (RFC 9457)."""

from __future__ import annotations

from portal_runtime.problems import PortalError


class DelegationError(PortalError):
    """Base of the delegation service's errors (rendered as RFC 9457 problems)."""


class BusinessNotRegistered(DelegationError):
    status, code, title = 404, "business_not_registered", "Business not registered"

    def __init__(self, bn: str) -> None:
        super().__init__(
            f"No business {bn} is registered on the portal.",
            remediation="Check the business number, or register the business first.",
        )


class ContextMismatch(DelegationError):
    """The gateway's context names another business than the path: never forwarded by a correct gateway."""

    status, code, title = 403, "context_mismatch", "Acting context does not match the path"

    def __init__(self, bn: str) -> None:
        super().__init__(f"The acting context does not name business {bn}.")


class UserRequired(DelegationError):
    status, code, title = 403, "user_required", "A signed-in user is required"

    def __init__(self) -> None:
        super().__init__("Only a user, not an API client acting for itself, can do this.")


class NotAccountManager(DelegationError):
    status, code, title = 403, "not_account_manager", "Business or program account manager required"

    def __init__(self, bn: str) -> None:
        super().__init__(
            f"Only a business account manager (BAM) or program account manager (PAM) of {bn} can do this.",
            remediation="Ask a BAM or PAM of the business.",
        )


class BusinessAccountManagerRequired(DelegationError):
    status, code, title = 403, "bam_required", "Business account manager required"

    def __init__(self, bn: str) -> None:
        super().__init__(f"Only a business account manager (BAM) of {bn} can do this.")


class PreconditionRequired(DelegationError):
    """An update of a versioned resource without If-Match (RFC 6585 §3)."""

    status, code, title = 428, "precondition_required", "If-Match is required"

    def __init__(self, resource: str, url: str) -> None:
        super().__init__(
            f"Updates of a {resource} must send the If-Match header with the ETag of the {resource} as you read it, "
            "so that a concurrent change is not overwritten.",
            remediation=f"GET {url} for its ETag, then repeat this request with the header If-Match: <ETag>.",
        )
