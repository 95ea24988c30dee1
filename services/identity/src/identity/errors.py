from portal_runtime.problems import PortalError


class IdentityError(PortalError):
    """Base of the identity service's errors (rendered as RFC 9457 problems)."""
