from portal_runtime.problems import PortalError


class NotificationsError(PortalError):
    """Base of the notifications service's errors (rendered as RFC 9457 problems)."""
