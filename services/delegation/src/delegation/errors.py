from portal_runtime.problems import PortalError


class DelegationError(PortalError):
    """Base of the delegation service's errors (rendered as RFC 9457 problems)."""
