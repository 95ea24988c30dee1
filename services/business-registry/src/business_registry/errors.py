from portal_runtime.problems import PortalError


class BusinessregistryError(PortalError):
    """Base of the business-registry service's errors (rendered as RFC 9457 problems)."""
