from portal_runtime.problems import PortalError


class RulingsError(PortalError):
    """Base of the rulings service's errors (rendered as RFC 9457 problems)."""
